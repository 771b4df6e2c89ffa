// while, if, case, calls and map.
//
// MLX graphs have no data-dependent control flow. Branch choices are read
// on the host, except inside a traced loop chunk, where both branches run
// and a select keeps one. Loops run as chunks of many iterations traced
// into one graph (the emitter's LoopRunner) where their regions allow it:
// counted loops by their trip count, read once; other loops speculatively,
// reading the condition once per chunk. The rest run one interpreted
// iteration at a time, reading the condition back after each.
#include <cstdio>
#include <cstdlib>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "lower/emitter.h"
#include "lower/host_callback.h"
#include "lower/errors.h"
#include "lower/indexing.h"
#include "lower/region_patterns.h"
#include "lower/threefry.h"

namespace applejax::lower {
namespace {

bool host_bool(const mx::array& a) {
  mx::array v = a;
  v.eval();
  return v.item<bool>();
}

// How many iterations a counted loop runs, or nullopt when that cannot be
// known without reading the condition each time.
struct Trips {
  int64_t count;
  int64_t first;  // the counter's initial value
};

std::optional<Trips> trip_count(Emitter& em, const ir::Op& op, const CountedLoop& loop,
                                const Values& state) {
  const mx::array& i = state[loop.counter];
  if (i.ndim() != 0 || !mx::issubdtype(i.dtype(), mx::integer) || i.dtype() == mx::uint64)
    return std::nullopt;
  mx::array bound = loop.bound_state    ? state[*loop.bound_state]
                    : loop.bound_outer ? em.value(op, *loop.bound_outer)
                                       : Registry::instance().find("stablehlo.constant")(
                                             em, *loop.bound_constant, {})[0];
  mx::array step = loop.step_outer ? em.value(op, *loop.step_outer) : mx::array(1, i.dtype());
  if (bound.ndim() != 0 || bound.dtype() != i.dtype() || step.ndim() != 0 ||
      step.dtype() != i.dtype())
    return std::nullopt;
  mx::array all = mx::astype(mx::stack({i, bound, step}), mx::int64);
  all.eval();
  const int64_t* v = all.data<int64_t>();
  if (v[2] != 1) return std::nullopt;
  return Trips{v[1] > v[0] ? v[1] - v[0] : 0, v[0]};
}

// Loops shorter than this run one iteration at a time: tracing a chunk
// costs more (on MLX's CPU a C++ compile per new fused kernel) than a few
// interpreted iterations.
constexpr int64_t kMinChunkTrips = 16;
// Loops without a trip count run this many iterations exactly first: most
// end within them, and those need no traced graph at all.
constexpr int kExactFirstIterations = 2;
// Chunks are queued without waiting; a sync after this many bounds the
// work in flight.
constexpr int kChunksPerSync = 8;

Values outer_of(Emitter& em, const ir::Op& op) {
  Values outer;
  for (ir::ValueId id : em.loops()->outer_values(op)) outer.push_back(em.value(op, id));
  return outer;
}

// Full chunks of `cap` iterations, then the remainder as chunks of its
// binary digits, so that one loop traces at most log2(cap) + 1 graphs
// whatever its trip counts. Chunks whose counter range [i, i + k) lies
// inside every stacked output defer those rows' writes to the chunk's end
// (chunk_rows.h).
Values run_counted_chunks(Emitter& em, const ir::Op& op, Values state, Trips t, int cap) {
  Values outer = outer_of(em, op);
  const std::vector<size_t>& stacked = em.loops()->stacked_slots(op);
  int64_t trips = t.count, i = t.first;
  int queued = 0;
  auto run = [&](int k) {
    bool inside = !stacked.empty() && i >= 0;
    for (size_t slot : stacked)
      inside = inside && state[slot].ndim() > 0 && i + k <= state[slot].shape()[0];
    state = em.loops()->run_chunk(op, inside ? ChunkKind::kCountedStacked : ChunkKind::kCounted,
                                  k, state, outer);
    i += k;
    if (++queued % kChunksPerSync == 0) mx::eval(state);
    else mx::async_eval(state);
  };
  for (; trips >= cap; trips -= cap) run(cap);
  for (int k = cap / 2; k >= 1; k /= 2)
    if (trips & k) run(k);
  return state;
}

bool exact_condition(Emitter& em, const ir::Op& op, const Values& state) {
  Values cond = em.run_loop_region(op.regions[0], state);
  if (cond.size() != 1) fail(op, "while condition must return one value");
  return host_bool(cond[0]);
}

// Chunks of 2, 4, 8, ... up to `cap` iterations, each reading the
// condition back once. Iterations past the loop's end compute on a state
// the condition rejected (possibly NaN or out-of-range indices, which
// StableHLO's ops define), and the select discards them, so the result is
// the exact loop's.
Values run_speculative(Emitter& em, const ir::Op& op, Values state, int cap) {
  Values outer = outer_of(em, op);
  for (int k = std::min(2, cap);; k = std::min(2 * k, cap)) {
    Values out = em.loops()->run_chunk(op, ChunkKind::kSpeculative, k, state, outer);
    mx::array more = out.back();
    out.pop_back();
    state = std::move(out);
    if (!host_bool(more)) return state;
  }
}

Values while_(Emitter& em, const ir::Op& op, const Values& in) {
  if (op.regions.size() != 2) fail(op, "while needs cond and body regions");
  if (em.tracing()) fail(op, "a while loop inside a traced loop chunk");
  Values state = in;
  std::string why;
  int cap = em.loops() ? em.loops()->chunk_cap(op, &why) : 0;
  if (!em.loops()) why = "no loop runner";
  auto log = [&](const std::string& path) {
    if (em.loops()) em.loops()->log_path(op, path);
  };
  if (auto loop = counted_loop(op)) {
    if (auto trips = trip_count(em, op, *loop, state)) {
      if (cap > 0 && trips->count >= kMinChunkTrips) {
        log("chunked K=" + std::to_string(cap) + " trips=" + std::to_string(trips->count) +
            (em.loops()->stacked_slots(op).empty()
                 ? std::string()
                 : " stacked=" + std::to_string(em.loops()->stacked_slots(op).size())));
        return run_counted_chunks(em, op, std::move(state), *trips, cap);
      }
      log(cap > 0 ? "exact (" + std::to_string(trips->count) + " trips, fewer than " +
                        std::to_string(kMinChunkTrips) + ")"
                  : "exact (" + why + ")");
      // The condition is never read back: iterations are queued without
      // waiting, with a sync every few to bound the pending graph.
      for (int64_t t = 0; t < trips->count; ++t) {
        state = em.run_loop_region(op.regions[1], state);
        if (t % 16 == 15) mx::eval(state);
        else mx::async_eval(state);
      }
      return state;
    }
  }
  log(cap > 0 ? std::string("speculative") : "exact (" + why + ")");
  for (int t = 0; cap == 0 || t < kExactFirstIterations; ++t) {
    if (!exact_condition(em, op, state)) return state;
    state = em.run_loop_region(op.regions[1], state);
    // Evaluating each iteration keeps the graph from growing with the trip
    // count.
    mx::eval(state);
  }
  return run_speculative(em, op, std::move(state), cap);
}

// Inside a traced chunk nothing can be read back, so every branch runs and
// selects keep the chosen one's results.
Values select_branch(Emitter& em, const ir::Op& op, const mx::array& index) {
  auto s = em.stream();
  int64_t n = static_cast<int64_t>(op.regions.size());
  // Out-of-range indices select the last branch, as on the host path.
  mx::array i = mx::astype(index, mx::int32, s);
  Values out = em.run_region(op.regions[n - 1], {});
  for (int64_t b = n - 2; b >= 0; --b) {
    Values branch = em.run_region(op.regions[b], {});
    if (branch.size() != out.size()) fail(op, "branches return different numbers of values");
    mx::array take = mx::equal(i, mx::array(static_cast<int32_t>(b)), s);
    for (size_t r = 0; r < out.size(); ++r) out[r] = mx::where(take, branch[r], out[r], s);
  }
  return out;
}

Values if_(Emitter& em, const ir::Op& op, const Values& in) {
  if (op.regions.size() != 2) fail(op, "if needs two branches");
  if (em.tracing())
    return select_branch(em, op, mx::logical_not(mx::astype(in[0], mx::bool_, em.stream()),
                                                 em.stream()));
  return em.run_region(op.regions[host_bool(in[0]) ? 0 : 1], {});
}

Values case_(Emitter& em, const ir::Op& op, const Values& in) {
  if (op.regions.empty()) fail(op, "case without branches");
  if (em.tracing()) return select_branch(em, op, in[0]);
  mx::array idx = in[0];
  idx.eval();
  int64_t i = mx::astype(idx, mx::int64).item<int64_t>();
  int64_t n = static_cast<int64_t>(op.regions.size());
  // Out-of-range indices select the last branch.
  if (i < 0 || i >= n) i = n - 1;
  return em.run_region(op.regions[i], {});
}

Values call(Emitter& em, const ir::Op& op, const Values& in) {
  const ir::Attribute* callee = op.attr("callee");
  if (!callee) fail(op, "call without callee");
  const ir::Function* fn = em.module().find_function(callee->s);
  if (!fn) fail(op, "calls unknown function @" + callee->s);
  if (is_threefry2x32(*fn) && in.size() == 4) {
    auto out = threefry2x32(in[0], in[1], in[2], in[3], em.stream());
    return {out[0], out[1]};
  }
  return em.call(*fn, in);
}

// stablehlo.map applies its scalar body to every element. The body's ops
// are elementwise, so one run on the whole operands computes it for all
// elements at once (as reduce and sort bodies run); a body that returns a
// constant comes back as a scalar and is broadcast.
Values map(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  if (in.empty() || op.regions.size() != 1) fail(op, "map needs operands and one body");
  for (const mx::array& x : in)
    if (x.shape() != in[0].shape()) fail(op, "map operands must have one shape");
  std::vector<int64_t> dims = int_list(op, "dimensions");
  if (dims.size() != in[0].ndim()) fail(op, "map dimensions must name every operand dimension");
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i] != static_cast<int64_t>(i))
      fail(op, "map dimensions must be 0, 1, ..., rank - 1 (StableHLO allows no other)");
  Values out = em.run_region_elementwise(op.regions[0], in);
  if (out.size() != 1) fail(op, "the map body must return one value");
  return {mx::broadcast_to(mx::astype(out[0], result_dtype(em, op), s), result_shape(em, op), s)};
}

}  // namespace

bool reads_host(const ir::Op& op) {
  if (op.name == "stablehlo.while" || op.name == "stablehlo.if" || op.name == "stablehlo.case")
    return true;
  if (is_host_callback(op)) return true;
  return op.name == "stablehlo.scatter" && scatter_reads_host(op);
}

void register_control_flow(Registry& r) {
  r.add("stablehlo.while", while_);
  r.add("stablehlo.if", if_);
  r.add("stablehlo.case", case_);
  r.add("func.call", call);
  r.add("stablehlo.map", map);
}

}  // namespace applejax::lower
