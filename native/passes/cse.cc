// cse: an op that repeats an earlier op of the same block (same name,
// operands, attributes and result types, no effects) is dropped and its
// results read from the earlier one. JAX repeats `x - mean` and the
// broadcasts of constants; the norm patterns expect them merged.
//
// Only within one block: reusing a value of an enclosing block inside a
// loop body would give the body an outer value, which keeps the loop from
// being traced on its own (ProgramLoops::add_region).
#include <unordered_map>

#include "passes/attribute_equal.h"
#include "passes/effects.h"
#include "passes/pass.h"
#include "passes/rewriter.h"

namespace applejax::passes {
namespace {

size_t key_of(const ir::Op& op) {
  size_t h = std::hash<std::string>{}(op.name);
  for (ir::ValueId v : op.operands) h = h * 1000003u ^ v;
  return h ^ op.attributes.size() * 31u;
}

using Pairing = std::unordered_map<ir::ValueId, ir::ValueId>;  // b's inner value -> a's

bool same_op(const ir::Module& m, const ir::Op& a, const ir::Op& b, Pairing& inner);

// Regions equal up to the names of the values they define; values from
// outside must be the same ones.
bool same_region(const ir::Module& m, const ir::Region& a, const ir::Region& b, Pairing& inner) {
  if (a.blocks.size() != b.blocks.size()) return false;
  for (size_t i = 0; i < a.blocks.size(); ++i) {
    const ir::Block &x = a.blocks[i], &y = b.blocks[i];
    if (x.arguments.size() != y.arguments.size() || x.ops.size() != y.ops.size()) return false;
    for (size_t k = 0; k < x.arguments.size(); ++k) {
      if (!(m.values[x.arguments[k]] == m.values[y.arguments[k]])) return false;
      inner[y.arguments[k]] = x.arguments[k];
    }
    for (size_t k = 0; k < x.ops.size(); ++k)
      if (!same_op(m, x.ops[k], y.ops[k], inner)) return false;
  }
  return true;
}

bool same_op(const ir::Module& m, const ir::Op& a, const ir::Op& b, Pairing& inner) {
  if (a.name != b.name || a.operands.size() != b.operands.size() ||
      a.results.size() != b.results.size() || a.regions.size() != b.regions.size() ||
      !same_attributes(a.attributes, b.attributes))
    return false;
  for (size_t i = 0; i < a.operands.size(); ++i) {
    auto it = inner.find(b.operands[i]);
    if ((it == inner.end() ? b.operands[i] : it->second) != a.operands[i]) return false;
  }
  for (size_t i = 0; i < a.results.size(); ++i) {
    if (!(m.values[a.results[i]] == m.values[b.results[i]])) return false;
    if (!a.regions.empty() || !inner.empty()) inner[b.results[i]] = a.results[i];
  }
  for (size_t i = 0; i < a.regions.size(); ++i)
    if (!same_region(m, a.regions[i], b.regions[i], inner)) return false;
  return true;
}

// Ops with regions merge when the regions are small computations
// (reduction bodies, sort comparators); loops and branches are left alone.
bool mergeable(const ir::Op& op) {
  if (op.regions.empty()) return is_mergeable(op);
  const std::string& n = op.name;
  bool small = n == "stablehlo.reduce" || n == "stablehlo.reduce_window" ||
               n == "stablehlo.sort" || n == "stablehlo.map";
  return small && is_removable(op);
}

}  // namespace

bool cse(ir::Module& m) {
  bool changed = false;
  // Renaming as we go lets a merge enable the next one in the same sweep.
  std::unordered_map<ir::ValueId, ir::ValueId> renamed;
  auto resolve = [&](ir::ValueId v) {
    auto it = renamed.find(v);
    return it == renamed.end() ? v : it->second;
  };
  for_each_block(m, [&](ir::Block& block) {
    std::unordered_multimap<size_t, size_t> seen;  // key -> index of an earlier op
    std::vector<ir::Op> kept;
    kept.reserve(block.ops.size());
    for (ir::Op& op : block.ops) {
      for (ir::ValueId& v : op.operands) v = resolve(v);
      if (mergeable(op)) {
        size_t k = key_of(op);
        auto [lo, hi] = seen.equal_range(k);
        const ir::Op* earlier = nullptr;
        for (auto it = lo; it != hi && !earlier; ++it)
          if (Pairing inner; same_op(m, kept[it->second], op, inner)) earlier = &kept[it->second];
        if (earlier) {
          for (size_t i = 0; i < op.results.size(); ++i) renamed[op.results[i]] = earlier->results[i];
          changed = true;
          continue;
        }
        seen.emplace(k, kept.size());
      }
      kept.push_back(std::move(op));
    }
    block.ops = std::move(kept);
  });
  // Reads in nested blocks visited before a rename was known.
  if (changed) {
    Rewriter rw(m);
    for (auto [from, to] : renamed) rw.replace_uses(from, to);
    rw.apply();
  }
  return changed;
}

}  // namespace applejax::passes
