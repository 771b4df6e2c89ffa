"""Convolution (1-3 d, strides, dilations, padding, groups, layouts, gradients),
pooling and cumulative ops (reduce_window)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from op_inputs import ids, sample

CONV_CASES = {
    "2d_same": dict(x=(2, 3, 8, 8), w=(4, 3, 3, 3), strides=(1, 1), padding="SAME"),
    "2d_valid_stride": dict(x=(1, 2, 9, 7), w=(3, 2, 3, 2), strides=(2, 1), padding="VALID"),
    "2d_dilated": dict(x=(1, 2, 10, 10), w=(2, 2, 3, 3), strides=(1, 1), padding="SAME",
                       rhs_dilation=(2, 2)),
    "2d_lhs_dilated": dict(x=(1, 1, 5, 5), w=(1, 1, 3, 3), strides=(1, 1), padding=((2, 2), (1, 1)),
                           lhs_dilation=(2, 2)),
    "2d_explicit_pad": dict(x=(1, 2, 6, 6), w=(2, 2, 3, 3), strides=(2, 2), padding=((1, 2), (0, 1))),
    "2d_groups": dict(x=(1, 4, 6, 6), w=(6, 2, 3, 3), strides=(1, 1), padding="SAME",
                      feature_group_count=2),
    "2d_depthwise": dict(x=(2, 3, 7, 7), w=(3, 1, 3, 3), strides=(1, 1), padding="SAME",
                         feature_group_count=3),
    "1d": dict(x=(2, 3, 16), w=(5, 3, 4), strides=(2,), padding="SAME"),
    "3d": dict(x=(1, 2, 5, 6, 4), w=(3, 2, 2, 3, 2), strides=(1, 1, 1), padding="VALID"),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=ids([np.float32, np.float16]))
@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv(check, name, dtype):
  c = dict(CONV_CASES[name])
  x, w = sample(dtype, c.pop("x"), seed=1), sample(dtype, c.pop("w"), seed=2)
  strides, padding = c.pop("strides"), c.pop("padding")
  check(lambda a, b: lax.conv_general_dilated(a, b, strides, padding, **c), x, w)


def test_conv_nhwc_layout(check):
  x, w = sample(np.float32, (2, 8, 8, 3), seed=3), sample(np.float32, (3, 3, 3, 5), seed=4)
  check(lambda a, b: lax.conv_general_dilated(a, b, (1, 1), "SAME",
                                              dimension_numbers=("NHWC", "HWIO", "NHWC")), x, w)


@pytest.mark.parametrize("strides", [(1, 1), (2, 2)])
def test_conv_gradients(check, strides):
  x, w = sample(np.float32, (2, 3, 8, 8), seed=5), sample(np.float32, (4, 3, 3, 3), seed=6)

  def loss(a, b):
    return jnp.sum(jnp.tanh(lax.conv_general_dilated(a, b, strides, "SAME")))

  # Kernel gradients sum 128 products per element; summation order differs.
  check(jax.grad(loss, argnums=(0, 1)), x, w, tol=(1e-4, 1e-4))


def test_conv_zero_size(check):
  # No input channels: every output is an empty sum. No batch: no output.
  w = sample(np.float32, (2, 0, 3, 3), seed=9)
  conv = lambda x, w: lax.conv(x, w, (1, 1), "SAME")
  check(conv, np.zeros((1, 0, 5, 5), np.float32), w)
  check(conv, np.zeros((0, 3, 5, 5), np.float32), sample(np.float32, (2, 3, 3, 3), seed=10))


def test_conv_transpose(check):
  x, w = sample(np.float32, (1, 6, 6, 2), seed=7), sample(np.float32, (3, 3, 2, 4), seed=8)
  check(lambda a, b: lax.conv_transpose(a, b, (2, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")),
        x, w)


POOLS = {
    "max_2x2": lambda v: lax.reduce_window(v, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID"),
    "max_3x3_same": lambda v: lax.reduce_window(v, -jnp.inf, lax.max, (1, 1, 3, 3), (1, 1, 1, 1), "SAME"),
    "avg_2x2": lambda v: lax.reduce_window(v, 0.0, lax.add, (1, 1, 2, 2), (1, 1, 2, 2), "VALID") / 4,
    "sum_stride_pad": lambda v: lax.reduce_window(v, 0.0, lax.add, (1, 1, 3, 2), (1, 1, 2, 3),
                                                  ((0, 0), (0, 0), (1, 1), (0, 2))),
    "min_dilated": lambda v: lax.reduce_window(v, jnp.inf, lax.min, (1, 1, 2, 2), (1, 1, 1, 1), "VALID",
                                               window_dilation=(1, 1, 2, 2)),
}


@pytest.mark.parametrize("name", sorted(POOLS))
def test_pool(check, name):
  check(POOLS[name], sample(np.float32, (2, 3, 8, 9), seed=9))


@pytest.mark.parametrize("dtype", [np.float32, np.int32], ids=ids([np.float32, np.int32]))
@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin"])
@pytest.mark.parametrize("axis", [0, 1])
def test_cumulative(check, dtype, name, axis):
  x = sample(dtype, (5, 6), seed=10)
  if name == "cumprod":
    x = (x % 3 + 1).astype(dtype) if dtype == np.int32 else (x / 3).astype(dtype)
  fn = {"cumsum": jnp.cumsum, "cumprod": jnp.cumprod, "cummax": lax.cummax, "cummin": lax.cummin}[name]
  check(lambda v: fn(v, axis=axis), x)


def test_reverse_cumsum(check):
  check(lambda v: lax.cumsum(v, axis=1, reverse=True), sample(np.float32, (3, 7), seed=11))


@pytest.mark.parametrize("name", ["max_2x2", "max_3x3_same", "avg_2x2", "min_dilated_free_min"])
def test_pool_gradient(check, name):
  # Max/min pooling gradients are select_and_scatter; ties go to the first element.
  pool = POOLS.get(name) or (lambda v: lax.reduce_window(v, jnp.inf, lax.min, (1, 1, 2, 2), (1, 1, 2, 2),
                                                         "VALID"))
  x = sample(np.float32, (2, 2, 6, 6), seed=12)
  x[0, 0, :2, :2] = 1.0  # a tie inside one window
  check(jax.grad(lambda v: jnp.sum(pool(v) * jnp.arange(pool(v).size).reshape(pool(v).shape))), x)


def test_small_cnn_forward_backward(check):
  x = sample(np.float32, (4, 1, 12, 12), seed=13)
  w1 = sample(np.float32, (8, 1, 3, 3), seed=14) * 0.3
  w2 = sample(np.float32, (16, 8, 3, 3), seed=15) * 0.1
  wd = sample(np.float32, (16 * 3 * 3, 10), seed=16) * 0.1

  def loss(params, v):
    a, b, d = params
    h = jax.nn.relu(lax.conv_general_dilated(v, a, (1, 1), "SAME"))
    h = POOLS["avg_2x2"](h)
    h = jax.nn.relu(lax.conv_general_dilated(h, b, (2, 2), "SAME"))
    logits = h.reshape(h.shape[0], -1) @ d
    return jnp.mean(jax.nn.logsumexp(logits, axis=1))

  check(jax.value_and_grad(loss), (w1, w2, wd), x)


# Kernel gradients of grouped convolutions: JAX derives them as convolutions
# with batch_group_count > 1.
GROUPED = {
    "depthwise_2d": ((2, 4, 6, 6), (4, 1, 3, 3), 4, (1, 1), "SAME", (1, 1)),
    "depthwise_x2_multiplier": ((2, 3, 5, 5), (6, 1, 3, 3), 3, (1, 1), "VALID", (1, 1)),
    "grouped_2_of_4": ((3, 4, 6, 6), (6, 2, 3, 3), 2, (1, 1), "SAME", (1, 1)),
    "depthwise_strided": ((2, 4, 7, 7), (4, 1, 3, 3), 4, (2, 2), "SAME", (1, 1)),
    "depthwise_dilated": ((1, 2, 9, 9), (2, 1, 3, 3), 2, (1, 1), "VALID", (2, 2)),
    "depthwise_1d": ((2, 3, 10), (3, 1, 4), 3, (1,), "SAME", (1,)),
    "depthwise_3d": ((1, 2, 4, 4, 4), (2, 1, 2, 2, 2), 2, (1, 1, 1), "VALID", (1, 1, 1)),
}


@pytest.mark.parametrize("name", sorted(GROUPED))
def test_grouped_conv_kernel_gradient(check, name):
  xs, ws, groups, strides, padding, dil = GROUPED[name]
  x, w = sample(np.float32, xs, seed=1), sample(np.float32, ws, seed=2)

  def loss(w, x):
    y = lax.conv_general_dilated(x, w, strides, padding, rhs_dilation=dil, feature_group_count=groups)
    return jnp.sum(jnp.tanh(y))

  check(jax.grad(loss, argnums=(0, 1)), w, x, tol=(1e-4, 1e-4))


@pytest.mark.parametrize("batch_groups", [2, 3])
def test_batch_group_count_directly(check, batch_groups):
  x = sample(np.float32, (batch_groups * 2, 3, 5, 5), seed=3)
  w = sample(np.float32, (batch_groups * 2, 3, 2, 2), seed=4)
  check(lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "VALID", batch_group_count=batch_groups),
        x, w, tol=(1e-5, 1e-4))


def test_mobilenet_block_train_step(check):
  # Depthwise-separable block: the gradient of every kernel, including the depthwise one.
  x = sample(np.float32, (2, 8, 8, 4), seed=5)
  params = {"dw": sample(np.float32, (3, 3, 1, 4), seed=6) * 0.3,
            "pw": sample(np.float32, (1, 1, 4, 6), seed=7) * 0.3}

  def loss(p, x):
    dn = ("NHWC", "HWIO", "NHWC")
    h = lax.conv_general_dilated(x, p["dw"], (1, 1), "SAME", dimension_numbers=dn, feature_group_count=4)
    h = jax.nn.relu6(h)
    h = lax.conv_general_dilated(h, p["pw"], (1, 1), "SAME", dimension_numbers=dn)
    return jnp.mean(h ** 2)

  def step(p, x):
    g = jax.grad(loss)(p, x)
    return jax.tree.map(lambda a, b: a - 0.1 * b, p, g)

  check(step, params, x, tol=(1e-4, 1e-5))


def test_grouped_conv_3d_forward(check):
  # MLX has no grouped 3-d kernel; groups run one by one.
  x, w = sample(np.float32, (2, 4, 4, 5, 3), seed=11), sample(np.float32, (6, 2, 2, 3, 2), seed=12)
  check(lambda x, w: lax.conv_general_dilated(x, w, (1, 1, 1), "SAME", feature_group_count=2), x, w,
        tol=(1e-5, 1e-4))


# Pooling over the whole grid of window, stride, padding and dilation.
REDUCERS = {"max": (-jnp.inf, lax.max), "min": (jnp.inf, lax.min), "sum": (0.0, lax.add)}
WINDOWS = [(2, 2), (3, 3), (2, 3)]


@pytest.mark.parametrize("dilation", [1, 2])
@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("window", WINDOWS, ids=str)
@pytest.mark.parametrize("kind", sorted(REDUCERS))
def test_pool_grid(check, kind, window, stride, padding, dilation):
  init, op = REDUCERS[kind]
  check(lambda v: lax.reduce_window(v, init, op, (1, 1) + window, (1, 1, stride, stride), padding,
                                    window_dilation=(1, 1, dilation, dilation)),
        sample(np.float32, (2, 2, 9, 10), seed=13))


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("window", WINDOWS, ids=str)
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.frameworks
def test_pool_grid_gradient(check, kind, window, stride, padding):
  from flax import linen as nn  # flax is pinned; its pooling is what models call
  pool = nn.max_pool if kind == "max" else nn.avg_pool
  x = sample(np.float32, (2, 9, 10, 3), seed=14)
  check(jax.grad(lambda v: jnp.sum(jnp.sin(pool(v, window, (stride, stride), padding)))), x)


CUMULATIVE_DTYPES = [np.float32, np.float16, np.int32, np.uint8, np.int64]


@pytest.mark.parametrize("dtype", CUMULATIVE_DTYPES, ids=ids(CUMULATIVE_DTYPES))
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"])
def test_cumulative_grid(check, dtype, reverse, name):
  if name == "cumlogsumexp" and not np.issubdtype(dtype, np.floating):
    dtype = np.float32
  x = sample(dtype, (4, 9), seed=15)
  if name == "cumprod":
    x = (np.abs(x) % 3 + 1).astype(dtype) if np.issubdtype(dtype, np.integer) else (x / 4).astype(dtype)
  fn = {"cumsum": lax.cumsum, "cumprod": lax.cumprod, "cummax": lax.cummax, "cummin": lax.cummin,
        "cumlogsumexp": lax.cumlogsumexp}[name]
  # float16 partial sums reach ~20, where one ulp is 0.0156.
  check(lambda v: fn(v, axis=1, reverse=reverse), x, tol=(1e-2, 3e-2) if dtype is np.float16 else (1e-4, 1e-4))


SCANS = {
    "add": jnp.add, "max": jnp.maximum, "mul_small": lambda a, b: a * b,
    "affine_pairs": lambda a, b: (a[0] * b[0], a[1] * b[0] + b[1]),
}


@pytest.mark.parametrize("name", sorted(SCANS))
@pytest.mark.parametrize("reverse", [False, True])
def test_associative_scan(check, name, reverse):
  x = sample(np.float32, (13,), seed=16) / 3
  arg = (x, x[::-1] * 0.5) if name == "affine_pairs" else x
  check(lambda v: lax.associative_scan(SCANS[name], v, reverse=reverse), arg, tol=(1e-4, 1e-5))


def test_cumsum_gradients(check):
  check(jax.grad(lambda v: jnp.sum(jnp.cumsum(v, axis=0) ** 2 + lax.cummax(v, axis=1))),
        sample(np.float32, (4, 5), seed=17))


# reduce_window with bodies that are not one binary op, and with two operands.
def test_reduce_window_general_body(check):
  # A body computing max(a, b) + 0 * min(a, b) ... spelled so that it is not a single op.
  def f(v):
    return lax.reduce_window(v, -jnp.inf, lambda a, b: jnp.maximum(a, b) * 1.0 + jnp.minimum(a, b) * 0.0,
                             (2, 3), (1, 2), "SAME")

  check(f, sample(np.float32, (5, 7), seed=18))


def test_reduce_window_variadic_argmax(check):
  # (value, index) pairs: the argmax pooling pattern.
  def f(v):
    idx = lax.broadcasted_iota(jnp.int32, v.shape, 1)

    def body(a, b):
      take_b = b[0] > a[0]
      return jnp.where(take_b, b[0], a[0]), jnp.where(take_b, b[1], a[1])

    return lax.reduce_window((v, idx), (-jnp.inf, jnp.int32(-1)), body, (1, 3), (1, 1), "VALID")

  check(f, sample(np.float32, (3, 8), seed=19))


@pytest.mark.parametrize("kind", sorted(REDUCERS))
@pytest.mark.parametrize("base", [(1, 2), (2, 3)], ids=str)
def test_reduce_window_base_dilation(check, kind, base):
  init, op = REDUCERS[kind]
  check(lambda v: lax.reduce_window(v, init, op, (2, 2), (1, 1), "SAME", base_dilation=base),
        sample(np.float32, (4, 5), seed=20))


def test_strided_window_sum_gradient(check):
  # The transpose of a strided window sum is a base-dilated window sum.
  f = lambda v: jnp.sum(jnp.cos(lax.reduce_window(v, 0.0, lax.add, (3, 3), (2, 2), "VALID")))
  check(jax.grad(f), sample(np.float32, (7, 9), seed=21))


# --- integer and boolean convolution ------------------------------------------------------
#
# XLA's integer convolution is exact and wraps in the result type; a boolean
# one is the OR of ANDs. MLX convolves floats only, so these run through
# conv_integer.cc: cpu's results are the oracle, bit for bit.

from op_inputs import INTS  # noqa: E402

INT_CONV_DTYPES = INTS + [np.bool_]


@pytest.mark.parametrize("dtype", INT_CONV_DTYPES, ids=ids(INT_CONV_DTYPES))
@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv_integer(check, name, dtype):
  c = dict(CONV_CASES[name])
  x, w = sample(dtype, c.pop("x"), seed=11), sample(dtype, c.pop("w"), seed=12)
  strides, padding = c.pop("strides"), c.pop("padding")
  check(lambda a, b: lax.conv_general_dilated(a, b, strides, padding, **c), x, w)


@pytest.mark.parametrize("dtype", [np.int32, np.uint32], ids=ids([np.int32, np.uint32]))
def test_conv_integer_is_exact_past_float_precision(check, dtype):
  # Full-range operands: products and their sums wrap, and no float type
  # MLX has on every device holds them exactly.
  info = np.iinfo(dtype)
  rng = np.random.default_rng(13)
  x = rng.integers(info.min, info.max, (2, 3, 9, 9), dtype=np.int64, endpoint=True).astype(dtype)
  w = rng.integers(info.min, info.max, (4, 3, 3, 3), dtype=np.int64, endpoint=True).astype(dtype)
  check(lambda a, b: lax.conv(a, b, (1, 1), "SAME"), x, w)
  # Small operands whose exact sums pass 2^24 without wrapping.
  x, w = np.full((1, 64, 5, 5), 3000, dtype), np.full((2, 64, 3, 3), 1000, dtype)
  got = check(lambda a, b: lax.conv(a, b, (1, 1), "VALID"), x, w)
  assert int(np.asarray(got).ravel()[0]) == 3000 * 1000 * 64 * 9


@pytest.mark.parametrize("dtypes", [(np.int8, np.int32), (np.uint8, np.uint32), (np.int16, np.int32),
                                    (np.int32, np.int64), (np.uint8, np.int32)], ids=str)
def test_conv_integer_preferred_element_type(check, dtypes):
  operand, result = dtypes
  info = np.iinfo(operand)
  rng = np.random.default_rng(14)
  x = rng.integers(info.min, info.max, (2, 4, 7, 7), endpoint=True).astype(operand)
  w = rng.integers(info.min, info.max, (6, 4, 3, 3), endpoint=True).astype(operand)
  if np.dtype(result) == np.int64:
    jax.config.update("jax_enable_x64", True)
  try:
    check(lambda a, b: lax.conv_general_dilated(a, b, (2, 1), ((1, 0), (2, 1)),
                                                preferred_element_type=result), x, w)
  finally:
    jax.config.update("jax_enable_x64", False)


INT_WINDOW_CASES = {
    "negative_padding": dict(x=(1, 2, 8, 7), w=(3, 2, 2, 3), strides=(1, 2), padding=((-1, 2), (0, -2))),
    "lhs_and_rhs_dilation": dict(x=(2, 2, 5, 6), w=(2, 2, 3, 2), strides=(2, 1), padding=((2, 1), (0, 3)),
                                 lhs_dilation=(2, 3), rhs_dilation=(2, 1)),
    "feature_groups_3d": dict(x=(1, 4, 4, 5, 3), w=(6, 2, 2, 3, 2), strides=(1, 2, 1), padding="SAME",
                              feature_group_count=2),
    "batch_groups": dict(x=(4, 3, 6, 6), w=(6, 3, 3, 3), strides=(1, 1), padding="VALID",
                         batch_group_count=2),
    "batch_groups_1d": dict(x=(6, 2, 9), w=(3, 2, 4), strides=(2,), padding="SAME", batch_group_count=3),
    "kernel_wider_than_input": dict(x=(1, 1, 3, 3), w=(1, 1, 5, 4), strides=(1, 1), padding="VALID"),
}


@pytest.mark.parametrize("dtype", [np.int32, np.int8, np.uint16, np.bool_],
                         ids=ids([np.int32, np.int8, np.uint16, np.bool_]))
@pytest.mark.parametrize("name", sorted(INT_WINDOW_CASES))
def test_conv_integer_windows_and_groups(check, name, dtype):
  c = dict(INT_WINDOW_CASES[name])
  x, w = sample(dtype, c.pop("x"), seed=15), sample(dtype, c.pop("w"), seed=16)
  strides, padding = c.pop("strides"), c.pop("padding")
  check(lambda a, b: lax.conv_general_dilated(a, b, strides, padding, **c), x, w)


def test_conv_boolean_is_or_of_ands(check):
  # Sparse inputs, so some windows see no (True, True) pair and come out False.
  x = np.zeros((1, 1, 12), np.bool_)
  x[0, 0, [2, 3, 9]] = True
  w = np.array([[[True, False, True]]])
  got = check(lambda a, b: lax.conv(a, b, (1,), "SAME"), x, w)
  assert np.asarray(got).dtype == np.bool_ and 0 < np.asarray(got).sum() < 12


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("dtype", [np.int32, np.int16, np.uint8, np.bool_],
                         ids=ids([np.int32, np.int16, np.uint8, np.bool_]))
def test_jnp_convolve_integers(check, dtype, mode):
  a, v = sample(dtype, (11,), seed=17), sample(dtype, (4,), seed=18)
  check(lambda a, v: jnp.convolve(a, v, mode=mode), a, v)
  check(lambda a, v: jnp.correlate(a, v, mode=mode), a, v)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("dtype", [np.int32, np.int8, np.uint32], ids=ids([np.int32, np.int8, np.uint32]))
def test_scipy_convolve2d_integers(check, dtype, mode):
  import jax.scipy.signal as jsp_signal
  a, v = sample(dtype, (6, 7), seed=19), sample(dtype, (3, 2), seed=20)
  check(lambda a, v: jsp_signal.convolve2d(a, v, mode=mode), a, v)
  check(lambda a, v: jsp_signal.convolve(a, v, mode=mode), a, v)


# --- convolution without spatial dimensions -----------------------------------------------
#
# A 0-d convolution is a dot of [N, C] by [O, C] (lowered as a grouped matmul).

ZERO_D_CASES = {
    "plain": dict(x=(3, 4), w=(5, 4)),
    "feature_groups": dict(x=(3, 6), w=(4, 3), feature_group_count=2),
    "batch_groups": dict(x=(6, 4), w=(6, 4), batch_group_count=3),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.bool_],
                         ids=ids([np.float32, np.float16, np.int32, np.bool_]))
@pytest.mark.parametrize("name", sorted(ZERO_D_CASES))
def test_conv_0d_is_dot(check, name, dtype):
  c = dict(ZERO_D_CASES[name])
  x, w = sample(dtype, c.pop("x"), seed=21), sample(dtype, c.pop("w"), seed=22)
  check(lambda a, b: lax.conv_general_dilated(a, b, (), "VALID", **c), x, w)
  if c or dtype != np.float32:
    return
  # A plain one equals the dot it is.
  got = check(lambda a, b: lax.conv_general_dilated(a, b, (), "VALID"), x, w)
  np.testing.assert_allclose(np.asarray(got), x @ w.T, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(ZERO_D_CASES))
def test_conv_0d_gradients(check, name):
  c = dict(ZERO_D_CASES[name])
  x, w = sample(np.float32, c.pop("x"), seed=23), sample(np.float32, c.pop("w"), seed=24)

  def loss(a, b):
    return jnp.sum(jnp.sin(lax.conv_general_dilated(a, b, (), "VALID", **c)))

  check(jax.grad(loss, argnums=(0, 1)), x, w)


def test_conv_0d_complex(check):
  x, w = sample(np.complex64, (2, 3), seed=25), sample(np.complex64, (4, 3), seed=26)
  check(lambda a, b: lax.conv_general_dilated(a, b, (), "VALID"), x, w, tol=(1e-5, 1e-5))


# --- no windows ---------------------------------------------------------------------------
#
# A zero-length spatial axis, or cropping that leaves the padded input shorter
# than the kernel, gives convolutions with no window or only padding in each
# (the gradients of lax_autodiff_test's zero-length cases); MLX refuses them,
# the result is zeros.

NO_WINDOW_CASES = {
    "zero_length_padded": dict(x=(2, 2, 0, 4), w=(3, 2, 1, 2), strides=(1, 2), padding=((1, 0), (0, 1))),
    "zero_length_strided": dict(x=(1, 2, 0, 4), w=(2, 2, 1, 2), strides=(2, 1), padding=((1, 0), (0, 1)),
                                rhs_dilation=(2, 2)),
    "zero_length_lhs_dilated": dict(x=(2, 2, 0, 5), w=(2, 2, 1, 2), strides=(1, 1), padding=((1, 0), (0, 1)),
                                    lhs_dilation=(2, 1)),
    "cropped_shorter_than_kernel": dict(x=(1, 1, 3, 4), w=(1, 1, 3, 2), strides=(1, 1),
                                        padding=((-1, 0), (0, 0))),
}


@pytest.mark.parametrize("name", sorted(NO_WINDOW_CASES))
def test_conv_without_windows_and_its_gradients(check, name):
  c = dict(NO_WINDOW_CASES[name])
  x, w = sample(np.float32, c.pop("x"), seed=27), sample(np.float32, c.pop("w"), seed=28)
  strides, padding = c.pop("strides"), c.pop("padding")
  conv = lambda a, b: lax.conv_general_dilated(a, b, strides, padding, **c)
  out = check(conv, x, w)
  t = sample(np.float32, out.shape, seed=29)
  check(lambda a, b, t: jax.vjp(conv, a, b)[1](t), x, w, t)
  check(conv, x.astype(np.int32), w.astype(np.int32))
