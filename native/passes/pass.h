// A pass rewrites an ir::Module in place and says whether it changed it.
//
// Passes run between the reader and the lowering (pipeline.cc), so the
// lowering's caches that key on ir::Region* or hold ir::Op* (ProgramLoops)
// only ever see the final IR. Every pass must keep the module's meaning
// exactly: a fusion that is not certain declines, and the plain lowering
// runs.
#pragma once

#include <string_view>

#include "ir/ir.h"

namespace applejax::passes {

struct Pass {
  std::string_view name;
  bool (*run)(ir::Module&);
};

// One per file.
bool inline_calls(ir::Module& m);
bool fold_dynamic_shapes(ir::Module& m);
bool drop_memory_placement(ir::Module& m);
bool fold_constants(ir::Module& m);
bool simplify(ir::Module& m);
bool cse(ir::Module& m);
bool dce(ir::Module& m);
bool fuse_softmax(ir::Module& m);
bool fuse_norms(ir::Module& m);
bool fuse_addmm(ir::Module& m);
bool fuse_attention(ir::Module& m);

}  // namespace applejax::passes
