// MLX's memory limits, set from the environment when a client is created,
// and the per-result check that keeps an impossible allocation from reaching
// MLX's CPU allocator (which does not check malloc's result).
#pragma once

#include <cstddef>
#include <string>

namespace applejax::runtime {

// APPLEJAX_MEMORY_LIMIT_MB: the most memory MLX may use while evaluating.
// APPLEJAX_CACHE_LIMIT_MB: the most freed memory MLX keeps for reuse
// (0 disables the cache). Unset leaves MLX's defaults. Throws
// std::invalid_argument naming the variable for a value that is not a number.
void apply_memory_limits_from_env();

// The memory MLX may use, in bytes.
size_t memory_limit_bytes();

// "1.5 GiB"-style text for messages.
std::string human_bytes(double bytes);

}  // namespace applejax::runtime
