// Pieces of the printer shared between its files. Each produces text the way
// MLIR's AsmPrinter (and StableHLO's attribute printers) write it, because the
// printer's purpose is to be compared character for character with jaxlib.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ir/ir.h"

namespace applejax::ir::text {

// printer_floats.cc

// A float of element type `e` given by its bit pattern, as MLIR prints a
// FloatAttr or a dense element: "1.000000e+00" when six digits read back
// exactly, else the shortest-round-trip form ("2.83297682", "2.1858087E-4"),
// else (NaN, infinities, values that only print without a '.') hexadecimal
// bits ("0x7FC00000"). `hex` reports that last case.
std::string float_value(uint64_t bits, ElementType e, bool* hex = nullptr);

// printer_types.cc

std::string element_name(ElementType e);  // "f32", "index", "complex<f32>"
std::string type_text(const Type& t);     // "tensor<2x?xf32>", "tuple<...>", "!stablehlo.token"
// A function type as MLIR prints it: a single non-function result bare.
std::string function_type_text(const std::vector<Type>& inputs, const std::vector<Type>& outputs);
// The type held by an Attribute of kind kType (function types included).
std::string type_attribute_text(const Attribute& a);

// printer_attributes.cc

// MLIR elides an integer's `: i64` and a float's `: f64` inside arrays but
// not where an attribute stands alone (a dictionary value, a property).
enum class Elide : uint8_t { kNever, kI64F64 };

std::string attribute(const Attribute& a, Elide elide = Elide::kNever);
std::string string_literal(std::string_view s);  // "..." with MLIR's \XX escapes
std::string symbol_ref(std::string_view name);   // @name, quoted when not an identifier
std::string int_list(const std::vector<int64_t>& v);  // [1, 2]
std::string dense(const Attribute& a);           // dense<...> : tensor<...>
std::string dense_i64_array(const std::vector<int64_t>& v);  // array<i64: 1, 2>

// One `name = value` entry ready to print; `value` empty for a unit
// attribute, which MLIR prints as its bare name.
using Entry = std::pair<std::string, std::string>;
// Sorts entries by name, as MLIR's dictionaries are kept, and prints them.
std::string dictionary(std::vector<Entry> entries);
std::vector<Entry> entries_of(const std::vector<NamedAttribute>& attrs);

// printer_folds.cc

// VHLO attributes that StableHLO folds into one structured attribute.
enum class Fold : uint8_t { kNone, kConv, kDot, kGather, kScatter, kChannelHandle };
// The VHLO attributes a fold consumes.
const std::vector<std::string>& folded_names(Fold f);
// Appends the structured attribute(s) a fold makes of op's attributes.
void fold(const Op& op, Fold f, std::vector<Entry>& out);

// printer_stablehlo.cc

// An op's attributes split the way jaxlib holds them after converting VHLO
// to StableHLO: inherent attributes (properties, printed in `<{...}>`) with
// the VHLO-only spellings rewritten and defaults dropped, and the rest
// (discardable, printed in `{...}`).
struct OpAttributes {
  std::vector<Entry> properties;
  std::vector<Entry> discardable;
};
OpAttributes stablehlo_attributes(const Op& op);

}  // namespace applejax::ir::text
