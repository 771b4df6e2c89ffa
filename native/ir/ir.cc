#include "ir/ir.h"

#include <cstring>

namespace applejax::ir {

std::string_view element_type_name(ElementType t) {
  switch (t) {
    case ElementType::kInvalid: return "invalid";
    case ElementType::kI1: return "i1";
    case ElementType::kSI2: return "i2";
    case ElementType::kSI4: return "i4";
    case ElementType::kSI8: return "i8";
    case ElementType::kSI16: return "i16";
    case ElementType::kSI32: return "i32";
    case ElementType::kSI64: return "i64";
    case ElementType::kUI2: return "ui2";
    case ElementType::kUI4: return "ui4";
    case ElementType::kUI8: return "ui8";
    case ElementType::kUI16: return "ui16";
    case ElementType::kUI32: return "ui32";
    case ElementType::kUI64: return "ui64";
    case ElementType::kF4E2M1FN: return "f4E2M1FN";
    case ElementType::kF6E2M3FN: return "f6E2M3FN";
    case ElementType::kF6E3M2FN: return "f6E3M2FN";
    case ElementType::kF8E3M4: return "f8E3M4";
    case ElementType::kF8E4M3: return "f8E4M3";
    case ElementType::kF8E4M3FN: return "f8E4M3FN";
    case ElementType::kF8E4M3FNUZ: return "f8E4M3FNUZ";
    case ElementType::kF8E4M3B11FNUZ: return "f8E4M3B11FNUZ";
    case ElementType::kF8E5M2: return "f8E5M2";
    case ElementType::kF8E5M2FNUZ: return "f8E5M2FNUZ";
    case ElementType::kF8E8M0FNU: return "f8E8M0FNU";
    case ElementType::kBF16: return "bf16";
    case ElementType::kF16: return "f16";
    case ElementType::kF32: return "f32";
    case ElementType::kF64: return "f64";
    case ElementType::kTF32: return "tf32";
    case ElementType::kComplexF32: return "complex<f32>";
    case ElementType::kComplexF64: return "complex<f64>";
    case ElementType::kIndex: return "index";
  }
  return "invalid";
}

int element_bit_width(ElementType t) {
  switch (t) {
    case ElementType::kInvalid: return 0;
    case ElementType::kI1: return 1;
    case ElementType::kSI2: case ElementType::kUI2: return 2;
    case ElementType::kSI4: case ElementType::kUI4: case ElementType::kF4E2M1FN: return 4;
    case ElementType::kF6E2M3FN: case ElementType::kF6E3M2FN: return 6;
    case ElementType::kSI8: case ElementType::kUI8: case ElementType::kF8E3M4:
    case ElementType::kF8E4M3: case ElementType::kF8E4M3FN: case ElementType::kF8E4M3FNUZ:
    case ElementType::kF8E4M3B11FNUZ: case ElementType::kF8E5M2: case ElementType::kF8E5M2FNUZ:
    case ElementType::kF8E8M0FNU: return 8;
    case ElementType::kSI16: case ElementType::kUI16: case ElementType::kBF16:
    case ElementType::kF16: return 16;
    case ElementType::kTF32: return 19;
    case ElementType::kSI32: case ElementType::kUI32: case ElementType::kF32: return 32;
    case ElementType::kSI64: case ElementType::kUI64: case ElementType::kF64:
    case ElementType::kComplexF32: case ElementType::kIndex: return 64;
    case ElementType::kComplexF64: return 128;
  }
  return 0;
}

bool is_float(ElementType t) {
  return t >= ElementType::kF4E2M1FN && t <= ElementType::kTF32;
}

bool is_integer(ElementType t) {
  return (t >= ElementType::kSI2 && t <= ElementType::kUI64) || t == ElementType::kIndex;
}

bool is_unsigned(ElementType t) {
  return t >= ElementType::kUI2 && t <= ElementType::kUI64;
}

bool is_complex(ElementType t) {
  return t == ElementType::kComplexF32 || t == ElementType::kComplexF64;
}

int64_t Type::num_elements() const {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d == kDynamic || d < 0) return -1;
    n *= d;
  }
  return n;
}

std::string to_string(const Type& t) {
  switch (t.kind) {
    case Type::Kind::kTensor: {
      std::string s = "tensor<";
      for (int64_t d : t.shape) {
        s += d == kDynamic ? std::string("?") : std::to_string(d);
        s += "x";
      }
      s += element_type_name(t.element);
      return s + ">";
    }
    case Type::Kind::kTuple: {
      std::string s = "tuple<";
      for (size_t i = 0; i < t.elements.size(); ++i) {
        if (i) s += ", ";
        s += to_string(t.elements[i]);
      }
      return s + ">";
    }
    case Type::Kind::kToken: return "!stablehlo.token";
    case Type::Kind::kFuture: {
      std::string s = "!stablehlo.future<";
      for (size_t i = 0; i < t.elements.size(); ++i) {
        if (i) s += ", ";
        s += to_string(t.elements[i]);
      }
      return s + ">";
    }
    case Type::Kind::kNone:
      return t.element == ElementType::kInvalid ? "none" : std::string(element_type_name(t.element));
  }
  return "none";
}

namespace {

int64_t read_element_as_int(const uint8_t* p, ElementType e) {
  int bytes = (element_bit_width(e) + 7) / 8;
  if (e == ElementType::kI1) return p[0] ? 1 : 0;
  uint64_t v = 0;
  std::memcpy(&v, p, static_cast<size_t>(bytes));
  if (!is_unsigned(e) && bytes < 8) {
    int bits = bytes * 8;
    uint64_t sign = uint64_t{1} << (bits - 1);
    v = (v ^ sign) - sign;
  }
  return static_cast<int64_t>(v);
}

}  // namespace

std::vector<int64_t> Attribute::ints() const {
  std::vector<int64_t> out;
  if (kind == Kind::kArray) {
    out.reserve(array.size());
    for (const Attribute& a : array) out.push_back(a.i);
    return out;
  }
  if (kind == Kind::kDense && data && (is_integer(type.element) || type.element == ElementType::kI1)) {
    int64_t n = type.num_elements();
    if (n <= 0) return out;
    size_t stride = static_cast<size_t>((element_bit_width(type.element) + 7) / 8);
    if (stride == 0) return out;
    out.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      size_t at = splat ? 0 : static_cast<size_t>(i) * stride;
      if (at + stride > data->size()) break;
      out.push_back(read_element_as_int(data->data() + at, type.element));
    }
  }
  return out;
}

Attribute::~Attribute() = default;

const Attribute* Attribute::get(std::string_view key) const {
  for (const auto& [k, v] : dict) {
    if (k == key) return &v;
  }
  return nullptr;
}

const Attribute* Op::attr(std::string_view key) const {
  for (const auto& [k, v] : attributes) {
    if (k == key) return &v;
  }
  return nullptr;
}

const Function* Module::find_function(std::string_view fn_name) const {
  for (const Function& f : functions) {
    if (f.name == fn_name) return &f;
  }
  return nullptr;
}

size_t op_count(const Region& region) {
  size_t n = 0;
  for (const Block& b : region.blocks)
    for (const Op& op : b.ops) {
      ++n;
      for (const Region& inner : op.regions) n += op_count(inner);
    }
  return n;
}

const Function* Module::entry() const {
  if (const Function* f = find_function("main")) return f;
  const Function* only = nullptr;
  for (const Function& f : functions) {
    if (!f.is_public) continue;
    if (only) return nullptr;
    only = &f;
  }
  return only;
}

}  // namespace applejax::ir
