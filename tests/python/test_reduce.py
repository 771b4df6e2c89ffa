"""reduce with every body JAX emits: sum, prod, max, min, and/or, argmax-style variadic."""

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest
from jax import lax

from op_inputs import ids, sample

DTYPES = [np.float32, np.float16, ml_dtypes.bfloat16, np.int32, np.int8, np.uint8, np.int64,
          np.uint32]
REDUCERS = {
    "sum": jnp.sum,
    "prod": jnp.prod,
    "max": jnp.max,
    "min": jnp.min,
    "argmax": jnp.argmax,
    "argmin": jnp.argmin,
}


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
@pytest.mark.parametrize("name", sorted(REDUCERS))
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_reduce(check, name, dtype, axis):
  x = sample(dtype, (3, 4, 5), seed=1)
  if name == "prod":
    x = (x % 3 + 1).astype(dtype) if np.issubdtype(np.dtype(dtype), np.integer) else \
        (x.astype(np.float32) / 4).astype(dtype)
  if name in ("argmax", "argmin") and axis is None:
    axis = 2
  check(lambda v: REDUCERS[name](v, axis=axis), x)


@pytest.mark.parametrize("name", ["any", "all"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_bool_reduce(check, name, axis):
  x = sample(np.bool_, (4, 6), seed=2)
  check(lambda v: getattr(jnp, name)(v, axis=axis), x)


def test_multiple_axes_and_keepdims(check):
  x = sample(np.float32, (2, 3, 4, 5), seed=3)
  check(lambda v: (jnp.sum(v, axis=(0, 2)), jnp.max(v, axis=(1, 3), keepdims=True),
                   jnp.mean(v, axis=-1), jnp.var(v, axis=0)), x)


def test_custom_body_variadic(check):
  x, y = sample(np.float32, (4, 6), seed=4), sample(np.int32, (4, 6), seed=5)

  def body(a, b):
    return (a[0] + b[0], jnp.maximum(a[1], b[1]))

  check(lambda u, w: lax.reduce((u, w), (np.float32(0), np.int32(-1000)), body, (1,)), x, y)


def test_reduce_empty_axis(check):
  x = np.zeros((0, 4), np.float32)
  check(lambda v: (jnp.sum(v, axis=0), jnp.max(v, axis=0, initial=-1.0), jnp.prod(v, axis=0)), x)


def test_nan_propagation(check):
  x = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]], np.float32)
  check(lambda v: (jnp.max(v, axis=1), jnp.min(v, axis=1), jnp.sum(v, axis=1)), x)


def test_softmax_and_logsumexp(check):
  x = sample(np.float32, (4, 7), seed=6)
  check(lambda v: (jax.nn.softmax(v), jax.nn.logsumexp(v, axis=1), jax.nn.log_softmax(v)), x)


def test_reduce_grad(check):
  x = sample(np.float32, (3, 5), seed=7)
  check(jax.grad(lambda v: jnp.sum(jnp.max(v, axis=1)) + jnp.prod(v[0] / 4)), x)
