"""complex64 across the op families: elementwise functions, reductions, dot,
shape and indexing ops, sort (lexicographic, as JAX defines it), cumulative
ops, conversions and gradients, against the cpu backend."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from op_inputs import sample

C = np.complex64
UNARY = {
    "neg": jnp.negative, "conj": jnp.conj, "abs": jnp.abs, "angle": jnp.angle, "real": jnp.real,
    "imag": jnp.imag, "exp": jnp.exp, "log": jnp.log, "sqrt": jnp.sqrt, "rsqrt": lax.rsqrt,
    "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan, "tanh": jnp.tanh, "sinh": jnp.sinh, "cosh": jnp.cosh,
    "expm1": jnp.expm1, "log1p": jnp.log1p, "sign": jnp.sign, "square": jnp.square,
    "reciprocal": jnp.reciprocal, "isfinite": jnp.isfinite, "arcsin": jnp.arcsin, "arctan": jnp.arctan,
    "arcsinh": jnp.arcsinh, "arccos": jnp.arccos, "arccosh": jnp.arccosh, "arctanh": jnp.arctanh,
    "log10": jnp.log10, "exp2": jnp.exp2, "cbrt_free_pow": lambda z: z ** (1 / 3),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(check, name):
  check(UNARY[name], sample(C, (3, 4), seed=1), tol=(1e-4, 1e-5))


BINARY = {
    "add": jnp.add, "subtract": jnp.subtract, "multiply": jnp.multiply, "divide": jnp.divide,
    "power": jnp.power, "equal": jnp.equal, "not_equal": jnp.not_equal,
    "where": lambda a, b: jnp.where(jnp.abs(a) > 1, a, b), "complex_from_parts": lambda a, b: lax.complex(a.real, b.imag),
    "scalar_mix": lambda a, b: a * 2.5 - 1j * b + 3,
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(check, name):
  check(BINARY[name], sample(C, (3, 4), seed=2), sample(C, (3, 4), seed=3), tol=(1e-4, 1e-5))


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "cumsum", "cumprod", "var_free_abs2"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_reductions(check, name, axis):
  if name.startswith("cum") and axis is None:
    axis = 1
  fn = {"sum": jnp.sum, "prod": jnp.prod, "mean": jnp.mean, "cumsum": jnp.cumsum, "cumprod": jnp.cumprod,
        "var_free_abs2": lambda z, axis: jnp.sum(jnp.abs(z) ** 2, axis=axis)}[name]
  check(lambda z: fn(z, axis=axis), sample(C, (3, 4), seed=4), tol=(1e-4, 1e-4))


DOTS = {
    "matmul": lambda a, b: a @ b.T,
    "vdot": lambda a, b: jnp.vdot(a, b),
    "einsum_batch": lambda a, b: jnp.einsum("ij,kj->ik", a, jnp.conj(b)),
    "outer": lambda a, b: jnp.outer(a[0], b[1]),
    "matvec": lambda a, b: a @ b[0],
    "mixed_with_real": lambda a, b: a @ jnp.real(b).T,
}


@pytest.mark.parametrize("name", sorted(DOTS))
def test_dot(check, name):
  check(DOTS[name], sample(C, (3, 4), seed=5), sample(C, (3, 4), seed=6), tol=(1e-4, 1e-4))


SHAPES = {
    "transpose": lambda z: z.T, "reshape": lambda z: z.reshape(2, 6), "concat": lambda z: jnp.concatenate([z, z * 1j]),
    "pad": lambda z: jnp.pad(z, ((1, 0), (0, 2)), constant_values=1 + 2j), "flip": lambda z: z[::-1, ::2],
    "broadcast": lambda z: jnp.broadcast_to(z[0], (2, 4)), "gather": lambda z: z[jnp.array([2, 0, 2])],
    "scatter_add": lambda z: z.at[jnp.array([0, 0, 1])].add(1j), "scatter_set": lambda z: z.at[1, 2].set(-1j),
    "dynamic_slice": lambda z: lax.dynamic_slice(z, (1, 1), (2, 2)), "roll": lambda z: jnp.roll(z, 2, axis=1),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shape_and_indexing(check, name):
  check(SHAPES[name], sample(C, (3, 4), seed=7))


def ties():
  # Equal real parts force the imaginary part to decide.
  re = np.array([1.0, -2.0, 1.0, 0.0, -2.0, 1.0, np.nan, 0.0], np.float32)
  im = np.array([3.0, 1.0, -1.0, 0.0, -5.0, 0.5, 0.0, -0.0], np.float32)
  return (re + 1j * im).astype(C)


SORTS = {
    "sort": jnp.sort, "argsort": jnp.argsort, "sort_desc": lambda z: jnp.sort(z, descending=True),
    "lexsort_key": lambda z: lax.sort((z, jnp.arange(z.shape[0])), num_keys=1)[1],
    "unique": lambda z: jnp.unique(z, size=8, fill_value=0), "max_free_abs": lambda z: z[jnp.argmax(jnp.abs(z))],
}


@pytest.mark.parametrize("name", sorted(SORTS))
def test_sort(check, name):
  check(SORTS[name], ties())


@pytest.mark.parametrize("to", [np.float32, np.int32, np.complex64])
def test_convert(check, to):
  if to is C:
    check(lambda x: x.astype(C), sample(np.float32, (3, 4), seed=8))
  else:
    # Complex to real keeps the real part (JAX warns).
    check(lambda z: lax.convert_element_type(jnp.real(z), to), sample(C, (3, 4), seed=9))


GRADS = {
    "abs2_sum": lambda z: jnp.sum(jnp.abs(z) ** 2),
    "real_of_exp": lambda z: jnp.sum(jnp.real(jnp.exp(z))),
    "angle_sum": lambda z: jnp.sum(jnp.angle(z)),
    "matmul_norm": lambda z: jnp.real(jnp.vdot(z @ z.T, z @ z.T)),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients(check, name):
  check(jax.grad(GRADS[name]), sample(C, (3, 3), seed=10), tol=(1e-4, 1e-4))


def test_holomorphic_gradient(check):
  check(jax.grad(lambda z: jnp.sum(jnp.sin(z) * z), holomorphic=True), sample(C, (4,), seed=11),
        tol=(1e-4, 1e-5))
