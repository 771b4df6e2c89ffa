// stablehlo.fft onto mlx::core::fft over the trailing len(fft_length) axes.
// Both use the unnormalised forward and 1/n inverse convention.
#include <mlx/fft.h>
#include <mlx/ops.h>

#include "lower/dtype.h"
#include "lower/emitter.h"
#include "lower/errors.h"

namespace applejax::lower {
namespace {

Values fft(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  const ir::Attribute* type = op.attr("fft_type");
  if (!type) fail(op, "fft without fft_type");
  std::vector<int64_t> length = int_list(op, "fft_length");
  int rank = static_cast<int>(in[0].ndim());
  int k = static_cast<int>(length.size());
  if (k < 1 || k > rank) fail(op, "fft_length does not fit the operand");
  std::vector<int> axes;
  mx::Shape n;
  for (int i = 0; i < k; ++i) {
    axes.push_back(rank - k + i);
    n.push_back(static_cast<int>(length[i]));
  }
  const std::string& t = type->s;
  mx::array x = in[0];
  if (x.dtype() == mx::float64 || (mx::issubdtype(x.dtype(), mx::complexfloating) && x.dtype() != mx::complex64))
    fail_unsupported(op, "double-precision FFT");
  // MLX refuses transforms of empty arrays; their result is empty too.
  if (op.results.size() == 1 && em.type_of(op.results[0]).num_elements() == 0) {
    const ir::Type& out = em.type_of(op.results[0]);
    auto dtype = to_mlx(out.element);
    if (!dtype) fail(op, "fft result of an unsupported element type");
    return {mx::zeros(mx::Shape(out.shape.begin(), out.shape.end()), *dtype, s)};
  }
  if (t == "FFT") return {mx::fft::fftn(x, n, axes, mx::fft::FFTNorm::Backward, s)};
  if (t == "IFFT") return {mx::fft::ifftn(x, n, axes, mx::fft::FFTNorm::Backward, s)};
  if (t == "RFFT") return {mx::fft::rfftn(x, n, axes, mx::fft::FFTNorm::Backward, s)};
  if (t == "IRFFT") return {mx::fft::irfftn(x, n, axes, mx::fft::FFTNorm::Backward, s)};
  fail(op, "unknown fft_type '" + t + "'");
}

}  // namespace

void register_fft(Registry& r) { r.add("stablehlo.fft", fft); }

}  // namespace applejax::lower
