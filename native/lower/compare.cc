// stablehlo.compare in every direction and comparison type.
#include <mlx/ops.h>

#include "lower/emitter.h"
#include "lower/errors.h"

namespace applejax::lower {
namespace {

// TOTALORDER compares floats as their sign-magnitude bit patterns, which puts
// -NaN < -Inf < ... < -0 < +0 < ... < +Inf < +NaN.
mx::array total_order_key(Emitter& em, const mx::array& x) {
  auto s = em.stream();
  mx::Dtype it = x.dtype().size() == 2   ? mx::int16
                 : x.dtype().size() == 4 ? mx::int32
                                         : mx::int64;
  mx::array bits = mx::view(x, it, s);
  int width = static_cast<int>(x.dtype().size() * 8);
  mx::array max_mag = mx::array(
      static_cast<int64_t>((uint64_t{1} << (width - 1)) - 1), it);
  // Negative values: flip the magnitude bits so larger magnitudes sort lower.
  mx::array flipped = mx::bitwise_xor(bits, max_mag, s);
  return mx::where(mx::less(bits, mx::zeros_like(bits, s), s), flipped, bits,
                   s);
}

Values compare(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  const ir::Attribute* dir = op.attr("comparison_direction");
  if (!dir) fail(op, "missing comparison_direction");
  const ir::Attribute* type = op.attr("compare_type");
  mx::array a = in[0], b = in[1];
  if (type && type->s == "TOTALORDER" &&
      mx::issubdtype(a.dtype(), mx::floating)) {
    a = total_order_key(em, a);
    b = total_order_key(em, b);
  }
  const std::string& d = dir->s;
  if (d == "EQ") return {mx::equal(a, b, s)};
  if (d == "NE") return {mx::not_equal(a, b, s)};
  if (d == "LT") return {mx::less(a, b, s)};
  if (d == "LE") return {mx::less_equal(a, b, s)};
  if (d == "GT") return {mx::greater(a, b, s)};
  if (d == "GE") return {mx::greater_equal(a, b, s)};
  fail(op, "unknown comparison direction '" + d + "'");
}

}  // namespace

void register_compare(Registry& r) { r.add("stablehlo.compare", compare); }

}  // namespace applejax::lower
