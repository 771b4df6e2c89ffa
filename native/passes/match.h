// What the passes know about a module while they look for patterns: who
// defines each value and how often it is used, plus the small matchers the
// fusion patterns are written with.
//
// Matchers take and return ValueIds (module-wide, see ir.h), never Op
// pointers into blocks a rewrite may rebuild; an Op* from def() is valid
// until the next rewrite of its block.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include "ir/ir.h"

namespace applejax::passes {

class Uses {
 public:
  explicit Uses(const ir::Module& module);

  const ir::Module& module() const { return *module_; }
  // The op whose result v is; null for block arguments.
  const ir::Op* def(ir::ValueId v) const { return v < def_.size() ? def_[v] : nullptr; }
  // Operand slots that read v, anywhere (nested regions and returns count).
  uint32_t count(ir::ValueId v) const { return v < count_.size() ? count_[v] : 0; }
  const ir::Type& type(ir::ValueId v) const { return module_->values[v]; }

 private:
  void walk(const ir::Region& region);
  const ir::Module* module_;
  std::vector<const ir::Op*> def_;
  std::vector<uint32_t> count_;
};

// def(v) when it is the op named `name` (and has one result), else null.
const ir::Op* def_is(const Uses& u, ir::ValueId v, std::string_view name);
// The value of a splat constant, looking through the broadcast_in_dim,
// reshape and convert ops JAX wraps scalars in. Integer and float splats.
std::optional<double> splat_value(const Uses& u, ir::ValueId v);
// Skips ops that only add or drop unit dimensions (broadcast_in_dim and
// reshape that keep every element in place): JAX's keepdims wrappers.
ir::ValueId peel_unit_dims(const Uses& u, ir::ValueId v);
// A reduce over `input` with a single binary body named `body` (e.g.
// "stablehlo.add") and the splat init `init`; returns the input and the
// reduced axes.
struct Reduction {
  ir::ValueId input;
  std::vector<int64_t> axes;
};
std::optional<Reduction> reduction_of(const Uses& u, ir::ValueId v, std::string_view body,
                                      double init);
// A sum over `axes` of the input, as reduction_of(v, "stablehlo.add", 0)
// finds it, or as JAX sums half floats: convert(reduce(convert(x) to a
// wider float)) back to x's type. Adds the values it passed to `internal`.
std::optional<Reduction> sum_of(const Uses& u, ir::ValueId v, std::vector<ir::ValueId>& internal);
// Whether v is `row`, a per-row statistic of `full` over `axes` (as a
// reduce returns it, with or without keepdims), broadcast back to full's
// shape: the broadcast JAX emits for `x - mean`. Returns the statistic.
std::optional<ir::ValueId> broadcast_rows(const Uses& u, ir::ValueId v,
                                          const std::vector<int64_t>& full_shape,
                                          const std::vector<int64_t>& axes);
// For a commutative binary op: the operand pair ordered so that `first`
// satisfies pred, if either order does.
template <typename Pred>
std::optional<std::pair<ir::ValueId, ir::ValueId>> either(const ir::Op& op, Pred pred) {
  if (op.operands.size() != 2) return std::nullopt;
  if (pred(op.operands[0])) return std::pair{op.operands[0], op.operands[1]};
  if (pred(op.operands[1])) return std::pair{op.operands[1], op.operands[0]};
  return std::nullopt;
}
// Number of elements the axes of `shape` hold together.
int64_t product_of(const std::vector<int64_t>& shape, const std::vector<int64_t>& axes);
// Whether axes are exactly the last `n` axes of a rank-`rank` shape, in order.
bool is_trailing(const std::vector<int64_t>& axes, size_t rank);

}  // namespace applejax::passes
