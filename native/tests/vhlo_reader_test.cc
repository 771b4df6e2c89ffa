// Reads jaxlib's portable artifacts (written by tests/artifacts/export.py
// into build/artifacts) and checks the IR against jaxlib's own generic-form
// text of the same programs: the same ops in the same order, with the same
// operand and result types.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "ir/printer.h"
#include "tests/check.h"
#include "vhlo/reader.h"

namespace {

using namespace applejax;
namespace fs = std::filesystem;

std::string artifacts_dir() {
  const char* d = std::getenv("APPLEJAX_ARTIFACTS");
  return d && *d ? d : "build/artifacts";
}

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// One op line of generic-form text: the op name and, for ops without
// regions, the type signature that ends the line.
struct OpLine {
  std::string name;
  std::string signature;
  bool operator==(const OpLine&) const = default;
};

std::ostream& operator<<(std::ostream& os, const OpLine& l) {
  return os << l.name << " " << l.signature;
}

// Both printers put one op per line as `%r = "dialect.op"(...)`, so the line
// structure is all this needs; the module and function headers differ in
// form and are compared through the IR instead.
std::vector<OpLine> op_lines(const std::string& text) {
  std::vector<OpLine> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t q = line.find('"');
    if (q == std::string::npos) continue;
    size_t prefix = line.find_first_not_of(' ');
    if (prefix != q && line.compare(prefix, 1, "%") != 0) continue;
    size_t end = line.find("\"(", q + 1);
    if (end == std::string::npos) continue;
    std::string name = line.substr(q + 1, end - q - 1);
    if (name == "builtin.module" || name == "func.func" || name.find('.') == std::string::npos) {
      continue;
    }
    if (size_t loc = line.rfind(" loc("); loc != std::string::npos) line.resize(loc);
    OpLine op{name, ""};
    if (!line.ends_with("({")) {
      size_t sig = line.rfind(" : (");
      if (sig != std::string::npos) op.signature = line.substr(sig + 3);
    }
    out.push_back(std::move(op));
  }
  return out;
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
    std::vector<OpLine> ours = op_lines(ir::print_module(m));
    std::vector<OpLine> theirs = op_lines(read_text(base.string() + ".mlir"));
    CHECK(!theirs.empty());
    if (ours.size() != theirs.size()) {
      ::applejax::test::fail(__FILE__, __LINE__,
                             name + ": " + std::to_string(ours.size()) + " ops, jaxlib reads " +
                                 std::to_string(theirs.size()));
      continue;
    }
    for (size_t i = 0; i < ours.size(); ++i) {
      if (!(ours[i] == theirs[i])) {
        std::ostringstream os;
        os << name << " op " << i << ": ours `" << ours[i] << "`, jaxlib `" << theirs[i] << "`";
        ::applejax::test::fail(__FILE__, __LINE__, os.str());
        break;
      }
    }
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
