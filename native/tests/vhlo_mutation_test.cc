// Mutations and truncations of the whole generated corpus (build/corpus): every damaged
// artifact must read to a valid module or give a ReadError — never a crash,
// another exception type, or (under the sanitizer build CI also runs) a
// memory error. Deterministic: a fixed seed, so a failure reproduces.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "tests/check.h"
#include "vhlo/reader.h"

namespace {

using namespace applejax;
namespace fs = std::filesystem;

constexpr size_t kMinimumCorpus = 300;
constexpr int kMutationsPerArtifact = 16;  // ~11,000 over the corpus

std::vector<fs::path> corpus() {
  const char* d = std::getenv("APPLEJAX_CORPUS");
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(d && *d ? d : "build/corpus", ec))
    if (e.path().extension() == ".mlirbc") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// One random edit of the kinds that break length fields, indices and
// nesting: overwrite, bit flip, insert, delete, a run of 0xff (huge
// varints), or a cut.
void mutate(std::vector<uint8_t>& b, std::mt19937& rng) {
  if (b.empty()) return;
  size_t at = rng() % b.size();
  switch (rng() % 6) {
    case 0: b[at] = static_cast<uint8_t>(rng()); break;
    case 1: b[at] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
    case 2: b.insert(b.begin() + static_cast<long>(at), static_cast<uint8_t>(rng())); break;
    case 3: b.erase(b.begin() + static_cast<long>(at)); break;
    case 4:
      for (size_t k = at; k < std::min(b.size(), at + 9); ++k) b[k] = 0xff;
      break;
    default: b.resize(at); break;
  }
}

TEST_CASE(corpus_mutations_are_read_or_refused) {
  std::vector<fs::path> files = corpus();
  CHECK(files.size() >= kMinimumCorpus);
  std::mt19937 rng(20261125);
  size_t total = 0, refused = 0;
  for (const fs::path& path : files) {
    std::vector<uint8_t> original = read_bytes(path);
    for (int m = 0; m < kMutationsPerArtifact; ++m) {
      std::vector<uint8_t> bytes = original;
      int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits; ++e) mutate(bytes, rng);
      ++total;
      try {
        vhlo::read_artifact(bytes);
      } catch (const vhlo::ReadError&) {
        ++refused;
      } catch (const std::exception& e) {
        ::applejax::test::fail(__FILE__, __LINE__,
                               path.filename().string() + " mutation " + std::to_string(m) +
                                   ": not a ReadError: " + e.what());
      }
    }
  }
  std::cout << "mutations: " << total << " over " << files.size() << " artifacts, " << refused
            << " refused with a ReadError, " << (total - refused) << " still valid\n";
  CHECK(total >= 10000);
}

TEST_CASE(every_truncation_of_the_corpus_is_refused) {
  std::vector<fs::path> files = corpus();
  CHECK(files.size() >= kMinimumCorpus);
  size_t total = 0;
  for (const fs::path& path : files) {
    std::vector<uint8_t> bytes = read_bytes(path);
    for (size_t n = 0; n < bytes.size(); ++n, ++total) {
      try {
        vhlo::read_artifact(std::span(bytes.data(), n));
        ::applejax::test::fail(__FILE__, __LINE__, path.filename().string() + " cut to " +
                                                       std::to_string(n) + " bytes was read");
        break;
      } catch (const vhlo::ReadError&) {
      } catch (const std::exception& e) {
        ::applejax::test::fail(__FILE__, __LINE__, path.filename().string() + " cut to " +
                                                       std::to_string(n) + ": " + e.what());
        break;
      }
    }
  }
  std::cout << "truncations: " << total << " prefixes of " << files.size() << " artifacts\n";
}

}  // namespace
