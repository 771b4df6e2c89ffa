// Collectives on one device (native/lower/collectives.cc) given what jaxlib's
// verifier never lets through: id tables of the wrong shape, combiners of the
// wrong arity or type, results that differ from their operands. Each must be
// a LowerError naming the problem; the well-formed forms return their
// operand. tests/python/test_collectives.py runs what JAX emits.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "lower/dtype.h"
#include "lower/emitter.h"
#include "lower/errors.h"
#include "tests/check.h"
#include "tests/ir_builder.h"

namespace {

using namespace applejax;
namespace mx = mlx::core;

using test::f32;
using test::integer;

ir::Type typed(ir::ElementType e, std::vector<int64_t> shape) {
  return ir::Type::tensor(e, std::move(shape));
}

// A dense i64 id table of `shape` (replica_groups, source_target_pairs).
ir::Attribute id_table(std::vector<int64_t> shape, std::vector<int64_t> ids) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kDense;
  a.type = typed(ir::ElementType::kSI64, std::move(shape));
  auto bytes = std::make_shared<std::vector<uint8_t>>(ids.size() * 8);
  if (!ids.empty()) std::memcpy(bytes->data(), ids.data(), bytes->size());  // empty: both null
  a.data = bytes;
  return a;
}

ir::Attribute one_group() { return id_table({1, 1}, {0}); }

class Program : public test::Builder {
 public:
  explicit Program(std::vector<ir::Type> args) { args_ = function("main", std::move(args)); }
  ir::ValueId arg(size_t i) const { return args_.at(i); }

  // A combiner (a, b) -> a + b over scalars of `e` with `arity` arguments.
  ir::Region combiner(ir::ElementType e, size_t arity = 2) {
    ir::Region r = binary_body("stablehlo.add");
    ir::Block& b = r.blocks[0];
    b.arguments.clear();
    for (size_t i = 0; i < arity; ++i) b.arguments.push_back(module().add_value(typed(e, {})));
    b.ops[0].operands = {b.arguments[0], b.arguments[std::min<size_t>(1, arity - 1)]};
    return r;
  }

  // Returns `v` and lowers @main on 1, 2, 3, ... (in each argument's
  // type); the results, or the
  // error's message in *error.
  std::vector<mx::array> lower(ir::ValueId v, std::string* error) {
    ret({v});
    ir::Function& fn = module().functions[0];
    lower::Values args;
    for (const auto& t : fn.argument_types) {
      mx::Shape shape(t.shape.begin(), t.shape.end());
      int n = 1;
      for (int d : shape) n *= d;
      mx::array a = mx::reshape(mx::arange(1.0, n + 1.0, mx::float32, mx::Device::cpu), shape,
                                mx::Device::cpu);
      args.push_back(mx::astype(a, lower::to_mlx(t.element).value(), mx::Device::cpu));
    }
    try {
      lower::Emitter em(module(), mx::Device::cpu);
      lower::Values out = em.call(fn, args);
      mx::eval(out);
      return out;
    } catch (const lower::LowerError& e) {
      *error = e.what();
      return {};
    }
  }

 private:
  std::vector<ir::ValueId> args_;
};

void expect_error(Program& p, ir::ValueId v, const std::string& says, int line) {
  std::string err;
  p.lower(v, &err);
  if (err.find(says) == std::string::npos)
    test::fail(__FILE__, line, "wanted an error saying '" + says + "', got: " +
                                   (err.empty() ? "no error" : err));
}

// The first element of the single result, or -1 with a failure recorded.
float first_element(Program& p, ir::ValueId v, int line) {
  std::string err;
  std::vector<mx::array> out = p.lower(v, &err);
  if (out.size() != 1) {
    test::fail(__FILE__, line, "did not lower: " + err);
    return -1;
  }
  mx::array first = mx::astype(mx::reshape(out[0], {-1}, mx::Device::cpu), mx::float32, mx::Device::cpu);
  mx::eval(first);
  return first.data<float>()[0];
}

TEST_CASE(replica_groups_not_a_table) {
  Program p({f32({3})});
  auto v = p.op("stablehlo.all_gather", {p.arg(0)}, f32({3}),
                {{"all_gather_dim", integer(0)}, {"replica_groups", id_table({1}, {0})}});
  expect_error(p, v, "replica_groups is not a two-dimensional integer tensor", __LINE__);
}

TEST_CASE(replica_groups_shorter_than_their_shape) {
  Program p({f32({3})});
  ir::Attribute groups = id_table({2, 2}, {0});
  auto v = p.op("stablehlo.all_gather", {p.arg(0)}, f32({3}),
                {{"all_gather_dim", integer(0)}, {"replica_groups", groups}});
  expect_error(p, v, "holds fewer ids than its shape says", __LINE__);
}

// A damaged splat can claim any shape; reading its ids would allocate them.
TEST_CASE(replica_groups_of_a_huge_shape) {
  Program p({f32({3})});
  ir::Attribute groups = id_table({1, 1}, {0});
  groups.type.shape = {int64_t{1} << 31, int64_t{1} << 31};
  groups.splat = true;
  auto v = p.op("stablehlo.all_gather", {p.arg(0)}, f32({3}),
                {{"all_gather_dim", integer(0)}, {"replica_groups", groups}});
  expect_error(p, v, "replica_groups has the shape 2147483648x2147483648", __LINE__);
}

TEST_CASE(padded_group_is_one_participant) {
  Program p({f32({3})});
  auto v = p.op("stablehlo.all_gather", {p.arg(0)}, f32({3}),
                {{"all_gather_dim", integer(0)}, {"replica_groups", id_table({1, 2}, {0, -1})}});
  CHECK_EQ(first_element(p, v, __LINE__), 1.0f);
}

TEST_CASE(combiner_of_three_arguments) {
  Program p({f32({3})});
  auto v = p.op("stablehlo.all_reduce", {p.arg(0)}, f32({3}), {{"replica_groups", one_group()}},
                {p.combiner(ir::ElementType::kF32, 3)});
  expect_error(p, v, "the combiner takes 3 arguments, not 2", __LINE__);
}

TEST_CASE(combiner_of_another_element_type) {
  Program p({f32({3})});
  auto v = p.op("stablehlo.reduce_scatter", {p.arg(0)}, f32({3}),
                {{"scatter_dimension", integer(0)}, {"replica_groups", one_group()}},
                {p.combiner(ir::ElementType::kF16)});
  expect_error(p, v, "is not a scalar of the result element type", __LINE__);
}

TEST_CASE(all_reduce_without_a_combiner) {
  Program p({f32({3})});
  auto v = p.op("stablehlo.all_reduce", {p.arg(0)}, f32({3}), {{"replica_groups", one_group()}});
  expect_error(p, v, "expects one combiner region", __LINE__);
}

TEST_CASE(all_reduce_promotes_to_a_wider_type) {
  Program p({typed(ir::ElementType::kF16, {3})});
  auto v = p.op("stablehlo.all_reduce", {p.arg(0)}, f32({3}), {{"replica_groups", one_group()}},
                {p.combiner(ir::ElementType::kF32)});
  std::string err;
  std::vector<mx::array> out = p.lower(v, &err);
  CHECK_EQ(err, std::string());
  CHECK(out.size() == 1 && out[0].dtype() == mx::float32);
  if (out.size() == 1) CHECK_EQ(out[0].data<float>()[2], 3.0f);
}

TEST_CASE(all_reduce_refuses_a_narrower_or_other_kind) {
  for (ir::ElementType e : {ir::ElementType::kF16, ir::ElementType::kSI32}) {
    Program p({f32({3})});
    auto v = p.op("stablehlo.all_reduce", {p.arg(0)}, typed(e, {3}),
                  {{"replica_groups", one_group()}}, {p.combiner(e)});
    expect_error(p, v, "on one participant they are the same", __LINE__);
  }
}

TEST_CASE(all_gather_that_grows_its_operand) {
  Program p({f32({2, 3})});
  auto v = p.op("stablehlo.all_gather", {p.arg(0)}, f32({4, 3}),
                {{"all_gather_dim", integer(0)}, {"replica_groups", one_group()}});
  expect_error(p, v, "result 0 is tensor<4x3xf32>, operand 0 tensor<2x3xf32>", __LINE__);
}

TEST_CASE(gather_dimension_out_of_range) {
  Program p({f32({2, 3})});
  auto v = p.op("stablehlo.all_gather", {p.arg(0)}, f32({2, 3}),
                {{"all_gather_dim", integer(2)}, {"replica_groups", one_group()}});
  expect_error(p, v, "all_gather_dim 2 is not an axis of a rank-2 operand", __LINE__);
}

TEST_CASE(all_to_all_dimension_out_of_range) {
  Program p({f32({2, 4})});
  auto v = p.op("stablehlo.all_to_all", {p.arg(0)}, f32({2, 4}),
                {{"split_dimension", integer(-1)},
                 {"concat_dimension", integer(0)},
                 {"split_count", integer(1)},
                 {"replica_groups", one_group()}});
  expect_error(p, v, "split_dimension -1 is not an axis", __LINE__);
}

TEST_CASE(permute_pairs_of_three) {
  Program p({f32({3})});
  auto v = p.op("stablehlo.collective_permute", {p.arg(0)}, f32({3}),
                {{"source_target_pairs", id_table({1, 3}, {0, 0, 0})}});
  expect_error(p, v, "source_target_pairs must be [n, 2]", __LINE__);
}

TEST_CASE(permute_to_itself_and_to_nobody) {
  {
    Program p({f32({3})});
    auto v = p.op("stablehlo.collective_permute", {p.arg(0)}, f32({3}),
                  {{"source_target_pairs", id_table({1, 2}, {0, 0})}});
    CHECK_EQ(first_element(p, v, __LINE__), 1.0f);
  }
  {
    Program p({f32({3})});
    auto v = p.op("stablehlo.collective_permute", {p.arg(0)}, f32({3}),
                  {{"source_target_pairs", id_table({0, 2}, {})}});
    CHECK_EQ(first_element(p, v, __LINE__), 0.0f);
  }
}

TEST_CASE(partition_id_of_a_vector) {
  Program p({});
  auto v = p.op("stablehlo.partition_id", {}, typed(ir::ElementType::kUI32, {2}));
  expect_error(p, v, "expects one scalar result", __LINE__);
}

TEST_CASE(sharding_call_that_changes_the_shape) {
  Program p({f32({4})});
  ir::Attribute target;
  target.kind = ir::Attribute::Kind::kString;
  target.s = "SPMDFullToShardShape";
  auto v = p.op("stablehlo.custom_call", {p.arg(0)}, f32({2}), {{"call_target_name", target}});
  expect_error(p, v, "written for more devices", __LINE__);
}

TEST_CASE(convolution_of_complex_by_real) {
  Program p({typed(ir::ElementType::kComplexF32, {1, 1, 5}), f32({1, 1, 3})});
  auto v = p.op("stablehlo.convolution", {p.arg(0), p.arg(1)},
                typed(ir::ElementType::kComplexF32, {1, 1, 3}),
                {{"input_batch_dimension", integer(0)},
                 {"input_feature_dimension", integer(1)},
                 {"input_spatial_dimensions", test::ints({2})},
                 {"kernel_output_feature_dimension", integer(0)},
                 {"kernel_input_feature_dimension", integer(1)},
                 {"kernel_spatial_dimensions", test::ints({2})},
                 {"output_batch_dimension", integer(0)},
                 {"output_feature_dimension", integer(1)},
                 {"output_spatial_dimensions", test::ints({2})},
                 {"feature_group_count", integer(1)},
                 {"batch_group_count", integer(1)}});
  expect_error(p, v, "mix complex and real element types", __LINE__);
}

}  // namespace
