"""Corpus programs that exercise jax.lax primitives one family at a time,
each across the dtypes where the primitive makes sense."""

import numpy as np

import jax
import jax.numpy as jnp
from jax import lax

from program import dname, needs_x64, prog, rng, spec

F = [jnp.float32, jnp.bfloat16, jnp.float16]
I = [jnp.int32, jnp.int8, jnp.uint32]


def elementwise():
  unary_float = {
      "abs": jnp.abs, "neg": lax.neg, "sign": lax.sign, "floor": lax.floor, "ceil": lax.ceil,
      "round_afz": lambda x: lax.round(x, lax.RoundingMethod.AWAY_FROM_ZERO),
      "round_even": lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN),
      "is_finite": lax.is_finite, "exp": lax.exp, "exp2": lax.exp2, "expm1": lax.expm1,
      "log": lax.log, "log1p": lax.log1p, "tanh": lax.tanh, "logistic": lax.logistic,
      "sin": lax.sin, "cos": lax.cos, "tan": lax.tan, "asin": lax.asin, "acos": lax.acos,
      "atan": lax.atan, "sinh": lax.sinh, "cosh": lax.cosh, "asinh": lax.asinh,
      "acosh": lax.acosh, "atanh": lax.atanh, "sqrt": lax.sqrt, "rsqrt": lax.rsqrt,
      "cbrt": lax.cbrt, "erf": lax.erf, "erfc": lax.erfc, "erf_inv": lax.erf_inv,
      "lgamma": lax.lgamma, "digamma": lax.digamma, "bessel_i0e": lax.bessel_i0e,
      "bessel_i1e": lax.bessel_i1e, "square": lax.square, "integer_pow3": lambda x: lax.integer_pow(x, 3),
      "integer_pow_neg2": lambda x: lax.integer_pow(x, -2), "reciprocal": jnp.reciprocal,
  }
  for name, fn in unary_float.items():
    for dt in ([jnp.float32] if name in ("lgamma", "digamma", "bessel_i0e", "bessel_i1e", "erf_inv") else F):
      yield prog(f"unary_{name}_{dname(dt)}", fn, spec((3, 5), dt))
  for dt in [jnp.float64]:
    for name in ("exp", "log", "tanh", "sqrt", "sin", "erf"):
      yield prog(f"unary_{name}_{dname(dt)}", unary_float[name], spec((4,), dt), x64=True)
  unary_int = {"not": lax.bitwise_not, "popcnt": lax.population_count, "clz": lax.clz,
               "abs": jnp.abs, "neg": lax.neg, "sign": lax.sign}
  for name, fn in unary_int.items():
    for dt in I + [jnp.int64, jnp.uint8]:
      if dt in (jnp.uint32, jnp.uint8) and name in ("abs", "neg", "sign"):
        continue
      yield prog(f"unary_{name}_{dname(dt)}", fn, spec((6,), dt), x64=needs_x64(dt))
  yield prog("unary_not_bool", lax.bitwise_not, spec((6,), jnp.bool_))
  for dt in [jnp.complex64]:
    for name, fn in {"real": lax.real, "imag": lax.imag, "conj": lax.conj, "abs": jnp.abs,
                     "exp": lax.exp, "log": lax.log, "sqrt": lax.sqrt, "neg": lax.neg,
                     "sign": lax.sign, "tanh": lax.tanh}.items():
      yield prog(f"unary_{name}_{dname(dt)}", fn, spec((4,), dt))
  yield prog("unary_exp_c128", lax.exp, spec((4,), jnp.complex128), x64=True)

  binary_float = {
      "add": lax.add, "sub": lax.sub, "mul": lax.mul, "div": lax.div, "rem": lax.rem,
      "pow": lax.pow, "max": lax.max, "min": lax.min, "atan2": lax.atan2,
      "nextafter": lax.nextafter,
  }
  for name, fn in binary_float.items():
    for dt in F:
      if name == "nextafter" and dt != jnp.float32:
        continue
      yield prog(f"binary_{name}_{dname(dt)}", fn, spec((2, 3), dt), spec((2, 3), dt))
  binary_int = {
      "add": lax.add, "sub": lax.sub, "mul": lax.mul, "div": lax.div, "rem": lax.rem,
      "max": lax.max, "min": lax.min, "and": lax.bitwise_and, "or": lax.bitwise_or,
      "xor": lax.bitwise_xor, "shl": lax.shift_left, "shr_logical": lax.shift_right_logical,
      "shr_arith": lax.shift_right_arithmetic, "pow_int": lambda a, b: lax.integer_pow(a, 2) + b,
      "floordiv": jnp.floor_divide, "mod": jnp.mod,
  }
  for name, fn in binary_int.items():
    for dt in I:
      yield prog(f"binary_{name}_{dname(dt)}", fn, spec((5,), dt), spec((5,), dt))
  for name in ("and", "or", "xor"):
    yield prog(f"binary_{name}_bool", binary_int[name], spec((5,), jnp.bool_), spec((5,), jnp.bool_))
  yield prog("binary_complex", lax.complex, spec((3,)), spec((3,)))
  yield prog("binary_div_c64", lax.div, spec((3,), jnp.complex64), spec((3,), jnp.complex64))
  yield prog("binary_add_i64", lax.add, spec((3,), jnp.int64), spec((3,), jnp.int64), x64=True)
  yield prog("binary_pow_f64", lax.pow, spec((3,), jnp.float64), spec((3,), jnp.float64), x64=True)
  yield prog("clamp_f32", lax.clamp, spec(()), spec((4, 4)), spec(()))
  yield prog("clamp_i32", lax.clamp, spec((4,), jnp.int32), spec((4,), jnp.int32), spec((4,), jnp.int32))
  yield prog("select_n3", lambda c, a, b, d: lax.select_n(c, a, b, d),
             spec((4,), jnp.int32), spec((4,)), spec((4,)), spec((4,)))
  yield prog("select_bool", lax.select, spec((4,), jnp.bool_), spec((4,)), spec((4,)))


def comparisons():
  ops = {"eq": lax.eq, "ne": lax.ne, "lt": lax.lt, "le": lax.le, "gt": lax.gt, "ge": lax.ge}
  for name, fn in ops.items():
    for dt in [jnp.float32, jnp.int32, jnp.uint32, jnp.bfloat16]:
      yield prog(f"compare_{name}_{dname(dt)}", fn, spec((4,), dt), spec((4,), dt))
  yield prog("compare_eq_bool", lax.eq, spec((4,), jnp.bool_), spec((4,), jnp.bool_))
  yield prog("compare_eq_c64", lax.eq, spec((4,), jnp.complex64), spec((4,), jnp.complex64))
  yield prog("compare_total_order", lambda a, b: (lax.lt(a, b), jnp.sort(a)), spec((4,)), spec((4,)))


def conversions():
  pairs = [
      (jnp.float32, jnp.int32), (jnp.int32, jnp.float32), (jnp.float32, jnp.bfloat16),
      (jnp.bfloat16, jnp.float32), (jnp.float32, jnp.float16), (jnp.float16, jnp.int8),
      (jnp.uint8, jnp.float32), (jnp.bool_, jnp.float32), (jnp.float32, jnp.bool_),
      (jnp.int32, jnp.uint32), (jnp.float32, jnp.complex64), (jnp.float32, jnp.float8_e4m3fn),
      (jnp.float8_e5m2, jnp.float32), (jnp.int4, jnp.int32), (jnp.float32, jnp.uint8),
  ]
  for a, b in pairs:
    yield prog(f"convert_{dname(a)}_to_{dname(b)}", lambda x, b=b: lax.convert_element_type(x, b),
               spec((5,), a))
  for a, b in [(jnp.float64, jnp.float32), (jnp.int64, jnp.float64), (jnp.float32, jnp.uint64)]:
    yield prog(f"convert_{dname(a)}_to_{dname(b)}", lambda x, b=b: lax.convert_element_type(x, b),
               spec((5,), a), x64=True)
  bitcasts = [((4,), jnp.float32, jnp.int32), ((4,), jnp.float32, jnp.uint8),
              ((4, 4), jnp.uint8, jnp.float32), ((3,), jnp.bfloat16, jnp.int16),
              ((2,), jnp.int32, jnp.float16)]
  for shape, a, b in bitcasts:
    yield prog(f"bitcast_{dname(a)}_to_{dname(b)}",
               lambda x, b=b: lax.bitcast_convert_type(x, b), spec(shape, a))
  yield prog("reduce_precision", lambda x: lax.reduce_precision(x, 5, 10), spec((4,)))
  yield prog("reduce_precision_bf16", lambda x: lax.reduce_precision(x, 8, 7), spec((4,)))


def reductions():
  red = {"sum": jnp.sum, "max": jnp.max, "min": jnp.min, "prod": jnp.prod, "mean": jnp.mean,
         "var": jnp.var, "logsumexp": jax.nn.logsumexp}
  for name, fn in red.items():
    for dt in F:
      yield prog(f"reduce_{name}_{dname(dt)}", lambda x, fn=fn: fn(x, axis=1), spec((3, 4, 5), dt))
  for name in ("sum", "max", "min", "prod"):
    for dt in [jnp.int32, jnp.uint8]:
      yield prog(f"reduce_{name}_{dname(dt)}", lambda x, fn=red[name]: fn(x, axis=(0, 2)),
                 spec((3, 4, 5), dt))
  yield prog("reduce_all", lambda x: jnp.all(x, axis=0), spec((3, 4), jnp.bool_))
  yield prog("reduce_any", lambda x: jnp.any(x), spec((3, 4), jnp.bool_))
  yield prog("reduce_xor", lambda x: lax.reduce_xor(x, (0,)), spec((3, 4), jnp.int32))
  yield prog("reduce_multi_operand", lambda x, y: lax.reduce(
      (x, y), (0.0, 0), lambda a, b: (a[0] + b[0], a[1] + b[1]), (0,)), spec((4, 3)),
             spec((4, 3), jnp.int32))
  for dt in [jnp.float32, jnp.int32, jnp.bfloat16]:
    yield prog(f"argmax_{dname(dt)}", lambda x: jnp.argmax(x, axis=1), spec((3, 6), dt))
    yield prog(f"argmin_{dname(dt)}", lambda x: jnp.argmin(x, axis=0), spec((3, 6), dt))
  cums = {"cumsum": lax.cumsum, "cumprod": lax.cumprod, "cummax": lax.cummax,
          "cummin": lax.cummin, "cumlogsumexp": lax.cumlogsumexp}
  for name, fn in cums.items():
    for dt in [jnp.float32, jnp.int32]:
      if name == "cumlogsumexp" and dt == jnp.int32:
        continue
      yield prog(f"{name}_{dname(dt)}", lambda x, fn=fn: fn(x, axis=1), spec((4, 7), dt))
    yield prog(f"{name}_reverse", lambda x, fn=fn: fn(x, axis=0, reverse=True), spec((9, 2)))
  yield prog("cumsum_long", lambda x: jnp.cumsum(x), spec((300,)))
  yield prog("sum_i64", lambda x: jnp.sum(x), spec((5,), jnp.int64), x64=True)


def sorting():
  for dt in [jnp.float32, jnp.int32, jnp.bfloat16, jnp.uint8]:
    yield prog(f"sort_{dname(dt)}", jnp.sort, spec((10,), dt))
  yield prog("sort_axis0", lambda x: jnp.sort(x, axis=0), spec((5, 3)))
  yield prog("sort_descending", lambda x: jnp.sort(x, descending=True), spec((8,)))
  yield prog("sort_stable_multi", lambda k, v: lax.sort((k, v), num_keys=1, is_stable=True),
             spec((8,), jnp.int32), spec((8,)))
  yield prog("sort_two_keys", lambda a, b, c: lax.sort((a, b, c), num_keys=2), spec((6,)),
             spec((6,), jnp.int32), spec((6,)))
  yield prog("argsort", jnp.argsort, spec((9,)))
  yield prog("argsort_stable_desc", lambda x: jnp.argsort(x, stable=True, descending=True),
             spec((4, 9)))
  yield prog("lexsort", lambda a, b: jnp.lexsort((a, b)), spec((7,)), spec((7,), jnp.int32))
  for k in (1, 3):
    yield prog(f"top_k_{k}", lambda x, k=k: lax.top_k(x, k), spec((4, 10)))
  yield prog("top_k_i32", lambda x: lax.top_k(x, 2), spec((10,), jnp.int32))
  yield prog("median", jnp.median, spec((11,)))
  yield prog("unique_size", lambda x: jnp.unique(x, size=5, fill_value=0), spec((10,), jnp.int32))
  yield prog("searchsorted", jnp.searchsorted, spec((10,)), spec((4,)))


def indexing():
  yield prog("gather_take", lambda x, i: x[i], spec((10,)), spec((3,), jnp.int32))
  yield prog("gather_rows", lambda x, i: x[i], spec((6, 4)), spec((2,), jnp.int32))
  yield prog("gather_cols", lambda x, i: x[:, i], spec((6, 4)), spec((3,), jnp.int32))
  yield prog("gather_2d_points", lambda x, i, j: x[i, j], spec((6, 4)), spec((5,), jnp.int32),
             spec((5,), jnp.int32))
  yield prog("gather_clip", lambda x, i: jnp.take(x, i, mode="clip"), spec((8,)),
             spec((3,), jnp.int32))
  yield prog("gather_fill", lambda x, i: x.at[i].get(mode="fill", fill_value=-1.0), spec((8,)),
             spec((3,), jnp.int32))
  yield prog("gather_promise", lambda x, i: x.at[i].get(mode="promise_in_bounds"), spec((8, 2)),
             spec((3,), jnp.int32))
  yield prog("take_along_axis", lambda x, i: jnp.take_along_axis(x, i, axis=1), spec((3, 5)),
             spec((3, 2), jnp.int32))
  yield prog("gather_batched_vmap", jax.vmap(lambda x, i: x[i]), spec((4, 7)),
             spec((4, 2), jnp.int32))
  yield prog("gather_sorted_unique", lambda x, i: x.at[i].get(indices_are_sorted=True,
                                                               unique_indices=True),
             spec((8,)), spec((3,), jnp.int32))
  yield prog("gather_i64_index", lambda x, i: x[i], spec((8,)), spec((3,), jnp.int64), x64=True)
  yield prog("gather_bool_mask_where", lambda x: jnp.where(x > 0, x, 0), spec((8,)))
  yield prog("gather_slices", lambda x, i: lax.dynamic_slice_in_dim(x, i, 3), spec((10, 2)),
             spec((), jnp.int32))
  scat = {"set": lambda r: r.set, "add": lambda r: r.add, "mul": lambda r: r.multiply,
          "min": lambda r: r.min, "max": lambda r: r.max}
  for name, meth in scat.items():
    for dt in [jnp.float32, jnp.int32]:
      yield prog(f"scatter_{name}_{dname(dt)}", lambda x, i, u, meth=meth: meth(x.at[i])(u),
                 spec((10,), dt), spec((3,), jnp.int32), spec((3,), dt))
  yield prog("scatter_2d", lambda x, i, u: x.at[i, 1:].add(u), spec((5, 4)), spec((2,), jnp.int32),
             spec((2, 3)))
  yield prog("scatter_drop", lambda x, i, u: x.at[i].set(u, mode="drop"), spec((5,)),
             spec((2,), jnp.int32), spec((2,)))
  yield prog("scatter_unique_sorted", lambda x, i, u: x.at[i].add(u, indices_are_sorted=True,
                                                                  unique_indices=True),
             spec((5,)), spec((2,), jnp.int32), spec((2,)))
  yield prog("scatter_batched_vmap", jax.vmap(lambda x, i, u: x.at[i].add(u)), spec((3, 6)),
             spec((3, 2), jnp.int32), spec((3, 2)))
  yield prog("scatter_bf16", lambda x, i, u: x.at[i].add(u), spec((6,), jnp.bfloat16),
             spec((2,), jnp.int32), spec((2,), jnp.bfloat16))
  yield prog("segment_sum", lambda x, s: jax.ops.segment_sum(x, s, num_segments=4), spec((10, 3)),
             spec((10,), jnp.int32))
  yield prog("segment_max", lambda x, s: jax.ops.segment_max(x, s, num_segments=3), spec((10,)),
             spec((10,), jnp.int32))
  yield prog("dynamic_slice", lambda x, i, j: lax.dynamic_slice(x, (i, j), (2, 3)), spec((6, 7)),
             spec((), jnp.int32), spec((), jnp.int32))
  yield prog("dynamic_update_slice", lambda x, u, i: lax.dynamic_update_slice(x, u, (i, 0)),
             spec((6, 4)), spec((2, 4)), spec((), jnp.int32))
  yield prog("dynamic_update_slice_bf16", lambda x, u, i: lax.dynamic_update_slice(x, u, (i,)),
             spec((6,), jnp.bfloat16), spec((2,), jnp.bfloat16), spec((), jnp.int32))
  yield prog("static_slices", lambda x: (x[1:5:2], x[::-1], x[-3:], x[2]), spec((9, 2)))
  yield prog("slice_strided", lambda x: lax.slice(x, (0, 1), (6, 7), (2, 3)), spec((6, 8)))


def shapes():
  yield prog("reshape", lambda x: x.reshape(4, 6), spec((2, 3, 4)))
  yield prog("transpose", lambda x: x.transpose(2, 0, 1), spec((2, 3, 4)))
  yield prog("broadcast_in_dim", lambda x: jnp.broadcast_to(x[:, None], (3, 4, 5)), spec((3, 5)))
  yield prog("broadcast_scalar_i8", lambda x: jnp.broadcast_to(x, (2, 2)), spec((), jnp.int8))
  yield prog("rev", lambda x: lax.rev(x, (0, 1)), spec((3, 4)))
  yield prog("concatenate", lambda a, b: jnp.concatenate([a, b, a], axis=1), spec((2, 3)),
             spec((2, 1)))
  yield prog("concatenate_i32", lambda a, b: jnp.concatenate([a, b]), spec((2,), jnp.int32),
             spec((3,), jnp.int32))
  yield prog("squeeze_expand", lambda x: jnp.expand_dims(jnp.squeeze(x, 1), 0), spec((3, 1, 2)))
  yield prog("iota", lambda: (lax.iota(jnp.int32, 5), lax.broadcasted_iota(jnp.float32, (2, 3), 1)))
  yield prog("iota_u8", lambda: lax.iota(jnp.uint8, 7))
  yield prog("zeros_like_empty", lambda x: (jnp.zeros_like(x), x.sum()), spec((0, 3)))
  yield prog("tile_repeat", lambda x: (jnp.tile(x, 3), jnp.repeat(x, 2)), spec((3,)))
  yield prog("meshgrid", lambda a, b: jnp.meshgrid(a, b), spec((3,)), spec((4,)))
  yield prog("tri_masks", lambda x: (jnp.tril(x), jnp.triu(x, 1)), spec((4, 4)))
  for lo, hi, interior in [(1, 2, 0), (-1, 2, 1), (0, -2, 2), (2, 0, 3)]:
    yield prog(f"pad_{lo}_{hi}_{interior}".replace("-", "m"),
               lambda x, lo=lo, hi=hi, i=interior: lax.pad(x, 0.0, [(lo, hi, i), (0, 1, 0)]),
               spec((5, 3)))
  yield prog("pad_i32_value", lambda x: lax.pad(x, jnp.int32(-7), [(1, 1, 1)]), spec((4,), jnp.int32))
  for mode in ("constant", "reflect", "edge", "wrap", "symmetric"):
    yield prog(f"jnp_pad_{mode}", lambda x, m=mode: jnp.pad(x, ((1, 2), (2, 1)), mode=m),
               spec((4, 5)))


def constants():
  r = rng(1)
  consts = {
      "f32_small": np.array([1.0, -0.5, 3.25, 1e-8, 1e20, -0.0], np.float32),
      "f32_specials": np.array([np.inf, -np.inf, np.nan, 0.1, 16777216.0, 123456792.0,
                                np.finfo(np.float32).max, np.finfo(np.float32).tiny, 1e-45],
                               np.float32),
      "f32_random": r.standard_normal((5, 7)).astype(np.float32),
      "f32_large": r.standard_normal((64, 64)).astype(np.float32),
      "f32_splat": np.full((16, 16), 0.3, np.float32),
      "bf16": r.standard_normal((9,)).astype(jnp.bfloat16),
      "bf16_large": r.standard_normal((200,)).astype(jnp.bfloat16),
      "f16": np.array([65504.0, 6e-8, 0.1, -2.5, np.inf, np.nan], np.float16),
      "i8": np.arange(-5, 5, dtype=np.int8),
      "i8_large": (np.arange(300) % 200 - 100).astype(np.int8),
      "u8": np.arange(250, 256, dtype=np.uint8),
      "u32": np.array([0, 1, 2**31, 2**32 - 1], np.uint32),
      "i32_extremes": np.array([-2**31, 2**31 - 1, 0, -1], np.int32),
      "bool_small": np.array([True, False, True]),
      "bool_large": np.arange(150) % 3 == 0,
      "c64": (r.standard_normal(4) + 1j * r.standard_normal(4)).astype(np.complex64),
      "c64_large": (r.standard_normal(120) + 1j).astype(np.complex64),
      "f32_3d": r.standard_normal((2, 3, 4)).astype(np.float32),
      "f8e4m3fn": np.array([1.0, -2.0, 0.5, 448.0], jnp.float8_e4m3fn),
  }
  for name, c in consts.items():
    yield prog(f"const_{name}", lambda x, c=c: (jnp.asarray(c), x + 1), spec((1,)))
  x64consts = {
      "f64": np.array([0.1, 1e300, 5e-324, -np.pi, np.inf], np.float64),
      "i64": np.array([-2**63, 2**63 - 1, 12345678901], np.int64),
      "u64": np.array([2**64 - 1, 0], np.uint64),
      "c128": np.array([1 + 2j, -0.5j], np.complex128),
  }
  for name, c in x64consts.items():
    yield prog(f"const_{name}", lambda x, c=c: (jnp.asarray(c), x + 1), spec((1,)), x64=True)


def programs():
  for family in (elementwise, comparisons, conversions, reductions, sorting, indexing, shapes,
                 constants):
    yield from family()
