// Our own declarations of the LAPACK/BLAS routines the linalg lowering calls,
// and one C++ overload set per routine over float, double and complex<float>.
//
// The library is the OpenBLAS of the scipy-openblas32 wheel (see
// CMakeLists.txt): 32-bit Fortran integers and every symbol prefixed
// `scipy_`, so it never collides with another BLAS loaded into the same
// process (numpy's, the reference LAPACK MLX's Linux wheel carries,
// Accelerate). Character arguments take their hidden Fortran length after the
// last argument; passing it is harmless where a build does not read it.
#pragma once

#include <complex>
#include <cstddef>
#include <type_traits>

namespace applejax::lower::lapack {

using c64 = std::complex<float>;
using c128 = std::complex<double>;
using flen = size_t;  // hidden Fortran CHARACTER length

extern "C" {
#define APPLEJAX_F(name) scipy_##name##_

// Cholesky, triangular solve (BLAS 3), LU.
void APPLEJAX_F(spotrf)(const char*, const int*, float*, const int*, int*, flen);
void APPLEJAX_F(dpotrf)(const char*, const int*, double*, const int*, int*, flen);
void APPLEJAX_F(cpotrf)(const char*, const int*, c64*, const int*, int*, flen);
void APPLEJAX_F(strsm)(const char*, const char*, const char*, const char*, const int*, const int*,
                       const float*, const float*, const int*, float*, const int*, flen, flen,
                       flen, flen);
void APPLEJAX_F(dtrsm)(const char*, const char*, const char*, const char*, const int*, const int*,
                       const double*, const double*, const int*, double*, const int*, flen, flen,
                       flen, flen);
void APPLEJAX_F(ctrsm)(const char*, const char*, const char*, const char*, const int*, const int*,
                       const c64*, const c64*, const int*, c64*, const int*, flen, flen, flen,
                       flen);
void APPLEJAX_F(sgetrf)(const int*, const int*, float*, const int*, int*, int*);
void APPLEJAX_F(dgetrf)(const int*, const int*, double*, const int*, int*, int*);
void APPLEJAX_F(cgetrf)(const int*, const int*, c64*, const int*, int*, int*);

// QR: Householder factorisation, the product of its reflectors, column pivoting.
void APPLEJAX_F(sgeqrf)(const int*, const int*, float*, const int*, float*, float*, const int*,
                        int*);
void APPLEJAX_F(dgeqrf)(const int*, const int*, double*, const int*, double*, double*,
                        const int*, int*);
void APPLEJAX_F(cgeqrf)(const int*, const int*, c64*, const int*, c64*, c64*, const int*, int*);
void APPLEJAX_F(sorgqr)(const int*, const int*, const int*, float*, const int*, const float*,
                        float*, const int*, int*);
void APPLEJAX_F(dorgqr)(const int*, const int*, const int*, double*, const int*, const double*,
                        double*, const int*, int*);
void APPLEJAX_F(cungqr)(const int*, const int*, const int*, c64*, const int*, const c64*, c64*,
                        const int*, int*);
void APPLEJAX_F(sgeqp3)(const int*, const int*, float*, const int*, int*, float*, float*,
                        const int*, int*);
void APPLEJAX_F(dgeqp3)(const int*, const int*, double*, const int*, int*, double*, double*,
                        const int*, int*);
void APPLEJAX_F(cgeqp3)(const int*, const int*, c64*, const int*, int*, c64*, c64*, const int*,
                        float*, int*);

// Symmetric/Hermitian eigenproblem (divide and conquer).
void APPLEJAX_F(ssyevd)(const char*, const char*, const int*, float*, const int*, float*, float*,
                        const int*, int*, const int*, int*, flen, flen);
void APPLEJAX_F(dsyevd)(const char*, const char*, const int*, double*, const int*, double*,
                        double*, const int*, int*, const int*, int*, flen, flen);
void APPLEJAX_F(cheevd)(const char*, const char*, const int*, c64*, const int*, float*, c64*,
                        const int*, float*, const int*, int*, const int*, int*, flen, flen);

// General eigenproblem and Schur form.
void APPLEJAX_F(sgeev)(const char*, const char*, const int*, float*, const int*, float*, float*,
                       float*, const int*, float*, const int*, float*, const int*, int*, flen,
                       flen);
void APPLEJAX_F(dgeev)(const char*, const char*, const int*, double*, const int*, double*,
                       double*, double*, const int*, double*, const int*, double*, const int*,
                       int*, flen, flen);
void APPLEJAX_F(cgeev)(const char*, const char*, const int*, c64*, const int*, c64*, c64*,
                       const int*, c64*, const int*, c64*, const int*, float*, int*, flen, flen);
using select2_s = int (*)(const float*, const float*);
using select2_d = int (*)(const double*, const double*);
using select1_c = int (*)(const c64*);
void APPLEJAX_F(sgees)(const char*, const char*, select2_s, const int*, float*, const int*, int*,
                       float*, float*, float*, const int*, float*, const int*, int*, int*, flen,
                       flen);
void APPLEJAX_F(dgees)(const char*, const char*, select2_d, const int*, double*, const int*, int*,
                       double*, double*, double*, const int*, double*, const int*, int*, int*,
                       flen, flen);
void APPLEJAX_F(cgees)(const char*, const char*, select1_c, const int*, c64*, const int*, int*,
                       c64*, c64*, const int*, c64*, const int*, float*, int*, int*, flen, flen);

// Singular values: divide and conquer (gesdd) and QR iteration (gesvd).
void APPLEJAX_F(sgesdd)(const char*, const int*, const int*, float*, const int*, float*, float*,
                        const int*, float*, const int*, float*, const int*, int*, int*, flen);
void APPLEJAX_F(dgesdd)(const char*, const int*, const int*, double*, const int*, double*,
                        double*, const int*, double*, const int*, double*, const int*, int*, int*,
                        flen);
void APPLEJAX_F(cgesdd)(const char*, const int*, const int*, c64*, const int*, float*, c64*,
                        const int*, c64*, const int*, c64*, const int*, float*, int*, int*, flen);
void APPLEJAX_F(sgesvd)(const char*, const char*, const int*, const int*, float*, const int*,
                        float*, float*, const int*, float*, const int*, float*, const int*, int*,
                        flen, flen);
void APPLEJAX_F(dgesvd)(const char*, const char*, const int*, const int*, double*, const int*,
                        double*, double*, const int*, double*, const int*, double*, const int*,
                        int*, flen, flen);
void APPLEJAX_F(cgesvd)(const char*, const char*, const int*, const int*, c64*, const int*,
                        float*, c64*, const int*, c64*, const int*, c64*, const int*, float*, int*,
                        flen, flen);

// Hessenberg and tridiagonal reductions.
void APPLEJAX_F(sgehrd)(const int*, const int*, const int*, float*, const int*, float*, float*,
                        const int*, int*);
void APPLEJAX_F(dgehrd)(const int*, const int*, const int*, double*, const int*, double*,
                        double*, const int*, int*);
void APPLEJAX_F(cgehrd)(const int*, const int*, const int*, c64*, const int*, c64*, c64*,
                        const int*, int*);
void APPLEJAX_F(ssytrd)(const char*, const int*, float*, const int*, float*, float*, float*,
                        float*, const int*, int*, flen);
void APPLEJAX_F(dsytrd)(const char*, const int*, double*, const int*, double*, double*, double*,
                        double*, const int*, int*, flen);
void APPLEJAX_F(chetrd)(const char*, const int*, c64*, const int*, float*, float*, c64*, c64*,
                        const int*, int*, flen);
}  // extern "C"

// Real type of a scalar type: float for complex<float>.
template <class T> struct real_of { using type = T; };
template <class T> struct real_of<std::complex<T>> { using type = T; };
template <class T> using real_t = typename real_of<T>::type;
template <class T> inline constexpr bool is_complex_v = !std::is_same_v<T, real_t<T>>;

// Overloads with scalar arguments by value; `info` is returned.
#define APPLEJAX_BY_TYPE(T, s, d, c) \
  if constexpr (std::is_same_v<T, float>) s; \
  else if constexpr (std::is_same_v<T, double>) d; \
  else c;

template <class T>
int potrf(char uplo, int n, T* a, int lda) {
  int info = 0;
  APPLEJAX_BY_TYPE(T, APPLEJAX_F(spotrf)(&uplo, &n, a, &lda, &info, 1),
                   APPLEJAX_F(dpotrf)(&uplo, &n, a, &lda, &info, 1),
                   APPLEJAX_F(cpotrf)(&uplo, &n, a, &lda, &info, 1))
  return info;
}

template <class T>
void trsm(char side, char uplo, char trans, char diag, int m, int n, const T* a, int lda, T* b,
          int ldb) {
  const T one(1);
  APPLEJAX_BY_TYPE(
      T, APPLEJAX_F(strsm)(&side, &uplo, &trans, &diag, &m, &n, &one, a, &lda, b, &ldb, 1, 1, 1, 1),
      APPLEJAX_F(dtrsm)(&side, &uplo, &trans, &diag, &m, &n, &one, a, &lda, b, &ldb, 1, 1, 1, 1),
      APPLEJAX_F(ctrsm)(&side, &uplo, &trans, &diag, &m, &n, &one, a, &lda, b, &ldb, 1, 1, 1, 1))
}

template <class T>
int getrf(int m, int n, T* a, int lda, int* ipiv) {
  int info = 0;
  APPLEJAX_BY_TYPE(T, APPLEJAX_F(sgetrf)(&m, &n, a, &lda, ipiv, &info),
                   APPLEJAX_F(dgetrf)(&m, &n, a, &lda, ipiv, &info),
                   APPLEJAX_F(cgetrf)(&m, &n, a, &lda, ipiv, &info))
  return info;
}

template <class T>
int geqrf(int m, int n, T* a, int lda, T* tau, T* work, int lwork) {
  int info = 0;
  APPLEJAX_BY_TYPE(T, APPLEJAX_F(sgeqrf)(&m, &n, a, &lda, tau, work, &lwork, &info),
                   APPLEJAX_F(dgeqrf)(&m, &n, a, &lda, tau, work, &lwork, &info),
                   APPLEJAX_F(cgeqrf)(&m, &n, a, &lda, tau, work, &lwork, &info))
  return info;
}

template <class T>
int orgqr(int m, int n, int k, T* a, int lda, const T* tau, T* work, int lwork) {
  int info = 0;
  APPLEJAX_BY_TYPE(T, APPLEJAX_F(sorgqr)(&m, &n, &k, a, &lda, tau, work, &lwork, &info),
                   APPLEJAX_F(dorgqr)(&m, &n, &k, a, &lda, tau, work, &lwork, &info),
                   APPLEJAX_F(cungqr)(&m, &n, &k, a, &lda, tau, work, &lwork, &info))
  return info;
}

template <class T>
int geqp3(int m, int n, T* a, int lda, int* jpvt, T* tau, T* work, int lwork, real_t<T>* rwork) {
  int info = 0;
  APPLEJAX_BY_TYPE(T, APPLEJAX_F(sgeqp3)(&m, &n, a, &lda, jpvt, tau, work, &lwork, &info),
                   APPLEJAX_F(dgeqp3)(&m, &n, a, &lda, jpvt, tau, work, &lwork, &info),
                   APPLEJAX_F(cgeqp3)(&m, &n, a, &lda, jpvt, tau, work, &lwork, rwork, &info))
  return info;
}

template <class T>
int heevd(char jobz, char uplo, int n, T* a, int lda, real_t<T>* w, T* work, int lwork,
          real_t<T>* rwork, int lrwork, int* iwork, int liwork) {
  int info = 0;
  APPLEJAX_BY_TYPE(T,
                   APPLEJAX_F(ssyevd)(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork,
                                      &info, 1, 1),
                   APPLEJAX_F(dsyevd)(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork,
                                      &info, 1, 1),
                   APPLEJAX_F(cheevd)(&jobz, &uplo, &n, a, &lda, w, work, &lwork, rwork, &lrwork,
                                      iwork, &liwork, &info, 1, 1))
  return info;
}

template <class T>
int gehrd(int n, T* a, int lda, T* tau, T* work, int lwork) {
  int info = 0, ilo = 1, ihi = n;
  APPLEJAX_BY_TYPE(T, APPLEJAX_F(sgehrd)(&n, &ilo, &ihi, a, &lda, tau, work, &lwork, &info),
                   APPLEJAX_F(dgehrd)(&n, &ilo, &ihi, a, &lda, tau, work, &lwork, &info),
                   APPLEJAX_F(cgehrd)(&n, &ilo, &ihi, a, &lda, tau, work, &lwork, &info))
  return info;
}

template <class T>
int hetrd(char uplo, int n, T* a, int lda, real_t<T>* d, real_t<T>* e, T* tau, T* work,
          int lwork) {
  int info = 0;
  APPLEJAX_BY_TYPE(T,
                   APPLEJAX_F(ssytrd)(&uplo, &n, a, &lda, d, e, tau, work, &lwork, &info, 1),
                   APPLEJAX_F(dsytrd)(&uplo, &n, a, &lda, d, e, tau, work, &lwork, &info, 1),
                   APPLEJAX_F(chetrd)(&uplo, &n, a, &lda, d, e, tau, work, &lwork, &info, 1))
  return info;
}

// geev, gees, gesdd and gesvd differ between real and complex in more than
// their types; linalg_eigen.cc and linalg_svd.cc call them directly.

#undef APPLEJAX_BY_TYPE

}  // namespace applejax::lower::lapack
