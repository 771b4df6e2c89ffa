#include "lower/threefry.h"

#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/backend/cuda/cuda.h>
#include <mlx/fast.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

namespace applejax::lower {

namespace mx = mlx::core;

namespace {

constexpr uint32_t kParity = 0x1BD11BDA;
constexpr uint32_t kRotations[8] = {13, 15, 26, 6, 17, 29, 16, 24};

inline uint32_t rotl(uint32_t v, uint32_t d) { return (v << d) | (v >> (32 - d)); }

// One counter pair through the 20 rounds; the key schedule is
// (k0, k1, k0 ^ k1 ^ parity), injected after every four rounds.
inline void hash_pair(uint32_t k0, uint32_t k1, uint32_t& x0, uint32_t& x1) {
  const uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ kParity};
  x0 += k0;
  x1 += k1;
  for (int block = 0; block < 5; ++block) {
    const uint32_t* rot = kRotations + (block % 2) * 4;
    for (int r = 0; r < 4; ++r) {
      x0 += x1;
      x1 = rotl(x1, rot[r]) ^ x0;
    }
    x0 += ks[(block + 1) % 3];
    x1 += ks[(block + 2) % 3] + static_cast<uint32_t>(block + 1);
  }
}

// MLX's CPU runs each op as a separate pass over memory; the hash is ~140
// of them, so it runs here as one loop. Inputs are row-major contiguous;
// a key with one element applies to every counter.
class Threefry2x32 : public mx::Primitive {
 public:
  explicit Threefry2x32(mx::Stream s) : mx::Primitive(s) {}

  void eval_cpu(const std::vector<mx::array>& in, std::vector<mx::array>& out) override {
    for (auto& o : out) o.set_data(mx::allocator::malloc(o.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    for (const auto& a : in) encoder.set_input_array(a);
    for (auto& o : out) encoder.set_output_array(o);
    encoder.dispatch([k0 = in[0], k1 = in[1], c0 = in[2], c1 = in[3],
                      o0 = mx::array::unsafe_weak_copy(out[0]),
                      o1 = mx::array::unsafe_weak_copy(out[1])]() mutable {
      const uint32_t* a = k0.data<uint32_t>();
      const uint32_t* b = k1.data<uint32_t>();
      const uint32_t* x = c0.data<uint32_t>();
      const uint32_t* y = c1.data<uint32_t>();
      uint32_t* r0 = o0.data<uint32_t>();
      uint32_t* r1 = o1.data<uint32_t>();
      const size_t n = o0.size();
      // Two loops, so that the common one (one key for all counters) has
      // no per-element choice and vectorises.
      if (k0.size() == 1 && k1.size() == 1) {
        const uint32_t key0 = a[0], key1 = b[0];
        for (size_t i = 0; i < n; ++i) {
          uint32_t v0 = x[i], v1 = y[i];
          hash_pair(key0, key1, v0, v1);
          r0[i] = v0;
          r1[i] = v1;
        }
        return;
      }
      for (size_t i = 0; i < n; ++i) {
        uint32_t v0 = x[i], v1 = y[i];
        hash_pair(a[i], b[i], v0, v1);
        r0[i] = v0;
        r1[i] = v1;
      }
    });
  }

  void eval_gpu(const std::vector<mx::array>&, std::vector<mx::array>&) override {
    throw std::runtime_error("the fused threefry2x32 runs on MLX's CPU only");
  }

  const char* name() const override { return "ApplejaxThreefry2x32"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return dynamic_cast<const Threefry2x32*>(&other) != nullptr;
  }
  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& in) override {
    return {in[2].shape(), in[2].shape()};
  }
};

std::array<mx::array, 2> threefry_ops(const mx::array& k0, const mx::array& k1,
                                      std::array<mx::array, 2> x, mx::StreamOrDevice s) {
  auto u32 = [](uint32_t v) { return mx::array(v, mx::uint32); };
  auto add = [&](const mx::array& a, const mx::array& b) { return mx::add(a, b, s); };
  auto rot = [&](const mx::array& v, uint32_t d) {
    return mx::bitwise_or(mx::left_shift(v, u32(d), s), mx::right_shift(v, u32(32 - d), s), s);
  };
  mx::array k2 = mx::bitwise_xor(mx::bitwise_xor(u32(kParity), k0, s), k1, s);
  const mx::array ks[3] = {k0, k1, k2};
  x[0] = add(x[0], k0);
  x[1] = add(x[1], k1);
  for (int block = 0; block < 5; ++block) {
    for (int r = 0; r < 4; ++r) {
      x[0] = add(x[0], x[1]);
      x[1] = mx::bitwise_xor(x[0], rot(x[1], kRotations[(block % 2) * 4 + r]), s);
    }
    x[0] = add(x[0], ks[(block + 1) % 3]);
    x[1] = add(add(x[1], ks[(block + 2) % 3]), u32(block + 1));
  }
  return x;
}

// On MLX's CUDA backend, one kernel: compile fuses the unrolled ops into
// chains of bounded depth, a dozen launches per hash. The same rounds as
// hash_pair; `info` holds the element count and whether one key serves all.
constexpr const char* kCudaHeader = R"(
__device__ inline unsigned int applejax_rotl(unsigned int v, unsigned int d) {
  return (v << d) | (v >> (32u - d));
}
)";
constexpr const char* kCudaSource = R"(
  unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= (unsigned int)info[0]) return;
  const unsigned int rot[8] = {13u, 15u, 26u, 6u, 17u, 29u, 16u, 24u};
  unsigned int a = info[1] ? k0[0] : k0[i];
  unsigned int b = info[1] ? k1[0] : k1[i];
  unsigned int ks[3] = {a, b, a ^ b ^ 0x1BD11BDAu};
  unsigned int x = c0[i] + a, y = c1[i] + b;
  for (int block = 0; block < 5; ++block) {
    for (int r = 0; r < 4; ++r) {
      x += y;
      y = applejax_rotl(y, rot[(block % 2) * 4 + r]) ^ x;
    }
    x += ks[(block + 1) % 3];
    y += ks[(block + 2) % 3] + (unsigned int)(block + 1);
  }
  o0[i] = x;
  o1[i] = y;
)";

std::array<mx::array, 2> threefry_cuda(const mx::array& k0, const mx::array& k1,
                                       const mx::array& c0, const mx::array& c1,
                                       const mx::Shape& shape, mx::StreamOrDevice s) {
  static const mx::fast::CustomKernelFunction kernel = mx::fast::cuda_kernel(
      "applejax_threefry2x32", {"k0", "k1", "c0", "c1", "info"}, {"o0", "o1"}, kCudaSource,
      kCudaHeader, /*ensure_row_contiguous=*/true);
  int64_t n = 1;
  for (int d : shape) n *= d;
  if (n > std::numeric_limits<int32_t>::max())
    throw std::invalid_argument("threefry2x32 over more than 2^31 - 1 counters");
  bool one_key = k0.size() == 1 && k1.size() == 1;
  auto key = [&](const mx::array& k) {
    return one_key ? mx::reshape(k, {1}, s) : mx::broadcast_to(k, shape, s);
  };
  mx::array info = mx::array({static_cast<int32_t>(n), one_key ? 1 : 0}, {2}, mx::int32);
  int threads = static_cast<int>(std::max<int64_t>(n, 1));
  auto out = kernel({key(k0), key(k1), c0, c1, info}, {shape, shape}, {mx::uint32, mx::uint32},
                    {threads, 1, 1}, {256, 1, 1}, {}, std::nullopt, false, s);
  return {out[0], out[1]};
}

// The u32 values of every constant in `region`, at any depth.
void constants_of(const ir::Region& region, std::vector<std::vector<uint32_t>>& out,
                  int depth) {
  if (depth > 8) return;
  for (const ir::Block& block : region.blocks)
    for (const ir::Op& op : block.ops) {
      if (op.name == "stablehlo.constant") {
        const ir::Attribute* v = op.attr("value");
        if (v && v->kind == ir::Attribute::Kind::kDense && v->data &&
            v->type.element == ir::ElementType::kUI32 && v->data->size() % 4 == 0) {
          std::vector<uint32_t> words(v->data->size() / 4);
          std::memcpy(words.data(), v->data->data(), v->data->size());
          out.push_back(std::move(words));
        }
      }
      for (const ir::Region& r : op.regions) constants_of(r, out, depth + 1);
    }
}

bool is_u32(const ir::Type& t) {
  return t.is_tensor() && t.element == ir::ElementType::kUI32;
}

}  // namespace

std::array<mx::array, 2> threefry2x32(const mx::array& k0, const mx::array& k1,
                                      const mx::array& x0, const mx::array& x1,
                                      mx::StreamOrDevice s) {
  mx::Stream stream = mx::to_stream(s);
  mx::Shape shape = mx::broadcast_shapes(x0.shape(), x1.shape());
  mx::array c0 = mx::broadcast_to(x0, shape, s), c1 = mx::broadcast_to(x1, shape, s);
  // Nothing to hash; custom kernels and primitives would launch over no
  // elements (MLX's CUDA backend crashed on that).
  if (c0.size() == 0) return {mx::zeros(shape, mx::uint32, s), mx::zeros(shape, mx::uint32, s)};
  if (stream.device.type != mx::Device::cpu) {
    if (mx::cu::is_available()) return threefry_cuda(k0, k1, c0, c1, shape, s);
    return threefry_ops(k0, k1, {c0, c1}, s);
  }
  auto flat_key = [&](const mx::array& k) {
    if (k.size() == 1) return mx::reshape(k, {}, s);
    return mx::contiguous(mx::broadcast_to(k, shape, s), false, s);
  };
  std::vector<mx::array> in = {flat_key(k0), flat_key(k1), mx::contiguous(c0, false, s),
                               mx::contiguous(c1, false, s)};
  auto outs = mx::array::make_arrays({shape, shape}, {mx::uint32, mx::uint32},
                                     std::make_shared<Threefry2x32>(stream), in);
  return {outs[0], outs[1]};
}

bool is_threefry2x32(const ir::Function& fn) {
  if (fn.name.rfind("threefry2x32", 0) != 0) return false;
  if (fn.argument_types.size() != 4 || fn.result_types.size() != 2) return false;
  for (const ir::Type& t : fn.argument_types)
    if (!is_u32(t)) return false;
  for (const ir::Type& t : fn.result_types)
    if (!is_u32(t) || t.shape != fn.argument_types[2].shape) return false;
  if (fn.argument_types[3].shape != fn.argument_types[2].shape) return false;
  for (int k = 0; k < 2; ++k) {
    const auto& key = fn.argument_types[k].shape;
    if (!key.empty() && key != fn.argument_types[2].shape) return false;
  }
  // The name and signature could belong to a user's function; the rotation
  // amounts and the key-schedule parity are the algorithm's own (jaxlib
  // may fold the rotation table into scalar constants, so any spelling).
  std::vector<std::vector<uint32_t>> constants;
  constants_of(fn.body, constants, 0);
  std::set<uint32_t> words;
  for (const auto& c : constants) words.insert(c.begin(), c.end());
  for (uint32_t w : kRotations)
    if (!words.count(w)) return false;
  return words.count(kParity) > 0;
}

}  // namespace applejax::lower
