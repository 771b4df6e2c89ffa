// custom_call @ApproxTopK: jax.lax.approx_max_k / approx_min_k off TPU.
//
// JAX sends (values, iota along reduction_dim, init value, init index) with
// a comparator function (compare GT for max, LT for min) and
// mhlo.backend_config {top_k, reduction_dim, recall_target,
// aggregate_to_topk, reduction_input_size_override, is_fallback}. XLA's
// fallback, which its CPU backend runs, is exact, and so is this one: the
// result keeps the declared number of elements along reduction_dim (top_k,
// or XLA's approximate output size without aggregate_to_topk), ordered
// best first. recall_target and the size override only shape that declared
// size, which the result type already carries.
//
// XLA computes one element as a fold over the dimension, acc = cmp(acc, x)
// ? acc : x from the init values, and more by sorting with the comparator.
// The fold is reproduced exactly: the last of equal values wins, and a NaN,
// which compares false both ways, restarts the fold (first_by_fold). The
// sort is reproduced as a stable one, so equal values come in index order;
// XLA's CPU sort is not stable, and rows longer than 16 elements can order
// ties differently there (values agree; indices name equal values). NaNs
// come last here, where XLA's unstable sort leaves them wherever its
// comparisons, all false, happen to.
#include <mlx/ops.h>

#include <cmath>
#include <limits>
#include <string>

#include "lower/emitter.h"
#include "lower/errors.h"

namespace applejax::lower {
namespace {

// True for a comparator `compare GT, %arg0, %arg1` (max), false for LT
// (min); anything else is refused.
bool comparator_is_max(const Emitter& em, const ir::Op& op) {
  const ir::Attribute* called = op.attr("called_computations");
  const ir::Function* fn = nullptr;
  if (called && called->kind == ir::Attribute::Kind::kArray && called->array.size() == 1)
    fn = em.module().find_function(called->array[0].s);
  if (!fn || fn->body.blocks.size() != 1)
    fail(op, "ApproxTopK needs its comparator function in called_computations");
  const ir::Block& body = fn->body.blocks[0];
  for (const ir::Op& inner : body.ops) {
    if (inner.name != "stablehlo.compare") continue;
    const ir::Attribute* dir = inner.attr("comparison_direction");
    bool args_in_order = body.arguments.size() == 4 && inner.operands.size() == 2 &&
                         inner.operands[0] == body.arguments[0] &&
                         inner.operands[1] == body.arguments[1];
    if (dir && args_in_order && (dir->s == "GT" || dir->s == "LT")) return dir->s == "GT";
    break;
  }
  fail_unsupported(op, "ApproxTopK with a comparator other than compare GT or LT of the two "
                       "values (the forms jax.lax.approx_max_k and approx_min_k emit)");
}

int64_t config_int(const ir::Op& op, std::string_view key) {
  const ir::Attribute* cfg = op.attr("mhlo.backend_config");
  const ir::Attribute* v = cfg && cfg->kind == ir::Attribute::Kind::kDictionary ? cfg->get(key) : nullptr;
  if (!v || v->kind != ir::Attribute::Kind::kInteger)
    fail(op, "ApproxTopK without the integer '" + std::string(key) + "' in mhlo.backend_config");
  return v->i;
}

// Position of XLA's fold result along `axis` (keepdims), for rows of n > 0
// elements. After the last NaN at position p, the fold restarts at p + 1:
// if p is the last position the NaN itself is the result, else the best
// value after p, the last one of equals.
mx::array first_by_fold(const mx::array& x, int axis, bool is_max, mx::StreamOrDevice s) {
  const int n = x.shape(axis);
  mx::Shape iota_shape(x.ndim(), 1);
  iota_shape[axis] = n;
  mx::array pos = mx::broadcast_to(mx::reshape(mx::arange(n, mx::int32, s), iota_shape, s),
                                   x.shape(), s);
  mx::array none(-1, mx::int32);
  mx::array last_nan = mx::max(mx::where(mx::isnan(x, s), pos, none, s), axis, true, s);
  mx::array after = mx::greater(pos, last_nan, s);
  double worst = is_max ? -std::numeric_limits<double>::infinity()
                        : std::numeric_limits<double>::infinity();
  mx::array masked = mx::where(after, x, mx::array(worst, x.dtype()), s);
  mx::array best = is_max ? mx::max(masked, axis, true, s) : mx::min(masked, axis, true, s);
  mx::array hit = mx::logical_and(after, mx::equal(x, best, s), s);
  mx::array at = mx::max(mx::where(hit, pos, none, s), axis, true, s);
  return mx::where(mx::equal(last_nan, mx::array(n - 1, mx::int32), s), last_nan, at, s);
}

// Positions along `axis` of the stable best-first order (NaNs last).
mx::array stable_order(const mx::array& x, int axis, bool is_max, mx::StreamOrDevice s) {
  // Negating keeps equal values in index order (MLX's sorts are stable),
  // where sorting ascending and reversing would not.
  return mx::argsort(is_max ? mx::negative(x, s) : x, axis, s);
}

Values approx_top_k(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  if (in.size() != 4 || op.results.size() != 2)
    fail_unsupported(op, "ApproxTopK of other than one operand and its indices");
  const mx::array &x = in[0], &idx = in[1];
  if (!mx::issubdtype(x.dtype(), mx::floating))
    fail(op, "ApproxTopK of a non-floating operand (jax.lax.approx_max_k takes floats only)");
  const int rank = static_cast<int>(x.ndim());
  const int64_t dim = config_int(op, "reduction_dim");
  if (dim < 0 || dim >= rank || idx.shape() != x.shape())
    fail(op, "ApproxTopK's reduction_dim or index operand does not match its operand");
  const int axis = static_cast<int>(dim);
  const bool is_max = comparator_is_max(em, op);
  mx::Shape out = result_shape(em, op, 0);
  const int keep = out.size() == x.shape().size() ? out[axis] : -1;
  if (keep < 0 || keep > x.shape(axis))
    fail(op, "ApproxTopK's result is longer along reduction_dim than its operand");
  if (x.shape(axis) == 0)  // the fold of nothing: the init values
    return {mx::broadcast_to(in[2], out, s), mx::broadcast_to(in[3], out, s)};
  mx::array order = keep == 1 ? first_by_fold(x, axis, is_max, s)
                              : stable_order(x, axis, is_max, s);
  if (keep != 1) {
    mx::Shape stop = order.shape();
    stop[axis] = keep;
    order = mx::slice(order, mx::Shape(rank, 0), stop, s);
  }
  return {mx::take_along_axis(x, order, axis, s), mx::take_along_axis(idx, order, axis, s)};
}

}  // namespace

void register_approx_top_k(Registry& r) { r.add(custom_call_key("ApproxTopK"), approx_top_k); }

}  // namespace applejax::lower
