// The loop runner of one program: its while loops' conditions and bodies
// traced into mlx::core::compile graphs, either one region per graph (with
// compile on) or chunks of many iterations (counted or speculative; see
// lower/control_flow.cc for when each is used).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <mlx/device.h>

#include "ir/ir.h"
#include "lower/emitter.h"
#include "runtime/compiled_graphs.h"

namespace applejax::runtime {

// The most iterations one chunk may hold: APPLEJAX_LOOP_CHUNK when set (0
// turns chunking off), else 256.
int loop_chunk_limit();

class ProgramLoops : public lower::LoopRunner {
 public:
  ProgramLoops(const ir::Module& module, mlx::core::Device device)
      : module_(module), device_(device) {}
  ~ProgramLoops() override;
  ProgramLoops(const ProgramLoops&) = delete;
  ProgramLoops& operator=(const ProgramLoops&) = delete;

  // Decides, once at compile time, how `loop` may run.
  void add_loop(const ir::Op& loop);
  // A self-contained, traceable condition or body to trace on its own.
  void add_region(const ir::Region* region) { regions_.emplace(region, Graph{next_compile_id(), {}}); }

  int chunk_cap(const ir::Op& loop, std::string* why) override;
  const std::vector<ir::ValueId>& outer_values(const ir::Op& loop) override;
  lower::Values run_chunk(const ir::Op& loop, lower::ChunkKind kind, int k,
                          const lower::Values& state, const lower::Values& outer) override;
  const std::vector<size_t>& stacked_slots(const ir::Op& loop) override;
  std::optional<lower::Values> run_region(const ir::Region& region,
                                          const lower::Values& args) override;
  void log_path(const ir::Op& loop, const std::string& path) override;

 private:
  struct Graph {
    std::uintptr_t id;
    ArrayFn fn;  // traced on first use
  };
  struct Loop {
    int cap = 0;
    std::string why;  // when cap is 0
    std::vector<ir::ValueId> outer;
    std::optional<size_t> counter;  // counted loops
    std::vector<size_t> stacked;    // see stacked_slots
    std::map<std::pair<lower::ChunkKind, int>, Graph> chunks;
    bool logged = false;
  };
  Loop& loop_of(const ir::Op& loop);
  ArrayFn trace_chunk(const ir::Op& op, const Loop& loop, lower::ChunkKind kind, int k) const;

  const ir::Module& module_;
  mlx::core::Device device_;
  std::unordered_map<const ir::Op*, Loop> loops_;
  std::unordered_map<const ir::Region*, Graph> regions_;
};

}  // namespace applejax::runtime
