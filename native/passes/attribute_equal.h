// Structural equality of attributes, for CSE: MLX's
// Primitive::is_equivalent, in our IR.
#pragma once

#include <cstddef>

#include "ir/ir.h"

namespace applejax::passes {

bool same_attribute(const ir::Attribute& a, const ir::Attribute& b);
bool same_attributes(const std::vector<ir::NamedAttribute>& a,
                     const std::vector<ir::NamedAttribute>& b);

}  // namespace applejax::passes
