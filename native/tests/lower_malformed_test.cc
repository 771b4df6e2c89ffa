// Regression tests for what the compile fuzzer (native/fuzz/compile_fuzz.cc)
// found: ops whose attributes or operands break StableHLO's rules, as a
// damaged artifact can hold them (jaxlib's verifier never lets such IR
// through, so these are built in memory). Each must fail with a LowerError
// naming the problem instead of indexing past a shape, dividing by zero or
// overflowing; CI runs this under ASan+UBSan too.
#include <cstdint>
#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "lower/emitter.h"
#include "lower/errors.h"
#include "tests/check.h"
#include "tests/ir_builder.h"

namespace {

using namespace applejax;
namespace mx = mlx::core;

using test::f32;
using test::integer;
using test::ints;

// A module with one function, @main(args...) -> the value lower_error is given.
class Program : public test::Builder {
 public:
  explicit Program(std::vector<ir::Type> args) { args_ = function("main", std::move(args)); }
  // A body (a, b) -> a + b over f32 scalars, as reductions take.
  ir::Region add_body() { return binary_body("stablehlo.add"); }
  ir::ValueId arg(size_t i) const { return args_.at(i); }

  // Returns `v` and lowers @main on zeros; the error's message, or "" when
  // it lowered.
  std::string lower_error(ir::ValueId v) {
    ret({v});
    ir::Function& fn = module().functions[0];
    lower::Values args;
    for (const auto& t : fn.argument_types)
      args.push_back(mx::zeros(mx::Shape(t.shape.begin(), t.shape.end()), mx::float32));
    try {
      lower::Emitter em(module(), mx::Device::cpu);
      mx::eval(em.call(fn, args));
      return "";
    } catch (const lower::LowerError& e) {
      return e.what();
    }
  }

 private:
  std::vector<ir::ValueId> args_;
};

void expect_error(Program& p, ir::ValueId v, const std::string& says, int line) {
  std::string err = p.lower_error(v);
  if (err.find(says) == std::string::npos)
    test::fail(__FILE__, line, "wanted an error saying '" + says + "', got: " +
                                   (err.empty() ? "no error" : err));
}

// A 2-d NCHW convolution of a 1x2x5x5 input by 3x2x3x3 kernels with the
// given output spatial dimensions and feature group count.
Program nchw_conv(std::vector<int64_t> output_spatial, int64_t feature_groups,
                  ir::ValueId& result) {
  Program p({f32({1, 2, 5, 5}), f32({3, 2, 3, 3})});
  result = p.op("stablehlo.convolution", {p.arg(0), p.arg(1)}, f32({1, 3, 3, 3}),
                {{"input_batch_dimension", integer(0)},
                 {"input_feature_dimension", integer(1)},
                 {"input_spatial_dimensions", ints({2, 3})},
                 {"kernel_output_feature_dimension", integer(0)},
                 {"kernel_input_feature_dimension", integer(1)},
                 {"kernel_spatial_dimensions", ints({2, 3})},
                 {"output_batch_dimension", integer(0)},
                 {"output_feature_dimension", integer(1)},
                 {"output_spatial_dimensions", ints(output_spatial)},
                 {"feature_group_count", integer(feature_groups)},
                 {"batch_group_count", integer(1)}});
  return p;
}

TEST_CASE(convolution_dimension_numbers_out_of_range) {
  ir::ValueId v;
  Program p = nchw_conv({2, 9}, 1, v);
  expect_error(p, v, "output dimension numbers are not a permutation", __LINE__);
}

TEST_CASE(convolution_zero_groups) {
  ir::ValueId v;
  Program p = nchw_conv({2, 3}, 0, v);
  expect_error(p, v, "must be positive", __LINE__);
}

TEST_CASE(broadcast_dimension_out_of_range) {
  Program p({f32({3})});
  auto v = p.op("stablehlo.broadcast_in_dim", {p.arg(0)}, f32({2, 3}),
                {{"broadcast_dimensions", ints({5})}});
  expect_error(p, v, "broadcast_dimensions must name distinct dimensions", __LINE__);
}

TEST_CASE(dot_contracting_dimension_out_of_range) {
  Program p({f32({2, 3}), f32({3, 4})});
  auto v = p.op("stablehlo.dot_general", {p.arg(0), p.arg(1)}, f32({2, 4}),
                {{"lhs_batching_dimensions", ints({})},
                 {"rhs_batching_dimensions", ints({})},
                 {"lhs_contracting_dimensions", ints({7})},
                 {"rhs_contracting_dimensions", ints({0})}});
  expect_error(p, v, "lhs batching and contracting dimensions must be distinct", __LINE__);
}

TEST_CASE(constant_value_type_differs_from_result) {
  Program p({});
  ir::Attribute value;
  value.kind = ir::Attribute::Kind::kDense;
  value.type = f32({2});
  value.data = std::make_shared<std::vector<uint8_t>>(8, 0);
  auto v = p.op("stablehlo.constant", {}, f32({64}), {{"value", value}});
  expect_error(p, v, "the constant's value is tensor<2xf32>", __LINE__);
}

TEST_CASE(missing_operand) {
  Program p({f32({2})});
  auto v = p.op("stablehlo.complex", {p.arg(0)}, ir::Type::tensor(ir::ElementType::kComplexF32, {2}));
  expect_error(p, v, "malformed op: it has 1 operands", __LINE__);
}

TEST_CASE(reverse_dimension_out_of_range) {
  Program p({f32({2, 3})});
  auto v = p.op("stablehlo.reverse", {p.arg(0)}, f32({2, 3}), {{"dimensions", ints({0, 4})}});
  expect_error(p, v, "must name distinct axes", __LINE__);
}

// A repeated axis made the reduced extent the square of the operand's (the
// compile fuzzer's find: an int64 overflow after the repeats compounded).
TEST_CASE(reduce_with_a_repeated_dimension) {
  Program p({f32({6, 4}), f32({})});
  auto v = p.op("stablehlo.reduce", {p.arg(0), p.arg(1)}, f32({6}), {{"dimensions", ints({1, 1})}},
                {p.add_body()});
  expect_error(p, v, "'dimensions' must name distinct axes", __LINE__);
}

TEST_CASE(transpose_permutation_past_int) {
  Program p({f32({2, 3})});
  auto v = p.op("stablehlo.transpose", {p.arg(0)}, f32({3, 2}),
                {{"permutation", ints({(int64_t{1} << 32) + 1, 0})}});
  expect_error(p, v, "'permutation' must name distinct axes", __LINE__);
}

TEST_CASE(concatenate_dimension_out_of_range) {
  Program p({f32({2}), f32({2})});
  auto v = p.op("stablehlo.concatenate", {p.arg(0), p.arg(1)}, f32({4}), {{"dimension", integer(1)}});
  expect_error(p, v, "concatenate dimension out of range", __LINE__);
}

TEST_CASE(slice_with_zero_stride) {
  Program p({f32({4})});
  auto v = p.op("stablehlo.slice", {p.arg(0)}, f32({2}),
                {{"start_indices", ints({0})}, {"limit_indices", ints({2})}, {"strides", ints({0})}});
  expect_error(p, v, "attribute 'strides' holds 0", __LINE__);
}

TEST_CASE(slice_past_the_operand) {
  Program p({f32({4})});
  auto v = p.op("stablehlo.slice", {p.arg(0)}, f32({2}),
                {{"start_indices", ints({3})}, {"limit_indices", ints({5})}, {"strides", ints({1})}});
  expect_error(p, v, "is not inside the operand", __LINE__);
}

TEST_CASE(dynamic_slice_larger_than_the_operand) {
  Program p({f32({4}), ir::Type::tensor(ir::ElementType::kSI32, {})});
  auto v = p.op("stablehlo.dynamic_slice", {p.arg(0), p.arg(1)}, f32({6}),
                {{"slice_sizes", ints({6})}});
  expect_error(p, v, "the slice is larger than the operand", __LINE__);
}

TEST_CASE(pad_past_two_to_the_31) {
  Program p({f32({2}), f32({})});
  auto v = p.op("stablehlo.pad", {p.arg(0), p.arg(1)}, f32({4}),
                {{"edge_padding_low", ints({int64_t{1} << 54})},
                 {"edge_padding_high", ints({0})},
                 {"interior_padding", ints({0})}});
  expect_error(p, v, "attribute 'edge_padding_low' holds", __LINE__);
}

// The windows of a reduce_window must fit its result: the attributes of the
// fuzzer's inputs pointed strided views far outside the operand, or made
// the base-dilated operand overflow int (4 * 536870913).
Program reduce_window(std::vector<int64_t> base_dilation, std::vector<int64_t> out,
                      ir::ValueId& result) {
  Program p({f32({4, 4}), f32({})});
  result = p.op("stablehlo.reduce_window", {p.arg(0), p.arg(1)}, f32(out),
                {{"window_dimensions", ints({2, 2})},
                 {"window_strides", ints({2, 2})},
                 {"base_dilations", ints(base_dilation)},
                 {"window_dilations", ints({1, 1})},
                 {"padding", ints({0, 0, 0, 0})}},
                {p.add_body()});
  return p;
}

TEST_CASE(reduce_window_base_dilation_overflow) {
  ir::ValueId v;
  Program p = reduce_window({536870913, 1}, {2, 2}, v);
  expect_error(p, v, "2^31 or more long along axis 0", __LINE__);
}

TEST_CASE(reduce_window_result_does_not_fit_the_windows) {
  ir::ValueId v;
  Program p = reduce_window({1, 1}, {3, 2}, v);
  expect_error(p, v, "the result has 3 windows along axis 0 where the attributes make 2", __LINE__);
}

TEST_CASE(gather_batching_lists_of_different_length) {
  Program p({f32({3, 4}), ir::Type::tensor(ir::ElementType::kSI32, {3, 1})});
  auto v = p.op("stablehlo.gather", {p.arg(0), p.arg(1)}, f32({3, 1}),
                {{"offset_dims", ints({})},
                 {"collapsed_slice_dims", ints({1})},
                 {"operand_batching_dims", ints({0})},
                 {"start_indices_batching_dims", ints({})},
                 {"start_index_map", ints({1})},
                 {"slice_sizes", ints({1, 1})},
                 {"index_vector_dim", integer(1)}});
  expect_error(p, v, "batching dimension lists differ in length", __LINE__);
}

// A row gather (take of rows from a 3x4 operand) with the given start map
// and slice sizes.
Program row_gather(std::vector<int64_t> start_index_map, std::vector<int64_t> slice_sizes,
                   ir::ValueId& result) {
  Program p({f32({3, 4}), ir::Type::tensor(ir::ElementType::kSI32, {2, 1})});
  result = p.op("stablehlo.gather", {p.arg(0), p.arg(1)}, f32({2, 4}),
                {{"offset_dims", ints({1})},
                 {"collapsed_slice_dims", ints({0})},
                 {"operand_batching_dims", ints({})},
                 {"start_indices_batching_dims", ints({})},
                 {"start_index_map", ints(start_index_map)},
                 {"slice_sizes", ints(slice_sizes)},
                 {"index_vector_dim", integer(1)}});
  return p;
}

// A slice size of about -2^63 passed the "not larger than the operand"
// check and overflowed the clamp arithmetic (found by a long compile-fuzz run).
TEST_CASE(gather_negative_slice_size) {
  ir::ValueId v;
  Program p = row_gather({0}, {1, -9223372036854775805}, v);
  expect_error(p, v, "the window is -9223372036854775805 long along axis 1", __LINE__);
}

TEST_CASE(gather_start_index_map_out_of_range) {
  ir::ValueId v;
  Program p = row_gather({7}, {1, 4}, v);
  expect_error(p, v, "must name distinct axes", __LINE__);
}

TEST_CASE(scatter_index_vector_dim_out_of_range) {
  Program p({f32({3}), ir::Type::tensor(ir::ElementType::kSI32, {2, 1}), f32({2})});
  auto v = p.op("stablehlo.scatter", {p.arg(0), p.arg(1), p.arg(2)}, f32({3}),
                {{"update_window_dims", ints({})},
                 {"inserted_window_dims", ints({0})},
                 {"input_batching_dims", ints({})},
                 {"scatter_indices_batching_dims", ints({})},
                 {"scatter_dims_to_operand_dims", ints({0})},
                 {"index_vector_dim", integer(5)}},
                {p.add_body()});
  expect_error(p, v, "index_vector_dim 5 is outside [0, 2]", __LINE__);
}

// The checks must not refuse what jaxlib writes: a well-formed op of each
// kind still lowers.
TEST_CASE(well_formed_ops_still_lower) {
  {
    Program p({f32({4})});
    auto v = p.op("stablehlo.slice", {p.arg(0)}, f32({2}),
                  {{"start_indices", ints({1})}, {"limit_indices", ints({4})}, {"strides", ints({2})}});
    CHECK_EQ(p.lower_error(v), std::string());
  }
  {
    ir::ValueId v;
    Program p = reduce_window({1, 1}, {2, 2}, v);
    CHECK_EQ(p.lower_error(v), std::string());
  }
  {
    Program p({f32({2, 3})});
    auto v = p.op("stablehlo.reverse", {p.arg(0)}, f32({2, 3}), {{"dimensions", ints({1, 0})}});
    CHECK_EQ(p.lower_error(v), std::string());
  }
  {
    ir::ValueId v;
    Program p = row_gather({0}, {1, 4}, v);
    CHECK_EQ(p.lower_error(v), std::string());
  }
}

}  // namespace
