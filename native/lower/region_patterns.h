// Recognisers for the small regions StableHLO uses as combiners (reduce,
// reduce_window, scatter bodies), so that the common ones map onto a single
// MLX kernel instead of running the region.
#pragma once

#include <string>

#include "ir/ir.h"

namespace applejax::lower {

// The op name of a two-argument body "return op(a, b)" (either operand
// order), or "" for any other body.
std::string binary_body(const ir::Region& body);

// True for a two-argument body "return b": scatter's replace.
bool returns_second_argument(const ir::Region& body);

}  // namespace applejax::lower
