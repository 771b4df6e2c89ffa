// Faster matrix products for MLX's Linux CPU backend.
//
// The mlx-cpu wheel links the reference (netlib) BLAS, whose sgemm runs
// about 25x slower than OpenBLAS (128x784x512: 13.4 ms against 0.5 ms).
// MLX calls cblas_{s,d,c}gemm; the plugin library is searched before
// libmlx's own BLAS when those calls are bound, so defining them here sends
// them to the OpenBLAS that numpy ships (64-bit integers, "scipy_" prefix),
// whose path the Python shim passes in APPLEJAX_BLAS. Without it, or when a
// symbol is missing, calls go on to the next definition (the reference BLAS).
// It lives with the PJRT entry points because it, too, is part of what the
// plugin library exports. macOS uses Metal and Accelerate; none of this is
// built there.
#ifndef __APPLE__

#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>

namespace {

using SgemmLp64 = void (*)(int, int, int, int, int, int, float, const float*, int, const float*,
                           int, float, float*, int);
using DgemmLp64 = void (*)(int, int, int, int, int, int, double, const double*, int,
                           const double*, int, double, double*, int);
using CgemmLp64 = void (*)(int, int, int, int, int, int, const void*, const void*, int,
                           const void*, int, const void*, void*, int);
using SgemmIlp64 = void (*)(int, int, int, int64_t, int64_t, int64_t, float, const float*,
                            int64_t, const float*, int64_t, float, float*, int64_t);
using DgemmIlp64 = void (*)(int, int, int, int64_t, int64_t, int64_t, double, const double*,
                            int64_t, const double*, int64_t, double, double*, int64_t);
using CgemmIlp64 = void (*)(int, int, int, int64_t, int64_t, int64_t, const void*, const void*,
                            int64_t, const void*, int64_t, const void*, void*, int64_t);

struct Blas {
  SgemmIlp64 fast_s = nullptr;
  DgemmIlp64 fast_d = nullptr;
  CgemmIlp64 fast_c = nullptr;
  SgemmLp64 next_s = nullptr;
  DgemmLp64 next_d = nullptr;
  CgemmLp64 next_c = nullptr;
};

const Blas& blas() {
  static Blas b;
  static std::once_flag once;
  std::call_once(once, [] {
    b.next_s = reinterpret_cast<SgemmLp64>(dlsym(RTLD_NEXT, "cblas_sgemm"));
    b.next_d = reinterpret_cast<DgemmLp64>(dlsym(RTLD_NEXT, "cblas_dgemm"));
    b.next_c = reinterpret_cast<CgemmLp64>(dlsym(RTLD_NEXT, "cblas_cgemm"));
    const char* path = std::getenv("APPLEJAX_BLAS");
    if (!path || !*path) return;
    void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) return;
    b.fast_s = reinterpret_cast<SgemmIlp64>(dlsym(lib, "scipy_cblas_sgemm64_"));
    b.fast_d = reinterpret_cast<DgemmIlp64>(dlsym(lib, "scipy_cblas_dgemm64_"));
    b.fast_c = reinterpret_cast<CgemmIlp64>(dlsym(lib, "scipy_cblas_cgemm64_"));
  });
  return b;
}

}  // namespace

// CBLAS's enums are passed as ints; their values are the same in every CBLAS.
extern "C" __attribute__((visibility("default"))) void cblas_sgemm(
    int order, int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda,
    const float* b, int ldb, float beta, float* c, int ldc) {
  const Blas& l = blas();
  if (l.fast_s) return l.fast_s(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (l.next_s) l.next_s(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

extern "C" __attribute__((visibility("default"))) void cblas_dgemm(
    int order, int ta, int tb, int m, int n, int k, double alpha, const double* a, int lda,
    const double* b, int ldb, double beta, double* c, int ldc) {
  const Blas& l = blas();
  if (l.fast_d) return l.fast_d(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (l.next_d) l.next_d(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

extern "C" __attribute__((visibility("default"))) void cblas_cgemm(
    int order, int ta, int tb, int m, int n, int k, const void* alpha, const void* a, int lda,
    const void* b, int ldb, const void* beta, void* c, int ldc) {
  const Blas& l = blas();
  if (l.fast_c) return l.fast_c(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (l.next_c) l.next_c(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

#endif  // __APPLE__
