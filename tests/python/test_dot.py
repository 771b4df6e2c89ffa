"""dot_general: matmul, batch and contracting dims in any position, dtypes, precision."""

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest
from jax import lax

from op_inputs import ids, sample

DTYPES = [np.float32, np.float16, ml_dtypes.bfloat16, np.int32, np.int8, np.uint8, np.int64]


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
@pytest.mark.parametrize("shapes", [((4, 5), (5, 3)), ((5,), (5,)), ((4, 5), (5,)), ((5,), (5, 3)),
                                    ((1, 7), (7, 1))])
def test_matmul(check, dtype, shapes):
  a, b = sample(dtype, shapes[0], seed=1), sample(dtype, shapes[1], seed=2)
  check(jnp.matmul if len(shapes[0]) > 1 or len(shapes[1]) > 1 else jnp.dot, a, b)


DOT_GENERAL = [
    # (lhs shape, rhs shape, ((lhs contract, rhs contract), (lhs batch, rhs batch)))
    ((3, 4, 5), (3, 5, 6), (((2,), (1,)), ((0,), (0,)))),   # batched matmul
    ((3, 4, 5), (3, 6, 4), (((1,), (2,)), ((0,), (0,)))),   # contract the middle
    ((3, 4, 5), (3, 6), (((0,), (0,)), ((), ()))),           # contract leading dims
    ((2, 3, 4), (3, 4, 5), (((1, 2), (0, 1)), ((), ()))),    # two contracting dims
    ((2, 3, 4), (2, 3, 4), (((2,), (2,)), ((0, 1), (0, 1)))),  # two batch dims
    ((4, 2, 3), (3, 5, 2), (((2,), (0,)), ((1,), (2,)))),   # batch dims in different places
]


@pytest.mark.parametrize("dtype", [np.float32, np.int32], ids=ids([np.float32, np.int32]))
@pytest.mark.parametrize("lhs,rhs,dims", DOT_GENERAL)
def test_dot_general(check, dtype, lhs, rhs, dims):
  a, b = sample(dtype, lhs, seed=3), sample(dtype, rhs, seed=4)
  check(lambda x, y: lax.dot_general(x, y, dims), a, b)


def test_einsum(check):
  a, b = sample(np.float32, (2, 3, 4), seed=5), sample(np.float32, (4, 3, 5), seed=6)
  check(lambda x, y: (jnp.einsum("bij,jik->bk", x, y), jnp.einsum("bij->jb", x)), a, b)


def test_mixed_precision_accumulation(check):
  a, b = sample(np.float16, (8, 16), seed=7), sample(np.float16, (16, 4), seed=8)
  check(lambda x, y: lax.dot(x, y, preferred_element_type=np.float32), a, b)
  ai, bi = sample(np.int8, (8, 16), seed=9), sample(np.int8, (16, 4), seed=10)
  check(lambda x, y: lax.dot(x, y, preferred_element_type=np.int32), ai, bi)


def test_precision_highest(check):
  a, b = sample(np.float32, (6, 7), seed=11), sample(np.float32, (7, 2), seed=12)
  check(lambda x, y: jnp.dot(x, y, precision=lax.Precision.HIGHEST), a, b)


def test_complex_dot(check):
  a, b = sample(np.complex64, (3, 4), seed=13), sample(np.complex64, (4, 2), seed=14)
  check(jnp.dot, a, b)


def test_zero_size_dot(check):
  check(jnp.matmul, np.zeros((3, 0), np.float32), np.zeros((0, 4), np.float32))
  check(jnp.matmul, np.zeros((0, 5), np.float32), np.ones((5, 4), np.float32))


def test_dot_grad(check):
  a, b = sample(np.float32, (4, 5), seed=15), sample(np.float32, (5, 3), seed=16)
  check(jax.grad(lambda x, y: jnp.sum(jnp.tanh(x @ y)), argnums=(0, 1)), a, b)


def test_batched_matmul_vmap(check):
  a, b = sample(np.float32, (6, 4, 5), seed=17), sample(np.float32, (6, 5, 3), seed=18)
  check(jax.vmap(jnp.matmul), a, b)
