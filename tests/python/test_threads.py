"""Several Python threads using the plugin at once: each runs its own jitted
functions (compiling while others execute) and must get the cpu backend's
answers."""

import threading

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

FUNCTIONS = [
    lambda x: jnp.sin(x) @ x.T,
    lambda x: jnp.cumsum(x, axis=1) - jnp.max(x),
    lambda x: lax.fori_loop(0, 5, lambda i, c: c * 0.9 + jnp.tanh(c), x),
    lambda x: jnp.sort(x, axis=0)[::-1],
    lambda x: jax.grad(lambda w: jnp.sum(jnp.tanh(w @ x) ** 2))(x.T),
    lambda x: lax.cond(jnp.sum(x) > 0, jnp.exp, jnp.cos, x),
    lambda x: jnp.fft.rfft(x).real,
    lambda x: x.at[jnp.array([0, 2, 2])].add(1.0) / 3,
]


def test_eight_threads_run_different_functions(mps, cpu):
  rng = np.random.default_rng(0)
  inputs = [rng.standard_normal((6, 6)).astype(np.float32) for _ in FUNCTIONS]
  expected = [np.asarray(jax.jit(f)(jax.device_put(x, cpu))) for f, x in zip(FUNCTIONS, inputs)]
  errors, barrier = [], threading.Barrier(len(FUNCTIONS))

  def worker(i):
    try:
      barrier.wait()
      for round_ in range(10):
        # A fresh jit each round: compiles overlap other threads' executions.
        f = jax.jit(lambda x, f=FUNCTIONS[i], r=round_: f(x) + 0 * r)
        got = np.asarray(f(jax.device_put(inputs[i], mps)))
        np.testing.assert_allclose(got, expected[i], rtol=1e-4, atol=1e-4)
    except Exception as e:  # reported on the main thread
      errors.append((i, repr(e)))

  threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(FUNCTIONS))]
  for t in threads:
    t.start()
  for t in threads:
    t.join(timeout=300)
  assert not any(t.is_alive() for t in threads), "a thread hung"
  assert errors == []


def test_buffers_shared_between_threads(mps):
  x = jax.device_put(np.arange(1000, dtype=np.float32), mps)
  results = [None] * 8

  def worker(i):
    results[i] = float(jax.jit(lambda v: jnp.sum(v * i))(x))

  threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
  for t in threads:
    t.start()
  for t in threads:
    t.join(timeout=120)
  assert results == [float(np.sum(np.arange(1000, dtype=np.float32) * i)) for i in range(8)]
