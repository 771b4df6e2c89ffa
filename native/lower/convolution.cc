// stablehlo.convolution onto mlx::core::conv_general.
//
// MLX convolves channels-last ([N, spatial..., C] by [O, spatial..., I]), so
// operands are transposed per the dimension numbers and the result is
// transposed back. Negative padding (JAX emits it for the gradients of
// strided convolutions) is applied to the input by hand, after any input
// dilation, since MLX pads only outward. MLX has no complex convolution:
// complex ones are built from real ones (complex_conv), nor an integer
// one (conv_integer.cc). A convolution without spatial dimensions is a
// (grouped) dot: grouped_dot.
#include <cstdint>
#include <string>
#include <utility>

#include <mlx/memory.h>
#include <mlx/ops.h>

#include "lower/conv_integer.h"
#include "lower/dilation.h"
#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/shape_rules.h"

namespace applejax::lower {
namespace {

// One operand's dimension numbers, in MLX's order (batch or output feature,
// spatial..., feature): they must name each of its `rank` dimensions once.
// jaxlib's verifier guarantees that; a damaged artifact gets an error here
// instead of an index out of range.
std::vector<int> layout(const ir::Op& op, const char* operand, int64_t first,
                        const std::vector<int64_t>& spatial, int64_t last, size_t rank) {
  std::vector<int64_t> dims = {first};
  dims.insert(dims.end(), spatial.begin(), spatial.end());
  dims.push_back(last);
  std::vector<bool> seen(rank, false);
  for (int64_t d : dims) {
    if (dims.size() != rank || d < 0 || d >= static_cast<int64_t>(rank) || seen[d])
      fail(op, std::string("the ") + operand + " dimension numbers are not a permutation of its " +
                   std::to_string(rank) + " dimensions");
    seen[d] = true;
  }
  return std::vector<int>(dims.begin(), dims.end());
}

// Window attributes as ints; each must lie in [lowest, 2^31).
std::vector<int> window_ints(const ir::Op& op, std::string_view name, size_t n, int fallback,
                             int64_t lowest) {
  std::vector<int64_t> v = int_list_or(op, name, n, fallback);
  for (int64_t x : v)
    if (x < lowest || x > INT32_MAX)
      fail(op, "attribute '" + std::string(name) + "' has the value " + std::to_string(x) +
                   ", out of range");
  return std::vector<int>(v.begin(), v.end());
}

// Inserts zeros into the spatial axes of `a` ([N, spatial..., C]) by
// `factor`, which then reads all ones.
void dilate_spatial(const ir::Op& op, mx::array& a, std::vector<int>& factor,
                    mx::StreamOrDevice s) {
  for (size_t i = 0; i < factor.size(); ++i) {
    const int axis = static_cast<int>(i) + 1;
    if (static_cast<int64_t>(a.shape(axis)) * factor[i] > INT32_MAX)
      fail(op, "lhs_dilation makes a dimension larger than 2^31");
    a = dilate_axis(a, axis, std::exchange(factor[i], 1), mx::array(0, a.dtype()), s);
  }
}

// Elements of `a` ([N, spatial..., C]) once its spatial axes are dilated by
// `factor`; a double, so the product of huge extents cannot overflow.
double dilated_elements(const mx::array& a, const std::vector<int>& factor) {
  double n = static_cast<double>(a.shape(0)) * a.shape(-1);
  for (size_t i = 0; i < factor.size(); ++i)
    n *= static_cast<double>(dilated_extent(a.shape(static_cast<int>(i) + 1), factor[i]));
  return n;
}

// MLX groups 1-d and 2-d convolutions only; 3-d groups run one by one.
mx::array grouped_conv(const mx::array& x, const mx::array& w, const std::vector<int>& stride,
                       const std::vector<int>& lo, const std::vector<int>& hi,
                       const std::vector<int>& rhs_dil, const std::vector<int>& lhs_dil,
                       int groups, mx::StreamOrDevice s) {
  if (groups == 1 || x.ndim() < 5)
    return mx::conv_general(x, w, stride, lo, hi, rhs_dil, lhs_dil, groups, false, s);
  int c = x.shape(-1) / groups, o = w.shape(0) / groups;
  int last = static_cast<int>(x.ndim()) - 1;
  std::vector<mx::array> parts;
  for (int g = 0; g < groups; ++g) {
    mx::Shape xs(x.ndim(), 0), xe = x.shape();
    xs[last] = g * c;
    xe[last] = (g + 1) * c;
    mx::Shape ws(w.ndim(), 0), we = w.shape();
    ws[0] = g * o;
    we[0] = (g + 1) * o;
    parts.push_back(mx::conv_general(mx::slice(x, xs, xe, s), mx::slice(w, ws, we, s), stride, lo,
                                     hi, rhs_dil, lhs_dil, 1, false, s));
  }
  return mx::concatenate(parts, last, s);
}

// A 0-d convolution of `x` ([N, groups * I]) by `w` ([O, I]): group g's
// outputs are x's g-th slice of I features times w's g-th block of O / groups
// rows, one batched matmul over the groups.
mx::array grouped_dot(const ir::Op& op, const mx::array& x, const mx::array& w, int groups,
                      mx::StreamOrDevice s) {
  int n = x.shape(0), in = w.shape(1), o = w.shape(0);
  if (x.shape(1) != groups * in || o % groups != 0)
    fail(op, "feature_group_count " + std::to_string(groups) + " does not divide the " +
                 std::to_string(x.shape(1)) + " input and " + std::to_string(o) +
                 " output features");
  mx::array xg = mx::transpose(mx::reshape(x, {n, groups, in}, s), {1, 0, 2}, s);
  mx::array wg = mx::transpose(mx::reshape(w, {groups, o / groups, in}, s), {0, 2, 1}, s);
  mx::array y = mx::matmul(xg, wg, s);  // [groups, N, O / groups]
  return mx::reshape(mx::transpose(y, {1, 0, 2}, s), {n, o}, s);
}

// The window and group attributes, read and checked once per op.
struct Conv {
  std::vector<int> stride, lhs_dil, rhs_dil, lo, hi;
  int groups = 1, batch_groups = 1;
};

Conv conv_attrs(const ir::Op& op, size_t nsp) {
  Conv c;
  c.stride = window_ints(op, "window_strides", nsp, 1, 1);
  c.lhs_dil = window_ints(op, "lhs_dilation", nsp, 1, 1);
  c.rhs_dil = window_ints(op, "rhs_dilation", nsp, 1, 1);
  std::vector<int> pad = window_ints(op, "padding", 2 * nsp, 0, INT32_MIN);
  c.lo.resize(nsp);
  c.hi.resize(nsp);
  for (size_t i = 0; i < nsp; ++i) {
    c.lo[i] = pad[2 * i];
    c.hi[i] = pad[2 * i + 1];
  }
  int64_t groups64 = int_attr(op, "feature_group_count");
  int64_t batch_groups64 = int_attr(op, "batch_group_count");
  if (groups64 < 1 || groups64 > INT32_MAX || batch_groups64 < 1 || batch_groups64 > INT32_MAX)
    fail(op, "feature_group_count and batch_group_count must be positive");
  c.groups = static_cast<int>(groups64);
  c.batch_groups = static_cast<int>(batch_groups64);
  if (c.batch_groups > 1 && c.groups != 1)
    fail_unsupported(op, "convolution with both feature_group_count and batch_group_count > 1");
  return c;
}

// One real convolution of channels-last `x` by `w` ([O, spatial..., I]),
// in MLX's layout.
mx::array real_conv(const ir::Op& op, Conv c, mx::array x, mx::array w, mx::StreamOrDevice s) {
  const size_t nsp = c.stride.size();
  bool negative = false;
  for (size_t i = 0; i < nsp; ++i) negative = negative || c.lo[i] < 0 || c.hi[i] < 0;
  if (negative) {
    check_intermediate(op, "the input dilated before cropping", dilated_elements(x, c.lhs_dil),
                       x.dtype());
    dilate_spatial(op, x, c.lhs_dil, s);
    for (size_t i = 0; i < nsp; ++i) {
      int axis = static_cast<int>(i) + 1;
      mx::Shape start(x.ndim(), 0), stop = x.shape();
      start[axis] = std::max(0, -c.lo[i]);
      stop[axis] = std::max(start[axis], x.shape(axis) - std::max(0, -c.hi[i]));
      x = mx::slice(x, start, stop, s);
      c.lo[i] = std::max(0, c.lo[i]);
      c.hi[i] = std::max(0, c.hi[i]);
    }
  }
  // Cropping can leave no input, or a padded input shorter than the
  // kernel (JAX's gradients of zero-length or strided convolutions do):
  // then there are no windows, or every window sees only padding zeros.
  // MLX refuses both; the result is zeros.
  mx::Shape windows = {x.shape(0) / c.batch_groups};
  bool none = x.size() == 0;
  for (size_t i = 0; i < nsp; ++i) {
    int axis = static_cast<int>(i) + 1;
    int64_t padded = dilated_extent(x.shape(axis), c.lhs_dil[i]) + c.lo[i] + c.hi[i];
    int64_t span = dilated_extent(w.shape(axis), c.rhs_dil[i]);
    windows.push_back(static_cast<int>(padded < span ? 0 : (padded - span) / c.stride[i] + 1));
    none = none || padded < span;
  }
  windows.push_back(w.shape(0));
  if (none) return mx::zeros(windows, x.dtype(), s);
  if (mx::to_stream(s).device.type == mx::Device::cpu) {
    // MLX's CPU convolution takes its GEMM (BLAS) path only without
    // dilations and otherwise loops element by element, 50-100x slower: the
    // input and kernel gradients of every strided convolution land there.
    // Inserting the zeros by hand costs memory and wasted multiplies but
    // keeps BLAS -- while the dilated copy stays small beside MLX's memory
    // limit; past that, MLX's own dilation is slow but allocates nothing.
    const double budget = static_cast<double>(mx::get_memory_limit()) / 8;
    if (dilated_elements(x, c.lhs_dil) * x.itemsize() <= budget)
      dilate_spatial(op, x, c.lhs_dil, s);
    if (dilated_elements(w, c.rhs_dil) * w.itemsize() <= budget)
      dilate_spatial(op, w, c.rhs_dil, s);
  }
  int groups = c.groups;
  if (c.batch_groups > 1) {
    // The kernel gradient of a grouped convolution. Batch group g convolves
    // with output-feature group g; moving the batch groups next to the
    // channels makes that an ordinary grouped convolution.
    int batch_groups = c.batch_groups;
    int n = x.shape(0);
    if (n % batch_groups != 0) fail(op, "batch size is not a multiple of batch_group_count");
    mx::Shape split = x.shape();
    split[0] = n / batch_groups;
    split.insert(split.begin(), batch_groups);
    mx::array g = mx::reshape(x, split, s);
    std::vector<int> perm;
    for (int i = 1; i < static_cast<int>(g.ndim()) - 1; ++i) perm.push_back(i);
    perm.push_back(0);
    perm.push_back(static_cast<int>(g.ndim()) - 1);
    g = mx::transpose(g, perm, s);
    mx::Shape merged = x.shape();
    merged[0] = n / batch_groups;
    merged.back() *= batch_groups;
    x = mx::reshape(g, merged, s);
    groups = batch_groups;
  }
  if (!mx::issubdtype(x.dtype(), mx::inexact))
    return integer_conv(op, x, w, c.stride, c.lo, c.hi, c.rhs_dil, c.lhs_dil, groups, s);
  if (nsp == 0) return grouped_dot(op, x, w, groups, s);
  return grouped_conv(x, w, c.stride, c.lo, c.hi, c.rhs_dil, c.lhs_dil, groups, s);
}

// real_conv of each of `xs` by the same kernel. Without batch groups the
// batch axis is free, so the inputs are stacked along it and convolved as
// one: one kernel launch instead of several.
std::vector<mx::array> real_convs(const ir::Op& op, const Conv& c, const std::vector<mx::array>& xs,
                                  const mx::array& w, mx::StreamOrDevice s) {
  std::vector<mx::array> out;
  if (xs.size() == 1 || c.batch_groups > 1) {
    for (const mx::array& x : xs) out.push_back(real_conv(op, c, x, w, s));
    return out;
  }
  mx::array y = real_conv(op, c, mx::concatenate(xs, 0, s), w, s);
  int n = xs[0].shape(0);
  for (size_t i = 0; i < xs.size(); ++i) {
    mx::Shape start(y.ndim(), 0), stop = y.shape();
    start[0] = static_cast<int>(i) * n;
    stop[0] = static_cast<int>(i + 1) * n;
    out.push_back(mx::slice(y, start, stop, s));
  }
  return out;
}

// A complex convolution from real ones: (a + ib) * (c + id) = (ac - bd) +
// i(ad + bc), each product one real convolution (two launches where the
// real and imaginary inputs can share a stacked batch). Gauss's form,
// re = (a + b)c - b(c + d), im = (a + b)c + a(d - c), saves a quarter of the
// multiplies, and JAX lowers cpu's and gpu's complex convolutions that way,
// but its error is relative to the larger of the two parts: an imaginary
// part 10^6 times smaller than the real one comes out ~10% wrong in
// float32. The four products keep each part to float32 rounding, and agree
// with cpu within cpu's own error bound (test_conv_complex.py checks both).
mx::array complex_conv(const ir::Op& op, const Conv& c, const mx::array& x, const mx::array& w,
                       mx::StreamOrDevice s) {
  std::vector<mx::array> ab = {mx::real(x, s), mx::imag(x, s)};
  std::vector<mx::array> by_c = real_convs(op, c, ab, mx::real(w, s), s);  // ac, bc
  std::vector<mx::array> by_d = real_convs(op, c, ab, mx::imag(w, s), s);  // ad, bd
  mx::array re = mx::subtract(by_c[0], by_d[1], s);
  mx::array im = mx::add(by_d[0], by_c[1], s);
  mx::array i = mx::array(mx::complex64_t{0, 1});
  return mx::add(mx::astype(re, mx::complex64, s),
                 mx::multiply(mx::astype(im, mx::complex64, s), i, s), s);
}

// The type a convolution computes in: the result's (XLA widens integer
// operands to a wider preferred_element_type before multiplying), int32 for
// a boolean one, whose OR of ANDs is a sum of products that is not 0.
mx::Dtype working_dtype(mx::Dtype operand, mx::Dtype result) {
  if (result == mx::bool_) return mx::int32;
  if (mx::issubdtype(operand, mx::inexact) && !mx::issubdtype(result, mx::inexact)) return operand;
  return result;
}

Values convolution(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  std::vector<int64_t> in_spatial = int_list(op, "input_spatial_dimensions");
  std::vector<int64_t> k_spatial = int_list(op, "kernel_spatial_dimensions");
  std::vector<int64_t> out_spatial = int_list(op, "output_spatial_dimensions");
  size_t nsp = in_spatial.size();
  if (nsp > 3) fail_unsupported(op, std::to_string(nsp) + "-d convolution (MLX does 1-3)");
  if (const ir::Attribute* rev = op.attr("window_reversal"))
    for (int64_t r : rev->ints())
      if (r) fail_unsupported(op, "convolution with window_reversal");

  const size_t rank = nsp + 2;
  if (in[0].ndim() != rank || in[1].ndim() != rank)
    fail(op, "operands must have rank " + std::to_string(rank) + " for a " +
                 std::to_string(nsp) + "-d convolution");
  std::vector<int> perm_in = layout(op, "input", int_attr(op, "input_batch_dimension"), in_spatial,
                                    int_attr(op, "input_feature_dimension"), rank);
  std::vector<int> perm_k =
      layout(op, "kernel", int_attr(op, "kernel_output_feature_dimension"), k_spatial,
             int_attr(op, "kernel_input_feature_dimension"), rank);
  std::vector<int> perm_res =
      layout(op, "output", int_attr(op, "output_batch_dimension"), out_spatial,
             int_attr(op, "output_feature_dimension"), rank);
  Conv c = conv_attrs(op, nsp);
  mx::Dtype out = result_dtype(em, op);
  // StableHLO gives both operands and the result the same kind of element
  // type (jaxlib's verifier refuses f32 by complex<f32>).
  bool complex = mx::issubdtype(in[0].dtype(), mx::complexfloating);
  if (complex != mx::issubdtype(in[1].dtype(), mx::complexfloating) ||
      complex != mx::issubdtype(out, mx::complexfloating))
    fail(op, "operands and result mix complex and real element types (malformed program)");
  // Empty operands: every output sums over nothing (and MLX's CPU kernel
  // divides by the channel count).
  if (in[0].size() == 0 || in[1].size() == 0)
    return {mx::zeros(result_shape(em, op), out, s)};
  mx::array x = mx::transpose(in[0], perm_in, s);
  mx::array w = mx::transpose(in[1], perm_k, s);
  mx::array y = [&] {
    if (complex) return complex_conv(op, c, x, w, s);
    mx::Dtype work = working_dtype(x.dtype(), out);
    mx::array r = real_conv(op, c, mx::astype(x, work, s), mx::astype(w, work, s), s);
    return out == mx::bool_ ? mx::not_equal(r, mx::array(0, work), s) : r;
  }();

  std::vector<int> perm_out(rank);
  for (size_t i = 0; i < rank; ++i) perm_out[perm_res[i]] = static_cast<int>(i);
  return {mx::transpose(y, perm_out, s)};
}

}  // namespace

void register_convolution(Registry& r) { r.add("stablehlo.convolution", convolution); }

}  // namespace applejax::lower
