// lower/float64_math: erfinv_double (which libm lacks) against erf/erfc, and
// float64_unary on the layouts MLX hands a primitive (transposed, broadcast,
// sliced), which its strided walk must read in row-major order.
#include <cmath>
#include <limits>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "lower/float64_math.h"
#include "tests/check.h"

namespace mx = mlx::core;
using applejax::lower::erfinv_double;
using applejax::lower::Float64Fn;
using applejax::lower::float64_unary;

namespace {

double ulp(double x) { return std::nextafter(std::fabs(x), INFINITY) - std::fabs(x); }

}  // namespace

TEST_CASE(erfinv_inverts_erf_in_the_middle) {
  // Where |x| < 0.5, erf(erfinv(x)) lands within two ulps of x.
  for (int i = -1000; i <= 1000; ++i) {
    double x = 0.4999 * i / 1000.0;
    double y = erfinv_double(x);
    CHECK(std::fabs(std::erf(y) - x) <= 2 * ulp(x) + 1e-300);
  }
}

TEST_CASE(erfinv_inverts_erfc_in_the_tails) {
  // Near +-1 the answer is set by t = 1 - |x|, exact there: erfc(|y|) must
  // give t back to the precision y itself carries (2 y^2 ulps, relative).
  int checked = 0;
  for (int i = 0; i <= 520; ++i) {
    double t = std::ldexp(1.0, -1 - i / 10);
    t *= 1.0 + (i % 10) / 10.0 * 0.9;
    if (t >= 0.5) continue;
    double x = 1.0 - t;
    t = 1.0 - x;  // exact (Sterbenz): the t erfinv_double sees
    for (double sign : {1.0, -1.0}) {
      double y = erfinv_double(sign * x);
      CHECK(std::signbit(y) == (sign < 0));
      double back = std::erfc(std::fabs(y));
      CHECK(std::fabs(back - t) <= t * 4e-16 * (2 + 2 * y * y));
      ++checked;
    }
  }
  CHECK(checked > 900);
}

TEST_CASE(erfinv_special_values) {
  CHECK(erfinv_double(0.0) == 0.0 && !std::signbit(erfinv_double(0.0)));
  CHECK(erfinv_double(-0.0) == 0.0 && std::signbit(erfinv_double(-0.0)));
  CHECK(erfinv_double(1.0) == std::numeric_limits<double>::infinity());
  CHECK(erfinv_double(-1.0) == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(erfinv_double(1.5)));
  CHECK(std::isnan(erfinv_double(-1.0000000000000002)));
  CHECK(std::isnan(erfinv_double(std::numeric_limits<double>::quiet_NaN())));
  // erfinv(x) = sqrt(pi)/2 x (1 + pi x^2 / 12 + ...) near 0.
  CHECK(std::fabs(erfinv_double(1e-300) - 8.862269254527580e-301) <= 2 * ulp(8.862269254527580e-301));
  CHECK(std::fabs(erfinv_double(0.5) - 0.4769362762044699) <= 2 * ulp(0.4769362762044699));
}

TEST_CASE(float64_unary_reads_views_in_row_major_order) {
  std::vector<double> v(12);
  for (int i = 0; i < 12; ++i) v[i] = 0.37 * i - 2.0;
  mx::array a(v.data(), {3, 4}, mx::float64);
  mx::StreamOrDevice cpu = mx::Device::cpu;
  struct Case {
    const char* name;
    mx::array view;
  };
  std::vector<Case> cases = {
      {"contiguous", a},
      {"transposed", mx::transpose(a, cpu)},
      {"broadcast", mx::broadcast_to(mx::reshape(a, {3, 1, 4}, cpu), {3, 2, 4}, cpu)},
      {"sliced", mx::slice(a, {0, 1}, {3, 4}, {2, 2}, cpu)},
      {"scalar", mx::array(0.5, mx::float64)},
  };
  for (const Case& c : cases) {
    mx::array got = float64_unary(Float64Fn::kSin, c.view, cpu);
    mx::array want = mx::contiguous(c.view, false, cpu);
    mx::eval({got, want});
    CHECK(got.shape() == c.view.shape());
    const double* g = got.data<double>();
    const double* w = want.data<double>();
    for (size_t i = 0; i < got.size(); ++i)
      if (g[i] != std::sin(w[i])) {
        CHECK(g[i] == std::sin(w[i]));
        break;
      }
  }
}
