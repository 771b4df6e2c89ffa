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

// The axes of x that the max over y (axes of y) becomes when x is
// transpose(y, perm) and the max is transposed the same way:
// jax.nn.dot_product_attention takes the max before moving the heads.
std::optional<std::vector<int64_t>> transposed_axes(const Uses& u, ir::ValueId x, ir::ValueId y_max,
                                                    const ir::Op& max_transpose,
                                                    const Reduction& r) {
  const ir::Op* xt = def_is(u, x, "stablehlo.transpose");
  if (!xt || r.input != xt->operands[0] || r.axes.size() != 1) return std::nullopt;
  const ir::Attribute* p = xt->attr("permutation");
  const ir::Attribute* q = max_transpose.attr("permutation");
  if (!p || !q) return std::nullopt;
  std::vector<int64_t> perm = p->ints(), expected;
  int64_t a = r.axes[0], at = -1;
  for (size_t j = 0; j < perm.size(); ++j) {
    if (perm[j] == a) at = static_cast<int64_t>(j);
    else expected.push_back(perm[j] - (perm[j] > a));
  }
  if (at < 0 || q->ints() != expected || u.count(y_max) != 1) return std::nullopt;
  return std::vector<int64_t>{at};
}

// s = x - bcast(max over A of x): returns x and A.
std::optional<Shifted> shifted_input(const Uses& u, ir::ValueId s) {
  const ir::Op* sub = def_is(u, s, "stablehlo.subtract");
  if (!sub) return std::nullopt;
  ir::ValueId x = sub->operands[0], row_max = sub->operands[1];
  const std::vector<int64_t>& shape = u.type(s).shape;
  const ir::Op* b = def_is(u, row_max, "stablehlo.broadcast_in_dim");
  if (!b || !used_once(u, row_max)) return std::nullopt;
  ir::ValueId m = peel_unit_dims(u, b->operands[0]);
  std::vector<ir::ValueId> internal{s, row_max, m};
  std::vector<int64_t> axes;
  if (const ir::Op* mt = def_is(u, m, "stablehlo.transpose")) {
    ir::ValueId y_max = mt->operands[0];
    std::optional<Reduction> r = reduction_of(u, y_max, "stablehlo.maximum", kNegInf);
    std::optional<std::vector<int64_t>> a = r ? transposed_axes(u, x, y_max, *mt, *r) : std::nullopt;
    if (!a || u.count(m) != 1) return std::nullopt;
    axes = *a;
    internal.push_back(y_max);
  } else {
    std::optional<Reduction> r = reduction_of(u, m, "stablehlo.maximum", kNegInf);
    if (!r || r->input != x || u.count(m) != 1) return std::nullopt;
    axes = r->axes;
  }
  if (!broadcast_rows(u, row_max, shape, axes)) return std::nullopt;
  return Shifted{x, axes, internal};
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
  std::optional<Reduction> r = sum_of(u, t, internal);
  if (!r || r->axes != axes || !used_once(u, t)) return std::nullopt;
  internal.insert(internal.end(), {v, *row, t});
  return r->input;
}

// The fused call: kernel(x) over the axes, in root's place.
Fused over_axes(const char* kernel, const Shifted& s, const ir::Op& root,
                std::vector<ir::ValueId> internal) {
  Fused f;
  ir::Op op = fast_call(kernel, {s.x}, root);
  op.attributes.emplace_back("axes", ints_attr(s.axes));
  f.ops.push_back(std::move(op));
  f.internal = std::move(internal);
  return f;
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
  return over_axes("softmax", *s, root, std::move(internal));
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
  return over_axes("log_softmax", *s, root, std::move(internal));
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
