#include "ir/printer.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <unordered_map>

namespace applejax::ir {
namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7F) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "\\%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string format_float(double v) {
  if (std::isnan(v)) return "0x7FC00000";
  if (std::isinf(v)) return v > 0 ? "0x7F800000" : "0xFF800000";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6e", v);
  return buf;
}

std::string element_text(const uint8_t* p, ElementType e) {
  int bytes = (element_bit_width(e) + 7) / 8;
  if (e == ElementType::kI1) return p[0] ? "true" : "false";
  if (e == ElementType::kF32) {
    float f;
    std::memcpy(&f, p, 4);
    return format_float(f);
  }
  if (e == ElementType::kF64) {
    double d;
    std::memcpy(&d, p, 8);
    return format_float(d);
  }
  if (is_integer(e)) {
    uint64_t v = 0;
    std::memcpy(&v, p, static_cast<size_t>(bytes));
    if (!is_unsigned(e) && bytes < 8) {
      uint64_t sign = uint64_t{1} << (bytes * 8 - 1);
      v = (v ^ sign) - sign;
    }
    return is_unsigned(e) ? std::to_string(v) : std::to_string(static_cast<int64_t>(v));
  }
  // Other floats and complex: raw hex.
  std::string s = "0x";
  char buf[3];
  for (int i = bytes - 1; i >= 0; --i) {
    std::snprintf(buf, sizeof buf, "%02X", p[i]);
    s += buf;
  }
  return s;
}

std::string dense_text(const Attribute& a) {
  if (!a.data) return "dense<>";
  const auto& d = *a.data;
  size_t stride = static_cast<size_t>((element_bit_width(a.type.element) + 7) / 8);
  std::string s = "dense<";
  if (a.splat) {
    if (stride && d.size() >= stride) s += element_text(d.data(), a.type.element);
  } else if (d.size() > 64 * stride || stride == 0) {
    s += "\"0x";
    char buf[3];
    for (uint8_t b : d) {
      std::snprintf(buf, sizeof buf, "%02X", b);
      s += buf;
    }
    s += "\"";
  } else {
    int64_t n = a.type.num_elements();
    if (a.type.shape.size() > 0) s += "[";
    for (int64_t i = 0; i < n && static_cast<size_t>(i + 1) * stride <= d.size(); ++i) {
      if (i) s += ", ";
      s += element_text(d.data() + i * stride, a.type.element);
    }
    if (a.type.shape.size() > 0) s += "]";
  }
  return s + "> : " + to_string(a.type);
}

}  // namespace

std::string print_attribute(const Attribute& a) {
  using K = Attribute::Kind;
  switch (a.kind) {
    case K::kNone: return a.s.empty() ? "none" : a.s;
    case K::kUnit: return "unit";
    case K::kBool: return a.b ? "true" : "false";
    case K::kInteger:
      return std::to_string(a.i) + " : " + std::string(element_type_name(a.type.element));
    case K::kFloat:
      return format_float(a.f) + " : " + std::string(element_type_name(a.type.element));
    case K::kString: return quote(a.s);
    case K::kSymbolRef: return "@" + a.s;
    case K::kType:
      if (a.s == "function") return "<function type>";
      return to_string(a.type);
    case K::kEnum: return "#stablehlo<" + a.enum_name + " " + a.s + ">";
    case K::kDense: return dense_text(a);
    case K::kArray: {
      std::string s = "[";
      for (size_t i = 0; i < a.array.size(); ++i) {
        if (i) s += ", ";
        s += print_attribute(a.array[i]);
      }
      return s + "]";
    }
    case K::kDictionary: {
      std::string s = a.s.empty() ? "{" : "#" + a.s + "<{";
      for (size_t i = 0; i < a.dict.size(); ++i) {
        if (i) s += ", ";
        s += a.dict[i].first + " = " + print_attribute(a.dict[i].second);
      }
      return s + (a.s.empty() ? "}" : "}>");
    }
  }
  return "?";
}

namespace {

class Printer {
 public:
  explicit Printer(const Module& m) : m_(m) {}

  std::string run() {
    out_ << "module";
    if (!m_.name.empty()) out_ << " @" << m_.name;
    if (!m_.attributes.empty()) out_ << " attributes " << dict(m_.attributes);
    out_ << " {\n";
    for (const Function& f : m_.functions) function(f);
    out_ << "}\n";
    return out_.str();
  }

 private:
  static std::string dict(const std::vector<NamedAttribute>& attrs) {
    std::string s = "{";
    for (size_t i = 0; i < attrs.size(); ++i) {
      if (i) s += ", ";
      s += attrs[i].first + " = " + print_attribute(attrs[i].second);
    }
    return s + "}";
  }

  std::string name(ValueId v) {
    auto it = names_.find(v);
    if (it != names_.end()) return it->second;
    return "%v" + std::to_string(v);
  }

  std::string type_of(ValueId v) const {
    return v < m_.values.size() ? to_string(m_.values[v]) : "<bad value>";
  }

  void indent(int n) {
    for (int i = 0; i < n; ++i) out_ << "  ";
  }

  void function(const Function& f) {
    names_.clear();
    indent(1);
    out_ << "func.func " << (f.is_public ? "public" : "private") << " @" << f.name << "(";
    const Block* entry = f.body.blocks.empty() ? nullptr : &f.body.blocks[0];
    for (size_t i = 0; i < f.argument_types.size(); ++i) {
      if (i) out_ << ", ";
      std::string n = "%arg" + std::to_string(i);
      if (entry && i < entry->arguments.size()) names_[entry->arguments[i]] = n;
      out_ << n << ": " << to_string(f.argument_types[i]);
      if (i < f.argument_attributes.size() && !f.argument_attributes[i].empty()) {
        out_ << " " << dict(f.argument_attributes[i]);
      }
    }
    out_ << ") -> (";
    for (size_t i = 0; i < f.result_types.size(); ++i) {
      if (i) out_ << ", ";
      out_ << to_string(f.result_types[i]);
      if (i < f.result_attributes.size() && !f.result_attributes[i].empty()) {
        out_ << " " << dict(f.result_attributes[i]);
      }
    }
    out_ << ") {\n";
    if (entry) {
      for (const Op& op : entry->ops) this->op(op, 2);
    }
    indent(1);
    out_ << "}\n";
  }

  void op(const Op& o, int depth) {
    indent(depth);
    for (size_t i = 0; i < o.results.size(); ++i) {
      out_ << (i ? ", " : "") << name(o.results[i]);
    }
    if (!o.results.empty()) out_ << " = ";
    out_ << "\"" << o.name << "\"(";
    for (size_t i = 0; i < o.operands.size(); ++i) out_ << (i ? ", " : "") << name(o.operands[i]);
    out_ << ")";
    if (!o.regions.empty()) {
      out_ << " (";
      for (size_t r = 0; r < o.regions.size(); ++r) {
        out_ << (r ? ", " : "") << "{\n";
        for (const Block& b : o.regions[r].blocks) {
          indent(depth);
          out_ << "^bb(";
          for (size_t i = 0; i < b.arguments.size(); ++i) {
            out_ << (i ? ", " : "") << name(b.arguments[i]) << ": " << type_of(b.arguments[i]);
          }
          out_ << "):\n";
          for (const Op& inner : b.ops) op(inner, depth + 1);
        }
        indent(depth);
        out_ << "}";
      }
      out_ << ")";
    }
    if (!o.attributes.empty()) out_ << " " << dict(o.attributes);
    out_ << " : (";
    for (size_t i = 0; i < o.operands.size(); ++i) out_ << (i ? ", " : "") << type_of(o.operands[i]);
    out_ << ") -> ";
    if (o.results.size() == 1) {
      out_ << type_of(o.results[0]);
    } else {
      out_ << "(";
      for (size_t i = 0; i < o.results.size(); ++i) out_ << (i ? ", " : "") << type_of(o.results[i]);
      out_ << ")";
    }
    if (!o.loc.text.empty()) out_ << " loc(" << quote(o.loc.text) << ")";
    out_ << "\n";
  }

  const Module& m_;
  std::ostringstream out_;
  std::unordered_map<ValueId, std::string> names_;
};

}  // namespace

std::string print_module(const Module& module) { return Printer(module).run(); }

}  // namespace applejax::ir
