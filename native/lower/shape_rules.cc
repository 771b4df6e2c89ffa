#include "lower/shape_rules.h"

#include <cstdio>
#include <string>

#include <mlx/memory.h>

#include "lower/dilation.h"
#include "lower/errors.h"

namespace applejax::lower {

namespace {

constexpr int64_t kLimit = INT32_MAX;  // MLX shapes and strides are int32

void check_length(const ir::Op& op, std::string_view name, size_t got, size_t want) {
  if (got != want)
    fail(op, "attribute '" + std::string(name) + "' has " + std::to_string(got) +
                 " values for an operand of rank " + std::to_string(want));
}

}  // namespace

void check_range(const ir::Op& op, std::string_view name, const std::vector<int64_t>& values,
                 int64_t lowest) {
  for (int64_t v : values)
    if (v < lowest || v >= kLimit)
      fail(op, "attribute '" + std::string(name) + "' holds " + std::to_string(v) +
                   ", outside [" + std::to_string(lowest) + ", 2^31)");
}

void check_axes(const ir::Op& op, std::string_view name, const std::vector<int64_t>& dims,
                size_t rank) {
  std::vector<bool> seen(rank, false);
  for (int64_t d : dims) {
    if (d < 0 || d >= static_cast<int64_t>(rank) || seen[d])
      fail(op, "attribute '" + std::string(name) + "' must name distinct axes of the rank-" +
                   std::to_string(rank) + " operand");
    seen[d] = true;
  }
}

void check_index_dims(const ir::Op& op, const mlx::core::Shape& operand,
                      const mlx::core::Shape& indices, int64_t index_vector_dim,
                      const std::vector<int64_t>& start_index_map,
                      const std::vector<int64_t>& operand_batching,
                      const std::vector<int64_t>& indices_batching,
                      const std::vector<int64_t>& window) {
  const auto ir = static_cast<int64_t>(indices.size());
  if (index_vector_dim < 0 || index_vector_dim > ir)
    fail(op, "index_vector_dim " + std::to_string(index_vector_dim) + " is outside [0, " +
                 std::to_string(ir) + "]");
  int64_t vector_length = index_vector_dim == ir ? 1 : indices[index_vector_dim];
  if (static_cast<int64_t>(start_index_map.size()) != vector_length)
    fail(op, "the start index map has " + std::to_string(start_index_map.size()) +
                 " entries for index vectors of length " + std::to_string(vector_length));
  std::vector<int64_t> started = start_index_map;
  started.insert(started.end(), operand_batching.begin(), operand_batching.end());
  check_axes(op, "start_index_map and operand batching dims", started, operand.size());
  if (operand_batching.size() != indices_batching.size())
    fail(op, "the operand and indices batching dimension lists differ in length");
  check_axes(op, "indices batching dims", indices_batching, indices.size());
  for (int64_t d : indices_batching)
    if (d == index_vector_dim) fail(op, "an indices batching dim is the index vector dim");
  check_length(op, "slice sizes", window.size(), operand.size());
  for (size_t d = 0; d < window.size(); ++d)
    if (window[d] < 0 || window[d] > operand[d])
      fail(op, "the window is " + std::to_string(window[d]) + " long along axis " +
                   std::to_string(d) + ", outside [0, " + std::to_string(operand[d]) + "]");
}

void check_intermediate(const ir::Op& op, std::string_view what, double elements,
                        mlx::core::Dtype dtype) {
  double bytes = elements * static_cast<double>(dtype.size());
  double limit = static_cast<double>(mlx::core::get_memory_limit());
  if (bytes > limit) {
    char text[96];
    std::snprintf(text, sizeof text, "%.3g GiB, more than MLX may use (%.3g GiB)", bytes / (1 << 30),
                  limit / (1 << 30));
    fail(op, "out of memory: " + std::string(what) + " needs " + text,
         "Use smaller shapes or dilations, or raise the limit with APPLEJAX_MEMORY_LIMIT_MB");
  }
}

void check_window(const ir::Op& op, const mlx::core::Shape& operand, const WindowAttrs& w,
                  const mlx::core::Shape& out) {
  const size_t r = operand.size();
  check_length(op, "window_dimensions", w.size.size(), r);
  check_length(op, "window_strides", w.strides.size(), r);
  check_length(op, "base_dilations", w.base_dilation.size(), r);
  check_length(op, "window_dilations", w.window_dilation.size(), r);
  check_length(op, "padding", w.padding.size(), 2 * r);
  check_range(op, "window_dimensions", w.size, 1);
  check_range(op, "window_strides", w.strides, 1);
  check_range(op, "base_dilations", w.base_dilation, 1);
  check_range(op, "window_dilations", w.window_dilation, 1);
  check_range(op, "padding", w.padding, -kLimit + 1);
  if (out.size() != r) fail(op, "the result rank differs from the operand's");
  for (size_t d = 0; d < r; ++d) {
    // The lowering spreads the operand to operand * base_dilation before
    // trimming it to the dilated extent.
    int64_t spread = int64_t{operand[d]} * w.base_dilation[d];
    int64_t base = dilated_extent(operand[d], w.base_dilation[d]);
    int64_t padded = w.padding[2 * d] + base + w.padding[2 * d + 1];
    int64_t window = dilated_extent(w.size[d], w.window_dilation[d]);
    if (spread >= kLimit || padded >= kLimit || window >= kLimit)
      fail(op, "the window or the padded operand is 2^31 or more long along axis " +
                   std::to_string(d));
    int64_t windows = padded < window ? 0 : (padded - window) / w.strides[d] + 1;
    if (out[d] != windows)
      fail(op, "the result has " + std::to_string(out[d]) + " windows along axis " +
                   std::to_string(d) + " where the attributes make " + std::to_string(windows));
  }
}

void check_pad(const ir::Op& op, const mlx::core::Shape& operand, const std::vector<int64_t>& lo,
               const std::vector<int64_t>& hi, const std::vector<int64_t>& interior) {
  const size_t r = operand.size();
  check_length(op, "edge_padding_low", lo.size(), r);
  check_length(op, "edge_padding_high", hi.size(), r);
  check_length(op, "interior_padding", interior.size(), r);
  check_range(op, "edge_padding_low", lo, -kLimit + 1);
  check_range(op, "edge_padding_high", hi, -kLimit + 1);
  check_range(op, "interior_padding", interior, 0);
  for (size_t d = 0; d < r; ++d) {
    int64_t inner = dilated_extent(operand[d], interior[d] + 1);
    int64_t extent = lo[d] + inner + hi[d];
    if (inner >= kLimit || extent < 0 || extent >= kLimit)
      fail(op, "padding makes axis " + std::to_string(d) + " " + std::to_string(extent) +
                   " long, outside [0, 2^31)");
  }
}

}  // namespace applejax::lower
