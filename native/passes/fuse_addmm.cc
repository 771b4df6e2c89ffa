// fuse_addmm: a dense layer's `x @ w + b` onto mlx::core::addmm, where the
// matrix kernel adds the bias as it writes its result (one kernel, one
// pass over the output, instead of a product and an elementwise add).
//
// Matched: add(dot_general(x, w), bcast(b)), either order, where
//   x is [..., K] contracting its last axis, w is [K, N] contracting axis 0,
//   no batch dimensions, x, w, b and the result of one float type, and
//   b is [N] broadcast along the last axis (or an array of the result's
//   shape). Anything else (batched products, mixed precision, a bias over
//   another axis) stays as it is.
#include "passes/fusion.h"
#include "passes/pass.h"

namespace applejax::passes {
namespace {

bool plain_product(const Uses& u, const ir::Op& dot) {
  if (dot.operands.size() != 2) return false;
  const ir::Type &x = u.type(dot.operands[0]), &w = u.type(dot.operands[1]),
                 &out = u.type(dot.results[0]);
  if (!x.is_tensor() || !w.is_tensor() || x.shape.empty() || w.shape.size() != 2) return false;
  if (x.element != out.element || w.element != out.element || !ir::is_float(out.element))
    return false;
  auto ints = [&](const char* name) {
    const ir::Attribute* a = dot.attr(name);
    return a ? a->ints() : std::vector<int64_t>{};
  };
  std::vector<int64_t> lb = ints("lhs_batching_dimensions"), rb = ints("rhs_batching_dimensions"),
                       lc = ints("lhs_contracting_dimensions"),
                       rc = ints("rhs_contracting_dimensions");
  int64_t last = static_cast<int64_t>(x.shape.size()) - 1;
  return lb.empty() && rb.empty() && lc == std::vector<int64_t>{last} &&
         rc == std::vector<int64_t>{0} && x.shape.back() == w.shape[0];
}

std::optional<Fused> addmm(const Uses& u, const ir::Op& root) {
  if (root.operands.size() != 2) return std::nullopt;
  const ir::Type& out = u.type(root.results[0]);
  if (!out.is_tensor() || !ir::is_float(out.element) || out.shape.empty()) return std::nullopt;
  for (int side = 0; side < 2; ++side) {
    ir::ValueId prod = root.operands[side], bias = root.operands[1 - side];
    const ir::Op* dot = def_is(u, prod, "stablehlo.dot_general");
    if (!dot || !used_once(u, prod) || !plain_product(u, *dot)) continue;
    ir::ValueId c = bias;
    if (const ir::Op* b = def_is(u, bias, "stablehlo.broadcast_in_dim")) {
      const ir::Type& bt = u.type(b->operands[0]);
      const ir::Attribute* dims = b->attr("broadcast_dimensions");
      int64_t last = static_cast<int64_t>(out.shape.size()) - 1;
      if (dims && bt.shape.size() == 1 && bt.shape[0] == out.shape.back() &&
          dims->ints() == std::vector<int64_t>{last})
        c = b->operands[0];
    }
    if (!(u.type(c).shape == out.shape || u.type(c).shape == std::vector<int64_t>{out.shape.back()}))
      continue;
    if (u.type(c).element != out.element) continue;
    Fused f;
    f.ops.push_back(fast_call("addmm", {c, dot->operands[0], dot->operands[1]}, root));
    f.internal = {prod};
    if (c != bias) f.internal.push_back(bias);
    return f;
  }
  return std::nullopt;
}

}  // namespace

bool fuse_addmm(ir::Module& m) {
  return fuse_each(m, [](const Uses& u, Rewriter&, const ir::Op& op) -> std::optional<Fused> {
    if (op.name != "stablehlo.add") return std::nullopt;
    return addmm(u, op);
  });
}

}  // namespace applejax::passes
