// Builtin (MLIR core) types. VHLO artifacts use them only around the edges
// (module-level attributes, frontend attributes), but they are decoded fully
// where ir::Type can hold them.
#include "vhlo/attr_type_table.h"

namespace applejax::vhlo {

using ir::ElementType;
using Kind = TypeValue::Kind;

namespace {

TypeValue element(ElementType e) { return element_type(e); }

TypeValue other(std::string what) {
  TypeValue t;
  t.kind = Kind::kOther;
  t.description = std::move(what);
  return t;
}

ElementType integer_type(uint64_t width, uint64_t signedness, ByteReader& r) {
  bool is_unsigned = signedness == 2;
  switch (width) {
    case 1: return ElementType::kI1;
    case 2: return is_unsigned ? ElementType::kUI2 : ElementType::kSI2;
    case 4: return is_unsigned ? ElementType::kUI4 : ElementType::kSI4;
    case 8: return is_unsigned ? ElementType::kUI8 : ElementType::kSI8;
    case 16: return is_unsigned ? ElementType::kUI16 : ElementType::kSI16;
    case 32: return is_unsigned ? ElementType::kUI32 : ElementType::kSI32;
    case 64: return is_unsigned ? ElementType::kUI64 : ElementType::kSI64;
    default: r.fail("integer type of width " + std::to_string(width) + " is not supported");
  }
}

void skip_shape(ByteReader& r) {
  uint64_t rank = r.count();
  for (uint64_t i = 0; i < rank; ++i) r.signed_varint();
}

}  // namespace

TypeValue decode_builtin_type(ByteReader& r, AttrTypeTable& table) {
  uint64_t code = r.varint();
  switch (code) {
    case 0: {
      uint64_t packed = r.varint();
      return element(integer_type(packed >> 2, packed & 3, r));
    }
    case 1: return element(ElementType::kIndex);
    case 2: return function_type(r, table);
    case 3: return element(ElementType::kBF16);
    case 4: return element(ElementType::kF16);
    case 5: return element(ElementType::kF32);
    case 6: return element(ElementType::kF64);
    case 7: return other("f80");
    case 8: return other("f128");
    case 9: {
      ElementType part = table.read_element_type(r);
      if (part == ElementType::kF32) return element(ElementType::kComplexF32);
      if (part == ElementType::kF64) return element(ElementType::kComplexF64);
      return other("complex<" + std::string(ir::element_type_name(part)) + ">");
    }
    case 10:
      skip_shape(r);
      table.read_type(r);
      table.read_attr(r);
      return other("memref");
    case 11:
      table.read_attr(r);
      skip_shape(r);
      table.read_type(r);
      table.read_attr(r);
      return other("memref");
    case 12: {
      TypeValue t;
      t.kind = Kind::kNone;
      return t;
    }
    case 13: return ranked_tensor(r, table);
    case 14:
      table.read_attr(r);
      return ranked_tensor(r, table);
    case 15: return tuple_type(r, table);
    case 16:
      table.read_type(r);
      return other("unranked memref");
    case 17:
      table.read_attr(r);
      table.read_type(r);
      return other("unranked memref");
    case 18: {
      TypeValue t;
      t.kind = Kind::kTensor;
      t.type = ir::Type::tensor(table.read_element_type(r), {ir::kDynamic});
      return t;
    }
    case 19:
      skip_shape(r);
      table.read_type(r);
      return other("vector");
    case 20:
      r.varint();
      skip_shape(r);
      table.read_type(r);
      return other("vector");
    default:
      r.fail("unknown builtin type code " + std::to_string(code));
  }
}

}  // namespace applejax::vhlo
