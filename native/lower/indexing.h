// Index arithmetic shared by gather and scatter: both pick, for every
// element of a batch of index vectors, a window of the operand. Here the
// window positions become linear indices into the flattened operand, so the
// ops themselves reduce to MLX's take and scatter on one axis.
#pragma once

#include <algorithm>
#include <vector>

#include "lower/emitter.h"

namespace applejax::lower {

inline bool contains(const std::vector<int64_t>& dims, int64_t d) {
  return std::find(dims.begin(), dims.end(), d) != dims.end();
}

// Indices reshaped to [batch..., K] with the index vector last.
struct IndexBatch {
  mx::array vectors;           // [batch..., K], int32
  mx::Shape batch;             // the batch shape
  std::vector<int> batch_pos;  // for each dim of the original indices (bar the
                               // index vector dim), its position in `batch`
};

IndexBatch index_batch(const mx::array& indices, int64_t index_vector_dim, mx::StreamOrDevice s);

// Linear indices [batch..., window...] into the flattened operand, where
// window dim d has size window[d] for every operand dim d. Starts come from
// the index vectors (start_index_map) and from the batch position for the
// paired batching dims; when `clamp` is set they are clamped so the window
// fits (gather); otherwise `in_bounds` [batch..., window...] says which
// positions fall inside the operand (scatter skips the others).
struct Positions {
  mx::array linear;
  mx::array in_bounds;
};
Positions window_positions(const mx::Shape& operand, const IndexBatch& ib,
                           const std::vector<int64_t>& start_index_map,
                           const std::vector<int64_t>& operand_batching_dims,
                           const std::vector<int64_t>& indices_batching_dims,
                           const std::vector<int64_t>& window, bool clamp, mx::StreamOrDevice s);

// Whether a scatter runs in host-planned rounds (any body MLX has no
// scatter kernel for, or several operands).
bool scatter_reads_host(const ir::Op& op);

}  // namespace applejax::lower
