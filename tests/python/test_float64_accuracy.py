"""float64 on mps is float64-accurate: every elementwise op the plugin lowers,
its gradient, the fused softmax and attention, reductions and products, on
inputs over the whole range (tiny, huge, negative, multiples of pi up to
1e300), within a few ulps of JAX's cpu backend.

MLX's CPU kernels compute exp, sin, cos, erf, erfinv and sigmoid of float64
in float32 (native/lower/float64_math.h): those results are 1e8 to 1e18 ulps
off, so every tolerance here fails them. Where cpu itself is a few ulps off
(its log1p, tanh, sinh, ... differ from libm by up to 100 ulps), an element
also passes when it is within the tolerance of scipy's value. complex128 is
refused, naming the op and what to use instead."""

import os
import subprocess
import sys
import zlib

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest
import scipy.special as ss
from jax import lax


@pytest.fixture(autouse=True)
def x64(request):
  # Inputs from a generator seeded by the test's name: the same for one test
  # run alone as in the whole file.
  global rng
  rng = np.random.default_rng(zlib.crc32(request.node.name.encode()))
  jax.config.update("jax_enable_x64", True)
  try:
    yield
  finally:
    jax.config.update("jax_enable_x64", False)


# --- comparison in ulps --------------------------------------------------------------------

TINY = np.finfo(np.float64).tiny


def _flushed(a):
  # XLA's cpu flushes subnormal inputs and results to zero; compare as it does.
  a = np.array(a, np.float64).ravel()
  a[np.abs(a) < TINY] = 0.0
  return a


def ulps(a, b):
  """Elementwise distance in units in the last place (0 for equal values,
  NaN with NaN and equal infinities; inf for NaN against a number)."""
  a, b = _flushed(a), _flushed(b)
  ia, ib = a.view(np.int64), b.view(np.int64)
  # Floats ordered as integers: negative ones mirrored below zero.
  ia = np.where(ia < 0, np.int64(-2**63) - ia, ia)
  ib = np.where(ib < 0, np.int64(-2**63) - ib, ib)
  same_side = (ia >= 0) == (ib >= 0)
  with np.errstate(over="ignore"):
    d = np.where(same_side, np.abs(ia - ib).astype(np.float64),
                 np.abs(ia.astype(np.float64)) + np.abs(ib.astype(np.float64)))
  d[np.isnan(a) & np.isnan(b)] = 0.0
  d[np.isnan(a) != np.isnan(b)] = np.inf
  return d


def assert_accurate(got, want, ref=None, ulp=2, atol=0.0, args=()):
  """Each element of got within `ulp` ulps of cpu's (want) or of the
  reference, or within atol of cpu's (near a zero of the function)."""
  assert got.dtype == want.dtype == np.float64, (got.dtype, want.dtype)
  assert got.shape == want.shape
  g, w = _flushed(got), _flushed(want)
  err = ulps(g, w)
  if ref is not None:
    err = np.minimum(err, ulps(g, np.asarray(ref, np.float64)))
  if atol:
    err[np.abs(g - w) <= atol] = 0.0
  i = int(np.argmax(err))
  at = ", ".join(repr(float(np.ravel(a)[i])) for a in args)
  reference = "" if ref is None else f", reference {float(np.ravel(ref)[i])!r}"
  assert err[i] <= ulp, f"{err[i]:.3g} ulps at x=({at}): mps {g[i]!r}, cpu {w[i]!r}{reference}"


def both(fn, *args):
  mps, cpu = jax.devices("mps")[0], jax.devices("cpu")[0]
  f = jax.jit(fn)
  with jax.default_device(mps):
    got = f(*[jax.device_put(a, mps) for a in args])
  with jax.default_device(cpu):
    want = f(*[jax.device_put(a, cpu) for a in args])
  for leaf in jax.tree.leaves(got):
    assert leaf.devices() == {mps}
  return np.asarray(got), np.asarray(want)


# --- inputs --------------------------------------------------------------------------------

rng = np.random.default_rng(18)  # reseeded for every test by the x64 fixture
SPECIAL = [0.0, -0.0, 1e-300, -1e-300, 1e-20, -1e-8, 1e-5, 0.5, 1.0, -1.0, 2.0, 3.0, 10.0, 30.0,
           100.0, 700.0, -700.0, 709.0, -745.0, 1e5, -1e5, 1e10, 1e15, 1e22, 1e300, -1e300,
           np.inf, -np.inf, np.nan]


def wide():
  return np.concatenate([
      rng.standard_normal(120) * 3, SPECIAL,
      np.pi * np.arange(-20, 21), np.pi / 2 * np.arange(1, 40, 2),
      # Near multiples of pi far out, where reducing the argument needs more
      # than a float's worth of pi.
      np.pi * np.round(1e5 / np.pi) + rng.standard_normal(10) * 1e-3, np.pi * 2.0**40 + np.arange(5),
      10 ** rng.uniform(-30, 30, 120) * rng.choice([-1, 1], 120)])


def positive():
  x = np.abs(wide())
  return x[x > 0]


def modest():
  return np.concatenate([rng.standard_normal(100) * 5, rng.uniform(-40, 40, 100),
                         [0.0, -0.0, 1e-300, 1e-10, -1e-10, 0.5, -0.5, 1.0, -1.0, -2.5, -3.5]])


def unit():
  return np.concatenate([rng.uniform(-1, 1, 150), [-1.0, 1.0, 0.0, -0.999999999, 0.999999999,
                                                   1e-10, -1e-300, 0.5, -0.5, 1 - 2**-52]])


def above_one():
  return np.concatenate([1 + 10 ** rng.uniform(-15, 5, 150), [1.0, 1.0000001, 2.0, 1e10, 1e300]])


def gamma_args():
  return np.concatenate([10 ** rng.uniform(-10, 3, 150), -rng.uniform(0, 30, 50),
                         [0.5, 1.0, 2.0, 3.0, 1e5, 1e10, -0.5, -1.5, 171.0, 172.0]])


def in_01():
  return np.concatenate([rng.uniform(0, 1, 150), [1e-300, 1e-10, 0.5, 1 - 1e-10]])


def tail_01():
  return np.abs(modest()) + 1e-3


# name -> (function, inputs, scipy/numpy reference or None, ulps, atol)
UNARY = {
    "sin": (lax.sin, wide, np.sin, 2, 0), "cos": (lax.cos, wide, np.cos, 2, 0),
    "tan": (lax.tan, wide, np.tan, 2, 0), "exp": (lax.exp, wide, np.exp, 2, 0),
    "exp2": (lax.exp2, wide, np.exp2, 2, 0), "expm1": (lax.expm1, wide, np.expm1, 2, 0),
    "log": (lax.log, positive, np.log, 2, 0), "log1p": (lax.log1p, positive, np.log1p, 2, 0),
    "tanh": (lax.tanh, wide, np.tanh, 2, 0), "logistic": (lax.logistic, wide, ss.expit, 2, 0),
    "sqrt": (lax.sqrt, positive, np.sqrt, 1, 0), "rsqrt": (lax.rsqrt, positive, lambda x: 1 / np.sqrt(x), 2, 0),
    "cbrt": (lax.cbrt, wide, np.cbrt, 2, 0),
    "erf": (lax.erf, modest, ss.erf, 2, 0), "erfc": (lax.erfc, modest, ss.erfc, 2, 0),
    "erf_inv": (lax.erf_inv, unit, ss.erfinv, 4, 0),
    # lgamma and digamma are JAX's own expansions, whose terms near a zero of
    # the function cancel to a few ulps of 1 whichever device sums them.
    "lgamma": (lax.lgamma, gamma_args, ss.gammaln, 4, 2e-15),
    "digamma": (lax.digamma, gamma_args, ss.psi, 4, 2e-15),
    "sinh": (lax.sinh, modest, np.sinh, 2, 0), "cosh": (lax.cosh, modest, np.cosh, 2, 0),
    "asin": (lax.asin, unit, np.arcsin, 2, 0), "acos": (lax.acos, unit, np.arccos, 2, 0),
    "atan": (lax.atan, wide, np.arctan, 2, 0), "asinh": (lax.asinh, wide, np.arcsinh, 2, 0),
    "acosh": (lax.acosh, above_one, np.arccosh, 2, 0), "atanh": (lax.atanh, unit, np.arctanh, 2, 0),
    "bessel_i0e": (lax.bessel_i0e, wide, ss.i0e, 2, 0), "bessel_i1e": (lax.bessel_i1e, wide, ss.i1e, 2, 0),
    "i0": (jsp.i0, modest, ss.i0, 4, 0), "i1": (jsp.i1, modest, ss.i1, 4, 0),
    "ndtri": (jsp.ndtri, in_01, ss.ndtri, 4, 0),
    # log(ndtr(x)) for x > 0 cancels: ndtr's last bit is 1e-16 of the result.
    "log_ndtr": (jsp.log_ndtr, modest, ss.log_ndtr, 2, 4e-16),
    "sinc": (jnp.sinc, modest, np.sinc, 2, 0),
    "softplus": (jax.nn.softplus, modest, lambda x: np.logaddexp(0, x), 2, 0),
    "spence": (jsp.spence, positive, ss.spence, 4, 0),
    "exp1": (jsp.exp1, tail_01, ss.exp1, 16, 0),
    "expi": (jsp.expi, lambda: np.concatenate([rng.uniform(-30, 30, 60), [0.5, -0.5, 3.0]]), ss.expi, 16, 0),
    # Exact in any arithmetic.
    "abs": (lax.abs, wide, None, 0, 0), "neg": (lax.neg, wide, None, 0, 0),
    "sign": (lax.sign, wide, None, 0, 0), "floor": (lax.floor, wide, None, 0, 0),
    "ceil": (lax.ceil, wide, None, 0, 0),
    "round_even": (lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN), wide, None, 0, 0),
    "round_away": (lax.round, wide, None, 0, 0), "square": (lax.square, wide, None, 0, 0),
    "cube": (lambda x: lax.integer_pow(x, 3), modest, None, 0, 0),
    "reciprocal": (lambda x: 1.0 / x, wide, None, 0, 0),
}


def _pair(f, g):
  def make():
    a, b = f(), g()
    n = min(a.size, b.size)
    return a[:n], b[:n]
  return make


# The series and continued fractions of igamma/betainc differ from scipy's
# and from cpu's by ~1e-14 (cpu is 100-300 ulps from scipy): 512 ulps is
# 1e-13, a million times tighter than float32.
SERIES = 512
BINARY = {
    "add": (lax.add, _pair(wide, wide), None, 0, 0), "sub": (lax.sub, _pair(wide, wide), None, 0, 0),
    "mul": (lax.mul, _pair(wide, wide), None, 0, 0), "div": (lax.div, _pair(wide, wide), None, 0, 0),
    "rem": (lax.rem, _pair(wide, wide), np.fmod, 0, 0),
    "max": (lax.max, _pair(wide, wide), None, 0, 0), "min": (lax.min, _pair(wide, wide), None, 0, 0),
    "pow": (lax.pow, _pair(positive, modest), np.power, 2, 0),
    "pow_negative_base": (lax.pow, _pair(lambda: -positive(), lambda: np.round(modest())), np.power, 2, 0),
    "atan2": (lax.atan2, _pair(wide, wide), np.arctan2, 2, 0),
    "nextafter": (lax.nextafter, _pair(wide, wide), np.nextafter, 0, 0),
    "hypot": (jnp.hypot, _pair(wide, wide), np.hypot, 2, 0),
    "logaddexp": (jnp.logaddexp, _pair(modest, modest), np.logaddexp, 2, 0),
    "xlogy": (jsp.xlogy, _pair(modest, positive), ss.xlogy, 2, 0),
    "igamma": (lax.igamma, lambda: (rng.uniform(0.1, 30, 100), rng.uniform(0, 40, 100)), ss.gammainc, SERIES, 0),
    "igammac": (lax.igammac, lambda: (rng.uniform(0.1, 30, 100), rng.uniform(0, 40, 100)), ss.gammaincc, SERIES, 0),
    "betainc": (lambda a, b: lax.betainc(a, b, jnp.full_like(a, 0.3)),
                lambda: (rng.uniform(0.5, 10, 100), rng.uniform(0.5, 10, 100)), lambda a, b: ss.betainc(a, b, 0.3),
                SERIES, 0),
    "polygamma": (lambda n, x: lax.polygamma(jnp.round(n), x),
                  lambda: (rng.uniform(0, 4, 100), rng.uniform(0.1, 20, 100)),
                  lambda n, x: ss.polygamma(np.round(n).astype(int), x), 16, 0),
    "zeta": (lax.zeta, lambda: (rng.uniform(1.1, 20, 100), rng.uniform(0.1, 20, 100)), ss.zeta, 4, 0),
}


def _reference(ref, *args):
  if ref is None:
    return None
  with np.errstate(all="ignore"):
    return np.asarray(ref(*args), np.float64)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float64(name):
  fn, inputs, ref, ulp, atol = UNARY[name]
  x = inputs()
  got, want = both(fn, x)
  assert_accurate(got, want, _reference(ref, x), ulp, atol, (x,))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_float64(name):
  fn, inputs, ref, ulp, atol = BINARY[name]
  x, y = inputs()
  got, want = both(fn, x, y)
  assert_accurate(got, want, _reference(ref, x, y), ulp, atol, (x, y))


# Gradients through vmap(grad): the backward programs call the same ops. The
# domains keep clear of where JAX's own derivative formulas cancel
# (1 - tanh(x)^2 at |x| > 5, 1/sqrt(1 - x^2) near |x| = 1), which cpu,
# contracting a*b+c into one fma, evaluates a few bits differently.
GRAD_UNARY = {
    "sin": wide, "cos": wide, "tan": modest, "exp": modest, "exp2": modest, "expm1": modest,
    "log": positive, "log1p": positive, "tanh": lambda: rng.uniform(-5, 5, 200),
    "logistic": modest, "sqrt": positive, "rsqrt": positive, "cbrt": modest,
    "erf": modest, "erfc": modest, "erf_inv": lambda: rng.uniform(-0.99, 0.99, 200), "lgamma": gamma_args,
    "digamma": gamma_args, "sinh": modest, "cosh": modest,
    "asin": lambda: rng.uniform(-0.99, 0.99, 200), "acos": lambda: rng.uniform(-0.99, 0.99, 200),
    "atan": wide, "asinh": wide, "acosh": lambda: rng.uniform(1.01, 1e3, 200),
    "atanh": lambda: rng.uniform(-0.99, 0.99, 200), "bessel_i0e": lambda: rng.uniform(-100, 100, 200),
    "bessel_i1e": lambda: rng.uniform(-100, 100, 200), "log_ndtr": modest, "ndtri": in_01,
    # sinc' = (cos(pi x) - sinc(x)) / x cancels near 0.
    "sinc": lambda: rng.uniform(0.5, 20, 200) * rng.choice([-1, 1], 200), "softplus": modest,
}
# Derivatives numpy computes directly: where cpu's is some ulps off (jax 0.9.2's
# cbrt' at 1e-300 is 200 ulps from 1 / (3 cbrt(x)^2)), mps may match these.
GRAD_REF = {"sin": np.cos, "cos": lambda x: -np.sin(x), "exp": np.exp, "log": lambda x: 1 / x,
            "sqrt": lambda x: 0.5 / np.sqrt(x), "cbrt": lambda x: 1 / (3 * np.cbrt(x) ** 2)}
GRAD_BINARY = ["mul", "div", "rem", "max", "min", "pow", "atan2", "hypot", "logaddexp", "xlogy"]
# 32 ulps: cpu's own sinh/cosh/erf_inv are 10-20 ulps from libm's, and the
# chain rule multiplies their differences.
GRAD_ULPS = 32


def _finite(*xs):
  ok = np.ones(xs[0].shape, bool)
  for x in xs:
    ok &= np.isfinite(x) & (np.abs(x) < 1e6)
  return [x[ok] for x in xs]


@pytest.mark.parametrize("name", sorted(GRAD_UNARY))
def test_unary_float64_gradient(name):
  fn = UNARY[name][0]
  (x,) = _finite(GRAD_UNARY[name]())
  got, want = both(jax.vmap(jax.grad(fn)), x)
  assert_accurate(got, want, _reference(GRAD_REF.get(name), x), GRAD_ULPS, 1e-15, (x,))


@pytest.mark.parametrize("name", GRAD_BINARY)
def test_binary_float64_gradient(name):
  fn, inputs, *_ = BINARY[name]
  x, y = _finite(*inputs())
  got, want = both(lambda a, b: jnp.stack(jax.vmap(jax.grad(fn, argnums=(0, 1)))(a, b)), x, y)
  assert_accurate(got, want, None, GRAD_ULPS, 1e-15, (x, y))


def test_sin_pi_and_exp_3_are_float64():
  # The values of the issue: float32 kernels gave -8.74e-8 and 20.085535049438477.
  got, want = both(lambda x: (jnp.sin(x[0]), jnp.exp(x[1])), np.array([np.pi, 3.0]))
  assert float(got[1]) == 20.085536923187668 == float(want[1])
  assert abs(float(got[0]) - 1.2246467991473532e-16) < 1e-31


# --- fused ops, reductions, products -------------------------------------------------------

def test_softmax_and_log_softmax_float64():
  # The passes fuse both onto one op each (lower/fast.cc), whose MLX kernel
  # exponentiates in float32.
  x = rng.standard_normal((64, 33)) * 30
  for fn in (jax.nn.softmax, jax.nn.log_softmax):
    got, want = both(lambda v: fn(v, axis=-1), x)
    ref = _reference(lambda v: np.exp(v - v.max(-1, keepdims=True)) / np.exp(v - v.max(-1, keepdims=True)).sum(-1, keepdims=True), x)
    if fn is jax.nn.log_softmax:
      ref = np.log(ref)
    # exp(x - max) of a shifted argument near -80 carries that argument's
    # ulp (1e-14) into the result: 128 ulps; float32's exp underflows there.
    # log_softmax near 0 is -log(1 + tiny): the sum's last bit, 2e-16.
    assert_accurate(got.ravel(), want.ravel(), ref.ravel(), 128, 1e-15, (x,))


def test_fused_attention_float64():
  # jax.nn.dot_product_attention takes its softmax in float32 whatever the
  # inputs, so no JAX program fuses a float64 one; the fused op (lower/fast.cc)
  # is run from StableHLO text, against numpy's float64 attention.
  from raw_stablehlo import run
  t = "tensor<1x2x4x8xf64>"
  q, k, v = (rng.standard_normal((1, 2, 4, 8)) * 5 for _ in range(3))
  for mask in ("", "causal"):
    text = f"""
func.func @main(%q: {t}, %k: {t}, %v: {t}) -> {t} {{
  %0 = stablehlo.custom_call @applejax.fast.sdpa(%q, %k, %v) {{scale = 2.5e-01 : f64, mask = "{mask}"}} : ({t}, {t}, {t}) -> {t}
  return %0 : {t}
}}"""
    got = run(text, "mps", q, k, v)[0]
    scores = np.einsum("bnth,bnsh->bnts", q, k) * 0.25
    if mask:
      scores = np.where(np.tril(np.ones((4, 4), bool)), scores, -np.inf)
    e = np.exp(scores - scores.max(-1, keepdims=True))
    want = np.einsum("bnts,bnsh->bnth", e / e.sum(-1, keepdims=True), v)
    assert got.dtype == np.float64
    # float32's exp would be 1e-7 off: the error here is a few float64 ulps
    # of the largest term of each output.
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-14 * np.abs(v).max(), err_msg=mask)


def test_float64_dot_with_a_float32_result_rounds_once():
  # preferred_element_type=float32 on float64 operands (the attention
  # logits above): XLA multiplies in float64 and rounds the result.
  a, b = rng.standard_normal((64, 64)) * 3, rng.standard_normal((64, 64)) * 3
  got, want = both(lambda x, y: jnp.matmul(x, y, preferred_element_type=jnp.float32), a, b)
  assert got.dtype == want.dtype == np.float32
  assert np.all(np.abs(got - want) <= np.spacing(np.abs(want))), np.max(np.abs(got - want) / np.spacing(np.abs(want)))


@pytest.mark.parametrize("name", ["sum", "cumsum", "prod", "mean_var", "matmul", "matvec", "batched_einsum"])
def test_reductions_and_products_float64(name):
  x = rng.standard_normal(4096) * 10 ** rng.uniform(-5, 5, 4096)
  fn, magnitude = {
      "sum": (lambda v: jnp.sum(v.reshape(64, 64), axis=1), lambda v: np.abs(v).reshape(64, 64).sum(1)),
      "cumsum": (jnp.cumsum, lambda v: np.cumsum(np.abs(v))),
      "prod": (lambda v: jnp.prod(1 + 1e-3 * v.reshape(64, 64) / float(np.abs(x).max()), axis=1), None),
      "mean_var": (lambda v: jnp.stack([jnp.mean(v + 1e3), jnp.var(v + 1e3)]), None),
      "matmul": (lambda v: v.reshape(64, 64) @ v.reshape(64, 64).T, lambda v: np.abs(v.reshape(64, 64)) @ np.abs(v.reshape(64, 64)).T),
      "matvec": (lambda v: v.reshape(64, 64) @ v[:64], lambda v: np.abs(v.reshape(64, 64)) @ np.abs(v[:64])),
      "batched_einsum": (lambda v: jnp.einsum("bij,bjk->bik", v.reshape(4, 32, 32), v.reshape(4, 32, 32)),
                         lambda v: np.einsum("bij,bjk->bik", np.abs(v.reshape(4, 32, 32)), np.abs(v.reshape(4, 32, 32)))),
  }[name]
  got, want = both(fn, x)
  if magnitude is None:
    assert_accurate(got.ravel(), want.ravel(), None, 32, 0, (x,))
    return
  # Sums in another order differ by a few eps of the sum of magnitudes (a
  # float32 accumulator would be 1e8 of them).
  bound = 4 * np.finfo(np.float64).eps * magnitude(x)
  assert np.all(np.abs(got - want) <= bound), float(np.max(np.abs(got - want) / bound))


def test_remainder_keeps_a_dividend_smaller_than_the_divisor():
  a = np.array([4785029.355703225, -3.5, 1e-300, 7.0, -7.5, 0.0, -0.0])
  b = np.array([-2.2247419575516338e27, 1e300, 3.0, -2.0, 2.0, 5.0, 5.0])
  for dtype in (np.float64, np.float32):
    got, want = both(lax.rem, a.astype(dtype), b.astype(dtype))
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


# --- the compiled path and traced loop bodies ----------------------------------------------

def test_float64_in_a_loop_body():
  # A counted loop's body is traced into mlx::core::compile graphs.
  x = wide()
  x = x[np.isfinite(x) & (np.abs(x) < 1e6)]
  body = lambda i, c: jnp.sin(c) + jnp.exp(-jnp.abs(c)) + lax.logistic(c) + lax.erf(c) + lax.cbrt(c)
  got, want = both(lambda v: lax.fori_loop(0, 6, body, v), x)
  assert_accurate(got, want, None, 8, 1e-15, (x,))


COMPILED = r"""
import jax, jax.numpy as jnp, numpy as np
from jax import lax
jax.config.update("jax_enable_x64", True)
mps, cpu = jax.devices("mps")[0], jax.devices("cpu")[0]
x = np.random.default_rng(1).standard_normal(1 << 12) * 20
fns = {"sin": jnp.sin, "cos": jnp.cos, "exp": jnp.exp, "erf": lax.erf, "logistic": lax.logistic,
       "cbrt": lax.cbrt, "chain": lambda v: jnp.exp(jnp.sin(v) * 3) * lax.erf(v / 7) + jnp.cos(v),
       "grad": jax.vmap(jax.grad(lambda v: jnp.sin(v) * jnp.exp(jnp.cos(v))))}
for name, fn in fns.items():
  f = jax.jit(fn)
  got = np.asarray(f(jax.device_put(x, mps)))
  want = np.asarray(f(jax.device_put(x, cpu)))
  # atol: the chain's terms cancel to 1e-2 at a few ulps of 1.
  np.testing.assert_allclose(got, want, rtol=4e-15, atol=1e-15, err_msg=name)
print("ok", len(fns))
"""


def test_float64_through_mlx_compile():
  # APPLEJAX_COMPILE=1 traces whole programs with mlx::core::compile (the
  # default on the GPU and for large arrays on the CPU).
  env = dict(os.environ, APPLEJAX_COMPILE="1")
  env.pop("JAX_PLATFORMS", None)
  proc = subprocess.run([sys.executable, "-c", COMPILED], env=env, capture_output=True, text=True,
                        timeout=300, check=False)
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert proc.stdout.strip().endswith("ok 8")


# --- complex128 ----------------------------------------------------------------------------

def test_complex128_is_refused_naming_the_op_and_the_alternative(mps):
  with pytest.raises(Exception) as e:
    jax.jit(lambda v: jnp.exp(v.astype(jnp.complex128)).real)(jax.device_put(np.ones(3), mps))
  message = str(e.value)
  assert "stablehlo.convert at " in message and "test_float64_accuracy.py" in message
  assert "complex128" in message and "not supported by MLX" in message
  assert "Use complex64" in message and "cpu backend" in message
  assert "report it" not in message  # refused by design, not a missing lowering


def test_complex128_parameter_is_refused_at_compile_time(mps):
  # Passing a complex128 through touches no op, so the parameter itself is checked.
  spec = jax.ShapeDtypeStruct((3,), jnp.complex128, sharding=jax.sharding.SingleDeviceSharding(mps))
  with pytest.raises(Exception, match=r"argument 0 of @main: element type complex128 .*Use complex64"):
    jax.jit(lambda v: v).lower(spec).compile()
  with pytest.raises(Exception, match=r"complex<f64> cannot be placed on the mps device"):
    jax.device_put(np.ones(3, np.complex128), mps)
