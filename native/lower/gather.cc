// stablehlo.gather: windows of the operand at the positions given by a
// batch of index vectors. Starts are clamped so every window fits, as XLA
// does.
#include <mlx/ops.h>

#include <algorithm>

#include "lower/errors.h"
#include "lower/indexing.h"
#include "lower/shape_rules.h"

namespace applejax::lower {
namespace {

Values gather(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  const mx::array &operand = in.at(0), &indices = in.at(1);
  std::vector<int64_t> offset_dims = int_list(op, "offset_dims");
  std::vector<int64_t> collapsed = int_list(op, "collapsed_slice_dims");
  std::vector<int64_t> operand_batching = int_list(op, "operand_batching_dims");
  std::vector<int64_t> indices_batching = int_list(op, "start_indices_batching_dims");
  std::vector<int64_t> start_index_map = int_list(op, "start_index_map");
  std::vector<int64_t> slice_sizes = int_list(op, "slice_sizes");
  int r = static_cast<int>(operand.ndim());
  int64_t index_vector_dim = int_attr(op, "index_vector_dim");
  // The index arithmetic below trusts these; a damaged artifact must not
  // reach it (the compile fuzzer's finds).
  check_index_dims(op, operand.shape(), indices.shape(), index_vector_dim, start_index_map,
                   operand_batching, indices_batching, slice_sizes);
  check_axes(op, "collapsed_slice_dims", collapsed, operand.ndim());
  IndexBatch ib = index_batch(indices, index_vector_dim, s);
  int nb = static_cast<int>(ib.batch.size());
  mx::Shape out_shape = result_shape(em, op);
  Positions p = window_positions(operand.shape(), ib, start_index_map, operand_batching,
                                 indices_batching, slice_sizes, /*clamp=*/true, s);
  mx::array flat = mx::reshape(operand, {-1}, s);
  mx::array picked = operand.size() == 0 ? mx::zeros(p.linear.shape(), operand.dtype(), s)
                                         : mx::take(flat, p.linear, 0, s);
  // [batch..., window...] -> drop collapsed and batching window dims (size 1).
  std::vector<int> drop;
  for (int d = 0; d < r; ++d)
    if (contains(collapsed, d) || contains(operand_batching, d)) drop.push_back(nb + d);
  if (!drop.empty()) picked = mx::squeeze(picked, drop, s);
  // The kept window dims go to offset_dims of the result, batch dims fill
  // the remaining positions in order.
  int out_rank = static_cast<int>(out_shape.size());
  std::vector<int> perm(out_rank, -1);
  int next_window = nb;
  for (int64_t od : offset_dims) perm.at(od) = next_window++;
  int next_batch = 0;
  for (int i = 0; i < out_rank; ++i)
    if (perm[i] < 0) perm[i] = next_batch++;
  if (next_batch != nb || next_window != static_cast<int>(picked.ndim()))
    fail(op, "gather dimension numbers do not match the shapes");
  return {mx::transpose(picked, perm, s)};
}

}  // namespace

void register_gather(Registry& r) { r.add("stablehlo.gather", gather); }

}  // namespace applejax::lower
