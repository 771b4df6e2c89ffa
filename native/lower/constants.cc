// Ops that make arrays from attributes: constant and iota.
#include <cstring>

#include <mlx/ops.h>

#include "lower/dtype.h"
#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/narrow.h"

namespace applejax::lower {
namespace {

Values constant(Emitter& em, const ir::Op& op, const Values&) {
  const ir::Attribute* value = op.attr("value");
  if (!value || value->kind != ir::Attribute::Kind::kDense || !value->data)
    fail(op, "constant without a dense 'value' attribute");
  // The value's type is the result's (jaxlib's verifier says so); the
  // bytes below are counted by the one and read as the other.
  if (op.results.size() != 1 || !(value->type == em.type_of(op.results[0])))
    fail(op, "the constant's value is " + ir::to_string(value->type) + " but its result is not");
  mx::Dtype dtype = result_dtype(em, op);
  mx::Shape shape = result_shape(em, op);
  const std::vector<uint8_t>& bytes = *value->data;
  size_t count = value->splat ? 1 : static_cast<size_t>(value->type.num_elements());
  // Narrow types come one element per byte and are stored wider.
  const ir::ElementType element = value->type.element;
  size_t need = count * (is_narrow(element) ? 1 : dtype.size());
  if (bytes.size() < need)
    fail(op, "constant holds " + std::to_string(bytes.size()) +
                 " bytes but its type needs " + std::to_string(need));
  mx::Shape data_shape = value->splat ? mx::Shape{} : shape;
  if (is_narrow(element)) {
    mx::array a = narrow_from_host(element, bytes.data(), data_shape);
    if (value->splat) a = mx::broadcast_to(a, shape, em.stream());
    return {a};
  }
  void* copy = std::malloc(need ? need : 1);
  if (!copy) fail(op, "out of host memory for a constant");
  // An empty constant's byte vector may have no storage; memcpy from null is UB.
  if (need) std::memcpy(copy, bytes.data(), need);
  mx::array a(copy, data_shape, dtype, [](void* p) { std::free(p); });
  if (value->splat) a = mx::broadcast_to(a, shape, em.stream());
  return {a};
}

Values iota(Emitter& em, const ir::Op& op, const Values&) {
  auto s = em.stream();
  mx::Shape shape = result_shape(em, op);
  int64_t dim = int_attr(op, "iota_dimension");
  if (dim < 0 || dim >= static_cast<int64_t>(shape.size()))
    fail(op, "iota_dimension out of range");
  mx::Dtype dtype = result_dtype(em, op);
  mx::array line = mx::arange(0, shape[dim], 1, s);
  mx::Shape line_shape(shape.size(), 1);
  line_shape[dim] = shape[dim];
  line = mx::reshape(mx::astype(line, dtype, s), line_shape, s);
  return {mx::broadcast_to(line, shape, s)};
}

}  // namespace

void register_constants(Registry& r) {
  r.add("stablehlo.constant", constant);
  r.add("stablehlo.iota", iota);
}

}  // namespace applejax::lower
