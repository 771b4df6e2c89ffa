#include "lower/dilation.h"

#include <utility>
#include <vector>

#include <mlx/ops.h>

namespace applejax::lower {

namespace mx = mlx::core;

mx::array dilate_axis(const mx::array& x, int axis, int factor, const mx::array& fill,
                      mx::StreamOrDevice s) {
  const int n = x.shape(axis);
  if (factor == 1 || n == 0) return x;
  // Every element followed by factor - 1 fills ([.., n, factor, ..] merged),
  // less the fills after the last.
  mx::array e = mx::expand_dims(x, axis + 1, s);
  std::vector<std::pair<int, int>> widths(e.ndim(), {0, 0});
  widths[axis + 1] = {0, factor - 1};
  mx::Shape merged = x.shape();
  merged[axis] = n * factor;
  mx::array flat = mx::reshape(mx::pad(e, widths, fill, "constant", s), merged, s);
  mx::Shape start(x.ndim(), 0), stop = merged;
  stop[axis] = static_cast<int>(dilated_extent(n, factor));
  return mx::slice(flat, start, stop, s);
}

}  // namespace applejax::lower
