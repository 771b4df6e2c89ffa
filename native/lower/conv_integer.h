// Convolution of integer (and, through int32, boolean) operands, which
// MLX's conv_general refuses.
#pragma once

#include <vector>

#include <mlx/array.h>
#include <mlx/utils.h>

#include "ir/ir.h"

namespace applejax::lower {

// `x` ([N, spatial..., groups * I]) convolved with `w` ([O, spatial..., I]),
// both of one integer dtype, in MLX's channels-last layout, as XLA computes
// it: exact products and sums wrapping in that dtype. Padding is
// non-negative (the caller crops negative padding first).
mlx::core::array integer_conv(const ir::Op& op, mlx::core::array x, const mlx::core::array& w,
                              const std::vector<int>& stride, const std::vector<int>& lo,
                              const std::vector<int>& hi, const std::vector<int>& rhs_dil,
                              const std::vector<int>& lhs_dil, int groups,
                              mlx::core::StreamOrDevice s);

}  // namespace applejax::lower
