// The in-memory program the reader produces and the lowering consumes.
//
// Deliberately plain: values are dense integer ids into Module::values so the
// lowering can keep its environment in a vector, and ops carry StableHLO names
// ("stablehlo.add", "func.call") rather than VHLO's versioned ones, so that
// nothing after the reader needs to know which VHLO version was on the wire.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace applejax::ir {

// Every element type StableHLO can name. Reading them all is required even
// where execution refuses them, so an unsupported dtype is reported by name.
enum class ElementType : uint8_t {
  kInvalid,
  kI1,  // bool
  kSI2, kSI4, kSI8, kSI16, kSI32, kSI64,
  kUI2, kUI4, kUI8, kUI16, kUI32, kUI64,
  kF4E2M1FN, kF6E2M3FN, kF6E3M2FN, kF8E3M4, kF8E4M3, kF8E4M3FN, kF8E4M3FNUZ,
  kF8E4M3B11FNUZ, kF8E5M2, kF8E5M2FNUZ, kF8E8M0FNU,
  kBF16, kF16, kF32, kF64, kTF32,
  kComplexF32, kComplexF64,
  // MLIR's `index`: a signless 64-bit integer that StableHLO uses only in
  // attributes (custom_call layouts), never as a value's element type. Kept
  // apart from i64 so the printer can spell it.
  kIndex,
};

// StableHLO spelling ("f32", "i1", "ui8", "complex<f32>").
std::string_view element_type_name(ElementType t);
// Size in bits of one element (complex counts both parts).
int element_bit_width(ElementType t);
// Bytes one element takes in memory: i1 and the sub-byte types take a whole
// byte, as they do in MLX arrays and in JAX's host buffers.
inline int element_byte_width(ElementType t) { return (element_bit_width(t) + 7) / 8; }
bool is_float(ElementType t);
bool is_integer(ElementType t);  // signed or unsigned, not i1
bool is_unsigned(ElementType t);
bool is_complex(ElementType t);

inline constexpr int64_t kDynamic = INT64_MIN;

struct Type {
  // kFuture: StableHLO's !stablehlo.future<...>, what async_start yields and
  // async_done unwraps; `elements` are the values it will hold. Futures only
  // live inside a program: they never reach an entry's arguments or results.
  enum class Kind : uint8_t { kTensor, kTuple, kToken, kNone, kFuture };
  Kind kind = Kind::kNone;
  ElementType element = ElementType::kInvalid;  // kTensor
  std::vector<int64_t> shape;                   // kTensor; kDynamic for '?'
  // kTensor: StableHLO's upper bound of each dimension (#stablehlo.bounds;
  // kDynamic where a dimension has none), or empty when the type has none.
  std::vector<int64_t> bounds;
  std::vector<Type> elements;                   // kTuple, kFuture

  static Type tensor(ElementType e, std::vector<int64_t> shape) {
    Type t;
    t.kind = Kind::kTensor;
    t.element = e;
    t.shape = std::move(shape);
    return t;
  }
  static Type token() {
    Type t;
    t.kind = Kind::kToken;
    return t;
  }
  bool is_tensor() const { return kind == Kind::kTensor; }
  int64_t num_elements() const;  // product of shape; 1 for rank 0
  bool operator==(const Type&) const = default;
};

std::string to_string(const Type& t);  // "tensor<2x3xf32>", "tuple<...>", "!stablehlo.token", "!stablehlo.future<...>"

struct Attribute;
using NamedAttribute = std::pair<std::string, Attribute>;

// One attribute value. Enum attributes keep StableHLO's spelling of the case
// ("GT", "FLOAT", "DEFAULT") and the enum's name ("comparison_direction").
struct Attribute {
  enum class Kind : uint8_t {
    kNone, kUnit, kBool, kInteger, kFloat, kString, kArray, kDictionary,
    kDense, kType, kEnum, kSymbolRef,
  };
  Kind kind = Kind::kNone;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;  // kString payload, kEnum case, kSymbolRef name
  std::string enum_name;  // kEnum: which enum
  // kInteger/kFloat element type, kType value, kDense tensor type; on a
  // kArray, a tensor type marks MLIR's dense array (array<i64: 1, 2>) and
  // gives its element type, where a plain array of attributes has none.
  Type type;
  std::vector<Attribute> array;
  std::vector<NamedAttribute> dict;
  // kDense: the elements, row-major, little-endian, each in
  // ceil(element_bit_width / 8) bytes: i1 and the sub-byte types (i2, i4,
  // f4, f6) take one byte per element, signed sub-byte integers
  // sign-extended to the full byte. A splat holds one element.
  std::shared_ptr<const std::vector<uint8_t>> data;
  bool splat = false;

  Attribute() = default;
  Attribute(const Attribute&) = default;
  Attribute(Attribute&&) noexcept = default;
  Attribute& operator=(const Attribute&) = default;
  Attribute& operator=(Attribute&&) noexcept = default;
  // Out of line (ir.cc): defined here it would need NamedAttribute, a pair
  // that holds an Attribute, complete inside Attribute itself, which clang
  // with libstdc++'s C++20 vector refuses (the fuzz build and macOS use clang).
  ~Attribute();

  // Integer list view of a kDense 1-D integer tensor or a kArray of kInteger
  // (VHLO spells dimension lists both ways across versions).
  std::vector<int64_t> ints() const;
  const Attribute* get(std::string_view key) const;  // kDictionary lookup
};

using ValueId = uint32_t;

struct Region;

// Where an op came from in the user's program: "file.py:12:3" or a name.
struct Location {
  std::string text;
};

struct Op {
  std::string name;  // "stablehlo.add", "func.return", "func.call", ...
  std::vector<ValueId> operands;
  std::vector<ValueId> results;
  std::vector<NamedAttribute> attributes;
  std::vector<Region> regions;
  Location loc;

  const Attribute* attr(std::string_view key) const;
};

struct Block {
  std::vector<ValueId> arguments;
  std::vector<Op> ops;
};

struct Region {
  std::vector<Block> blocks;
};

struct Function {
  std::string name;
  bool is_public = true;
  std::vector<Type> argument_types;
  std::vector<Type> result_types;
  std::vector<std::vector<NamedAttribute>> argument_attributes;
  std::vector<std::vector<NamedAttribute>> result_attributes;
  Region body;  // one block; its arguments are the function's parameters
  Location loc;
  // What the fields above summarise, as the function op spelled it, so that
  // it prints back exactly: its sym_visibility ("" when absent), whether it
  // had arg_attrs/res_attrs at all, and its discardable attributes.
  std::string visibility;
  bool has_argument_attributes = false;
  bool has_result_attributes = false;
  std::vector<NamedAttribute> attributes;
};

// Ops of a region, those of nested regions included.
size_t op_count(const Region& region);

struct Module {
  std::string name;
  std::vector<NamedAttribute> attributes;
  std::vector<Function> functions;
  std::vector<Type> values;  // type of each ValueId
  std::string producer;      // bytecode producer string, e.g. "StableHLO_v1.13.0"

  ValueId add_value(Type t) {
    values.push_back(std::move(t));
    return static_cast<ValueId>(values.size() - 1);
  }
  const Function* find_function(std::string_view name) const;
  const Function* entry() const;  // "main", else the only public function
};

}  // namespace applejax::ir
