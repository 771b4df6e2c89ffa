// Tokens order side effects (host callbacks, ordered io_callback and
// debug.print). The emitter runs ops in program order, so a token needs no
// data: any placeholder value stands for one.
#include <mlx/ops.h>

#include "lower/emitter.h"

namespace applejax::lower {
namespace {

Values token(Emitter&, const ir::Op& op, const Values&) {
  Values out;
  for (size_t i = 0; i < op.results.size(); ++i) out.push_back(mx::array(false));
  return out;
}

}  // namespace

void register_tokens(Registry& r) {
  r.add("stablehlo.create_token", token);
  r.add("stablehlo.after_all", token);
}

}  // namespace applejax::lower
