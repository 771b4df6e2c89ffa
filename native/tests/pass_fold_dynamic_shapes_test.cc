// fold_dynamic_shapes on IR built here: what jaxlib's verifier refuses
// before the plugin sees it (a shape that contradicts its result type) and
// the type refinement of '?' results, which the Python tests only see
// through results.
#include <cstring>
#include <stdexcept>

#include "passes/pass.h"
#include "passes/pipeline.h"
#include "tests/check.h"
#include "tests/ir_builder.h"

namespace applejax {
namespace {

using test::Builder;
using test::count_ops;
using test::f32;

ir::Type i64(std::vector<int64_t> shape) {
  return ir::Type::tensor(ir::ElementType::kSI64, std::move(shape));
}

ir::ValueId shape_constant(Builder& b, std::vector<int64_t> v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kDense;
  a.type = i64({static_cast<int64_t>(v.size())});
  auto bytes = std::make_shared<std::vector<uint8_t>>(v.size() * 8);
  std::memcpy(bytes->data(), v.data(), bytes->size());
  a.data = bytes;
  return b.op("stablehlo.constant", {}, a.type, {{"value", a}});
}

std::string failure(ir::Module& m) {
  try {
    passes::fold_dynamic_shapes(m);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST_CASE(reshape_to_an_unknown_dimension_takes_the_shape_operand) {
  Builder b;
  auto a = b.function("main", {f32({2, 3})});
  ir::ValueId s = shape_constant(b, {3, 2});
  ir::ValueId r = b.op("stablehlo.dynamic_reshape", {a[0], s}, f32({ir::kDynamic, 2}));
  ir::ValueId n = b.op("stablehlo.get_dimension_size", {r}, ir::Type::tensor(ir::ElementType::kSI32, {}),
                       {{"dimension", test::integer(0)}});
  b.ret({r, n});
  ir::Module& m = b.module();
  CHECK(passes::fold_dynamic_shapes(m));
  CHECK_EQ(passes::verify(m), std::string());
  CHECK_EQ(count_ops(m, "stablehlo.dynamic_reshape"), 0);
  CHECK_EQ(count_ops(m, "stablehlo.reshape"), 1);
  // The refined '?' lets the get_dimension_size after it fold too, and the
  // function's result type follows.
  CHECK_EQ(count_ops(m, "stablehlo.get_dimension_size"), 0);
  CHECK(m.values[r] == f32({3, 2}));
  CHECK(m.functions[0].result_types[0] == f32({3, 2}));
}

TEST_CASE(a_shape_that_contradicts_the_result_type_is_refused) {
  Builder b;
  auto a = b.function("main", {f32({2, 3})});
  ir::ValueId s = shape_constant(b, {2, 3});
  b.ret({b.op("stablehlo.dynamic_reshape", {a[0], s}, f32({3, 2}))});
  std::string e = failure(b.module());
  CHECK(e.find("stablehlo.dynamic_reshape at test.py:1:1") != std::string::npos);
  CHECK(e.find("shape operand says [2, 3]") != std::string::npos);
}

TEST_CASE(an_unknown_dimension_left_over_is_refused) {
  Builder b;
  auto a = b.function("main", {f32({ir::kDynamic, 3})});
  b.ret({b.op("stablehlo.negate", {a[0]}, f32({ir::kDynamic, 3}))});
  std::string e = failure(b.module());
  CHECK(e.find("stablehlo.negate at test.py:1:1") != std::string::npos);
  CHECK(e.find("tensor<?x3xf32>") != std::string::npos);
  CHECK(e.find("static shapes only") != std::string::npos);
}

TEST_CASE(static_programs_are_left_alone) {
  Builder b;
  auto a = b.function("main", {f32({4})});
  b.ret({b.op("stablehlo.negate", {a[0]}, f32({4}))});
  CHECK(!passes::fold_dynamic_shapes(b.module()));
}

}  // namespace
}  // namespace applejax
