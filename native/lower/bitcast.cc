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
//
// The sub-byte integers (i2, i4, u2, u4) take a byte per element here, so
// their splits and joins regroup bits by shifting: regroup_sub_byte.
#include <mlx/ops.h>

#include <algorithm>

#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/narrow.h"

namespace applejax::lower {
namespace {

bool sub_byte_int(ir::ElementType t) {
  using E = ir::ElementType;
  return t == E::kSI2 || t == E::kSI4 || t == E::kUI2 || t == E::kUI4;
}

mx::Dtype unsigned_of_bits(int bits) {
  return bits <= 8 ? mx::uint8 : bits == 16 ? mx::uint16 : bits == 32 ? mx::uint32 : mx::uint64;
}

// An element's bits, in the low bits of an unsigned integer at least a
// byte wide.
mx::array raw_bits(const mx::array& x, ir::ElementType t, mx::StreamOrDevice s) {
  int bits = ir::element_bit_width(t);
  if (!sub_byte_int(t)) return mx::view(x, unsigned_of_bits(bits), s);
  return mx::bitwise_and(mx::view(x, mx::uint8, s), mx::array((1 << bits) - 1, mx::uint8), s);
}

// Unsigned `bits` (low bits, any unsigned width) as elements of type `t` in
// its storage type: a signed sub-byte value sign-extended to its byte.
mx::array from_raw_bits(const mx::array& bits, ir::ElementType t, mx::Dtype storage,
                        mx::StreamOrDevice s) {
  int width = ir::element_bit_width(t);
  if (!sub_byte_int(t)) return mx::view(mx::astype(bits, unsigned_of_bits(width), s), storage, s);
  mx::array v = mx::astype(mx::bitwise_and(bits, mx::array((1 << width) - 1, bits.dtype()), s),
                           mx::int16, s);
  if (storage == mx::int8)
    v = mx::where(mx::greater_equal(v, mx::array(1 << (width - 1), mx::int16), s),
                  mx::subtract(v, mx::array(1 << width, mx::int16), s), v, s);
  return mx::astype(v, storage, s);
}

// A bitcast where one side is a sub-byte integer: a wide element splits
// into narrow ones from its low bits up (the order XLA packs them in, as
// for bytes of a little-endian word), and narrow ones join the same way.
mx::array regroup_sub_byte(const mx::array& x, ir::ElementType from, ir::ElementType to,
                           mx::Dtype storage, const mx::Shape& shape, mx::StreamOrDevice s) {
  const int fb = ir::element_bit_width(from), tb = ir::element_bit_width(to);
  mx::array b = raw_bits(x, from, s);
  if (fb == tb) return mx::reshape(from_raw_bits(b, to, storage, s), shape, s);
  const int wide = std::max(fb, tb), ratio = wide / std::min(fb, tb);
  mx::Dtype work = unsigned_of_bits(wide);
  mx::array shifts = mx::multiply(mx::arange(ratio, work, s), mx::array(std::min(fb, tb), work), s);
  if (fb > tb) {  // split: piece k is bits [k * tb, (k + 1) * tb)
    mx::array pieces = mx::right_shift(mx::expand_dims(mx::astype(b, work, s), -1, s), shifts, s);
    return mx::reshape(from_raw_bits(pieces, to, storage, s), shape, s);
  }
  // join: the pieces' bits do not overlap, so their sum is their OR
  mx::array joined = mx::sum(mx::left_shift(mx::astype(b, work, s), shifts, s), -1, false, s);
  return mx::reshape(from_raw_bits(mx::astype(joined, work, s), to, storage, s), shape, s);
}

Values bitcast_convert(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  ir::ElementType from = em.type_of(op.operands.at(0)).element;
  ir::ElementType to_type = em.type_of(op.results.at(0)).element;
  mx::Shape shape = result_shape(em, op);
  if (is_narrow(from) || is_narrow(to_type)) {
    // The storage's bits are not the type's: go through the type's own codes.
    auto y = narrow_bitcast(in[0], from, to_type, shape, s);
    bool regroups = (sub_byte_int(from) || !is_narrow(from)) && (sub_byte_int(to_type) || !is_narrow(to_type)) &&
                    from != ir::ElementType::kI1 && to_type != ir::ElementType::kI1;
    if (!y && regroups) return {regroup_sub_byte(in[0], from, to_type, result_dtype(em, op), shape, s)};
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
