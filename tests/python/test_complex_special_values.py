"""complex64 elementwise functions at the edges of the complex plane (infinite,
NaN, signed-zero, huge and tiny parts) against the cpu backend, and their
gradients at ordinary points.

Subnormal parts are left out of the grid: XLA's cpu flushes them to zero
(sqrt(1e-38+0j) is 0 there) and MLX keeps them, so there the two differ by
design rather than by mistake."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

F32 = np.float32
EDGES = [np.inf, -np.inf, np.nan, 0.0, -0.0, 3.0e38, -1e38, 1.2e-38, -3e-30, np.pi, 1.5, -2.0,
         10.0, 50.0, -100.0]
_RE, _IM = np.meshgrid(np.array(EDGES, F32), np.array(EDGES, F32))
# Built part by part: re + 1j * im would itself turn inf * 1j into NaN.
GRID = lax.complex(_RE.ravel(), _IM.ravel())
GRID = np.asarray(jax.device_put(GRID, jax.devices("cpu")[0]))

FUNCTIONS = {
    name: getattr(jnp, name)
    for name in ("arccos arccosh arcsin arcsinh arctan arctanh conjugate cos cosh exp expm1 "
                 "log1p sign sin sinc sqrt square tan").split()
}
# MLX's float32 exp is up to ~10 ulps off XLA's once e^x is large
# (exp(50): 1.2e-6 relative), and these functions are built on it.
LOOSE = {"exp", "expm1", "cos", "cosh", "sin", "sinc", "tan"}
# Where the sign of a zero part is known to differ from XLA's: tan's real part
# once |y| is large (XLA's formula is not ours), sinc's from complex division.
ZERO_SIGN_FREE = {"tan", "sinc"}
# sinc divides sin(pi z) by pi z, and our complex division gives NaN where
# XLA's gives an infinite part (inf / finite), and differs in results near
# 1e-35 whose intermediates XLA flushes: compared where cpu's is finite.
FINITE_ONLY = {"sinc": 1e-30}


def _mismatches(got, want, rtol, zero_signs):
  bad = np.zeros(got.shape, bool)
  for part in (np.real, np.imag):
    g, w = part(got).astype(np.float64), part(want).astype(np.float64)
    both_nan = np.isnan(g) & np.isnan(w)
    with np.errstate(invalid="ignore"):
      close = (g == w) | (np.abs(g - w) <= rtol * np.abs(w))
    # XLA's cpu flushes subnormal results, and intermediates, to zero: parts
    # within 100x of the smallest normal float can differ by a few percent.
    close |= (np.abs(g) < 1e-36) & (np.abs(w) < 1e-36) & (np.signbit(g) == np.signbit(w))
    close |= (w == 0) & (np.abs(g) < np.finfo(F32).tiny)
    if zero_signs:
      close &= ~((g == 0) & (w == 0) & (np.signbit(g) != np.signbit(w)))
    bad |= ~(both_nan | close)
  return bad


def _on(device, fn, *args):
  return np.asarray(jax.jit(fn)(*[jax.device_put(a, device) for a in args]))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_edges_match_cpu(mps, cpu, name):
  got, want = _on(mps, FUNCTIONS[name], GRID), _on(cpu, FUNCTIONS[name], GRID)
  assert got.dtype == want.dtype == np.complex64 and got.shape == want.shape
  bad = _mismatches(got, want, 1e-5 if name in LOOSE else 2e-6, name not in ZERO_SIGN_FREE)
  if name in FINITE_ONLY:
    finite = np.isfinite(want.real) & np.isfinite(want.imag)
    assert finite.sum() > GRID.size // 3
    bad &= finite & ~np.isclose(got, want, rtol=1e-5, atol=FINITE_ONLY[name])
  report = [f"{name}({z}) -> mps {g}, cpu {w}" for z, g, w in zip(GRID[bad], got[bad], want[bad])]
  assert not report, f"{len(report)} of {GRID.size} differ:\n" + "\n".join(report[:20])


def test_lax_complex_keeps_parts_bit_for_bit(mps, cpu):
  re = np.array([np.inf, -np.inf, np.nan, -0.0, 0.0, 3e38, 1.2e-38], F32)
  im = np.array([-np.inf, -0.0, np.inf, -0.0, np.nan, -3e38, -1.2e-38], F32)
  got, want = _on(mps, lax.complex, re, im), _on(cpu, lax.complex, re, im)
  # Same bits, NaNs and zero signs included.
  np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))


ORDINARY = np.array([0.3 + 0.4j, -1.2 + 0.7j, 2.0 - 1.5j, -0.6 - 0.2j], np.complex64)
# grad of a real function of a complex input: the conjugate of its derivative.
GRADS = ["arcsin", "arccos", "arctan", "arcsinh", "arctanh", "cos", "cosh", "exp", "expm1", "log1p",
         "sin", "sqrt", "square", "tan"]


@pytest.mark.parametrize("name", GRADS)
def test_grad_matches_cpu(mps, cpu, name):
  fn = FUNCTIONS[name]

  def loss(z):
    w = fn(z)
    return jnp.sum(jnp.real(w) * 0.7 + jnp.imag(w) * 0.3)

  got, want = _on(mps, jax.grad(loss), ORDINARY), _on(cpu, jax.grad(loss), ORDINARY)
  assert got.dtype == want.dtype == np.complex64
  np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)
