// Recognisers for the small regions StableHLO uses as combiners (reduce,
// reduce_window, scatter bodies), so that the common ones map onto a single
// MLX kernel instead of running the region.
#pragma once

#include <optional>
#include <string>

#include "ir/ir.h"

namespace applejax::lower {

// The op name of a two-argument body "return op(a, b)" (either operand
// order), or "" for any other body.
std::string binary_body(const ir::Region& body);

// True for a two-argument body "return b": scatter's replace.
bool returns_second_argument(const ir::Region& body);

}  // namespace applejax::lower

namespace applejax::lower {

// A while loop whose condition is "state[counter] < bound" and whose body
// adds 1 to state[counter] -- what JAX emits for scan and fori_loop. Its trip
// count is known once the initial state is, so iterations need not read the
// condition back to the host.
struct CountedLoop {
  size_t counter = 0;
  // The bound is loop-invariant state (the body returns it unchanged), a
  // constant op inside the condition region, or a value from outside the
  // loop (where jaxlib hoists constants to).
  std::optional<size_t> bound_state;
  const ir::Op* bound_constant = nullptr;
  std::optional<ir::ValueId> bound_outer;
  // A step defined outside the loop, which must turn out to be 1 when the
  // loop runs; none when the step is a constant 1 inside the body.
  std::optional<ir::ValueId> step_outer;
};

std::optional<CountedLoop> counted_loop(const ir::Op& while_op);

}  // namespace applejax::lower
