// Our float printer against MLIR's: a few values by hand, then every pattern
// of the narrow float types and a sample of f32/f64 from the table that
// tests/corpus/generate.py writes (build/corpus/floats.txt) from jaxlib.
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "ir/printer_internal.h"
#include "tests/check.h"

namespace {

using namespace applejax;
using ir::ElementType;
using ir::text::float_value;

TEST_CASE(known_values) {
  CHECK_EQ(float_value(0x3F800000, ElementType::kF32), std::string("1.000000e+00"));
  CHECK_EQ(float_value(0x3DCCCCCD, ElementType::kF32), std::string("1.000000e-01"));
  CHECK_EQ(float_value(0x80000000, ElementType::kF32), std::string("-0.000000e+00"));
  CHECK_EQ(float_value(0x40354F7E, ElementType::kF32), std::string("2.83297682"));
  CHECK_EQ(float_value(0x396532DB, ElementType::kF32), std::string("2.1858087E-4"));
  // Exact only as an integer without a '.': MLIR falls back to hex.
  CHECK_EQ(float_value(0x4B800000, ElementType::kF32), std::string("0x4B800000"));
  CHECK_EQ(float_value(0x7FC00000, ElementType::kF32), std::string("0x7FC00000"));
  CHECK_EQ(float_value(0xFF800000, ElementType::kF32), std::string("0xFF800000"));
  CHECK_EQ(float_value(0x7FC0, ElementType::kBF16), std::string("0x7FC0"));
  CHECK_EQ(float_value(0x3DCD, ElementType::kBF16), std::string("1.000980e-01"));
  CHECK_EQ(float_value(1, ElementType::kF64), std::string("4.940660e-324"));
  CHECK_EQ(float_value(0x7E37E43C8800759C, ElementType::kF64), std::string("1.000000e+300"));
  bool hex = false;
  float_value(0x7C00, ElementType::kF16, &hex);
  CHECK(hex);
}

bool element_type(const std::string& name, ElementType& e) {
  static const std::map<std::string, ElementType> kTypes = {
      {"bf16", ElementType::kBF16}, {"f16", ElementType::kF16}, {"f32", ElementType::kF32},
      {"f64", ElementType::kF64}, {"f8E4M3FN", ElementType::kF8E4M3FN},
      {"f8E5M2", ElementType::kF8E5M2}, {"f8E4M3FNUZ", ElementType::kF8E4M3FNUZ},
      {"f8E5M2FNUZ", ElementType::kF8E5M2FNUZ}, {"f8E4M3B11FNUZ", ElementType::kF8E4M3B11FNUZ},
      {"f8E4M3", ElementType::kF8E4M3}, {"f8E3M4", ElementType::kF8E3M4},
      {"f8E8M0FNU", ElementType::kF8E8M0FNU}, {"f6E2M3FN", ElementType::kF6E2M3FN},
      {"f6E3M2FN", ElementType::kF6E3M2FN}, {"f4E2M1FN", ElementType::kF4E2M1FN},
  };
  auto it = kTypes.find(name);
  if (it == kTypes.end()) return false;
  e = it->second;
  return true;
}

TEST_CASE(every_pattern_in_the_table) {
  const char* dir = std::getenv("APPLEJAX_CORPUS");
  std::string path = std::string(dir && *dir ? dir : "build/corpus") + "/floats.txt";
  std::ifstream in(path);
  if (!in) {
    test::fail(__FILE__, __LINE__, path + " is missing: run tests/corpus/generate.py");
    return;
  }
  std::string line;
  size_t total = 0, wrong = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string type, hex, want;
    fields >> type >> hex >> want;
    ElementType e;
    if (!element_type(type, e)) {
      test::fail(__FILE__, __LINE__, "unknown type in table: " + line);
      continue;
    }
    ++total;
    std::string got = float_value(std::stoull(hex, nullptr, 16), e);
    if (got != want && ++wrong <= 20) {
      test::fail(__FILE__, __LINE__, type + " 0x" + hex + ": ours " + got + ", MLIR " + want);
    }
  }
  CHECK(total > 100000);
  std::printf("floats: %zu patterns, %zu printed differently\n", total, wrong);
}

}  // namespace
