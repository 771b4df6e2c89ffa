#include "passes/effects.h"

#include <string_view>

namespace applejax::passes {
namespace {

bool has_effects_by_name(std::string_view n) {
  static constexpr std::string_view kEffects[] = {
      "func.return", "stablehlo.return", "func.call", "stablehlo.rng",
      "stablehlo.infeed", "stablehlo.outfeed", "stablehlo.send", "stablehlo.recv",
      "stablehlo.after_all", "stablehlo.create_token", "stablehlo.optimization_barrier",
      "stablehlo.all_reduce", "stablehlo.all_gather", "stablehlo.reduce_scatter",
      "stablehlo.all_to_all", "stablehlo.collective_permute", "stablehlo.collective_broadcast",
      "stablehlo.partition_id", "stablehlo.replica_id",
  };
  for (std::string_view e : kEffects)
    if (n == e) return true;
  return false;
}

bool custom_call_has_effects(const ir::Op& op) {
  const ir::Attribute* target = op.attr("call_target_name");
  // Our own fused kernels are pure by construction.
  if (target && target->s.starts_with("applejax.fast.")) return false;
  const ir::Attribute* e = op.attr("has_side_effect");
  return e && e->kind == ir::Attribute::Kind::kBool && e->b;
}

}  // namespace

bool is_removable(const ir::Op& op) {
  if (has_effects_by_name(op.name)) return false;
  if (op.name == "stablehlo.custom_call" && custom_call_has_effects(op)) return false;
  if (op.name == "stablehlo.composite") {
    // chlo decompositions are pure math; anything else may wrap effects.
    const ir::Attribute* name = op.attr("name");
    if (!name || !name->s.starts_with("chlo.")) return false;
  }
  for (const ir::Region& r : op.regions)
    for (const ir::Block& b : r.blocks)
      for (const ir::Op& inner : b.ops)
        if (inner.name != "stablehlo.return" && !is_removable(inner)) return false;
  return true;
}

bool is_mergeable(const ir::Op& op) {
  if (!op.regions.empty() || !is_removable(op)) return false;
  // Custom calls other than ours may be stateful without saying so.
  if (op.name == "stablehlo.custom_call") {
    const ir::Attribute* target = op.attr("call_target_name");
    return target && target->s.starts_with("applejax.fast.");
  }
  // rng_bit_generator is a pure function of its state operand.
  return true;
}

}  // namespace applejax::passes
