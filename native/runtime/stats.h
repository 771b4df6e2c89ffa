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
  std::atomic<uint64_t> executes{0};
  std::atomic<uint64_t> queue_ns{0};  // posted -> the worker starts it
  std::atomic<uint64_t> build_ns{0};  // graph built (or compiled graph replayed)
  std::atomic<uint64_t> eval_ns{0};   // mx::eval until the outputs are ready
  std::atomic<uint64_t> nodes{0};     // MLX nodes of the last executed graph
};

// Whether APPLEJAX_STATS is set (read once per process).
bool stats_enabled();
// A record that is printed at exit; null when stats are off.
std::shared_ptr<ProgramStats> register_stats(std::string name);
// Arrays with a primitive reachable from `outputs`: the nodes MLX evaluates.
size_t count_nodes(const std::vector<mlx::core::array>& outputs);
uint64_t now_ns();

}  // namespace applejax::runtime
