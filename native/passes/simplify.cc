// simplify: the no-op wrappers and identities JAX emits, removed so the
// fusion patterns see one canonical form.
//   broadcast_in_dim / reshape / convert / transpose to the same type  -> operand
//   broadcast_in_dim(broadcast_in_dim(x))                               -> one broadcast
//   reshape(reshape(x))                                                 -> one reshape
//   x * 1, x + 0 (integers), max(x, -inf), min(x, +inf), and(x, true),
//   or(x, false), select(constant predicate, a, b)                      -> x, a or b
//   select(p, true, false)                                              -> p
//   convert(convert(x)) of a float8/float4 x through a type holding all
//   of its values, back to x's type                                     -> x
// Each is exact: x * 1 keeps NaN and the sign of zero; x + 0 is only taken
// for integers because -0.0 + 0.0 is +0.0.
#include <cmath>
#include <limits>
#include <numeric>

#include "lower/narrow_format.h"
#include "lower/region_patterns.h"
#include "passes/match.h"
#include "passes/pass.h"
#include "passes/rewriter.h"

namespace applejax::passes {
namespace {

bool is_identity(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return true;
}

// The operand a binary op reduces to when its other operand is the splat
// `unit` (both orders when commutative); nullopt otherwise.
std::optional<ir::ValueId> drops_unit(const Uses& u, const ir::Op& op, double unit,
                                      bool commutative) {
  if (op.operands.size() != 2) return std::nullopt;
  const ir::Type& out = u.type(op.results[0]);
  for (int side = 0; side < (commutative ? 2 : 1); ++side) {
    ir::ValueId keep = op.operands[side], other = op.operands[1 - side];
    std::optional<double> s = splat_value(u, other);
    if (s && *s == unit && u.type(keep) == out) return keep;
  }
  return std::nullopt;
}

// Whether `wide` holds every value of the narrow float `t` exactly.
bool holds_all(ir::ElementType wide, ir::ElementType t) {
  using E = ir::ElementType;
  const lower::NarrowFloat* f = lower::narrow_float(t);
  if (!f) return false;
  return wide == E::kF32 || wide == E::kF64 || wide == E::kBF16 ||
         (wide == E::kF16 && !f->stored_as_f32());
}

std::optional<ir::ValueId> identity_of(const Uses& u, const ir::Op& op) {
  if (op.results.size() != 1 || op.operands.empty()) return std::nullopt;
  const ir::Type& out = u.type(op.results[0]);
  const std::string& n = op.name;
  if (n == "stablehlo.convert") {
    // XLA folds the round trip, so NaN payloads survive it there; so here.
    const ir::Op* inner = def_is(u, op.operands[0], "stablehlo.convert");
    if (inner && !inner->operands.empty() && u.type(inner->operands[0]) == out &&
        holds_all(u.type(op.operands[0]).element, out.element))
      return inner->operands[0];
  }
  if (n == "stablehlo.reshape" || n == "stablehlo.convert")
    return u.type(op.operands[0]) == out ? std::optional(op.operands[0]) : std::nullopt;
  if (n == "stablehlo.broadcast_in_dim") {
    const ir::Attribute* d = op.attr("broadcast_dimensions");
    if (d && u.type(op.operands[0]) == out && is_identity(d->ints())) return op.operands[0];
    return std::nullopt;
  }
  if (n == "stablehlo.transpose") {
    const ir::Attribute* p = op.attr("permutation");
    if (p && u.type(op.operands[0]) == out && is_identity(p->ints())) return op.operands[0];
    return std::nullopt;
  }
  bool is_float = ir::is_float(out.element), is_int = ir::is_integer(out.element);
  bool is_bool = out.element == ir::ElementType::kI1;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (n == "stablehlo.multiply" && (is_float || is_int)) return drops_unit(u, op, 1, true);
  if ((n == "stablehlo.add") && is_int) return drops_unit(u, op, 0, true);
  if ((n == "stablehlo.subtract") && is_int) return drops_unit(u, op, 0, false);
  // maximum propagates NaN in StableHLO, so max(x, -inf) is x for every x.
  if (n == "stablehlo.maximum" && is_float) return drops_unit(u, op, -kInf, true);
  if (n == "stablehlo.minimum" && is_float) return drops_unit(u, op, kInf, true);
  if (n == "stablehlo.and" && is_bool) return drops_unit(u, op, 1, true);
  if (n == "stablehlo.or" && is_bool) return drops_unit(u, op, 0, true);
  // select(p, true, false) is p itself (jnp.tril of ones, JAX's masks).
  if (n == "stablehlo.select" && op.operands.size() == 3 && is_bool && u.type(op.operands[0]) == out) {
    std::optional<double> a = splat_value(u, op.operands[1]), b = splat_value(u, op.operands[2]);
    if (a && b && *a == 1 && *b == 0) return op.operands[0];
  }
  if (n == "stablehlo.select" && op.operands.size() == 3 &&
      u.type(op.operands[0]).element == ir::ElementType::kI1) {
    std::optional<double> c = splat_value(u, op.operands[0]);
    if (!c) return std::nullopt;
    ir::ValueId pick = *c != 0 ? op.operands[1] : op.operands[2];
    if (u.type(pick) == out) return pick;
  }
  return std::nullopt;
}

// broadcast_in_dim of a broadcast_in_dim, as one op: operand dim i lands
// where the inner op put it and the outer op then moved it.
std::optional<ir::Op> merged_chain(const Uses& u, const ir::Op& op) {
  if (op.results.size() != 1 || op.operands.size() != 1) return std::nullopt;
  if (op.name == "stablehlo.broadcast_in_dim") {
    const ir::Op* inner = def_is(u, op.operands[0], "stablehlo.broadcast_in_dim");
    const ir::Attribute* outer_dims = op.attr("broadcast_dimensions");
    const ir::Attribute* inner_dims = inner ? inner->attr("broadcast_dimensions") : nullptr;
    if (!outer_dims || !inner_dims) return std::nullopt;
    std::vector<int64_t> o = outer_dims->ints(), i = inner_dims->ints(), d;
    for (int64_t k : i) {
      if (k < 0 || k >= static_cast<int64_t>(o.size())) return std::nullopt;
      d.push_back(o[k]);
    }
    ir::Op merged = make_op(op.name, {inner->operands[0]}, op.results, op);
    merged.attributes = op.attributes;
    for (auto& [name, value] : merged.attributes)
      if (name == "broadcast_dimensions") value = ints_attr(d);
    return merged;
  }
  if (op.name == "stablehlo.reshape") {
    const ir::Op* inner = def_is(u, op.operands[0], "stablehlo.reshape");
    if (!inner) return std::nullopt;
    ir::Op merged = make_op(op.name, {inner->operands[0]}, op.results, op);
    merged.attributes = op.attributes;
    return merged;
  }
  return std::nullopt;
}

// A one-operand reduce whose init is its body's identity (0 for add, -inf
// for max, ...): marked so the lowering skips combining with the init, an
// extra kernel per reduction on the GPU. The mark is a discardable
// attribute and changes no value (the sum of -0.0s excepted, which becomes
// -0.0 instead of +0.0 when the init is +0.0; both compare equal).
bool mark_identity_init(const Uses& u, const ir::Op& op) {
  if (op.name != "stablehlo.reduce" || op.operands.size() != 2 || op.regions.size() != 1 ||
      op.attr("applejax.init_is_identity"))
    return false;
  const std::string body = lower::binary_body(op.regions[0]);
  std::optional<double> init = splat_value(u, op.operands[1]);
  const ir::Type& t = u.type(op.operands[1]);
  if (!init || !t.is_tensor()) return false;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  bool fl = ir::is_float(t.element);
  if (body == "stablehlo.add") return *init == 0;
  if (body == "stablehlo.multiply") return *init == 1;
  if (body == "stablehlo.maximum") return fl && *init == -kInf;
  if (body == "stablehlo.minimum") return fl && *init == kInf;
  if (body == "stablehlo.and") return t.element == ir::ElementType::kI1 && *init == 1;
  if (body == "stablehlo.or") return t.element == ir::ElementType::kI1 && *init == 0;
  return false;
}

}  // namespace

bool simplify(ir::Module& m) {
  // Each round sees the last round's merges; chains are short.
  return rewrite_each_op(m, 8, [](const Uses& u, Rewriter& rw, const ir::Op& op) {
    if (std::optional<ir::ValueId> same = identity_of(u, op)) {
      rw.replace_uses(op.results[0], *same);
      rw.erase(&op);
    } else if (mark_identity_init(u, op)) {
      ir::Op marked = op;
      ir::Attribute unit;
      unit.kind = ir::Attribute::Kind::kUnit;
      marked.attributes.emplace_back("applejax.init_is_identity", unit);
      std::vector<ir::Op> ops;
      ops.push_back(std::move(marked));
      rw.replace(&op, std::move(ops));
    } else if (std::optional<ir::Op> merged = merged_chain(u, op)) {
      std::vector<ir::Op> ops;
      ops.push_back(std::move(*merged));
      rw.replace(&op, std::move(ops));
    }
  });
}

}  // namespace applejax::passes
