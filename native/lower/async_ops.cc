// stablehlo.async_start and stablehlo.async_done: JAX's psum_start(...).done()
// family (and XLA's own async wrapping) puts a computation, usually one
// collective, in async_start's isolated region; the start yields a
// !stablehlo.future of the region's results and async_done hands them out.
//
// The emitter binds one array per value, while a future may hold several
// values, so the start binds only a placeholder and the done runs the start's
// region on the start's operands. The region is isolated from above, so those
// operands are all it reads; they are still bound when the done runs, because
// both ops sit in the same block (the future cannot be returned or passed
// through control flow in any program JAX or StableHLO's verifier accepts).
// Running the work at the done rather than at the start changes nothing
// observable: MLX evaluates lazily either way, and the collectives inside are
// the one-device ones of collectives.cc.
#include <mlx/ops.h>

#include "lower/emitter.h"
#include "lower/errors.h"

namespace applejax::lower {
namespace {

const ir::Op* find_definition(const ir::Region& region, ir::ValueId id);

const ir::Op* find_definition(const std::vector<ir::Op>& ops, ir::ValueId id) {
  for (const ir::Op& op : ops) {
    for (ir::ValueId r : op.results)
      if (r == id) return &op;
    for (const ir::Region& inner : op.regions)
      if (const ir::Op* found = find_definition(inner, id)) return found;
  }
  return nullptr;
}

const ir::Op* find_definition(const ir::Region& region, ir::ValueId id) {
  for (const ir::Block& b : region.blocks)
    if (const ir::Op* found = find_definition(b.ops, id)) return found;
  return nullptr;
}

Values async_start(Emitter& em, const ir::Op& op, const Values&) {
  if (op.regions.size() != 1 || op.regions[0].blocks.size() != 1)
    fail(op, "async_start needs one region of one block (malformed program)");
  if (op.results.size() != 1 || em.type_of(op.results[0]).kind != ir::Type::Kind::kFuture)
    fail(op, "async_start must yield one !stablehlo.future (malformed program)");
  return {mx::array(false)};
}

Values async_done(Emitter& em, const ir::Op& op, const Values&) {
  if (op.operands.size() != 1) fail(op, "async_done takes one future (malformed program)");
  const ir::Op* start = nullptr;
  for (const ir::Function& f : em.module().functions)
    if ((start = find_definition(f.body, op.operands[0]))) break;
  if (!start || start->name != "stablehlo.async_start")
    fail(op, "async_done's operand is not the future of an async_start in this program");
  const ir::Type& future = em.type_of(op.operands[0]);
  if (future.kind != ir::Type::Kind::kFuture || future.elements.size() != op.results.size())
    fail(op, "async_done must yield the " + std::to_string(future.elements.size()) +
                 " values its future holds, not " + std::to_string(op.results.size()) +
                 " (malformed program)");
  Values args;
  for (ir::ValueId id : start->operands) args.push_back(em.value(*start, id));
  Values out = em.run_region(start->regions.at(0), args);
  if (out.size() != op.results.size())
    fail(*start, "async_start's region returns " + std::to_string(out.size()) +
                     " values for a future of " + std::to_string(op.results.size()) +
                     " (malformed program)");
  return out;
}

}  // namespace

void register_async_ops(Registry& r) {
  r.add("stablehlo.async_start", async_start);
  r.add("stablehlo.async_done", async_done);
}

}  // namespace applejax::lower
