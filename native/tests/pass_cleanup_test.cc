// The clean-up passes on IR built here: what each one removes, merges or
// folds, and what it must leave alone.
#include "ir/printer.h"
#include "tests/check.h"
#include "tests/ir_builder.h"
#include "passes/pass.h"
#include "passes/pipeline.h"

namespace applejax {
namespace {

using test::Builder;
using test::count_ops;
using test::f32;

void check_valid(const ir::Module& m) { CHECK_EQ(passes::verify(m), std::string()); }

TEST_CASE(inline_calls_copies_the_callee_and_keeps_the_result) {
  Builder b;
  auto main_args = b.function("main", {f32({4})});
  ir::ValueId called = b.op("func.call", {main_args[0]}, f32({4}), {{"callee", test::symbol("twice")}});
  ir::ValueId out = b.op("stablehlo.negate", {called}, f32({4}));
  b.ret({out});
  auto args = b.function("twice", {f32({4})}, false);
  b.ret({b.op("stablehlo.add", {args[0], args[0]}, f32({4}))});
  ir::Module& m = b.module();
  CHECK(passes::inline_calls(m));
  check_valid(m);
  CHECK_EQ(count_ops(m, "func.call"), 0);
  CHECK_EQ(count_ops(m, "stablehlo.add"), 1);
  // negate now reads the copied add's result.
  const auto& ops = m.functions[0].body.blocks[0].ops;
  CHECK_EQ(ops[1].name, std::string("stablehlo.negate"));
  CHECK(ops[1].operands[0] == ops[0].results[0]);
  CHECK(passes::dce(m));  // the private function nobody calls any more
  CHECK_EQ(m.functions.size(), size_t{1});
}

TEST_CASE(dce_removes_unused_pure_ops_and_keeps_effects) {
  Builder b;
  auto a = b.function("main", {f32({4})});
  b.op("stablehlo.exponential", {a[0]}, f32({4}));  // unused
  ir::ValueId kept = b.op("stablehlo.negate", {a[0]}, f32({4}));
  b.op("stablehlo.custom_call", {a[0]}, f32({4}),
       {{"call_target_name", [] { ir::Attribute s; s.kind = ir::Attribute::Kind::kString; s.s = "cb"; return s; }()},
        {"has_side_effect", [] { ir::Attribute t; t.kind = ir::Attribute::Kind::kBool; t.b = true; return t; }()}});
  b.ret({kept});
  ir::Module& m = b.module();
  CHECK(passes::dce(m));
  check_valid(m);
  CHECK_EQ(count_ops(m, "stablehlo.exponential"), 0);
  CHECK_EQ(count_ops(m, "stablehlo.custom_call"), 1);
  CHECK_EQ(count_ops(m, "stablehlo.negate"), 1);
}

TEST_CASE(cse_merges_repeats_including_reductions_but_not_different_attributes) {
  Builder b;
  auto a = b.function("main", {f32({4, 8})});
  ir::ValueId r1 = b.reduce("stablehlo.add", a[0], 0, {1});
  ir::ValueId r2 = b.reduce("stablehlo.add", a[0], 0, {1});
  ir::ValueId r3 = b.reduce("stablehlo.add", a[0], 0, {0});  // another axis: kept
  ir::ValueId s = b.op("stablehlo.add", {r1, r2}, f32({4}));
  b.ret({s, r3});
  ir::Module& m = b.module();
  CHECK(passes::cse(m));
  check_valid(m);
  passes::dce(m);  // cse drops the repeats itself; this takes any dead init
  CHECK_EQ(count_ops(m, "stablehlo.reduce"), 2);
  const auto& ops = m.functions[0].body.blocks[0].ops;
  const ir::Op& add = ops[ops.size() - 2];
  CHECK_EQ(add.name, std::string("stablehlo.add"));
  CHECK(add.operands[0] == add.operands[1]);
}

TEST_CASE(simplify_drops_identities_and_merges_broadcast_chains) {
  Builder b;
  auto a = b.function("main", {f32({4})});
  ir::ValueId same = b.op("stablehlo.reshape", {a[0]}, f32({4}));
  ir::ValueId one = b.broadcast(b.constant(f32({}), 1.0f), {4}, {});
  ir::ValueId times_one = b.op("stablehlo.multiply", {same, one}, f32({4}));
  ir::ValueId col = b.broadcast(times_one, {4, 1}, {0});
  ir::ValueId full = b.broadcast(col, {4, 8}, {0, 1});
  b.ret({full});
  ir::Module& m = b.module();
  CHECK(passes::simplify(m));
  check_valid(m);
  passes::dce(m);
  CHECK_EQ(count_ops(m, "stablehlo.reshape"), 0);
  CHECK_EQ(count_ops(m, "stablehlo.multiply"), 0);
  CHECK_EQ(count_ops(m, "stablehlo.broadcast_in_dim"), 1);
  const ir::Op& bc = m.functions[0].body.blocks[0].ops.front();
  CHECK(bc.operands[0] == a[0]);
  CHECK(bc.attr("broadcast_dimensions")->ints() == std::vector<int64_t>{0});
}

TEST_CASE(simplify_keeps_float_add_of_zero) {
  // -0.0 + 0.0 is +0.0: x + 0 is not x for floats.
  Builder b;
  auto a = b.function("main", {f32({4})});
  ir::ValueId zero = b.broadcast(b.constant(f32({}), 0.0f), {4}, {});
  b.ret({b.op("stablehlo.add", {a[0], zero}, f32({4}))});
  ir::Module& m = b.module();
  passes::simplify(m);
  CHECK_EQ(count_ops(m, "stablehlo.add"), 1);
}

TEST_CASE(fold_constants_folds_exact_scalar_arithmetic_only) {
  Builder b;
  b.function("main", {});
  ir::ValueId eight = b.constant(f32({}), 8.0f);
  ir::ValueId one = b.constant(f32({}), 1.0f);
  ir::ValueId three = b.constant(f32({}), 3.0f);
  ir::ValueId seven = b.op("stablehlo.subtract", {eight, one}, f32({}));
  ir::ValueId third = b.op("stablehlo.divide", {one, three}, f32({}));  // 1/3 is not exact in f32
  b.ret({seven, third});
  ir::Module& m = b.module();
  CHECK(passes::fold_constants(m));
  check_valid(m);
  CHECK_EQ(count_ops(m, "stablehlo.subtract"), 0);
  CHECK_EQ(count_ops(m, "stablehlo.divide"), 1);
}

TEST_CASE(verify_names_a_read_before_its_definition) {
  Builder b;
  auto a = b.function("main", {f32({4})});
  ir::ValueId x = b.op("stablehlo.negate", {a[0]}, f32({4}));
  ir::ValueId y = b.op("stablehlo.negate", {x}, f32({4}));
  b.ret({y});
  ir::Module& m = b.module();
  std::swap(m.functions[0].body.blocks[0].ops[0], m.functions[0].body.blocks[0].ops[1]);
  CHECK(passes::verify(m).find("before it is defined") != std::string::npos);
}

}  // namespace
}  // namespace applejax

