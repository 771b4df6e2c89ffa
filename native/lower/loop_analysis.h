// What the loop runner needs to know about a while loop before it traces
// many of its iterations into one graph: whether its regions can be traced
// at all, how big they are, and which outside values they read.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ir/ir.h"

namespace applejax::lower {

// Whether every op in `region` (and in the functions it calls) can run
// inside mlx::core::compile: nothing reads a value back to the host and
// nothing has effects. Branches count, since a traced emitter lowers them
// as selects. When not, *why names the first op in the way.
bool traceable_in_graph(const ir::Region& region, const ir::Module& module, std::string* why);

// Ops one run of `region` lowers, counting called functions' bodies; a
// recognised threefry2x32 call counts as one.
size_t lowered_op_count(const ir::Region& region, const ir::Module& module);

// Values that the regions of `op` read but do not define (closures), in
// first-use order.
std::vector<ir::ValueId> outer_values(const ir::Op& op);
// The same for one region; empty when the region is self-contained.
std::vector<ir::ValueId> outer_values(const ir::Region& region);

}  // namespace applejax::lower
