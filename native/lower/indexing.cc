#include "lower/indexing.h"

#include <mlx/ops.h>

namespace applejax::lower {

IndexBatch index_batch(const mx::array& indices, int64_t index_vector_dim, mx::StreamOrDevice s) {
  int rank = static_cast<int>(indices.ndim());
  mx::array v = mx::astype(indices, mx::int32, s);
  if (index_vector_dim == rank) {  // implicit trailing vector of length 1
    v = mx::expand_dims(v, rank, s);
    ++rank;
  }
  std::vector<int> perm;
  IndexBatch ib{v, {}, {}};
  for (int d = 0; d < rank; ++d) {
    if (d == index_vector_dim) continue;
    ib.batch_pos.push_back(static_cast<int>(perm.size()));
    perm.push_back(d);
    ib.batch.push_back(v.shape(d));
  }
  perm.push_back(static_cast<int>(index_vector_dim));
  ib.vectors = mx::transpose(v, perm, s);
  return ib;
}

Positions window_positions(const mx::Shape& operand, const IndexBatch& ib,
                           const std::vector<int64_t>& start_index_map,
                           const std::vector<int64_t>& operand_batching_dims,
                           const std::vector<int64_t>& indices_batching_dims,
                           const std::vector<int64_t>& window, bool clamp, mx::StreamOrDevice s) {
  int nb = static_cast<int>(ib.batch.size());
  int r = static_cast<int>(operand.size());
  // Every term is shaped [batch..., window...] by broadcasting: batch terms
  // get trailing 1s, window terms leading 1s.
  mx::Shape batch_ones = ib.batch;
  for (int i = 0; i < r; ++i) batch_ones.push_back(1);
  mx::array linear = mx::zeros({1}, mx::int32, s);
  mx::array ok = mx::array(true);
  int64_t stride = 1;
  for (int d = r - 1; d >= 0; --d) {
    mx::array start = mx::zeros(ib.batch, mx::int32, s);
    for (size_t k = 0; k < start_index_map.size(); ++k) {
      if (start_index_map[k] != d) continue;
      mx::Shape lo(nb + 1, 0), hi = ib.vectors.shape();
      lo[nb] = static_cast<int>(k);
      hi[nb] = static_cast<int>(k) + 1;
      start = mx::squeeze(mx::slice(ib.vectors, lo, hi, s), {nb}, s);
    }
    for (size_t k = 0; k < operand_batching_dims.size(); ++k) {
      if (operand_batching_dims[k] != d) continue;
      int pos = ib.batch_pos.at(indices_batching_dims[k] < static_cast<int64_t>(ib.batch_pos.size())
                                    ? indices_batching_dims[k]
                                    : indices_batching_dims[k] - 1);
      mx::Shape line(nb, 1);
      line[pos] = ib.batch[pos];
      start = mx::broadcast_to(mx::reshape(mx::arange(ib.batch[pos], mx::int32, s), line, s),
                               ib.batch, s);
    }
    if (clamp)
      start = mx::clip(start, mx::array(0), mx::array(static_cast<int>(operand[d] - window[d])), s);
    mx::Shape wshape(nb + r, 1);
    wshape[nb + d] = static_cast<int>(window[d]);
    mx::array offset = mx::reshape(mx::arange(static_cast<int>(window[d]), mx::int32, s), wshape, s);
    mx::array full = mx::add(mx::reshape(start, batch_ones, s), offset, s);
    if (!clamp)
      ok = mx::logical_and(ok, mx::logical_and(mx::greater_equal(full, mx::array(0), s),
                                               mx::less(full, mx::array(operand[d]), s), s), s);
    linear = mx::add(linear, mx::multiply(full, mx::array(static_cast<int>(stride)), s), s);
    stride *= operand[d];
  }
  return {linear, ok};
}

}  // namespace applejax::lower
