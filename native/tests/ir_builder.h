// Builds small modules in C++ for the pass and lowering tests: IR that
// jaxlib would refuse (malformed on purpose) or that is quicker to write
// here than to export.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "ir/ir.h"

namespace applejax::test {

inline ir::Type f32(std::vector<int64_t> shape) {
  return ir::Type::tensor(ir::ElementType::kF32, std::move(shape));
}

inline ir::Attribute integer(int64_t v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kInteger;
  a.i = v;
  a.type = ir::Type::tensor(ir::ElementType::kSI64, {});
  return a;
}

inline ir::Attribute ints(std::vector<int64_t> vs) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kArray;
  a.type = ir::Type::tensor(ir::ElementType::kSI64, {static_cast<int64_t>(vs.size())});
  for (int64_t v : vs) a.array.push_back(integer(v));
  return a;
}

inline ir::Attribute symbol(std::string name) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kSymbolRef;
  a.s = std::move(name);
  return a;
}

// A float32 splat constant's value attribute.
inline ir::Attribute splat_f32(const ir::Type& t, float v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kDense;
  a.type = t;
  a.splat = t.num_elements() != 1;
  auto bytes = std::make_shared<std::vector<uint8_t>>(4);
  std::memcpy(bytes->data(), &v, 4);
  a.data = bytes;
  return a;
}

// A module of functions, each built op by op; the first is @main.
class Builder {
 public:
  // Starts a function; later op() calls append to it.
  std::vector<ir::ValueId> function(std::string name, std::vector<ir::Type> args,
                                    bool is_public = true) {
    module_.functions.emplace_back();
    ir::Function& fn = module_.functions.back();
    fn.name = std::move(name);
    fn.is_public = is_public;
    fn.visibility = is_public ? "" : "private";
    fn.argument_types = args;
    fn.body.blocks.emplace_back();
    for (auto& t : args) fn.body.blocks[0].arguments.push_back(module_.add_value(t));
    return fn.body.blocks[0].arguments;
  }

  ir::ValueId op(std::string name, std::vector<ir::ValueId> operands, ir::Type result,
                 std::vector<ir::NamedAttribute> attributes = {},
                 std::vector<ir::Region> regions = {}) {
    ir::Op op;
    op.name = std::move(name);
    op.operands = std::move(operands);
    op.results = {module_.add_value(result)};
    op.attributes = std::move(attributes);
    op.regions = std::move(regions);
    op.loc.text = "test.py:1:1";
    block().ops.push_back(std::move(op));
    return block().ops.back().results[0];
  }

  ir::ValueId constant(const ir::Type& t, float v) {
    return op("stablehlo.constant", {}, t, {{"value", splat_f32(t, v)}});
  }

  // A body (a, b) -> a <name> b over f32 scalars, as reductions take.
  ir::Region binary_body(const std::string& name) {
    ir::Region r;
    r.blocks.emplace_back();
    ir::Block& b = r.blocks[0];
    b.arguments = {module_.add_value(f32({})), module_.add_value(f32({}))};
    ir::Op op;
    op.name = name;
    op.operands = b.arguments;
    op.results = {module_.add_value(f32({}))};
    ir::Op ret;
    ret.name = "stablehlo.return";
    ret.operands = op.results;
    b.ops = {op, ret};
    return r;
  }

  ir::ValueId reduce(const std::string& body, ir::ValueId x, float init, std::vector<int64_t> axes) {
    ir::Type t = module_.values[x];  // a copy: constant() below grows values
    std::vector<int64_t> kept;
    for (size_t d = 0; d < t.shape.size(); ++d)
      if (std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) == axes.end())
        kept.push_back(t.shape[d]);
    ir::ValueId i = constant(f32({}), init);
    return op("stablehlo.reduce", {x, i}, ir::Type::tensor(t.element, kept),
              {{"dimensions", ints(axes)}}, {binary_body(body)});
  }

  ir::ValueId broadcast(ir::ValueId x, std::vector<int64_t> shape, std::vector<int64_t> dims) {
    ir::ElementType e = module_.values[x].element;
    return op("stablehlo.broadcast_in_dim", {x}, ir::Type::tensor(e, std::move(shape)),
              {{"broadcast_dimensions", ints(std::move(dims))}});
  }

  // Ends the current function with func.return of `values`.
  void ret(std::vector<ir::ValueId> values) {
    ir::Function& fn = module_.functions.back();
    fn.result_types.clear();
    for (ir::ValueId v : values) fn.result_types.push_back(module_.values[v]);
    ir::Op r;
    r.name = "func.return";
    r.operands = std::move(values);
    block().ops.push_back(std::move(r));
  }

  const ir::Type& type(ir::ValueId v) const { return module_.values[v]; }
  ir::Module& module() { return module_; }

 private:
  ir::Block& block() { return module_.functions.back().body.blocks[0]; }
  ir::Module module_;
};

// The op names of a function's body, in order (nested regions left out).
inline std::vector<std::string> op_names(const ir::Module& m, size_t function = 0) {
  std::vector<std::string> out;
  for (const ir::Op& op : m.functions.at(function).body.blocks.at(0).ops) out.push_back(op.name);
  return out;
}

inline int count_ops(const ir::Module& m, const std::string& name, size_t function = 0) {
  int n = 0;
  for (const std::string& s : op_names(m, function)) n += s == name;
  return n;
}

}  // namespace applejax::test
