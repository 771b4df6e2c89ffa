// stablehlo.reduce.
//
// The reduction body is a region; the common bodies (one binary op over the
// two block arguments) map onto MLX's reductions. Other bodies are refused by
// name until a general path exists.
#include <mlx/ops.h>

#include "lower/emitter.h"
#include "lower/errors.h"

namespace applejax::lower {
namespace {

// The name of the single op in a two-argument body "return op(a, b)", or "".
std::string simple_body(const ir::Region& body) {
  if (body.blocks.size() != 1) return "";
  const ir::Block& b = body.blocks.front();
  if (b.arguments.size() != 2 || b.ops.size() != 2) return "";
  const ir::Op& op = b.ops[0];
  const ir::Op& ret = b.ops[1];
  if (op.operands.size() != 2 || ret.operands.size() != 1 ||
      ret.operands[0] != op.results.at(0))
    return "";
  bool uses_args = (op.operands[0] == b.arguments[0] &&
                    op.operands[1] == b.arguments[1]) ||
                   (op.operands[0] == b.arguments[1] &&
                    op.operands[1] == b.arguments[0]);
  return uses_args ? op.name : "";
}

Values reduce(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  if (in.size() != 2 || op.regions.size() != 1)
    fail_unsupported(op, "variadic reduce with " +
                             std::to_string(in.size() / 2) + " operands");
  std::vector<int64_t> dims64 = int_list(op, "dimensions");
  std::vector<int> axes(dims64.begin(), dims64.end());
  const mx::array &x = in[0], &init = in[1];
  std::string body = simple_body(op.regions[0]);
  bool is_bool = x.dtype() == mx::bool_;
  if (body == "stablehlo.add")
    return {mx::add(mx::sum(x, axes, false, s), init, s)};
  if (body == "stablehlo.multiply")
    return {mx::multiply(mx::prod(x, axes, false, s), init, s)};
  if (body == "stablehlo.maximum")
    return {mx::maximum(mx::max(x, axes, false, s), init, s)};
  if (body == "stablehlo.minimum")
    return {mx::minimum(mx::min(x, axes, false, s), init, s)};
  if (body == "stablehlo.and" && is_bool)
    return {mx::logical_and(mx::all(x, axes, false, s), init, s)};
  if (body == "stablehlo.or" && is_bool)
    return {mx::logical_or(mx::any(x, axes, false, s), init, s)};
  fail_unsupported(op, body.empty() ? "reduce with a general body"
                                    : "reduce with body " + body);
}

}  // namespace

void register_reduce(Registry& r) { r.add("stablehlo.reduce", reduce); }

}  // namespace applejax::lower
