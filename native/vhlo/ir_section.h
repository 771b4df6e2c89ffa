// The IR section: operations, their regions and blocks, and the numbering of
// SSA values. Produces ops with their bytecode names ("vhlo.add_v1"); naming
// them the StableHLO way is module_builder's job.
#pragma once

#include <vector>

#include "ir/ir.h"
#include "vhlo/attr_type_table.h"
#include "vhlo/bytecode_file.h"

namespace applejax::vhlo {

// The ops of the top-level block. Value ids and types go to module.values.
std::vector<ir::Op> read_ir_section(const BytecodeFile& file, AttrTypeTable& table,
                                    ir::Module& module);

}  // namespace applejax::vhlo
