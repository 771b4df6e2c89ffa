// The differential test over the generated corpus (tests/corpus/generate.py
// writes build/corpus): every artifact read by our reader and printed by our
// printer must give jaxlib's own generic-form text of it, up to value names.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "ir/printer.h"
#include "tests/check.h"
#include "tests/generic_text.h"
#include "vhlo/reader.h"

namespace {

using namespace applejax;
namespace fs = std::filesystem;

// The generator writes several hundred; far fewer means it did not run.
constexpr size_t kMinimumCorpus = 300;

std::string corpus_dir() {
  const char* d = std::getenv("APPLEJAX_CORPUS");
  return d && *d ? d : "build/corpus";
}

std::vector<std::string> artifact_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(corpus_dir(), ec)) {
    if (e.path().extension() == ".mlirbc") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST_CASE(corpus_is_there) {
  size_t n = artifact_names().size();
  if (n < kMinimumCorpus) {
    test::fail(__FILE__, __LINE__,
               std::to_string(n) + " artifacts in " + corpus_dir() +
                   "; run `.venv/bin/python tests/corpus/generate.py build/corpus`");
  }
}

TEST_CASE(every_artifact_prints_as_jaxlib_does) {
  auto start = std::chrono::steady_clock::now();
  size_t matched = 0, total = 0;
  for (const std::string& name : artifact_names()) {
    ++total;
    fs::path base = fs::path(corpus_dir()) / name;
    std::string theirs = test::read_text(base.string() + ".mlir");
    std::string ours;
    try {
      ir::Module m = vhlo::read_artifact(test::read_bytes(base.string() + ".mlirbc"));
      ours = ir::print_module(m, ir::PrintOptions{.locations = false});
    } catch (const vhlo::ReadError& e) {
      test::fail(__FILE__, __LINE__, name + ": read error: " + e.what());
      continue;
    }
    std::string diff = test::first_difference(test::canonical_names(ours), test::canonical_names(theirs));
    if (diff.empty()) {
      ++matched;
    } else {
      test::fail(__FILE__, __LINE__, name + ": " + diff);
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "corpus: " << total << " artifacts, " << matched << " matched, "
            << total - matched << " differ (" << seconds << " s)\n";
}

}  // namespace
