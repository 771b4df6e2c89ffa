// Reads a StableHLO portable artifact (MLIR bytecode of the VHLO dialect)
// into the IR. Written from the published formats; no MLIR libraries.
//
// Never crashes on bad input: every malformed artifact becomes a ReadError
// that names what was being read and the byte offset.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "ir/ir.h"
#include "vhlo/read_error.h"

namespace applejax::vhlo {

ir::Module read_artifact(std::span<const uint8_t> bytes);

// The StableHLO version from the producer string "StableHLO_vX.Y.Z", as
// {X, Y, Z}; {0, 0, 0} when the producer is not StableHLO's.
struct ArtifactVersion {
  int major = 0, minor = 0, patch = 0;
  std::string to_string() const;
};
ArtifactVersion artifact_version(std::string_view producer);

}  // namespace applejax::vhlo
