#include "runtime/compiled_graphs.h"

#include <mlx/compile.h>
#include <mlx/compile_impl.h>

#include <atomic>
#include <cstdlib>
#include <string_view>

namespace applejax::runtime {

namespace mx = mlx::core;

std::mutex& compile_mutex() {
  static std::mutex m;
  return m;
}

// On by default on the GPU, where fusing elementwise chains saves kernel
// launches. On MLX's CPU backend compile builds its fused kernels with the
// system C++ compiler, ~0.3 s per new kernel (the op suite went from 70 s
// to 358 s with it always on) to save a few us per op, so there it is on
// only for programs whose arrays are large enough for fusion to pay: an
// unfused op over 2^18 elements costs about a millisecond.
bool compile_enabled(mx::Device device, int64_t largest_elements) {
  const char* v = std::getenv("APPLEJAX_COMPILE");
  if (v && *v) return std::string_view(v) != "0";
  return device.type == mx::Device::gpu || largest_elements >= (int64_t{1} << 18);
}

std::uintptr_t next_compile_id() {
  static std::atomic<std::uintptr_t> next{1};
  return next++;
}

}  // namespace applejax::runtime
