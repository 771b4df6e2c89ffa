// Reads jaxlib's portable artifacts (written by tests/artifacts/export.py
// into build/artifacts) and checks that our printer, given what our reader
// made of each, writes exactly jaxlib's own generic-form text of it, up to
// value names. vhlo_corpus_test does the same over the larger corpus.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "ir/printer.h"
#include "tests/check.h"
#include "tests/generic_text.h"
#include "vhlo/reader.h"

namespace {

using namespace applejax;
namespace fs = std::filesystem;
using test::read_bytes;
using test::read_text;

std::string artifacts_dir() {
  const char* d = std::getenv("APPLEJAX_ARTIFACTS");
  return d && *d ? d : "build/artifacts";
}

std::vector<std::string> artifact_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(artifacts_dir(), ec)) {
    if (e.path().extension() == ".mlirbc") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST_CASE(artifacts_exist) {
  // The exporter writes two dozen programs; finding none means the test ran
  // without them, which must not pass silently.
  CHECK(artifact_names().size() >= 20);
}

TEST_CASE(every_artifact_matches_jaxlib) {
  for (const std::string& name : artifact_names()) {
    fs::path base = fs::path(artifacts_dir()) / name;
    auto bytes = read_bytes(base.string() + ".mlirbc");
    ir::Module m;
    try {
      m = vhlo::read_artifact(bytes);
    } catch (const vhlo::ReadError& e) {
      ::applejax::test::fail(__FILE__, __LINE__, name + ": " + e.what());
      continue;
    }
    CHECK_EQ(vhlo::artifact_version(m.producer).major, 1);
    std::string ours = test::canonical_names(ir::print_module(m, ir::PrintOptions{.locations = false}));
    std::string theirs = test::canonical_names(read_text(base.string() + ".mlir"));
    CHECK(!theirs.empty());
    std::string diff = test::first_difference(ours, theirs);
    if (!diff.empty()) ::applejax::test::fail(__FILE__, __LINE__, name + ": " + diff);
  }
}

TEST_CASE(main_signature_matches) {
  auto bytes = read_bytes(fs::path(artifacts_dir()) / "dot.mlirbc");
  ir::Module m = vhlo::read_artifact(bytes);
  const ir::Function* f = m.entry();
  CHECK(f != nullptr);
  if (!f) return;
  CHECK_EQ(f->argument_types.size(), size_t{2});
  CHECK_EQ(ir::to_string(f->argument_types[0]), std::string("tensor<4x8xf32>"));
  CHECK_EQ(ir::to_string(f->argument_types[1]), std::string("tensor<8x5xf32>"));
  CHECK_EQ(ir::to_string(f->result_types.at(0)), std::string("tensor<4x5xf32>"));
}

// Prints a module when APPLEJAX_DUMP names an artifact: a debugging aid.
TEST_CASE(dump_if_asked) {
  const char* path = std::getenv("APPLEJAX_DUMP");
  if (!path) return;
  auto bytes = read_bytes(path);
  try {
    ir::Module m = vhlo::read_artifact(bytes);
    std::cout << "producer: " << m.producer << "\n" << ir::print_module(m);
  } catch (const vhlo::ReadError& e) {
    std::cout << "ReadError: " << e.what() << "\n";
  }
}

}  // namespace
