"""Comparisons in every direction and type, convert between all dtypes, bitcast."""

import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest
from jax import lax

from op_inputs import ALL, FLOATS, INTS, ids, sample

DIRECTIONS = {
    "eq": jnp.equal,
    "ne": jnp.not_equal,
    "lt": jnp.less,
    "le": jnp.less_equal,
    "gt": jnp.greater,
    "ge": jnp.greater_equal,
}


@pytest.mark.parametrize("dtype", ALL, ids=ids(ALL))
@pytest.mark.parametrize("direction", sorted(DIRECTIONS))
def test_compare(check, direction, dtype):
  x = sample(dtype, seed=1)
  y = x.copy()
  y[0] = sample(dtype, (5,), seed=2)  # some equal, some not
  check(DIRECTIONS[direction], x, y)


@pytest.mark.parametrize("direction", sorted(DIRECTIONS))
def test_compare_nan_and_signed_zero(check, direction):
  x = np.array([np.nan, 0.0, -0.0, np.inf, 1.0, np.nan], np.float32)
  y = np.array([np.nan, -0.0, 0.0, np.inf, np.nan, 1.0], np.float32)
  check(DIRECTIONS[direction], x, y)


def test_total_order_sort_keys(check):
  # lax.sort compares with TOTALORDER only through the sort op; the compare
  # op itself is exercised by jnp's argmax/argmin NaN handling.
  x = np.array([[1.0, np.nan, -2.0, 3.0], [0.0, -0.0, 5.0, np.nan]], np.float32)
  check(lambda v: (jnp.argmax(v, axis=1), jnp.argmin(v, axis=1), jnp.nanmax(v, axis=1)), x)


CONVERT_FROM = FLOATS + INTS + [np.bool_]
CONVERT_TO = FLOATS + INTS + [np.bool_]


@pytest.mark.parametrize("src", CONVERT_FROM, ids=ids(CONVERT_FROM))
@pytest.mark.parametrize("dst", CONVERT_TO, ids=ids(CONVERT_TO))
def test_convert(check, src, dst):
  x = sample(src, seed=3)
  if np.issubdtype(np.dtype(src), np.signedinteger) and np.issubdtype(np.dtype(dst), np.unsignedinteger):
    x = np.abs(x)  # keep integer wrap-around out of this test; see test_convert_wraps
  check(lambda v: lax.convert_element_type(v, dst), x)


@pytest.mark.parametrize("dst", INTS, ids=ids(INTS))
def test_float_to_int_saturates(check, dst):
  # XLA saturates out-of-range values and maps NaN to 0.
  x = np.array([np.nan, np.inf, -np.inf, 1e20, -1e20, 3e9, -3e9, 300.0, -300.0, 70000.0, 2.7, -2.7],
               np.float32)
  check(lambda v: (lax.convert_element_type(v, dst),
                   lax.convert_element_type(v.astype(np.float16), dst)), x)


def test_convert_wraps_between_integers(check):
  x = np.array([-1, 300, -129, 70000], np.int32)
  check(lambda v: (v.astype(np.uint8), v.astype(np.int8), v.astype(np.uint16)), x)


BITCAST_PAIRS = [
    (np.float32, np.int32),
    (np.float32, np.uint32),
    (np.int32, np.float32),
    (np.float16, np.int16),
    (ml_dtypes.bfloat16, np.uint16),
    (np.uint16, np.float16),
    (np.int64, np.uint64),
    (np.int8, np.uint8),
]


@pytest.mark.parametrize("src,dst", BITCAST_PAIRS, ids=[f"{np.dtype(a).name}-{np.dtype(b).name}" for a, b in BITCAST_PAIRS])
def test_bitcast_same_width(check, src, dst):
  check(lambda v: lax.bitcast_convert_type(v, dst), sample(src, seed=4))


def test_bitcast_to_narrower_adds_a_dimension(check):
  check(lambda v: lax.bitcast_convert_type(v, np.uint8), sample(np.float32, seed=5))
  check(lambda v: lax.bitcast_convert_type(v, np.int16), sample(np.int32, seed=6))


def test_bitcast_to_wider_drops_a_dimension(check):
  check(lambda v: lax.bitcast_convert_type(v, np.float32), sample(np.uint8, (3, 4), seed=7))


def test_reduce_precision(check):
  x = sample(np.float32, seed=8) * 1000
  check(lambda v: (lax.reduce_precision(v, 8, 7), lax.reduce_precision(v, 5, 10)), x)
