// Linear algebra runs as host kernels inside the MLX graph: a small MLX
// primitive (LinalgKernel) whose CPU evaluation calls LAPACK on the evaluated
// inputs. It stays lazy like every other lowered op, so it works inside
// while/scan/cond bodies and under mlx::core::compile, and always runs on
// MLX's CPU stream (MLX inserts the waits when the rest of the program is on
// the GPU).
//
// LAPACK is column-major and our arrays are row-major with batch dimensions
// in front: kernels stage one matrix at a time into a column-major buffer
// (load_matrix) and write results back row-major (store_matrix).
#pragma once

#include <complex>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lower/emitter.h"

namespace applejax::lower::linalg {

// An evaluated input: any strides (broadcasts and transposed views included).
struct HostIn {
  const void* data;
  mx::Shape shape;
  mx::Strides strides;
  mx::Dtype dtype;
};

// A freshly allocated, row-contiguous output.
struct HostOut {
  void* data;
  mx::Shape shape;
  mx::Dtype dtype;
};

using HostFn = std::function<void(const std::vector<HostIn>&, const std::vector<HostOut>&)>;

// Builds the lazy arrays of one host kernel call. `name` appears in MLX's
// graph printouts and in errors.
Values host_call(const std::string& name, const Values& inputs, std::vector<mx::Shape> shapes,
                 std::vector<mx::Dtype> dtypes, HostFn fn);

// Number of matrices in the leading (batch) dimensions: all but the last
// `core` ones.
int64_t batch_count(const mx::Shape& shape, int core);

// Element offset of batch item `b` of `a`, whose last `core` dimensions are
// the matrix (or vector) and the others the batch.
int64_t batch_offset(const HostIn& a, int64_t b, int core);

// a[b] (its last two dimensions, rows x cols) into column-major dst with
// leading dimension ld >= rows.
template <class T>
void load_matrix(const HostIn& a, int64_t b, T* dst, int64_t ld) {
  const int r = static_cast<int>(a.shape.size());
  const int64_t rows = a.shape[r - 2], cols = a.shape[r - 1];
  const int64_t rs = a.strides[r - 2], cs = a.strides[r - 1];
  const T* src = static_cast<const T*>(a.data) + batch_offset(a, b, 2);
  for (int64_t j = 0; j < cols; ++j)
    for (int64_t i = 0; i < rows; ++i) dst[i + j * ld] = src[i * rs + j * cs];
}

// a[b] (its last dimension) into dst.
template <class T>
void load_vector(const HostIn& a, int64_t b, T* dst) {
  const int r = static_cast<int>(a.shape.size());
  const int64_t n = a.shape[r - 1], s = a.strides[r - 1];
  const T* src = static_cast<const T*>(a.data) + batch_offset(a, b, 1);
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i * s];
}

// Column-major src (leading dimension ld) into out[b], rows x cols being
// out's last two dimensions.
template <class T>
void store_matrix(const HostOut& out, int64_t b, const T* src, int64_t ld) {
  const int r = static_cast<int>(out.shape.size());
  const int64_t rows = out.shape[r - 2], cols = out.shape[r - 1];
  T* dst = static_cast<T*>(out.data) + b * rows * cols;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) dst[i * cols + j] = src[i + j * ld];
}

template <class T>
void store_vector(const HostOut& out, int64_t b, const T* src) {
  const int64_t n = out.shape.back();
  T* dst = static_cast<T*>(out.data) + b * n;
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
}

// out[b] (its last `core` dimensions) filled with NaN: what JAX's cpu
// backend returns for a batch item whose LAPACK call reported failure.
void fill_nan(const HostOut& out, int64_t b, int core);

// LAPACK's workspace queries return the size in the (real part of the) first
// work element.
template <class T>
int work_size(T w) {
  if constexpr (std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>)
    return std::max(1, static_cast<int>(w.real()));
  else
    return std::max(1, static_cast<int>(w));
}

// Calls fn.template operator()<T>() with T the C++ type of `d` (float,
// double, complex<float>); fails the op for other dtypes.
template <class Fn>
auto dispatch_float(const ir::Op& op, mx::Dtype d, Fn&& fn);

// LAPACK takes 32-bit sizes; also refuses sizes whose staging buffers would
// not be addressable.
int lapack_int(const ir::Op& op, int64_t n);

[[noreturn]] void fail_dtype(const ir::Op& op, mx::Dtype d);

template <class Fn>
auto dispatch_float(const ir::Op& op, mx::Dtype d, Fn&& fn) {
  if (d == mx::float32) return fn.template operator()<float>();
  if (d == mx::float64) return fn.template operator()<double>();
  if (d == mx::complex64) return fn.template operator()<std::complex<float>>();
  fail_dtype(op, d);
}

// The MLX dtype of a C++ element type.
template <class T>
mx::Dtype dtype_of() {
  if constexpr (std::is_same_v<T, float>) return mx::float32;
  else if constexpr (std::is_same_v<T, double>) return mx::float64;
  else return mx::complex64;
}

// Attributes the shim's lowering rules pass in backend_config as
// "key=value,key=value" with integer values.
int64_t config_int(const ir::Op& op, std::string_view key);

// Registers a custom_call target of the linalg family.
void register_factorizations(Registry& r);
void register_eigen(Registry& r);
void register_svd(Registry& r);

}  // namespace applejax::lower::linalg
