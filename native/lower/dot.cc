// dot_general with any batch and contracting dimensions.
//
// Both operands are permuted to [batch, free, contract] / [batch, contract,
// free], flattened to rank 3 and multiplied with one batched matmul; MLX's
// matmul handles floating types only, so integer dots multiply and sum.
#include <cstdint>
#include <numeric>

#include <mlx/ops.h>

#include "lower/emitter.h"
#include "lower/errors.h"

namespace applejax::lower {
namespace {

struct Split {
  std::vector<int> batch, free, contract;
};

Split split_dims(int rank, const std::vector<int64_t>& batch,
                 const std::vector<int64_t>& contract) {
  Split out;
  out.batch.assign(batch.begin(), batch.end());
  out.contract.assign(contract.begin(), contract.end());
  for (int d = 0; d < rank; ++d) {
    bool used = std::find(batch.begin(), batch.end(), d) != batch.end() ||
                std::find(contract.begin(), contract.end(), d) != contract.end();
    if (!used) out.free.push_back(d);
  }
  return out;
}

// Batch and contracting dimensions must be distinct dimensions of the
// operand (jaxlib's verifier says so; a damaged artifact must get an error,
// not an index past the shape).
void check_dims(const ir::Op& op, const char* side, size_t rank,
                const std::vector<int64_t>& batch, const std::vector<int64_t>& contract) {
  std::vector<bool> seen(rank, false);
  for (const auto* dims : {&batch, &contract})
    for (int64_t d : *dims) {
      if (d < 0 || d >= static_cast<int64_t>(rank) || seen[d])
        fail(op, std::string(side) + " batching and contracting dimensions must be distinct " +
                     "dimensions of the rank-" + std::to_string(rank) + " operand");
      seen[d] = true;
    }
}

int product(const ir::Op& op, const mx::array& a, const std::vector<int>& dims) {
  int64_t p = 1;
  for (int d : dims) {
    p *= a.shape()[d];  // distinct dims of one array: at most its size, < 2^63
    if (p > INT32_MAX) fail(op, "a matrix of the dot is 2^31 or more elements long");
  }
  return static_cast<int>(p);
}

std::vector<int> concat(std::initializer_list<const std::vector<int>*> parts) {
  std::vector<int> out;
  for (auto* p : parts) out.insert(out.end(), p->begin(), p->end());
  return out;
}

// Transposes and reshapes only where they change something: each one the
// graph holds is a node MLX dispatches on every call.
mx::array permuted(const mx::array& a, const std::vector<int>& perm, mx::StreamOrDevice s) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int>(i)) return mx::transpose(a, perm, s);
  return a;
}

mx::array reshaped(const mx::array& a, const mx::Shape& shape, mx::StreamOrDevice s) {
  return a.shape() == shape ? a : mx::reshape(a, shape, s);
}

Values dot_general(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  const mx::array &lhs = in[0], &rhs = in[1];
  std::vector<int64_t> lb = int_list(op, "lhs_batching_dimensions"),
                       lc = int_list(op, "lhs_contracting_dimensions"),
                       rb = int_list(op, "rhs_batching_dimensions"),
                       rc = int_list(op, "rhs_contracting_dimensions");
  check_dims(op, "lhs", lhs.ndim(), lb, lc);
  check_dims(op, "rhs", rhs.ndim(), rb, rc);
  Split l = split_dims(static_cast<int>(lhs.ndim()), lb, lc);
  Split r = split_dims(static_cast<int>(rhs.ndim()), rb, rc);
  if (l.batch.size() != r.batch.size() || l.contract.size() != r.contract.size())
    fail(op, "lhs and rhs disagree on the number of batch or contracting dims");

  mx::Dtype out_dtype = result_dtype(em, op);
  int B = product(op, lhs, l.batch), M = product(op, lhs, l.free),
      K = product(op, lhs, l.contract), N = product(op, rhs, r.free);
  // Without batch dimensions the product is a plain matrix product.
  mx::Shape a_shape = B == 1 && l.batch.empty() ? mx::Shape{M, K} : mx::Shape{B, M, K};
  mx::Shape b_shape = B == 1 && l.batch.empty() ? mx::Shape{K, N} : mx::Shape{B, K, N};
  mx::array a = reshaped(permuted(lhs, concat({&l.batch, &l.free, &l.contract}), s), a_shape, s);
  mx::array b = reshaped(permuted(rhs, concat({&r.batch, &r.contract, &r.free}), s), b_shape, s);

  mx::array c = [&] {
    // float64 operands with a narrower result (jax.nn.dot_product_attention
    // asks for float32 logits) multiply in float64 and round once, as XLA
    // does: rounding the operands first was 1e-5 off after the softmax.
    if (a.dtype() == mx::float64 && b.dtype() == mx::float64 && out_dtype != mx::float64 &&
        mx::issubdtype(out_dtype, mx::floating))
      return mx::astype(mx::matmul(a, b, s), out_dtype, s);
    if (mx::issubdtype(out_dtype, mx::inexact)) {
      // Mixed-precision dots compute in the result type.
      return mx::matmul(mx::astype(a, out_dtype, s), mx::astype(b, out_dtype, s),
                        s);
    }
    mx::array prod = mx::multiply(
        mx::expand_dims(mx::astype(a, out_dtype, s), -1, s),
        mx::expand_dims(mx::astype(b, out_dtype, s), -3, s), s);
    return mx::sum(prod, -2, false, s);
  }();

  mx::Shape out_shape;
  for (int d : l.batch) out_shape.push_back(lhs.shape()[d]);
  for (int d : l.free) out_shape.push_back(lhs.shape()[d]);
  for (int d : r.free) out_shape.push_back(rhs.shape()[d]);
  return {reshaped(c, out_shape, s)};
}

// stablehlo.dot is the legacy spelling: matrix/vector products only.
Values dot(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  mx::Dtype out_dtype = result_dtype(em, op);
  mx::array a = mx::astype(in[0], out_dtype, s);
  mx::array b = mx::astype(in[1], out_dtype, s);
  if (a.ndim() == 1 && b.ndim() == 1)
    return {mx::sum(mx::multiply(a, b, s), false, s)};
  if (!mx::issubdtype(out_dtype, mx::inexact))
    fail_unsupported(op, "integer stablehlo.dot");
  return {mx::matmul(a, b, s)};
}

}  // namespace

void register_dot(Registry& r) {
  r.add("stablehlo.dot_general", dot_general);
  r.add("stablehlo.dot", dot);
}

}  // namespace applejax::lower
