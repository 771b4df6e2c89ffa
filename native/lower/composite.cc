// stablehlo.composite: a named op with a decomposition function. jaxlib's
// portable serializer turns CHLO ops (asin, erf, sinh, ...) into composites,
// so this is where most of JAX's transcendental functions arrive.
//
// Real-valued composites MLX has a kernel for run that kernel: one fused op
// instead of the decomposition's dozens (for float64, MLX's erf and erfinv
// kernels are float32-accurate: float64_math.h has their replacements).
// Everything else runs the decomposition, which is plain StableHLO by
// construction.
#include <mlx/ops.h>

#include <string>
#include <unordered_map>

#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/float64_math.h"

namespace applejax::lower {
namespace {

using Kernel = mx::array (*)(const mx::array&, mx::StreamOrDevice);

const std::unordered_map<std::string, Kernel>& kernels() {
  static const std::unordered_map<std::string, Kernel> k = {
      {"chlo.asin", mx::arcsin},   {"chlo.acos", mx::arccos},   {"chlo.atan", mx::arctan},
      {"chlo.sinh", mx::sinh},     {"chlo.cosh", mx::cosh},     {"chlo.asinh", mx::arcsinh},
      {"chlo.acosh", mx::arccosh}, {"chlo.atanh", mx::arctanh}, {"chlo.erf", mx::erf},
      {"chlo.erf_inv", mx::erfinv},
  };
  return k;
}

Values composite(Emitter& em, const ir::Op& op, const Values& in) {
  const ir::Attribute* name = op.attr("name");
  if (name && in.size() == 1 && op.results.size() == 1 &&
      mx::issubdtype(in[0].dtype(), mx::floating)) {
    if (auto exact = float64_composite(name->s, in[0], em.stream())) return {*exact};
    auto it = kernels().find(name->s);
    if (it != kernels().end()) return {it->second(in[0], em.stream())};
  }
  const ir::Attribute* decomposition = op.attr("decomposition");
  if (!decomposition) fail(op, "composite without a decomposition");
  const ir::Function* fn = em.module().find_function(decomposition->s);
  if (!fn) fail(op, "composite's decomposition @" + decomposition->s + " is not in the module");
  return em.call(*fn, in);
}

}  // namespace

void register_composite(Registry& r) { r.add("stablehlo.composite", composite); }

}  // namespace applejax::lower
