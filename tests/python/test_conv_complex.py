"""Complex convolution, which MLX lacks and the plugin builds from real
convolutions (native/lower/convolution.cc, complex_conv): jnp.convolve and
jnp.correlate, lax.conv_general_dilated with every window attribute, and
gradients with respect to real parameters; the element types a convolution
still refuses name themselves."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from op_inputs import sample

# Sums of up to ~100 complex products per element: the order of summation
# differs between MLX's and XLA's kernels.
TOL = (2e-5, 2e-5)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("lengths", [(9, 4), (4, 9), (16, 16), (1, 5)], ids=lambda n: f"{n[0]}x{n[1]}")
def test_convolve(check, mode, lengths):
  a, v = sample(np.complex64, (lengths[0],), seed=1), sample(np.complex64, (lengths[1],), seed=2)
  check(lambda a, v: jnp.convolve(a, v, mode=mode), a, v, tol=TOL)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_correlate(check, mode):
  a, v = sample(np.complex64, (11,), seed=3), sample(np.complex64, (4,), seed=4)
  check(lambda a, v: jnp.correlate(a, v, mode=mode), a, v, tol=TOL)


def test_convolve_complex_with_real(check):
  # jnp promotes the real operand; its imaginary part is zero.
  a, v = sample(np.complex64, (10,), seed=5), sample(np.float32, (3,), seed=6)
  check(lambda a, v: jnp.convolve(a, v), a, v, tol=TOL)


def test_convolve_small_imaginary_parts(mps, cpu):
  # Large real parts, imaginary parts a million times smaller, so the
  # result's imaginary part (ad + bc) is tiny beside its real part. JAX
  # lowers cpu's complex convolutions by Gauss's three-product form, whose
  # error is relative to the larger part: cpu's complex64 imaginary parts
  # here are off by ~10%. The plugin's four products keep each part to
  # float32 rounding, so the oracle is cpu in complex128; against cpu's
  # complex64 the results agree within cpu's own bound.
  rng = np.random.default_rng(7)
  a = (rng.standard_normal(12) * 1e3 + 1j * rng.standard_normal(12) * 1e-3).astype(np.complex64)
  v = (rng.standard_normal(5) * 1e3 + 1j * rng.standard_normal(5) * 1e-3).astype(np.complex64)
  f = jax.jit(lambda a, v: jnp.convolve(a, v))
  got = f(jax.device_put(a, mps), jax.device_put(v, mps))
  assert got.devices() == {mps} and got.dtype == np.complex64
  got = np.asarray(got)
  jax.config.update("jax_enable_x64", True)
  try:
    exact = np.asarray(f(jax.device_put(a.astype(np.complex128), cpu), jax.device_put(v.astype(np.complex128), cpu)))
  finally:
    jax.config.update("jax_enable_x64", False)
  for part in (np.real, np.imag):
    np.testing.assert_allclose(part(got), part(exact), rtol=1e-5, atol=1e-6 * np.abs(part(exact)).max())
  cpu64 = np.asarray(f(jax.device_put(a, cpu), jax.device_put(v, cpu)))
  bound = 1e-5 * np.abs(exact).max()
  np.testing.assert_allclose(got, cpu64, rtol=0, atol=bound)


CONV_CASES = {
    "same": dict(x=(2, 3, 8, 8), w=(4, 3, 3, 3), strides=(1, 1), padding="SAME"),
    "valid_strided": dict(x=(1, 2, 9, 7), w=(3, 2, 3, 2), strides=(2, 1), padding="VALID"),
    "explicit_padding": dict(x=(1, 2, 6, 6), w=(2, 2, 3, 3), strides=(2, 2), padding=((1, 2), (0, 1))),
    "negative_padding": dict(x=(1, 2, 8, 8), w=(2, 2, 3, 3), strides=(1, 1), padding=((-1, 2), (1, -2))),
    "rhs_dilation": dict(x=(1, 2, 10, 10), w=(2, 2, 3, 3), strides=(1, 1), padding="SAME",
                         rhs_dilation=(2, 2)),
    "lhs_dilation": dict(x=(1, 1, 5, 5), w=(1, 1, 3, 3), strides=(1, 1), padding=((2, 2), (1, 1)),
                         lhs_dilation=(2, 2)),
    "feature_groups": dict(x=(2, 4, 6, 6), w=(6, 2, 3, 3), strides=(1, 1), padding="SAME",
                           feature_group_count=2),
    "depthwise_strided": dict(x=(2, 3, 7, 7), w=(3, 1, 3, 3), strides=(2, 2), padding="SAME",
                              feature_group_count=3),
    "batch_groups": dict(x=(4, 3, 6, 6), w=(4, 3, 3, 3), strides=(1, 1), padding="VALID",
                         batch_group_count=2),
    "1d": dict(x=(2, 3, 16), w=(5, 3, 4), strides=(2,), padding="SAME"),
    "3d": dict(x=(1, 2, 5, 6, 4), w=(3, 2, 2, 3, 2), strides=(1, 1, 1), padding="VALID"),
}


@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv_general_dilated(check, name):
  c = dict(CONV_CASES[name])
  x, w = sample(np.complex64, c.pop("x"), seed=8), sample(np.complex64, c.pop("w"), seed=9)
  strides, padding = c.pop("strides"), c.pop("padding")
  check(lambda a, b: lax.conv_general_dilated(a, b, strides, padding, **c), x, w, tol=TOL)


def test_conv_nhwc_layout(check):
  x, w = sample(np.complex64, (2, 8, 8, 3), seed=10), sample(np.complex64, (3, 3, 3, 5), seed=11)
  check(lambda a, b: lax.conv_general_dilated(a, b, (2, 1), "SAME", rhs_dilation=(1, 2),
                                              dimension_numbers=("NHWC", "HWIO", "NHWC")), x, w, tol=TOL)


def test_conv_real_kernel(check):
  # A complex input by a real kernel cast to complex: the kernel's imaginary
  # part is zeros, exactly.
  x, w = sample(np.complex64, (1, 2, 6, 6), seed=12), sample(np.float32, (3, 2, 3, 3), seed=13)
  check(lambda a, b: lax.conv_general_dilated(a, b.astype(jnp.complex64), (1, 1), "SAME"), x, w, tol=TOL)


GRAD_CASES = {
    "strided": dict(strides=(2, 2), padding="SAME", feature_group_count=1, w=(4, 4, 3, 3)),
    "dilated": dict(strides=(1, 1), padding="VALID", feature_group_count=1, w=(4, 4, 3, 3),
                    rhs_dilation=(2, 1)),
    # The kernel gradient of a grouped convolution is a batch-grouped one.
    "grouped": dict(strides=(1, 1), padding="SAME", feature_group_count=2, w=(4, 2, 3, 3)),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_grad_wrt_real_parameters(check, name):
  c = dict(GRAD_CASES[name])
  wshape = c.pop("w")
  params = {"xr": sample(np.float32, (2, 4, 7, 7), seed=14), "xi": sample(np.float32, (2, 4, 7, 7), seed=15),
            "wr": sample(np.float32, wshape, seed=16), "wi": sample(np.float32, wshape, seed=17)}
  strides, padding = c.pop("strides"), c.pop("padding")

  def loss(p):
    x = lax.complex(p["xr"], p["xi"])
    w = lax.complex(p["wr"], jnp.tanh(p["wi"]))
    y = lax.conv_general_dilated(x, w, strides, padding, **c)
    return jnp.sum(jnp.abs(y) ** 2) + jnp.sum(jnp.angle(y + 1.0))

  # Gradient elements sum hundreds of products of inputs near 3 in magnitude.
  check(jax.value_and_grad(loss), params, tol=(1e-4, 1e-2))


def test_grad_of_convolve(check):
  t = sample(np.float32, (12,), seed=18)
  k = sample(np.float32, (4,), seed=19)

  def loss(t, k):
    signal = jnp.exp(1j * t)  # a phase signal built from real parameters
    return jnp.sum(jnp.real(jnp.convolve(signal, k * (1 + 0.5j), mode="same")) ** 2)

  check(jax.grad(loss, argnums=(0, 1)), t, k, tol=(1e-4, 1e-4))


def test_convolution_under_jit_inside_vmap(check):
  a = sample(np.complex64, (3, 10), seed=20)
  v = sample(np.complex64, (3, 3), seed=21)
  check(jax.vmap(lambda a, v: jnp.convolve(a, v, mode="same")), a, v, tol=TOL)


def test_complex128_convolution_names_its_type(mps):
  # MLX's only complex type is complex64: x64's complex128 is refused by
  # name, both as an array and in a program compiled for mps.
  jax.config.update("jax_enable_x64", True)
  try:
    with pytest.raises(Exception, match=r"complex<f64> cannot be placed on the mps device"):
      jax.device_put(sample(np.complex128, (6,), seed=24), mps)
    on_mps = jax.sharding.SingleDeviceSharding(mps)
    a = jax.ShapeDtypeStruct((6,), np.complex128, sharding=on_mps)
    v = jax.ShapeDtypeStruct((3,), np.complex128, sharding=on_mps)
    with pytest.raises(Exception, match=r"complex<f64> is not supported by MLX"):
      jax.jit(lambda a, v: jnp.convolve(a, v)).lower(a, v).compile()
  finally:
    jax.config.update("jax_enable_x64", False)
