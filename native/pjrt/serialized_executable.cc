#include "pjrt/serialized_executable.h"

#include <cstring>

#include <mlx/version.h>

#include "pjrt/entry.h"
#include "pjrt/version.h"

namespace applejax::pjrt {
namespace {

constexpr char kMagic[8] = {'A', 'J', 'X', 'E', 'X', 'E', 'C', '\n'};

template <typename T>
void put(std::string& out, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(char((uint64_t(value) >> (8 * i)) & 0xff));
}

// Reads fields front to back; every read checks the remaining length, so a
// truncated entry is reported rather than read past its end.
struct Reader {
  std::string_view bytes;
  size_t at = 0;

  [[noreturn]] void fail(const std::string& what) const {
    invalid("mps: this serialized executable cannot be loaded: " + what +
            ". JAX recompiles the function; delete the cache entry if this repeats");
  }
  template <typename T>
  T get(const char* field) {
    if (bytes.size() - at < sizeof(T)) fail(std::string("it is truncated (in the ") + field + ")");
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= uint64_t(uint8_t(bytes[at + i])) << (8 * i);
    at += sizeof(T);
    return T(v);
  }
  std::string_view take(uint64_t n, const char* field) {
    if (bytes.size() - at < n) fail(std::string("it is truncated (in the ") + field + ")");
    std::string_view s = bytes.substr(at, n);
    at += n;
    return s;
  }
};

}  // namespace

uint64_t fnv1a(std::string_view data, uint64_t seed) {
  uint64_t h = seed;
  for (char c : data) {
    h ^= uint8_t(c);
    h *= 1099511628211ull;
  }
  return h;
}

std::string serialize_executable(std::string_view artifact) {
  std::string out(kMagic, sizeof kMagic);
  put<uint32_t>(out, kFormatVersion);
  std::string_view plugin = kPluginVersion, mlx = mlx::core::version();
  put<uint32_t>(out, plugin.size());
  out += plugin;
  put<uint32_t>(out, mlx.size());
  out += mlx;
  put<uint64_t>(out, artifact.size());
  out += artifact;
  put<uint64_t>(out, fnv1a(out));
  return out;
}

std::span<const uint8_t> artifact_of_serialized(std::string_view bytes) {
  Reader r{bytes};
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    r.fail("it was not written by the applejax plugin (wrong magic bytes)");
  r.at = sizeof kMagic;
  // The checksum first: a corrupted length field must not be trusted.
  if (bytes.size() < sizeof kMagic + 8) r.fail("it is truncated");
  Reader tail{bytes, bytes.size() - 8};
  if (tail.get<uint64_t>("checksum") != fnv1a(bytes.substr(0, bytes.size() - 8)))
    r.fail("its checksum does not match (the entry is truncated or corrupted)");
  r.bytes = bytes.substr(0, bytes.size() - 8);
  auto format = r.get<uint32_t>("format version");
  if (format != kFormatVersion)
    r.fail("it has format version " + std::to_string(format) + ", this plugin reads " +
           std::to_string(kFormatVersion));
  std::string_view plugin = r.take(r.get<uint32_t>("plugin version"), "plugin version");
  if (plugin != kPluginVersion)
    r.fail("it was written by applejax " + std::string(plugin) + ", this is " + kPluginVersion);
  std::string_view mlx = r.take(r.get<uint32_t>("MLX version"), "MLX version");
  if (mlx != mlx::core::version())
    r.fail("it was written with MLX " + std::string(mlx) + ", this plugin runs MLX " +
           mlx::core::version());
  std::string_view artifact = r.take(r.get<uint64_t>("artifact size"), "artifact");
  if (r.at != r.bytes.size()) r.fail("it has trailing bytes after the artifact");
  return {reinterpret_cast<const uint8_t*>(artifact.data()), artifact.size()};
}

}  // namespace applejax::pjrt
