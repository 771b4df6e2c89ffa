// stablehlo.scatter: combine update windows into the operand at positions
// given by a batch of index vectors. Unlike gather, XLA does not clamp:
// updates falling outside the operand are dropped; here they are sent to
// one spare element past the end, which is cut off afterwards.
//
// Bodies that are one binary op (add, multiply, max, min) or that return
// the update map onto MLX's scatter variants; any other body, and scatters
// of several operands, run in rounds (scatter_general).
#include <mlx/ops.h>

#include <algorithm>
#include <unordered_map>

#include "lower/errors.h"
#include "lower/indexing.h"
#include "lower/shape_rules.h"
#include "lower/region_patterns.h"

namespace applejax::lower {
namespace {

// "replace" for `return b`, else the binary op of the body, else "".
std::string combiner(const ir::Region& body) {
  return returns_second_argument(body) ? "replace" : binary_body(body);
}

// Any update body, any number of operands: updates are applied in rounds,
// round r taking every target's r-th update in update order, so within a
// round targets are distinct and the body runs on whole arrays at once. The
// rounds come from the indices, which are read back to the host.
// Bodies MLX has a scatter kernel for.
bool has_kernel(const std::string& body) {
  return body == "replace" || body == "stablehlo.add" || body == "stablehlo.multiply" ||
         body == "stablehlo.maximum" || body == "stablehlo.minimum";
}

Values scatter_general(Emitter& em, const ir::Op& op, Values flats, const mx::array& idx,
                       const Values& vals, int64_t n) {
  auto s = em.stream();
  // Row-contiguous, so data() holds every element: idx comes from a
  // broadcast, and a copy may keep its zero strides.
  mx::array host_idx = mx::contiguous(mx::astype(idx, mx::int64, s), false, s);
  host_idx.eval();
  const int64_t* target = host_idx.data<int64_t>();
  size_t count = host_idx.size();
  std::unordered_map<int64_t, int32_t> seen;
  std::vector<std::vector<int32_t>> rounds;
  for (size_t i = 0; i < count; ++i) {
    if (target[i] >= n) continue;  // out of bounds: dropped
    int32_t r = seen[target[i]]++;
    if (static_cast<size_t>(r) >= rounds.size()) rounds.emplace_back();
    rounds[r].push_back(static_cast<int32_t>(i));
  }
  size_t k = flats.size();
  for (const auto& chosen : rounds) {
    mx::array pick(chosen.begin(), {static_cast<int>(chosen.size())}, mx::int32);
    mx::array where = mx::take(idx, pick, 0, s);
    Values args;
    for (size_t j = 0; j < k; ++j) args.push_back(mx::take(flats[j], where, 0, s));
    for (size_t j = 0; j < k; ++j) args.push_back(mx::take(vals[j], pick, 0, s));
    Values combined = em.run_region_elementwise(op.regions.at(0), args);
    if (combined.size() != k) fail(op, "the update body returns the wrong number of values");
    for (size_t j = 0; j < k; ++j)
      flats[j] = mx::scatter(flats[j], where,
                             mx::reshape(mx::astype(combined[j], flats[j].dtype(), s), {-1, 1}, s),
                             0, s);
  }
  return flats;
}

Values scatter(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  if (in.size() < 3 || in.size() % 2 == 0) fail(op, "scatter needs operands, indices and as many updates");
  size_t k = in.size() / 2;
  const mx::array &operand = in[0], &indices = in[k], &updates = in[k + 1];
  std::string body = k == 1 ? combiner(op.regions.at(0)) : "";
  std::vector<int64_t> window_dims = int_list(op, "update_window_dims");
  std::vector<int64_t> inserted = int_list(op, "inserted_window_dims");
  std::vector<int64_t> operand_batching = int_list(op, "input_batching_dims");
  std::vector<int64_t> indices_batching = int_list(op, "scatter_indices_batching_dims");
  std::vector<int64_t> to_operand = int_list(op, "scatter_dims_to_operand_dims");
  int r = static_cast<int>(operand.ndim());

  int64_t index_vector_dim = int_attr(op, "index_vector_dim");
  check_axes(op, "update_window_dims", window_dims, updates.ndim());
  check_axes(op, "inserted_window_dims", inserted, operand.ndim());
  // The window: operand dims not inserted/batching take the update window
  // dims in order; the others have size 1.
  std::vector<int64_t> window(r, 1);
  size_t w = 0;
  for (int d = 0; d < r; ++d) {
    if (contains(inserted, d) || contains(operand_batching, d)) continue;
    if (w >= window_dims.size()) fail(op, "scatter dimension numbers do not match the shapes");
    window[d] = updates.shape(static_cast<int>(window_dims[w++]));
  }
  // The index arithmetic below trusts these; a damaged artifact must not
  // reach it. An inserted or batching dim is 1 long in the window only
  // nominally: XLA bounds the update window dims alone, so an operand with
  // such a dim 0 long is legal, and every update into it is dropped.
  std::vector<int64_t> bounded = window;
  for (int d = 0; d < r; ++d)
    if (contains(inserted, d) || contains(operand_batching, d))
      bounded[d] = std::min<int64_t>(bounded[d], operand.shape(d));
  check_index_dims(op, operand.shape(), indices.shape(), index_vector_dim, to_operand,
                   operand_batching, indices_batching, bounded);
  if (operand.size() == 0) return Values(in.begin(), in.begin() + static_cast<long>(k));
  IndexBatch ib = index_batch(indices, index_vector_dim, s);
  Positions p = window_positions(operand.shape(), ib, to_operand, operand_batching,
                                 indices_batching, window, /*clamp=*/false, s);
  // Updates as [batch..., window...]: scatter dims first (in order), then
  // the window dims, with size-1 dims for inserted/batching operand dims.
  int ur = static_cast<int>(updates.ndim());
  std::vector<int> perm;
  for (int i = 0; i < ur; ++i)
    if (!contains(window_dims, i)) perm.push_back(i);
  for (int64_t i : window_dims) perm.push_back(static_cast<int>(i));
  mx::Shape full = ib.batch;
  for (int d = 0; d < r; ++d) full.push_back(static_cast<int>(window[d]));

  int64_t n = static_cast<int64_t>(operand.size());
  mx::array target = mx::where(p.in_bounds, p.linear, mx::array(static_cast<int>(n)), s);
  mx::array idx = mx::reshape(mx::broadcast_to(target, full, s), {-1}, s);
  // Each operand gets one spare element past its end for dropped updates.
  Values flats, vals;
  for (size_t j = 0; j < k; ++j) {
    flats.push_back(mx::concatenate(
        {mx::reshape(in[j], {-1}, s), mx::zeros({1}, in[j].dtype(), s)}, 0, s));
    vals.push_back(mx::reshape(mx::transpose(in[k + 1 + j], perm, s), {-1}, s));
  }
  for (size_t j = 0; j < k; ++j)
    if (vals[j].size() != idx.size())
      fail(op, "update " + std::to_string(j) + " has " + std::to_string(vals[j].size()) +
                   " elements where the dimension numbers make " + std::to_string(idx.size()));
  Values outs = flats;
  if (idx.size() > 0) {
    if (!has_kernel(body)) {
      outs = scatter_general(em, op, flats, idx, vals, n);
    } else {
      mx::array v = mx::reshape(vals[0], {-1, 1}, s);
      const mx::array& flat = flats[0];
      if (body == "replace") outs[0] = mx::scatter(flat, idx, v, 0, s);
      else if (body == "stablehlo.add") outs[0] = mx::scatter_add(flat, idx, v, 0, s);
      else if (body == "stablehlo.multiply") outs[0] = mx::scatter_prod(flat, idx, v, 0, s);
      else if (body == "stablehlo.maximum") outs[0] = mx::scatter_max(flat, idx, v, 0, s);
      else outs[0] = mx::scatter_min(flat, idx, v, 0, s);
    }
  }
  Values results;
  for (size_t j = 0; j < k; ++j)
    results.push_back(mx::reshape(mx::slice(outs[j], {0}, {static_cast<int>(n)}, s),
                                  in[j].shape(), s));
  return results;
}

}  // namespace

void register_scatter(Registry& r) { r.add("stablehlo.scatter", scatter); }

bool scatter_reads_host(const ir::Op& op) {
  return op.operands.size() != 3 || op.regions.empty() || !has_kernel(combiner(op.regions[0]));
}
}  // namespace applejax::lower
