#include "pjrt/program_text.h"

#include <algorithm>
#include <span>

#include "ir/printer.h"
#include "vhlo/reader.h"

namespace applejax::pjrt {
namespace {

// The reader keeps attributes of dialects it cannot decode (sdy.sharding from
// the partitioner) as kNone placeholders. They print as text MLIR cannot
// parse, and they say nothing about what the program computes, so they go.
void drop_placeholders(std::vector<ir::NamedAttribute>& attrs);

void drop_placeholders(ir::Attribute& a) {
  if (a.kind == ir::Attribute::Kind::kDictionary) drop_placeholders(a.dict);
  for (ir::Attribute& e : a.array) drop_placeholders(e);
}

void drop_placeholders(std::vector<ir::NamedAttribute>& attrs) {
  std::erase_if(attrs, [](const ir::NamedAttribute& n) {
    return n.second.kind == ir::Attribute::Kind::kNone;
  });
  for (auto& [name, value] : attrs) drop_placeholders(value);
}

void drop_placeholders(ir::Region& region) {
  for (ir::Block& block : region.blocks)
    for (ir::Op& op : block.ops) {
      drop_placeholders(op.attributes);
      for (ir::Region& r : op.regions) drop_placeholders(r);
    }
}

}  // namespace

std::string program_text(std::string_view artifact) {
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(artifact.data()),
                                 artifact.size());
  ir::Module module = vhlo::read_artifact(bytes);
  drop_placeholders(module.attributes);
  for (ir::Function& f : module.functions) {
    drop_placeholders(f.attributes);
    for (auto& attrs : f.argument_attributes) drop_placeholders(attrs);
    for (auto& attrs : f.result_attributes) drop_placeholders(attrs);
    drop_placeholders(f.body);
  }
  return ir::print_module(module, {.locations = false});
}

}  // namespace applejax::pjrt
