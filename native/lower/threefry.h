// Threefry-2x32 (20 rounds), the hash behind JAX's default PRNG and the
// threefry rng_bit_generator, as one computation instead of ~140 MLX ops.
#pragma once

#include <array>

#include <mlx/array.h>
#include <mlx/stream.h>
#include <mlx/utils.h>

#include "ir/ir.h"

namespace applejax::lower {

// Hashes the counter pairs (x0[i], x1[i]) under the key (k0, k1); keys are
// u32 scalars or arrays shaped like the counters. On MLX's CPU this is one
// primitive (a loop over the elements), on MLX's CUDA backend one kernel;
// on Metal (not run yet: no Mac here) the unrolled MLX ops, which
// mlx::core::compile fuses.
std::array<mlx::core::array, 2> threefry2x32(const mlx::core::array& k0,
                                             const mlx::core::array& k1,
                                             const mlx::core::array& x0,
                                             const mlx::core::array& x1,
                                             mlx::core::StreamOrDevice s);

// Whether `fn` is the threefry2x32 function JAX emits for its default PRNG:
// u32 (key0, key1, count0, count1) -> u32 (out0, out1), whose body carries
// the algorithm's rotation and key-schedule constants.
bool is_threefry2x32(const ir::Function& fn);

}  // namespace applejax::lower
