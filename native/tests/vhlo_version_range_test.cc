// The reader accepts exactly the StableHLO versions the plugin announces
// (applejax.lock.json, through applejax_versions.h) and refuses the others
// with an error that names the artifact's version, the range and what to do.
// Real artifacts of other versions come from the pinned and the older jaxlib
// (the `older jaxlib` stage of `deno task test` runs this test over them);
// here a real artifact's producer string is rewritten to each edge.
#include <algorithm>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "applejax_versions.h"
#include "tests/check.h"
#include "tests/generic_text.h"
#include "vhlo/reader.h"
#include "vhlo/version_range.h"

namespace {

using namespace applejax;
namespace fs = std::filesystem;

std::string artifacts_dir() {
  const char* d = std::getenv("APPLEJAX_ARTIFACTS");
  return d && *d ? d : "build/artifacts";
}

// Where the producer string of an artifact starts: after the 4-byte magic
// and the format version, a one-byte varint for every format so far.
constexpr size_t kProducerAt = 5;

std::vector<uint8_t> with_producer(std::vector<uint8_t> bytes, const std::string& producer) {
  auto end = std::find(bytes.begin() + kProducerAt, bytes.end(), uint8_t{0});
  bytes.erase(bytes.begin() + kProducerAt, end);
  bytes.insert(bytes.begin() + kProducerAt, producer.begin(), producer.end());
  return bytes;
}

// The ReadError's message, or "" when the artifact was read.
std::string read_error(const std::vector<uint8_t>& bytes) {
  try {
    vhlo::read_artifact(bytes);
    return "";
  } catch (const vhlo::ReadError& e) {
    return e.what();
  }
}

std::vector<uint8_t> sample() {
  return test::read_bytes(fs::path(artifacts_dir()) / "add_one.mlirbc");
}

TEST_CASE(range_is_the_announced_one) {
  vhlo::VersionRange r = vhlo::supported_versions();
  CHECK_EQ(r.minimum.to_string(), std::string(APPLEJAX_STABLEHLO_MINIMUM));
  CHECK_EQ(r.current.to_string(), std::string(APPLEJAX_STABLEHLO_CURRENT));
  CHECK(r.contains(r.minimum));
  CHECK(r.contains(r.current));
}

TEST_CASE(every_version_in_the_range_is_read) {
  auto bytes = sample();
  CHECK(bytes.size() > kProducerAt);
  if (bytes.size() <= kProducerAt) return;
  vhlo::VersionRange r = vhlo::supported_versions();
  // Each minor between the ends, at patch 0, and both ends themselves.
  std::vector<vhlo::ArtifactVersion> versions = {r.minimum, r.current};
  for (int minor = r.minimum.minor + 1; r.minimum.major == r.current.major && minor <= r.current.minor;
       ++minor)
    versions.push_back({r.current.major, minor, 0});
  for (const auto& v : versions) {
    std::string producer = "StableHLO_v" + v.to_string();
    std::string err = read_error(with_producer(bytes, producer));
    if (!err.empty()) test::fail(__FILE__, __LINE__, producer + ": " + err);
  }
}

void expect_refused(const std::string& producer, const std::string& says) {
  std::string err = read_error(with_producer(sample(), producer));
  if (err.find(says) == std::string::npos ||
      err.find(vhlo::supported_versions().to_string()) == std::string::npos ||
      err.find("(at byte 5)") == std::string::npos)
    test::fail(__FILE__, __LINE__, producer + " gave: " + (err.empty() ? "no error" : err));
}

TEST_CASE(older_versions_are_refused) {
  vhlo::VersionRange r = vhlo::supported_versions();
  vhlo::ArtifactVersion below = r.minimum;
  if (below.patch > 0) --below.patch;
  else if (below.minor > 0) --below.minor;
  else --below.major;
  expect_refused("StableHLO_v" + below.to_string(), "older than this plugin reads");
  expect_refused("StableHLO_v0.9.0", "upgrade jax and jaxlib");
  expect_refused("StableHLO_v0.9.0", std::string("jaxlib ") + APPLEJAX_OLDEST_JAXLIB);
}

TEST_CASE(newer_versions_are_refused) {
  vhlo::VersionRange r = vhlo::supported_versions();
  vhlo::ArtifactVersion above = r.current;
  ++above.patch;
  expect_refused("StableHLO_v" + above.to_string(), "newer than this plugin reads");
  expect_refused("StableHLO_v" + std::to_string(r.current.major + 1) + ".0.0",
                 "or upgrade applejax");
  // It names the version it got and the newest jaxlib that is verified.
  expect_refused("StableHLO_v" + std::to_string(r.current.major + 1) + ".0.0",
                 "the artifact is StableHLO " + std::to_string(r.current.major + 1) + ".0.0");
  expect_refused("StableHLO_v" + above.to_string(),
                 std::string("install jax and jaxlib ") + APPLEJAX_NEWEST_JAXLIB);
}

TEST_CASE(other_producers_are_refused) {
  expect_refused("MLIR20.0.0git", "is not StableHLO's");
  expect_refused("", "is not StableHLO's");
  expect_refused("StableHLO_v1.x", "is not StableHLO's");
  // Unprintable bytes of a damaged producer are not copied into the message.
  std::string err = read_error(with_producer(sample(), "\x01\x7f\xff"));
  CHECK(err.find("\"???\"") != std::string::npos);
}

// Each artifact of the directory is of the version its manifest names (the
// version the exporter was asked for), and that version is in the range.
TEST_CASE(artifacts_are_of_the_manifest_version) {
  std::string manifest = test::read_text(fs::path(artifacts_dir()) / "manifest.json");
  std::smatch m;
  CHECK(std::regex_search(manifest, m, std::regex("\"stablehlo_version\": \"([0-9.]+)\"")));
  if (m.empty()) return;
  const std::string want = m[1];
  CHECK(vhlo::supported_versions().contains(vhlo::artifact_version("StableHLO_v" + want)));
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(artifacts_dir(), ec)) {
    if (e.path().extension() != ".mlirbc") continue;
    ++n;
    ir::Module module = vhlo::read_artifact(test::read_bytes(e.path()));
    CHECK_EQ(vhlo::artifact_version(module.producer).to_string(), want);
  }
  CHECK(n >= 20);
}

}  // namespace
