// stablehlo.scatter: combine update windows into the operand at positions
// given by a batch of index vectors. Unlike gather, XLA does not clamp:
// updates falling outside the operand are dropped; here they are sent to
// one spare element past the end, which is cut off afterwards.
//
// Bodies that are one binary op (add, multiply, max, min) or that return
// the update map onto MLX's scatter variants; other bodies are refused by
// name.
#include <mlx/ops.h>

#include <algorithm>

#include "lower/errors.h"
#include "lower/indexing.h"
#include "lower/region_patterns.h"

namespace applejax::lower {
namespace {

// "replace" for `return b`, else the binary op of the body, else "".
std::string combiner(const ir::Region& body) {
  return returns_second_argument(body) ? "replace" : binary_body(body);
}

Values scatter(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  if (in.size() != 3) fail_unsupported(op, "variadic scatter with " + std::to_string(in.size() / 2) + " operands");
  const mx::array &operand = in[0], &indices = in[1], &updates = in[2];
  std::string body = combiner(op.regions.at(0));
  std::vector<int64_t> window_dims = int_list(op, "update_window_dims");
  std::vector<int64_t> inserted = int_list(op, "inserted_window_dims");
  std::vector<int64_t> operand_batching = int_list(op, "input_batching_dims");
  std::vector<int64_t> indices_batching = int_list(op, "scatter_indices_batching_dims");
  std::vector<int64_t> to_operand = int_list(op, "scatter_dims_to_operand_dims");
  int r = static_cast<int>(operand.ndim());

  IndexBatch ib = index_batch(indices, int_attr(op, "index_vector_dim"), s);
  // The window: operand dims not inserted/batching take the update window
  // dims in order; the others have size 1.
  std::vector<int64_t> window(r, 1);
  size_t w = 0;
  for (int d = 0; d < r; ++d) {
    if (contains(inserted, d) || contains(operand_batching, d)) continue;
    if (w >= window_dims.size()) fail(op, "scatter dimension numbers do not match the shapes");
    window[d] = updates.shape(static_cast<int>(window_dims[w++]));
  }
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
  mx::array u = mx::reshape(mx::transpose(updates, perm, s), full, s);

  int64_t n = static_cast<int64_t>(operand.size());
  mx::array target = mx::where(p.in_bounds, p.linear, mx::array(static_cast<int>(n)), s);
  mx::array idx = mx::reshape(mx::broadcast_to(target, full, s), {-1}, s);
  mx::array vals = mx::reshape(u, {-1, 1}, s);
  mx::array flat = mx::concatenate({mx::reshape(operand, {-1}, s), mx::zeros({1}, operand.dtype(), s)}, 0, s);
  mx::array out = flat;
  if (idx.size() > 0) {
    if (body == "replace") out = mx::scatter(flat, idx, vals, 0, s);
    else if (body == "stablehlo.add") out = mx::scatter_add(flat, idx, vals, 0, s);
    else if (body == "stablehlo.multiply") out = mx::scatter_prod(flat, idx, vals, 0, s);
    else if (body == "stablehlo.maximum") out = mx::scatter_max(flat, idx, vals, 0, s);
    else if (body == "stablehlo.minimum") out = mx::scatter_min(flat, idx, vals, 0, s);
    else fail_unsupported(op, body.empty() ? "scatter with a general update body" : "scatter with body " + body);
  }
  out = mx::slice(out, {0}, {static_cast<int>(n)}, s);
  return {mx::reshape(out, operand.shape(), s)};
}

}  // namespace

void register_scatter(Registry& r) { r.add("stablehlo.scatter", scatter); }

}  // namespace applejax::lower
