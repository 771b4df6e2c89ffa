#include "runtime/gpu_facts.h"

#include <algorithm>
#include <exception>
#include <string_view>

#include <mlx/backend/metal/metal.h>

namespace applejax::runtime {
namespace {

namespace mx = mlx::core;

// MLX's keys differ by backend (Metal's memory_size is CUDA's total_memory);
// the description uses one name per fact. Keys not listed keep MLX's name.
// free_memory is left out: MLX reads it once and caches it, so it would be
// stale by the time anyone looks.
struct Rename {
  std::string_view mlx, ours;
};
constexpr Rename kRenames[] = {
    {"total_memory", "memory_size"},
    {"max_recommended_working_set_size", "recommended_working_set_size"},
    {"free_memory", ""},
};

std::string_view our_name(std::string_view mlx_key) {
  for (const Rename& r : kRenames)
    if (r.mlx == mlx_key) return r.ours;
  return mlx_key;
}

}  // namespace

std::string backend_of(const mx::Device& device) {
  if (device.type == mx::Device::cpu) return "cpu";
  return mx::metal::is_available() ? "metal" : "cuda";
}

DeviceFacts device_facts(const mx::Device& device) {
  DeviceFacts facts;
  facts.backend = backend_of(device);
  std::vector<std::pair<std::string, std::variant<std::string, int64_t>>> found;
  try {
    for (const auto& [key, value] : mx::device_info(device)) {
      std::string_view name = our_name(key);
      if (name.empty()) continue;
      if (const auto* s = std::get_if<std::string>(&value))
        found.emplace_back(name, *s);
      else
        found.emplace_back(name, static_cast<int64_t>(std::get<size_t>(value)));
    }
  } catch (const std::exception& e) {
    found.emplace_back("device_info_error", std::string(e.what()));
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  auto integer = [&](std::string_view name) -> std::optional<int64_t> {
    for (const auto& [k, v] : found)
      if (k == name && std::holds_alternative<int64_t>(v)) return std::get<int64_t>(v);
    return std::nullopt;
  };
  for (const auto& [k, v] : found)
    if (k == "device_name" && std::holds_alternative<std::string>(v))
      facts.name = std::get<std::string>(v);
  if (facts.backend == "metal")
    facts.reservable_limit = integer("recommended_working_set_size");
  else if (facts.backend == "cuda")
    facts.reservable_limit = integer("memory_size");

  facts.values.emplace_back("mlx_backend", facts.backend);
  facts.values.insert(facts.values.end(), found.begin(), found.end());
  return facts;
}

}  // namespace applejax::runtime
