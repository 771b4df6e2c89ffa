// stablehlo.select_and_scatter: the gradient of max/min pooling. Each
// window of the operand selects one element (the first maximum for a GE
// selector, the first minimum for LE) and the window's source value is added
// there.
#include <mlx/ops.h>

#include <cstdint>
#include <limits>

#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/region_patterns.h"
#include "lower/shape_rules.h"

namespace applejax::lower {
namespace {

// "GE"/"GT"/"LE"/"LT" for a selector `return compare(a, b)`, else "".
std::string selector(const ir::Region& body) {
  if (binary_body(body) != "stablehlo.compare") return "";
  const ir::Op& cmp = body.blocks.front().ops.front();
  if (cmp.operands[0] != body.blocks.front().arguments[0]) return "";
  const ir::Attribute* dir = cmp.attr("comparison_direction");
  return dir ? dir->s : "";
}

Values select_and_scatter(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  const mx::array &x = in.at(0), &source = in.at(1), &init = in.at(2);
  std::string dir = selector(op.regions.at(0));
  bool take_max = dir == "GE" || dir == "GT";
  if (!take_max && dir != "LE" && dir != "LT")
    fail_unsupported(op, "select_and_scatter with a general select function");
  if (binary_body(op.regions.at(1)) != "stablehlo.add")
    fail_unsupported(op, "select_and_scatter with a scatter function other than add");
  int r = static_cast<int>(x.ndim());
  std::vector<int64_t> window = int_list(op, "window_dimensions");
  if (static_cast<int>(window.size()) != r) fail(op, "window_dimensions does not match the operand rank");
  std::vector<int64_t> strides = int_list_or(op, "window_strides", r, 1);
  std::vector<int64_t> pad = int_list_or(op, "padding", 2 * r, 0);
  check_range(op, "padding", pad, 0);
  check_window(op, x.shape(), {window, strides, std::vector<int64_t>(r, 1), std::vector<int64_t>(r, 1), pad},
               source.shape());

  // Padding never wins the selection.
  mx::array fill = take_max ? mx::array(-std::numeric_limits<float>::infinity())
                            : mx::array(std::numeric_limits<float>::infinity());
  std::vector<std::pair<int, int>> widths;
  for (int d = 0; d < r; ++d) widths.push_back({static_cast<int>(pad[2 * d]), static_cast<int>(pad[2 * d + 1])});
  mx::array padded = mx::contiguous(mx::pad(x, widths, mx::astype(fill, x.dtype(), s), "constant", s), false, s);
  mx::Strides elem(r);
  int64_t acc = 1;
  for (int d = r - 1; d >= 0; --d) {
    elem[d] = acc;
    acc *= padded.shape(d);
  }
  mx::Shape out = source.shape(), shape = source.shape();
  mx::Strides view_strides;
  for (int d = 0; d < r; ++d) view_strides.push_back(elem[d] * strides[d]);
  int64_t wsize = 1;
  for (int d = 0; d < r; ++d) {
    shape.push_back(static_cast<int>(window[d]));
    view_strides.push_back(elem[d]);
    if (wsize > INT32_MAX / window[d]) fail(op, "the window has 2^31 or more elements");
    wsize *= window[d];
  }
  if (source.size() == 0) return {mx::broadcast_to(mx::astype(init, x.dtype(), s), x.shape(), s)};
  mx::Shape flat_shape = out;
  flat_shape.push_back(static_cast<int>(wsize));
  mx::array windows = mx::reshape(mx::as_strided(padded, shape, view_strides, 0, s), flat_shape, s);
  mx::array pick = take_max ? mx::argmax(windows, -1, false, s) : mx::argmin(windows, -1, false, s);
  pick = mx::astype(pick, mx::int32, s);
  // Position of the picked element in the padded operand: window origin
  // plus the offset of the picked window element.
  mx::array pos = mx::zeros(out, mx::int32, s);
  mx::array rest = pick;
  int64_t inner = wsize;
  for (int d = 0; d < r; ++d) {
    inner /= window[d];
    mx::array wi = mx::floor_divide(rest, mx::array(static_cast<int>(inner)), s);
    rest = mx::remainder(rest, mx::array(static_cast<int>(inner)), s);
    mx::Shape line(r, 1);
    line[d] = out[d];
    mx::array origin = mx::reshape(mx::multiply(mx::arange(out[d], mx::int32, s), mx::array(static_cast<int>(strides[d])), s), line, s);
    pos = mx::add(pos, mx::multiply(mx::add(origin, wi, s), mx::array(static_cast<int>(elem[d])), s), s);
  }
  mx::array base = mx::zeros({static_cast<int>(acc)}, source.dtype(), s);
  mx::array summed = mx::scatter_add(base, mx::reshape(pos, {-1}, s), mx::reshape(source, {-1, 1}, s), 0, s);
  mx::array grid = mx::reshape(summed, padded.shape(), s);
  mx::Shape start(r), stop(r);
  for (int d = 0; d < r; ++d) {
    start[d] = static_cast<int>(pad[2 * d]);
    stop[d] = start[d] + x.shape(d);
  }
  mx::array cropped = mx::slice(grid, start, stop, s);
  return {mx::add(cropped, mx::astype(init, cropped.dtype(), s), s)};
}

}  // namespace

void register_select_and_scatter(Registry& r) { r.add("stablehlo.select_and_scatter", select_and_scatter); }

}  // namespace applejax::lower
