// Shared state for running IR through mlx::core::compile: the lock around
// MLX's global compile cache, the on/off rule, and the per-program cache of
// loop regions traced into graphs.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <mlx/array.h>
#include <mlx/device.h>

#include "ir/ir.h"
#include "lower/emitter.h"

namespace applejax::runtime {

using ArrayFn =
    std::function<std::vector<mlx::core::array>(const std::vector<mlx::core::array>&)>;

// MLX's compile cache is global; tracing, cache lookups and erasure happen
// under this lock, whichever thread drops the last reference to a program.
std::mutex& compile_mutex();

// Whether programs on `device` go through mlx::core::compile
// (APPLEJAX_COMPILE overrides the per-device default).
bool compile_enabled(mlx::core::Device device);

// A fresh id for MLX's compile cache; ids are never reused, so an entry can
// never answer for another program.
std::uintptr_t next_compile_id();

// Loop conditions and bodies of one program that can be traced: free of
// host control flow and using no value from outside the region. Each is
// traced on first use and replayed from MLX's cache afterwards.
class LoopGraphs : public lower::RegionCache {
 public:
  LoopGraphs(const ir::Module& module, mlx::core::Device device)
      : module_(module), device_(device) {}
  ~LoopGraphs() override;
  LoopGraphs(const LoopGraphs&) = delete;
  LoopGraphs& operator=(const LoopGraphs&) = delete;

  void add(const ir::Region* region) { graphs_.emplace(region, Graph{next_compile_id(), {}}); }
  size_t size() const { return graphs_.size(); }

  std::optional<lower::Values> run(const ir::Region& region, const lower::Values& args) override;

 private:
  struct Graph {
    std::uintptr_t id;
    ArrayFn fn;  // built on first use
  };
  const ir::Module& module_;
  mlx::core::Device device_;
  std::unordered_map<const ir::Region*, Graph> graphs_;
};

// True when every value `region` uses is defined inside it (its block
// arguments or its ops' results, at any depth).
bool is_self_contained(const ir::Region& region);

}  // namespace applejax::runtime
