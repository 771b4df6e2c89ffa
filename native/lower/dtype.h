// The one place that maps StableHLO element types onto MLX dtypes.
#pragma once

#include <optional>
#include <string>

#include <mlx/dtype.h>

#include "ir/ir.h"

namespace applejax::lower {

// The dtype arrays of this element type have on the device: the type itself,
// or for the narrow types (int4, float8, ...; lower/narrow_format.h) the wider
// dtype that holds them. nullopt when there is none (complex128, f6, tf32).
std::optional<mlx::core::Dtype> to_mlx(ir::ElementType t);
// Why arrays of element type `t`, one to_mlx has no dtype for, cannot be on
// the device, and what to do instead: "<why>. <what to do>", to follow
// "<op> at <location>: " in an error.
std::string element_type_refusal(ir::ElementType t);
// The element type of an MLX dtype (never a narrow one).
ir::ElementType from_mlx(mlx::core::Dtype d);

}  // namespace applejax::lower
