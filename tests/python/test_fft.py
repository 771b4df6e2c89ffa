"""FFT: complex and real transforms, 1-3 axes, inverse round trips, gradients."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from op_inputs import sample

CASES = {
    "fft": lambda v: jnp.fft.fft(v.astype(jnp.complex64)),
    "ifft": lambda v: jnp.fft.ifft(v.astype(jnp.complex64)),
    "rfft": jnp.fft.rfft,
    "irfft": lambda v: jnp.fft.irfft(jnp.fft.rfft(v) * 2),
    "fft2": lambda v: jnp.fft.fft2(v.astype(jnp.complex64)),
    "rfft2": jnp.fft.rfft2,
    "irfftn": lambda v: jnp.fft.irfftn(jnp.fft.rfftn(v)),
    "fft_padded_length": lambda v: jnp.fft.fft(v, n=12),
    "rfft_odd_length": lambda v: jnp.fft.rfft(v[:, :7]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fft(check, name):
  check(CASES[name], sample(np.float32, (4, 8), seed=1), tol=(1e-4, 1e-4))


def test_fft_grad(check):
  check(jax.grad(lambda v: jnp.sum(jnp.abs(jnp.fft.rfft(v)) ** 2)), sample(np.float32, (8,), seed=2),
        tol=(1e-4, 1e-4))


# Every transform family over 1-3 axes, with padded/truncated lengths and all
# three normalisations.
TRANSFORMS = {
    "fft": (jnp.fft.fft, True), "ifft": (jnp.fft.ifft, True), "rfft": (jnp.fft.rfft, False),
    "irfft": (jnp.fft.irfft, True), "hfft": (jnp.fft.hfft, True), "ihfft": (jnp.fft.ihfft, False),
    "fft2": (jnp.fft.fft2, True), "ifft2": (jnp.fft.ifft2, True), "rfft2": (jnp.fft.rfft2, False),
    "irfft2": (jnp.fft.irfft2, True), "fftn": (jnp.fft.fftn, True), "ifftn": (jnp.fft.ifftn, True),
    "rfftn": (jnp.fft.rfftn, False), "irfftn": (jnp.fft.irfftn, True),
}
LENGTHS = {"natural": None, "padded": 10, "truncated": 5}


def length_arg(name, n):
  if n is None:
    return {}
  if name.endswith("2"):
    return {"s": (n, n)}
  if name.endswith("n"):
    return {"s": (n, n, n)}
  return {"n": n}


@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
@pytest.mark.parametrize("length", sorted(LENGTHS))
@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_transform(check, name, length, norm):
  fn, complex_input = TRANSFORMS[name]
  x = sample(np.complex64 if complex_input else np.float32, (3, 6, 8), seed=3)
  check(lambda v: fn(v, norm=norm, **length_arg(name, LENGTHS[length])), x, tol=(2e-4, 2e-4))


@pytest.mark.parametrize("axes", [(0,), (1,), (0, 2), (2, 0)], ids=str)
def test_fftn_axes(check, axes):
  check(lambda v: jnp.fft.fftn(v, axes=axes), sample(np.complex64, (4, 5, 6), seed=4), tol=(2e-4, 2e-4))


def test_fftshift_and_frequencies(check):
  check(lambda v: (jnp.fft.fftshift(jnp.fft.fft(v)), jnp.fft.ifftshift(v), jnp.fft.fftfreq(8, 0.1),
                   jnp.fft.rfftfreq(8)), sample(np.complex64, (8,), seed=5), tol=(1e-4, 1e-4))
