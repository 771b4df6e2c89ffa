"""Ops that JAX's own test suite sends and the plugin once refused, each run on
mps and cpu: bitcast_convert between element types of different widths
(scalars and vectors), custom_call @ApproxTopK (approx_max_k/approx_min_k),
integer power with negative exponents, stablehlo.map and nested tuples."""

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest
from jax import lax

from op_inputs import ids

# --- bitcast_convert ----------------------------------------------------------------------
#
# A wider element splits into a new minor axis of narrower ones (a scalar
# into a vector); a minor axis of narrower elements joins into one.

BITCAST_TYPES = [np.uint8, np.int8, np.uint16, np.int16, np.float16, ml_dtypes.bfloat16,
                 np.uint32, np.int32, np.float32, np.uint64, np.int64, np.float64]
_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _bytes_as(dtype, shape, seed):
  """Random bit patterns of `dtype` (NaN payloads and subnormals included)."""
  n = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
  raw = np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8)
  return raw.view(dtype).reshape(shape)


def _operand_shapes(src, dst):
  a, b = np.dtype(src).itemsize, np.dtype(dst).itemsize
  if a >= b:
    return [(), (3,), (2, 3)]
  return [(b // a,), (3, b // a), (2, 1, b // a)]


@pytest.mark.parametrize("dst", BITCAST_TYPES, ids=ids(BITCAST_TYPES))
@pytest.mark.parametrize("src", BITCAST_TYPES, ids=ids(BITCAST_TYPES))
def test_bitcast_convert_between_widths(check, src, dst):
  xs = [_bytes_as(src, shape, seed=i) for i, shape in enumerate(_operand_shapes(src, dst))]
  as_bits = _UNSIGNED[np.dtype(dst).itemsize]

  def f(*xs):
    ys = [lax.bitcast_convert_type(x, dst) for x in xs]
    # The bits themselves too, compared exactly (float tolerances would pass
    # a near miss between tiny or NaN values).
    return ys, [lax.bitcast_convert_type(y, as_bits) for y in ys]

  check(f, *xs)


SUB_BYTE = [ml_dtypes.int4, ml_dtypes.uint4, ml_dtypes.int2, ml_dtypes.uint2]
SUB_BYTE_PEERS = SUB_BYTE + [np.int8, np.uint8, np.float16, np.int32, np.float32]


def _sub_byte_sample(dtype, shape, seed):
  rng = np.random.default_rng(seed)
  if dtype in SUB_BYTE:
    info = ml_dtypes.iinfo(dtype)
    return rng.integers(int(info.min), int(info.max) + 1, shape).astype(dtype)
  return _bytes_as(dtype, shape, seed)


@pytest.mark.parametrize("dst", SUB_BYTE_PEERS, ids=ids(SUB_BYTE_PEERS))
@pytest.mark.parametrize("src", SUB_BYTE, ids=ids(SUB_BYTE))
def test_bitcast_convert_sub_byte(check, src, dst):
  # Both ways: from the sub-byte type, and back from the peer type.
  for a, b in [(src, dst), (dst, src)]:
    bits_a, bits_b = ml_dtypes.finfo(a).bits if np.dtype(a).kind == "f" else ml_dtypes.iinfo(a).bits, \
        ml_dtypes.finfo(b).bits if np.dtype(b).kind == "f" else ml_dtypes.iinfo(b).bits
    shapes = [(), (3,), (2, 3)] if bits_a >= bits_b else [(bits_b // bits_a,), (2, 3, bits_b // bits_a)]
    xs = [_sub_byte_sample(a, shape, seed=i) for i, shape in enumerate(shapes)]
    check(lambda *xs: [lax.bitcast_convert_type(x, b) for x in xs], *xs)


def test_bitcast_scalar_to_bytes_reads_little_endian(check):
  got = check(lambda x: lax.bitcast_convert_type(x, jnp.uint8), np.uint32(0x01020304))
  np.testing.assert_array_equal(np.asarray(got), [4, 3, 2, 1])


@pytest.mark.parametrize("shape", [(), (5,), (2, 3)], ids=str)
@pytest.mark.parametrize("dtype", [np.int16, np.uint32, np.float32, np.int64],
                         ids=ids([np.int16, np.uint32, np.float32, np.int64]))
def test_byteswap(check, dtype, shape):
  x = _bytes_as(dtype, shape, seed=3)
  if np.issubdtype(dtype, np.floating):
    x = np.where(np.isfinite(x), x, 1.5).astype(dtype)
  # What jax.Array.byteswap (jax >= 0.10) does, spelled out for older jax:
  # a split into bytes, reversed, joined again.
  check(lambda x: lax.bitcast_convert_type(lax.bitcast_convert_type(x, jnp.uint8)[..., ::-1], x.dtype), x)
  if hasattr(jax.Array, "byteswap"):
    check(lambda x: jnp.asarray(x).byteswap(), x)


# --- ApproxTopK (lax.approx_max_k / approx_min_k) -----------------------------------------
#
# XLA's fallback, which cpu runs, is exact: a fold for one element, a sort
# for more. Distinct values must agree exactly, indices included.

TOP_K_CASES = {
    "1d": ((4,), 3, -1),
    "square": ((5, 5), 3, -1),
    "rank3_axis0": ((2, 1, 4), 1, 0),
    "rows_of_40": ((3, 40), 5, 1),
    "columns": ((40, 3), 10, 0),
    "ann_scores": ((16, 500), 10, 1),
}


def _distinct(shape, seed):
  n = int(np.prod(shape))
  return np.random.default_rng(seed).permutation(np.arange(n, dtype=np.float32) - n / 2).reshape(shape)


@pytest.mark.parametrize("is_max", [True, False], ids=["max", "min"])
@pytest.mark.parametrize("name", sorted(TOP_K_CASES))
def test_approx_top_k_is_exact(check, name, is_max):
  shape, k, dim = TOP_K_CASES[name]
  op = lax.approx_max_k if is_max else lax.approx_min_k
  x = _distinct(shape, seed=4)
  check(lambda x: op(x, k, reduction_dimension=dim), x)
  check(lambda x: op(x, 1, reduction_dimension=dim), x)
  check(lambda x: op(x, k, reduction_dimension=dim, recall_target=0.5), x)


@pytest.mark.parametrize("is_max", [True, False], ids=["max", "min"])
def test_approx_top_k_without_aggregation(check, is_max):
  # The result keeps XLA's approximate output size (here 256 of 1000).
  op = lax.approx_max_k if is_max else lax.approx_min_k
  x = _distinct((2, 1000), seed=5)
  got = check(lambda x: op(x, 3, aggregate_to_topk=False), x)
  assert got[0].shape[1] < 1000
  check(lambda x: op(x, 3, reduction_dimension=0, aggregate_to_topk=False), x[:, :40].T.copy())
  check(lambda x: op(x, 2, aggregate_to_topk=False, reduction_input_size_override=4000), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float16, ml_dtypes.bfloat16],
                         ids=ids([np.float32, np.float16, ml_dtypes.bfloat16]))
def test_approx_top_k_ties_and_nans_of_one(check, dtype):
  # One element is XLA's fold: the last of equal values wins, and a NaN
  # restarts the fold (a NaN last is itself the result).
  rows = np.array([[1, 2, 2, 0, 2, -1], [np.nan, 0, 5, np.nan, 1, 1], [3, 3, 1, 1, 0, np.nan],
                   [0.0, -0.0, 0.0, -0.0, -1, -2], [-np.inf] * 6, [np.inf, 1, np.inf, 2, -np.inf, 0]],
                  dtype)
  check(lambda x: lax.approx_max_k(x, 1), rows)
  check(lambda x: lax.approx_min_k(x, 1), rows)


def test_approx_top_k_ties_in_short_rows(check):
  # Up to 16 elements XLA's sort is an insertion sort, stable like ours.
  x = np.random.default_rng(6).integers(0, 3, (8, 16)).astype(np.float32)
  check(lambda x: lax.approx_max_k(x, 7), x)
  check(lambda x: lax.approx_min_k(x, 7), x)


def test_approx_top_k_ties_in_long_rows_pick_equal_values(mps):
  # Longer rows: cpu's unstable sort may name other equal elements; ours come
  # in index order. The values must be the exact top k.
  x = np.random.default_rng(7).integers(0, 4, (5, 300)).astype(np.float32)
  vals, idx = jax.jit(lambda x: lax.approx_max_k(x, 20))(jax.device_put(x, mps))
  vals, idx = np.asarray(vals), np.asarray(idx)
  np.testing.assert_array_equal(vals, -np.sort(-x, axis=1)[:, :20])
  np.testing.assert_array_equal(np.take_along_axis(x, idx, axis=1), vals)
  for row in idx:
    assert len(set(row.tolist())) == 20


@pytest.mark.parametrize("is_max", [True, False], ids=["max", "min"])
@pytest.mark.parametrize("shape,k", [((4,), 1), ((5, 5), 3), ((2, 1, 4), 3)], ids=str)
def test_approx_top_k_gradients(check, shape, k, is_max):
  op = lax.approx_max_k if is_max else lax.approx_min_k
  x = _distinct(shape, seed=8)
  check(jax.grad(lambda x: jnp.sum(jnp.sin(op(x, k)[0]))), x)
  check(lambda x, t: jax.jvp(lambda x: op(x, k)[0], (x,), (t,)), x, np.ones(shape, np.float32))


def test_approx_top_k_under_vmap(check):
  x = _distinct((3, 4, 30), seed=9)
  check(jax.vmap(lambda x: lax.approx_max_k(x, 4)), x)
  check(jax.vmap(lambda x: lax.approx_min_k(x, 2, reduction_dimension=0), in_axes=2), x)


# --- integer power ------------------------------------------------------------------------
#
# jnp.power of integers multiplies in a loop and never sends stablehlo.power;
# raw programs do. XLA gives a negative exponent 1 for base 1, ±1 for base
# -1 and 0 otherwise. Exponents of 64 or more, and unsigned ones with the top
# bit set, are left out: XLA's cpu changed its answers for those between
# jaxlib 0.10 (the lowering follows it: six squarings, top bit negative) and
# 0.12, so no one lowering matches cpu across the supported range.

from raw_stablehlo import assert_same_on_both  # noqa: E402

POWER = """
func.func public @main(%a: tensor<{n}x{t}>, %b: tensor<{n}x{t}>) -> tensor<{n}x{t}> {{
  %c = stablehlo.power %a, %b : tensor<{n}x{t}>
  return %c : tensor<{n}x{t}>
}}
"""
INT_TYPES = {np.int8: "i8", np.int16: "i16", np.int32: "i32", np.int64: "i64",
             np.uint8: "ui8", np.uint16: "ui16", np.uint32: "ui32", np.uint64: "ui64"}


@pytest.mark.parametrize("dtype", list(INT_TYPES), ids=ids(list(INT_TYPES)))
def test_integer_power_matches_xla(dtype):
  info = np.iinfo(dtype)
  signed = np.dtype(dtype).kind == "i"
  bases = np.concatenate([np.arange(-3, 4), [5, -7, info.max, info.min, info.max - 1]]).astype(object)
  # Negative exponents only where the type has them; wide ones up to 63
  # (past the bit width of the narrow types).
  exps = np.array(([-3, -2, -1] if signed else []) + [0, 1, 2, 3, 7, 8, 31, 62, 63], dtype=object)
  b, e = np.meshgrid(bases, exps, indexing="ij")
  wrap = lambda v: np.array([int(x) % (1 << info.bits) for x in v.ravel()], np.uint64).astype(dtype)
  b, e = wrap(b), wrap(e)
  assert_same_on_both(POWER.format(n=b.size, t=INT_TYPES[dtype]), b, e, rtol=0)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint16], ids=ids([np.int8, np.int32, np.uint16]))
def test_jnp_integer_power(check, dtype):
  b = np.arange(-3, 4).astype(dtype)[:, None] if np.dtype(dtype).kind == "i" else np.arange(7).astype(dtype)[:, None]
  e = np.arange(0, 7).astype(dtype)[None, :]
  check(jnp.power, b, e)
  check(lambda b: b ** 3, b)


# --- stablehlo.map ------------------------------------------------------------------------

MAP = """
func.func public @main(%a: tensor<{shape}f32>, %b: tensor<{shape}i32>) -> tensor<{shape}{out}> {{
  %r = "stablehlo.map"(%a, %b) ({{
    ^bb0(%x: tensor<f32>, %y: tensor<i32>):
{body}
  }}) {{dimensions = array<i64{dims}>}} : (tensor<{shape}f32>, tensor<{shape}i32>) -> tensor<{shape}{out}>
  return %r : tensor<{shape}{out}>
}}
"""
MAP_BODIES = {
    "arithmetic": ("f32", """
      %f = stablehlo.convert %y : (tensor<i32>) -> tensor<f32>
      %m = stablehlo.multiply %x, %f : tensor<f32>
      %s = stablehlo.sine %m : tensor<f32>
      %t = stablehlo.add %s, %x : tensor<f32>
      stablehlo.return %t : tensor<f32>"""),
    "select_to_int": ("i32", """
      %z = stablehlo.constant dense<0.0> : tensor<f32>
      %p = stablehlo.compare GT, %x, %z : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %n = stablehlo.negate %y : tensor<i32>
      %r = stablehlo.select %p, %y, %n : tensor<i1>, tensor<i32>
      stablehlo.return %r : tensor<i32>"""),
    "constant_body": ("f32", """
      %c = stablehlo.constant dense<2.5> : tensor<f32>
      stablehlo.return %c : tensor<f32>"""),
    "returns_an_argument": ("i32", """
      stablehlo.return %y : tensor<i32>"""),
}


@pytest.mark.parametrize("shape", [(2, 3), (4,), (), (0, 3)], ids=str)
@pytest.mark.parametrize("name", sorted(MAP_BODIES))
def test_map(name, shape):
  out, body = MAP_BODIES[name]
  text = MAP.format(shape="".join(f"{d}x" for d in shape), out=out, body=body,
                    dims="".join(f"{':' if i == 0 else ','} {i}" for i in range(len(shape))))
  rng = np.random.default_rng(10)
  a = rng.standard_normal(shape).astype(np.float32)
  b = rng.integers(-5, 5, shape).astype(np.int32)
  assert_same_on_both(text, a, b, rtol=1e-6, atol=1e-6)


# --- nested tuples ------------------------------------------------------------------------

NESTED_TUPLES = """
func.func public @main(%a: tensor<3xf32>, %b: tensor<3xi32>) -> (tensor<3xf32>, tensor<3xi32>, tensor<3xf32>) {
  %t = stablehlo.tuple %a, %b : tuple<tensor<3xf32>, tensor<3xi32>>
  %d = stablehlo.add %a, %a : tensor<3xf32>
  %u = stablehlo.tuple %t, %d : tuple<tuple<tensor<3xf32>, tensor<3xi32>>, tensor<3xf32>>
  %v = stablehlo.tuple %u, %t : tuple<tuple<tuple<tensor<3xf32>, tensor<3xi32>>, tensor<3xf32>>, tuple<tensor<3xf32>, tensor<3xi32>>>
  %w = stablehlo.get_tuple_element %v[0] : (tuple<tuple<tuple<tensor<3xf32>, tensor<3xi32>>, tensor<3xf32>>, tuple<tensor<3xf32>, tensor<3xi32>>>) -> tuple<tuple<tensor<3xf32>, tensor<3xi32>>, tensor<3xf32>>
  %x = stablehlo.get_tuple_element %w[0] : (tuple<tuple<tensor<3xf32>, tensor<3xi32>>, tensor<3xf32>>) -> tuple<tensor<3xf32>, tensor<3xi32>>
  %y = stablehlo.get_tuple_element %x[1] : (tuple<tensor<3xf32>, tensor<3xi32>>) -> tensor<3xi32>
  %z = stablehlo.get_tuple_element %w[1] : (tuple<tuple<tensor<3xf32>, tensor<3xi32>>, tensor<3xf32>>) -> tensor<3xf32>
  %q = stablehlo.get_tuple_element %v[1] : (tuple<tuple<tuple<tensor<3xf32>, tensor<3xi32>>, tensor<3xf32>>, tuple<tensor<3xf32>, tensor<3xi32>>>) -> tuple<tensor<3xf32>, tensor<3xi32>>
  %r = stablehlo.get_tuple_element %q[0] : (tuple<tensor<3xf32>, tensor<3xi32>>) -> tensor<3xf32>
  %s = stablehlo.multiply %r, %z : tensor<3xf32>
  %e = stablehlo.tuple : tuple<>
  %n = stablehlo.tuple %e, %y : tuple<tuple<>, tensor<3xi32>>
  %m = stablehlo.get_tuple_element %n[1] : (tuple<tuple<>, tensor<3xi32>>) -> tensor<3xi32>
  %k = stablehlo.add %m, %y : tensor<3xi32>
  return %s, %k, %z : tensor<3xf32>, tensor<3xi32>, tensor<3xf32>
}
"""


def test_nested_tuples():
  assert_same_on_both(NESTED_TUPLES, np.array([1.5, -2.0, 3.0], np.float32), np.array([4, -5, 6], np.int32))
