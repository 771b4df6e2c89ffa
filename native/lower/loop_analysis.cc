#include "lower/loop_analysis.h"

#include <unordered_set>

#include "lower/host_callback.h"
#include "lower/indexing.h"
#include "lower/threefry.h"

namespace applejax::lower {
namespace {

// Calls nest no deeper than this in real programs; a deeper (or recursive)
// chain is treated as untraceable rather than followed.
constexpr int kMaxCallDepth = 64;

const ir::Function* callee(const ir::Op& op, const ir::Module& module) {
  const ir::Attribute* name = op.attr("callee");
  return name ? module.find_function(name->s) : nullptr;
}

bool traceable(const ir::Region& region, const ir::Module& module, std::string* why, int depth) {
  if (depth > kMaxCallDepth) {
    *why = "calls nest deeper than " + std::to_string(kMaxCallDepth);
    return false;
  }
  auto blocked = [&](const ir::Op& op, const std::string& what) {
    *why = what + " (" + op.name + (op.loc.text.empty() ? "" : " at " + op.loc.text) + ")";
    return false;
  };
  for (const ir::Block& block : region.blocks) {
    for (const ir::Op& op : block.ops) {
      if (op.name == "stablehlo.while") return blocked(op, "a nested while loop");
      if (op.name == "stablehlo.scatter" && scatter_reads_host(op))
        return blocked(op, "a scatter that resolves colliding indices on the host");
      if (is_host_callback(op)) return blocked(op, "a host callback");
      if (op.name == "stablehlo.custom_call") {
        const ir::Attribute* effects = op.attr("has_side_effect");
        if (effects && effects->kind == ir::Attribute::Kind::kBool && effects->b)
          return blocked(op, "a custom call with side effects");
      }
      if (op.name == "func.call") {
        const ir::Function* fn = callee(op, module);
        if (!fn) return blocked(op, "a call to an unknown function");
        if (!is_threefry2x32(*fn) && !traceable(fn->body, module, why, depth + 1)) return false;
      }
      for (const ir::Region& r : op.regions)
        if (!traceable(r, module, why, depth + 1)) return false;
    }
  }
  return true;
}

size_t count_ops(const ir::Region& region, const ir::Module& module, int depth) {
  if (depth > kMaxCallDepth) return 0;
  size_t n = 0;
  for (const ir::Block& block : region.blocks) {
    for (const ir::Op& op : block.ops) {
      ++n;
      if (op.name == "func.call")
        if (const ir::Function* fn = callee(op, module); fn && !is_threefry2x32(*fn))
          n += count_ops(fn->body, module, depth + 1);
      for (const ir::Region& r : op.regions) n += count_ops(r, module, depth + 1);
    }
  }
  return n;
}

void collect_outer(const ir::Region& region, std::unordered_set<ir::ValueId>& defined,
                   std::unordered_set<ir::ValueId>& seen, std::vector<ir::ValueId>& out) {
  for (const ir::Block& block : region.blocks) {
    defined.insert(block.arguments.begin(), block.arguments.end());
    for (const ir::Op& op : block.ops) {
      for (ir::ValueId v : op.operands)
        if (!defined.count(v) && seen.insert(v).second) out.push_back(v);
      for (const ir::Region& r : op.regions) collect_outer(r, defined, seen, out);
      defined.insert(op.results.begin(), op.results.end());
    }
  }
}

}  // namespace

bool traceable_in_graph(const ir::Region& region, const ir::Module& module, std::string* why) {
  std::string ignored;
  return traceable(region, module, why ? why : &ignored, 0);
}

size_t lowered_op_count(const ir::Region& region, const ir::Module& module) {
  return count_ops(region, module, 0);
}

std::vector<ir::ValueId> outer_values(const ir::Op& op) {
  std::unordered_set<ir::ValueId> defined, seen;
  std::vector<ir::ValueId> out;
  for (const ir::Region& r : op.regions) collect_outer(r, defined, seen, out);
  return out;
}

std::vector<ir::ValueId> outer_values(const ir::Region& region) {
  std::unordered_set<ir::ValueId> defined, seen;
  std::vector<ir::ValueId> out;
  collect_outer(region, defined, seen, out);
  return out;
}

}  // namespace applejax::lower
