"""Deterministic op-test inputs shared by the op suite."""

import ml_dtypes
import numpy as np

FLOATS = [np.float32, np.float16, ml_dtypes.bfloat16]
SINTS = [np.int8, np.int16, np.int32, np.int64]
UINTS = [np.uint8, np.uint16, np.uint32, np.uint64]
INTS = SINTS + UINTS
ALL = FLOATS + INTS + [np.bool_]


def ids(dtypes):
  return [np.dtype(d).name for d in dtypes]


def sample(dtype, shape=(3, 5), *, positive=False, nonzero=False, seed=0):
  """Inputs spanning signs and magnitudes that are valid for dtype."""
  rng = np.random.default_rng(seed)
  dtype = np.dtype(dtype)
  if dtype == np.bool_:
    return rng.integers(0, 2, shape).astype(np.bool_)
  if np.issubdtype(dtype, np.integer):
    info = np.iinfo(dtype)
    lo = 1 if positive else max(info.min, -100)
    x = rng.integers(lo, min(info.max, 100), shape, dtype=np.int64)
    if nonzero:
      x[x == 0] = 7
    return x.astype(dtype)
  if np.issubdtype(dtype, np.complexfloating):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
  x = rng.standard_normal(shape) * 3
  if positive:
    x = np.abs(x) + 0.1
  if nonzero:
    x[np.abs(x) < 0.1] = 0.5
  return x.astype(dtype)
