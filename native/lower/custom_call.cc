// stablehlo.custom_call: dispatched on call_target_name to the handler a
// family registered as "stablehlo.custom_call@<target>" (see
// custom_call_key). Targets arrive from two places: JAX's own generic
// lowerings ("Qr", "ProductOfElementaryHouseholderReflectors") and the
// lowering rules of the python shim ("applejax.*").
#include <string>

#include "lower/emitter.h"
#include "lower/errors.h"

namespace applejax::lower {
namespace {

// Handlers read and write row-major arrays; a custom call that asks for any
// other layout would get silently transposed data.
void check_row_major(const ir::Op& op, std::string_view attr) {
  const ir::Attribute* layouts = op.attr(attr);
  if (!layouts || layouts->kind != ir::Attribute::Kind::kArray) return;
  for (const ir::Attribute& layout : layouts->array) {
    std::vector<int64_t> dims = layout.ints();
    for (size_t i = 0; i < dims.size(); ++i)
      if (dims[i] != static_cast<int64_t>(dims.size() - 1 - i))
        fail_unsupported(op, "custom_call " + std::string(attr) +
                                 " other than row-major (major-to-minor)");
  }
}

Values custom_call(Emitter& em, const ir::Op& op, const Values& in) {
  const ir::Attribute* target = op.attr("call_target_name");
  if (!target || target->s.empty()) fail(op, "custom_call without a call_target_name");
  LowerFn fn = Registry::instance().find(custom_call_key(target->s));
  if (!fn) fail_unsupported(op, "no handler for custom_call target '" + target->s + "'");
  check_row_major(op, "operand_layouts");
  check_row_major(op, "result_layouts");
  return fn(em, op, in);
}

}  // namespace

std::string custom_call_key(std::string_view target) {
  return "stablehlo.custom_call@" + std::string(target);
}

void register_approx_top_k(Registry& r);  // approx_top_k.cc

void register_custom_call(Registry& r) {
  r.add("stablehlo.custom_call", custom_call);
  register_approx_top_k(r);
}

}  // namespace applejax::lower
