#include "vhlo/version_range.h"

#include <tuple>

#include "applejax_versions.h"
#include "vhlo/read_error.h"

namespace applejax::vhlo {

namespace {

auto key(const ArtifactVersion& v) { return std::tie(v.major, v.minor, v.patch); }

// The producer as it goes into a message: at most 64 bytes, unprintable ones
// (a damaged artifact) shown as '?'.
std::string quote(std::string_view producer) {
  std::string out = "\"";
  for (char c : producer.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out + (producer.size() > 64 ? "...\"" : "\"");
}

}  // namespace

bool VersionRange::contains(const ArtifactVersion& v) const {
  return key(minimum) <= key(v) && key(v) <= key(current);
}

std::string VersionRange::to_string() const {
  return minimum.to_string() + " to " + current.to_string();
}

VersionRange supported_versions() {
  return VersionRange{
      {APPLEJAX_STABLEHLO_MINIMUM_MAJOR, APPLEJAX_STABLEHLO_MINIMUM_MINOR,
       APPLEJAX_STABLEHLO_MINIMUM_PATCH},
      {APPLEJAX_STABLEHLO_CURRENT_MAJOR, APPLEJAX_STABLEHLO_CURRENT_MINOR,
       APPLEJAX_STABLEHLO_CURRENT_PATCH}};
}

void check_producer(std::string_view producer, uint64_t offset) {
  const VersionRange range = supported_versions();
  const std::string quoted = quote(producer);
  ArtifactVersion v = artifact_version(producer);
  if (key(v) == key(ArtifactVersion{})) {
    throw ReadError("the artifact's producer " + quoted +
                        " is not StableHLO's: the mps plugin reads StableHLO portable "
                        "artifacts (VHLO bytecode, StableHLO " + range.to_string() +
                        "), which jaxlib writes for it",
                    offset);
  }
  if (key(v) < key(range.minimum)) {
    throw ReadError("the artifact is StableHLO " + v.to_string() + " (producer " + quoted +
                        "), older than this plugin reads (" + range.to_string() +
                        "). jaxlib writes the newest version both it and the plugin know, so the "
                        "jaxlib that wrote this is older than the oldest applejax is verified "
                        "with (jaxlib " + APPLEJAX_OLDEST_JAXLIB + ", which writes " +
                        range.minimum.to_string() + "): upgrade jax and jaxlib",
                    offset);
  }
  if (key(range.current) < key(v)) {
    throw ReadError("the artifact is StableHLO " + v.to_string() + " (producer " + quoted +
                        "), newer than this plugin reads (" + range.to_string() +
                        "). jaxlib steps down to the newest version the plugin announces while "
                        "it can still write one that old; the jaxlib that wrote this cannot, so "
                        "it is newer than the newest applejax is verified with (jaxlib " +
                        APPLEJAX_NEWEST_JAXLIB + "): install jax and jaxlib " +
                        APPLEJAX_NEWEST_JAXLIB + " (or another version inside the range "
                        "applejax declares), or upgrade applejax. An artifact serialised by "
                        "other means must target " + range.current.to_string() + " or older",
                    offset);
  }
}

}  // namespace applejax::vhlo
