#include "passes/fusion.h"

#include "passes/pass.h"

#include <unordered_set>

namespace applejax::passes {

bool fuse_each(ir::Module& m,
               const std::function<std::optional<Fused>(const Uses&, Rewriter&, const ir::Op&)>& match) {
  bool changed = false;
  // Chained patterns (softmax of softmax) fuse in one round each.
  for (int round = 0; round < 8; ++round) {
    Uses u(m);
    Rewriter rw(m);
    std::unordered_set<ir::ValueId> consumed;
    for_each_block(m, [&](ir::Block& b) {
      for (auto it = b.ops.rbegin(); it != b.ops.rend(); ++it) {
        const ir::Op& op = *it;
        if (op.results.size() != 1 || consumed.count(op.results[0])) continue;
        std::optional<Fused> f = match(u, rw, op);
        if (!f) continue;
        for (ir::ValueId v : f->internal) consumed.insert(v);
        rw.replace(&op, std::move(f->ops));
      }
    });
    if (!rw.apply()) break;
    changed = true;
    // The replaced ops are dead now but still read their inputs; the next
    // round's (and the next fusion's) single-use checks must not count them.
    dce(m);
  }
  return changed;
}

ir::Op fast_call(std::string kernel, std::vector<ir::ValueId> operands, const ir::Op& root) {
  ir::Op op = make_op("stablehlo.custom_call", std::move(operands), root.results, root);
  op.attributes.emplace_back("call_target_name", string_attr("applejax.fast." + kernel));
  return op;
}

bool used_once(const Uses& u, ir::ValueId v) { return u.count(v) == 1; }

}  // namespace applejax::passes
