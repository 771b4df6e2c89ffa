// Unary and binary elementwise ops.
//
// Most map one-to-one onto MLX; the others differ from MLX in semantics that
// JAX users can observe (integer division truncates, remainder takes the sign
// of the dividend, shifts past the bit width saturate), so they are spelled
// out here.
#include <mlx/ops.h>

#include <cstdint>

#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/complex_math.h"
#include "lower/integer_power.h"
#include "lower/float64_math.h"
#include "lower/narrow.h"

namespace applejax::lower {
namespace {

template <mx::array (*F)(const mx::array&, mx::StreamOrDevice)>
Values unary(Emitter& em, const ir::Op& op, const Values& in) {
  if (auto c = complex_unary(op.name, in[0], em.stream())) return {*c};
  return {F(in[0], em.stream())};
}

// MLX's CPU kernels for these compute float64 in float32 (float64_math.h).
template <mx::array (*F)(const mx::array&, mx::StreamOrDevice), Float64Fn F64>
Values unary_f64_exact(Emitter& em, const ir::Op& op, const Values& in) {
  if (auto c = complex_unary(op.name, in[0], em.stream())) return {*c};
  if (is_float64(in[0])) return {float64_unary(F64, in[0], em.stream())};
  return {F(in[0], em.stream())};
}

template <mx::array (*F)(const mx::array&, const mx::array&,
                         mx::StreamOrDevice)>
Values binary(Emitter& em, const ir::Op&, const Values& in) {
  return {F(in[0], in[1], em.stream())};
}

bool is_int(const mx::array& a) {
  return mx::issubdtype(a.dtype(), mx::integer);
}

Values divide(Emitter& em, const ir::Op&, const Values& in) {
  auto s = em.stream();
  const mx::array &a = in[0], &b = in[1];
  if (!is_int(a)) return {mx::divide(a, b, s)};
  // C-style truncation; MLX's floor_divide rounds toward negative infinity.
  mx::array q = mx::floor_divide(a, b, s);
  mx::array r = mx::remainder(a, b, s);
  mx::array zero = mx::zeros_like(r, s);
  mx::array adjust = mx::logical_and(
      mx::not_equal(r, zero, s),
      mx::not_equal(mx::less(a, zero, s), mx::less(b, zero, s), s), s);
  return {mx::where(adjust, mx::add(q, mx::array(1, q.dtype()), s), q, s)};
}

Values remainder(Emitter& em, const ir::Op&, const Values& in) {
  auto s = em.stream();
  const mx::array &a = in[0], &b = in[1];
  // fmod semantics: the result has the sign of the dividend.
  mx::array r = mx::remainder(a, b, s);
  mx::array zero = mx::zeros_like(r, s);
  mx::array fix = mx::logical_and(
      mx::not_equal(r, zero, s),
      mx::not_equal(mx::less(r, zero, s), mx::less(a, zero, s), s), s);
  r = mx::where(fix, mx::subtract(r, b, s), r, s);
  if (is_int(a)) return {r};
  // MLX's float remainder moves IEEE's remainder onto b's sign by adding b,
  // and the line above moves it back: both exact while |a| >= |b| (the
  // values are multiples of b's ulp no larger than |b|), but for |a| < |b|
  // they round a away (fmod(4.8e6, -2.2e27) came out 0), and the answer
  // there is a itself.
  return {mx::where(mx::less(mx::abs(a, s), mx::abs(b, s), s), a, r, s)};
}

// MLX's expm1 is real-only; complex_math.h has the complex one.
Values expm1(Emitter& em, const ir::Op& op, const Values& in) {
  if (auto c = complex_unary(op.name, in[0], em.stream())) return {*c};
  return {mx::expm1(in[0], em.stream())};
}

Values power(Emitter& em, const ir::Op& op, const Values& in) {
  if (is_int(in[0])) return {integer_power(in[0], in[1], em.stream())};
  return {mx::power(in[0], in[1], em.stream())};
}

Values logical_or_bitwise(Emitter& em, const Values& in,
                          mx::array (*logical)(const mx::array&,
                                               const mx::array&,
                                               mx::StreamOrDevice),
                          mx::array (*bitwise)(const mx::array&,
                                               const mx::array&,
                                               mx::StreamOrDevice)) {
  if (in[0].dtype() == mx::bool_) return {logical(in[0], in[1], em.stream())};
  return {bitwise(in[0], in[1], em.stream())};
}

Values and_(Emitter& em, const ir::Op&, const Values& in) {
  return logical_or_bitwise(em, in, mx::logical_and, mx::bitwise_and);
}
Values or_(Emitter& em, const ir::Op&, const Values& in) {
  return logical_or_bitwise(em, in, mx::logical_or, mx::bitwise_or);
}
Values xor_(Emitter& em, const ir::Op&, const Values& in) {
  return logical_or_bitwise(em, in, mx::not_equal, mx::bitwise_xor);
}

Values not_(Emitter& em, const ir::Op&, const Values& in) {
  if (in[0].dtype() == mx::bool_) return {mx::logical_not(in[0], em.stream())};
  return {mx::bitwise_invert(in[0], em.stream())};
}

mx::Dtype unsigned_of(mx::Dtype d) {
  switch (d.size()) {
    case 1: return mx::uint8;
    case 2: return mx::uint16;
    case 4: return mx::uint32;
    default: return mx::uint64;
  }
}

// StableHLO defines shifts by >= the bit width: 0 for left and logical right
// shifts, all sign bits for arithmetic right shifts.
mx::array shift_in_range(Emitter& em, const mx::array& amount) {
  auto s = em.stream();
  int bits = static_cast<int>(amount.dtype().size() * 8);
  mx::array a = mx::astype(amount, mx::int64, s);
  return mx::logical_and(mx::greater_equal(a, mx::array(0, mx::int64), s),
                         mx::less(a, mx::array(bits, mx::int64), s), s);
}

Values shift_left(Emitter& em, const ir::Op&, const Values& in) {
  auto s = em.stream();
  mx::array shifted = mx::left_shift(in[0], in[1], s);
  return {mx::where(shift_in_range(em, in[1]), shifted,
                    mx::zeros_like(shifted, s), s)};
}

// The bits of an int2/int4 value, which its int8 storage sign-extends, in
// the low bits of a uint8; other integers' storage as their unsigned type.
mx::array narrow_bits(Emitter& em, const ir::Op& op, const mx::array& x) {
  auto s = em.stream();
  mx::array u = mx::view(x, unsigned_of(x.dtype()), s);
  int n = narrow_int_bits(em.type_of(op.operands.at(0)).element);
  return n ? mx::bitwise_and(u, mx::array((1 << n) - 1, mx::uint8), s) : u;
}

// The bit width of the op's operand type (4 for int4, not its storage's 8).
int operand_bits(Emitter& em, const ir::Op& op, const mx::array& x) {
  int n = narrow_int_bits(em.type_of(op.operands.at(0)).element);
  return n ? n : static_cast<int>(x.dtype().size() * 8);
}

Values shift_right_logical(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  mx::Dtype d = in[0].dtype();
  mx::Dtype u = unsigned_of(d);
  mx::array shifted = mx::view(
      mx::right_shift(narrow_bits(em, op, in[0]), mx::view(in[1], u, s), s), d, s);
  return {mx::where(shift_in_range(em, in[1]), shifted,
                    mx::zeros_like(shifted, s), s)};
}

mx::Dtype signed_of(mx::Dtype d) {
  switch (d.size()) {
    case 1: return mx::int8;
    case 2: return mx::int16;
    case 4: return mx::int32;
    default: return mx::int64;
  }
}

Values shift_right_arithmetic(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  mx::Dtype d = in[0].dtype();
  int bits = static_cast<int>(d.size() * 8);
  mx::array amount = mx::where(shift_in_range(em, in[1]), in[1],
                               mx::array(bits - 1, in[1].dtype()), s);
  // The top bit is the sign for unsigned types too (MLX shifts those
  // logically); a uint4's top bit is bit 3 of its uint8 storage.
  mx::array x = in[0];
  if (mx::issubdtype(d, mx::unsignedinteger)) {
    x = mx::view(x, signed_of(d), s);
    if (int n = narrow_int_bits(em.type_of(op.operands.at(0)).element)) {
      mx::array k(8 - n, mx::int8);
      x = mx::right_shift(mx::left_shift(x, k, s), k, s);
    }
    return {mx::view(mx::right_shift(x, mx::astype(amount, x.dtype(), s), s), d, s)};
  }
  return {mx::right_shift(x, amount, s)};
}

Values negate(Emitter& em, const ir::Op&, const Values& in) {
  return {mx::negative(in[0], em.stream())};
}

Values abs_(Emitter& em, const ir::Op& op, const Values& in) {
  mx::array r = mx::abs(in[0], em.stream());
  // abs of complex is real.
  return {mx::astype(r, result_dtype(em, op), em.stream())};
}

Values sign(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  if (auto c = complex_unary(op.name, in[0], s)) return {*c};
  mx::array r = mx::sign(in[0], s);
  // sign(NaN) is NaN and sign(-0.0) is -0.0 in StableHLO.
  if (mx::issubdtype(in[0].dtype(), mx::floating))
    r = mx::where(mx::logical_or(mx::isnan(in[0], s), mx::equal(in[0], mx::zeros_like(in[0], s), s), s),
                  in[0], r, s);
  return {r};
}

Values cbrt(Emitter& em, const ir::Op&, const Values& in) {
  auto s = em.stream();
  const mx::array& x = in[0];
  // 1/3 rounded to float is 1/3 + 1e-8: libm's cbrt for float64.
  if (is_float64(x)) return {float64_unary(Float64Fn::kCbrt, x, s)};
  mx::array third = mx::array(1.0f / 3.0f, x.dtype());
  mx::array mag = mx::power(mx::abs(x, s), third, s);
  return {mx::multiply(mx::sign(x, s), mag, s)};
}

Values round_even(Emitter& em, const ir::Op&, const Values& in) {
  return {mx::round(in[0], 0, em.stream())};
}

Values round_afz(Emitter& em, const ir::Op&, const Values& in) {
  auto s = em.stream();
  const mx::array& x = in[0];
  // floor(|x| + 0.5) rounds the sum itself once |x| has no fraction bits
  // left (2^52 - 1 became 2^52): compare the fraction instead, which
  // |x| - floor(|x|) gives exactly.
  mx::array a = mx::abs(x, s);
  mx::array t = mx::floor(a, s);
  mx::array up = mx::greater_equal(mx::subtract(a, t, s), mx::array(0.5f, x.dtype()), s);
  mx::array r = mx::where(up, mx::add(t, mx::array(1.0f, x.dtype()), s), t, s);
  return {mx::multiply(mx::sign(x, s), r, s)};
}

Values is_finite(Emitter& em, const ir::Op&, const Values& in) {
  return {mx::isfinite(in[0], em.stream())};
}

Values logistic(Emitter& em, const ir::Op&, const Values& in) {
  if (is_float64(in[0])) return {float64_unary(Float64Fn::kLogistic, in[0], em.stream())};
  return {mx::sigmoid(in[0], em.stream())};
}

Values popcnt(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  mx::Dtype d = in[0].dtype();
  // XLA's cpu counts an int4's bits in int8, sign extension included (-8
  // has 5), but an int2's in its own 2 bits; so do we.
  bool two_bit = narrow_int_bits(em.type_of(op.operands.at(0)).element) == 2;
  mx::array x = two_bit ? narrow_bits(em, op, in[0]) : mx::view(in[0], unsigned_of(d), s);
  mx::array count = mx::zeros_like(x, s);
  mx::array one = mx::array(1, x.dtype());
  for (size_t bit = 0; bit < d.size() * 8; ++bit) {
    count = mx::add(count, mx::bitwise_and(x, one, s), s);
    x = mx::right_shift(x, one, s);
  }
  return {mx::view(count, d, s)};
}

Values count_leading_zeros(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  mx::Dtype d = in[0].dtype();
  int bits = operand_bits(em, op, in[0]);
  mx::array x = narrow_bits(em, op, in[0]);
  // Count leading zeros as the number of top bits before the first set bit.
  mx::array result = mx::full(x.shape(), mx::array(bits), mx::int32, s);
  mx::array one = mx::array(1, x.dtype());
  for (int bit = 0; bit < bits; ++bit) {
    mx::array set = mx::not_equal(
        mx::bitwise_and(mx::right_shift(x, mx::array(bit, x.dtype()), s), one,
                        s),
        mx::zeros_like(x, s), s);
    result = mx::where(set, mx::array(bits - 1 - bit, mx::int32), result, s);
  }
  return {mx::astype(result, d, s)};
}

// XLA converts floats to integers with saturation (out-of-range values go
// to the type's min or max, NaN to 0); a plain cast wraps or is undefined.
mx::array saturating_float_to_int(const mx::array& x, mx::Dtype to, mx::StreamOrDevice s) {
  int64_t lo = 0;
  uint64_t hi = 0;
  switch (to.val()) {
    case mx::Dtype::Val::int8: lo = INT8_MIN, hi = INT8_MAX; break;
    case mx::Dtype::Val::int16: lo = INT16_MIN, hi = INT16_MAX; break;
    case mx::Dtype::Val::int32: lo = INT32_MIN, hi = INT32_MAX; break;
    case mx::Dtype::Val::int64: lo = INT64_MIN, hi = INT64_MAX; break;
    case mx::Dtype::Val::uint8: hi = UINT8_MAX; break;
    case mx::Dtype::Val::uint16: hi = UINT16_MAX; break;
    case mx::Dtype::Val::uint32: hi = UINT32_MAX; break;
    default: hi = UINT64_MAX; break;
  }
  // Compared in float32: the bounds round to a power of two (or stay exact),
  // and every float at or beyond them is out of range.
  mx::array xf = mx::astype(x, mx::float32, s);
  mx::array below = mx::less_equal(xf, mx::array(static_cast<float>(lo)), s);
  mx::array above = mx::greater_equal(xf, mx::array(static_cast<float>(hi)), s);
  mx::array bad = mx::logical_or(mx::logical_or(below, above, s), mx::isnan(xf, s), s);
  mx::array y = mx::astype(mx::where(bad, mx::zeros_like(x, s), x, s), to, s);
  mx::array lo_v = mx::astype(mx::array(lo, mx::int64), to, s);
  mx::array hi_v = mx::astype(mx::array(hi, mx::uint64), to, s);
  y = mx::where(above, hi_v, y, s);
  return mx::where(below, lo_v, y, s);
}

Values convert(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  mx::Dtype to = result_dtype(em, op);
  mx::array x = in[0];
  ir::ElementType from_type = em.type_of(op.operands.at(0)).element;
  ir::ElementType to_type = em.type_of(op.results.at(0)).element;
  if (is_narrow(from_type) || is_narrow(to_type)) {
    x = narrow_convert(x, from_type, to_type, s);
    if (is_narrow(to_type) || x.dtype() == to) return {x};
  }
  if (mx::issubdtype(x.dtype(), mx::complexfloating) &&
      !mx::issubdtype(to, mx::complexfloating))
    return {mx::astype(mx::real(x, s), to, s)};
  if (to == mx::bool_) return {mx::not_equal(x, mx::zeros_like(x, s), s)};
  if (mx::issubdtype(x.dtype(), mx::floating) && mx::issubdtype(to, mx::integer))
    return {saturating_float_to_int(x, to, s)};
  return {mx::astype(x, to, s)};
}

Values complex_(Emitter& em, const ir::Op&, const Values& in) {
  return {complex_from_parts(in[0], in[1], em.stream())};
}

// The narrow floats are compared bit for bit, NaN signs and ±0 included,
// and XLA's max/min differ from MLX's in those: narrow_min_max has XLA's.
Values maximum(Emitter& em, const ir::Op& op, const Values& in) {
  if (narrow_float(em.type_of(op.results.at(0)).element))
    return {narrow_min_max(in[0], in[1], true, em.stream())};
  return {mx::maximum(in[0], in[1], em.stream())};
}

Values minimum(Emitter& em, const ir::Op& op, const Values& in) {
  if (narrow_float(em.type_of(op.results.at(0)).element))
    return {narrow_min_max(in[0], in[1], false, em.stream())};
  return {mx::minimum(in[0], in[1], em.stream())};
}

Values clamp(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  // operand order is (min, x, max)
  if (narrow_float(em.type_of(op.results.at(0)).element))  // XLA's: min(max(lo, x), hi)
    return {narrow_min_max(narrow_min_max(in[0], in[1], true, s), in[2], false, s)};
  return {mx::minimum(mx::maximum(in[1], in[0], s), in[2], s)};
}

Values select(Emitter& em, const ir::Op&, const Values& in) {
  return {mx::where(in[0], in[1], in[2], em.stream())};
}

Values reduce_precision(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  int64_t exp_bits = int_attr(op, "exponent_bits");
  int64_t man_bits = int_attr(op, "mantissa_bits");
  mx::Dtype d = in[0].dtype();
  // No round trip through bfloat16 or float16 for e8m7/e5m10: XLA flushes
  // what would be their subnormals to zero and keeps NaN payloads.
  if ((d == mx::float32 && exp_bits >= 8 && man_bits >= 23) ||
      (d == mx::float16 && exp_bits >= 5 && man_bits >= 10) ||
      (d == mx::bfloat16 && exp_bits >= 8 && man_bits >= 7))
    return {in[0]};
  if (mx::issubdtype(d, mx::floating) && exp_bits >= 1 && exp_bits <= 11 && man_bits >= 0 &&
      man_bits <= 52)
    return {reduce_precision_to(in[0], int(exp_bits), int(man_bits), s)};
  fail_unsupported(op, "reduce_precision to e" + std::to_string(exp_bits) +
                           "m" + std::to_string(man_bits));
}

}  // namespace

void register_elementwise(Registry& r) {
  r.add("stablehlo.add", binary<mx::add>);
  r.add("stablehlo.subtract", binary<mx::subtract>);
  r.add("stablehlo.multiply", binary<mx::multiply>);
  r.add("stablehlo.divide", divide);
  r.add("stablehlo.remainder", remainder);
  r.add("stablehlo.maximum", maximum);
  r.add("stablehlo.minimum", minimum);
  r.add("stablehlo.power", power);
  r.add("stablehlo.atan2", binary<mx::arctan2>);
  r.add("stablehlo.and", and_);
  r.add("stablehlo.or", or_);
  r.add("stablehlo.xor", xor_);
  r.add("stablehlo.not", not_);
  r.add("stablehlo.shift_left", shift_left);
  r.add("stablehlo.shift_right_logical", shift_right_logical);
  r.add("stablehlo.shift_right_arithmetic", shift_right_arithmetic);
  r.add("stablehlo.negate", negate);
  r.add("stablehlo.abs", abs_);
  r.add("stablehlo.sign", sign);
  r.add("stablehlo.exponential", unary_f64_exact<mx::exp, Float64Fn::kExp>);
  r.add("stablehlo.exponential_minus_one", expm1);
  r.add("stablehlo.log", unary<mx::log>);
  r.add("stablehlo.log_plus_one", unary<mx::log1p>);
  r.add("stablehlo.logistic", logistic);
  r.add("stablehlo.sqrt", unary<mx::sqrt>);
  r.add("stablehlo.rsqrt", unary<mx::rsqrt>);
  r.add("stablehlo.cbrt", cbrt);
  r.add("stablehlo.sine", unary_f64_exact<mx::sin, Float64Fn::kSin>);
  r.add("stablehlo.cosine", unary_f64_exact<mx::cos, Float64Fn::kCos>);
  r.add("stablehlo.tan", unary<mx::tan>);
  r.add("stablehlo.tanh", unary<mx::tanh>);
  r.add("stablehlo.floor", unary<mx::floor>);
  r.add("stablehlo.ceil", unary<mx::ceil>);
  r.add("stablehlo.round_nearest_even", round_even);
  r.add("stablehlo.round_nearest_afz", round_afz);
  r.add("stablehlo.is_finite", is_finite);
  r.add("stablehlo.popcnt", popcnt);
  r.add("stablehlo.count_leading_zeros", count_leading_zeros);
  r.add("stablehlo.real", unary<mx::real>);
  r.add("stablehlo.imag", unary<mx::imag>);
  r.add("stablehlo.complex", complex_);
  r.add("stablehlo.convert", convert);
  r.add("stablehlo.clamp", clamp);
  r.add("stablehlo.select", select);
  r.add("stablehlo.reduce_precision", reduce_precision);
}

}  // namespace applejax::lower
