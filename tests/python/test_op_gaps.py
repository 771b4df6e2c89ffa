"""Ops that JAX's own test suite sends and the plugin once refused, each run on
mps and cpu: bitcast_convert between element types of different widths
(scalars and vectors), ..."""

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest
from jax import lax

from op_inputs import ids

# --- bitcast_convert ----------------------------------------------------------------------
#
# A wider element splits into a new minor axis of narrower ones (a scalar
# into a vector); a minor axis of narrower elements joins into one.

BITCAST_TYPES = [np.uint8, np.int8, np.uint16, np.int16, np.float16, ml_dtypes.bfloat16,
                 np.uint32, np.int32, np.float32, np.uint64, np.int64, np.float64]
_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _bytes_as(dtype, shape, seed):
  """Random bit patterns of `dtype` (NaN payloads and subnormals included)."""
  n = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
  raw = np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8)
  return raw.view(dtype).reshape(shape)


def _operand_shapes(src, dst):
  a, b = np.dtype(src).itemsize, np.dtype(dst).itemsize
  if a >= b:
    return [(), (3,), (2, 3)]
  return [(b // a,), (3, b // a), (2, 1, b // a)]


@pytest.mark.parametrize("dst", BITCAST_TYPES, ids=ids(BITCAST_TYPES))
@pytest.mark.parametrize("src", BITCAST_TYPES, ids=ids(BITCAST_TYPES))
def test_bitcast_convert_between_widths(check, src, dst):
  xs = [_bytes_as(src, shape, seed=i) for i, shape in enumerate(_operand_shapes(src, dst))]
  as_bits = _UNSIGNED[np.dtype(dst).itemsize]

  def f(*xs):
    ys = [lax.bitcast_convert_type(x, dst) for x in xs]
    # The bits themselves too, compared exactly (float tolerances would pass
    # a near miss between tiny or NaN values).
    return ys, [lax.bitcast_convert_type(y, as_bits) for y in ys]

  check(f, *xs)


def test_bitcast_scalar_to_bytes_reads_little_endian(check):
  got = check(lambda x: lax.bitcast_convert_type(x, jnp.uint8), np.uint32(0x01020304))
  np.testing.assert_array_equal(np.asarray(got), [4, 3, 2, 1])


@pytest.mark.parametrize("shape", [(), (5,), (2, 3)], ids=str)
@pytest.mark.parametrize("dtype", [np.int16, np.uint32, np.float32, np.int64],
                         ids=ids([np.int16, np.uint32, np.float32, np.int64]))
def test_byteswap(check, dtype, shape):
  x = _bytes_as(dtype, shape, seed=3)
  if np.issubdtype(dtype, np.floating):
    x = np.where(np.isfinite(x), x, 1.5).astype(dtype)
  check(lambda x: jnp.asarray(x).byteswap(), x)
