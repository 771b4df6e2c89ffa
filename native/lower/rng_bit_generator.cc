// stablehlo.rng_bit_generator, bit for bit as XLA expands it on the cpu
// backend, so that `jax.random` with the rbg and unsafe_rbg implementations
// draws the same numbers on both devices.
//
// The state is u64[n]: element 0 is the key, the rest the counter. ThreeFry
// (2x32, 20 rounds) hashes one 64-bit counter per pair of outputs; Philox
// (4x32, 10 rounds) treats the counter as a 128-bit integer and gives four
// outputs per increment. DEFAULT means Philox, as on XLA:CPU and XLA:GPU.
// Everything is built from MLX ops (threefry.cc's on the CPU), so it stays on
// the device and inside compiled graphs.
#include <mlx/ops.h>

#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/threefry.h"

namespace applejax::lower {
namespace {

struct Rng {
  mx::StreamOrDevice s;

  mx::array u32(uint32_t v) const { return mx::array(v, mx::uint32); }
  mx::array u64(uint64_t v) const { return mx::array(v, mx::uint64); }
  mx::array lo(const mx::array& x) const { return mx::astype(x, mx::uint32, s); }
  mx::array hi(const mx::array& x) const {
    return mx::astype(mx::right_shift(x, u64(32), s), mx::uint32, s);
  }
  mx::array join(const mx::array& low, const mx::array& high) const {
    return mx::bitwise_or(mx::astype(low, mx::uint64, s),
                          mx::left_shift(mx::astype(high, mx::uint64, s), u64(32), s), s);
  }
  mx::array add(const mx::array& a, const mx::array& b) const { return mx::add(a, b, s); }
  mx::array xor_(const mx::array& a, const mx::array& b) const {
    return mx::bitwise_xor(a, b, s);
  }
  std::array<mx::array, 2> threefry(std::array<mx::array, 2> x, const mx::array& k0,
                                    const mx::array& k1) const {
    return threefry2x32(k0, k1, x[0], x[1], s);
  }

  // Philox-4x32 with 10 rounds.
  std::array<mx::array, 4> philox(std::array<mx::array, 4> x, mx::array k0,
                                  mx::array k1) const {
    auto mul = [&](const mx::array& a, uint32_t m) {
      return mx::multiply(mx::astype(a, mx::uint64, s), u64(m), s);
    };
    for (int round = 0; round < 10; ++round) {
      mx::array p0 = mul(x[0], 0xD2511F53u);
      mx::array p1 = mul(x[2], 0xCD9E8D57u);
      x = {xor_(xor_(hi(p1), x[1]), k0), lo(p1), xor_(xor_(hi(p0), x[3]), k1), lo(p0)};
      k0 = add(k0, u32(0x9E3779B9u));
      k1 = add(k1, u32(0xBB67AE85u));
    }
    return x;
  }
};

int64_t element_count(const mx::Shape& shape) {
  int64_t n = 1;
  for (int d : shape) n *= d;
  return n;
}

// ThreeFry output for a 32-bit-or-narrower request. XLA halves the shape
// along its first even dimension (else its largest), hashes one counter per
// half-position and interleaves the two output words along that dimension.
mx::array threefry_bits32(const Rng& g, const mx::array& key, const mx::array& counter,
                          const mx::Shape& shape, mx::array& next_counter) {
  auto s = g.s;
  if (shape.empty()) {
    mx::array in = g.add(counter, g.u64(0));
    auto out = g.threefry({g.lo(in), g.hi(in)}, g.lo(key), g.hi(key));
    next_counter = g.add(counter, g.u64(1));
    return mx::reshape(out[0], {}, s);
  }
  int split = -1;
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] % 2 == 0) {
      split = static_cast<int>(i);
      break;
    }
  if (split < 0) {
    for (size_t i = 0; i < shape.size(); ++i)
      if (split < 0 || shape[i] > shape[split]) split = static_cast<int>(i);
  }
  mx::Shape half = shape;
  half[split] = (shape[split] + 1) / 2;
  half.insert(half.begin() + split + 1, 1);
  int64_t n = element_count(half);
  mx::array in = g.add(counter, mx::reshape(mx::arange(0, static_cast<double>(n), 1,
                                                       mx::uint64, s), half, s));
  auto out = g.threefry({g.lo(in), g.hi(in)}, g.lo(key), g.hi(key));
  next_counter = g.add(counter, g.u64(static_cast<uint64_t>(n)));
  mx::array both = mx::concatenate({out[0], out[1]}, split + 1, s);
  mx::Shape even = shape;
  even[split] = half[split] * 2;
  both = mx::reshape(both, even, s);
  if (even[split] != shape[split]) {
    mx::Shape start(shape.size(), 0);
    both = mx::slice(both, start, shape, s);
  }
  return both;
}

mx::array threefry_bits64(const Rng& g, const mx::array& key, const mx::array& counter,
                          const mx::Shape& shape, mx::array& next_counter) {
  auto s = g.s;
  int64_t n = element_count(shape);
  mx::array in = g.add(counter, mx::reshape(mx::arange(0, static_cast<double>(n), 1,
                                                       mx::uint64, s), shape, s));
  auto out = g.threefry({g.lo(in), g.hi(in)}, g.lo(key), g.hi(key));
  next_counter = g.add(counter, g.u64(static_cast<uint64_t>(n)));
  return g.join(out[0], out[1]);
}

// Philox: `words` 32-bit outputs per element (1 or 2), four per counter
// increment, taken in counter order.
mx::array philox_bits(const Rng& g, const mx::array& key, const mx::array& ctr_lo,
                      const mx::array& ctr_hi, const mx::Shape& shape, int words,
                      mx::array& next_lo, mx::array& next_hi) {
  auto s = g.s;
  int64_t n = element_count(shape);
  int64_t blocks = (n * words + 3) / 4;
  mx::array step = mx::arange(0, static_cast<double>(blocks), 1, mx::uint64, s);
  // 128-bit counter + step, carrying into the high word.
  mx::array lo = g.add(ctr_lo, step);
  mx::array hi = mx::where(mx::less(lo, ctr_lo, s), g.add(ctr_hi, g.u64(1)),
                           mx::broadcast_to(ctr_hi, lo.shape(), s), s);
  auto out = g.philox({g.lo(lo), g.hi(lo), g.lo(hi), g.hi(hi)}, g.lo(key), g.hi(key));
  mx::array nlo = g.add(ctr_lo, g.u64(static_cast<uint64_t>(blocks)));
  next_hi = mx::where(mx::less(nlo, ctr_lo, s), g.add(ctr_hi, g.u64(1)), ctr_hi, s);
  next_lo = nlo;
  std::vector<mx::array> columns;
  if (words == 1) {
    for (auto& w : out) columns.push_back(mx::reshape(w, {-1, 1}, s));
  } else {
    columns.push_back(mx::reshape(g.join(out[0], out[1]), {-1, 1}, s));
    columns.push_back(mx::reshape(g.join(out[2], out[3]), {-1, 1}, s));
  }
  mx::array flat = mx::reshape(mx::concatenate(columns, 1, s), {-1}, s);
  flat = mx::slice(flat, {0}, {static_cast<int>(n)}, s);
  return mx::reshape(flat, shape, s);
}

Values rng_bit_generator(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  Rng g{s};
  if (in.size() != 1 || op.results.size() != 2) fail(op, "expects one state and two results");
  mx::array state = in[0];
  if (state.dtype() != mx::uint64 || state.ndim() != 1 || state.shape(0) < 2)
    fail(op, "the state must be a ui64 vector of at least two elements");
  const ir::Attribute* alg = op.attr("rng_algorithm");
  std::string algorithm = alg ? alg->s : "DEFAULT";
  mx::Shape shape = result_shape(em, op, 1);
  mx::Dtype out = result_dtype(em, op, 1);
  int bits = static_cast<int>(mx::size_of(out)) * 8;
  if (out == mx::bool_ || mx::issubdtype(out, mx::complexfloating))
    fail_unsupported(op, "random bits of type " + std::string(ir::element_type_name(
                                                      em.type_of(op.results[1]).element)));
  mx::array key = mx::reshape(mx::slice(state, {0}, {1}, s), {}, s);
  mx::array value = mx::array(0u);
  mx::array next_state = state;

  if (algorithm == "THREE_FRY") {
    mx::array counter = mx::reshape(mx::slice(state, {1}, {2}, s), {}, s);
    mx::array next = counter;
    value = bits == 64 ? threefry_bits64(g, key, counter, shape, next)
                       : threefry_bits32(g, key, counter, shape, next);
    std::vector<mx::array> parts = {mx::reshape(key, {1}, s), mx::reshape(next, {1}, s)};
    if (state.shape(0) > 2) parts.push_back(mx::slice(state, {2}, {state.shape(0)}, s));
    next_state = mx::concatenate(parts, 0, s);
  } else if (algorithm == "PHILOX" || algorithm == "DEFAULT") {
    // A two-element state keeps only the low counter word; the key doubles as
    // the high word.
    bool wide = state.shape(0) >= 3;
    mx::array ctr_lo = mx::reshape(mx::slice(state, {1}, {2}, s), {}, s);
    mx::array ctr_hi = wide ? mx::reshape(mx::slice(state, {2}, {3}, s), {}, s) : key;
    mx::array next_lo = ctr_lo, next_hi = ctr_hi;
    value = philox_bits(g, key, ctr_lo, ctr_hi, shape, bits == 64 ? 2 : 1, next_lo, next_hi);
    std::vector<mx::array> parts = {mx::reshape(key, {1}, s), mx::reshape(next_lo, {1}, s)};
    if (wide) parts.push_back(mx::reshape(next_hi, {1}, s));
    if (state.shape(0) > 3) parts.push_back(mx::slice(state, {3}, {state.shape(0)}, s));
    next_state = mx::concatenate(parts, 0, s);
  } else {
    fail(op, "unknown rng_algorithm '" + algorithm + "'");
  }
  if (bits < 32) {
    // Narrow requests keep the low bits of each 32-bit output.
    value = mx::astype(value, bits == 16 ? mx::uint16 : mx::uint8, s);
  }
  if (value.dtype() != out) value = mx::view(value, out, s);
  return {next_state, value};
}

}  // namespace

void register_rng_bit_generator(Registry& r) {
  r.add("stablehlo.rng_bit_generator", rng_bit_generator);
}

}  // namespace applejax::lower
