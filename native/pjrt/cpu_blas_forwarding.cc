// Faster matrix products for MLX's Linux CPU backend.
//
// The mlx-cpu wheel links the reference (netlib) BLAS, whose sgemm runs
// about 25x slower than OpenBLAS (128x784x512: 13.4 ms against 0.5 ms).
// MLX calls cblas_{s,d,c}gemm; the plugin library is searched before
// libmlx's own BLAS when those calls are bound, so defining them here sends
// them to the OpenBLAS the plugin already links for LAPACK (scipy-openblas32,
// whose symbols carry a "scipy_" prefix). APPLEJAX_BLAS=reference sends them
// on to the next definition instead, MLX's reference BLAS. It lives with the
// PJRT entry points because it, too, is part of what the plugin library
// exports. macOS uses Metal and Accelerate; none of this is built there.
#ifndef __APPLE__

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string_view>

// CBLAS's enums are passed as ints; their values are the same in every CBLAS.
extern "C" {
void scipy_cblas_sgemm(int, int, int, int, int, int, float, const float*, int, const float*, int,
                       float, float*, int);
void scipy_cblas_dgemm(int, int, int, int, int, int, double, const double*, int, const double*,
                       int, double, double*, int);
void scipy_cblas_cgemm(int, int, int, int, int, int, const void*, const void*, int, const void*,
                       int, const void*, void*, int);
}

namespace {

using Sgemm = decltype(&scipy_cblas_sgemm);
using Dgemm = decltype(&scipy_cblas_dgemm);
using Cgemm = decltype(&scipy_cblas_cgemm);

struct Blas {
  Sgemm s = scipy_cblas_sgemm;
  Dgemm d = scipy_cblas_dgemm;
  Cgemm c = scipy_cblas_cgemm;
};

const Blas& blas() {
  static Blas b;
  static std::once_flag once;
  std::call_once(once, [] {
    const char* choice = std::getenv("APPLEJAX_BLAS");
    if (!choice || std::string_view(choice) != "reference") return;
    auto next = [](const char* name, auto fallback) {
      void* f = dlsym(RTLD_NEXT, name);
      return f ? reinterpret_cast<decltype(fallback)>(f) : fallback;
    };
    b.s = next("cblas_sgemm", b.s);
    b.d = next("cblas_dgemm", b.d);
    b.c = next("cblas_cgemm", b.c);
  });
  return b;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) void cblas_sgemm(
    int order, int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda,
    const float* b, int ldb, float beta, float* c, int ldc) {
  blas().s(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

extern "C" __attribute__((visibility("default"))) void cblas_dgemm(
    int order, int ta, int tb, int m, int n, int k, double alpha, const double* a, int lda,
    const double* b, int ldb, double beta, double* c, int ldc) {
  blas().d(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

extern "C" __attribute__((visibility("default"))) void cblas_cgemm(
    int order, int ta, int tb, int m, int n, int k, const void* alpha, const void* a, int lda,
    const void* b, int ldb, const void* beta, void* c, int ldc) {
  blas().c(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

#endif  // __APPLE__
