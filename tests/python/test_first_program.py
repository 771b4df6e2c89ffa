"""The foundation's end-to-end programs: device listing, x + 1, a dot."""

import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest


def test_one_mps_device(mps):
  assert mps.platform == "mps"
  assert mps.id == 0


@pytest.mark.skipif(sys.platform == "darwin", reason="on macOS mps is the default")
def test_not_default_backend_on_linux():
  assert jax.default_backend() == "cpu"


def test_add_one(check, mps):
  out = check(lambda x: x + 1.0, jnp.arange(3.0))
  np.testing.assert_array_equal(np.asarray(out), [1.0, 2.0, 3.0])


def test_dot_two_inputs(check):
  rng = np.random.default_rng(0)
  a = rng.standard_normal((4, 5), dtype=np.float32)
  b = rng.standard_normal((5, 3), dtype=np.float32)
  check(jnp.dot, a, b)


def test_round_trip_dtypes(mps):
  for dtype in (np.float32, np.int32, np.uint8, np.bool_, np.float16):
    x = (np.arange(12) % 3).astype(dtype).reshape(3, 4)
    y = jax.device_put(x, mps)
    assert y.dtype == dtype and y.shape == (3, 4)
    np.testing.assert_array_equal(np.asarray(y), x)


def test_non_contiguous_host_array(mps):
  x = np.arange(24, dtype=np.float32).reshape(4, 6)[:, ::2]
  np.testing.assert_array_equal(np.asarray(jax.device_put(x, mps)), x)
