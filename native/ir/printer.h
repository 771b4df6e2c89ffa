// Prints an ir::Module as StableHLO text in MLIR's generic op form, the way
// jaxlib prints its own deserialisation of the same artifact
// (`get_asm(print_generic_op_form=True)`): properties in `<{...}>`,
// discardable attributes in `{...}`, StableHLO's attribute syntax. Value
// names follow the same shape (%3, %6:2, %6#1, %arg0, ^bb0) but not
// necessarily the same numbers, so a comparison renumbers both sides.
#pragma once

#include <string>

#include "ir/ir.h"

namespace applejax::ir {

struct PrintOptions {
  // Append `loc("...")` to each op; jaxlib's print without debug info has
  // none.
  bool locations = true;
};

std::string print_module(const Module& module, const PrintOptions& options = {});
std::string print_attribute(const Attribute& a);
std::string print_type(const Type& t);

}  // namespace applejax::ir
