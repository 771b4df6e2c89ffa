// APPLEJAX_STATS=1: per program, what one execute costs on the host and how
// big a graph MLX runs, printed to stderr when the process exits. These
// host-side figures are what carries over from a GPU stand-in to Metal.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <mlx/array.h>

namespace applejax::runtime {

struct ProgramStats {
  std::string name;
  size_t ops_read = 0, ops_after_passes = 0;  // IR ops, nested ones included
  std::string fused;                          // "softmax x2, rms_norm x4"
  // Sums over warm executes only: the first kWarmUp of each program trace
  // graphs and compile kernels, which is first-call time, not per-call.
  static constexpr uint64_t kWarmUp = 3;
  std::atomic<uint64_t> started{0};   // every execute
  std::atomic<uint64_t> executes{0};  // warm ones, those summed below
  std::atomic<uint64_t> call_ns{0};   // PJRT_LoadedExecutable_Execute on the caller's thread
  std::atomic<uint64_t> queue_ns{0};  // posted -> the worker starts it
  std::atomic<uint64_t> build_ns{0};  // graph built (or compiled graph replayed)
  std::atomic<uint64_t> eval_ns{0};   // mx::eval until the outputs are ready
  std::atomic<uint64_t> nodes{0};     // MLX nodes of the last executed graph
};

// Whether APPLEJAX_STATS is set (read once per process); with the value
// "graph" each program's executed MLX graph is printed once as well.
bool stats_enabled();
bool stats_graphs();
// A record that is printed at exit; null when stats are off.
std::shared_ptr<ProgramStats> register_stats(std::string name);
// Arrays with a primitive reachable from `outputs`: the nodes MLX evaluates.
size_t count_nodes(const std::vector<mlx::core::array>& outputs);
uint64_t now_ns();

}  // namespace applejax::runtime
