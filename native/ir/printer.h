// Prints an ir::Module as StableHLO-like text in MLIR's generic op form, for
// debugging and for comparing against jaxlib's own printout.
#pragma once

#include <string>

#include "ir/ir.h"

namespace applejax::ir {

std::string print_module(const Module& module);
std::string print_attribute(const Attribute& a);

}  // namespace applejax::ir
