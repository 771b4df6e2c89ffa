// while, if, case and calls.
//
// Predicates are evaluated on the host: MLX graphs have no data-dependent
// control flow, so each loop iteration and each branch choice synchronises.
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/indexing.h"
#include "lower/region_patterns.h"

namespace applejax::lower {
namespace {

bool host_bool(const mx::array& a) {
  mx::array v = a;
  v.eval();
  return v.item<bool>();
}

// How many iterations a counted loop runs, or nullopt when that cannot be
// known without reading the condition each time.
std::optional<int64_t> trip_count(Emitter& em, const CountedLoop& loop, const Values& state) {
  const mx::array& i = state[loop.counter];
  if (i.ndim() != 0 || !mx::issubdtype(i.dtype(), mx::integer) || i.dtype() == mx::uint64)
    return std::nullopt;
  mx::array bound = loop.bound_state
                        ? state[*loop.bound_state]
                        : Registry::instance().find("stablehlo.constant")(
                              em, *loop.bound_constant, {})[0];
  if (bound.ndim() != 0 || bound.dtype() != i.dtype()) return std::nullopt;
  mx::array both = mx::astype(mx::stack({i, bound}), mx::int64);
  both.eval();
  const int64_t* v = both.data<int64_t>();
  return v[1] > v[0] ? v[1] - v[0] : 0;
}

Values while_(Emitter& em, const ir::Op& op, const Values& in) {
  if (op.regions.size() != 2) fail(op, "while needs cond and body regions");
  Values state = in;
  if (auto loop = counted_loop(op)) {
    if (auto trips = trip_count(em, *loop, state)) {
      // The condition is never read back: iterations are queued without
      // waiting, with a sync every few to bound the pending graph.
      for (int64_t t = 0; t < *trips; ++t) {
        state = em.run_loop_region(op.regions[1], state);
        if (t % 16 == 15) mx::eval(state);
        else mx::async_eval(state);
      }
      return state;
    }
  }
  for (;;) {
    Values cond = em.run_loop_region(op.regions[0], state);
    if (cond.size() != 1) fail(op, "while condition must return one value");
    if (!host_bool(cond[0])) return state;
    state = em.run_loop_region(op.regions[1], state);
    // Evaluating each iteration keeps the graph from growing with the trip
    // count.
    mx::eval(state);
  }
}

Values if_(Emitter& em, const ir::Op& op, const Values& in) {
  if (op.regions.size() != 2) fail(op, "if needs two branches");
  return em.run_region(op.regions[host_bool(in[0]) ? 0 : 1], {});
}

Values case_(Emitter& em, const ir::Op& op, const Values& in) {
  if (op.regions.empty()) fail(op, "case without branches");
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
  return em.call(*fn, in);
}

}  // namespace

bool reads_host(const ir::Op& op) {
  if (op.name == "stablehlo.while" || op.name == "stablehlo.if" || op.name == "stablehlo.case")
    return true;
  return op.name == "stablehlo.scatter" && scatter_reads_host(op);
}

void register_control_flow(Registry& r) {
  r.add("stablehlo.while", while_);
  r.add("stablehlo.if", if_);
  r.add("stablehlo.case", case_);
  r.add("func.call", call);
}

}  // namespace applejax::lower
