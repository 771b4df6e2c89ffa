// dce: removes ops whose results nobody reads and that have no effects
// (effects.h). Blocks are walked backwards so a chain dies in one sweep.
#include "passes/effects.h"
#include "passes/match.h"
#include "passes/pass.h"
#include "passes/rewriter.h"

namespace applejax::passes {
namespace {

void release(const ir::Op& op, std::vector<uint32_t>& count) {
  for (ir::ValueId v : op.operands)
    if (v < count.size() && count[v]) --count[v];
  for (const ir::Region& r : op.regions)
    for (const ir::Block& b : r.blocks)
      for (const ir::Op& inner : b.ops) release(inner, count);
}

void sweep(ir::Region& region, std::vector<uint32_t>& count, Rewriter& rw) {
  for (ir::Block& block : region.blocks)
    for (auto it = block.ops.rbegin(); it != block.ops.rend(); ++it) {
      const ir::Op& op = *it;
      bool dead = !op.results.empty() && is_removable(op);
      for (ir::ValueId r : op.results) dead = dead && count[r] == 0;
      if (dead) {
        rw.erase(&op);
        release(op, count);
        continue;
      }
      for (ir::Region& r : it->regions) sweep(r, count, rw);
    }
}

}  // namespace

bool dce(ir::Module& m) {
  Uses uses(m);
  std::vector<uint32_t> count(m.values.size());
  for (ir::ValueId v = 0; v < count.size(); ++v) count[v] = uses.count(v);
  Rewriter rw(m);
  for (ir::Function& fn : m.functions) sweep(fn.body, count, rw);
  return rw.apply();
}

}  // namespace applejax::passes
