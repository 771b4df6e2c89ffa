// VHLO attributes. Each entry starts with a varint code naming the kind.
// Enums keep StableHLO's spelling of the case and name the enum.
#include <array>

#include "vhlo/attr_type_table.h"

namespace applejax::vhlo {

using ir::Attribute;
using Kind = Attribute::Kind;

namespace {

struct EnumInfo {
  const char* name;
  std::vector<const char*> cases;  // by value; nullptr for unused values
};

const EnumInfo kComparisonDirection{"comparison_direction", {"EQ", "NE", "GE", "GT", "LE", "LT"}};
const EnumInfo kComparisonType{"comparison_type",
                               {"NOTYPE", "FLOAT", "TOTALORDER", "SIGNED", "UNSIGNED"}};
const EnumInfo kApiVersion{"api_version",
                           {"API_VERSION_UNSPECIFIED", "API_VERSION_ORIGINAL",
                            "API_VERSION_STATUS_RETURNING", "API_VERSION_STATUS_RETURNING_UNIFIED",
                            "API_VERSION_TYPED_FFI"}};
const EnumInfo kFftType{"fft_type", {"FFT", "IFFT", "RFFT", "IRFFT"}};
const EnumInfo kPrecision{"precision", {"DEFAULT", "HIGH", "HIGHEST"}};
const EnumInfo kRngAlgorithm{"rng_algorithm", {"DEFAULT", "THREE_FRY", "PHILOX"}};
const EnumInfo kRngDistribution{"rng_distribution", {nullptr, "UNIFORM", "NORMAL"}};
const EnumInfo kTranspose{"transpose",
                          {"TRANSPOSE_INVALID", "NO_TRANSPOSE", "TRANSPOSE", "ADJOINT"}};
const EnumInfo kResultAccuracyMode{"result_accuracy_mode", {"DEFAULT", "HIGHEST", "TOLERANCE"}};

Attribute read_enum(ByteReader& r, const EnumInfo& info) {
  uint64_t v = r.varint();
  if (v >= info.cases.size() || info.cases[v] == nullptr) {
    r.fail(std::string("unknown ") + info.name + " value " + std::to_string(v));
  }
  Attribute a;
  a.kind = Kind::kEnum;
  a.enum_name = info.name;
  a.s = info.cases[v];
  a.i = static_cast<int64_t>(v);
  return a;
}

Attribute int_list(ByteReader& r) {
  Attribute a;
  a.kind = Kind::kArray;
  uint64_t n = r.count();
  a.array.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    Attribute e;
    e.kind = Kind::kInteger;
    e.type.element = ir::ElementType::kSI64;
    e.i = r.signed_varint();
    a.array.push_back(std::move(e));
  }
  return a;
}

Attribute int_value(int64_t v) {
  Attribute e;
  e.kind = Kind::kInteger;
  e.type.element = ir::ElementType::kSI64;
  e.i = v;
  return e;
}

Attribute f64_value(ByteReader& r) {
  Attribute e;
  e.kind = Kind::kFloat;
  e.type.element = ir::ElementType::kF64;
  uint64_t bits = read_known_width_bits(r, 64);
  e.f = float_bits_to_double(bits, ir::ElementType::kF64);
  e.i = static_cast<int64_t>(bits);
  return e;
}

// A structured attribute: a dictionary whose `s` names what it is.
Attribute record(const char* what) {
  Attribute a;
  a.kind = Kind::kDictionary;
  a.s = what;
  return a;
}

std::string key_of(const Attribute& a, const ByteReader& at) {
  if (a.kind != Kind::kString) at.fail("dictionary key is not a string");
  return a.s;
}

}  // namespace

AttrValue decode_vhlo_attr(ByteReader& r, AttrTypeTable& table) {
  AttrValue out;
  Attribute& a = out.attr;
  uint64_t code = r.varint();
  switch (code) {
    case 1: {  // array
      a.kind = Kind::kArray;
      uint64_t n = r.count();
      a.array.reserve(n);
      for (uint64_t i = 0; i < n; ++i) a.array.push_back(table.read_attr(r).attr);
      break;
    }
    case 2: {  // boolean
      uint64_t v = r.varint();
      if (v > 1) r.fail("boolean value " + std::to_string(v));
      a.kind = Kind::kBool;
      a.b = v == 1;
      a.i = a.b;
      break;
    }
    case 3: a = read_enum(r, kComparisonDirection); break;
    case 4: a = read_enum(r, kComparisonType); break;
    case 5: a = read_enum(r, kApiVersion); break;
    case 6: {  // dictionary
      a.kind = Kind::kDictionary;
      uint64_t n = r.count(2);
      a.dict.reserve(n);
      for (uint64_t i = 0; i < n; ++i) {
        ByteReader at = r;
        std::string key = key_of(table.read_attr(r).attr, at);
        a.dict.emplace_back(std::move(key), table.read_attr(r).attr);
      }
      break;
    }
    case 7: a = read_enum(r, kFftType); break;
    case 8:    // float
    case 9: {  // integer
      ir::ElementType e = table.read_element_type(r);
      if ((code == 8) != ir::is_float(e)) r.fail("scalar attribute of the wrong element type");
      a = read_scalar_attr(r, e);
      break;
    }
    case 10: {  // output_operand_alias
      a = record("output_operand_alias");
      a.dict.emplace_back("output_tuple_indices", int_list(r));
      a.dict.emplace_back("operand_index", int_value(r.signed_varint()));
      a.dict.emplace_back("operand_tuple_indices", int_list(r));
      break;
    }
    case 11: a = read_enum(r, kPrecision); break;
    case 12: a = read_enum(r, kRngAlgorithm); break;
    case 13: a = read_enum(r, kRngDistribution); break;
    case 14:
      a.kind = Kind::kString;
      a.s = std::string(table.file().read_string(r));
      break;
    case 15: {  // tensor
      ByteReader at = r;
      ir::Type type = table.read_value_type(r);
      uint64_t size = r.varint();
      a = make_dense(type, r.bytes(size), at);
      break;
    }
    case 16: a = read_enum(r, kTranspose); break;
    case 17: {  // type
      ByteReader at = r;
      const TypeValue& t = table.read_type(r);
      a.kind = Kind::kType;
      if (t.kind == TypeValue::Kind::kFunction) {
        a = function_type_attribute(t);
      } else if (t.kind == TypeValue::Kind::kOther) {
        at.fail("type attribute of " + type_description(t));
      } else {
        a.type = t.type;
      }
      break;
    }
    case 18: {  // type_extensions
      a = record("type_extensions");
      a.dict.emplace_back("bounds", int_list(r));
      break;
    }
    case 19: a = read_enum(r, kResultAccuracyMode); break;
    case 20: {  // result_accuracy
      a = record("result_accuracy");
      a.dict.emplace_back("atol", f64_value(r));
      a.dict.emplace_back("rtol", f64_value(r));
      a.dict.emplace_back("ulps", int_value(r.signed_varint()));
      a.dict.emplace_back("mode", table.read_attr(r).attr);
      break;
    }
    case 21: {  // sub_axis_info
      a = record("sub_axis_info");
      a.dict.emplace_back("pre_size", int_value(r.signed_varint()));
      a.dict.emplace_back("size", int_value(r.signed_varint()));
      break;
    }
    case 22: {  // axis_ref
      a = record("axis_ref");
      a.dict.emplace_back("name", table.read_attr(r).attr);
      if (r.varint() != 0) a.dict.emplace_back("sub_axis_info", table.read_attr(r).attr);
      break;
    }
    case 23: {  // replica_group_mesh_axes
      a = record("replica_group_mesh_axes");
      a.dict.emplace_back("mesh", table.read_attr(r).attr);
      a.dict.emplace_back("axes", table.read_attr(r).attr);
      break;
    }
    case 24: {  // mesh_axis
      a = record("mesh_axis");
      a.dict.emplace_back("name", table.read_attr(r).attr);
      a.dict.emplace_back("size", int_value(r.signed_varint()));
      break;
    }
    case 25: {  // mesh
      a = record("mesh");
      a.dict.emplace_back("axes", table.read_attr(r).attr);
      bool present = false;
      uint64_t index = r.varint_with_flag(present);
      if (present) a.dict.emplace_back("device_ids", table.attr(index, r).attr);
      break;
    }
    default:
      r.fail("unknown vhlo attribute code " + std::to_string(code));
  }
  return out;
}

}  // namespace applejax::vhlo
