// PJRT_Buffer_Type <-> IR element types.
#pragma once

#include "ir/ir.h"
#include "pjrt/pjrt_abi.h"

namespace applejax::pjrt {

ir::ElementType to_element_type(PJRT_Buffer_Type t);
PJRT_Buffer_Type to_buffer_type(ir::ElementType t);

}  // namespace applejax::pjrt
