#include "lower/linalg_kernel.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/primitives.h>

#include "lower/errors.h"

namespace applejax::lower {
namespace linalg {
namespace {

class LinalgKernel : public mx::Primitive {
 public:
  LinalgKernel(mx::Stream s, std::string name, HostFn fn)
      : mx::Primitive(s), name_(std::move(name)), fn_(std::move(fn)) {}

  void eval_cpu(const std::vector<mx::array>& inputs, std::vector<mx::array>& outputs) override {
    // Capture plain pointers and shapes, as MLX's own CPU kernels do: the
    // evaluator keeps the input buffers alive until the stream's queued
    // task has run.
    std::vector<HostIn> in;
    for (const mx::array& a : inputs) in.push_back({a.data<void>(), a.shape(), a.strides(), a.dtype()});
    std::vector<HostOut> out;
    for (mx::array& o : outputs) {
      o.set_data(mx::allocator::malloc(std::max<size_t>(o.nbytes(), 1)));
      out.push_back({o.data<void>(), o.shape(), o.dtype()});
    }
    auto& encoder = mx::cpu::get_command_encoder(stream());
    for (const mx::array& a : inputs) encoder.set_input_array(a);
    for (mx::array& o : outputs) encoder.set_output_array(o);
    encoder.dispatch([fn = fn_, name = name_, in = std::move(in), out = std::move(out)]() {
      // An exception escaping a queued task would end the process; the
      // kernels validate everything at lowering time, so this is only
      // reached when a workspace allocation fails.
      try {
        fn(in, out);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "applejax: %s failed (%s); its results are NaN\n", name.c_str(),
                     e.what());
        for (const HostOut& o : out)
          for (int64_t b = 0, n = batch_count(o.shape, 0); b < n; ++b) fill_nan(o, b, 0);
      }
    });
  }

  void eval_gpu(const std::vector<mx::array>&, std::vector<mx::array>&) override {
    // host_call always builds on the CPU stream.
    throw std::runtime_error(name_ + " runs on MLX's CPU stream only");
  }

  const char* name() const override { return name_.c_str(); }

 private:
  std::string name_;
  HostFn fn_;
};

}  // namespace

Values host_call(const std::string& name, const Values& inputs, std::vector<mx::Shape> shapes,
                 std::vector<mx::Dtype> dtypes, HostFn fn) {
  mx::Stream cpu = mx::default_stream(mx::Device::cpu);
  auto primitive = std::make_shared<LinalgKernel>(cpu, name, std::move(fn));
  return mx::array::make_arrays(std::move(shapes), dtypes, primitive, inputs);
}

int64_t batch_count(const mx::Shape& shape, int core) {
  int64_t n = 1;
  for (size_t i = 0; i + core < shape.size(); ++i) n *= shape[i];
  return n;
}

int64_t batch_offset(const HostIn& a, int64_t b, int core) {
  int64_t offset = 0;
  for (int i = static_cast<int>(a.shape.size()) - core - 1; i >= 0; --i) {
    int64_t d = a.shape[i];
    offset += (b % d) * a.strides[i];
    b /= d;
  }
  return offset;
}

void fill_nan(const HostOut& out, int64_t b, int core) {
  int64_t n = 1;
  for (size_t i = out.shape.size() - core; i < out.shape.size(); ++i) n *= out.shape[i];
  auto fill = [&](auto* p) {
    using T = std::remove_pointer_t<decltype(p)>;
    T nan;
    if constexpr (std::is_same_v<T, std::complex<float>>)
      nan = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::quiet_NaN()};
    else
      nan = std::numeric_limits<T>::quiet_NaN();
    for (int64_t i = 0; i < n; ++i) p[b * n + i] = nan;
  };
  if (out.dtype == mx::float32) fill(static_cast<float*>(out.data));
  else if (out.dtype == mx::float64) fill(static_cast<double*>(out.data));
  else if (out.dtype == mx::complex64) fill(static_cast<std::complex<float>*>(out.data));
}

int lapack_int(const ir::Op& op, int64_t n) {
  // Staging buffers hold n*n elements; keep that product in range too.
  if (n > 46340)
    fail_unsupported(op, "a matrix dimension of " + std::to_string(n) +
                             " (LAPACK's 32-bit sizes allow at most 46340 here)");
  return static_cast<int>(n);
}

void fail_dtype(const ir::Op& op, mx::Dtype d) {
  std::ostringstream s;
  s << d;
  fail(op, "linear algebra on " + s.str() + " is not supported",
       "Cast the operands to float32 or complex64 (float64 runs on MLX's CPU device, not on the "
       "GPU)");
}

int64_t config_int(const ir::Op& op, std::string_view key) {
  const ir::Attribute* cfg = op.attr("backend_config");
  std::string_view s = cfg ? std::string_view(cfg->s) : std::string_view();
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    size_t eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == key)
      return std::stoll(std::string(item.substr(eq + 1)));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  fail(op, "backend_config lacks '" + std::string(key) + "'",
       "This custom_call comes from the applejax shim's lowering rules; the shim and the plugin "
       "library are from different versions");
}

}  // namespace linalg

void register_linalg(Registry& r) {
  linalg::register_factorizations(r);
  linalg::register_eigen(r);
  linalg::register_svd(r);
}

}  // namespace applejax::lower
