// A minimal test harness: CHECK records a failure and keeps going, so one run
// reports every broken expectation; main() returns non-zero if any failed.
#pragma once

#include <functional>
#include <sstream>
#include <string>

namespace applejax::test {

void fail(const char* file, int line, const std::string& what);
int register_case(const char* name, std::function<void()> body);
int run_all();

}  // namespace applejax::test

#define APPLEJAX_CAT2(a, b) a##b
#define APPLEJAX_CAT(a, b) APPLEJAX_CAT2(a, b)

#define TEST_CASE(name)                                                    \
  static void name();                                                      \
  static const int APPLEJAX_CAT(registered_, name) =                       \
      ::applejax::test::register_case(#name, name);                        \
  static void name()

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) ::applejax::test::fail(__FILE__, __LINE__, #cond);        \
  } while (0)

#define CHECK_EQ(a, b)                                                     \
  do {                                                                     \
    auto&& va_ = (a);                                                      \
    auto&& vb_ = (b);                                                      \
    if (!(va_ == vb_)) {                                                   \
      std::ostringstream os_;                                              \
      os_ << #a << " == " << #b << " (" << va_ << " vs " << vb_ << ")";    \
      ::applejax::test::fail(__FILE__, __LINE__, os_.str());               \
    }                                                                      \
  } while (0)
