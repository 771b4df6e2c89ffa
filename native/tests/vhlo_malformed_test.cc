// Damaged artifacts must become ReadErrors: never a crash, a hang, another
// exception type, or a silently wrong module. Truncates and corrupts real
// artifacts from build/artifacts; run under the sanitizer build as well.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "tests/check.h"
#include "vhlo/reader.h"

namespace {

using namespace applejax;
namespace fs = std::filesystem;

std::vector<uint8_t> artifact(const std::string& name) {
  const char* d = std::getenv("APPLEJAX_ARTIFACTS");
  fs::path path = fs::path(d && *d ? d : "build/artifacts") / (name + ".mlirbc");
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

enum class Outcome { kRead, kReadError, kOther };

Outcome try_read(std::span<const uint8_t> bytes, std::string* message = nullptr) {
  try {
    vhlo::read_artifact(bytes);
    return Outcome::kRead;
  } catch (const vhlo::ReadError& e) {
    if (message) *message = e.what();
    return Outcome::kReadError;
  } catch (const std::exception& e) {
    if (message) *message = e.what();
    return Outcome::kOther;
  }
}

TEST_CASE(every_truncation_is_a_read_error) {
  for (const char* name : {"add_one", "while_loop", "bool_constant"}) {
    auto bytes = artifact(name);
    CHECK(bytes.size() > 100);
    for (size_t n = 0; n < bytes.size(); ++n) {
      std::string message;
      Outcome o = try_read(std::span(bytes.data(), n), &message);
      if (o != Outcome::kReadError) {
        ::applejax::test::fail(__FILE__, __LINE__,
                               std::string(name) + " cut to " + std::to_string(n) + " bytes: " +
                                   (o == Outcome::kRead ? "read without error" : message));
        break;
      }
    }
  }
}

TEST_CASE(error_names_the_offset) {
  auto bytes = artifact("add_one");
  std::string message;
  CHECK(try_read(std::span(bytes.data(), 3), &message) == Outcome::kReadError);
  CHECK(message.find("(at byte ") != std::string::npos);
  std::vector<uint8_t> not_mlir = {'P', 'K', 3, 4, 0, 0};
  CHECK(try_read(not_mlir, &message) == Outcome::kReadError);
  CHECK(message.find("not MLIR bytecode") != std::string::npos);
}

TEST_CASE(corrupted_bytes_never_escape_as_other_errors) {
  std::mt19937 rng(12345);
  for (const char* name : {"add_one", "mlp_grad", "sort", "tuple_token"}) {
    auto original = artifact(name);
    CHECK(!original.empty());
    if (original.empty()) continue;
    for (int trial = 0; trial < 400; ++trial) {
      auto bytes = original;
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < flips; ++k) bytes[rng() % bytes.size()] = static_cast<uint8_t>(rng());
      std::string message;
      // Reading may succeed (a flipped byte in a float constant is still a
      // valid artifact); what it must not do is fail any other way.
      if (try_read(bytes, &message) == Outcome::kOther) {
        ::applejax::test::fail(__FILE__, __LINE__,
                               std::string(name) + " trial " + std::to_string(trial) +
                                   ": non-ReadError exception: " + message);
      }
    }
  }
}

}  // namespace
