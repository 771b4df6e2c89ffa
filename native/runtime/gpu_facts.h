// What MLX knows about the device the plugin runs on, read once per client:
// the device description's attributes and kind, and the reservable limit
// memory_stats reports.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <mlx/device.h>

namespace applejax::runtime {

struct DeviceFacts {
  std::string backend;  // "metal", "cuda" or "cpu"
  std::string name;     // MLX's device_name ("Apple M2 Max", "NVIDIA H200"); may be empty
  // Named values under the plugin's names, "mlx_backend" first, then sorted.
  std::vector<std::pair<std::string, std::variant<std::string, int64_t>>> values;
  // What a program may plan to hold: Metal's recommended working set, a CUDA
  // device's total memory. MLX knows no such figure for its CPU device.
  std::optional<int64_t> reservable_limit;
};

// MLX's backend for `device`, decided at run time: the same code runs on a
// Mac (Metal), on an NVIDIA machine (CUDA) and on MLX's CPU device.
std::string backend_of(const mlx::core::Device& device);

// Reads MLX's device info for `device`. A failure inside MLX is reported as
// the "device_info_error" value instead of failing: the description is
// informative, and the plugin still runs without it.
DeviceFacts device_facts(const mlx::core::Device& device);

}  // namespace applejax::runtime
