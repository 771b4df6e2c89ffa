"""The first programs on the plugin: list devices, add, and a dot product.

Run with JAX_PLATFORMS=mps,cpu python examples/first_program.py (`deno task demo` trains a
transformer instead: examples/demo.py).
Each result is checked against JAX's own cpu backend.
"""

import jax
import jax.numpy as jnp
import numpy as np


def main() -> None:
  mps = jax.devices("mps")
  print("mps devices:", mps)
  print("default backend:", jax.default_backend())
  dev = mps[0]

  x = jax.device_put(jnp.arange(3.0), dev)
  y = jax.jit(lambda v: v + 1.0)(x)
  print("jit(x + 1.0)(arange(3.0)) =", y, "on", y.devices())
  np.testing.assert_array_equal(np.asarray(y), [1.0, 2.0, 3.0])

  rng = np.random.default_rng(0)
  a = rng.standard_normal((4, 5), dtype=np.float32)
  b = rng.standard_normal((5, 3), dtype=np.float32)
  f = jax.jit(lambda p, q: jnp.dot(p, q))
  got = f(jax.device_put(a, dev), jax.device_put(b, dev))
  want = f(jax.device_put(a, jax.devices("cpu")[0]),
           jax.device_put(b, jax.devices("cpu")[0]))
  np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5,
                             atol=1e-5)
  print("jit(dot)(a[4x5], b[5x3]) matches the cpu backend; shape",
        got.shape, got.dtype)


if __name__ == "__main__":
  main()
