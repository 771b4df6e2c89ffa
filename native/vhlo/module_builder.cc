#include "vhlo/module_builder.h"

#include "vhlo/op_names.h"
#include "vhlo/read_error.h"

namespace applejax::vhlo {
namespace {

using Kind = ir::Attribute::Kind;

[[noreturn]] void fail(const std::string& what, uint64_t offset) {
  throw ReadError("module structure: " + what, offset);
}

void rename_ops(std::vector<ir::Op>& ops, bool function_level) {
  for (ir::Op& op : ops) {
    bool is_call = op.name == "vhlo.call_v1";
    op.name = stablehlo_op_name(op.name, function_level);
    if (is_call) {
      for (auto& [key, value] : op.attributes) {
        if (key == "callee" && value.kind == Kind::kString) value.kind = Kind::kSymbolRef;
      }
    }
    for (ir::Region& region : op.regions) {
      for (ir::Block& block : region.blocks) rename_ops(block.ops, false);
    }
  }
}

std::vector<std::vector<ir::NamedAttribute>> per_value_attrs(const ir::Attribute* a, size_t n,
                                                              const std::string& fn,
                                                              uint64_t offset) {
  std::vector<std::vector<ir::NamedAttribute>> out(n);
  if (!a || a->kind == Kind::kNone || a->kind == Kind::kUnit) return out;
  if (a->kind != Kind::kArray) fail("argument/result attributes of @" + fn + " are not an array", offset);
  if (a->array.empty()) return out;
  if (a->array.size() != n) fail("argument/result attribute count of @" + fn + " is wrong", offset);
  for (size_t i = 0; i < n; ++i) {
    if (a->array[i].kind == Kind::kDictionary) out[i] = a->array[i].dict;
  }
  return out;
}

bool non_empty_array(const ir::Attribute* a) { return a && a->kind == Kind::kArray && !a->array.empty(); }

bool is_func_property(const std::string& name) {
  return name == "sym_name" || name == "function_type" || name == "sym_visibility" ||
         name == "arg_attrs" || name == "res_attrs";
}

ir::Function build_function(ir::Op& op, const ir::Module& module, uint64_t offset) {
  ir::Function fn;
  const ir::Attribute* name = op.attr("sym_name");
  if (!name || name->kind != Kind::kString) fail("function without a name", offset);
  fn.name = name->s;
  const ir::Attribute* vis = op.attr("sym_visibility");
  fn.is_public = !vis || vis->kind != Kind::kString || vis->s.empty() || vis->s == "public";
  if (vis && vis->kind == Kind::kString) fn.visibility = vis->s;
  const ir::Attribute* type = op.attr("function_type");
  if (!type || type->kind != Kind::kType || type->s != "function" || type->type.elements.size() != 2) {
    fail("function @" + fn.name + " has no function type", offset);
  }
  fn.argument_types = type->type.elements[0].elements;
  fn.result_types = type->type.elements[1].elements;
  if (op.regions.size() != 1 || op.regions[0].blocks.size() != 1) {
    fail("function @" + fn.name + " must have one region of one block", offset);
  }
  fn.body = std::move(op.regions[0]);
  const ir::Block& entry = fn.body.blocks[0];
  if (entry.arguments.size() != fn.argument_types.size()) {
    fail("function @" + fn.name + " has " + std::to_string(entry.arguments.size()) +
             " parameters but its type says " + std::to_string(fn.argument_types.size()), offset);
  }
  for (size_t i = 0; i < entry.arguments.size(); ++i) {
    if (!(module.values[entry.arguments[i]] == fn.argument_types[i])) {
      fail("parameter " + std::to_string(i) + " of @" + fn.name + " does not match its type", offset);
    }
  }
  fn.argument_attributes = per_value_attrs(op.attr("arg_attrs"), fn.argument_types.size(), fn.name, offset);
  fn.result_attributes = per_value_attrs(op.attr("res_attrs"), fn.result_types.size(), fn.name, offset);
  fn.has_argument_attributes = non_empty_array(op.attr("arg_attrs"));
  fn.has_result_attributes = non_empty_array(op.attr("res_attrs"));
  for (const auto& [key, value] : op.attributes) {
    if (!is_func_property(key)) fn.attributes.emplace_back(key, value);
  }
  fn.loc = op.loc;
  rename_ops(fn.body.blocks[0].ops, true);
  return fn;
}

}  // namespace

void build_module(std::vector<ir::Op> top, ir::Module& module, uint64_t offset) {
  ir::Op* mod = nullptr;
  for (ir::Op& op : top) {
    if (op.name != "builtin.module") fail("unexpected top-level op '" + op.name + "'", offset);
    if (mod) fail("more than one module", offset);
    mod = &op;
  }
  if (!mod) fail("no module", offset);
  for (auto& [key, value] : mod->attributes) {
    if (key == "sym_name" && value.kind == Kind::kString) {
      module.name = value.s;
    } else {
      module.attributes.emplace_back(key, std::move(value));
    }
  }
  if (mod->regions.size() != 1 || mod->regions[0].blocks.size() > 1) {
    fail("the module must have one region of at most one block", offset);
  }
  if (mod->regions[0].blocks.empty()) return;
  for (ir::Op& op : mod->regions[0].blocks[0].ops) {
    // Shardy mesh declarations: meaningless on our one device.
    if (op.name.starts_with("sdy.")) continue;
    if (op.name != "vhlo.func_v1") fail("unexpected op '" + op.name + "' in the module", offset);
    module.functions.push_back(build_function(op, module, offset));
  }
}

}  // namespace applejax::vhlo
