// Attributes as MLIR's builtin printer and StableHLO's attribute printers
// write them.
#include <algorithm>
#include <cstring>

#include "ir/printer_internal.h"

namespace applejax::ir::text {
namespace {

// MLIR prints dense elements as one hex string once there are more than
// this many (and they are not a splat).
constexpr int64_t kHexElementLimit = 100;

bool is_bare_identifier(std::string_view s) {
  if (s.empty()) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!letter(s[0]) && s[0] != '_') return false;
  for (char c : s) {
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '_' && c != '$' && c != '.') return false;
  }
  return true;
}

std::string keyword_or_string(std::string_view s) {
  return is_bare_identifier(s) ? std::string(s) : string_literal(s);
}

int element_bytes(ElementType e) { return (element_bit_width(e) + 7) / 8; }

uint64_t load_bits(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  std::memcpy(&v, p, static_cast<size_t>(std::min(bytes, 8)));
  return v;
}

std::string integer_text(uint64_t bits, ElementType e) {
  if (is_unsigned(e)) return std::to_string(bits);
  int w = element_bit_width(e);
  if (w < 64) {  // sign-extend from the element's width
    uint64_t sign = uint64_t{1} << (w - 1);
    bits &= (uint64_t{1} << w) - 1;
    bits = (bits ^ sign) - sign;
  }
  return std::to_string(static_cast<int64_t>(bits));
}

std::string element_text(const uint8_t* p, ElementType e) {
  if (e == ElementType::kI1) return p[0] ? "true" : "false";
  if (is_complex(e)) {
    ElementType part = e == ElementType::kComplexF32 ? ElementType::kF32 : ElementType::kF64;
    int half = element_bytes(part);
    std::string s = "(";
    s += float_value(load_bits(p, half), part);
    s += ',';
    s += float_value(load_bits(p + half, half), part);
    return s + ")";
  }
  uint64_t bits = load_bits(p, element_bytes(e));
  return is_float(e) ? float_value(bits, e) : integer_text(bits, e);
}

std::string hex_data(const Attribute& a) {
  static const char kDigits[] = "0123456789ABCDEF";
  int w = element_bit_width(a.type.element);
  // Sub-byte elements sit in the low bits of their byte in MLIR's storage.
  uint8_t mask = w < 8 && a.type.element != ElementType::kI1 ? static_cast<uint8_t>((1u << w) - 1)
                                                              : uint8_t{0xFF};
  std::string s = "\"0x";
  s.reserve(a.data->size() * 2 + 4);
  for (uint8_t b : *a.data) {
    b &= mask;
    s += kDigits[b >> 4];
    s += kDigits[b & 0xF];
  }
  return s + "\"";
}

// Elements in nested brackets following the shape: [[1, 2], [3, 4]].
std::string nested_elements(const Attribute& a, int64_t n, size_t stride) {
  const auto& shape = a.type.shape;
  size_t rank = shape.size();
  std::string s;
  std::vector<int64_t> counter(rank, 0);
  size_t open = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (i) s += ", ";
    for (; open < rank; ++open) s += '[';
    s += element_text(a.data->data() + static_cast<size_t>(i) * stride, a.type.element);
    // Bump the innermost index and close the brackets that roll over.
    ++counter[rank - 1];
    for (size_t d = rank - 1; d > 0 && counter[d] >= shape[d]; --d) {
      counter[d] = 0;
      ++counter[d - 1];
      --open;
      s += ']';
    }
  }
  for (; open > 0; --open) s += ']';
  return s;
}

std::string dense_array_text(const Attribute& a) {
  std::string s = "array<" + element_name(a.type.element);
  for (size_t i = 0; i < a.array.size(); ++i) {
    s += i ? ", " : ": ";
    const Attribute& x = a.array[i];
    if (x.kind == Attribute::Kind::kFloat) {
      s += float_value(static_cast<uint64_t>(x.i), x.type.element);
    } else if (x.kind == Attribute::Kind::kBool) {
      s += x.b ? "true" : "false";
    } else {
      s += integer_text(static_cast<uint64_t>(x.i), x.type.element);
    }
  }
  return s + ">";
}

std::string record_text(const Attribute& a) {
  auto ints = [&](const char* key) {
    const Attribute* v = a.get(key);
    return v ? int_list(v->ints()) : std::string("[]");
  };
  auto num = [&](const char* key) {
    const Attribute* v = a.get(key);
    return v ? v->i : 0;
  };
  if (a.s == "output_operand_alias") {
    return "#stablehlo.output_operand_alias<output_tuple_indices = " + ints("output_tuple_indices") +
           ", operand_index = " + std::to_string(num("operand_index")) +
           ", operand_tuple_indices = " + ints("operand_tuple_indices") + ">";
  }
  if (a.s == "result_accuracy") {
    std::string s = "#stablehlo.result_accuracy<";
    for (const char* key : {"atol", "rtol"}) {
      const Attribute* v = a.get(key);
      if (v && v->f != 0) s += std::string(key) + " = " + float_value(static_cast<uint64_t>(v->i), ElementType::kF64) + ", ";
    }
    if (num("ulps")) s += "ulps = " + std::to_string(num("ulps")) + ", ";
    const Attribute* mode = a.get("mode");
    return s + "mode = " + (mode ? "#stablehlo.result_accuracy_mode<" + mode->s + ">" : "") + ">";
  }
  // The sharding-related records: their own struct(params) form.
  std::string s = "#stablehlo." + a.s + "<";
  for (size_t i = 0; i < a.dict.size(); ++i) {
    s += (i ? ", " : "") + a.dict[i].first + " = " + attribute(a.dict[i].second, Elide::kI64F64);
  }
  return s + ">";
}

}  // namespace

std::string string_literal(std::string_view s) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7F && c != '"') {
      out += static_cast<char>(c);
    } else {
      out += '\\';
      out += kDigits[c >> 4];
      out += kDigits[c & 0xF];
    }
  }
  return out + "\"";
}

std::string symbol_ref(std::string_view name) {
  // Nested references arrive joined with "::" by the reader.
  std::string out;
  size_t start = 0;
  while (true) {
    size_t sep = name.find("::", start);
    out += '@';
    out += keyword_or_string(name.substr(start, sep == std::string_view::npos ? sep : sep - start));
    if (sep == std::string_view::npos) return out;
    out += "::";
    start = sep + 2;
  }
}

std::string int_list(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

std::string dense_i64_array(const std::vector<int64_t>& v) {
  std::string s = "array<i64";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : ": ") + std::to_string(v[i]);
  return s + ">";
}

std::string dense(const Attribute& a) {
  std::string tail = "> : " + type_text(a.type);
  int64_t n = a.type.num_elements();
  size_t stride = static_cast<size_t>(element_bytes(a.type.element));
  if (!a.data || n <= 0 || stride == 0 || a.data->size() < stride) return "dense<" + tail;
  // MLIR treats a one-element tensor as a splat, whatever its storage.
  if (a.splat || n == 1) return "dense<" + element_text(a.data->data(), a.type.element) + tail;
  if (a.data->size() < static_cast<size_t>(n) * stride) return "dense<<truncated>" + tail;
  if (n > kHexElementLimit) return "dense<" + hex_data(a) + tail;
  return "dense<" + nested_elements(a, n, stride) + tail;
}

std::string attribute(const Attribute& a, Elide elide) {
  using K = Attribute::Kind;
  switch (a.kind) {
    case K::kNone: return a.s.empty() ? "<<none>>" : "<<" + a.s + ">>";
    case K::kUnit: return "unit";
    case K::kBool: return a.b ? "true" : "false";
    case K::kInteger: {
      std::string s = integer_text(static_cast<uint64_t>(a.i), a.type.element);
      if (elide == Elide::kI64F64 && a.type.element == ElementType::kSI64) return s;
      return s + " : " + element_name(a.type.element);
    }
    case K::kFloat: {
      bool hex = false;
      std::string s = float_value(static_cast<uint64_t>(a.i), a.type.element, &hex);
      if (elide == Elide::kI64F64 && a.type.element == ElementType::kF64 && !hex) return s;
      return s + " : " + element_name(a.type.element);
    }
    case K::kString: return string_literal(a.s);
    case K::kSymbolRef: return symbol_ref(a.s);
    case K::kType: return type_attribute_text(a);
    case K::kEnum: return "#stablehlo<" + a.enum_name + " " + a.s + ">";
    case K::kDense: return dense(a);
    case K::kArray: {
      // The reader marks a builtin dense array (array<i64: ...>) with its
      // element type in a tensor type; a plain ArrayAttr has none.
      if (a.type.kind == Type::Kind::kTensor) return dense_array_text(a);
      std::string s = "[";
      for (size_t i = 0; i < a.array.size(); ++i) {
        s += (i ? ", " : "") + attribute(a.array[i], Elide::kI64F64);
      }
      return s + "]";
    }
    case K::kDictionary:
      if (!a.s.empty()) return record_text(a);
      return dictionary(entries_of(a.dict));
  }
  return "<<?>>";
}

std::vector<Entry> entries_of(const std::vector<NamedAttribute>& attrs) {
  std::vector<Entry> out;
  out.reserve(attrs.size());
  for (const auto& [name, value] : attrs) {
    out.emplace_back(name, value.kind == Attribute::Kind::kUnit ? "" : attribute(value));
  }
  return out;
}

std::string dictionary(std::vector<Entry> entries) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& x, const Entry& y) { return x.first < y.first; });
  std::string s = "{";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) s += ", ";
    s += keyword_or_string(entries[i].first);
    if (!entries[i].second.empty()) s += " = " + entries[i].second;
  }
  return s + "}";
}

}  // namespace applejax::ir::text
