// stablehlo.reduce_window: pooling and cumulative reductions.
//
// A window that spans a whole axis with padding (size - 1, 0) is a
// cumulative reduction (JAX's cumsum/cummax on CPU-like backends) and maps
// onto MLX's scans. Other windows become a strided view [out..., window...]
// of the padded input, reduced over the window axes; bodies other than one
// binary op fold the view one window position at a time.
#include <algorithm>
#include <cstdint>

#include <mlx/ops.h>

#include "lower/dilation.h"
#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/region_patterns.h"
#include "lower/shape_rules.h"

namespace applejax::lower {
namespace {

mx::array combine_scan(const std::string& body, const mx::array& x, int axis, bool reverse,
                       mx::StreamOrDevice s) {
  if (body == "stablehlo.add") return mx::cumsum(x, axis, reverse, true, std::nullopt, s);
  if (body == "stablehlo.multiply") return mx::cumprod(x, axis, reverse, true, std::nullopt, s);
  if (body == "stablehlo.maximum") return mx::cummax(x, axis, reverse, true, s);
  return mx::cummin(x, axis, reverse, true, s);
}

mx::array combine_window(const std::string& body, const mx::array& v, const std::vector<int>& axes,
                         mx::StreamOrDevice s) {
  if (body == "stablehlo.add") return mx::sum(v, axes, false, s);
  if (body == "stablehlo.multiply") return mx::prod(v, axes, false, s);
  if (body == "stablehlo.maximum") return mx::max(v, axes, false, s);
  if (body == "stablehlo.minimum") return mx::min(v, axes, false, s);
  if (body == "stablehlo.and") return mx::all(v, axes, false, s);
  return mx::any(v, axes, false, s);
}

mx::array apply(const std::string& body, const mx::array& a, const mx::array& b, mx::StreamOrDevice s) {
  if (body == "stablehlo.add") return mx::add(a, b, s);
  if (body == "stablehlo.multiply") return mx::multiply(a, b, s);
  if (body == "stablehlo.maximum") return mx::maximum(a, b, s);
  if (body == "stablehlo.minimum") return mx::minimum(a, b, s);
  if (body == "stablehlo.and") return mx::logical_and(a, b, s);
  return mx::logical_or(a, b, s);
}

struct Window {
  std::vector<int64_t> size, strides, dilation, padding;
};

// The padded input (padded with `init`; negative padding crops) seen as
// [out..., window...]: element (o, w) is the w-th element of output o's window.
mx::array window_view(const mx::array& x, const mx::array& init, const Window& win,
                      const mx::Shape& out, mx::StreamOrDevice s) {
  size_t r = x.ndim();
  const auto& pad = win.padding;
  std::vector<std::pair<int, int>> widths(r);
  mx::array padded = x;
  for (size_t d = 0; d < r; ++d) {
    int axis = static_cast<int>(d);
    mx::Shape start(r, 0), stop = padded.shape();
    start[d] = static_cast<int>(std::max<int64_t>(0, -pad[2 * d]));
    stop[d] = std::max(start[d], padded.shape(axis) - static_cast<int>(std::max<int64_t>(0, -pad[2 * d + 1])));
    padded = mx::slice(padded, start, stop, s);
    widths[d] = {static_cast<int>(std::max<int64_t>(0, pad[2 * d])), static_cast<int>(std::max<int64_t>(0, pad[2 * d + 1]))};
  }
  padded = mx::contiguous(mx::pad(padded, widths, init, "constant", s), false, s);
  mx::Shape shape;
  mx::Strides elem_strides(r);
  int64_t acc = 1;
  for (size_t d = r; d-- > 0;) {
    elem_strides[d] = acc;
    acc *= padded.shape(static_cast<int>(d));
  }
  mx::Strides view_strides;
  for (size_t d = 0; d < r; ++d) {
    shape.push_back(out[d]);
    view_strides.push_back(elem_strides[d] * win.strides[d]);
  }
  for (size_t d = 0; d < r; ++d) {
    shape.push_back(static_cast<int>(win.size[d]));
    view_strides.push_back(elem_strides[d] * win.dilation[d]);
  }
  return mx::as_strided(padded, shape, view_strides, 0, s);
}

// Any body over any number of operands: the body folds the window's
// elements into the accumulators one window position at a time, in
// row-major window order as XLA does. Costs one body per window element, so
// it is capped.
constexpr int64_t kMaxFoldedWindow = 1024;

Values fold_windows(Emitter& em, const ir::Op& op, const Values& in, const Window& win) {
  auto s = em.stream();
  size_t k = in.size() / 2, r = in[0].ndim();
  int64_t elements = 1;
  // Saturates at 2^40, so huge windows cannot overflow the product (window
  // sizes are at least 1: check_window).
  constexpr int64_t kHuge = int64_t{1} << 40;
  for (int64_t w : win.size) elements = elements > kHuge / w ? kHuge : elements * w;
  if (elements > kMaxFoldedWindow)
    fail_unsupported(op, "reduce_window with a general body over " + std::to_string(elements) +
                             " window elements (at most " + std::to_string(kMaxFoldedWindow) + ")");
  Values views, acc;
  for (size_t j = 0; j < k; ++j) {
    mx::Shape out = result_shape(em, op, j);
    mx::array init = mx::astype(in[k + j], in[j].dtype(), s);
    acc.push_back(mx::broadcast_to(init, out, s));
    for (int e : out)
      if (e == 0) elements = 0;
    if (elements) views.push_back(window_view(in[j], init, win, out, s));
  }
  std::vector<int64_t> pos(r, 0);
  for (int64_t e = 0; e < elements; ++e) {
    Values args = acc;
    for (size_t j = 0; j < k; ++j) {
      mx::Shape start(2 * r, 0), stop = views[j].shape();
      for (size_t d = 0; d < r; ++d) {
        start[r + d] = static_cast<int>(pos[d]);
        stop[r + d] = static_cast<int>(pos[d] + 1);
      }
      args.push_back(mx::reshape(mx::slice(views[j], start, stop, s), acc[j].shape(), s));
    }
    acc = em.run_region_elementwise(op.regions.at(0), args);
    if (acc.size() != k) fail(op, "the body returns the wrong number of values");
    for (size_t d = r; d-- > 0;) {
      if (++pos[d] < win.size[d]) break;
      pos[d] = 0;
    }
  }
  return acc;
}

// Inserts (factor - 1) copies of `fill` between neighbours along each axis
// (check_window bounded the spread extents below 2^31).
mx::array dilate(const mx::array& x, const mx::array& fill, const std::vector<int64_t>& factor,
                 mx::StreamOrDevice s) {
  mx::array out = x;
  for (int axis = 0; axis < static_cast<int>(x.ndim()); ++axis)
    out = dilate_axis(out, axis, static_cast<int>(factor[axis]), fill, s);
  return out;
}

Values reduce_spread_windows(Emitter& em, const ir::Op& op, const Values& in, const std::string& body,
                             bool known, const std::vector<int64_t>& window,
                             const std::vector<int64_t>& strides, const std::vector<int64_t>& win_dil,
                             const std::vector<int64_t>& pad) {
  auto s = em.stream();
  const mx::array &x = in[0], &init = in[in.size() / 2];
  size_t r = x.ndim();
  if (!known) return fold_windows(em, op, in, {window, strides, win_dil, pad});

  // Cumulative: one axis with a full-length window padded on one side.
  int scan_axis = -1;
  bool reverse = false, scan = body != "stablehlo.and" && body != "stablehlo.or";
  for (size_t d = 0; d < r && scan; ++d) {
    int64_t n = x.shape(static_cast<int>(d));
    bool trivial = window[d] == 1 && pad[2 * d] == 0 && pad[2 * d + 1] == 0 && strides[d] == 1;
    bool full = n > 1 && window[d] == n && strides[d] == 1 && win_dil[d] == 1 &&
                ((pad[2 * d] == n - 1 && pad[2 * d + 1] == 0) || (pad[2 * d] == 0 && pad[2 * d + 1] == n - 1));
    if (full && scan_axis < 0) {
      scan_axis = static_cast<int>(d);
      reverse = pad[2 * d] == 0;
    } else if (!trivial) {
      scan = false;
    }
  }
  mx::array init_v = mx::astype(init, x.dtype(), s);
  if (scan && scan_axis >= 0)
    return {apply(body, combine_scan(body, x, scan_axis, reverse, s), init_v, s)};

  mx::Shape out = result_shape(em, op);
  for (int e : out)
    if (e == 0) return {mx::broadcast_to(init_v, out, s)};
  std::vector<int> axes;
  for (size_t d = 0; d < r; ++d) axes.push_back(static_cast<int>(r + d));
  mx::array view = window_view(x, init_v, {window, strides, win_dil, pad}, out, s);
  return {apply(body, combine_window(body, view, axes, s), init_v, s)};
}

Values reduce_window(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  if (in.size() < 2 || in.size() % 2) fail(op, "reduce_window needs operands and as many inits");
  const mx::array& x = in[0];
  std::string body = in.size() == 2 ? binary_body(op.regions.at(0)) : "";
  bool known = body == "stablehlo.add" || body == "stablehlo.multiply" ||
               body == "stablehlo.maximum" || body == "stablehlo.minimum" ||
               ((body == "stablehlo.and" || body == "stablehlo.or") && x.dtype() == mx::bool_);
  size_t r = x.ndim();
  std::vector<int64_t> window = int_list(op, "window_dimensions");
  std::vector<int64_t> strides = int_list_or(op, "window_strides", r, 1);
  std::vector<int64_t> base_dil = int_list_or(op, "base_dilations", r, 1);
  std::vector<int64_t> win_dil = int_list_or(op, "window_dilations", r, 1);
  std::vector<int64_t> pad = int_list_or(op, "padding", 2 * r, 0);
  if (window.size() != r) fail(op, "window_dimensions does not match the operand rank");
  for (size_t j = 0; j < in.size() / 2; ++j)
    check_window(op, in[j].shape(), {window, strides, base_dil, win_dil, pad},
                 result_shape(em, op, j));
  bool dilated = false;
  for (size_t d = 0; d < r; ++d) dilated = dilated || base_dil[d] != 1;
  // The dilated, padded operand is materialised; small operands with large
  // dilations make it far larger than anything the program declares.
  double padded = 1;
  for (size_t d = 0; d < r; ++d) {
    padded *= static_cast<double>(dilated_extent(x.shape(static_cast<int>(d)), base_dil[d])) +
              std::max<double>(0, static_cast<double>(pad[2 * d])) +
              std::max<double>(0, static_cast<double>(pad[2 * d + 1]));
  }
  check_intermediate(op, "the dilated, padded operand", padded * static_cast<double>(in.size() / 2),
                     x.dtype());
  if (dilated) {
    // Base dilation (JAX's transpose of a strided window sum) spreads the
    // operand out with init values between its elements.
    Values spread = in;
    for (size_t j = 0; j < in.size() / 2; ++j)
      spread[j] = dilate(in[j], mx::astype(in[in.size() / 2 + j], in[j].dtype(), s), base_dil, s);
    return reduce_spread_windows(em, op, spread, body, known, window, strides, win_dil, pad);
  }
  return reduce_spread_windows(em, op, in, body, known, window, strides, win_dil, pad);
}

}  // namespace

void register_reduce_window(Registry& r) { r.add("stablehlo.reduce_window", reduce_window); }

}  // namespace applejax::lower
