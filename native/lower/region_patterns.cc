#include "lower/region_patterns.h"

#include <algorithm>

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

namespace applejax::lower {
namespace {

const ir::Op* defining_op(const ir::Block& block, ir::ValueId v) {
  for (const ir::Op& op : block.ops)
    for (ir::ValueId r : op.results)
      if (r == v) return &op;
  return nullptr;
}

std::optional<size_t> argument_index(const ir::Block& block, ir::ValueId v) {
  for (size_t i = 0; i < block.arguments.size(); ++i)
    if (block.arguments[i] == v) return i;
  return std::nullopt;
}

bool is_scalar_one(const ir::Op* op) {
  if (!op || op->name != "stablehlo.constant") return false;
  const ir::Attribute* value = op->attr("value");
  if (!value || value->kind != ir::Attribute::Kind::kDense || !value->data) return false;
  if (value->type.num_elements() != 1 && !value->splat) return false;
  const std::vector<uint8_t>& bytes = *value->data;
  if (bytes.empty() || bytes.size() > 8) return false;
  // Little-endian integer 1 of any width.
  if (bytes[0] != 1) return false;
  for (size_t i = 1; i < bytes.size(); ++i)
    if (bytes[i] != 0) return false;
  return ir::is_integer(value->type.element);
}

}  // namespace

std::optional<CountedLoop> counted_loop(const ir::Op& while_op) {
  if (while_op.regions.size() != 2) return std::nullopt;
  const ir::Region& cond = while_op.regions[0];
  const ir::Region& body = while_op.regions[1];
  if (cond.blocks.size() != 1 || body.blocks.size() != 1) return std::nullopt;
  const ir::Block& c = cond.blocks.front();
  const ir::Block& b = body.blocks.front();
  if (c.ops.empty() || b.ops.empty() || c.ops.back().operands.size() != 1) return std::nullopt;

  const ir::Op* compare = defining_op(c, c.ops.back().operands[0]);
  if (!compare || compare->name != "stablehlo.compare" || compare->operands.size() != 2)
    return std::nullopt;
  const ir::Attribute* dir = compare->attr("comparison_direction");
  if (!dir || dir->s != "LT") return std::nullopt;
  CountedLoop loop;
  auto counter = argument_index(c, compare->operands[0]);
  if (!counter) return std::nullopt;
  loop.counter = *counter;
  if (auto j = argument_index(c, compare->operands[1])) {
    loop.bound_state = *j;
  } else {
    const ir::Op* k = defining_op(c, compare->operands[1]);
    if (!k) loop.bound_outer = compare->operands[1];
    else if (k->name == "stablehlo.constant") loop.bound_constant = k;
    else return std::nullopt;
  }

  const ir::Op& ret = b.ops.back();
  if (ret.operands.size() != b.arguments.size() || loop.counter >= ret.operands.size())
    return std::nullopt;
  const ir::Op* step = defining_op(b, ret.operands[loop.counter]);
  if (!step || step->name != "stablehlo.add" || step->operands.size() != 2) return std::nullopt;
  ir::ValueId i = b.arguments[loop.counter];
  ir::ValueId other;
  if (step->operands[0] == i) other = step->operands[1];
  else if (step->operands[1] == i) other = step->operands[0];
  else return std::nullopt;
  if (const ir::Op* one = defining_op(b, other)) {
    if (!is_scalar_one(one)) return std::nullopt;
  } else if (std::find(b.arguments.begin(), b.arguments.end(), other) == b.arguments.end()) {
    loop.step_outer = other;  // a constant hoisted out of the loop
  } else {
    return std::nullopt;
  }
  if (loop.bound_state &&
      (*loop.bound_state == loop.counter ||
       ret.operands[*loop.bound_state] != b.arguments[*loop.bound_state]))
    return std::nullopt;
  return loop;
}

}  // namespace applejax::lower
