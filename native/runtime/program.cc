#include "runtime/program.h"

#include <stdexcept>

#include <mlx/compile.h>
#include <mlx/compile_impl.h>
#include <mlx/graph_utils.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>
#include <mlx/transforms.h>

#include <algorithm>
#include <map>
#include <atomic>
#include <limits>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string_view>
#include <unordered_set>
#include <cstdio>

#include "lower/dtype.h"
#include "runtime/compiled_graphs.h"
#include "runtime/memory_limits.h"
#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/host_callback.h"
#include "lower/loop_analysis.h"
#include "passes/pipeline.h"
#include "vhlo/reader.h"

namespace applejax::runtime {

namespace mx = mlx::core;

namespace {

// Ops of the entry function and what it reaches through nested regions
// (private functions the passes inlined no longer run).
size_t count_ops(const ir::Module& m) {
  const ir::Function* entry = m.entry();
  return entry ? ir::op_count(entry->body) : 0;
}

void count_fused(const ir::Region& r, std::map<std::string, int>& n) {
  for (const auto& b : r.blocks)
    for (const auto& op : b.ops) {
      if (op.name == "stablehlo.custom_call")
        if (const ir::Attribute* t = op.attr("call_target_name"); t && t->s.starts_with("applejax.fast."))
          ++n[t->s.substr(14)];
      for (const auto& inner : op.regions) count_fused(inner, n);
    }
}

std::string fused_summary(const ir::Module& m) {
  std::map<std::string, int> n;
  if (const ir::Function* entry = m.entry()) count_fused(entry->body, n);
  std::string out;
  for (const auto& [k, c] : n) out += (out.empty() ? "" : ", ") + k + " x" + std::to_string(c);
  return out;
}

}  // namespace

std::shared_ptr<Program> Program::from_artifact(std::span<const uint8_t> bytes,
                                                mx::Device device) {
  ir::Module module = vhlo::read_artifact(bytes);
  std::shared_ptr<ProgramStats> stats =
      register_stats(module.name.empty() ? "program" : module.name);
  if (stats) stats->ops_read = count_ops(module);
  passes::run_pipeline(module);
  if (stats) {
    stats->ops_after_passes = count_ops(module);
    stats->fused = fused_summary(module);
  }
  auto program = std::shared_ptr<Program>(new Program(std::move(module), device));
  program->stats_ = std::move(stats);
  program->check_supported();
  return program;
}

Program::Program(ir::Module module, mx::Device device)
    : module_(std::move(module)), device_(device) {
  entry_ = module_.entry();
  if (!entry_)
    throw std::runtime_error(
        "the program has no entry function (no public @main)");
  name_ = module_.name.empty() ? entry_->name : module_.name;
  inputs_ = entry_->argument_types;
  outputs_ = entry_->result_types;
  for (const auto& attrs : entry_->argument_attributes)
    donated_.push_back(std::any_of(attrs.begin(), attrs.end(), [](const ir::NamedAttribute& a) {
      return a.first == "tf.aliasing_output" || a.first == "jax.buffer_donor";
    }));
  donates_any_ = std::find(donated_.begin(), donated_.end(), true) != donated_.end();
  for (auto* types : {&inputs_, &outputs_})
    for (ir::Type& t : *types)
      if (t.kind == ir::Type::Kind::kToken) t = token_buffer_type();
}

// JAX passes and receives the tokens of ordered effects as bool[0] arrays,
// as XLA's backends do.
ir::Type token_buffer_type() {
  ir::Type t;
  t.kind = ir::Type::Kind::kTensor;
  t.element = ir::ElementType::kI1;
  t.shape = {0};
  return t;
}

namespace {
// Ops the emitter handles itself rather than through the registry.
bool is_structural(std::string_view name) {
  return name == "func.return" || name == "stablehlo.return" || name == "stablehlo.tuple" ||
         name == "stablehlo.get_tuple_element";
}

// Returns whether the region is free of host-side control flow. Every while
// loop goes into `loops`; with `compile_regions`, so do its traceable,
// self-contained regions, each to be traced on its own.
bool check_region(const ir::Region& region, const ir::Module& module,
                  mx::Device device, ProgramLoops& loops, bool compile_regions) {
  bool traceable = true;
  const auto& registry = lower::Registry::instance();
  for (const auto& block : region.blocks) {
    for (const auto& op : block.ops) {
      if (!is_structural(op.name) && !registry.find(op.name))
        lower::fail_unsupported(op, "no lowering for this op");
      lower::check_device_ids(op);
      for (ir::ValueId v : op.results) {
        const ir::Type& t = module.values[v];
        if (!t.is_tensor()) continue;
        for (int64_t n : t.shape)
          if (n > std::numeric_limits<int32_t>::max())
            lower::fail_unsupported(op, "a result dimension of " + std::to_string(n) +
                                            " elements (MLX allows at most 2^31 - 1 per dimension)");
        auto d = lower::to_mlx(t.element);
        if (!d) lower::fail(op, lower::element_type_refusal(t.element));
        double bytes = static_cast<double>(t.num_elements()) * static_cast<double>(d->size());
        if (bytes > static_cast<double>(memory_limit_bytes()))
          lower::fail(op,
                      "out of memory: its result needs " + human_bytes(bytes) +
                          ", more than MLX may use (" +
                          human_bytes(static_cast<double>(memory_limit_bytes())) + ")",
                      "Use smaller shapes or batches, or raise the limit with "
                      "APPLEJAX_MEMORY_LIMIT_MB");
        if (*d == mx::float64 && device.type == mx::Device::gpu)
          lower::fail(op, "float64 is not supported on the GPU",
                      "Use float32 (keep jax_enable_x64 off), or run this "
                      "function on the cpu backend");
      }
      if (lower::reads_host(op)) traceable = false;
      if (op.name == "stablehlo.while") loops.add_loop(op);
      for (const auto& r : op.regions) {
        bool region_traceable = check_region(r, module, device, loops, compile_regions);
        if (compile_regions && region_traceable && op.name == "stablehlo.while" &&
            lower::outer_values(r).empty())
          loops.add_region(&r);
        traceable = region_traceable && traceable;
      }
    }
  }
  return traceable;
}
bool calls_host(const ir::Region& region) {
  for (const auto& block : region.blocks)
    for (const auto& op : block.ops) {
      if (lower::is_host_callback(op)) return true;
      for (const auto& r : op.regions)
        if (calls_host(r)) return true;
    }
  return false;
}
int64_t largest_result(const ir::Region& region, const ir::Module& module) {
  int64_t most = 0;
  for (const auto& block : region.blocks)
    for (const auto& op : block.ops) {
      for (ir::ValueId v : op.results)
        if (module.values[v].is_tensor()) most = std::max(most, module.values[v].num_elements());
      for (const auto& r : op.regions) most = std::max(most, largest_result(r, module));
    }
  return most;
}
}  // namespace

void Program::check_supported() {
  int64_t largest = 0;
  for (const auto& fn : module_.functions) largest = std::max(largest, largest_result(fn.body, module_));
  bool compile = compile_enabled(device_, largest);
  loops_ = std::make_unique<ProgramLoops>(module_, device_);
  // Parameters too: a program that only passes a complex128 through has no
  // op whose result would be refused, and its first run could not place it.
  for (const auto& fn : module_.functions)
    for (size_t i = 0; i < fn.argument_types.size(); ++i)
      if (fn.argument_types[i].is_tensor() && !lower::to_mlx(fn.argument_types[i].element))
        throw lower::LowerError("argument " + std::to_string(i) + " of @" + fn.name + ": " +
                                lower::element_type_refusal(fn.argument_types[i].element));
  bool traceable = true;
  for (const auto& fn : module_.functions)
    traceable = check_region(fn.body, module_, device_, *loops_, compile) && traceable;
  if (traceable && compile) compile_id_ = next_compile_id();
  for (const auto& fn : module_.functions) has_host_callbacks_ = has_host_callbacks_ || calls_host(fn.body);
}

Program::~Program() {
  if (!compiled_fn_) return;
  std::lock_guard<std::mutex> lock(compile_mutex());
  mx::detail::compile_erase(mx::detail::compile_cache(), compile_id_);
}

std::vector<mx::array> Program::interpret(const std::vector<mx::array>& args) const {
  lower::Emitter emitter(module_, device_, loops_.get());
  return emitter.call(*entry_, args);
}

// Programs without host control flow are traced once by mlx::core::compile,
// which caches the graph (no re-interpretation of the IR per call) and fuses
// elementwise chains into single kernels. The others are interpreted on each
// call, evaluating loop predicates on the host.
namespace {

// Elementwise primitives: a parameter update (p - lr * m / sqrt(v + eps)) is
// made of these, and MLX lets each hand an input's memory to its result.
bool is_elementwise(const mx::array& a) {
  static const std::unordered_set<std::string_view> kNames = {
      "Abs", "Add", "AsType", "Broadcast", "BroadcastAxes", "Compiled", "Divide", "Exp",
      "Expm1", "Log", "Log1p", "Maximum", "Minimum", "Multiply", "Negative", "Power", "Rsqrt",
      "Select", "Sigmoid", "Sign", "Sqrt", "Square", "Subtract", "Tanh", "Greater", "Less",
      "GreaterEqual", "LessEqual", "Equal", "NotEqual", "LogicalAnd", "LogicalOr",
      "LogicalNot", "Round", "Floor", "Ceil", "Erf", "Cos", "Sin", "Remainder"};
  return a.has_primitive() && kNames.count(a.primitive().name());
}

// The unevaluated arrays where the outputs' elementwise tails begin.
void tail_inputs(const mx::array& a, std::unordered_set<std::uintptr_t>& seen,
                 std::vector<mx::array>& frontier) {
  if (a.is_available() || !seen.insert(a.id()).second) return;
  if (!is_elementwise(a)) {
    frontier.push_back(a);
    return;
  }
  for (const mx::array& in : a.inputs()) tail_inputs(in, seen, frontier);
}

}  // namespace

// MLX reuses an input's memory for an op's result only when nothing else
// holds it, but an op already queued (a matmul that reads a donated weight)
// holds its inputs until it has run. So with donated inputs, the outputs'
// elementwise tails (typically the parameter and optimiser-state updates)
// run only after everything they read has run and been waited for: the
// donated arrays then belong to the tails alone, which update them in place.
void Program::evaluate_below_outputs(const std::vector<mx::array>& outs) const {
  std::unordered_set<std::uintptr_t> seen;
  std::vector<mx::array> frontier;
  for (const mx::array& o : outs)
    if (is_elementwise(o))
      for (const mx::array& in : o.inputs()) tail_inputs(in, seen, frontier);
  if (frontier.empty()) return;
  mx::eval(frontier);
  frontier.clear();
  mx::synchronize(mx::default_stream(device_));
}

std::vector<mx::array> Program::run_graph(std::vector<mx::array>& args) const {
  std::vector<mx::array> outs;
  uint64_t start = stats_ ? now_ns() : 0;
  bool warm = stats_ && stats_->started++ >= ProgramStats::kWarmUp;
  auto evaluate = [&] {
    uint64_t built = warm ? now_ns() : 0;
    if (warm) {
      stats_->build_ns += built - start;
      stats_->nodes = count_nodes(outs);
      // APPLEJAX_STATS=graph: the executed graph itself, once per program.
      if (stats_->executes == 0 && stats_graphs()) {
        std::ostringstream os;
        mx::print_graph(os, outs);
        std::fprintf(stderr, "applejax: the graph of %s\n%s", stats_->name.c_str(), os.str().c_str());
      }
      built = now_ns();  // the count is ours, not the program's
    }
    if (donates_any_) evaluate_below_outputs(outs);
    mx::eval(outs);
    // Readers need row-major contiguous data. Most outputs already are, so
    // this is checked after evaluation instead of adding a copy node per
    // output to every graph; the rest (broadcasts, transposed views) are
    // copied then.
    std::vector<mx::array> copies;
    for (auto& o : outs)
      if (!o.flags().row_contiguous) copies.push_back(o = mx::contiguous(o, false, device_));
    if (!copies.empty()) mx::eval(copies);
    if (warm) {
      stats_->eval_ns += now_ns() - built;
      ++stats_->executes;
    }
  };
  if (compile_id_ != 0) {
    std::lock_guard<std::mutex> lock(compile_mutex());
    if (!compiled_fn_)
      compiled_fn_ = mx::detail::compile(
          [this](const std::vector<mx::array>& a) { return interpret(a); }, compile_id_);
    outs = compiled_fn_(args);
    args.clear();
    evaluate();
    return outs;
  }
  outs = interpret(args);
  args.clear();
  evaluate();
  return outs;
}

std::vector<mx::array> Program::run(std::vector<mx::array> args) const {
  std::vector<mx::array> outs = run_graph(args);
  // A malformed program can return more or fewer values than its entry
  // declares; the caller would read past one list or the other.
  if (outs.size() != entry_->result_types.size())
    throw std::runtime_error("@" + entry_->name + " returned " + std::to_string(outs.size()) +
                             " values, its signature declares " +
                             std::to_string(entry_->result_types.size()));
  for (size_t i = 0; i < outs.size(); ++i)
    if (entry_->result_types[i].kind == ir::Type::Kind::kToken)
      outs[i] = mx::zeros({0}, mx::bool_, device_);
  return outs;
}

}  // namespace applejax::runtime
