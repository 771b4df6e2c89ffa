// The pass pipeline run on every program between the reader and the
// lowering (runtime/program.cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ir/ir.h"

namespace applejax::passes {

struct PassRun {
  std::string_view name;
  bool changed;
};

// Parses APPLEJAX_PASSES and runs the chosen passes in the default order,
// verifying the IR after each one that changed it (a broken pass is then
// an error naming it, not a crash in the lowering) and dumping it when
// APPLEJAX_DUMP_IR names a directory. Both variables are read on every
// call. Throws std::runtime_error for a bad APPLEJAX_PASSES or a pass that
// broke the IR.
std::vector<PassRun> run_pipeline(ir::Module& m);

// The names APPLEJAX_PASSES accepts, in the default order.
std::vector<std::string_view> pass_names();

// Checks that every operand is defined before it is read, in its block or
// an enclosing one, and that no value is defined twice. Returns "" or the
// first problem.
std::string verify(const ir::Module& m);

}  // namespace applejax::passes
