// The fusion passes on IR built here, in the form JAX emits after the
// clean-up passes: each pattern fuses, and a near-miss of each does not.
// (tests/python/test_fusion.py runs the same patterns from JAX itself, on
// mps against cpu.)
#include <cmath>
#include <limits>

#include "tests/check.h"
#include "tests/ir_builder.h"
#include "passes/pass.h"
#include "passes/pipeline.h"

namespace applejax {
namespace {

using test::Builder;
using test::f32;

int fused(const ir::Module& m, const std::string& kernel) {
  int n = 0;
  for (const ir::Op& op : m.functions[0].body.blocks[0].ops)
    if (op.name == "stablehlo.custom_call")
      if (const ir::Attribute* t = op.attr("call_target_name"); t && t->s == "applejax.fast." + kernel)
        ++n;
  return n;
}

// e = exp(x - bcast(max(x))); e / bcast(sum(e)), over axis 1 of [4, 8];
// `sum_init` 1 makes it a near-miss (the sum starts at 1, not 0).
ir::Module softmax(float sum_init) {
  Builder b;
  auto a = b.function("main", {f32({4, 8})});
  constexpr float kInf = std::numeric_limits<float>::infinity();
  ir::ValueId m = b.reduce("stablehlo.maximum", a[0], -kInf, {1});
  ir::ValueId s = b.op("stablehlo.subtract", {a[0], b.broadcast(m, {4, 8}, {0})}, f32({4, 8}));
  ir::ValueId e = b.op("stablehlo.exponential", {s}, f32({4, 8}));
  ir::ValueId sum = b.reduce("stablehlo.add", e, sum_init, {1});
  b.ret({b.op("stablehlo.divide", {e, b.broadcast(sum, {4, 8}, {0})}, f32({4, 8}))});
  return std::move(b.module());
}

TEST_CASE(softmax_fuses_and_a_sum_from_one_does_not) {
  ir::Module m = softmax(0);
  CHECK(passes::fuse_softmax(m));
  CHECK_EQ(passes::verify(m), std::string());
  CHECK_EQ(fused(m, "softmax"), 1);
  CHECK_EQ(m.functions[0].body.blocks[0].ops.size(), size_t{2});  // the call and the return
  ir::Module near = softmax(1);
  CHECK(!passes::fuse_softmax(near));
  CHECK_EQ(fused(near, "softmax"), 0);
}

// x * bcast(rsqrt(mean(x * x) + eps)) * bcast(w) over the last axis, or
// over axis 0 (`axis` 0: the kernel cannot, so it must not fuse).
ir::Module rms_norm(int64_t axis) {
  Builder b;
  auto a = b.function("main", {f32({4, 8}), f32({8})});
  int64_t kept = 1 - axis, n = axis == 1 ? 8 : 4;
  ir::ValueId sq = b.op("stablehlo.multiply", {a[0], a[0]}, f32({4, 8}));
  ir::ValueId sum = b.reduce("stablehlo.add", sq, 0, {axis});
  std::vector<int64_t> row = axis == 1 ? std::vector<int64_t>{4, 1} : std::vector<int64_t>{1, 8};
  ir::ValueId keep = b.broadcast(sum, row, {kept});
  ir::ValueId mean = b.op("stablehlo.divide", {keep, b.broadcast(b.constant(f32({}), n), row, {})}, f32(row));
  ir::ValueId plus = b.op("stablehlo.add", {mean, b.broadcast(b.constant(f32({}), 1e-6f), row, {})}, f32(row));
  ir::ValueId inv = b.op("stablehlo.rsqrt", {plus}, f32(row));
  ir::ValueId normed = b.op("stablehlo.multiply", {a[0], b.broadcast(inv, {4, 8}, {0, 1})}, f32({4, 8}));
  b.ret({b.op("stablehlo.multiply", {normed, b.broadcast(a[1], {4, 8}, {1})}, f32({4, 8}))});
  return std::move(b.module());
}

TEST_CASE(rms_norm_fuses_over_the_last_axis_only) {
  ir::Module m = rms_norm(1);
  CHECK(passes::fuse_norms(m));
  CHECK_EQ(passes::verify(m), std::string());
  CHECK_EQ(fused(m, "rms_norm"), 1);
  const ir::Op* call = nullptr;
  for (const ir::Op& op : m.functions[0].body.blocks[0].ops)
    if (op.name == "stablehlo.custom_call") call = &op;
  CHECK(call && call->attr("inputs")->s == "xw");
  CHECK(call && std::abs(call->attr("eps")->f - 1e-6) < 1e-12);
  ir::Module near = rms_norm(0);
  CHECK(!passes::fuse_norms(near));
}

TEST_CASE(addmm_takes_a_row_bias_and_leaves_a_batched_product) {
  Builder b;
  auto a = b.function("main", {f32({4, 8}), f32({8, 5}), f32({5})});
  auto dot = [&](ir::ValueId x, ir::ValueId w, std::vector<int64_t> shape) {
    return b.op("stablehlo.dot_general", {x, w}, f32(std::move(shape)),
                {{"lhs_batching_dimensions", test::ints({})}, {"rhs_batching_dimensions", test::ints({})},
                 {"lhs_contracting_dimensions", test::ints({1})},
                 {"rhs_contracting_dimensions", test::ints({0})}});
  };
  ir::ValueId y = b.op("stablehlo.add", {dot(a[0], a[1], {4, 5}), b.broadcast(a[2], {4, 5}, {1})}, f32({4, 5}));
  b.ret({y});
  ir::Module& m = b.module();
  CHECK(passes::fuse_addmm(m));
  CHECK_EQ(passes::verify(m), std::string());
  CHECK_EQ(fused(m, "addmm"), 1);

  Builder c;
  auto p = c.function("main", {f32({2, 4, 8}), f32({2, 8, 5}), f32({2, 4, 5})});
  ir::ValueId batched = c.op("stablehlo.dot_general", {p[0], p[1]}, f32({2, 4, 5}),
                             {{"lhs_batching_dimensions", test::ints({0})},
                              {"rhs_batching_dimensions", test::ints({0})},
                              {"lhs_contracting_dimensions", test::ints({2})},
                              {"rhs_contracting_dimensions", test::ints({1})}});
  c.ret({c.op("stablehlo.add", {batched, p[2]}, f32({2, 4, 5}))});
  CHECK(!passes::fuse_addmm(c.module()));
}

}  // namespace
}  // namespace applejax
