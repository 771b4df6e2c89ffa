"""Elementwise ops: every unary and binary op JAX emits, per dtype, on mps vs cpu."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from op_inputs import FLOATS, INTS, ids, sample


UNARY_FLOAT = {
    "neg": (lambda x: -x, {}),
    "abs": (jnp.abs, {}),
    "sign": (jnp.sign, {}),
    "exp": (jnp.exp, {}),
    "expm1": (jnp.expm1, {}),
    "log": (jnp.log, {"positive": True}),
    "log1p": (jnp.log1p, {"positive": True}),
    "sqrt": (jnp.sqrt, {"positive": True}),
    "rsqrt": (lax.rsqrt, {"positive": True}),
    "cbrt": (jnp.cbrt, {}),
    "sin": (jnp.sin, {}),
    "cos": (jnp.cos, {}),
    "tan": (jnp.tan, {}),
    "tanh": (jnp.tanh, {}),
    "logistic": (jax.nn.sigmoid, {}),
    "floor": (jnp.floor, {}),
    "ceil": (jnp.ceil, {}),
    "round_even": (jnp.round, {}),
    "round_afz": (lax.round, {}),
    "is_finite": (jnp.isfinite, {}),
    "square": (jnp.square, {}),
    "reciprocal": (jnp.reciprocal, {"nonzero": True}),
    "erf": (jax.scipy.special.erf, {}),
    "erf_inv": (lax.erf_inv, {}),
    "lgamma": (lax.lgamma, {"positive": True}),
    "digamma": (lax.digamma, {"positive": True}),
    "asin": (jnp.arcsin, {}),
    "acos": (jnp.arccos, {}),
    "atan": (jnp.arctan, {}),
    "sinh": (jnp.sinh, {}),
    "cosh": (jnp.cosh, {}),
    "asinh": (jnp.arcsinh, {}),
    "acosh": (jnp.arccosh, {"positive": True}),
    "atanh": (jnp.arctanh, {}),
}

BOUNDED = {"asin", "acos", "atanh", "erf_inv"}  # need |x| < 1


@pytest.mark.parametrize("dtype", FLOATS, ids=ids(FLOATS))
@pytest.mark.parametrize("name", sorted(UNARY_FLOAT))
def test_unary_float(check, name, dtype):
  fn, kw = UNARY_FLOAT[name]
  x = sample(dtype, **kw)
  if name in BOUNDED:
    x = (np.tanh(x.astype(np.float32)) * 0.9).astype(dtype)
  if name == "acosh":
    x = (x.astype(np.float32) + 1.0).astype(dtype)
  check(fn, x)


UNARY_INT = {
    "neg": lambda x: -x,
    "abs": jnp.abs,
    "sign": jnp.sign,
    "not": jnp.invert,
    "popcnt": lax.population_count,
    "clz": lax.clz,
    "square": jnp.square,
}


@pytest.mark.parametrize("dtype", INTS, ids=ids(INTS))
@pytest.mark.parametrize("name", sorted(UNARY_INT))
def test_unary_int(check, name, dtype):
  if name in ("neg", "abs", "sign") and np.issubdtype(dtype, np.unsignedinteger) and name != "sign":
    pass  # wraps around in both backends: still a valid comparison
  check(UNARY_INT[name], sample(dtype))


BINARY = {
    "add": (jnp.add, {}),
    "sub": (jnp.subtract, {}),
    "mul": (jnp.multiply, {}),
    "div": (lax.div, {"nonzero": True}),
    "rem": (lax.rem, {"nonzero": True}),
    "max": (jnp.maximum, {}),
    "min": (jnp.minimum, {}),
}


@pytest.mark.parametrize("dtype", FLOATS + INTS, ids=ids(FLOATS + INTS))
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(check, name, dtype):
  fn, kw = BINARY[name]
  x = sample(dtype, seed=1)
  y = sample(dtype, seed=2, **kw)
  check(fn, x, y)


@pytest.mark.parametrize("dtype", FLOATS, ids=ids(FLOATS))
@pytest.mark.parametrize("name", ["pow", "atan2", "true_divide", "floor_divide", "mod", "hypot",
                                  "nextafter_free_logaddexp"])
def test_binary_float(check, name, dtype):
  x = sample(dtype, seed=3)
  y = sample(dtype, seed=4, nonzero=True)
  fn = {
      "pow": lambda a, b: jnp.power(jnp.abs(a) + 0.5, b * 0.5),
      "atan2": jnp.arctan2,
      "true_divide": jnp.true_divide,
      "floor_divide": jnp.floor_divide,
      "mod": jnp.mod,
      "hypot": jnp.hypot,
      "nextafter_free_logaddexp": jnp.logaddexp,
  }[name]
  check(fn, x, y)


@pytest.mark.parametrize("dtype", INTS, ids=ids(INTS))
@pytest.mark.parametrize("name", ["and", "or", "xor", "shl", "shr_logical", "shr_arith",
                                  "floor_divide", "mod", "pow"])
def test_binary_int(check, name, dtype):
  x = sample(dtype, seed=5)
  bits = np.dtype(dtype).itemsize * 8
  # Shift amounts include the bit width and beyond, where HLO saturates.
  shifts = (np.arange(15) % (bits + 3)).reshape(3, 5).astype(dtype)
  y = sample(dtype, seed=6, nonzero=True)
  fn, b = {
      "and": (jnp.bitwise_and, y),
      "or": (jnp.bitwise_or, y),
      "xor": (jnp.bitwise_xor, y),
      "shl": (lax.shift_left, shifts),
      "shr_logical": (lax.shift_right_logical, shifts),
      "shr_arith": (lax.shift_right_arithmetic, shifts),
      "floor_divide": (jnp.floor_divide, y),
      "mod": (jnp.mod, y),
      "pow": (lambda a, e: lax.integer_pow(a, 3), y),
  }[name]
  check(fn, x, b)


@pytest.mark.parametrize("name", ["and", "or", "xor", "not"])
def test_bool_logic(check, name):
  x, y = sample(np.bool_, seed=7), sample(np.bool_, seed=8)
  fn = {"and": jnp.logical_and, "or": jnp.logical_or, "xor": jnp.logical_xor,
        "not": lambda a, b: jnp.logical_not(a)}[name]
  check(fn, x, y)


@pytest.mark.parametrize("dtype", FLOATS + [np.int32, np.uint8], ids=ids(FLOATS + [np.int32, np.uint8]))
def test_clamp_select(check, dtype):
  x, lo, hi = sample(dtype, seed=9), sample(dtype, seed=10), sample(dtype, seed=11)
  check(lambda a, b, c: lax.clamp(jnp.minimum(b, c), a, jnp.maximum(b, c)), x, lo, hi)
  check(lambda a, b: jnp.where(a > b, a, b), x, lo)


def test_special_float_values(check):
  x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, 3.4e38, -1.5, 2.5], np.float32)
  check(lambda v: (jnp.isfinite(v), jnp.sign(v), jnp.abs(v), jnp.round(v), jnp.floor(v)), x)
  check(lambda v: (v * 2, jnp.maximum(v, 0.0), jnp.exp(v)), x)


def test_complex_arithmetic(check):
  x, y = sample(np.complex64, seed=12), sample(np.complex64, seed=13)
  check(lambda a, b: (a + b, a * b, a - b, a / b, -a, jnp.real(a), jnp.imag(a), jnp.conj(a),
                      jnp.abs(a), lax.complex(jnp.real(a), jnp.imag(b))), x, y)


def test_zero_size(check):
  x = np.zeros((0, 4), np.float32)
  check(lambda v: jnp.exp(v) + v * 2, x)


def test_broadcasting_scalar(check):
  check(lambda v, s: v * s + 1, sample(np.float32), np.float32(2.5))


@pytest.mark.parametrize("name", ["exp", "sin", "tanh", "logistic", "sqrt", "log"])
def test_grad(check, name):
  fn = {"exp": jnp.exp, "sin": jnp.sin, "tanh": jnp.tanh, "logistic": jax.nn.sigmoid,
        "sqrt": jnp.sqrt, "log": jnp.log}[name]
  x = sample(np.float32, positive=True)
  check(jax.grad(lambda v: jnp.sum(fn(v))), x)
