// stablehlo.reduce_window: pooling and cumulative reductions.
//
// A window that spans a whole axis with padding (size - 1, 0) is a
// cumulative reduction (JAX's cumsum/cummax on CPU-like backends) and maps
// onto MLX's scans. Other windows become a strided view [out..., window...]
// of the padded input, reduced over the window axes.
#include <mlx/ops.h>

#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/region_patterns.h"

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

Values reduce_window(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  if (in.size() != 2) fail_unsupported(op, "variadic reduce_window");
  const mx::array &x = in[0], &init = in[1];
  std::string body = binary_body(op.regions.at(0));
  bool known = body == "stablehlo.add" || body == "stablehlo.multiply" ||
               body == "stablehlo.maximum" || body == "stablehlo.minimum" ||
               ((body == "stablehlo.and" || body == "stablehlo.or") && x.dtype() == mx::bool_);
  if (!known) fail_unsupported(op, body.empty() ? "reduce_window with a general body" : "reduce_window with body " + body);
  size_t r = x.ndim();
  std::vector<int64_t> window = int_list(op, "window_dimensions");
  std::vector<int64_t> strides = int_list_or(op, "window_strides", r, 1);
  std::vector<int64_t> base_dil = int_list_or(op, "base_dilations", r, 1);
  std::vector<int64_t> win_dil = int_list_or(op, "window_dilations", r, 1);
  std::vector<int64_t> pad = int_list_or(op, "padding", 2 * r, 0);
  if (window.size() != r) fail(op, "window_dimensions does not match the operand rank");
  for (size_t d = 0; d < r; ++d)
    if (base_dil[d] != 1) fail_unsupported(op, "reduce_window with base dilation");

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

  // Pad with the init value (negative padding crops).
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
  padded = mx::contiguous(mx::pad(padded, widths, init_v, "constant", s), false, s);
  mx::Shape shape;
  mx::Strides elem_strides(r);
  int64_t acc = 1;
  for (size_t d = r; d-- > 0;) {
    elem_strides[d] = acc;
    acc *= padded.shape(static_cast<int>(d));
  }
  mx::Strides view_strides;
  mx::Shape out = result_shape(em, op);
  for (size_t d = 0; d < r; ++d) {
    shape.push_back(out[d]);
    view_strides.push_back(elem_strides[d] * strides[d]);
  }
  std::vector<int> axes;
  for (size_t d = 0; d < r; ++d) {
    shape.push_back(static_cast<int>(window[d]));
    view_strides.push_back(elem_strides[d] * win_dil[d]);
    axes.push_back(static_cast<int>(r + d));
  }
  for (int e : out)
    if (e == 0) return {mx::broadcast_to(init_v, out, s)};
  mx::array view = mx::as_strided(padded, shape, view_strides, 0, s);
  return {apply(body, combine_window(body, view, axes, s), init_v, s)};
}

}  // namespace

void register_reduce_window(Registry& r) { r.add("stablehlo.reduce_window", reduce_window); }

}  // namespace applejax::lower
