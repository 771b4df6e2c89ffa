// dce: removes ops whose results nobody reads and that have no effects
// (effects.h). Blocks are walked backwards so a chain dies in one sweep.
#include <string>
#include <unordered_set>

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

// Every name an attribute could refer to: symbol references (func.call's
// callee) and strings too, since a composite names its decomposition with
// a plain string.
void symbols_in(const ir::Attribute& a, std::unordered_set<std::string>& out) {
  if (a.kind == ir::Attribute::Kind::kSymbolRef || a.kind == ir::Attribute::Kind::kString)
    out.insert(a.s);
  for (const ir::Attribute& e : a.array) symbols_in(e, out);
  for (const auto& [name, e] : a.dict) symbols_in(e, out);
}

void symbols_in(const ir::Region& r, std::unordered_set<std::string>& out) {
  for (const ir::Block& b : r.blocks)
    for (const ir::Op& op : b.ops) {
      for (const auto& [name, a] : op.attributes) symbols_in(a, out);
      for (const ir::Region& inner : op.regions) symbols_in(inner, out);
    }
}

// Private functions nothing names any more (inline_calls copied them into
// their callers) go too; composites name their decompositions, so those stay.
bool drop_unreferenced_functions(ir::Module& m) {
  const ir::Function* entry = m.entry();
  bool changed = false;
  for (bool again = true; again;) {
    again = false;
    std::unordered_set<std::string> named;
    for (const ir::Function& fn : m.functions) symbols_in(fn.body, named);
    std::vector<ir::Function> kept;
    for (ir::Function& fn : m.functions) {
      if (&fn != entry && fn.is_public == false && !named.count(fn.name)) {
        again = changed = true;
        continue;
      }
      kept.push_back(std::move(fn));
    }
    m.functions = std::move(kept);
    entry = m.entry();
  }
  return changed;
}

}  // namespace

bool dce(ir::Module& m) {
  Uses uses(m);
  std::vector<uint32_t> count(m.values.size());
  for (ir::ValueId v = 0; v < count.size(); ++v) count[v] = uses.count(v);
  Rewriter rw(m);
  for (ir::Function& fn : m.functions) sweep(fn.body, count, rw);
  bool changed = rw.apply();
  return drop_unreferenced_functions(m) || changed;
}

}  // namespace applejax::passes
