// The fused ops the passes create (native/passes/fuse_*.cc): custom calls
// `applejax.fast.<kernel>`, each onto one MLX call. Each handler re-checks
// the kernel's contract rather than trusting the pass, so a malformed
// program (or a pass bug) is an error naming the op, not a wrong result.
//
// On MLX's CPU device mlx::core::fast::* runs its own op-by-op fallback;
// its Metal kernels have not run here (no Mac), its CUDA kernels have.
#include <mlx/fast.h>
#include <mlx/ops.h>

#include <algorithm>

#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/float64_math.h"

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
  if (in[0].size() == 0) return {in[0]};  // MLX's kernels refuse empty arrays
  // MLX's softmax exponentiates float64 in float32 (float64_math.h).
  if (is_float64(in[0])) return {float64_softmax(in[0], axes_of(op, in[0]), em.stream())};
  // precise: half types accumulate in float32, as XLA's expansion of the
  // same softmax does on every backend we compare with.
  return {mx::softmax(in[0], axes_of(op, in[0]), /*precise=*/true, em.stream())};
}

Values log_softmax(Emitter& em, const ir::Op& op, const Values& in) {
  check_float(op, in, 1);
  if (in[0].size() == 0) return {in[0]};
  auto s = em.stream();
  if (is_float64(in[0])) return {float64_log_softmax(in[0], axes_of(op, in[0]), s)};
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
  if (in[0].size() == 0) return {in[0]};
  NormInputs n = norm_inputs(op, in, "w");
  return {mx::fast::rms_norm(in[0], n.weight, n.eps, em.stream())};
}

Values layer_norm(Emitter& em, const ir::Op& op, const Values& in) {
  if (in.empty()) fail(op, "fused layer_norm without operands");
  check_float(op, in, in.size());
  if (in[0].size() == 0) return {in[0]};
  NormInputs n = norm_inputs(op, in, "wb");
  return {mx::fast::layer_norm(in[0], n.weight, n.bias, n.eps, em.stream())};
}

// c + x @ w with x [..., K], w [K, N], c [N] or the result's shape.
Values addmm(Emitter& em, const ir::Op& op, const Values& in) {
  if (in.size() != 3) fail(op, "fused addmm needs (c, x, w)");
  auto s = em.stream();
  const mx::array &c = in[0], &x = in[1], &w = in[2];
  if (x.ndim() < 1 || w.ndim() != 2 || x.shape(-1) != w.shape(0) ||
      !mx::issubdtype(x.dtype(), mx::floating) || x.dtype() != w.dtype() || c.dtype() != x.dtype())
    fail(op, "fused addmm operands do not form x[..., K] @ w[K, N] of one float type");
  mx::Shape out_shape = x.shape();
  out_shape.back() = w.shape(1);
  if (!(c.ndim() == 1 && c.shape(0) == w.shape(1)) && c.shape() != out_shape)
    fail(op, "fused addmm bias is neither [N] nor the result's shape");
  int m = static_cast<int>(x.size() / std::max<size_t>(1, x.shape(-1)));
  if (x.shape(-1) == 0) m = static_cast<int>(x.size() == 0 ? 0 : 1);
  mx::array x2 = x.ndim() == 2 ? x : mx::reshape(x, {m, x.shape(-1)}, s);
  mx::array c2 = c.ndim() <= 2 ? c : mx::reshape(c, {m, w.shape(1)}, s);
  mx::array r = mx::addmm(c2, x2, w, 1.0f, 1.0f, s);
  return {r.shape() == out_shape ? r : mx::reshape(r, out_shape, s)};
}

// q, k, v as [B, N, T|S, H]; the mask: "" (none), "causal" (T == S) or
// "bias" (a fourth operand [B, N, T, S] added to the scores).
Values sdpa(Emitter& em, const ir::Op& op, const Values& in) {
  const ir::Attribute* scale = op.attr("scale");
  const ir::Attribute* mask = op.attr("mask");
  if (!scale || !mask) fail(op, "fused attention without 'scale' and 'mask'");
  bool bias = mask->s == "bias";
  if (in.size() != (bias ? 4u : 3u) || (!bias && !mask->s.empty() && mask->s != "causal"))
    fail(op, "fused attention operands do not match its mask '" + mask->s + "'");
  const mx::array &q = in[0], &k = in[1], &v = in[2];
  for (const mx::array& a : in)
    if (a.ndim() != 4 || a.dtype() != q.dtype()) fail(op, "fused attention operands are not 4-D of one type");
  if (!mx::issubdtype(q.dtype(), mx::floating) || k.shape(0) != q.shape(0) ||
      k.shape(1) != q.shape(1) || v.shape(0) != q.shape(0) || v.shape(1) != q.shape(1) ||
      k.shape(3) != q.shape(3) || v.shape(2) != k.shape(2) ||
      (mask->s == "causal" && q.shape(2) != k.shape(2)))
    fail(op, "fused attention shapes do not fit [B, N, T, H] x [B, N, S, H]");
  if (q.size() == 0 || v.shape(3) == 0)  // an empty result
    return {mx::zeros({q.shape(0), q.shape(1), q.shape(2), v.shape(3)}, q.dtype(), em.stream())};
  std::optional<mx::array> arr;
  if (bias) arr = in[3];
  if (is_float64(q)) return {float64_attention(q, k, v, scale->f, mask->s, arr, em.stream())};
  return {mx::fast::scaled_dot_product_attention(q, k, v, static_cast<float>(scale->f),
                                                 bias ? "array" : mask->s, arr, {}, false,
                                                 em.stream())};
}

}  // namespace

void register_fast(Registry& r) {
  r.add(custom_call_key("applejax.fast.softmax"), softmax);
  r.add(custom_call_key("applejax.fast.log_softmax"), log_softmax);
  r.add(custom_call_key("applejax.fast.rms_norm"), rms_norm);
  r.add(custom_call_key("applejax.fast.layer_norm"), layer_norm);
  r.add(custom_call_key("applejax.fast.addmm"), addmm);
  r.add(custom_call_key("applejax.fast.sdpa"), sdpa);
}

}  // namespace applejax::lower
