"""Empty arrays through the operations the plugin maps onto MLX's fast
kernels (softmax, log_softmax, the norms, attention) and through FFTs: MLX's
kernels refuse empty inputs, XLA returns empty results. Forward and grad,
mps vs cpu."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import assert_same


def _both(mps, cpu, fn, *args):
  got = jax.jit(fn)(*[jax.device_put(a, mps) for a in args])
  want = jax.jit(fn)(*[jax.device_put(a, cpu) for a in args])
  assert_same(got, want)


def _layer_norm(x):
  mean = x.mean(-1, keepdims=True)
  var = ((x - mean) ** 2).mean(-1, keepdims=True)
  return (x - mean) * jax.lax.rsqrt(var + 1e-5)


def _rms_norm(x):
  return x * jax.lax.rsqrt((x * x).mean(-1, keepdims=True) + 1e-6)


FUNCTIONS = {
    "softmax": lambda x: jax.nn.softmax(x, axis=-1),
    "log_softmax": lambda x: jax.nn.log_softmax(x, axis=-1),
    "layer_norm": _layer_norm,
    "rms_norm": _rms_norm,
    "softmax_grad": jax.grad(lambda x: jax.nn.softmax(x, axis=-1).sum()),
    "log_softmax_grad": jax.grad(lambda x: jax.nn.log_softmax(x, axis=-1).sum()),
}


@pytest.mark.parametrize("shape", [(0,), (0, 4), (3, 0), (2, 0, 5)], ids=str)
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_fused_patterns_of_empty_arrays(mps, cpu, name, shape):
  _both(mps, cpu, FUNCTIONS[name], np.zeros(shape, np.float32))


@pytest.mark.parametrize("b,t,s,h", [(0, 3, 3, 4), (1, 0, 3, 4), (2, 3, 3, 0)])
def test_attention_of_empty_arrays(mps, cpu, b, t, s, h):
  q = np.ones((b, t, 2, h), np.float32)
  k = np.ones((b, s, 2, h), np.float32)
  _both(mps, cpu, lambda q, k, v: jax.nn.dot_product_attention(q, k, v), q, k, k)


@pytest.mark.parametrize("fn", ["fft", "ifft", "rfft", "irfft", "fft2"])
@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4)], ids=str)
def test_fft_of_empty_arrays(mps, cpu, fn, shape):
  dtype = np.float32 if fn == "rfft" else np.complex64
  if fn == "fft2" and len(shape) < 2:
    shape = (0, 0)
  if fn in ("rfft", "irfft") and shape[-1] == 0:
    shape = shape[:-1] + (4,) if len(shape) > 1 else (0, 4)  # JAX refuses a 0-long real FFT
  x = np.zeros(shape, dtype)
  _both(mps, cpu, getattr(jnp.fft, fn), x)
