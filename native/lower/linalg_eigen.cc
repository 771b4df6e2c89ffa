// Eigenproblems and the reductions behind them, through LAPACK; custom_call
// targets emitted by the shim's lowering rules (python/jax_plugins/mps):
//   applejax.eigh         syevd/heevd: (v, w ascending)
//   applejax.eig          geev: (w, [vl], [vr]), always complex
//   applejax.schur        gees: (t, [z]), unsorted
//   applejax.hessenberg   gehrd: (reflectors and H packed, taus)
//   applejax.tridiagonal  sytrd/hetrd: (packed, d, e, taus)
// A batch item whose LAPACK call fails comes back as NaN, as on JAX's cpu
// backend.
#include <algorithm>
#include <complex>
#include <vector>

#include "lower/errors.h"
#include "lower/linalg_kernel.h"
#include "lower/linalg_lapack.h"

namespace applejax::lower::linalg {
namespace {

using lapack::c64;

int square_size(const ir::Op& op, const mx::array& a) {
  if (a.ndim() < 2 || a.shape(-1) != a.shape(-2)) fail(op, "operand is not a batch of square matrices");
  return lapack_int(op, a.shape(-1));
}

// a's shape with its last `drop` dimensions replaced by `tail`.
mx::Shape batch_shape(const mx::array& a, int drop, std::initializer_list<int> tail) {
  mx::Shape s(a.shape().begin(), a.shape().end() - drop);
  s.insert(s.end(), tail.begin(), tail.end());
  return s;
}

Values eigh(Emitter& em, const ir::Op& op, const Values& in) {
  const mx::array& a = in.at(0);
  const int n = square_size(op, a);
  const char uplo = config_int(op, "lower") ? 'L' : 'U';
  return dispatch_float(op, a.dtype(), [&]<class T>() {
    using R = lapack::real_t<T>;
    return host_call(
        "eigh", {a}, {a.shape(), batch_shape(a, 2, {n})}, {a.dtype(), dtype_of<R>()},
        [n, uplo](auto& in, auto& out) {
          const int lda = std::max(1, n);
          std::vector<T> buf(std::max(1, n * n));
          std::vector<R> w(std::max(1, n));
          T wq{};
          R rq{};
          int iq = 0;
          lapack::heevd<T>('V', uplo, n, buf.data(), lda, w.data(), &wq, -1, &rq, -1, &iq, -1);
          std::vector<T> work(work_size(wq));
          std::vector<R> rwork(work_size(rq));
          std::vector<int> iwork(std::max(1, iq));
          for (int64_t b = 0, count = batch_count(out[0].shape, 2); b < count; ++b) {
            load_matrix(in[0], b, buf.data(), n);
            int info = n == 0 ? 0
                              : lapack::heevd<T>('V', uplo, n, buf.data(), lda, w.data(),
                                                 work.data(), static_cast<int>(work.size()),
                                                 rwork.data(), static_cast<int>(rwork.size()),
                                                 iwork.data(), static_cast<int>(iwork.size()));
            if (info != 0) {
              fill_nan(out[0], b, 2);
              fill_nan(out[1], b, 1);
            } else {
              store_matrix(out[0], b, buf.data(), n);
              store_vector(out[1], b, w.data());
            }
          }
        });
  });
}

// geev of one column-major matrix; w and the eigenvectors come back complex
// (a real geev's conjugate pairs unpacked, as JAX's cpu backend does).
template <class T>
struct Geev {
  int n;
  char jobvl, jobvr;
  std::vector<T> a, vl, vr, work;
  std::vector<float> wr, wi, rwork;
  std::vector<c64> w;

  Geev(int n, bool left, bool right)
      : n(n), jobvl(left ? 'V' : 'N'), jobvr(right ? 'V' : 'N'), a(std::max(1, n * n)),
        vl(left ? std::max(1, n * n) : 1), vr(right ? std::max(1, n * n) : 1),
        wr(std::max(1, n)), wi(std::max(1, n)), rwork(std::max(1, 2 * n)), w(std::max(1, n)) {
    T q{};
    call(&q, -1);
    work.resize(work_size(q));
  }

  int call(T* wk, int lwork) {
    int info = 0, lda = std::max(1, n), ldvl = jobvl == 'V' ? lda : 1, ldvr = jobvr == 'V' ? lda : 1;
    if constexpr (std::is_same_v<T, float>)
      lapack::APPLEJAX_F(sgeev)(&jobvl, &jobvr, &n, a.data(), &lda, wr.data(), wi.data(), vl.data(),
                        &ldvl, vr.data(), &ldvr, wk, &lwork, &info, 1, 1);
    else
      lapack::APPLEJAX_F(cgeev)(&jobvl, &jobvr, &n, a.data(), &lda, w.data(), vl.data(), &ldvl,
                        vr.data(), &ldvr, wk, &lwork, rwork.data(), &info, 1, 1);
    return info;
  }

  int run() {
    int info = n == 0 ? 0 : call(work.data(), static_cast<int>(work.size()));
    if constexpr (std::is_same_v<T, float>)
      for (int i = 0; i < n; ++i) w[i] = {wr[i], wi[i]};
    return info;
  }

  // Column-major complex eigenvectors of `v` (vl or vr).
  std::vector<c64> vectors(const std::vector<T>& v) const {
    std::vector<c64> out(std::max(1, n * n));
    if constexpr (std::is_same_v<T, float>) {
      for (int j = 0; j < n; ++j) {
        if (wi[j] > 0 && j + 1 < n) {  // a conjugate pair: columns j (real) and j+1 (imaginary)
          for (int i = 0; i < n; ++i) {
            out[i + j * n] = {v[i + j * n], v[i + (j + 1) * n]};
            out[i + (j + 1) * n] = {v[i + j * n], -v[i + (j + 1) * n]};
          }
          ++j;
        } else {
          for (int i = 0; i < n; ++i) out[i + j * n] = {v[i + j * n], 0.0f};
        }
      }
    } else {
      std::copy(v.begin(), v.begin() + n * n, out.begin());
    }
    return out;
  }
};

Values eig(Emitter& em, const ir::Op& op, const Values& in) {
  const mx::array& a = in.at(0);
  const int n = square_size(op, a);
  const bool left = config_int(op, "left") != 0, right = config_int(op, "right") != 0;
  if (a.dtype() != mx::float32 && a.dtype() != mx::complex64) fail_dtype(op, a.dtype());
  std::vector<mx::Shape> shapes = {batch_shape(a, 2, {n})};
  if (left) shapes.push_back(a.shape());
  if (right) shapes.push_back(a.shape());
  std::vector<mx::Dtype> dtypes(shapes.size(), mx::complex64);
  auto run = [&]<class T>() {
    return host_call("eig", {a}, shapes, dtypes, [n, left, right](auto& in, auto& out) {
      Geev<T> g(n, left, right);
      for (int64_t b = 0, count = batch_count(out[0].shape, 1); b < count; ++b) {
        load_matrix(in[0], b, g.a.data(), n);
        bool ok = g.run() == 0;
        size_t next = 0;
        if (ok) store_vector(out[next], b, g.w.data());
        else fill_nan(out[next], b, 1);
        for (bool want : {left, right}) {
          if (!want) continue;
          ++next;
          if (ok) store_matrix(out[next], b, g.vectors(next == 1 && left ? g.vl : g.vr).data(), n);
          else fill_nan(out[next], b, 2);
        }
      }
    });
  };
  return a.dtype() == mx::float32 ? run.template operator()<float>()
                                  : run.template operator()<c64>();
}

template <class T>
int gees(char jobvs, int n, T* a, T* vs, std::vector<lapack::real_t<T>>& wr,
         std::vector<lapack::real_t<T>>& wi, std::vector<T>& w, T* work, int lwork,
         std::vector<lapack::real_t<T>>& rwork) {
  int info = 0, sdim = 0, bwork = 0, lda = std::max(1, n), ldvs = jobvs == 'V' ? lda : 1;
  const char sort = 'N';
  if constexpr (std::is_same_v<T, float>)
    lapack::APPLEJAX_F(sgees)(&jobvs, &sort, nullptr, &n, a, &lda, &sdim, wr.data(), wi.data(), vs, &ldvs,
                      work, &lwork, &bwork, &info, 1, 1);
  else if constexpr (std::is_same_v<T, double>)
    lapack::APPLEJAX_F(dgees)(&jobvs, &sort, nullptr, &n, a, &lda, &sdim, wr.data(), wi.data(), vs, &ldvs,
                      work, &lwork, &bwork, &info, 1, 1);
  else
    lapack::APPLEJAX_F(cgees)(&jobvs, &sort, nullptr, &n, a, &lda, &sdim, w.data(), vs, &ldvs, work,
                      &lwork, rwork.data(), &bwork, &info, 1, 1);
  return info;
}

Values schur(Emitter& em, const ir::Op& op, const Values& in) {
  const mx::array& a = in.at(0);
  const int n = square_size(op, a);
  const bool vectors = config_int(op, "vectors") != 0;
  std::vector<mx::Shape> shapes(vectors ? 2 : 1, a.shape());
  std::vector<mx::Dtype> dtypes(shapes.size(), a.dtype());
  return dispatch_float(op, a.dtype(), [&]<class T>() {
    return host_call("schur", {a}, shapes, dtypes, [n, vectors](auto& in, auto& out) {
      using R = lapack::real_t<T>;
      const char jobvs = vectors ? 'V' : 'N';
      std::vector<T> buf(std::max(1, n * n)), vs(vectors ? std::max(1, n * n) : 1),
          w(std::max(1, n));
      std::vector<R> wr(std::max(1, n)), wi(std::max(1, n)), rwork(std::max(1, n));
      T q{};
      gees<T>(jobvs, n, buf.data(), vs.data(), wr, wi, w, &q, -1, rwork);
      std::vector<T> work(work_size(q));
      for (int64_t b = 0, count = batch_count(out[0].shape, 2); b < count; ++b) {
        load_matrix(in[0], b, buf.data(), n);
        int info = n == 0 ? 0
                          : gees<T>(jobvs, n, buf.data(), vs.data(), wr, wi, w, work.data(),
                                    static_cast<int>(work.size()), rwork);
        for (size_t i = 0; i < out.size(); ++i) {
          if (info != 0) fill_nan(out[i], b, 2);
          else store_matrix(out[i], b, i == 0 ? buf.data() : vs.data(), n);
        }
      }
    });
  });
}

Values hessenberg(Emitter& em, const ir::Op& op, const Values& in) {
  const mx::array& a = in.at(0);
  const int n = square_size(op, a);
  if (n == 0) fail(op, "hessenberg of 0x0 matrices");
  return dispatch_float(op, a.dtype(), [&]<class T>() {
    return host_call(
        "hessenberg", {a}, {a.shape(), batch_shape(a, 2, {n - 1})}, {a.dtype(), a.dtype()},
        [n](auto& in, auto& out) {
          std::vector<T> buf(n * n), tau(n);
          T q{};
          lapack::gehrd(n, buf.data(), n, tau.data(), &q, -1);
          std::vector<T> work(work_size(q));
          for (int64_t b = 0, count = batch_count(out[0].shape, 2); b < count; ++b) {
            load_matrix(in[0], b, buf.data(), n);
            if (lapack::gehrd(n, buf.data(), n, tau.data(), work.data(),
                              static_cast<int>(work.size())) != 0) {
              fill_nan(out[0], b, 2);
              fill_nan(out[1], b, 1);
            } else {
              store_matrix(out[0], b, buf.data(), n);
              store_vector(out[1], b, tau.data());
            }
          }
        });
  });
}

Values tridiagonal(Emitter& em, const ir::Op& op, const Values& in) {
  const mx::array& a = in.at(0);
  const int n = square_size(op, a);
  if (n == 0) fail(op, "tridiagonal of 0x0 matrices");
  const char uplo = config_int(op, "lower") ? 'L' : 'U';
  return dispatch_float(op, a.dtype(), [&]<class T>() {
    using R = lapack::real_t<T>;
    mx::Dtype real = dtype_of<R>();
    return host_call(
        "tridiagonal", {a},
        {a.shape(), batch_shape(a, 2, {n}), batch_shape(a, 2, {n - 1}), batch_shape(a, 2, {n - 1})},
        {a.dtype(), real, real, a.dtype()}, [n, uplo](auto& in, auto& out) {
          std::vector<T> buf(n * n), tau(n);
          std::vector<R> d(n), e(n);
          T q{};
          lapack::hetrd(uplo, n, buf.data(), n, d.data(), e.data(), tau.data(), &q, -1);
          std::vector<T> work(work_size(q));
          for (int64_t b = 0, count = batch_count(out[0].shape, 2); b < count; ++b) {
            load_matrix(in[0], b, buf.data(), n);
            int info = lapack::hetrd(uplo, n, buf.data(), n, d.data(), e.data(), tau.data(),
                                     work.data(), static_cast<int>(work.size()));
            if (info != 0) {
              fill_nan(out[0], b, 2);
              for (int i = 1; i < 4; ++i) fill_nan(out[i], b, 1);
              continue;
            }
            store_matrix(out[0], b, buf.data(), n);
            store_vector(out[1], b, d.data());
            store_vector(out[2], b, e.data());
            store_vector(out[3], b, tau.data());
          }
        });
  });
}

}  // namespace

void register_eigen(Registry& r) {
  r.add(custom_call_key("applejax.eigh"), eigh);
  r.add(custom_call_key("applejax.eig"), eig);
  r.add(custom_call_key("applejax.schur"), schur);
  r.add(custom_call_key("applejax.hessenberg"), hessenberg);
  r.add(custom_call_key("applejax.tridiagonal"), tridiagonal);
}

}  // namespace applejax::lower::linalg
