// complex64 functions that keep XLA's infinities, NaNs and signed zeros
// (complex_math.h says why MLX's kernels do not).
#include "lower/complex_math.h"

#include <mlx/ops.h>

#include <cmath>
#include <limits>
#include <vector>

namespace applejax::lower {

namespace mx = mlx::core;

namespace {

mx::array f32(float v) { return mx::array(v, mx::float32); }

bool is_complex(const mx::array& z) { return mx::issubdtype(z.dtype(), mx::complexfloating); }

// e^x times c, as e^(x/2) c e^(x/2) once e^x alone would overflow: XLA's
// cpu does so too, and cosh(-100 + 1e-38i) has a finite imaginary part.
mx::array times_exp(const mx::array& x, const mx::array& c, mx::StreamOrDevice s) {
  mx::array half = mx::exp(mx::multiply(x, f32(0.5f), s), s);
  mx::array split = mx::multiply(mx::multiply(half, c, s), half, s);
  return mx::where(mx::greater(x, f32(88.0f), s), split, mx::multiply(mx::exp(x, s), c, s), s);
}

// exp(z) = e^x (cos y + i sin y). A zero y keeps its sign as the imaginary
// part, so exp of a real infinity is (inf, 0), not (inf, NaN). (The real
// part needs no such care: cos 0 is exactly 1.)
mx::array exp_c(const mx::array& z, mx::StreamOrDevice s) {
  mx::array x = mx::real(z, s), y = mx::imag(z, s);
  mx::array re = times_exp(x, mx::cos(y, s), s);
  mx::array im = times_exp(x, mx::sin(y, s), s);
  return complex_from_parts(re, mx::where(mx::equal(y, f32(0), s), y, im, s), s);
}

// expm1(z) = expm1(x) cos y - 2 sin^2(y/2) + i e^x sin y: no cancellation
// for small |z|. Zero parts come out +0, as XLA's do (adding +0 turns only
// -0 into +0).
mx::array expm1_c(const mx::array& z, mx::StreamOrDevice s) {
  mx::array x = mx::real(z, s), y = mx::imag(z, s);
  mx::array half = mx::sin(mx::multiply(y, f32(0.5f), s), s);
  mx::array re = mx::subtract(mx::multiply(mx::expm1(x, s), mx::cos(y, s), s),
                              mx::multiply(f32(2.0f), mx::square(half, s), s), s);
  mx::array im = times_exp(x, mx::sin(y, s), s);
  return complex_from_parts(mx::add(re, f32(0), s),
                            mx::where(mx::equal(y, f32(0), s), f32(0), im, s), s);
}

// sqrt by half-angle: t = sqrt((|x| + |z|) / 2), then (t, y / 2t) for
// x >= 0 and (|y| / 2t, ±t) for x < 0. |z| and the sum are scaled by 1/4
// near overflow; z = 0 gives (0, y), an infinite y gives (inf, y).
mx::array sqrt_c(const mx::array& z, mx::StreamOrDevice s) {
  mx::array x = mx::real(z, s), y = mx::imag(z, s);
  mx::array ax = mx::abs(x, s), ay = mx::abs(y, s);
  mx::array big = mx::greater(mx::maximum(ax, ay, s), f32(1e37f), s);
  mx::array plain = mx::sqrt(mx::multiply(mx::add(ax, mx::abs(z, s), s), f32(0.5f), s), s);
  mx::array quarter = mx::multiply(mx::array(mx::complex64_t{0.25f, 0}), z, s);
  mx::array scaled = mx::multiply(
      f32(2.0f),
      mx::sqrt(mx::multiply(mx::add(mx::multiply(ax, f32(0.25f), s), mx::abs(quarter, s), s),
                            f32(0.5f), s),
               s),
      s);
  mx::array t = mx::where(big, scaled, plain, s);
  mx::array other = mx::multiply(mx::divide(ay, t, s), f32(0.5f), s);  // |y| / 2t
  mx::array neg = mx::less(x, f32(0), s);
  mx::array re = mx::where(neg, other, t, s);
  mx::array im = mx::where(neg, mx::where(mx::less(y, f32(0), s), mx::negative(t, s), t, s),
                           mx::multiply(mx::divide(y, t, s), f32(0.5f), s), s);
  // |y| / 2t is 0 once x is -inf and y finite, NaN when y is NaN too.
  mx::array zero = mx::logical_and(mx::equal(x, f32(0), s), mx::equal(y, f32(0), s), s);
  re = mx::where(zero, f32(0), re, s);
  im = mx::where(zero, y, im, s);
  mx::array inf = f32(std::numeric_limits<float>::infinity());
  mx::array y_inf = mx::isinf(y, s);
  re = mx::where(y_inf, inf, re, s);
  im = mx::where(y_inf, y, im, s);
  return complex_from_parts(re, im, s);
}

// sign(z) = z / |z|, and z itself where |z| is 0 (XLA divides each part,
// so an infinite part gives NaN and the other part keeps its zero).
mx::array sign_c(const mx::array& z, mx::StreamOrDevice s) {
  mx::array x = mx::real(z, s), y = mx::imag(z, s);
  mx::array r = mx::abs(z, s);
  mx::array zero = mx::equal(r, f32(0), s);
  return complex_from_parts(mx::where(zero, x, mx::divide(x, r, s), s),
                            mx::where(zero, y, mx::divide(y, r, s), s), s);
}

// log1p: MLX's real part; the imaginary part is atan2(y, 1 + x), which keeps
// the sign of y (MLX's lost it once x was infinite).
mx::array log1p_c(const mx::array& z, mx::StreamOrDevice s) {
  mx::array x = mx::real(z, s), y = mx::imag(z, s);
  mx::array re = mx::real(mx::log1p(z, s), s);
  return complex_from_parts(re, mx::arctan2(y, mx::add(x, f32(1.0f), s), s), s);
}

// tan(z) = -i tanh(iz), both products spelled out as XLA's are: the zero
// parts of i and -i take part in the sums, so tan(-0 - 2i) has a +0 real
// part, and an infinite y gives (0, ±1) whatever x is.
mx::array tan_c(const mx::array& z, mx::StreamOrDevice s) {
  mx::array i = mx::array(mx::complex64_t{0, 1});
  mx::array minus_i = mx::array(mx::complex64_t{0, -1});
  mx::array w = mx::multiply(minus_i, mx::tanh(mx::multiply(i, z, s), s), s);
  // tan(±0 + NaN i) keeps a +0 real part.
  mx::array x = mx::real(z, s), y = mx::imag(z, s);
  mx::array keep = mx::logical_and(mx::equal(x, f32(0), s), mx::isnan(y, s), s);
  return mx::where(keep, complex_from_parts(f32(0), y, s), w, s);
}

}  // namespace

mx::array complex_from_parts(const mx::array& re, const mx::array& im, mx::StreamOrDevice s) {
  // Two float32s side by side are one complex64: a view, not arithmetic.
  std::vector<mx::array> parts = mx::broadcast_arrays(
      {mx::astype(re, mx::float32, s), mx::astype(im, mx::float32, s)}, s);
  mx::array pair = mx::stack(parts, -1, s);
  return mx::squeeze(mx::view(pair, mx::complex64, s), -1, s);
}

std::optional<mx::array> complex_unary(std::string_view op_name, const mx::array& z,
                                       mx::StreamOrDevice s) {
  if (!is_complex(z)) return std::nullopt;
  if (op_name == "stablehlo.exponential") return exp_c(z, s);
  if (op_name == "stablehlo.exponential_minus_one") return expm1_c(z, s);
  if (op_name == "stablehlo.sqrt") return sqrt_c(z, s);
  if (op_name == "stablehlo.sign") return sign_c(z, s);
  if (op_name == "stablehlo.log_plus_one") return log1p_c(z, s);
  if (op_name == "stablehlo.tan") return tan_c(z, s);
  return std::nullopt;
}

}  // namespace applejax::lower
