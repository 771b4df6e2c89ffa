// Turns the generic op tree of a VHLO artifact (builtin.module holding
// vhlo.func_v1 ops) into an ir::Module with StableHLO op names.
#pragma once

#include <vector>

#include "ir/ir.h"

namespace applejax::vhlo {

// `top` are the ops of the bytecode's top-level block; `module.values` is
// already filled. Throws ReadError when the shape is not a VHLO module.
void build_module(std::vector<ir::Op> top, ir::Module& module, uint64_t ir_offset);

}  // namespace applejax::vhlo
