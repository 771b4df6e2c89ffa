// complex64 elementwise functions with XLA's special values.
//
// MLX's complex kernels use textbook formulas, and build a complex value as
// re + im * i, which turns an infinite part into NaN (inf * i is
// (0 * inf) + inf i) and drops the sign of a zero one. JAX's own expansions
// (sin, cos, square, asin, ...) end in stablehlo.complex, so that one op
// decided most of the complex plane's edges. The functions here build the
// parts separately and join them bit for bit, and pick formulas that stay
// right at infinities, NaNs, signed zeros and near overflow.
#pragma once

#include <optional>
#include <string_view>

#include <mlx/array.h>
#include <mlx/utils.h>

namespace applejax::lower {

// The complex64 array whose parts are `re` and `im` exactly (same shape,
// float32 or narrower).
mlx::core::array complex_from_parts(const mlx::core::array& re, const mlx::core::array& im,
                                    mlx::core::StreamOrDevice s);

// op_name ("stablehlo.exponential", ...) applied to a complex z, for the ops
// whose MLX kernel gets special values wrong; nullopt for a real z or an op
// MLX already gets right.
std::optional<mlx::core::array> complex_unary(std::string_view op_name, const mlx::core::array& z,
                                              mlx::core::StreamOrDevice s);

}  // namespace applejax::lower
