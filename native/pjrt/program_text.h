// The text PJRT_Executable_OptimizedProgram hands to jaxlib for
// Compiled.as_text(): the artifact JAX sent, printed as StableHLO in MLIR's
// generic form, which jaxlib parses and converts to HLO.
#pragma once

#include <string>
#include <string_view>

namespace applejax::pjrt {

// Throws (ReadError) if the artifact cannot be read; it was read once
// already when it compiled, so that does not happen in practice.
std::string program_text(std::string_view artifact);

}  // namespace applejax::pjrt
