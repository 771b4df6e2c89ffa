// Integer convolution, one kernel tap at a time.
//
// XLA's integer convolution is exact arithmetic modulo 2^bits. Computing it
// in float32 is not: an int32 sum of products passes 2^24 after a handful of
// terms, and float64 exists on MLX's CPU only. MLX's matmul and conv take
// floating types only, but its integer multiply and sum are exact and wrap,
// so each tap of the kernel contributes a strided slice of the input times
// that tap's [groups, O / groups, I] weights, summed over I; the taps are
// added up in the operand dtype. Sums over wider intermediates would agree:
// wrapping commutes with + and *.
#include "lower/conv_integer.h"

#include <cstdint>
#include <optional>
#include <string>

#include <mlx/ops.h>

#include "lower/dilation.h"
#include "lower/errors.h"
#include "lower/shape_rules.h"

namespace applejax::lower {

namespace mx = mlx::core;

mx::array integer_conv(const ir::Op& op, mx::array x, const mx::array& w,
                       const std::vector<int>& stride, const std::vector<int>& lo,
                       const std::vector<int>& hi, const std::vector<int>& rhs_dil,
                       const std::vector<int>& lhs_dil, int groups, mx::StreamOrDevice s) {
  const mx::Dtype dtype = x.dtype();
  const int nsp = static_cast<int>(x.ndim()) - 2;
  const mx::array zero(0, dtype);
  // The input as the kernel sees it: dilated, then padded.
  for (int i = 0; i < nsp; ++i) {
    if (static_cast<int64_t>(x.shape(i + 1)) * lhs_dil[i] + lo[i] + hi[i] > INT32_MAX)
      fail(op, "lhs_dilation and padding make a dimension larger than 2^31");
    x = dilate_axis(x, i + 1, lhs_dil[i], zero, s);
  }
  if (nsp > 0) {
    std::vector<int> axes;
    for (int i = 0; i < nsp; ++i) axes.push_back(i + 1);
    x = mx::pad(x, axes, mx::Shape(lo.begin(), lo.end()), mx::Shape(hi.begin(), hi.end()), zero,
                "constant", s);
  }
  const int n = x.shape(0), c = x.shape(-1), o = w.shape(0), in_per_group = w.shape(-1);
  if (groups < 1 || c != groups * in_per_group || o % groups != 0)
    fail(op, "the input has " + std::to_string(c) + " features and the kernel " +
                 std::to_string(o) + " x " + std::to_string(in_per_group) +
                 ", which feature_group_count " + std::to_string(groups) + " does not divide");
  const int out_per_group = o / groups;
  mx::Shape out_shape = {n};
  mx::Shape taps;  // kernel extent along each spatial axis
  double per_tap = static_cast<double>(n) * o * in_per_group;
  for (int i = 0; i < nsp; ++i) {
    int64_t span = dilated_extent(w.shape(i + 1), rhs_dil[i]);
    int64_t padded = x.shape(i + 1);
    int64_t windows = padded < span ? 0 : (padded - span) / stride[i] + 1;
    out_shape.push_back(static_cast<int>(windows));
    taps.push_back(w.shape(i + 1));
    per_tap *= static_cast<double>(windows);
  }
  out_shape.push_back(o);
  int64_t out_size = 1;
  for (int d : out_shape) out_size *= d;
  if (out_size == 0) return mx::zeros(out_shape, dtype, s);
  check_intermediate(op, "one kernel tap's products", per_tap, dtype);

  // [N, spatial..., groups, 1, I] against [spatial..., groups, O / groups, I].
  mx::Shape xs = x.shape();
  xs.back() = groups;
  xs.push_back(1);
  xs.push_back(in_per_group);
  x = mx::reshape(x, xs, s);
  mx::Shape ws = {groups, out_per_group};
  ws.insert(ws.end(), taps.begin(), taps.end());
  ws.push_back(in_per_group);
  std::vector<int> taps_first;
  for (int i = 0; i < nsp; ++i) taps_first.push_back(i + 2);
  taps_first.insert(taps_first.end(), {0, 1, nsp + 2});
  mx::array wt = mx::transpose(mx::reshape(w, ws, s), taps_first, s);

  std::optional<mx::array> acc;
  std::vector<int> tap(nsp, 0);
  while (true) {
    mx::Shape start(x.ndim(), 0), stop = x.shape(), step(x.ndim(), 1);
    mx::Shape wstart(wt.ndim(), 0), wstop = wt.shape();
    for (int i = 0; i < nsp; ++i) {
      start[i + 1] = tap[i] * rhs_dil[i];
      stop[i + 1] = start[i + 1] + (out_shape[i + 1] - 1) * stride[i] + 1;
      step[i + 1] = stride[i];
      wstart[i] = tap[i];
      wstop[i] = tap[i] + 1;
    }
    mx::array window = mx::slice(x, start, stop, step, s);
    mx::array weights =
        mx::reshape(mx::slice(wt, wstart, wstop, s), {groups, out_per_group, in_per_group}, s);
    mx::array term = mx::astype(mx::sum(mx::multiply(window, weights, s), -1, false, s), dtype, s);
    acc = acc ? mx::add(*acc, term, s) : term;
    int i = nsp - 1;
    while (i >= 0 && ++tap[i] == taps[i]) tap[i--] = 0;
    if (i < 0) break;
  }
  return mx::reshape(*acc, out_shape, s);
}

}  // namespace applejax::lower
