// VHLO types. Each entry starts with a varint code naming the type; codes
// are fixed for all time by the VHLO dialect.
#include "vhlo/attr_type_table.h"

namespace applejax::vhlo {

using ir::ElementType;
using Kind = TypeValue::Kind;

namespace {

std::vector<int64_t> read_shape(ByteReader& r) {
  uint64_t rank = r.count();
  std::vector<int64_t> shape;
  shape.reserve(rank);
  for (uint64_t i = 0; i < rank; ++i) {
    int64_t d = r.signed_varint();
    // MLIR spells a dynamic dimension as INT64_MIN, the same as kDynamic.
    if (d < 0 && d != ir::kDynamic) r.fail("negative dimension " + std::to_string(d));
    shape.push_back(d);
  }
  return shape;
}

std::vector<ir::Type> read_value_types(ByteReader& r, AttrTypeTable& table, bool values_only = true) {
  uint64_t n = r.count();
  std::vector<ir::Type> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    out.push_back(values_only ? table.read_value_type(r) : table.read_any_type(r));
  }
  return out;
}

TypeValue element(ElementType e) { return element_type(e); }

}  // namespace

TypeValue element_type(ElementType e) {
  TypeValue t;
  t.kind = Kind::kElement;
  t.type.element = e;
  return t;
}

TypeValue function_type(ByteReader& r, AttrTypeTable& table) {
  TypeValue t;
  t.kind = Kind::kFunction;
  // A function type attribute may name non-value types: `(i32) -> ()`.
  t.inputs = read_value_types(r, table, false);
  t.outputs = read_value_types(r, table, false);
  return t;
}

TypeValue tuple_type(ByteReader& r, AttrTypeTable& table) {
  TypeValue t;
  t.kind = Kind::kTuple;
  t.type.kind = ir::Type::Kind::kTuple;
  t.type.elements = read_value_types(r, table);
  return t;
}

TypeValue ranked_tensor(ByteReader& r, AttrTypeTable& table) {
  std::vector<int64_t> shape = read_shape(r);
  ElementType e = table.read_element_type(r);
  TypeValue t;
  t.kind = Kind::kTensor;
  t.type = ir::Type::tensor(e, std::move(shape));
  return t;
}

TypeValue decode_vhlo_type(ByteReader& r, AttrTypeTable& table) {
  uint64_t code = r.varint();
  switch (code) {
    case 0: return element(ElementType::kI1);
    case 1: {  // complex
      ElementType part = table.read_element_type(r);
      if (part == ElementType::kF32) return element(ElementType::kComplexF32);
      if (part == ElementType::kF64) return element(ElementType::kComplexF64);
      r.fail("complex type of " + std::string(ir::element_type_name(part)));
    }
    case 2: return element(ElementType::kBF16);
    case 3: return element(ElementType::kF16);
    case 4: return element(ElementType::kF32);
    case 5: return element(ElementType::kF64);
    case 6: return element(ElementType::kF8E4M3FN);
    case 7: return element(ElementType::kF8E5M2);
    case 8: return function_type(r, table);
    case 9: return element(ElementType::kIndex);
    case 10: return element(ElementType::kSI4);
    case 11: return element(ElementType::kSI8);
    case 12: return element(ElementType::kSI16);
    case 13: return element(ElementType::kSI32);
    case 14: return element(ElementType::kSI64);
    case 15: return element(ElementType::kUI4);
    case 16: return element(ElementType::kUI8);
    case 17: return element(ElementType::kUI16);
    case 18: return element(ElementType::kUI32);
    case 19: return element(ElementType::kUI64);
    case 20: return ranked_tensor(r, table);
    case 21: {  // ranked tensor with an encoding: only bounds are kept
      const AttrValue& encoding = table.read_attr(r);
      TypeValue t = ranked_tensor(r, table);
      const ir::Attribute& e = encoding.attr;
      if (e.kind == ir::Attribute::Kind::kDictionary && e.s == "type_extensions") {
        if (const ir::Attribute* b = e.get("bounds")) t.type.bounds = b->ints();
        if (t.type.bounds.size() != t.type.shape.size()) r.fail("tensor bounds do not match its rank");
      }
      return t;
    }
    case 22: {
      TypeValue t;
      t.kind = Kind::kToken;
      t.type = ir::Type::token();
      return t;
    }
    case 23: return tuple_type(r, table);
    case 24:
    case 30:
      r.fail("uniform quantized types are not supported");
    case 25: {  // unranked tensor
      ElementType e = table.read_element_type(r);
      TypeValue t;
      t.kind = Kind::kTensor;
      t.type = ir::Type::tensor(e, {ir::kDynamic});
      t.description = "unranked";
      return t;
    }
    case 26: {
      TypeValue t;
      t.kind = Kind::kOther;
      t.description = "!vhlo.witness";
      return t;
    }
    case 27: return element(ElementType::kF8E4M3FNUZ);
    case 28: return element(ElementType::kF8E5M2FNUZ);
    case 29: return element(ElementType::kF8E4M3B11FNUZ);
    case 31: return element(ElementType::kSI2);
    case 32: return element(ElementType::kUI2);
    case 33: {
      TypeValue t;
      t.kind = Kind::kNone;
      return t;
    }
    case 34: return element(ElementType::kTF32);
    case 35: return element(ElementType::kF8E4M3);
    case 36: return element(ElementType::kF8E3M4);
    case 37: return element(ElementType::kF4E2M1FN);
    case 38: return element(ElementType::kF6E2M3FN);
    case 39: return element(ElementType::kF6E3M2FN);
    case 40: return element(ElementType::kF8E8M0FNU);
    case 41: {  // ranked buffer
      std::vector<int64_t> shape = read_shape(r);
      ElementType e = table.read_element_type(r);
      TypeValue t;
      t.kind = Kind::kOther;
      t.description = "a buffer of " + ir::to_string(ir::Type::tensor(e, std::move(shape)));
      return t;
    }
    case 42: {  // future: the types of the values it will hold
      TypeValue t;
      t.kind = Kind::kFuture;
      t.type.kind = ir::Type::Kind::kFuture;
      t.type.elements = read_value_types(r, table);
      return t;
    }
    default:
      r.fail("unknown vhlo type code " + std::to_string(code));
  }
}

}  // namespace applejax::vhlo
