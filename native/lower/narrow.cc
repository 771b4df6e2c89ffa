#include "lower/narrow.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <mlx/allocator.h>
#include <mlx/ops.h>

#include "lower/dtype.h"

namespace applejax::lower {

using ir::ElementType;
using S = FloatSpecials;

namespace {

mx::Dtype unsigned_of_size(size_t bytes) {
  switch (bytes) {
    case 1: return mx::uint8;
    case 2: return mx::uint16;
    case 4: return mx::uint32;
    default: return mx::uint64;
  }
}

// True where the sign bit of `x` (a float) is set, NaNs included.
mx::array sign_bit(const mx::array& x, mx::StreamOrDevice s) {
  mx::Dtype u = unsigned_of_size(x.dtype().size());
  int top = int(x.dtype().size() * 8 - 1);
  mx::array bits = mx::view(x, u, s);
  return mx::not_equal(mx::right_shift(bits, mx::array(top, u), s), mx::array(0, u), s);
}

// `x` with its sign bit set where `negative` holds and cleared elsewhere;
// bitwise, so NaNs keep their payload.
mx::array with_sign(const mx::array& x, const mx::array& negative, mx::StreamOrDevice s) {
  mx::Dtype u = unsigned_of_size(x.dtype().size());
  mx::array mask(uint64_t(1) << (x.dtype().size() * 8 - 1), u);
  mx::array bits = mx::view(x, u, s);
  bits = mx::where(negative, mx::bitwise_or(bits, mask, s),
                   mx::bitwise_and(bits, mx::bitwise_invert(mask, s), s), s);
  return mx::view(bits, x.dtype(), s);
}

// The quiet NaN XLA produces for a float dtype (sign clear).
mx::array quiet_nan(mx::Dtype d, mx::StreamOrDevice s) {
  switch (d.size()) {
    case 2:
      return mx::view(mx::array(uint16_t(d == mx::bfloat16 ? 0x7fc0 : 0x7e00), mx::uint16), d, s);
    case 4: return mx::view(mx::array(0x7fc00000u, mx::uint32), d, s);
    default: return mx::view(mx::array(uint64_t(0x7ff8000000000000ull), mx::uint64), d, s);
  }
}

mx::array half_from_bits(uint16_t bits, mx::StreamOrDevice s) {
  return mx::view(mx::array(bits, mx::uint16), mx::float16, s);
}

// `w` (float32 or float64) rounded onto the grid of `f`, in f's storage
// type. `half_source_nan`: the value was computed in float16 or narrower,
// after which XLA turns every NaN bound for e5m2 into 0x7f (from float32 and
// float64 it keeps the sign: 0x7e / 0xfe).
mx::array round_float(const mx::array& w, const NarrowFloat& f, bool half_source_nan,
                      mx::StreamOrDevice s) {
  const bool f64 = w.dtype() == mx::float64;
  const mx::Dtype U = f64 ? mx::uint64 : mx::uint32;
  const int m = f.mantissa_bits, emin = f.min_exponent();
  const int shift = (f64 ? 52 : 23) - m;  // mantissa bits of w that go
  auto ucst = [&](uint64_t v) { return f64 ? mx::array(v, U) : mx::array(uint32_t(v), U); };
  auto wcst = [&](double v) { return mx::array(v, w.dtype()); };

  mx::array negative = sign_bit(w, s);
  mx::array a = mx::abs(w, s);
  mx::array ab = mx::view(a, U, s);
  // Normal range: round the bits at `shift`. Adding half an ulp less one,
  // plus the kept lsb, rounds ties to even; e8m0fnu's ties go up, as XLA's
  // do. A carry moves into the exponent, which is the right answer.
  const uint64_t half = uint64_t(1) << (shift - 1), dropped = (uint64_t(1) << shift) - 1;
  mx::array add = f.specials == S::kE8M0
                      ? ucst(half)
                      : mx::add(ucst(half - 1),
                                mx::bitwise_and(mx::right_shift(ab, ucst(shift), s), ucst(1), s),
                                s);
  mx::array r = mx::view(mx::bitwise_and(mx::add(ab, add, s), ucst(~dropped), s), w.dtype(), s);
  if (f.specials != S::kE8M0) {
    // Below the smallest normal the grid is evenly spaced: scale to integers
    // (exact, a power of two), round half to even (rint), scale back.
    mx::array sub = mx::multiply(
        mx::round(mx::multiply(a, wcst(std::ldexp(1.0, m - emin)), s), 0, s),
        wcst(std::ldexp(1.0, emin - m)), s);
    r = mx::where(mx::less(a, wcst(std::ldexp(1.0, emin)), s), sub, r, s);
  }
  const double tiny = std::ldexp(1.0, -127);  // e8m0fnu's smallest value
  if (f.specials == S::kE8M0) {
    // Below 2^-126 XLA does not round to nearest: what lies above 2^-127
    // becomes 2^-126, the rest 2^-127 (from float64, values under 2^-127
    // read as zero, which has no code but NaN).
    mx::array low = mx::where(mx::greater(a, wcst(tiny), s), wcst(2 * tiny), wcst(tiny), s);
    r = mx::where(mx::less(a, wcst(2 * tiny), s), low, r, s);
  }

  mx::array nan = mx::isnan(w, s);
  mx::array over = mx::greater(r, wcst(f.max_finite()), s);  // inf too
  switch (f.specials) {
    case S::kIeee: r = mx::where(over, wcst(INFINITY), r, s); break;
    case S::kNone: r = mx::where(over, wcst(f.max_finite()), r, s); break;
    default: nan = mx::logical_or(nan, over, s); break;
  }
  if (f.specials == S::kE8M0) {
    // Unsigned, without zero: 0, -0 and negative values have no code but NaN.
    mx::array zero = f64 ? mx::less(a, wcst(tiny), s) : mx::equal(a, wcst(0), s);
    nan = mx::logical_or(nan, mx::logical_or(negative, zero, s), s);
  } else {
    mx::array apply = negative;
    // fnuz has no negative zero: -0 and negative values that round to 0 are +0.
    if (f.specials == S::kFnuz) apply = mx::logical_and(apply, mx::not_equal(r, wcst(0), s), s);
    r = with_sign(r, apply, s);
  }
  mx::array out = mx::astype(r, f.stored_as_f32() ? mx::float32 : mx::float16, s);

  mx::array nan_value = half_from_bits(0x7e00, s);
  switch (f.specials) {
    case S::kE8M0: nan_value = mx::view(mx::array(0x7fc00000u, mx::uint32), mx::float32, s); break;
    case S::kFnuz: break;
    case S::kNone: nan_value = half_from_bits(0x8000, s); break;  // XLA's NaN -> -0
    default:
      if (f.type == ElementType::kF8E5M2 && half_source_nan)
        nan_value = half_from_bits(0x7f00, s);  // encodes as 0x7f
      else
        nan_value = with_sign(nan_value, negative, s);
      break;
  }
  return mx::where(nan, nan_value, out, s);
}

// Keeps int8/uint8 storage wrapped into n bits, as two's complement does.
mx::array wrap_int(const mx::array& x, int n, bool is_unsigned, mx::StreamOrDevice s) {
  if (is_unsigned) return mx::bitwise_and(x, mx::array((1 << n) - 1, x.dtype()), s);
  mx::array k(8 - n, x.dtype());
  return mx::right_shift(mx::left_shift(x, k, s), k, s);
}

bool is_wide_float(ElementType t) { return t == ElementType::kF32 || t == ElementType::kF64; }

// A float8/float4 value out to a wider float type: exact, except that XLA
// makes every NaN the target's quiet NaN, keeping the sign.
mx::array widen_float(const mx::array& x, mx::Dtype to, mx::StreamOrDevice s) {
  mx::array y = mx::astype(x, to, s);
  mx::array nan = with_sign(mx::broadcast_to(quiet_nan(to, s), x.shape(), s), sign_bit(x, s), s);
  return mx::where(mx::isnan(x, s), nan, y, s);
}

// Bits of each element of a type of at most 8 bits, in the low bits of a uint8.
mx::array bits_of(const mx::array& x, ElementType t, mx::StreamOrDevice s) {
  if (const NarrowFloat* f = narrow_float(t)) {
    if (f->stored_as_f32()) {
      // Exponent bits are the code; 2^-127 (a float32 subnormal) is 0, NaN 0xff.
      mx::array b = mx::view(x, mx::uint32, s);
      mx::array code = mx::astype(mx::right_shift(b, mx::array(23u, mx::uint32), s), mx::uint8, s);
      code = mx::where(mx::less(b, mx::array(0x00800000u, mx::uint32), s),
                       mx::array(0, mx::uint8), code, s);
      return mx::where(mx::isnan(x, s), mx::array(0xff, mx::uint8), code, s);
    }
    // The encoding of every float16 pattern, the same table the host uses.
    std::vector<uint8_t> table(1 << 16);
    for (uint32_t h = 0; h < (1u << 16); ++h) table[h] = host_byte_of(t, h);
    mx::array lut(table.begin(), mx::Shape{1 << 16}, mx::uint8);
    mx::array index = mx::astype(mx::view(x, mx::uint16, s), mx::int32, s);
    return mx::take(lut, index, 0, s);
  }
  mx::array b = mx::view(x, mx::uint8, s);
  if (int n = narrow_int_bits(t)) b = mx::bitwise_and(b, mx::array((1 << n) - 1, mx::uint8), s);
  return b;
}

// The inverse of bits_of.
mx::array from_bits(const mx::array& bits, ElementType t, mx::StreamOrDevice s) {
  if (narrow_float(t)) {
    bool f32 = narrow_float(t)->stored_as_f32();
    std::vector<uint32_t> table(256);
    for (uint32_t b = 0; b < 256; ++b) table[b] = storage_bits_of(t, uint8_t(b));
    mx::array lut(table.begin(), mx::Shape{256}, mx::uint32);
    mx::array v = mx::take(lut, mx::astype(bits, mx::int32, s), 0, s);
    if (f32) return mx::view(v, mx::float32, s);
    return mx::view(mx::astype(v, mx::uint16, s), mx::float16, s);
  }
  mx::Dtype d = *to_mlx(t);
  mx::array v = mx::view(bits, d, s);
  if (int n = narrow_int_bits(t)) v = wrap_int(v, n, ir::is_unsigned(t), s);
  return v;
}

}  // namespace

bool rounds_narrow_result(std::string_view name) {
  for (std::string_view keep :
       {"stablehlo.reshape", "stablehlo.transpose", "stablehlo.slice", "stablehlo.reverse",
        "stablehlo.broadcast_in_dim", "stablehlo.broadcast", "stablehlo.gather",
        "stablehlo.dynamic_slice", "stablehlo.real_dynamic_slice", "stablehlo.copy",
        "stablehlo.optimization_barrier", "stablehlo.while", "stablehlo.if", "stablehlo.case",
        "func.call", "stablehlo.custom_call", "stablehlo.constant", "stablehlo.convert",
        "stablehlo.bitcast_convert", "stablehlo.get_tuple_element", "stablehlo.tuple"})
    if (name == keep) return false;
  return true;
}

bool flushes_subnormals(const ir::Op& op, const ir::Module& m) {
  if (op.results.size() != 1 || m.values[op.results[0]].element != ElementType::kF8E8M0FNU)
    return false;
  if (!rounds_narrow_result(op.name)) return false;
  for (std::string_view picks :
       {"stablehlo.select", "stablehlo.concatenate", "stablehlo.pad", "stablehlo.iota",
        "stablehlo.abs", "stablehlo.negate", "stablehlo.sign",
        "stablehlo.dynamic_update_slice", "stablehlo.scatter", "stablehlo.sort"})
    if (op.name == picks) return false;
  return true;
}

mx::array flush_subnormals(const mx::array& x, mx::StreamOrDevice s) {
  if (x.dtype() != mx::float32) return x;
  mx::array small = mx::less(mx::abs(x, s), mx::array(std::ldexp(1.0f, -126)), s);
  return mx::where(small, mx::zeros_like(x, s), x, s);
}

mx::array round_result(const mx::array& x, ElementType to, mx::StreamOrDevice s, bool flush) {
  if (const NarrowFloat* f = narrow_float(to)) {
    mx::array w = mx::astype(x, mx::float32, s);
    return round_float(flush ? flush_subnormals(w, s) : w, *f, true, s);
  }
  if (int n = narrow_int_bits(to)) return wrap_int(mx::astype(x, *to_mlx(to), s), n, ir::is_unsigned(to), s);
  return x;
}

mx::array narrow_convert(const mx::array& in, ElementType from, ElementType to,
                         mx::StreamOrDevice s) {
  mx::array x = in;
  if (ir::is_complex(from)) {
    x = mx::real(in, s);
    from = from == ElementType::kComplexF64 ? ElementType::kF64 : ElementType::kF32;
  }
  if (from == ElementType::kF4E2M1FN && ir::is_integer(to)) {
    // XLA saturates where the value reaches the target's bounds rounded into
    // the source type, and float4_e2m1fn rounds every bound past 6 down to 6:
    // so ±6 saturate, as infinities would.
    mx::array six = mx::equal(mx::abs(x, s), mx::array(6.0f, x.dtype()), s);
    x = mx::where(six, mx::multiply(x, mx::array(INFINITY, x.dtype()), s), x, s);
  }
  const bool float_source = ir::is_float(from);
  if (const NarrowFloat* f = narrow_float(to)) {
    // Integers go through float32 (int64 too), as XLA's do; float64 rounds
    // once, from its own bits.
    mx::Dtype wide = from == ElementType::kF64 ? mx::float64 : mx::float32;
    return round_float(mx::astype(x, wide, s), *f, float_source && !is_wide_float(from), s);
  }
  if (int n = narrow_int_bits(to)) {
    const bool is_unsigned = ir::is_unsigned(to);
    mx::Dtype store = *to_mlx(to);
    if (!float_source) return wrap_int(mx::astype(x, store, s), n, is_unsigned, s);
    // Floats saturate into the range, NaN becomes 0, the rest truncate.
    double lo = is_unsigned ? 0 : -std::ldexp(1.0, n - 1);
    double hi = is_unsigned ? std::ldexp(1.0, n) - 1 : std::ldexp(1.0, n - 1) - 1;
    mx::Dtype wide = from == ElementType::kF64 ? mx::float64 : mx::float32;
    mx::array w = mx::astype(x, wide, s);
    w = mx::clip(w, mx::array(lo, wide), mx::array(hi, wide), s);
    w = mx::where(mx::isnan(w, s), mx::zeros_like(w, s), w, s);
    return mx::astype(w, store, s);
  }
  // From a narrow type to a standard one.
  mx::Dtype target = *to_mlx(to);
  if (narrow_float(from) && ir::is_float(to)) return widen_float(x, target, s);
  if (narrow_float(from) && ir::is_complex(to)) return mx::astype(x, target, s);
  return x;  // the caller's ordinary convert takes it from here
}

std::optional<mx::array> narrow_bitcast(const mx::array& x, ElementType from, ElementType to,
                                        const mx::Shape& shape, mx::StreamOrDevice s) {
  int from_width = ir::element_bit_width(from), to_width = ir::element_bit_width(to);
  if (from_width == to_width && from_width <= 8)
    return mx::reshape(from_bits(bits_of(x, from, s), to, s), shape, s);
  if (from_width % 8 || to_width % 8) return std::nullopt;
  // Whole bytes on both sides: through a uint8 view whose last dimension
  // gathers or spreads the bytes of one element.
  mx::array bytes = narrow_float(from) ? bits_of(x, from, s) : mx::view(x, mx::uint8, s);
  mx::array y = narrow_float(to) ? from_bits(bytes, to, s) : mx::view(bytes, *to_mlx(to), s);
  return mx::reshape(y, shape, s);
}

mx::array narrow_min_max(const mx::array& a, const mx::array& b, bool is_max,
                         mx::StreamOrDevice s) {
  mx::array r = is_max ? mx::maximum(a, b, s) : mx::minimum(a, b, s);
  mx::array sa = sign_bit(a, s), sb = sign_bit(b, s);
  mx::array negative = is_max ? mx::logical_and(sa, sb, s) : mx::logical_or(sa, sb, s);
  mx::array b_nan = mx::isnan(b, s);
  mx::array tie = mx::logical_or(mx::equal(a, b, s), b_nan, s);
  mx::array magnitude = mx::where(b_nan, quiet_nan(a.dtype(), s), mx::abs(a, s), s);
  r = mx::where(tie, with_sign(magnitude, negative, s), r, s);
  return mx::where(mx::isnan(a, s), a, r, s);
}

mx::array reduce_precision_to(const mx::array& x, int exponent_bits, int mantissa_bits,
                              mx::StreamOrDevice s) {
  const mx::Dtype d = x.dtype();
  const bool f64 = d == mx::float64;
  int src_exp = 8, src_man = 23;  // float32, and the domain of the halves
  if (d == mx::float16) src_exp = 5, src_man = 10;
  if (d == mx::bfloat16) src_man = 7;
  if (f64) src_exp = 11, src_man = 52;
  const mx::Dtype W = f64 ? mx::float64 : mx::float32;
  auto wcst = [&](double v) { return mx::array(v, W); };
  mx::array w = mx::astype(x, W, s);
  mx::array r = w;
  if (mantissa_bits < src_man) {
    // On x's own bits, as XLA does: a float16 subnormal's mantissa rounds
    // as if it were normal.
    const mx::Dtype U = unsigned_of_size(d.size());
    const uint64_t keep_mask = ~uint64_t(0) >> (64 - 8 * d.size());
    auto ucst = [&](uint64_t v) { return mx::array(v & keep_mask, U); };
    const int shift = src_man - mantissa_bits;
    const uint64_t half = uint64_t(1) << (shift - 1), dropped = (uint64_t(1) << shift) - 1;
    mx::array bits = mx::view(x, U, s);
    mx::array lsb = mx::bitwise_and(mx::right_shift(bits, ucst(shift), s), ucst(1), s);
    bits = mx::bitwise_and(mx::add(bits, mx::add(ucst(half - 1), lsb, s), s), ucst(~dropped), s);
    r = mx::astype(mx::view(bits, d, s), W, s);
  }
  if (exponent_bits < src_exp) {
    const int bias = (1 << (exponent_bits - 1)) - 1;
    const double max = std::ldexp(2.0 - std::ldexp(1.0, -std::min(mantissa_bits, src_man)), bias);
    mx::array a = mx::abs(r, s);
    mx::array negative = sign_bit(w, s);
    mx::array big = with_sign(mx::broadcast_to(wcst(INFINITY), r.shape(), s), negative, s);
    mx::array zero = with_sign(mx::zeros_like(r, s), negative, s);
    r = mx::where(mx::greater(a, wcst(max), s), big, r, s);
    r = mx::where(mx::less(a, wcst(std::ldexp(1.0, 1 - bias)), s), zero, r, s);
  }
  r = mx::where(mx::isnan(w, s), w, r, s);
  // Exact: r has no more bits than x's type, and x's own NaNs come back as is.
  return mx::where(mx::isnan(x, s), x, mx::astype(r, d, s), s);
}

mx::array narrow_from_host(ElementType t, const uint8_t* host, const mx::Shape& shape) {
  size_t count = 1;
  for (int d : shape) count *= size_t(d);
  // In memory from MLX's allocator, as the plugin's other uploads: counted
  // by memory_stats, reusable by a donated result, a GPU buffer on Metal.
  mx::array a(shape, *to_mlx(t), nullptr, {});
  a.set_data(mx::allocator::malloc(count * storage_size(t)));
  a.set_status(mx::array::Status::available);
  host_to_storage(t, host, a.data<void>(), count);
  return a;
}

void narrow_to_host(ElementType t, const mx::array& storage, uint8_t* host) {
  storage_to_host(t, storage.data<void>(), host, storage.size());
}

}  // namespace applejax::lower
