// The one place that maps StableHLO element types onto MLX dtypes.
#pragma once

#include <optional>

#include <mlx/dtype.h>

#include "ir/ir.h"

namespace applejax::lower {

// nullopt when MLX has no such dtype (f8, i4, complex128, ...).
std::optional<mlx::core::Dtype> to_mlx(ir::ElementType t);
ir::ElementType from_mlx(mlx::core::Dtype d);

}  // namespace applejax::lower
