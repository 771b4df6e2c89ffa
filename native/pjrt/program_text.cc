#include "pjrt/program_text.h"

#include <algorithm>
#include <span>
#include <unordered_map>

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

// jaxlib turns this text into HLO through MHLO, which has no legalization for
// stablehlo.async_start/async_done. The text is what the plugin runs, and it
// runs an async pair as the start's region in place of the done (lower/
// async_ops.cc), so the pair is printed that way: the region's ops inlined
// where the start was, the done's results replaced by the region's results.
class AsyncInliner {
 public:
  void region(ir::Region& r) {
    for (ir::Block& b : r.blocks) block(b);
  }

 private:
  void block(ir::Block& b) {
    std::vector<ir::Op> ops;
    ops.reserve(b.ops.size());
    for (ir::Op& op : b.ops) emit(std::move(op), ops);
    b.ops = std::move(ops);
  }

  void emit(ir::Op op, std::vector<ir::Op>& out) {
    for (ir::ValueId& v : op.operands) v = renamed(v);
    bool pair = op.regions.size() == 1 && op.regions[0].blocks.size() == 1;
    if (op.name == "stablehlo.async_start" && pair && op.results.size() == 1) {
      ir::Block& body = op.regions[0].blocks[0];
      if (body.arguments.size() == op.operands.size() && !body.ops.empty()) {
        for (size_t i = 0; i < body.arguments.size(); ++i) rename_[body.arguments[i]] = op.operands[i];
        ir::Op terminator = std::move(body.ops.back());
        body.ops.pop_back();
        for (ir::Op& inner : body.ops) emit(std::move(inner), out);
        for (ir::ValueId& v : terminator.operands) v = renamed(v);
        futures_[op.results[0]] = terminator.operands;
        return;
      }
    }
    if (op.name == "stablehlo.async_done" && op.operands.size() == 1) {
      auto f = futures_.find(op.operands[0]);
      if (f != futures_.end() && f->second.size() == op.results.size()) {
        for (size_t i = 0; i < op.results.size(); ++i) rename_[op.results[i]] = f->second[i];
        return;
      }
    }
    for (ir::Region& r : op.regions) region(r);
    out.push_back(std::move(op));
  }

  ir::ValueId renamed(ir::ValueId v) const {
    auto it = rename_.find(v);
    return it == rename_.end() ? v : it->second;
  }

  std::unordered_map<ir::ValueId, ir::ValueId> rename_;
  std::unordered_map<ir::ValueId, std::vector<ir::ValueId>> futures_;
};

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
    AsyncInliner().region(f.body);
  }
  return ir::print_module(module, {.locations = false});
}

}  // namespace applejax::pjrt
