// Edits to a module, collected while matching and applied at once.
//
// Blocks hold their ops by value (ir.h), so a rewrite that inserted as it
// went would leave every Op* a matcher holds dangling. Matchers run on the
// unchanged module; apply() then rebuilds each block once and renames
// operands everywhere.
#pragma once

#include <functional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ir/ir.h"

namespace applejax::passes {

class Rewriter {
 public:
  explicit Rewriter(ir::Module& m) : module_(m) {}

  ir::Module& module() { return module_; }
  ir::ValueId new_value(ir::Type t) { return module_.add_value(std::move(t)); }

  // Puts `ops` where `root` is, instead of it. To keep the meaning, the
  // last of them defines root's result ids.
  void replace(const ir::Op* root, std::vector<ir::Op> ops);
  void erase(const ir::Op* op);
  // Every read of `from` reads `to` instead (`to` must dominate the reads).
  void replace_uses(ir::ValueId from, ir::ValueId to);
  bool touched(const ir::Op* op) const {
    return replaced_.count(op) != 0 || erased_.count(op) != 0;
  }
  bool empty() const { return replaced_.empty() && erased_.empty() && renamed_.empty(); }

  // Applies every edit; returns whether there were any.
  bool apply();

 private:
  void rebuild(ir::Region& region);
  void rename(ir::Region& region);
  ir::ValueId resolve(ir::ValueId v) const;

  ir::Module& module_;
  std::unordered_map<const ir::Op*, std::vector<ir::Op>> replaced_;
  std::unordered_set<const ir::Op*> erased_;
  std::unordered_map<ir::ValueId, ir::ValueId> renamed_;
};

// Builds an op; its location is `where`'s, so errors in a fused op still
// name the user's line.
ir::Op make_op(std::string name, std::vector<ir::ValueId> operands,
               std::vector<ir::ValueId> results, const ir::Op& where);
// An attribute holding a float, an integer list, or a string.
ir::Attribute float_attr(double v);
ir::Attribute ints_attr(const std::vector<int64_t>& v);
ir::Attribute string_attr(std::string s);
// A splat constant's value attribute: one element of type t.element.
// Returns false when the value cannot be written exactly in that type.
bool splat_attr(const ir::Type& t, double v, ir::Attribute* out);

class Uses;

// Rounds of f(uses, rewriter, op) over every op of every block, each round
// on a fresh def-use view, until a round changes nothing (at most
// `rounds`). Returns whether any did.
bool rewrite_each_op(ir::Module& m, int rounds,
                     const std::function<void(const Uses&, Rewriter&, const ir::Op&)>& f);

// Calls f(block) on every block of the module, nested ones included,
// outer blocks first.
template <typename F>
void for_each_block(ir::Region& region, F&& f) {
  for (ir::Block& b : region.blocks) {
    f(b);
    for (ir::Op& op : b.ops)
      for (ir::Region& r : op.regions) for_each_block(r, f);
  }
}
template <typename F>
void for_each_block(ir::Module& m, F&& f) {
  for (ir::Function& fn : m.functions) for_each_block(fn.body, f);
}

}  // namespace applejax::passes
