// Compiled.cost_analysis() for mps: an estimate from the program as read,
// counted the way XLA's cost analysis counts (flops per element, two per
// multiply-add, loop bodies once), so roofline and FLOP-counting code works.
#pragma once

#include "ir/ir.h"

namespace applejax::pjrt {

struct CostEstimate {
  double flops = 0;
  double transcendentals = 0;
  double bytes_accessed = 0;  // the entry's arguments and results
};

CostEstimate estimate_cost(const ir::Module& module);

}  // namespace applejax::pjrt
