// Shared state for running IR through mlx::core::compile: the lock around
// MLX's compile cache, the on/off rule and fresh cache ids.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include <mlx/array.h>
#include <mlx/device.h>

#include "ir/ir.h"

namespace applejax::runtime {

using ArrayFn =
    std::function<std::vector<mlx::core::array>(const std::vector<mlx::core::array>&)>;

// MLX's compile cache is global; tracing, cache lookups and erasure happen
// under this lock, whichever thread drops the last reference to a program.
std::mutex& compile_mutex();

// Whether a program on `device` whose largest result has
// `largest_elements` elements goes through mlx::core::compile
// (APPLEJAX_COMPILE overrides the default).
bool compile_enabled(mlx::core::Device device, int64_t largest_elements);

// A fresh id for MLX's compile cache; ids are never reused, so an entry can
// never answer for another program.
std::uintptr_t next_compile_id();

}  // namespace applejax::runtime
