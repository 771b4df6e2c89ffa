// Which ops a pass may remove (DCE) or merge (CSE).
#pragma once

#include "ir/ir.h"

namespace applejax::passes {

// No side effects, anywhere inside: removing it when its results are unused
// changes nothing. Calls and unknown custom calls count as effects.
bool is_removable(const ir::Op& op);
// Removable, without regions, and deterministic: two copies with the same
// operands and attributes compute the same values.
bool is_mergeable(const ir::Op& op);

}  // namespace applejax::passes
