"""Buffer donation on mps (jit(..., donate_argnums=...)): the same jitted
function on mps and on cpu must give the same results, delete the same
arguments and warn the same; on mps a donated input's memory is reused for a
result of the same size."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import assert_same


def _run(fn, device, args, **jit_kw):
  """Runs jit(fn, **jit_kw) on `device`; returns (result, which args were
  deleted, the warnings' texts)."""
  placed = [jax.device_put(a, device) for a in args]
  with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    out = jax.block_until_ready(jax.jit(fn, **jit_kw)(*placed))
  deleted = [all(leaf.is_deleted() for leaf in jax.tree.leaves(a)) for a in placed]
  return out, deleted, sorted(str(w.message).split("\n")[0] for w in caught)


def _both(mps, cpu, fn, args, **jit_kw):
  got, want = _run(fn, mps, args, **jit_kw), _run(fn, cpu, args, **jit_kw)
  assert_same(got[0], want[0])
  assert got[1] == want[1], (got[1], want[1])
  assert got[2] == want[2], (got[2], want[2])
  return got


A = np.arange(12, dtype=np.float32).reshape(3, 4)
B = np.ones((3, 4), np.float32)


@pytest.mark.parametrize("case", ["first", "both", "argnames", "none"])
def test_donated_arguments_are_deleted_as_on_cpu(mps, cpu, case):
  fn = lambda x, y: (x * 2 + y, x - y)
  kw = {"first": {"donate_argnums": 0}, "both": {"donate_argnums": (0, 1)},
        "argnames": {"donate_argnames": "y"}, "none": {}}[case]
  _, deleted, caught = _both(mps, cpu, fn, (A, B), **kw)
  assert deleted == {"first": [True, False], "both": [True, True],
                     "argnames": [False, True], "none": [False, False]}[case]
  assert not any("not implemented" in w for w in caught), caught


def test_unusable_donation_warns_as_on_cpu(mps, cpu):
  """No output has the donated input's shape: JAX says so, on both."""
  _, _, caught = _both(mps, cpu, lambda x: x.sum(), (A,), donate_argnums=0)
  assert any("donated buffers were not usable" in w for w in caught), caught


def test_pytree_train_step(mps, cpu):
  params = {"w": np.linspace(-1, 1, 64, dtype=np.float32).reshape(8, 8),
            "b": np.zeros(8, np.float32)}
  x = np.linspace(0, 1, 32, dtype=np.float32).reshape(4, 8)

  def step(p, x):
    loss, g = jax.value_and_grad(lambda p: jnp.mean(jnp.tanh(x @ p["w"] + p["b"]) ** 2))(p)
    return jax.tree.map(lambda a, b: a - 0.1 * b, p, g), loss

  _, deleted, _ = _both(mps, cpu, step, (params, x), donate_argnums=0)
  assert deleted == [True, False]


def test_donated_memory_is_reused_by_the_result(mps):
  """The update runs in place: the result lives where the donated input was."""
  p = jax.device_put(jnp.ones((1024, 1024)), mps)
  g = jax.device_put(jnp.full((1024, 1024), 2.0), mps)
  address = p.unsafe_buffer_pointer()
  out = jax.jit(lambda p, g: p - 0.5 * g, donate_argnums=0)(p, g)
  assert out.unsafe_buffer_pointer() == address
  np.testing.assert_array_equal(np.asarray(out), np.zeros((1024, 1024), np.float32))


def test_without_donation_the_input_stays_valid(mps):
  p = jax.device_put(jnp.ones((256, 256)), mps)
  out = jax.jit(lambda p: p - 1)(p)
  assert out.unsafe_buffer_pointer() != p.unsafe_buffer_pointer()
  np.testing.assert_array_equal(np.asarray(p), np.ones((256, 256), np.float32))


def test_using_a_donated_array_is_an_error(mps, cpu):
  for device in (mps, cpu):
    x = jax.device_put(A, device)
    jax.jit(lambda v: v + 1, donate_argnums=0)(x)
    with pytest.raises(RuntimeError, match="deleted"):
      np.asarray(x)


def test_donation_inside_a_loop_of_steps(mps, cpu):
  """Donating the carry of repeated steps, as a training loop does."""
  results = {}
  for device in (mps, cpu):
    step = jax.jit(lambda c, k: (c * 0.5 + k, (c * k).sum()), donate_argnums=0)
    c = jax.device_put(A, device)
    sums = []
    for k in range(5):
      c, s = step(c, jnp.float32(k))
      sums.append(float(s))
    results[device.platform] = (np.asarray(c), sums)
  np.testing.assert_allclose(results["mps"][0], results["cpu"][0], rtol=1e-6)
  np.testing.assert_allclose(results["mps"][1], results["cpu"][1], rtol=1e-6)


def test_momentum_step_updates_parameters_and_state_in_place(mps, cpu, monkeypatch):
  """A gradient step whose weights also feed matmuls, with momentum state
  that both is an output and feeds the parameter update: run op by op
  (APPLEJAX_COMPILE=0; mlx::core::compile would fuse the two updates into
  one kernel with two outputs, which MLX never donates to, see README),
  every donated buffer is reused, and the results match cpu."""
  monkeypatch.setenv("APPLEJAX_COMPILE", "0")
  def loss(p, x):
    for w in p:
      x = jnp.tanh(x @ w)
    return jnp.sum(x ** 2)

  def step(p, m, x):
    g = jax.grad(loss)(p, x)
    m = [0.9 * a + 0.1 * b for a, b in zip(m, g)]
    return [a - 0.05 * jnp.sqrt(b * b + 1e-8) for a, b in zip(p, m)], m

  rng = np.random.default_rng(0)
  values = ([rng.standard_normal((128, 128), np.float32) / 12 for _ in range(2)],
            [np.zeros((128, 128), np.float32) for _ in range(2)],
            rng.standard_normal((8, 128), np.float32))
  p, m, x = jax.device_put(values, mps)
  before = [a.unsafe_buffer_pointer() for a in p + m]
  out = jax.jit(step, donate_argnums=(0, 1))(p, m, x)
  after = [a.unsafe_buffer_pointer() for a in out[0] + out[1]]
  assert after == before
  want = jax.jit(step)(*jax.device_put(values, cpu))
  assert_same(out, want)


def test_buffer_donated_and_passed_twice_is_refused_as_on_cpu(mps, cpu):
  """f(x, x) with x donated would let the program overwrite what it still
  reads: both backends refuse the call, and x survives it."""
  fn = jax.jit(lambda x, y: x + y, donate_argnums=0)
  for device in (mps, cpu):
    x = jax.device_put(np.zeros(10, np.float32), device)
    with pytest.raises(RuntimeError, match="donate"):
      jax.block_until_ready(fn(x, x))
    assert not x.is_deleted()
    np.testing.assert_array_equal(np.asarray(x), np.zeros(10, np.float32))
