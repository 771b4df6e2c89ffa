// A compiled program: the IR read from the artifact, checked once at compile
// time so that unsupported ops fail at jit time rather than at first call.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <mlx/array.h>
#include <mlx/device.h>

#include "ir/ir.h"
#include "runtime/compiled_graphs.h"
#include "runtime/program_loops.h"
#include "runtime/stats.h"

namespace applejax::runtime {

// The buffer a token of the entry function crosses PJRT as: bool[0].
ir::Type token_buffer_type();

class Program {
 public:
  // Throws std::runtime_error (ReadError, LowerError) with a user-facing
  // message on any problem.
  static std::shared_ptr<Program> from_artifact(std::span<const uint8_t> bytes,
                                                mlx::core::Device device);

  const std::string& name() const { return name_; }
  // The entry function's types as buffers: tokens are token_buffer_type().
  const std::vector<ir::Type>& input_types() const { return inputs_; }
  const std::vector<ir::Type>& output_types() const { return outputs_; }
  const ir::Module& module() const { return module_; }

  // Builds the graph for the entry function and evaluates it. Runs on the
  // worker thread only. `args` is dropped before evaluation, so an argument
  // nothing else references (a donated buffer's) can lend its memory to a
  // result.
  std::vector<mlx::core::array> run(std::vector<mlx::core::array> args) const;

  // Whether JAX marked argument i as donated (tf.aliasing_output or
  // jax.buffer_donor).
  bool donates(size_t i) const { return i < donated_.size() && donated_[i]; }
  // Whether the program calls back into the host (lower/host_callback.h).
  bool has_host_callbacks() const { return has_host_callbacks_; }
  // Whether argument i is a token (an ordered effect's).
  bool is_token(size_t i) const {
    return i < entry_->argument_types.size() &&
           entry_->argument_types[i].kind == ir::Type::Kind::kToken;
  }

  // The APPLEJAX_STATS record of this program; null when stats are off.
  ProgramStats* stats() const { return stats_.get(); }

  // Whether run() goes through mlx::core::compile (see program.cc).
  bool compiled() const { return compile_id_ != 0; }

  ~Program();

 private:
  Program(ir::Module module, mlx::core::Device device);
  void check_supported();
  std::vector<mlx::core::array> interpret(const std::vector<mlx::core::array>& args) const;
  std::vector<mlx::core::array> run_graph(std::vector<mlx::core::array>& args) const;
  void evaluate_below_outputs(const std::vector<mlx::core::array>& outs) const;

  ir::Module module_;
  mlx::core::Device device_;
  const ir::Function* entry_ = nullptr;
  std::string name_;
  std::vector<ir::Type> inputs_, outputs_;
  std::vector<bool> donated_;
  bool donates_any_ = false;
  bool has_host_callbacks_ = false;
  // Set when the program has no host-side control flow (while/if/case read
  // their predicates on the host, which tracing cannot do); 0 otherwise.
  std::uintptr_t compile_id_ = 0;
  mutable ArrayFn compiled_fn_;
  // How the program's while loops run (traced chunks, traced regions).
  std::unique_ptr<ProgramLoops> loops_;
  std::shared_ptr<ProgramStats> stats_;
};

}  // namespace applejax::runtime
