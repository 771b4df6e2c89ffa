// Factorisations through LAPACK, each batched over the leading dimensions:
//   stablehlo.cholesky            potrf (JAX's generic lowering of cholesky)
//   stablehlo.triangular_solve    trsm
//   custom_call @Qr               geqrf (JAX's generic lowering of geqrf)
//   custom_call @ProductOfElementaryHouseholderReflectors
//                                 orgqr/ungqr (of householder_product)
//   custom_call @applejax.lu      getrf, 0-based pivots and the permutation
//   custom_call @applejax.geqp3   geqp3 (qr with column pivoting)
// Failures follow JAX's cpu backend: a batch item whose factorisation fails
// comes back as NaN.
#include <algorithm>
#include <numeric>
#include <vector>

#include <mlx/ops.h>

#include "lower/errors.h"
#include "lower/linalg_kernel.h"
#include "lower/linalg_lapack.h"

namespace applejax::lower::linalg {
namespace {

bool bool_attr(const ir::Op& op, std::string_view name) {
  const ir::Attribute* a = op.attr(name);
  if (!a || a->kind != ir::Attribute::Kind::kBool)
    fail(op, "missing boolean attribute '" + std::string(name) + "'");
  return a->b;
}

// The square matrices' size, checking the operand is [..., n, n].
int square_size(const ir::Op& op, const mx::array& a) {
  if (a.ndim() < 2 || a.shape(-1) != a.shape(-2)) fail(op, "operand is not a batch of square matrices");
  return lapack_int(op, a.shape(-1));
}

Values cholesky(Emitter& em, const ir::Op& op, const Values& in) {
  const mx::array& a = in.at(0);
  const int n = square_size(op, a);
  const char uplo = bool_attr(op, "lower") ? 'L' : 'U';
  return dispatch_float(op, a.dtype(), [&]<class T>() {
    return host_call("cholesky", {a}, {a.shape()}, {a.dtype()}, [n, uplo](auto& in, auto& out) {
      std::vector<T> buf(std::max(1, n * n));
      for (int64_t b = 0, count = batch_count(out[0].shape, 2); b < count; ++b) {
        load_matrix(in[0], b, buf.data(), n);
        if (n > 0 && lapack::potrf(uplo, n, buf.data(), std::max(1, n)) != 0)
          fill_nan(out[0], b, 2);
        else
          store_matrix(out[0], b, buf.data(), n);
      }
    });
  });
}

// op(a) x = b (left_side) or x op(a) = b, a triangular; only a's `lower`
// (or upper) triangle is read.
Values triangular_solve(Emitter& em, const ir::Op& op, const Values& in) {
  const mx::array& a = in.at(0);
  const mx::array& rhs = in.at(1);
  const int k = square_size(op, a);
  if (rhs.ndim() != a.ndim()) fail(op, "a and b have different ranks");
  const bool left = bool_attr(op, "left_side");
  const int m = lapack_int(op, rhs.shape(-2)), n = lapack_int(op, rhs.shape(-1));
  if ((left ? m : n) != k) fail(op, "a's size does not match b");
  const char uplo = bool_attr(op, "lower") ? 'L' : 'U';
  const char diag = bool_attr(op, "unit_diagonal") ? 'U' : 'N';
  const ir::Attribute* t = op.attr("transpose_a");
  const std::string trans_name = t ? t->s : "NO_TRANSPOSE";
  char trans = 'N';
  if (trans_name == "TRANSPOSE") trans = 'T';
  else if (trans_name == "ADJOINT") trans = 'C';
  else if (trans_name != "NO_TRANSPOSE") fail(op, "unknown transpose_a '" + trans_name + "'");
  if (rhs.dtype() != a.dtype()) fail(op, "a and b have different element types");
  return dispatch_float(op, a.dtype(), [&]<class T>() {
    return host_call("triangular_solve", {a, rhs}, {rhs.shape()}, {rhs.dtype()},
                     [=](auto& in, auto& out) {
                       std::vector<T> abuf(std::max(1, k * k)), bbuf(std::max(1, m * n));
                       for (int64_t b = 0, count = batch_count(out[0].shape, 2); b < count; ++b) {
                         load_matrix(in[0], b, abuf.data(), k);
                         load_matrix(in[1], b, bbuf.data(), m);
                         if (m > 0 && n > 0)
                           lapack::trsm(left ? 'L' : 'R', uplo, trans, diag, m, n, abuf.data(),
                                        std::max(1, k), bbuf.data(), std::max(1, m));
                         store_matrix(out[0], b, bbuf.data(), m);
                       }
                     });
  });
}

// lu: a [..., m, n] -> (lu, pivots [..., min(m, n)] 0-based, permutation [..., m]),
// the three outputs of JAX's lu primitive.
Values lu(Emitter& em, const ir::Op& op, const Values& in) {
  const mx::array& a = in.at(0);
  if (a.ndim() < 2) fail(op, "operand is not a batch of matrices");
  const int m = lapack_int(op, a.shape(-2)), n = lapack_int(op, a.shape(-1));
  const int k = std::min(m, n);
  mx::Shape batch(a.shape().begin(), a.shape().end() - 2);
  mx::Shape piv_shape = batch, perm_shape = batch;
  piv_shape.push_back(k);
  perm_shape.push_back(m);
  return dispatch_float(op, a.dtype(), [&]<class T>() {
    return host_call(
        "lu", {a}, {a.shape(), piv_shape, perm_shape}, {a.dtype(), mx::int32, mx::int32},
        [m, n, k](auto& in, auto& out) {
          std::vector<T> buf(std::max(1, m * n));
          std::vector<int> ipiv(std::max(1, k)), perm(std::max(1, m));
          for (int64_t b = 0, count = batch_count(out[0].shape, 2); b < count; ++b) {
            load_matrix(in[0], b, buf.data(), m);
            int info = k > 0 ? lapack::getrf(m, n, buf.data(), std::max(1, m), ipiv.data()) : 0;
            // info > 0 is an exactly singular U, still a valid factorisation.
            if (info < 0) fill_nan(out[0], b, 2);
            else store_matrix(out[0], b, buf.data(), m);
            std::iota(perm.begin(), perm.begin() + m, 0);
            for (int i = 0; i < k; ++i) {
              ipiv[i] -= 1;
              std::swap(perm[i], perm[ipiv[i]]);
            }
            std::copy(ipiv.begin(), ipiv.begin() + k, static_cast<int*>(out[1].data) + b * k);
            std::copy(perm.begin(), perm.begin() + m, static_cast<int*>(out[2].data) + b * m);
          }
        });
  });
}

// geqrf: a [..., m, n] -> (r and reflectors packed in a, taus [..., min(m, n)]).
Values geqrf(Emitter& em, const ir::Op& op, const Values& in) {
  const mx::array& a = in.at(0);
  if (a.ndim() < 2) fail(op, "operand is not a batch of matrices");
  const int m = lapack_int(op, a.shape(-2)), n = lapack_int(op, a.shape(-1));
  const int k = std::min(m, n);
  mx::Shape tau_shape(a.shape().begin(), a.shape().end() - 1);
  tau_shape.back() = k;
  return dispatch_float(op, a.dtype(), [&]<class T>() {
    return host_call("geqrf", {a}, {a.shape(), tau_shape}, {a.dtype(), a.dtype()},
                     [m, n, k](auto& in, auto& out) {
                       const int lda = std::max(1, m);
                       std::vector<T> buf(std::max(1, m * n)), tau(std::max(1, k));
                       T query{};
                       lapack::geqrf(m, n, buf.data(), lda, tau.data(), &query, -1);
                       std::vector<T> work(work_size(query));
                       for (int64_t b = 0, count = batch_count(out[0].shape, 2); b < count; ++b) {
                         load_matrix(in[0], b, buf.data(), m);
                         if (k > 0)
                           lapack::geqrf(m, n, buf.data(), lda, tau.data(), work.data(),
                                         static_cast<int>(work.size()));
                         store_matrix(out[0], b, buf.data(), m);
                         store_vector(out[1], b, tau.data());
                       }
                     });
  });
}

// householder_product: (a [..., m, n], taus [..., k]) -> the first n columns
// of H_1 ... H_k, the reflectors stored below a's diagonal.
Values householder_product(Emitter& em, const ir::Op& op, const Values& in) {
  const mx::array& a = in.at(0);
  const mx::array& taus = in.at(1);
  if (a.ndim() < 2 || taus.ndim() != a.ndim() - 1) fail(op, "operands are not matrices and taus");
  const int m = lapack_int(op, a.shape(-2)), n = lapack_int(op, a.shape(-1));
  const int k = lapack_int(op, taus.shape(-1));
  if (m < n || k > n) fail(op, "needs rows >= columns >= reflectors");
  return dispatch_float(op, a.dtype(), [&]<class T>() {
    return host_call("householder_product", {a, taus}, {a.shape()}, {a.dtype()},
                     [m, n, k](auto& in, auto& out) {
                       const int lda = std::max(1, m);
                       std::vector<T> buf(std::max(1, m * n)), tau(std::max(1, k));
                       T query{};
                       lapack::orgqr(m, n, k, buf.data(), lda, tau.data(), &query, -1);
                       std::vector<T> work(work_size(query));
                       for (int64_t b = 0, count = batch_count(out[0].shape, 2); b < count; ++b) {
                         load_matrix(in[0], b, buf.data(), m);
                         load_vector(in[1], b, tau.data());
                         if (n > 0)
                           lapack::orgqr(m, n, k, buf.data(), lda, tau.data(), work.data(),
                                         static_cast<int>(work.size()));
                         store_matrix(out[0], b, buf.data(), m);
                       }
                     });
  });
}

// geqp3: (a [..., m, n], jpvt [..., n]) -> (packed a, jpvt 1-based, taus),
// the outputs of JAX's geqp3 primitive (its qr lowering subtracts the 1).
Values geqp3(Emitter& em, const ir::Op& op, const Values& in) {
  const mx::array& a = in.at(0);
  const mx::array jpvt = mx::astype(in.at(1), mx::int32, mx::Device::cpu);
  if (a.ndim() < 2) fail(op, "operand is not a batch of matrices");
  const int m = lapack_int(op, a.shape(-2)), n = lapack_int(op, a.shape(-1));
  const int k = std::min(m, n);
  mx::Shape tau_shape(a.shape().begin(), a.shape().end() - 1);
  tau_shape.back() = k;
  return dispatch_float(op, a.dtype(), [&]<class T>() {
    return host_call(
        "geqp3", {a, jpvt}, {a.shape(), jpvt.shape(), tau_shape}, {a.dtype(), mx::int32, a.dtype()},
        [m, n, k](auto& in, auto& out) {
          const int lda = std::max(1, m);
          std::vector<T> buf(std::max(1, m * n)), tau(std::max(1, k));
          std::vector<int> piv(std::max(1, n));
          std::vector<lapack::real_t<T>> rwork(std::max(1, 2 * n));
          T query{};
          lapack::geqp3(m, n, buf.data(), lda, piv.data(), tau.data(), &query, -1, rwork.data());
          std::vector<T> work(work_size(query));
          for (int64_t b = 0, count = batch_count(out[0].shape, 2); b < count; ++b) {
            load_matrix(in[0], b, buf.data(), m);
            load_vector(in[1], b, piv.data());
            int info = 0;
            if (k > 0)
              info = lapack::geqp3(m, n, buf.data(), lda, piv.data(), tau.data(), work.data(),
                                   static_cast<int>(work.size()), rwork.data());
            if (info != 0) fill_nan(out[0], b, 2);
            else store_matrix(out[0], b, buf.data(), m);
            std::copy(piv.begin(), piv.begin() + n, static_cast<int*>(out[1].data) + b * n);
            store_vector(out[2], b, tau.data());
          }
        });
  });
}

}  // namespace

void register_factorizations(Registry& r) {
  r.add("stablehlo.cholesky", cholesky);
  r.add("stablehlo.triangular_solve", triangular_solve);
  r.add(custom_call_key("Qr"), geqrf);
  r.add(custom_call_key("ProductOfElementaryHouseholderReflectors"), householder_product);
  r.add(custom_call_key("applejax.lu"), lu);
  r.add(custom_call_key("applejax.geqp3"), geqp3);
}

}  // namespace applejax::lower::linalg
