// stablehlo.bitcast_convert: the operand's bytes read as another element
// type. Between types of different widths the minor axis carries the split:
// a wide element becomes a new minor axis of width(from) / width(to) narrow
// ones, and a minor axis of width(to) / width(from) narrow elements joins
// into one wide one.
//
// mx::view changes the type of an array's last axis, so it cannot split a
// scalar (nor leave a rank-0 result): the operand gets a minor axis of 1
// before it is viewed, and the result is reshaped to the declared type, which
// also drops the minor axis a join leaves at 1.
#include <mlx/ops.h>

#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/narrow.h"

namespace applejax::lower {
namespace {

Values bitcast_convert(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  ir::ElementType from = em.type_of(op.operands.at(0)).element;
  ir::ElementType to_type = em.type_of(op.results.at(0)).element;
  mx::Shape shape = result_shape(em, op);
  if (is_narrow(from) || is_narrow(to_type)) {
    // The storage's bits are not the type's: go through the type's own codes.
    auto y = narrow_bitcast(in[0], from, to_type, shape, s);
    if (!y)
      fail_unsupported(op, "bitcast_convert from " + std::string(ir::element_type_name(from)) +
                               " to " + std::string(ir::element_type_name(to_type)) +
                               " splits or joins elements narrower than a byte");
    return {*y};
  }
  mx::Dtype to = result_dtype(em, op);
  const mx::array& x = in[0];
  if (x.dtype().size() == to.size()) return {mx::reshape(mx::view(x, to, s), shape, s)};
  if (x.dtype().size() > to.size()) {
    mx::Shape split = x.shape();
    split.push_back(1);
    return {mx::reshape(mx::view(mx::reshape(x, split, s), to, s), shape, s)};
  }
  // A join: the operand's minor axis must hold exactly one wide element's bytes.
  int64_t ratio = static_cast<int64_t>(to.size() / x.dtype().size());
  if (x.ndim() == 0 || x.shape(-1) != ratio)
    fail(op, "bitcast_convert to a type " + std::to_string(ratio) +
                 " times wider needs a minor axis of " + std::to_string(ratio) + " elements");
  return {mx::reshape(mx::view(x, to, s), shape, s)};
}

}  // namespace

void register_bitcast(Registry& r) { r.add("stablehlo.bitcast_convert", bitcast_convert); }

}  // namespace applejax::lower
