// libFuzzer target for the plugin's compile path: bytes → reader → the
// checks PJRT_Client_Compile runs (runtime::Program::from_artifact) → for
// small programs, one execution on MLX's CPU device with zero-filled
// arguments, which is where every op is lowered. The plugin turns any
// std::exception from these into a PJRT error, so those are fine; a crash, a
// sanitizer report, a hang or an allocation past -malloc_limit_mb is a bug.
// Run: `deno task fuzz compile` (README, "Fuzzing").
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <mlx/memory.h>
#include <mlx/ops.h>

#include "lower/dtype.h"
#include "runtime/program.h"

namespace {

using namespace applejax;
namespace mx = mlx::core;

// Programs are executed only when every value of every function is a tensor
// of at most this many elements, so one execution stays in milliseconds and
// kilobytes. Larger ones are still read and checked.
constexpr int64_t kMaxElements = 4096;

// The element count of a static shape, or -1 when a dimension is dynamic or
// negative or the count passes `limit` (checked before each product, so a
// damaged shape cannot overflow).
int64_t bounded_elements(const ir::Type& t, int64_t limit) {
  int64_t n = 1;
  for (int64_t d : t.shape) {
    if (d < 0 || d > limit) return -1;
    if (d != 0 && n > limit / d) return -1;
    n *= d;
  }
  return n;
}

bool region_runs_briefly(const ir::Region& region) {
  for (const auto& block : region.blocks) {
    for (const auto& op : block.ops) {
      // A damaged loop condition can loop for ever: that is the program's
      // doing, not a bug, so loops are checked but not executed.
      if (op.name == "stablehlo.while") return false;
      for (const auto& r : op.regions)
        if (!region_runs_briefly(r)) return false;
    }
  }
  return true;
}

bool small_enough_to_run(const ir::Module& module) {
  for (const ir::Type& t : module.values)
    if (t.is_tensor() && bounded_elements(t, kMaxElements) < 0) return false;
  for (const auto& fn : module.functions)
    if (!region_runs_briefly(fn.body)) return false;
  return true;
}

// Zero-filled arguments of the entry function's types, or false when one is
// not a tensor MLX can hold.
bool zero_arguments(const runtime::Program& program, std::vector<mx::array>& args) {
  for (const ir::Type& t : program.input_types()) {
    if (!t.is_tensor()) return false;
    auto dtype = lower::to_mlx(t.element);
    if (!dtype) return false;
    mx::Shape shape(t.shape.begin(), t.shape.end());
    args.push_back(mx::zeros(shape, *dtype, mx::Device::cpu));
  }
  return true;
}

// With APPLEJAX_FUZZ_STATS set, how far inputs got, printed at exit: shows
// what share of a corpus reaches lowering and execution (`=errors` also
// prints each execution error).
struct Stats {
  size_t refused = 0, checked_only = 0, ran = 0, run_errors = 0;
  ~Stats() {
    if (std::getenv("APPLEJAX_FUZZ_STATS"))
      std::fprintf(stderr, "compile_fuzz: %zu refused at compile, %zu compiled but not run, "
                   "%zu ran (%zu with an error)\n", refused, checked_only, ran, run_errors);
  }
} stats;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Never trace with mlx::core::compile here: on the CPU it builds kernels
  // with the system compiler, 0.3 s a program.
  setenv("APPLEJAX_COMPILE", "0", 1);
  mx::set_default_device(mx::Device::cpu);
  // Under libFuzzer's -malloc_limit_mb=1024: a small program whose lowering
  // would materialise more (a huge base dilation, say) must get the plugin's
  // out-of-memory error, as it would for a user past MLX's limit.
  mx::set_memory_limit(512u << 20);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::shared_ptr<runtime::Program> program;
  try {
    program = runtime::Program::from_artifact(std::span<const uint8_t>(data, size),
                                              mx::Device::cpu);
  } catch (const std::exception&) {
    ++stats.refused;  // PJRT_Client_Compile's error
    return 0;
  }
  std::vector<mx::array> args;
  if (!small_enough_to_run(program->module()) || !zero_arguments(*program, args)) {
    ++stats.checked_only;
    return 0;
  }
  ++stats.ran;
  try {
    program->run(std::move(args));
  } catch (const std::exception& e) {
    ++stats.run_errors;  // PJRT_LoadedExecutable_Execute's error
    if (const char* v = std::getenv("APPLEJAX_FUZZ_STATS"); v && std::string_view(v) == "errors")
      std::fprintf(stderr, "run error: %s\n", e.what());
  }
  return 0;
}
