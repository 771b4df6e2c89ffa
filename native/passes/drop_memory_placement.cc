// drop_memory_placement: JAX marks a value that moves between memory kinds
// (jax.device_put(x, memory_kind=...) inside jit, compute_on's
// out_memory_spaces) with custom_call @annotate_device_placement, whose
// _xla_buffer_placement attribute names the kind, and XLA inserts the copy.
// On the plugin every memory kind is the same host-addressable MLX memory
// (pjrt/objects.h), so nothing moves: the annotation becomes its operand.
// Where a result lands is still reported, from the entry's
// mhlo.memory_kind result attributes (pjrt/client.cc).
#include "passes/match.h"
#include "passes/pass.h"
#include "passes/rewriter.h"

namespace applejax::passes {

bool drop_memory_placement(ir::Module& m) {
  return rewrite_each_op(m, 1, [](const Uses& u, Rewriter& rw, const ir::Op& op) {
    if (op.name != "stablehlo.custom_call" || op.operands.size() != 1 || op.results.size() != 1)
      return;
    const ir::Attribute* target = op.attr("call_target_name");
    if (!target || target->s != "annotate_device_placement") return;
    // Only a pure relabelling: same type in and out.
    if (!(u.type(op.operands[0]) == u.type(op.results[0]))) return;
    rw.replace_uses(op.results[0], op.operands[0]);
    rw.erase(&op);
  });
}

}  // namespace applejax::passes
