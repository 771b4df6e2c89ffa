// Ops that move data without arithmetic: broadcast, reshape, transpose,
// slicing, concatenation, padding, reversal.
#include <algorithm>
#include <numeric>

#include <mlx/ops.h>

#include "lower/dilation.h"
#include "lower/chunk_rows.h"
#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/shape_rules.h"

namespace applejax::lower {
namespace {

std::vector<int> to_int(const std::vector<int64_t>& v) {
  return std::vector<int>(v.begin(), v.end());
}

Values broadcast_in_dim(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  mx::Shape out = result_shape(em, op);
  std::vector<int64_t> dims = int_list(op, "broadcast_dimensions");
  const mx::array& x = in[0];
  if (dims.size() != x.shape().size())
    fail(op, "broadcast_dimensions has " + std::to_string(dims.size()) +
                 " entries for an operand of rank " +
                 std::to_string(x.ndim()));
  std::vector<bool> taken(out.size(), false);
  for (int64_t d : dims) {
    if (d < 0 || d >= static_cast<int64_t>(out.size()) || taken[d])
      fail(op, "broadcast_dimensions must name distinct dimensions of the rank-" +
                   std::to_string(out.size()) + " result");
    taken[d] = true;
  }
  // Place each operand dim at its target position (size 1 elsewhere), in the
  // operand's order; a transpose first if the dims are not increasing.
  std::vector<int> order(dims.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return dims[a] < dims[b]; });
  // Trailing dims broadcast as numpy does without a reshape: a scalar stays
  // 0-d, which mlx::core::compile keeps as a scalar operand of a fused
  // kernel (a [1] one makes it index as a broadcast, measurably slower on
  // the GPU).
  bool trailing = true;
  for (size_t i = 0; i < dims.size(); ++i)
    trailing = trailing && dims[i] == static_cast<int64_t>(out.size() - dims.size() + i);
  if (trailing) return {x.shape() == out ? x : mx::broadcast_to(x, out, s)};
  mx::array y = x;
  if (!std::is_sorted(dims.begin(), dims.end())) y = mx::transpose(x, order, s);
  mx::Shape staged(out.size(), 1);
  for (size_t i = 0; i < order.size(); ++i)
    staged[dims[order[i]]] = x.shape()[order[i]];
  if (y.shape() != staged) y = mx::reshape(y, staged, s);
  return {y.shape() == out ? y : mx::broadcast_to(y, out, s)};
}

Values reshape(Emitter& em, const ir::Op& op, const Values& in) {
  return {mx::reshape(in[0], result_shape(em, op), em.stream())};
}

Values transpose(Emitter& em, const ir::Op& op, const Values& in) {
  std::vector<int64_t> perm = int_list(op, "permutation");
  // Checked before narrowing: a damaged 2^32 + 1 must not become axis 1.
  if (perm.size() != in[0].ndim())
    fail(op, "permutation has " + std::to_string(perm.size()) + " entries for an operand of rank " +
                 std::to_string(in[0].ndim()));
  check_axes(op, "permutation", perm, in[0].ndim());
  return {mx::transpose(in[0], to_int(perm), em.stream())};
}

Values slice(Emitter& em, const ir::Op& op, const Values& in) {
  const mx::array& x = in[0];
  const size_t rank = x.ndim();
  std::vector<int64_t> start = int_list(op, "start_indices");
  std::vector<int64_t> limit = int_list(op, "limit_indices");
  std::vector<int64_t> strides = int_list(op, "strides");
  if (strides.empty()) strides.assign(rank, 1);
  // StableHLO's rules; MLX divides by the stride and trusts the bounds.
  if (start.size() != rank || limit.size() != rank || strides.size() != rank)
    fail(op, "start_indices, limit_indices and strides must have one entry per operand axis");
  check_range(op, "strides", strides, 1);
  for (size_t d = 0; d < rank; ++d)
    if (start[d] < 0 || start[d] > limit[d] || limit[d] > x.shape(static_cast<int>(d)))
      fail(op, "the slice [" + std::to_string(start[d]) + ", " + std::to_string(limit[d]) +
                   ") of axis " + std::to_string(d) + " is not inside the operand");
  return {mx::slice(x, to_shape(start), to_shape(limit), to_shape(strides), em.stream())};
}

// Start indices are clamped so the slice stays in bounds, as StableHLO says.
// That needs one start and one size per operand axis, each size inside its
// axis (the verifier's rules; MLX's dynamic slices do not check bounds).
std::vector<mx::array> clamped_starts(Emitter& em, const ir::Op& op, const mx::array& operand,
                                      const mx::Shape& sizes,
                                      const Values& starts) {
  auto s = em.stream();
  if (starts.size() != operand.ndim() || sizes.size() != operand.ndim())
    fail(op, "it needs one start index and one size per operand axis");
  for (size_t i = 0; i < sizes.size(); ++i)
    if (sizes[i] < 0 || sizes[i] > operand.shape()[i])
      fail(op, "the slice is larger than the operand along axis " + std::to_string(i));
  std::vector<mx::array> out;
  for (size_t i = 0; i < starts.size(); ++i) {
    int hi = operand.shape()[i] - sizes[i];
    out.push_back(mx::clip(mx::astype(starts[i], mx::int32, s),
                           mx::array(0), mx::array(hi), s));
  }
  return out;
}

Values dynamic_slice(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  if (in.empty()) fail(op, "dynamic_slice needs an operand");
  mx::Shape sizes = to_shape(int_list(op, "slice_sizes"));
  if (ChunkRows* rows = em.chunk_rows())
    if (auto row = rows->read(in, sizes)) return {*row};
  Values starts(in.begin() + 1, in.end());
  auto clamped = clamped_starts(em, op, in[0], sizes, starts);
  std::vector<int> axes(clamped.size());
  std::iota(axes.begin(), axes.end(), 0);
  mx::array start = clamped.empty() ? mx::array({}, mx::int32)
                                    : mx::stack(clamped, s);
  return {mx::slice(in[0], start, axes, sizes, s)};
}

Values dynamic_update_slice(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  if (in.size() < 2) fail(op, "dynamic_update_slice needs an operand and an update");
  if (ChunkRows* rows = em.chunk_rows())
    if (rows->write(in)) return {in[0]};
  const mx::array& update = in[1];
  Values starts(in.begin() + 2, in.end());
  auto clamped = clamped_starts(em, op, in[0], update.shape(), starts);
  std::vector<int> axes(clamped.size());
  std::iota(axes.begin(), axes.end(), 0);
  mx::array start = clamped.empty() ? mx::array({}, mx::int32)
                                    : mx::stack(clamped, s);
  return {mx::slice_update(in[0], update, start, axes, s)};
}

Values concatenate(Emitter& em, const ir::Op& op, const Values& in) {
  int64_t dim = int_attr(op, "dimension");
  if (in.empty() || dim < 0 || dim >= static_cast<int64_t>(in[0].ndim()))
    fail(op, "concatenate dimension out of range");
  return {mx::concatenate(in, static_cast<int>(dim), em.stream())};
}

Values reverse(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  mx::array x = in[0];
  std::vector<int64_t> dims = int_list(op, "dimensions");
  check_axes(op, "dimensions", dims, x.ndim());
  for (int64_t d : dims) {
    int n = x.shape()[d];
    if (n <= 1) continue;
    mx::Shape start(x.ndim(), 0), stop = x.shape(), step(x.ndim(), 1);
    start[d] = n - 1;
    stop[d] = -n - 1;
    step[d] = -1;
    x = mx::slice(x, start, stop, step, s);
  }
  return {x};
}

Values pad(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  auto lo = int_list(op, "edge_padding_low");
  auto hi = int_list(op, "edge_padding_high");
  auto interior = int_list(op, "interior_padding");
  mx::array x = in[0];
  mx::array value = mx::astype(in[1], x.dtype(), s);
  check_pad(op, x.shape(), lo, hi, interior);
  const int rank = static_cast<int>(x.ndim());
  // Negative edge padding crops the dilated operand, and may crop into the
  // interior padding or the other edge's padding. Keep only the operand
  // elements that land in the result and re-derive the (then non-negative)
  // edges, so no intermediate is larger than the result: dilating first and
  // cropping after could allocate gigabytes for a small result. All in
  // int64, from the values check_pad bounded.
  mx::Shape first(rank), last(rank), strides(rank);
  mx::Shape low(rank), high(rank);
  bool empty = false;
  for (int d = 0; d < rank; ++d) {
    const int64_t n = x.shape(d), step = interior[d] + 1;
    const int64_t extent = lo[d] + dilated_extent(n, step) + hi[d];
    // Element i lands at lo + i * step; keep those in [0, extent).
    int64_t i0 = lo[d] >= 0 ? 0 : (-lo[d] + step - 1) / step;
    int64_t i1 = extent - 1 - lo[d] < 0 ? 0 : std::min(n, (extent - 1 - lo[d]) / step + 1);
    i0 = std::min(i0, n);
    if (i1 <= i0) {
      empty = true;
      continue;
    }
    const int64_t at = lo[d] + i0 * step;
    first[d] = static_cast<int>(i0);
    last[d] = static_cast<int>(i1);
    strides[d] = static_cast<int>(step);
    low[d] = static_cast<int>(at);
    high[d] = static_cast<int>(extent - at - dilated_extent(i1 - i0, step));
  }
  if (empty) return {mx::full(result_shape(em, op), value, x.dtype(), s)};
  x = mx::slice(x, first, last, s);
  bool any_interior = std::any_of(strides.begin(), strides.end(), [](int v) { return v > 1; });
  if (any_interior) {
    // Scatter the operand into a strided view of a filled array.
    mx::Shape dilated(rank);
    for (int d = 0; d < rank; ++d) dilated[d] = static_cast<int>(dilated_extent(x.shape(d), strides[d]));
    mx::array base = mx::full(dilated, value, x.dtype(), s);
    x = mx::slice_update(base, x, mx::Shape(rank, 0), dilated, strides, s);
  }
  std::vector<int> axes(rank);
  std::iota(axes.begin(), axes.end(), 0);
  return {mx::pad(x, axes, low, high, value, "constant", s)};
}

Values identity(Emitter&, const ir::Op&, const Values& in) { return in; }

// shard_alike's marker that its operands share a sharding: nothing to do on
// one device, and it has no results.
Values sharding_group(Emitter&, const ir::Op& op, const Values&) {
  if (!op.results.empty()) fail(op, "sdy.sharding_group with results");
  return {};
}

// jaxlib serialises Shardy ops (sdy.sharding_constraint, e.g. on typed PRNG
// keys) as they are, bracketed by builtin.unrealized_conversion_casts between
// VHLO and builtin tensor types. Both types read as the same ir::Type, and
// with one device a sharding changes nothing, so each op passes its operands
// through; anything that would change a type is refused.
Values same_type_pass_through(Emitter& em, const ir::Op& op, const Values& in) {
  if (op.results.size() != in.size()) {
    fail(op, "expected one result per operand, got " + std::to_string(op.results.size()) +
                 " results for " + std::to_string(in.size()) + " operands");
  }
  for (size_t i = 0; i < in.size(); ++i) {
    if (!(em.type_of(op.operands[i]) == em.type_of(op.results[i]))) {
      fail_unsupported(op, "a cast that changes the type of operand " + std::to_string(i));
    }
  }
  return in;
}

}  // namespace

void register_shape(Registry& r) {
  r.add("stablehlo.broadcast_in_dim", broadcast_in_dim);
  r.add("stablehlo.reshape", reshape);
  r.add("stablehlo.transpose", transpose);
  r.add("stablehlo.slice", slice);
  r.add("stablehlo.dynamic_slice", dynamic_slice);
  r.add("stablehlo.dynamic_update_slice", dynamic_update_slice);
  r.add("stablehlo.concatenate", concatenate);
  r.add("stablehlo.reverse", reverse);
  r.add("stablehlo.pad", pad);
  r.add("stablehlo.optimization_barrier", identity);
  r.add("builtin.unrealized_conversion_cast", same_type_pass_through);
  r.add("sdy.sharding_constraint", same_type_pass_through);
  r.add("sdy.sharding_group", sharding_group);
}

}  // namespace applejax::lower
