"""On Linux the plugin sends MLX's matrix products to the OpenBLAS it links
(scipy-openblas32); APPLEJAX_BLAS=reference keeps MLX's reference BLAS. Both
must give the cpu backend's results."""

import os
import subprocess
import sys

import pytest

PROGRAM = r"""
import os, jax, jax.numpy as jnp, numpy as np
jax.config.update("jax_enable_x64", True)  # float64 takes the dgemm path
mps, cpu = jax.devices("mps")[0], jax.devices("cpu")[0]
rng = np.random.default_rng(0)
for dtype in (np.float32, np.float64, np.complex64):
  a = (rng.standard_normal((33, 70)) + (1j * rng.standard_normal((33, 70)) if dtype == np.complex64 else 0)).astype(dtype)
  b = (rng.standard_normal((70, 41)) + (1j * rng.standard_normal((70, 41)) if dtype == np.complex64 else 0)).astype(dtype)
  f = jax.jit(lambda a, b: (a @ b, a.T.conj() @ a))
  got = f(jax.device_put(a, mps), jax.device_put(b, mps))
  want = f(jax.device_put(a, cpu), jax.device_put(b, cpu))
  for g, w in zip(got, want):
    np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-4, atol=1e-4)
print("blas:", os.environ.get("APPLEJAX_BLAS"))
"""


def run_with(drop=(), **env):
  full = dict(os.environ)
  for name in ("JAX_PLATFORMS", *drop):
    full.pop(name, None)
  full.update(env)
  r = subprocess.run([sys.executable, "-c", PROGRAM], env=full, capture_output=True, text=True,
                     timeout=300, check=False)
  assert r.returncode == 0, r.stderr[-3000:]
  return r.stdout


@pytest.mark.parametrize("value", [None, "openblas", "reference"])
def test_blas_choice(value):
  env = {} if value is None else {"APPLEJAX_BLAS": value}
  assert f"blas: {value}" in run_with(drop=("APPLEJAX_BLAS",), **env)
