// while, if, case and calls.
//
// Predicates are evaluated on the host: MLX graphs have no data-dependent
// control flow, so each loop iteration and each branch choice synchronises.
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "lower/emitter.h"
#include "lower/errors.h"

namespace applejax::lower {
namespace {

bool host_bool(const mx::array& a) {
  mx::array v = a;
  v.eval();
  return v.item<bool>();
}

Values while_(Emitter& em, const ir::Op& op, const Values& in) {
  if (op.regions.size() != 2) fail(op, "while needs cond and body regions");
  Values state = in;
  for (;;) {
    Values cond = em.run_region(op.regions[0], state);
    if (cond.size() != 1) fail(op, "while condition must return one value");
    if (!host_bool(cond[0])) return state;
    state = em.run_region(op.regions[1], state);
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

void register_control_flow(Registry& r) {
  r.add("stablehlo.while", while_);
  r.add("stablehlo.if", if_);
  r.add("stablehlo.case", case_);
  r.add("func.call", call);
}

}  // namespace applejax::lower
