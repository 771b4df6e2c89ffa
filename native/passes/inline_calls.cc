// inline_calls: replaces each func.call by a copy of its callee's body, so
// that patterns JAX splits across private functions (`_where`, `_var`,
// `log_softmax`, `tril`) sit in one block where the fusions can see them.
//
// Kept as calls: threefry2x32, which the lowering runs as one kernel
// (lower/threefry.h) when it meets the call whole. stablehlo.composite is
// left alone too: composite.cc picks a kernel by the composite's name.
#include <unordered_map>

#include "lower/threefry.h"
#include "passes/pass.h"
#include "passes/rewriter.h"

namespace applejax::passes {
namespace {

// Inlining copies; past this many ops in all, stop rather than let a
// program that calls one big function many times grow without bound.
constexpr size_t kMaxModuleOps = 400'000;
// StableHLO has no recursion; this bounds a malformed module that has it.
constexpr int kMaxRounds = 64;

using Names = std::unordered_map<ir::ValueId, ir::ValueId>;

ir::ValueId mapped(const Names& names, ir::ValueId v) {
  auto it = names.find(v);
  return it == names.end() ? v : it->second;
}

void clone_region(Rewriter& rw, const ir::Region& from, ir::Region& to, Names& names);

ir::Op clone_op(Rewriter& rw, const ir::Op& op, Names& names) {
  ir::Op copy;
  copy.name = op.name;
  copy.attributes = op.attributes;
  copy.loc = op.loc;
  for (ir::ValueId v : op.operands) copy.operands.push_back(mapped(names, v));
  for (ir::ValueId r : op.results) {
    ir::ValueId n = rw.new_value(rw.module().values[r]);
    names[r] = n;
    copy.results.push_back(n);
  }
  for (const ir::Region& r : op.regions) {
    copy.regions.emplace_back();
    clone_region(rw, r, copy.regions.back(), names);
  }
  return copy;
}

void clone_region(Rewriter& rw, const ir::Region& from, ir::Region& to, Names& names) {
  for (const ir::Block& b : from.blocks) {
    ir::Block nb;
    for (ir::ValueId a : b.arguments) {
      ir::ValueId n = rw.new_value(rw.module().values[a]);
      names[a] = n;
      nb.arguments.push_back(n);
    }
    for (const ir::Op& op : b.ops) nb.ops.push_back(clone_op(rw, op, names));
    to.blocks.push_back(std::move(nb));
  }
}

// One round: every call whose callee is a plain one-block function.
bool inline_round(ir::Module& m, size_t& total_ops) {
  Rewriter rw(m);
  // Copies of a callee may themselves hold calls; they go next round.
  std::vector<std::pair<const ir::Op*, const ir::Function*>> calls;
  for (ir::Function& fn : m.functions)
    for_each_block(fn.body, [&](ir::Block& b) {
      for (const ir::Op& op : b.ops) {
        if (op.name != "func.call") continue;
        const ir::Attribute* callee = op.attr("callee");
        const ir::Function* f = callee ? m.find_function(callee->s) : nullptr;
        if (!f || f->body.blocks.size() != 1 || f->body.blocks[0].ops.empty()) continue;
        const ir::Block& body = f->body.blocks[0];
        if (body.arguments.size() != op.operands.size() ||
            body.ops.back().name != "func.return" ||
            body.ops.back().operands.size() != op.results.size())
          continue;
        if (lower::is_threefry2x32(*f)) continue;
        calls.emplace_back(&op, f);
      }
    });
  for (auto [call, f] : calls) {
    const ir::Block& body = f->body.blocks[0];
    size_t size = ir::op_count(f->body);
    if (total_ops + size > kMaxModuleOps) break;
    total_ops += size;
    Names names;
    for (size_t i = 0; i < body.arguments.size(); ++i) names[body.arguments[i]] = call->operands[i];
    std::vector<ir::Op> ops;
    for (size_t i = 0; i + 1 < body.ops.size(); ++i) ops.push_back(clone_op(rw, body.ops[i], names));
    const ir::Op& ret = body.ops.back();
    for (size_t i = 0; i < ret.operands.size(); ++i)
      rw.replace_uses(call->results[i], mapped(names, ret.operands[i]));
    rw.replace(call, std::move(ops));
  }
  return rw.apply();
}

}  // namespace

bool inline_calls(ir::Module& m) {
  size_t total = 0;
  for (const ir::Function& fn : m.functions) total += ir::op_count(fn.body);
  bool changed = false;
  for (int round = 0; round < kMaxRounds && inline_round(m, total); ++round) changed = true;
  return changed;
}

}  // namespace applejax::passes
