#include "lower/errors.h"

namespace applejax::lower {

void fail(const ir::Op& op, const std::string& what, const std::string& hint) {
  std::string msg = op.name;
  if (!op.loc.text.empty()) msg += " at " + op.loc.text;
  msg += ": " + what;
  if (!hint.empty()) msg += ". " + hint;
  throw LowerError(msg);
}

void fail_unsupported(const ir::Op& op, const std::string& what) {
  fail(op, what,
       std::string("The applejax plugin cannot run this yet; run this "
                   "function on the cpu backend (jax.jit(..., "
                   "backend='cpu') or JAX_PLATFORMS=cpu) and report it at ") +
           kReportUrl);
}

}  // namespace applejax::lower
