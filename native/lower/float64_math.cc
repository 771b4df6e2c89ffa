#include "lower/float64_math.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

namespace applejax::lower {

namespace mx = mlx::core;

namespace {

constexpr double kTwoOverSqrtPi = 1.1283791670955126;  // d/dy erf(y) at 0
constexpr double kPi = 3.141592653589793;

// The tails of erfinv go through erfc: 1 - |x| is exact there (Sterbenz),
// where erf(y) - |x| would cancel to a few significant bits.
constexpr double kErfinvTail = 0.5;

// A starting point within ~0.2% of erfinv(a), a in [0, 1): Winitzki's
// closed form (constant 0.147), and its first two series terms near 0, where
// the closed form cancels to nothing.
double erfinv_guess(double a, double one_minus_a) {
  if (a < 0.01) return 0.5 * std::sqrt(kPi) * a * (1.0 + kPi * a * a / 12.0);
  constexpr double k = 0.147;
  double l = std::log(one_minus_a * (1.0 + a));  // log(1 - a^2), a near 1 included
  double c = 2.0 / (kPi * k) + 0.5 * l;
  return std::sqrt(std::sqrt(c * c - l / k) - c);
}

}  // namespace

double erfinv_double(double x) {
  if (std::isnan(x) || std::fabs(x) > 1.0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0) return x;  // keeps the sign of -0
  double a = std::fabs(x);
  if (a == 1.0) return std::copysign(std::numeric_limits<double>::infinity(), x);
  const double t = 1.0 - a;
  const bool tail = a >= kErfinvTail;
  double y = erfinv_guess(a, t);
  // Halley's method on g(y) = erf(y) - a, g' = 2/sqrt(pi) exp(-y^2),
  // g'' = -2y g': the step r / (1 + y r) with r = g / g'. Cubic
  // convergence takes the 0.2% guess to full precision in three steps; the
  // fourth is a guard that changes nothing.
  for (int i = 0; i < 6; ++i) {
    double g = tail ? t - std::erfc(y) : std::erf(y) - a;
    double r = g / (kTwoOverSqrtPi * std::exp(-y * y));
    double step = r / (1.0 + y * r);
    y -= step;
    if (!(std::fabs(step) > std::fabs(y) * 0x1p-60)) break;
  }
  return std::copysign(y, x);
}

namespace {

double logistic(double x) {
  // exp of a negative argument never overflows; the two forms agree at 0.
  if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
  double e = std::exp(x);
  return e / (1.0 + e);
}

double apply(Float64Fn fn, double x) {
  switch (fn) {
    case Float64Fn::kExp: return std::exp(x);
    case Float64Fn::kSin: return std::sin(x);
    case Float64Fn::kCos: return std::cos(x);
    case Float64Fn::kErf: return std::erf(x);
    case Float64Fn::kErfc: return std::erfc(x);
    case Float64Fn::kErfInv: return erfinv_double(x);
    case Float64Fn::kCbrt: return std::cbrt(x);
    case Float64Fn::kLogistic: return logistic(x);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

const char* fn_name(Float64Fn fn) {
  switch (fn) {
    case Float64Fn::kExp: return "ApplejaxFloat64Exp";
    case Float64Fn::kSin: return "ApplejaxFloat64Sin";
    case Float64Fn::kCos: return "ApplejaxFloat64Cos";
    case Float64Fn::kErf: return "ApplejaxFloat64Erf";
    case Float64Fn::kErfc: return "ApplejaxFloat64Erfc";
    case Float64Fn::kErfInv: return "ApplejaxFloat64ErfInv";
    case Float64Fn::kCbrt: return "ApplejaxFloat64Cbrt";
    case Float64Fn::kLogistic: return "ApplejaxFloat64Logistic";
  }
  return "ApplejaxFloat64";
}

// Any input layout (broadcast, transposed, sliced) in, a row-major result
// out: the strided walk spares the copy mx::contiguous would make first.
void apply_strided(Float64Fn fn, const mx::array& in, double* out) {
  const double* x = in.data<double>();
  const size_t n = in.size();
  if (in.flags().row_contiguous) {
    for (size_t i = 0; i < n; ++i) out[i] = apply(fn, x[i]);
    return;
  }
  const mx::Shape& shape = in.shape();
  const mx::Strides& strides = in.strides();
  const int rank = static_cast<int>(shape.size());
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  for (size_t i = 0; i < n; ++i) {
    out[i] = apply(fn, x[offset]);
    for (int d = rank - 1; d >= 0; --d) {  // odometer step, last axis fastest
      offset += strides[d];
      if (++index[d] < shape[d]) break;
      offset -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

class Float64Libm : public mx::UnaryPrimitive {
 public:
  Float64Libm(mx::Stream s, Float64Fn fn) : mx::UnaryPrimitive(s), fn_(fn) {}

  void eval_cpu(const std::vector<mx::array>& in, mx::array& out) override {
    out.set_data(mx::allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    encoder.set_input_array(in[0]);
    encoder.set_output_array(out);
    encoder.dispatch([fn = fn_, x = in[0], o = mx::array::unsafe_weak_copy(out)]() mutable {
      apply_strided(fn, x, o.data<double>());
    });
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    // Unreachable from a program: check_supported refuses float64 on the GPU.
    throw std::runtime_error(std::string(name()) +
                             ": float64 runs on MLX's CPU device only; use float32 on the GPU");
  }

  const char* name() const override { return fn_name(fn_); }
  bool is_equivalent(const mx::Primitive& other) const override {
    auto* o = dynamic_cast<const Float64Libm*>(&other);
    return o && o->fn_ == fn_;
  }
  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& in) override {
    return {in[0].shape()};
  }

 private:
  Float64Fn fn_;
};

}  // namespace

bool is_float64(const mx::array& x) { return x.dtype() == mx::float64; }

mx::array float64_unary(Float64Fn fn, const mx::array& x, mx::StreamOrDevice s) {
  if (!is_float64(x)) throw std::invalid_argument("float64_unary of a non-float64 array");
  return mx::array(x.shape(), mx::float64, std::make_shared<Float64Libm>(mx::to_stream(s), fn),
                   {x});
}

mx::array exp_accurate(const mx::array& x, mx::StreamOrDevice s) {
  return is_float64(x) ? float64_unary(Float64Fn::kExp, x, s) : mx::exp(x, s);
}

// As jax.nn.softmax and log_softmax write them (the forms fuse_softmax
// matched): shift by the max, exponentiate, normalise.
mx::array float64_softmax(const mx::array& x, const std::vector<int>& axes, mx::StreamOrDevice s) {
  mx::array e = exp_accurate(mx::subtract(x, mx::max(x, axes, true, s), s), s);
  return mx::divide(e, mx::sum(e, axes, true, s), s);
}

mx::array float64_log_softmax(const mx::array& x, const std::vector<int>& axes,
                              mx::StreamOrDevice s) {
  mx::array shifted = mx::subtract(x, mx::max(x, axes, true, s), s);
  mx::array total = mx::sum(exp_accurate(shifted, s), axes, true, s);
  return mx::subtract(shifted, mx::log(total, s), s);
}

mx::array float64_attention(const mx::array& q, const mx::array& k, const mx::array& v,
                            double scale, std::string_view mask,
                            const std::optional<mx::array>& bias, mx::StreamOrDevice s) {
  mx::array scores = mx::matmul(q, mx::swapaxes(k, -1, -2, s), s);
  scores = mx::multiply(scores, mx::array(scale, mx::float64), s);
  if (bias) scores = mx::add(scores, *bias, s);
  if (mask == "causal") {
    int t = q.shape(2);
    mx::array row = mx::reshape(mx::arange(t, mx::int32, s), {t, 1}, s);
    mx::array col = mx::reshape(mx::arange(t, mx::int32, s), {1, t}, s);
    mx::array neg_inf(-std::numeric_limits<double>::infinity(), mx::float64);
    scores = mx::where(mx::greater_equal(row, col, s), scores, neg_inf, s);
  }
  return mx::matmul(float64_softmax(scores, {-1}, s), v, s);
}

std::optional<mx::array> float64_composite(std::string_view name, const mx::array& x,
                                           mx::StreamOrDevice s) {
  if (!is_float64(x)) return std::nullopt;
  if (name == "chlo.erf") return float64_unary(Float64Fn::kErf, x, s);
  if (name == "chlo.erf_inv") return float64_unary(Float64Fn::kErfInv, x, s);
  return std::nullopt;
}

}  // namespace applejax::lower
