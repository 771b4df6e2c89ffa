#include "runtime/program_loops.h"

#include <mlx/compile.h>
#include <mlx/compile_impl.h>
#include <mlx/ops.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "lower/chunk_rows.h"
#include "lower/errors.h"
#include "lower/loop_analysis.h"
#include "lower/region_patterns.h"

namespace applejax::runtime {

namespace mx = mlx::core;

namespace {

// Lowered ops per chunk: large enough that replaying a chunk costs little
// per iteration, small enough that tracing one stays quick.
constexpr size_t kOpsPerChunk = 2048;
constexpr int kDefaultChunkLimit = 256;
constexpr int kMaxChunkLimit = 4096;

int floor_pow2(size_t n) {
  int p = 1;
  while (static_cast<size_t>(p) * 2 <= n && p < kMaxChunkLimit) p *= 2;
  return p;
}

}  // namespace

int loop_chunk_limit() {
  static const int limit = [] {
    const char* v = std::getenv("APPLEJAX_LOOP_CHUNK");
    if (!v || !*v) return kDefaultChunkLimit;
    char* end = nullptr;
    long n = std::strtol(v, &end, 10);
    if (end == v || *end || n < 0) return kDefaultChunkLimit;
    return n == 0 ? 0 : floor_pow2(static_cast<size_t>(n));
  }();
  return limit;
}

ProgramLoops::~ProgramLoops() {
  std::lock_guard<std::mutex> lock(compile_mutex());
  auto cache = mx::detail::compile_cache();
  for (auto& [region, graph] : regions_)
    if (graph.fn) mx::detail::compile_erase(cache, graph.id);
  for (auto& [op, loop] : loops_)
    for (auto& [key, graph] : loop.chunks)
      if (graph.fn) mx::detail::compile_erase(cache, graph.id);
}

void ProgramLoops::add_loop(const ir::Op& op) {
  Loop loop;
  int limit = loop_chunk_limit();
  if (limit == 0) {
    loop.why = "APPLEJAX_LOOP_CHUNK=0";
  } else if (op.regions.size() == 2 &&
             lower::traceable_in_graph(op.regions[0], module_, &loop.why) &&
             lower::traceable_in_graph(op.regions[1], module_, &loop.why)) {
    size_t ops = lower::lowered_op_count(op.regions[0], module_) +
                 lower::lowered_op_count(op.regions[1], module_);
    loop.cap = std::min(limit, floor_pow2(std::max<size_t>(1, kOpsPerChunk / std::max<size_t>(1, ops))));
    loop.outer = lower::outer_values(op);
    if (auto counted = lower::counted_loop(op)) {
      loop.counter = counted->counter;
      loop.stacked = lower::stacked_output_slots(op, module_, counted->counter);
    }
  }
  loops_.emplace(&op, std::move(loop));
}

ProgramLoops::Loop& ProgramLoops::loop_of(const ir::Op& op) {
  auto it = loops_.find(&op);
  if (it == loops_.end()) lower::fail(op, "a while loop the program did not check at compile time");
  return it->second;
}

int ProgramLoops::chunk_cap(const ir::Op& op, std::string* why) {
  std::lock_guard<std::mutex> lock(compile_mutex());
  Loop& loop = loop_of(op);
  if (why) *why = loop.why;
  return loop.cap;
}

const std::vector<size_t>& ProgramLoops::stacked_slots(const ir::Op& op) {
  std::lock_guard<std::mutex> lock(compile_mutex());
  return loop_of(op).stacked;
}

const std::vector<ir::ValueId>& ProgramLoops::outer_values(const ir::Op& op) {
  std::lock_guard<std::mutex> lock(compile_mutex());
  return loop_of(op).outer;
}

// The traced function takes the state followed by the outer values; each
// trace gets a fresh emitter, so nothing of the caller's is captured.
ArrayFn ProgramLoops::trace_chunk(const ir::Op& op, const Loop& loop, lower::ChunkKind kind,
                                  int k) const {
  const ir::Module& module = module_;
  mx::Device device = device_;
  const Loop* l = &loop;
  return [&module, device, &op, l, kind, k](const std::vector<mx::array>& args) {
    size_t n = args.size() - l->outer.size();
    lower::Emitter em(module, device, nullptr, /*tracing=*/true);
    em.bind_outer(l->outer, lower::Values(args.begin() + n, args.end()));
    lower::Values state(args.begin(), args.begin() + n);
    auto cond = [&](const lower::Values& s) {
      lower::Values c = em.run_region(op.regions[0], s);
      if (c.size() != 1) lower::fail(op, "while condition must return one value");
      return c[0];
    };
    if (kind == lower::ChunkKind::kSpeculative) {
      for (int i = 0; i < k; ++i) {
        mx::array go = cond(state);
        lower::Values next = em.run_region(op.regions[1], state);
        if (next.size() != state.size()) lower::fail(op, "while body changes the state's arity");
        for (size_t j = 0; j < state.size(); ++j)
          state[j] = mx::where(go, next[j], state[j], device);
      }
      state.push_back(cond(state));
      return std::vector<mx::array>(state.begin(), state.end());
    }
    if (!l->counter) lower::fail(op, "a counted chunk of a loop without a counter");
    static const std::vector<size_t> none;
    lower::ChunkRows rows(state, *l->counter,
                          kind == lower::ChunkKind::kCountedStacked ? l->stacked : none, k, device);
    em.set_chunk_rows(&rows);
    for (int i = 0; i < k; ++i) {
      rows.begin_iteration(i, state[*l->counter]);
      state = em.run_region(op.regions[1], state);
    }
    em.set_chunk_rows(nullptr);
    rows.finish(state);
    return std::vector<mx::array>(state.begin(), state.end());
  };
}

lower::Values ProgramLoops::run_chunk(const ir::Op& op, lower::ChunkKind kind, int k,
                                      const lower::Values& state, const lower::Values& outer) {
  std::lock_guard<std::mutex> lock(compile_mutex());
  Loop& loop = loop_of(op);
  auto [it, fresh] = loop.chunks.try_emplace({kind, k}, Graph{0, {}});
  Graph& graph = it->second;
  if (fresh) {
    graph.id = next_compile_id();
    graph.fn = mx::detail::compile(trace_chunk(op, loop, kind, k), graph.id);
  }
  std::vector<mx::array> args(state.begin(), state.end());
  args.insert(args.end(), outer.begin(), outer.end());
  return graph.fn(args);
}

std::optional<lower::Values> ProgramLoops::run_region(const ir::Region& region,
                                                      const lower::Values& args) {
  auto it = regions_.find(&region);
  if (it == regions_.end()) return std::nullopt;
  Graph& graph = it->second;
  std::lock_guard<std::mutex> lock(compile_mutex());
  if (!graph.fn) {
    const ir::Region* r = &region;
    const ir::Module& module = module_;
    mx::Device device = device_;
    graph.fn = mx::detail::compile(
        [&module, device, r](const std::vector<mx::array>& a) {
          lower::Emitter em(module, device);
          return em.run_region(*r, a);
        },
        graph.id);
  }
  return graph.fn(args);
}

void ProgramLoops::log_path(const ir::Op& op, const std::string& path) {
  static const bool enabled = [] {
    const char* v = std::getenv("APPLEJAX_LOG_LOOPS");
    return v && *v && std::string_view(v) != "0";
  }();
  if (!enabled) return;
  std::lock_guard<std::mutex> lock(compile_mutex());
  Loop& loop = loop_of(op);
  if (loop.logged) return;
  loop.logged = true;
  std::fprintf(stderr, "applejax: while at %s: %s\n",
               op.loc.text.empty() ? "an unnamed location" : op.loc.text.c_str(), path.c_str());
}

}  // namespace applejax::runtime
