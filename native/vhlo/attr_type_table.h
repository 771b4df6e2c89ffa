// The attribute and type tables of a bytecode file, decoded lazily: an entry
// is decoded the first time something refers to it, so garbage that nothing
// uses is never looked at. Cycles are rejected.
//
// Nesting: JAX writes a location per op as a chain of call sites, one per
// Python frame (up to jax_traceback_in_locations_limit frames, 1000 when that
// is negative, any number when it is set that high), so a location nests as
// deep as the caller's Python stack. Locations are therefore resolved with an
// explicit work stack, not recursion: they may nest to any depth the entry
// count allows. Everything else (arrays, dictionaries, tuple and tensor
// types) becomes a recursive ir::Attribute / ir::Type tree that is copied,
// printed and destroyed recursively, so its nesting stays capped at
// kMaxNesting, far above anything JAX writes (a few levels).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/ir.h"
#include "vhlo/bytecode_file.h"
#include "vhlo/resources.h"

namespace applejax::vhlo {

// A decoded type. Element types stand alone in the bytecode (the element of a
// tensor is a separate type entry), so they get their own kind here.
struct TypeValue {
  enum class Kind : uint8_t { kElement, kTensor, kTuple, kToken, kFuture, kFunction, kNone, kOther };
  Kind kind = Kind::kOther;
  ir::Type type;                   // kTensor, kTuple, kToken, kFuture; kElement: element set
  std::vector<ir::Type> inputs;    // kFunction
  std::vector<ir::Type> outputs;   // kFunction
  std::string description;         // kOther: what it was, for error messages
};

// A decoded attribute.
struct AttrValue {
  ir::Attribute attr;
  std::optional<ir::Location> location;  // set when the attribute is a location
};

// Attributes and types (other than location chains) nested inside one
// another deeper than this are refused: each level costs about 2 KB of
// native stack in a release build (vhlo_deep_nesting_test prints it), so the
// cap stays near 130 KB (about 560 KB under ASan): safe on a jaxlib compile
// worker thread with a small stack (512 KB is the macOS default for threads).
inline constexpr int kMaxNesting = 64;
// An entry referred to twice is copied twice into its parent's tree, so a
// few bytes of shared entries (arrays of two copies of an array of two
// copies of ...) would describe a tree of 2^64 nodes. Trees are counted as
// they are built and refused past this many nodes; the largest JAX writes
// (function types and argument attributes of functions with thousands of
// arguments) are tens of thousands. A location counts as one node.
inline constexpr uint64_t kMaxTreeNodes = uint64_t{1} << 20;

class AttrTypeTable {
 public:
  AttrTypeTable(const BytecodeFile& file, const Resources& resources);

  const AttrValue& attr(uint64_t index, const ByteReader& at);
  const TypeValue& type(uint64_t index, const ByteReader& at);
  const AttrValue& read_attr(ByteReader& r) { return attr(r.varint(), r); }
  const TypeValue& read_type(ByteReader& r) { return type(r.varint(), r); }
  // A type that must be a value type (tensor, tuple or token).
  ir::Type read_value_type(ByteReader& r);
  // A type that must be an element type.
  ir::ElementType read_element_type(ByteReader& r);
  // Any type ir::Type can hold: a value type, or an element type or none
  // (kNone, element set or not), as a function type attribute may list.
  ir::Type read_any_type(ByteReader& r);

  const BytecodeFile& file() const { return file_; }
  const Resources& resources() const { return resources_; }

 private:
  enum class State : uint8_t {
    kNew,
    kDecoding,  // on the native call stack
    kWaiting,   // on the location work stack, its children first
    kDone,
  };
  struct Entry {
    uint32_t dialect = 0;
    bool custom = false;
    bool location = false;  // a builtin location (call site, name, fused, ...)
    Section data;
    State state = State::kNew;
    uint64_t nodes = 0;  // of the decoded value's tree
  };
  struct DepthGuard;

  void decode_attr(uint64_t index, const ByteReader& at);
  void decode_type(uint64_t index, const ByteReader& at);
  // Adds a decoded entry's tree to the one being built around it.
  void count(const Entry& e, const ByteReader& at);
  // Decodes the location at `index` and every location under it, children
  // first, from an explicit stack: the native stack stays flat however deep
  // the call-site chain is.
  void resolve_location(uint64_t index, const ByteReader& at);
  // The attribute indices a location entry refers to as nested locations.
  std::vector<uint64_t> location_children(const Entry& e) const;

  const BytecodeFile& file_;
  const Resources& resources_;
  std::vector<Entry> attr_entries_;
  std::vector<Entry> type_entries_;
  std::vector<std::unique_ptr<AttrValue>> attrs_;
  std::vector<std::unique_ptr<TypeValue>> types_;
  // One node count per entry being decoded, innermost last (its size is
  // the nesting depth).
  std::vector<uint64_t> trees_;
};

// Decoders, one per dialect and kind (each in its own file). They read one
// entry's payload from `r`, calling back into the table for nested entries.
AttrValue decode_builtin_attr(ByteReader& r, AttrTypeTable& table);
AttrValue decode_vhlo_attr(ByteReader& r, AttrTypeTable& table);
TypeValue decode_builtin_type(ByteReader& r, AttrTypeTable& table);
TypeValue decode_vhlo_type(ByteReader& r, AttrTypeTable& table);

// Shared helpers for the decoders.
std::string type_description(const TypeValue& t);
// Type entries both dialects encode alike (defined in vhlo_types.cc).
TypeValue element_type(ir::ElementType e);
TypeValue ranked_tensor(ByteReader& r, AttrTypeTable& table);  // shape, element
TypeValue function_type(ByteReader& r, AttrTypeTable& table);  // inputs, outputs
TypeValue tuple_type(ByteReader& r, AttrTypeTable& table);     // value types
// Reads an APInt of a known bit width (a byte up to 8 bits, else a zigzag
// varint) and returns its raw bit pattern.
uint64_t read_known_width_bits(ByteReader& r, int bit_width);
// Interprets a float bit pattern of the given element type as a double.
double float_bits_to_double(uint64_t bits, ir::ElementType e);
// Sign- or zero-extends an integer bit pattern to int64 per element type.
int64_t extend_integer(uint64_t bits, ir::ElementType e);
// Reads the value of an integer or float attribute of element type e (the
// width follows from the type) and builds a kInteger/kFloat/kBool attribute.
ir::Attribute read_scalar_attr(ByteReader& r, ir::ElementType e);
// A type attribute holding a function type, which ir::Type cannot hold: kType
// with s == "function" and type = tuple<tuple<inputs...>, tuple<outputs...>>.
ir::Attribute function_type_attribute(const TypeValue& t);
// Builds a kDense attribute from a tensor type and MLIR's raw element data
// (i1 may arrive bit-packed; sub-byte types take one byte per element).
ir::Attribute make_dense(const ir::Type& type, std::span<const uint8_t> raw, const ByteReader& at);

}  // namespace applejax::vhlo
