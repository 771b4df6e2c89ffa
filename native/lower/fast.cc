// The fused ops the passes create (native/passes/fuse_*.cc): custom calls
// `applejax.fast.<kernel>`, each onto one MLX call. Each handler re-checks
// the kernel's contract rather than trusting the pass, so a malformed
// program (or a pass bug) is an error naming the op, not a wrong result.
//
// On MLX's CPU device mlx::core::fast::* runs its own op-by-op fallback;
// its Metal kernels have not run here (no Mac), its CUDA kernels have.
#include <mlx/fast.h>
#include <mlx/ops.h>

#include "lower/emitter.h"
#include "lower/errors.h"

namespace applejax::lower {
namespace {

std::vector<int> axes_of(const ir::Op& op, const mx::array& x) {
  const ir::Attribute* a = op.attr("axes");
  if (!a) fail(op, "fused op without its 'axes'");
  std::vector<int> axes;
  for (int64_t d : a->ints()) {
    if (d < 0 || d >= static_cast<int64_t>(x.ndim())) fail(op, "fused op axis out of range");
    axes.push_back(static_cast<int>(d));
  }
  if (axes.empty()) fail(op, "fused op over no axes");
  return axes;
}

void check_float(const ir::Op& op, const Values& in, size_t n) {
  if (in.size() != n) fail(op, "fused op with " + std::to_string(in.size()) + " operands");
  if (!mx::issubdtype(in[0].dtype(), mx::floating)) fail(op, "fused op on a non-float array");
}

Values softmax(Emitter& em, const ir::Op& op, const Values& in) {
  check_float(op, in, 1);
  // precise: half types accumulate in float32, as XLA's expansion of the
  // same softmax does on every backend we compare with.
  return {mx::softmax(in[0], axes_of(op, in[0]), /*precise=*/true, em.stream())};
}

Values log_softmax(Emitter& em, const ir::Op& op, const Values& in) {
  check_float(op, in, 1);
  auto s = em.stream();
  return {mx::subtract(in[0], mx::logsumexp(in[0], axes_of(op, in[0]), true, s), s)};
}

struct NormInputs {
  std::optional<mx::array> weight, bias;
  float eps;
};

NormInputs norm_inputs(const ir::Op& op, const Values& in, std::string_view allowed) {
  const ir::Attribute* inputs = op.attr("inputs");
  const ir::Attribute* eps = op.attr("eps");
  if (!inputs || !eps || inputs->s.empty() || inputs->s[0] != 'x' || inputs->s.size() != in.size())
    fail(op, "fused norm without matching 'inputs' and 'eps'");
  NormInputs n{std::nullopt, std::nullopt, static_cast<float>(eps->f)};
  const mx::array& x = in[0];
  if (x.ndim() == 0) fail(op, "fused norm of a scalar");
  for (size_t i = 1; i < in.size(); ++i) {
    char c = inputs->s[i];
    if (allowed.find(c) == std::string_view::npos) fail(op, "fused norm input '" + std::string(1, c) + "'");
    // The kernels' contract: one value per element of the last axis.
    if (in[i].ndim() != 1 || in[i].shape(0) != x.shape(-1) || in[i].dtype() != x.dtype())
      fail(op, "fused norm weight or bias not 1-D over the last axis");
    (c == 'w' ? n.weight : n.bias) = in[i];
  }
  return n;
}

Values rms_norm(Emitter& em, const ir::Op& op, const Values& in) {
  if (in.empty()) fail(op, "fused rms_norm without operands");
  check_float(op, in, in.size());
  NormInputs n = norm_inputs(op, in, "w");
  return {mx::fast::rms_norm(in[0], n.weight, n.eps, em.stream())};
}

Values layer_norm(Emitter& em, const ir::Op& op, const Values& in) {
  if (in.empty()) fail(op, "fused layer_norm without operands");
  check_float(op, in, in.size());
  NormInputs n = norm_inputs(op, in, "wb");
  return {mx::fast::layer_norm(in[0], n.weight, n.bias, n.eps, em.stream())};
}

}  // namespace

void register_fast(Registry& r) {
  r.add(custom_call_key("applejax.fast.softmax"), softmax);
  r.add(custom_call_key("applejax.fast.log_softmax"), log_softmax);
  r.add(custom_call_key("applejax.fast.rms_norm"), rms_norm);
  r.add(custom_call_key("applejax.fast.layer_norm"), layer_norm);
}

}  // namespace applejax::lower
