// Integer power. MLX squares and multiplies for non-negative exponents,
// which wraps as XLA does, but gives 0 for a negative exponent even where
// the exact answer is an integer (1 ** -n, (-1) ** -n), and reads an
// unsigned exponent with the top bit set as the huge number it is, where
// XLA's cpu reads it as negative. XLA also squares only six times, so only
// the exponent's low six bits count (x ** 64 is 1; 3 ** (2^30 - 1) is
// 3 ** 63): an exponent of 64 or more overflows every base but 0, 1 and -1,
// though not the same way as the exact power; cpu's results are the ones
// to match. These are jaxlib 0.10's XLA: by 0.12 its cpu reads unsigned
// exponents as unsigned and gives even bases 0 past bit 5, so for those
// exponents the plugin matches the older jaxlib only.
#include "lower/integer_power.h"

#include <mlx/ops.h>

namespace applejax::lower {

namespace mx = mlx::core;

namespace {
// XLA's exponentiation by squaring takes six steps: the mask of bits 0-5.
constexpr int kExponentBits = 63;

mx::Dtype signed_of(mx::Dtype d) {
  switch (d.size()) {
    case 1: return mx::int8;
    case 2: return mx::int16;
    case 4: return mx::int32;
    default: return mx::int64;
  }
}
}  // namespace

mx::array integer_power(const mx::array& x, const mx::array& y, mx::StreamOrDevice s) {
  const mx::Dtype d = x.dtype();
  mx::array sy = mx::issubdtype(y.dtype(), mx::unsignedinteger) ? mx::view(y, signed_of(y.dtype()), s) : y;
  mx::array negative = mx::less(sy, mx::array(0, sy.dtype()), s);
  mx::array zero(0, d), one(1, d);
  mx::array low_bits = mx::bitwise_and(y, mx::array(kExponentBits, y.dtype()), s);
  mx::array p = mx::power(x, mx::where(negative, mx::array(0, y.dtype()), low_bits, s), s);
  mx::array is_one = mx::equal(x, one, s);
  mx::array is_minus_one = mx::equal(mx::bitwise_invert(x, s), zero, s);
  mx::array odd = mx::not_equal(mx::bitwise_and(y, mx::array(1, y.dtype()), s), mx::array(0, y.dtype()), s);
  mx::array reciprocal = mx::where(is_one, one, mx::where(is_minus_one, mx::where(odd, x, one, s), zero, s), s);
  return mx::where(negative, reciprocal, p, s);
}

}  // namespace applejax::lower
