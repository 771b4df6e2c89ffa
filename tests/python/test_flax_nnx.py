"""Flax NNX training loops on mps and on cpu: the same model (initialised once,
then moved to each device), the same batches and optimiser; the per-step
losses, the trained parameters and the BatchNorm statistics must agree."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

from conftest import assert_same

STEPS = 4
TOL = (2e-4, 2e-5)  # a few optimiser steps amplify last-bit differences a little


class Mlp(nnx.Module):

  def __init__(self, rngs):
    self.l1 = nnx.Linear(16, 32, rngs=rngs)
    self.l2 = nnx.Linear(32, 4, rngs=rngs)

  def __call__(self, x):
    return self.l2(nnx.relu(self.l1(x)))


class Cnn(nnx.Module):

  def __init__(self, rngs):
    self.conv = nnx.Conv(3, 8, kernel_size=(3, 3), rngs=rngs)
    self.bn = nnx.BatchNorm(8, rngs=rngs)
    self.dropout = nnx.Dropout(0.2, rngs=rngs)
    self.head = nnx.Linear(8 * 4 * 4, 4, rngs=rngs)

  def __call__(self, x):
    x = nnx.relu(self.bn(self.conv(x)))
    x = nnx.max_pool(x, window_shape=(2, 2), strides=(2, 2))
    return self.head(self.dropout(x.reshape(x.shape[0], -1)))


class TinyTransformer(nnx.Module):

  def __init__(self, rngs):
    self.embed = nnx.Embed(32, 16, rngs=rngs)
    self.norm1 = nnx.LayerNorm(16, rngs=rngs)
    # No biases: the key bias has a zero gradient in exact arithmetic (softmax
    # ignores a per-query constant), so Adam would amplify rounding noise.
    self.attn = nnx.MultiHeadAttention(num_heads=2, in_features=16, decode=False, use_bias=False,
                                       rngs=rngs)
    self.norm2 = nnx.RMSNorm(16, rngs=rngs)
    self.out = nnx.Linear(16, 32, rngs=rngs)

  def __call__(self, tokens):
    x = self.embed(tokens)
    mask = nnx.make_causal_mask(tokens)
    x = x + self.attn(self.norm1(x), mask=mask)
    return self.out(self.norm2(x))


class Recurrent(nnx.Module):

  def __init__(self, rngs):
    self.rnn = nnx.RNN(nnx.LSTMCell(6, 12, rngs=rngs))
    self.head = nnx.Linear(12, 3, rngs=rngs)

  def __call__(self, x):
    return self.head(self.rnn(x)[:, -1])


# One batch, fitted STEPS times, so that the loss must fall.
def _classification(shape, classes):
  rng = np.random.default_rng(0)
  batch = (rng.standard_normal(shape).astype(np.float32),
           rng.integers(0, classes, shape[0]).astype(np.int32))
  return [batch] * STEPS


def _next_token():
  t = np.random.default_rng(1).integers(0, 32, (4, 9)).astype(np.int32)
  return [(t[:, :-1], t[:, 1:])] * STEPS


CASES = {
    "mlp_adam": (Mlp, lambda: optax.adam(1e-2), lambda: _classification((8, 16), 4)),
    "cnn_batchnorm_dropout_sgd": (Cnn, lambda: optax.sgd(0.05, momentum=0.9),
                                  lambda: _classification((4, 8, 8, 3), 4)),
    "transformer_adamw": (TinyTransformer, lambda: optax.adamw(3e-3, weight_decay=0.1),
                          _next_token),
    "lstm_rmsprop": (Recurrent, lambda: optax.rmsprop(1e-2), lambda: _classification((4, 5, 6), 3)),
}


def _xent(logits, labels):
  return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()


def _train_nnx(device, make_model, make_tx, data):
  """nnx.jit loop with nnx.Optimizer; returns per-step losses, the final
  state (params, batch stats, rng counters) and an eval-mode prediction."""
  graphdef, state = nnx.split(make_model(nnx.Rngs(0, dropout=1)))
  model = nnx.merge(graphdef, jax.device_put(state, device))
  with jax.default_device(device):
    opt = nnx.Optimizer(model, make_tx(), wrt=nnx.Param)

  @nnx.jit
  def step(model, opt, x, y):
    loss, grads = nnx.value_and_grad(lambda m: _xent(m(x), y))(model)
    opt.update(model, grads)
    return loss

  losses = []
  for x, y in data:
    losses.append(step(model, opt, jax.device_put(x, device), jax.device_put(y, device)))
  model.eval()
  prediction = nnx.jit(lambda m, x: m(x))(model, jax.device_put(data[0][0], device))
  return losses, _key_data(nnx.state(model)), prediction


def _key_data(tree):
  """Typed PRNG keys (the Dropout stream) compared by their raw bits."""
  is_key = lambda x: jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key)
  return jax.tree.map(lambda x: jax.random.key_data(x) if is_key(x) else x, tree)


@pytest.mark.parametrize("name", list(CASES))
def test_nnx_training_loop_matches_cpu(name, mps, cpu):
  make_model, make_tx, make_data = CASES[name]
  data = make_data()
  got = _train_nnx(mps, make_model, make_tx, data)
  want = _train_nnx(cpu, make_model, make_tx, data)
  for leaf in jax.tree.leaves(got):
    assert leaf.devices() == {mps}
  assert_same(got, want, TOL)
  assert float(got[0][-1]) < float(got[0][0]), "the loss should fall"


def test_functional_split_merge_with_jax_jit(mps, cpu):
  """The functional NNX API: a pure jax.jit step over (graphdef, state)."""
  data = _classification((8, 16), 4)
  tx = optax.adam(1e-2)

  def run(device):
    graphdef, params = nnx.split(Mlp(nnx.Rngs(0)))
    params = jax.device_put(params, device)
    opt_state = tx.init(params)

    @jax.jit
    def step(params, opt_state, x, y):
      loss_fn = lambda p: _xent(nnx.merge(graphdef, p)(x), y)
      loss, grads = jax.value_and_grad(loss_fn)(params)
      updates, opt_state = tx.update(grads, opt_state, params)
      return optax.apply_updates(params, updates), opt_state, loss

    losses = []
    for x, y in data:
      params, opt_state, loss = step(params, opt_state, jax.device_put(x, device),
                                     jax.device_put(y, device))
      losses.append(loss)
    return losses, params

  got, want = run(mps), run(cpu)
  assert all(leaf.devices() == {mps} for leaf in jax.tree.leaves(got))
  assert_same(got, want, TOL)
