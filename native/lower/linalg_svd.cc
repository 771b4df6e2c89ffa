// Singular value decomposition through LAPACK: custom_call @applejax.svd from
// the shim's lowering rule, a [..., m, n] -> (s [..., k], [u, vt]) with
// k = min(m, n); u is m x m or m x k, vt n x n or k x n (full_matrices).
// algorithm 0 is divide and conquer (gesdd, JAX's cpu default), 1 QR
// iteration (gesvd, SvdAlgorithm.QR). A batch item whose LAPACK call fails
// comes back as NaN, as on JAX's cpu backend.
#include <algorithm>
#include <vector>

#include "lower/errors.h"
#include "lower/linalg_kernel.h"
#include "lower/linalg_lapack.h"

namespace applejax::lower::linalg {
namespace {

// One LAPACK SVD of column-major a (m x n), buffers sized once per kernel.
template <class T>
struct Svd {
  using R = lapack::real_t<T>;
  int m, n, k, ucols, vtrows;
  bool uv, full, qr;
  std::vector<T> a, u, vt, work;
  std::vector<R> s, rwork;
  std::vector<int> iwork;

  Svd(int m, int n, bool uv, bool full, bool qr)
      : m(m), n(n), k(std::min(m, n)), ucols(full ? m : std::min(m, n)),
        vtrows(full ? n : std::min(m, n)), uv(uv), full(full), qr(qr), a(std::max(1, m * n)),
        u(uv ? std::max(1, m * ucols) : 1), vt(uv ? std::max(1, vtrows * n) : 1),
        s(std::max(1, k)), iwork(std::max(1, 8 * k)) {
    const int mx = std::max(m, n);
    // cgesdd/cgesvd's real workspace, as their documentation sizes it.
    const int64_t k64 = k, mx64 = mx;
    int64_t lr = qr ? 5 * k64
                    : (uv ? std::max<int64_t>(5 * k64 * k64 + 5 * k64, 2 * mx64 * k64 + 2 * k64 * k64 + k64)
                          : 7 * k64);
    rwork.resize(std::max<int64_t>(1, lr));
    T q{};
    call(&q, -1);
    work.resize(work_size(q));
  }

  int call(T* wk, int lwork) {
    int info = 0, lda = std::max(1, m), ldu = uv ? std::max(1, m) : 1,
        ldvt = uv ? std::max(1, vtrows) : 1;
    const char job = uv ? (full ? 'A' : 'S') : 'N';
    if (qr) {
      if constexpr (std::is_same_v<T, float>)
        lapack::APPLEJAX_F(sgesvd)(&job, &job, &m, &n, a.data(), &lda, s.data(), u.data(), &ldu,
                           vt.data(), &ldvt, wk, &lwork, &info, 1, 1);
      else if constexpr (std::is_same_v<T, double>)
        lapack::APPLEJAX_F(dgesvd)(&job, &job, &m, &n, a.data(), &lda, s.data(), u.data(), &ldu,
                           vt.data(), &ldvt, wk, &lwork, &info, 1, 1);
      else
        lapack::APPLEJAX_F(cgesvd)(&job, &job, &m, &n, a.data(), &lda, s.data(), u.data(), &ldu,
                           vt.data(), &ldvt, wk, &lwork, rwork.data(), &info, 1, 1);
    } else {
      if constexpr (std::is_same_v<T, float>)
        lapack::APPLEJAX_F(sgesdd)(&job, &m, &n, a.data(), &lda, s.data(), u.data(), &ldu, vt.data(),
                           &ldvt, wk, &lwork, iwork.data(), &info, 1);
      else if constexpr (std::is_same_v<T, double>)
        lapack::APPLEJAX_F(dgesdd)(&job, &m, &n, a.data(), &lda, s.data(), u.data(), &ldu, vt.data(),
                           &ldvt, wk, &lwork, iwork.data(), &info, 1);
      else
        lapack::APPLEJAX_F(cgesdd)(&job, &m, &n, a.data(), &lda, s.data(), u.data(), &ldu, vt.data(),
                           &ldvt, wk, &lwork, rwork.data(), iwork.data(), &info, 1);
    }
    return info;
  }
};

Values svd(Emitter& em, const ir::Op& op, const Values& in) {
  const mx::array& a = in.at(0);
  if (a.ndim() < 2) fail(op, "operand is not a batch of matrices");
  const int m = lapack_int(op, a.shape(-2)), n = lapack_int(op, a.shape(-1));
  const int k = std::min(m, n);
  if (k == 0) fail(op, "svd of an empty matrix (the shim lowers those without LAPACK)");
  const bool full = config_int(op, "full_matrices") != 0;
  const bool uv = config_int(op, "compute_uv") != 0;
  const int64_t algorithm = config_int(op, "algorithm");
  if (algorithm != 0 && algorithm != 1) fail(op, "unknown svd algorithm " + std::to_string(algorithm));
  const bool qr = algorithm == 1;
  mx::Shape batch(a.shape().begin(), a.shape().end() - 2);
  auto with = [&](std::initializer_list<int> tail) {
    mx::Shape s = batch;
    s.insert(s.end(), tail.begin(), tail.end());
    return s;
  };
  return dispatch_float(op, a.dtype(), [&]<class T>() {
    using R = lapack::real_t<T>;
    std::vector<mx::Shape> shapes = {with({k})};
    std::vector<mx::Dtype> dtypes = {dtype_of<R>()};
    if (uv) {
      shapes.push_back(with({m, full ? m : k}));
      shapes.push_back(with({full ? n : k, n}));
      dtypes.push_back(a.dtype());
      dtypes.push_back(a.dtype());
    }
    return host_call("svd", {a}, shapes, dtypes, [=](auto& in, auto& out) {
      Svd<T> d(m, n, uv, full, qr);
      for (int64_t b = 0, count = batch_count(out[0].shape, 1); b < count; ++b) {
        load_matrix(in[0], b, d.a.data(), m);
        bool ok = d.call(d.work.data(), static_cast<int>(d.work.size())) == 0;
        if (!ok) {
          fill_nan(out[0], b, 1);
          for (size_t i = 1; i < out.size(); ++i) fill_nan(out[i], b, 2);
          continue;
        }
        store_vector(out[0], b, d.s.data());
        if (uv) {
          store_matrix(out[1], b, d.u.data(), m);
          store_matrix(out[2], b, d.vt.data(), d.vtrows);
        }
      }
    });
  });
}

}  // namespace

void register_svd(Registry& r) { r.add(custom_call_key("applejax.svd"), svd); }

}  // namespace applejax::lower::linalg
