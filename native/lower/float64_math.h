// float64 transcendental functions that MLX's CPU kernels compute in float32.
//
// MLX's CPU exp, sin, cos, erf, erfinv and sigmoid (and so its softmax and
// logsumexp) evaluate float32 polynomials whatever the dtype: a float64
// exp(100) overflows to inf, sin(pi) is -8.7e-8. Its other unary kernels
// (log, tan, tanh, expm1, log1p, the inverse and hyperbolic ones, sqrt,
// pow, atan2) call libm in the array's own type and are float64-accurate.
// The functions here give float64 arrays a primitive that calls libm (or,
// for erfinv, which libm lacks, a Halley iteration on libm's erf/erfc)
// element by element; every other dtype keeps MLX's kernels.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <mlx/array.h>
#include <mlx/utils.h>

namespace applejax::lower {

enum class Float64Fn { kExp, kSin, kCos, kErf, kErfc, kErfInv, kCbrt, kLogistic };

bool is_float64(const mlx::core::array& x);

// fn(x) for a float64 x, each element within an ulp or two of the exact
// value. Runs on MLX's CPU device only (float64 is refused on the GPU when a
// program is compiled: runtime/program.cc).
mlx::core::array float64_unary(Float64Fn fn, const mlx::core::array& x,
                               mlx::core::StreamOrDevice s);

// exp(x) for float64 x through float64_unary, MLX's own exp otherwise.
mlx::core::array exp_accurate(const mlx::core::array& x, mlx::core::StreamOrDevice s);

// softmax and log_softmax over `axes` with float64_unary's exp (float64 x
// only): what the fused ops of lower/fast.cc run instead of MLX's kernels.
mlx::core::array float64_softmax(const mlx::core::array& x, const std::vector<int>& axes,
                                 mlx::core::StreamOrDevice s);
mlx::core::array float64_log_softmax(const mlx::core::array& x, const std::vector<int>& axes,
                                     mlx::core::StreamOrDevice s);

// Scaled dot-product attention of float64 [B, N, T, H] x [B, N, S, H]
// operands as jax.nn.dot_product_attention writes it (scores scaled after
// the product), with float64_softmax: mask "" (none), "causal" (T == S) or
// "bias" (`bias` added to the scores).
mlx::core::array float64_attention(const mlx::core::array& q, const mlx::core::array& k,
                                   const mlx::core::array& v, double scale,
                                   std::string_view mask,
                                   const std::optional<mlx::core::array>& bias,
                                   mlx::core::StreamOrDevice s);

// The float64 kernel for a CHLO composite MLX's kernel would get wrong
// (chlo.erf, chlo.erf_inv), or nullopt to leave the composite as it was.
std::optional<mlx::core::array> float64_composite(std::string_view name, const mlx::core::array& x,
                                                  mlx::core::StreamOrDevice s);

// erfinv in double, exposed for the native unit test.
double erfinv_double(double x);

}  // namespace applejax::lower
