"""Zero-element constants: MLIR writes `dense<...> : tensor<0x...>` with one
element's bytes (a splat) or none, and JAX sends them for many operations on
empty arrays (integer-to-float promotion, nextafter, spacing, arange with an
empty range). Each program runs on mps and on cpu and must agree."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import assert_same

SHAPES = [(0,), (3, 0), (2, 0, 4), (0, 0)]
DTYPES = [np.int8, np.int16, np.int32, np.uint8, np.uint32, np.float16, np.float32, np.bool_]

FUNCTIONS = {
    "sinh": lambda x: jnp.sinh(x) if x.dtype != np.bool_ else ~x,
    "arcsin": lambda x: jnp.arcsin(x),
    "nextafter": lambda x: jnp.nextafter(x.astype(jnp.float32), jnp.float16(1)),
    "spacing": lambda x: jnp.spacing(x.astype(jnp.float16)),
    "plus_constant": lambda x: x + jnp.zeros(x.shape, x.dtype),
    "concatenate": lambda x: jnp.concatenate([x, jnp.zeros(x.shape, x.dtype)], axis=0),
}


def _run(fn, device, x):
  return jax.jit(fn)(jax.device_put(x, device))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_empty_constant_programs_match_cpu(mps, cpu, name, dtype, shape):
  x = np.zeros(shape, dtype)
  assert_same(_run(FUNCTIONS[name], mps, x), _run(FUNCTIONS[name], cpu, x))


@pytest.mark.parametrize("start,stop", [(0, 0), (5, 2), (3, 3)])
def test_empty_arange_in_a_program(mps, cpu, start, stop):
  fn = lambda x: x + jnp.arange(start, stop, dtype=jnp.int32).sum()
  assert_same(_run(fn, mps, np.int32(1)), _run(fn, cpu, np.int32(1)))
