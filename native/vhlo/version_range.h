// The StableHLO versions the reader accepts: from the minimum the plugin
// announces to its current version, both taken from applejax.lock.json
// (through the generated applejax_versions.h). jaxlib writes the newest
// version that it and the plugin share, so an artifact outside the range
// comes from a jaxlib this plugin was never verified with.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vhlo/reader.h"

namespace applejax::vhlo {

struct VersionRange {
  ArtifactVersion minimum, current;
  bool contains(const ArtifactVersion& v) const;
  std::string to_string() const;  // "1.14.0 to 1.17.0"
};

VersionRange supported_versions();

// Throws a ReadError at `offset` (where the producer string starts) unless
// `producer` is StableHLO's and names a version in supported_versions().
void check_producer(std::string_view producer, uint64_t offset);

}  // namespace applejax::vhlo
