// The structure of the generic op form: module, functions, ops, regions,
// blocks and value names. Attribute and type text comes from the other
// printer_*.cc files.
#include "ir/printer.h"

#include <sstream>
#include <unordered_map>

#include "ir/printer_internal.h"

namespace applejax::ir {
namespace {

using text::Entry;

class Printer {
 public:
  Printer(const Module& m, const PrintOptions& o) : m_(m), options_(o) {}

  std::string run() {
    std::vector<Entry> properties, discardable;
    if (!m_.name.empty()) properties.emplace_back("sym_name", text::string_literal(m_.name));
    for (const Entry& e : text::entries_of(m_.attributes)) {
      (e.first == "sym_visibility" ? properties : discardable).push_back(e);
    }
    out_ << "\"builtin.module\"()" << property_text(properties) << " ({\n";
    for (const Function& f : m_.functions) function(f);
    out_ << "})" << discardable_text(discardable) << " : () -> ()\n";
    return out_.str();
  }

 private:
  static std::string property_text(std::vector<Entry> p) {
    return p.empty() ? "" : " <" + text::dictionary(std::move(p)) + ">";
  }
  static std::string discardable_text(std::vector<Entry> d) {
    return d.empty() ? "" : std::string(" ").append(text::dictionary(std::move(d)));
  }

  // Per-value attribute lists as func.func's arg_attrs/res_attrs.
  static std::string per_value(const std::vector<std::vector<NamedAttribute>>& attrs, size_t n) {
    std::string s = "[";
    for (size_t i = 0; i < n; ++i) {
      static const std::vector<NamedAttribute> kNone;
      s += (i ? ", " : "") + text::dictionary(text::entries_of(i < attrs.size() ? attrs[i] : kNone));
    }
    return s + "]";
  }

  void indent(int depth) {
    for (int i = 0; i < depth; ++i) out_ << "  ";
  }

  void function(const Function& f) {
    std::vector<Entry> p;
    p.emplace_back("sym_name", text::string_literal(f.name));
    p.emplace_back("function_type", text::function_type_text(f.argument_types, f.result_types));
    if (!f.visibility.empty()) p.emplace_back("sym_visibility", text::string_literal(f.visibility));
    if (f.has_argument_attributes) {
      p.emplace_back("arg_attrs", per_value(f.argument_attributes, f.argument_types.size()));
    }
    if (f.has_result_attributes) {
      p.emplace_back("res_attrs", per_value(f.result_attributes, f.result_types.size()));
    }
    indent(1);
    out_ << "\"func.func\"()" << property_text(std::move(p)) << " (";
    region(f.body, 1);
    out_ << ")" << discardable_text(text::entries_of(f.attributes)) << " : () -> ()";
    location(f.loc);
    out_ << "\n";
  }

  void region(const Region& r, int depth) {
    out_ << "{\n";
    for (size_t b = 0; b < r.blocks.size(); ++b) {
      const Block& block = r.blocks[b];
      // An entry block without arguments needs no label.
      if (b > 0 || !block.arguments.empty()) {
        indent(depth);
        out_ << "^bb" << b;
        if (!block.arguments.empty()) {
          out_ << "(";
          for (size_t i = 0; i < block.arguments.size(); ++i) {
            ValueId v = block.arguments[i];
            std::string n = "%arg" + std::to_string(next_arg_++);
            names_[v] = n;
            out_ << (i ? ", " : "") << n << ": " << type_of(v);
          }
          out_ << ")";
        }
        out_ << ":\n";
      }
      for (const Op& o : block.ops) op(o, depth + 1);
    }
    indent(depth);
    out_ << "}";
  }

  std::string type_of(ValueId v) const {
    return v < m_.values.size() ? text::type_text(m_.values[v]) : "<<bad value>>";
  }

  std::string name(ValueId v) const {
    auto it = names_.find(v);
    return it != names_.end() ? it->second : "%<<undefined " + std::to_string(v) + ">>";
  }

  void op(const Op& o, int depth) {
    indent(depth);
    if (!o.results.empty()) {
      std::string base = std::string("%").append(std::to_string(next_value_++));
      if (o.results.size() == 1) {
        names_[o.results[0]] = base;
        out_ << base;
      } else {
        for (size_t i = 0; i < o.results.size(); ++i) names_[o.results[i]] = base + "#" + std::to_string(i);
        out_ << base << ":" << o.results.size();
      }
      out_ << " = ";
    }
    out_ << "\"" << o.name << "\"(";
    for (size_t i = 0; i < o.operands.size(); ++i) out_ << (i ? ", " : "") << name(o.operands[i]);
    out_ << ")";
    text::OpAttributes attrs = text::stablehlo_attributes(o);
    out_ << property_text(std::move(attrs.properties));
    if (!o.regions.empty()) {
      out_ << " (";
      for (size_t r = 0; r < o.regions.size(); ++r) {
        if (r) out_ << ", ";
        region(o.regions[r], depth);
      }
      out_ << ")";
    }
    out_ << discardable_text(std::move(attrs.discardable)) << " : (";
    for (size_t i = 0; i < o.operands.size(); ++i) out_ << (i ? ", " : "") << type_of(o.operands[i]);
    out_ << ") -> ";
    if (o.results.size() == 1) {
      out_ << type_of(o.results[0]);
    } else {
      out_ << "(";
      for (size_t i = 0; i < o.results.size(); ++i) out_ << (i ? ", " : "") << type_of(o.results[i]);
      out_ << ")";
    }
    location(o.loc);
    out_ << "\n";
  }

  void location(const Location& loc) {
    if (options_.locations && !loc.text.empty()) out_ << " loc(" << text::string_literal(loc.text) << ")";
  }

  const Module& m_;
  const PrintOptions& options_;
  std::ostringstream out_;
  std::unordered_map<ValueId, std::string> names_;
  int next_value_ = 0;
  int next_arg_ = 0;
};

}  // namespace

std::string print_module(const Module& module, const PrintOptions& options) {
  return Printer(module, options).run();
}

std::string print_attribute(const Attribute& a) { return text::attribute(a); }

std::string print_type(const Type& t) { return text::type_text(t); }

}  // namespace applejax::ir
