// Our format for PJRT_Executable_Serialize / DeserializeAndLoad, which JAX's
// persistent compilation cache stores. An entry holds the StableHLO artifact
// the plugin received, not MLX state: loading it re-runs our compile (reader,
// passes, checks), which is cheap next to tracing and lowering in JAX.
//
// Layout, little-endian:
//   8 bytes   magic "AJXEXEC\n"
//   u32       format version (kFormatVersion)
//   u32 + n   plugin version text (must equal kPluginVersion)
//   u32 + n   MLX version text (must equal mlx::core::version())
//   u64 + n   artifact bytes
//   u64       FNV-1a of everything before it
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace applejax::pjrt {

inline constexpr uint32_t kFormatVersion = 1;

std::string serialize_executable(std::string_view artifact);

// The artifact inside `bytes`. Throws ApiError (INVALID_ARGUMENT) naming what
// is wrong: not ours, truncated, corrupted, or written by another plugin or
// MLX version. The view points into `bytes`.
std::span<const uint8_t> artifact_of_serialized(std::string_view bytes);

// FNV-1a over `data`, continuing from `seed`.
uint64_t fnv1a(std::string_view data, uint64_t seed = 1469598103934665603ull);

}  // namespace applejax::pjrt
