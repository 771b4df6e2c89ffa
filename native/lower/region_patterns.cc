#include "lower/region_patterns.h"

namespace applejax::lower {

std::string binary_body(const ir::Region& body) {
  if (body.blocks.size() != 1) return "";
  const ir::Block& b = body.blocks.front();
  if (b.arguments.size() != 2 || b.ops.size() != 2) return "";
  const ir::Op& op = b.ops[0];
  const ir::Op& ret = b.ops[1];
  if (op.operands.size() != 2 || op.results.size() != 1 || ret.operands.size() != 1 ||
      ret.operands[0] != op.results[0])
    return "";
  bool uses_args = (op.operands[0] == b.arguments[0] && op.operands[1] == b.arguments[1]) ||
                   (op.operands[0] == b.arguments[1] && op.operands[1] == b.arguments[0]);
  return uses_args ? op.name : "";
}

bool returns_second_argument(const ir::Region& body) {
  if (body.blocks.size() != 1) return false;
  const ir::Block& b = body.blocks.front();
  return b.arguments.size() == 2 && b.ops.size() == 1 && b.ops[0].operands.size() == 1 &&
         b.ops[0].operands[0] == b.arguments[1];
}

}  // namespace applejax::lower
