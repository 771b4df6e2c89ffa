// fuse_softmax: jax.nn.softmax and jax.nn.log_softmax onto MLX's softmax
// and logsumexp primitives (one kernel each on the GPU instead of five).
//
// Matched, after inline_calls/simplify/cse, on any set of axes A of x
// (jax.nn.* take `axis`; vmap adds batch axes):
//   m  = reduce(x, init -inf) max over A     e = exp(x - bcast(m))
//   softmax:      e / bcast(reduce(e, init 0) add over A)
//   log_softmax:  (x - bcast(m)) - bcast(log(reduce(exp(x - bcast(m))) add))
// where bcast is broadcast_in_dim of the per-row value back to x's shape
// (with or without keepdims). JAX's `where=` and `initial=` forms differ
// and are left alone.
#include <limits>

#include "passes/fusion.h"
#include "passes/pass.h"

namespace applejax::passes {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

struct Shifted {
  ir::ValueId x;
  std::vector<int64_t> axes;
  std::vector<ir::ValueId> internal;
};

// s = x - bcast(max over A of x): returns x and A.
std::optional<Shifted> shifted_input(const Uses& u, ir::ValueId s) {
  const ir::Op* sub = def_is(u, s, "stablehlo.subtract");
  if (!sub) return std::nullopt;
  ir::ValueId x = sub->operands[0], row_max = sub->operands[1];
  const std::vector<int64_t>& shape = u.type(s).shape;
  const ir::Op* b = def_is(u, row_max, "stablehlo.broadcast_in_dim");
  if (!b || !used_once(u, row_max)) return std::nullopt;
  ir::ValueId m = peel_unit_dims(u, b->operands[0]);
  std::optional<Reduction> r = reduction_of(u, m, "stablehlo.maximum", kNegInf);
  if (!r || r->input != x || u.count(m) != 1) return std::nullopt;
  if (!broadcast_rows(u, row_max, shape, r->axes)) return std::nullopt;
  return Shifted{x, r->axes, {s, row_max, m}};
}

// bcast(reduce add over A of e), possibly through unit-dim wrappers and
// `inner` (log for log_softmax): returns e.
std::optional<ir::ValueId> row_sum(const Uses& u, ir::ValueId v, const std::vector<int64_t>& shape,
                                   const std::vector<int64_t>& axes, bool through_log,
                                   std::vector<ir::ValueId>& internal) {
  std::optional<ir::ValueId> row = broadcast_rows(u, v, shape, axes);
  if (!row || !used_once(u, v)) return std::nullopt;
  ir::ValueId t = peel_unit_dims(u, *row);
  if (through_log) {
    const ir::Op* log = def_is(u, t, "stablehlo.log");
    if (!log || !used_once(u, t)) return std::nullopt;
    internal.push_back(t);
    t = peel_unit_dims(u, log->operands[0]);
  }
  std::optional<Reduction> r = reduction_of(u, t, "stablehlo.add", 0.0);
  if (!r || r->axes != axes || !used_once(u, t)) return std::nullopt;
  internal.insert(internal.end(), {v, *row, t});
  return r->input;
}

std::optional<Fused> softmax(const Uses& u, const ir::Op& root) {
  if (root.operands.size() != 2) return std::nullopt;
  ir::ValueId e = root.operands[0];
  const ir::Op* exp = def_is(u, e, "stablehlo.exponential");
  if (!exp || u.count(e) != 2) return std::nullopt;
  std::optional<Shifted> s = shifted_input(u, exp->operands[0]);
  if (!s || !used_once(u, exp->operands[0])) return std::nullopt;
  std::vector<ir::ValueId> internal = s->internal;
  std::optional<ir::ValueId> summed =
      row_sum(u, root.operands[1], u.type(e).shape, s->axes, false, internal);
  if (!summed || *summed != e) return std::nullopt;
  internal.push_back(e);
  Fused f;
  ir::Op op = fast_call("softmax", {s->x}, root);
  op.attributes.emplace_back("axes", ints_attr(s->axes));
  f.ops.push_back(std::move(op));
  f.internal = std::move(internal);
  return f;
}

std::optional<Fused> log_softmax(const Uses& u, const ir::Op& root) {
  if (root.operands.size() != 2) return std::nullopt;
  ir::ValueId shifted = root.operands[0];
  std::optional<Shifted> s = shifted_input(u, shifted);
  if (!s || u.count(shifted) != 2) return std::nullopt;
  std::vector<ir::ValueId> internal = s->internal;
  std::optional<ir::ValueId> summed =
      row_sum(u, root.operands[1], u.type(shifted).shape, s->axes, true, internal);
  if (!summed || !used_once(u, *summed)) return std::nullopt;
  const ir::Op* exp = def_is(u, *summed, "stablehlo.exponential");
  if (!exp || exp->operands[0] != shifted) return std::nullopt;
  internal.push_back(*summed);
  Fused f;
  ir::Op op = fast_call("log_softmax", {s->x}, root);
  op.attributes.emplace_back("axes", ints_attr(s->axes));
  f.ops.push_back(std::move(op));
  f.internal = std::move(internal);
  return f;
}

}  // namespace

bool fuse_softmax(ir::Module& m) {
  return fuse_each(m, [](const Uses& u, Rewriter&, const ir::Op& op) -> std::optional<Fused> {
    const ir::Type& t = u.type(op.results[0]);
    if (!t.is_tensor() || !ir::is_float(t.element)) return std::nullopt;
    if (op.name == "stablehlo.divide") return softmax(u, op);
    if (op.name == "stablehlo.subtract") return log_softmax(u, op);
    return std::nullopt;
  });
}

}  // namespace applejax::passes
