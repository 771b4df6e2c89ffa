#include "tests/check.h"

#include <cstdio>
#include <exception>
#include <vector>

namespace applejax::test {
namespace {
struct Case {
  const char* name;
  std::function<void()> body;
};
std::vector<Case>& cases() {
  static std::vector<Case> all;
  return all;
}
int failures = 0;
}  // namespace

void fail(const char* file, int line, const std::string& what) {
  ++failures;
  std::fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what.c_str());
}

int register_case(const char* name, std::function<void()> body) {
  cases().push_back({name, std::move(body)});
  return 0;
}

int run_all() {
  for (auto& c : cases()) {
    int before = failures;
    try {
      c.body();
    } catch (const std::exception& e) {
      fail(c.name, 0, std::string("unexpected exception: ") + e.what());
    }
    std::printf("%s %s\n", failures == before ? "ok  " : "FAIL", c.name);
  }
  std::printf("%zu cases, %d failed checks\n", cases().size(), failures);
  return failures == 0 ? 0 : 1;
}
}  // namespace applejax::test

int main() { return applejax::test::run_all(); }
