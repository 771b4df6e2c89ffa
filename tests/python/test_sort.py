"""sort with every comparator JAX emits: values, argsort, multiple keys, descending, NaN."""

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest
from jax import lax

from op_inputs import ids, sample

DTYPES = [np.float32, np.float16, ml_dtypes.bfloat16, np.int32, np.uint8, np.int8, np.int64]


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_sort(check, dtype, axis):
  check(lambda v: jnp.sort(v, axis=axis), sample(dtype, (5, 7), seed=1))


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
def test_argsort_is_stable(check, dtype):
  x = (sample(dtype, (4, 9), seed=2).astype(np.float32) % 3).astype(dtype)  # many ties
  check(lambda v: (jnp.argsort(v, axis=1), jnp.argsort(v, axis=0, descending=True)), x)


@pytest.mark.parametrize("dtype", [np.float32, np.int32], ids=ids([np.float32, np.int32]))
def test_descending(check, dtype):
  check(lambda v: jnp.sort(v, descending=True), sample(dtype, (3, 6), seed=3))


def test_nan_and_signed_zero_order(check):
  x = np.array([3.0, np.nan, -0.0, 0.0, -np.inf, 1.0, np.nan, np.inf, -2.0], np.float32)
  check(lambda v: (jnp.sort(v), jnp.argsort(v)), x)


def test_multiple_keys(check):
  a = (np.arange(12) % 3).astype(np.float32)
  b = np.array([5, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8], np.int32)
  c = np.arange(12, dtype=np.float32)
  check(lambda x, y, z: lax.sort((x, y, z), num_keys=2), a, b, c)
  check(lambda x, y, z: lax.sort((x, y, z), num_keys=1, is_stable=True), a, b, c)


@pytest.mark.parametrize("n", [1, 2, 3, 8, 33, 100])
def test_lengths(check, n):
  check(lambda v: (jnp.sort(v), jnp.argsort(v)), sample(np.float32, (n,), seed=n))


def test_zero_size(check):
  check(jnp.sort, np.zeros((0, 3), np.float32))


def test_median_and_quantile(check):
  x = sample(np.float32, (6, 11), seed=4)
  check(lambda v: (jnp.median(v, axis=1), jnp.quantile(v, 0.25, axis=0)), x)


def test_sort_grad(check):
  x = sample(np.float32, (8,), seed=5)
  check(jax.grad(lambda v: jnp.sum(jnp.sort(v) * jnp.arange(8.0))), x)


# Every dtype JAX sorts, through sort, argsort, top_k, searchsorted and unique.
from op_inputs import ALL  # noqa: E402

EVERY = ALL + [np.complex64]


@pytest.mark.parametrize("dtype", EVERY, ids=ids(EVERY))
@pytest.mark.parametrize("op", ["sort", "argsort", "argsort_desc", "unique"])
def test_every_dtype(check, dtype, op):
  fn = {"sort": lambda v: jnp.sort(v, axis=1), "argsort": lambda v: jnp.argsort(v, axis=0, stable=True),
        "argsort_desc": lambda v: jnp.argsort(v, axis=1, descending=True, stable=True),
        "unique": lambda v: jnp.unique(v, size=v.size, fill_value=v.ravel()[0])}[op]
  check(fn, sample(dtype, (6, 5), seed=21))


TOPK = [d for d in EVERY if d not in (np.bool_, np.complex64)]


@pytest.mark.parametrize("dtype", TOPK, ids=ids(TOPK))
@pytest.mark.parametrize("k", [1, 3])
def test_top_k(check, dtype, k):
  check(lambda v: lax.top_k(v, k), sample(dtype, (4, 7), seed=22))


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.uint8, np.float16], ids=ids([np.float32, np.int32, np.uint8, np.float16]))
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("method", ["scan", "sort", "compare_all"])
def test_searchsorted(check, dtype, side, method):
  table = np.sort(sample(dtype, (12,), seed=23))
  queries = np.concatenate([table[::3], sample(dtype, (5,), seed=24)])
  check(lambda a, v: jnp.searchsorted(a, v, side=side, method=method), table, queries)
