#include "runtime/memory_limits.h"

#include <mlx/memory.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace applejax::runtime {
namespace {

// Megabytes from `name`, or -1 when it is unset or empty.
long long megabytes_from(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return -1;
  char* end = nullptr;
  long long mb = std::strtoll(v, &end, 10);
  if (*end != '\0' || mb < 0)
    throw std::invalid_argument(std::string(name) + "='" + v +
                                "' is not a whole number of megabytes");
  return mb;
}

}  // namespace

void apply_memory_limits_from_env() {
  long long memory = megabytes_from("APPLEJAX_MEMORY_LIMIT_MB");
  long long cache = megabytes_from("APPLEJAX_CACHE_LIMIT_MB");
  if (memory >= 0) mlx::core::set_memory_limit(static_cast<size_t>(memory) << 20);
  if (cache >= 0) mlx::core::set_cache_limit(static_cast<size_t>(cache) << 20);
}

size_t memory_limit_bytes() { return mlx::core::get_memory_limit(); }

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024 && u < 5) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", bytes, units[u]);
  return buf;
}

}  // namespace applejax::runtime
