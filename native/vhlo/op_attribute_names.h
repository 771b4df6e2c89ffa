// The inherent attribute names of each VHLO op, in the order the bytecode
// stores them as properties.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace applejax::vhlo {

// ODS writes an op's properties sorted by attribute name, not in declaration
// order (checked against jaxlib's func_v1: arg_attrs, function_type,
// res_attrs, sym_name, sym_visibility).
inline constexpr bool kSortedPropertyOrder = true;

// `op` is the VHLO name without the dialect, e.g. "add_v1". Null if unknown.
const std::vector<std::string>* vhlo_op_attribute_names(std::string_view op);

}  // namespace applejax::vhlo
