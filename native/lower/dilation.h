// Dilation: holes inserted between neighbouring elements, as convolution
// (lhs/rhs dilation), reduce_window (base dilation) and pad (interior
// padding) define it.
#pragma once

#include <cstdint>

#include <mlx/array.h>
#include <mlx/utils.h>

namespace applejax::lower {

// (n - 1) * factor + 1 for n > 0, else 0: an extent after inserting
// factor - 1 holes between elements. For n and factor below 2^31 the
// product fits in int64.
inline int64_t dilated_extent(int64_t n, int64_t factor) { return n == 0 ? 0 : (n - 1) * factor + 1; }

// `x` with factor - 1 copies of the scalar `fill` between neighbours along
// `axis`. The caller guarantees x.shape(axis) * factor < 2^31.
mlx::core::array dilate_axis(const mlx::core::array& x, int axis, int factor,
                             const mlx::core::array& fill, mlx::core::StreamOrDevice s);

}  // namespace applejax::lower
