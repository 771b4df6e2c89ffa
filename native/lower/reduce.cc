// stablehlo.reduce.
//
// Bodies that are one binary op over the two block arguments (sum, prod,
// max, min, all, any) map onto MLX's reductions. Every other body —
// variadic reductions such as argmax, custom combiners — runs as a tree:
// the reduced axes are flattened into one trailing axis, padded with the
// init values to a power of two, and the body is applied elementwise to the
// two halves until one element is left. StableHLO leaves the order of
// combination unspecified, so any associative body gives the same result
// as XLA (up to floating-point reassociation).
#include <mlx/ops.h>

#include <numeric>

#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/region_patterns.h"
#include <optional>

#include "lower/shape_rules.h"

namespace applejax::lower {
namespace {

Values simple_reduce(const std::string& body, const mx::array& x, const mx::array& init,
                     const std::vector<int>& axes, bool init_is_identity, mx::StreamOrDevice s) {
  bool is_bool = x.dtype() == mx::bool_;
  // The passes found the init to be the body's identity (passes/simplify.cc):
  // combining with it changes nothing, and costs a kernel on the GPU.
  if (init_is_identity) {
    std::optional<mx::array> r;
    if (body == "stablehlo.add") r = mx::sum(x, axes, false, s);
    if (body == "stablehlo.multiply") r = mx::prod(x, axes, false, s);
    if (body == "stablehlo.maximum") r = mx::max(x, axes, false, s);
    if (body == "stablehlo.minimum") r = mx::min(x, axes, false, s);
    if (body == "stablehlo.and" && is_bool) r = mx::all(x, axes, false, s);
    if (body == "stablehlo.or" && is_bool) r = mx::any(x, axes, false, s);
    if (r) return {r->dtype() == x.dtype() ? *r : mx::astype(*r, x.dtype(), s)};
  }
  if (body == "stablehlo.add") return {mx::add(mx::sum(x, axes, false, s), init, s)};
  if (body == "stablehlo.multiply") return {mx::multiply(mx::prod(x, axes, false, s), init, s)};
  if (body == "stablehlo.maximum") return {mx::maximum(mx::max(x, axes, false, s), init, s)};
  if (body == "stablehlo.minimum") return {mx::minimum(mx::min(x, axes, false, s), init, s)};
  if (body == "stablehlo.and" && is_bool)
    return {mx::logical_and(mx::all(x, axes, false, s), init, s)};
  if (body == "stablehlo.or" && is_bool)
    return {mx::logical_or(mx::any(x, axes, false, s), init, s)};
  return {};
}

Values tree_reduce(Emitter& em, const ir::Op& op, const Values& xs, const Values& inits,
                   const std::vector<int>& axes) {
  auto s = em.stream();
  const mx::Shape& shape = xs[0].shape();
  int rank = static_cast<int>(shape.size());
  std::vector<bool> reduced(rank, false);
  for (int a : axes) reduced.at(a) = true;
  std::vector<int> perm;
  mx::Shape kept;
  for (int d = 0; d < rank; ++d) {
    if (!reduced[d]) {
      perm.push_back(d);
      kept.push_back(shape[d]);
    }
  }
  int64_t n = 1;
  for (int a : axes) {
    perm.push_back(a);
    n *= shape[a];
  }
  size_t k = xs.size();
  auto init_like = [&](size_t i, mx::Shape sh) {
    return mx::broadcast_to(mx::astype(inits[i], xs[i].dtype(), s), sh, s);
  };
  if (n == 0) {
    Values out;
    for (size_t i = 0; i < k; ++i) out.push_back(init_like(i, kept));
    return out;
  }
  int64_t width = 1;
  while (width < n) width *= 2;
  Values cur;
  for (size_t i = 0; i < k; ++i) {
    mx::Shape flat = kept;
    flat.push_back(static_cast<mx::ShapeElem>(n));
    mx::array x = mx::reshape(mx::transpose(xs[i], perm, s), flat, s);
    if (width > n) {
      mx::Shape pad_shape = kept;
      pad_shape.push_back(static_cast<mx::ShapeElem>(width - n));
      x = mx::concatenate({x, init_like(i, pad_shape)}, -1, s);
    }
    cur.push_back(x);
  }
  int last = static_cast<int>(kept.size());
  // Slices [lo, hi) of the trailing axis.
  auto trailing = [&](const mx::array& x, int64_t lo, int64_t hi) {
    mx::Shape start(kept.size() + 1, 0), stop = kept;
    start[last] = static_cast<mx::ShapeElem>(lo);
    stop.push_back(static_cast<mx::ShapeElem>(hi));
    return mx::slice(x, start, stop, s);
  };
  for (int64_t half = width / 2; half >= 1; half /= 2) {
    Values args;
    for (size_t i = 0; i < k; ++i) args.push_back(trailing(cur[i], 0, half));
    for (size_t i = 0; i < k; ++i) args.push_back(trailing(cur[i], half, 2 * half));
    cur = em.run_region_elementwise(op.regions[0], args);
    if (cur.size() != k) fail(op, "the reduce body returns " + std::to_string(cur.size()) + " values, not " + std::to_string(k));
  }
  // The init values take part once, as in XLA's sequential reduction.
  Values args;
  for (size_t i = 0; i < k; ++i) args.push_back(init_like(i, kept));
  for (size_t i = 0; i < k; ++i) args.push_back(mx::squeeze(cur[i], {last}, s));
  return em.run_region_elementwise(op.regions[0], args);
}

Values reduce(Emitter& em, const ir::Op& op, const Values& in) {
  if (in.empty() || in.size() % 2 != 0 || op.regions.size() != 1)
    fail(op, "reduce needs pairs of operands and init values and one body");
  size_t k = in.size() / 2;
  Values xs(in.begin(), in.begin() + k), inits(in.begin() + k, in.end());
  for (size_t i = 1; i < k; ++i)
    if (xs[i].shape() != xs[0].shape()) fail(op, "the operands of a variadic reduce differ in shape");
  std::vector<int64_t> dims64 = int_list(op, "dimensions");
  // A repeated axis would be counted twice in the reduced extent.
  check_axes(op, "dimensions", dims64, xs[0].ndim());
  std::vector<int> axes(dims64.begin(), dims64.end());
  bool empty = false;
  for (int a : axes) empty = empty || xs[0].shape(a) == 0;
  if (k == 1 && !empty) {
    Values fast = simple_reduce(binary_body(op.regions[0]), xs[0], inits[0], axes,
                                op.attr("applejax.init_is_identity") != nullptr, em.stream());
    if (!fast.empty()) return fast;
  }
  return tree_reduce(em, op, xs, inits, axes);
}

}  // namespace

void register_reduce(Registry& r) { r.add("stablehlo.reduce", reduce); }

}  // namespace applejax::lower
