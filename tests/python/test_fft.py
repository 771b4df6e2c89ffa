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
