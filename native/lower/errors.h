// Lowering failures carry the op and its source location, because the user
// sees them as a Python exception far from the op that caused them.
#pragma once

#include <stdexcept>
#include <string>

#include "ir/ir.h"

namespace applejax::lower {

inline constexpr const char* kReportUrl =
    "https://github.com/applejax/applejax/issues";

class LowerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "stablehlo.foo at model.py:3:1: <what>. <hint>"
[[noreturn]] void fail(const ir::Op& op, const std::string& what,
                       const std::string& hint = "");
// The message for an op nobody has lowered yet.
[[noreturn]] void fail_unsupported(const ir::Op& op, const std::string& what);

}  // namespace applejax::lower
