// StableHLO's shape rules for the ops whose lowering builds strided views or
// index arithmetic from attributes: reduce_window, select_and_scatter, pad,
// reverse.
// jaxlib's verifier guarantees them for what it writes; a damaged artifact
// must get a LowerError here, because MLX's as_strided does not check bounds
// and int overflow in the arithmetic is undefined. Every check computes in
// int64 from bounded values, so none of it can overflow.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <mlx/array.h>

#include "ir/ir.h"

namespace applejax::lower {

// Each value of attribute `name` in [lowest, 2^31).
void check_range(const ir::Op& op, std::string_view name, const std::vector<int64_t>& values,
                 int64_t lowest);

// Each of `dims` (attribute `name`) a distinct axis of a rank-`rank` operand.
void check_axes(const ir::Op& op, std::string_view name, const std::vector<int64_t>& dims,
                size_t rank);

// The dimension numbers gather and scatter share: index_vector_dim in
// [0, rank(indices)]; start_index_map as many distinct operand axes as the
// index vector is long; the operand batching dims distinct operand axes
// outside the start map; the indices batching dims distinct axes of the
// indices other than the vector's; window sizes in [0, the operand's extent].
void check_index_dims(const ir::Op& op, const mlx::core::Shape& operand,
                      const mlx::core::Shape& indices, int64_t index_vector_dim,
                      const std::vector<int64_t>& start_index_map,
                      const std::vector<int64_t>& operand_batching,
                      const std::vector<int64_t>& indices_batching,
                      const std::vector<int64_t>& window);

// An intermediate the lowering must materialise (not a declared value, so
// the compile-time result check never saw it): refused as out of memory when
// `elements` of `dtype` pass MLX's memory limit. `elements` may be huge; it
// is a double so the product of extents cannot overflow.
void check_intermediate(const ir::Op& op, std::string_view what, double elements,
                        mlx::core::Dtype dtype);

struct WindowAttrs {
  std::vector<int64_t> size, strides, base_dilation, window_dilation, padding;  // padding: lo, hi per dim
};

// Sizes, strides and dilations in [1, 2^31), padding in (-2^31, 2^31), the
// dilated padded operand and the dilated window under 2^31 along each axis,
// and `out` the number of windows along each axis. Then every position of a
// view [out..., window...] over the padded operand lies inside it.
void check_window(const ir::Op& op, const mlx::core::Shape& operand, const WindowAttrs& w,
                  const mlx::core::Shape& out);

// Low and high padding in (-2^31, 2^31), interior padding in [0, 2^31), one
// of each per operand axis, and the padded extent of each axis in [0, 2^31).
void check_pad(const ir::Op& op, const mlx::core::Shape& operand, const std::vector<int64_t>& lo,
               const std::vector<int64_t>& hi, const std::vector<int64_t>& interior);

}  // namespace applejax::lower
