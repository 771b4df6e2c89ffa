"""Equinox modules trained on mps vs cpu: eqx.filter_jit and
eqx.filter_value_and_grad around an optax update, for an MLP, a CNN, an
attention block with rotary embeddings, a GRU over lax.scan and a stateful
BatchNorm model. Losses and trained arrays must agree; eqx.error_if raises as on cpu."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from conftest import assert_same

STEPS = 3
TOL = (2e-4, 2e-5)


class Cnn(eqx.Module):
  conv: eqx.nn.Conv2d
  pool: eqx.nn.MaxPool2d
  head: eqx.nn.Linear

  def __init__(self, key):
    k1, k2 = jax.random.split(key)
    self.conv = eqx.nn.Conv2d(3, 6, kernel_size=3, padding=1, key=k1)
    self.pool = eqx.nn.MaxPool2d(kernel_size=2, stride=2)
    self.head = eqx.nn.Linear(6 * 4 * 4, 4, key=k2)

  def __call__(self, x):  # one CHW image
    return self.head(self.pool(jax.nn.relu(self.conv(x))).reshape(-1))


class Attention(eqx.Module):
  embed: eqx.nn.Embedding
  norm: eqx.nn.RMSNorm
  attn: eqx.nn.MultiheadAttention
  rope: eqx.nn.RotaryPositionalEmbedding
  out: eqx.nn.Linear

  def __init__(self, key):
    k1, k2, k3 = jax.random.split(key, 3)
    self.embed = eqx.nn.Embedding(16, 16, key=k1)
    self.norm = eqx.nn.RMSNorm(16)
    self.attn = eqx.nn.MultiheadAttention(2, 16, key=k2)
    self.rope = eqx.nn.RotaryPositionalEmbedding(8)
    self.out = eqx.nn.Linear(16, 16, key=k3)

  def __call__(self, tokens):  # one sequence
    x = self.embed.weight[tokens]
    h = jax.vmap(self.norm)(x)

    def rotate(q, k, v):  # (seq, heads, dim): RoPE on queries and keys
      per_head = lambda t: jax.vmap(self.rope, in_axes=1, out_axes=1)(t)
      return per_head(q), per_head(k), v

    t = tokens.shape[0]
    mask = jnp.tril(jnp.ones((t, t), bool))
    x = x + self.attn(h, h, h, mask=mask, process_heads=rotate)
    return jax.vmap(self.out)(x)


class Gru(eqx.Module):
  cell: eqx.nn.GRUCell
  head: eqx.nn.Linear

  def __init__(self, key):
    k1, k2 = jax.random.split(key)
    self.cell = eqx.nn.GRUCell(5, 10, key=k1)
    self.head = eqx.nn.Linear(10, 3, key=k2)

  def __call__(self, xs):  # one sequence (time, features)
    h, _ = jax.lax.scan(lambda h, x: (self.cell(x, h), None), jnp.zeros(10), xs)
    return self.head(h)


def _xent(logits, labels):
  return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()


def _data(kind):
  rng = np.random.default_rng(0)
  if kind == "mlp":
    return rng.standard_normal((16, 6)).astype(np.float32), rng.standard_normal((16, 2)).astype(
        np.float32)
  if kind == "cnn":
    return rng.standard_normal((4, 3, 8, 8)).astype(np.float32), rng.integers(0, 4, 4).astype(
        np.int32)
  if kind == "attention":
    t = rng.integers(0, 16, (3, 7)).astype(np.int32)
    return t[:, :-1], t[:, 1:]
  return rng.standard_normal((4, 6, 5)).astype(np.float32), rng.integers(0, 3, 4).astype(np.int32)


CASES = {
    "mlp_mse_adam": (lambda k: eqx.nn.MLP(6, 2, 12, 2, activation=jax.nn.gelu, key=k),
                     lambda m, x, y: jnp.mean((jax.vmap(m)(x) - y)**2), optax.adam(1e-2)),
    "cnn_sgd": (Cnn, lambda m, x, y: _xent(jax.vmap(m)(x), y), optax.sgd(0.1, momentum=0.9)),
    "attention_rope_adamw": (Attention, lambda m, x, y: _xent(jax.vmap(m)(x), y),
                             optax.adamw(1e-2)),
    "gru_scan_rmsprop": (Gru, lambda m, x, y: _xent(jax.vmap(m)(x), y), optax.rmsprop(1e-2)),
}


def _to(device, tree):
  arrays, static = eqx.partition(tree, eqx.is_array)
  return eqx.combine(jax.device_put(arrays, device), static)


def _train(device, make, loss, tx, x, y):
  model = _to(device, make(jax.random.key(0)))
  x, y = jax.device_put((x, y), device)
  opt_state = tx.init(eqx.filter(model, eqx.is_inexact_array))

  @eqx.filter_jit
  def step(model, opt_state):
    value, grads = eqx.filter_value_and_grad(loss)(model, x, y)
    updates, opt_state = tx.update(grads, opt_state, eqx.filter(model, eqx.is_inexact_array))
    return eqx.apply_updates(model, updates), opt_state, value

  losses = []
  for _ in range(STEPS):
    model, opt_state, value = step(model, opt_state)
    losses.append(value)
  return losses, eqx.filter(model, eqx.is_array)


@pytest.mark.parametrize("name", list(CASES))
def test_equinox_training_matches_cpu(name, mps, cpu):
  make, loss, tx = CASES[name]
  x, y = _data(name.split("_")[0])
  got = _train(mps, make, loss, tx, x, y)
  want = _train(cpu, make, loss, tx, x, y)
  for leaf in jax.tree.leaves(got):
    assert leaf.devices() == {mps}
  assert_same(got, want, TOL)
  assert float(got[0][-1]) < float(got[0][0]), "the loss should fall"


def test_stateful_batchnorm_and_dropout(mps, cpu):
  """eqx.nn.State carries BatchNorm statistics across steps; Dropout draws
  from a key; inference mode reads the running statistics back."""

  class Net(eqx.Module):
    l1: eqx.nn.Linear
    bn: eqx.nn.BatchNorm
    drop: eqx.nn.Dropout
    l2: eqx.nn.Linear

    def __init__(self, key):
      k1, k2 = jax.random.split(key)
      # No bias before BatchNorm: its gradient is zero in exact arithmetic, and
      # Adam would turn the rounding noise into full-size steps.
      self.l1 = eqx.nn.Linear(6, 8, use_bias=False, key=k1)
      self.bn = eqx.nn.BatchNorm(8, axis_name="batch", mode="ema")
      self.drop = eqx.nn.Dropout(0.25)
      self.l2 = eqx.nn.Linear(8, 2, key=k2)

    def __call__(self, x, state, key):
      h, state = self.bn(self.l1(x), state)
      return self.l2(self.drop(jax.nn.relu(h), key=key)), state

  x, y = _data("mlp")
  tx = optax.adam(1e-2)

  def run(device):
    model, state = eqx.nn.make_with_state(Net)(jax.random.key(0))
    model, state = _to(device, model), _to(device, state)
    xs, ys = jax.device_put((x, y), device)
    opt_state = tx.init(eqx.filter(model, eqx.is_inexact_array))

    def loss(model, state, key):
      keys = jax.random.split(key, xs.shape[0])
      out, state = jax.vmap(model, axis_name="batch", in_axes=(0, None, 0),
                            out_axes=(0, None))(xs, state, keys)
      return jnp.mean((out - ys)**2), state

    @eqx.filter_jit
    def step(model, state, opt_state, key):
      (value, state), grads = eqx.filter_value_and_grad(loss, has_aux=True)(model, state, key)
      updates, opt_state = tx.update(grads, opt_state, eqx.filter(model, eqx.is_inexact_array))
      return eqx.apply_updates(model, updates), state, opt_state, value

    losses = []
    key = jax.device_put(jax.random.key(1), device)
    for _ in range(STEPS):
      key, sub = jax.random.split(key)
      model, state, opt_state, value = step(model, state, opt_state, sub)
      losses.append(value)
    inference = eqx.nn.inference_mode(model)
    predict = eqx.filter_jit(lambda m, s: jax.vmap(m, axis_name="batch", in_axes=(0, None, None),
                                                   out_axes=(0, None))(xs, s, None)[0])
    return losses, eqx.filter(model, eqx.is_array), predict(inference, state)

  got, want = run(mps), run(cpu)
  assert_same(got, want, TOL)


def test_error_if_raises_through_a_host_callback(mps, cpu):
  """eqx.error_if is a jax.pure_callback that raises: on mps as on cpu, a
  true predicate becomes a Python error at the call, a false one passes the
  value through, and the call after an error runs."""

  @jax.jit
  def f(x):
    return eqx.error_if(x, x < 0, "negative input") * 3

  for device in (mps, cpu):
    with pytest.raises(Exception, match="negative input"):
      jax.block_until_ready(f(jax.device_put(jnp.array([1.0, -1.0]), device)))
    np.testing.assert_allclose(np.asarray(f(jax.device_put(jnp.arange(3.0), device))),
                               [0, 3, 6])
    jax.effects_barrier()
