#include "pjrt/cost_analysis.h"

#include <set>
#include <string>
#include <string_view>

#include "lower/emitter.h"

namespace applejax::pjrt {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

const std::set<std::string_view>& transcendental_ops() {
  static const std::set<std::string_view> ops = {
      "stablehlo.exponential", "stablehlo.exponential_minus_one", "stablehlo.log",
      "stablehlo.log_plus_one", "stablehlo.logistic", "stablehlo.tanh", "stablehlo.sine",
      "stablehlo.cosine", "stablehlo.tan", "stablehlo.sqrt", "stablehlo.rsqrt",
      "stablehlo.cbrt", "stablehlo.power", "stablehlo.atan2", "chlo.erf", "chlo.erf_inv",
      "chlo.lgamma", "chlo.digamma", "chlo.asin", "chlo.acos", "chlo.atan", "chlo.sinh",
      "chlo.cosh", "chlo.asinh", "chlo.acosh", "chlo.atanh", "chlo.tan"};
  return ops;
}

// Ops that move or name data and compute nothing.
const std::set<std::string_view>& free_ops() {
  static const std::set<std::string_view> ops = {
      "stablehlo.constant", "stablehlo.reshape", "stablehlo.broadcast_in_dim",
      "stablehlo.transpose", "stablehlo.slice", "stablehlo.dynamic_slice",
      "stablehlo.concatenate", "stablehlo.pad", "stablehlo.iota", "stablehlo.bitcast_convert",
      "stablehlo.get_tuple_element", "stablehlo.tuple", "stablehlo.optimization_barrier",
      "stablehlo.return", "func.return", "stablehlo.custom_call", "stablehlo.while",
      "stablehlo.if", "stablehlo.case", "func.call", "stablehlo.gather", "stablehlo.reverse",
      "stablehlo.create_token", "stablehlo.after_all", "stablehlo.convert"};
  return ops;
}

class Counter {
 public:
  explicit Counter(const ir::Module& m) : m_(m) {}

  void region(const ir::Region& r, int depth) {
    if (depth > 64) return;  // calls nest no deeper in real programs; this is an estimate
    for (const ir::Block& b : r.blocks)
      for (const ir::Op& op : b.ops) this->op(op, depth);
  }

  CostEstimate cost;

 private:
  double elements(ir::ValueId v) const {
    if (v >= m_.values.size() || !m_.values[v].is_tensor()) return 0;
    return static_cast<double>(m_.values[v].num_elements());
  }

  void op(const ir::Op& op, int depth) {
    const std::string& name = op.name;
    double out = op.results.empty() ? 0 : elements(op.results[0]);
    if (name == "stablehlo.dot_general" && op.operands.size() >= 2) {
      double k = 1;
      const ir::Type& lhs = m_.values[op.operands[0]];
      for (int64_t d : lower::int_list(op, "lhs_contracting_dimensions"))
        if (d >= 0 && static_cast<size_t>(d) < lhs.shape.size()) k *= static_cast<double>(lhs.shape[d]);
      cost.flops += 2 * out * k;
    } else if (name == "stablehlo.convolution" && op.operands.size() >= 2) {
      const ir::Type& rhs = m_.values[op.operands[1]];
      int64_t of = lower::int_attr(op, "kernel_output_feature_dimension");
      double per_output = elements(op.operands[1]);
      if (of >= 0 && static_cast<size_t>(of) < rhs.shape.size() && rhs.shape[of] > 0)
        per_output /= static_cast<double>(rhs.shape[of]);
      cost.flops += 2 * out * per_output;
    } else if (name == "stablehlo.reduce" || name == "stablehlo.reduce_window" ||
               name == "stablehlo.scatter" || name == "stablehlo.select_and_scatter") {
      for (size_t i = 0; i < op.operands.size() / 2 + (op.operands.size() % 2); ++i)
        cost.flops += elements(op.operands[i]);
    } else if (transcendental_ops().count(name)) {
      cost.transcendentals += out;
    } else if (name == "func.call") {
      if (const ir::Attribute* callee = op.attr("callee"))
        if (const ir::Function* f = m_.find_function(callee->s)) region(f->body, depth + 1);
    } else if ((starts_with(name, "stablehlo.") || starts_with(name, "chlo.")) &&
               !free_ops().count(name)) {
      cost.flops += out;
    }
    // Regions of reductions are counted by the reduction; others (loops,
    // conditionals, sort comparators) once, as XLA's cost analysis does.
    if (name != "stablehlo.reduce" && name != "stablehlo.reduce_window" &&
        name != "stablehlo.scatter" && name != "stablehlo.select_and_scatter")
      for (const ir::Region& r : op.regions) region(r, depth + 1);
  }

  const ir::Module& m_;
};

double bytes(const std::vector<ir::Type>& types) {
  double total = 0;
  for (const ir::Type& t : types)
    if (t.is_tensor())
      total += static_cast<double>(t.num_elements()) * ir::element_byte_width(t.element);
  return total;
}

}  // namespace

CostEstimate estimate_cost(const ir::Module& module) {
  Counter counter(module);
  const ir::Function* entry = module.entry();
  if (!entry) return {};
  counter.region(entry->body, 0);
  counter.cost.bytes_accessed = bytes(entry->argument_types) + bytes(entry->result_types);
  return counter.cost;
}

}  // namespace applejax::pjrt
