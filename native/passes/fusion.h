// What the fusion passes share: the custom call a match becomes, and the
// driver that visits candidate roots.
//
// A fused op is `stablehlo.custom_call @applejax.fast.<kernel>` with its
// parameters as attributes (lower/fast.cc lowers it). It defines the root's
// own result ids, so replacing the root keeps the program's meaning
// whatever else reads the pattern's inner values; the single-use checks in
// the patterns are about profit (no kernel that recomputes values kept
// alive anyway), not about correctness.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ir/ir.h"
#include "passes/match.h"
#include "passes/rewriter.h"

namespace applejax::passes {

struct Fused {
  std::vector<ir::Op> ops;             // replaces the root; the last defines its results
  std::vector<ir::ValueId> internal;   // values the match consumed
};

// Tries `match` on every op, later ops first so an outer pattern (a norm
// with its weight) wins over the inner one it contains; ops that are part
// of an accepted match are not tried again; what the fused ops replaced is
// removed (dce) before the next round. Returns whether it fused any.
bool fuse_each(ir::Module& m,
               const std::function<std::optional<Fused>(const Uses&, Rewriter&, const ir::Op&)>& match);

ir::Op fast_call(std::string kernel, std::vector<ir::ValueId> operands, const ir::Op& root);

// Whether v is read by exactly one operand slot.
bool used_once(const Uses& u, ir::ValueId v);

}  // namespace applejax::passes
