#include "lower/narrow_format.h"

#include <array>
#include <cmath>
#include <iterator>
#include <mutex>
#include <vector>

namespace applejax::lower {

using ir::ElementType;
using S = FloatSpecials;

namespace {

constexpr NarrowFloat kFormats[] = {
    {ElementType::kF8E5M2, 5, 2, 15, S::kIeee},
    {ElementType::kF8E4M3, 4, 3, 7, S::kIeee},
    {ElementType::kF8E3M4, 3, 4, 3, S::kIeee},
    {ElementType::kF8E4M3FN, 4, 3, 7, S::kFn},
    {ElementType::kF8E4M3FNUZ, 4, 3, 8, S::kFnuz},
    {ElementType::kF8E5M2FNUZ, 5, 2, 16, S::kFnuz},
    {ElementType::kF8E4M3B11FNUZ, 4, 3, 11, S::kFnuz},
    {ElementType::kF8E8M0FNU, 8, 0, 127, S::kE8M0},
    {ElementType::kF4E2M1FN, 2, 1, 1, S::kNone},
};

constexpr uint16_t kHalfQuietNaN = 0x7e00;
constexpr uint32_t kFloatQuietNaN = 0x7fc00000;

// float16 bits of a value that float16 holds exactly (every narrow float's).
uint16_t half_bits_exact(double v) {
  uint16_t sign = std::signbit(v) ? 0x8000 : 0;
  v = std::fabs(v);
  if (std::isinf(v)) return sign | 0x7c00;
  if (v == 0) return sign;
  if (v < std::ldexp(1.0, -14))  // subnormal: multiples of 2^-24
    return sign | static_cast<uint16_t>(std::ldexp(v, 24));
  int e = 0;
  double frac = std::frexp(v, &e);  // v = frac * 2^e, frac in [0.5, 1)
  uint16_t exponent = static_cast<uint16_t>(e - 1 + 15);
  uint16_t mantissa = static_cast<uint16_t>(std::ldexp(frac * 2 - 1, 10));
  return sign | static_cast<uint16_t>(exponent << 10) | mantissa;
}

double half_value(uint16_t h) {
  int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  double v = exponent == 0 ? std::ldexp(mantissa, -24)
                           : std::ldexp(1024 + mantissa, exponent - 25);
  return (h & 0x8000) ? -v : v;
}

uint32_t decode(const NarrowFloat& f, uint8_t byte) {
  const int m = f.mantissa_bits, e = f.exponent_bits;
  const uint32_t exp_ones = (1u << e) - 1, man_ones = (1u << m) - 1;
  if (f.specials == S::kE8M0) {
    if (byte == 0xff) return kFloatQuietNaN;
    // Biased exponents line up with float32's; 0 is 2^-127, a subnormal.
    return byte == 0 ? 0x00400000u : uint32_t(byte) << 23;
  }
  byte &= static_cast<uint8_t>((1u << f.bits()) - 1);
  const bool negative = (byte >> (e + m)) & 1;
  const uint32_t E = (byte >> m) & exp_ones, M = byte & man_ones;
  const uint16_t sign = negative ? 0x8000 : 0;
  switch (f.specials) {
    case S::kIeee:
      if (E == exp_ones) return M == 0 ? (sign | 0x7c00u) : (sign | 0x7c00u | (M << (10 - m)));
      break;
    case S::kFn:
      if (E == exp_ones && M == man_ones) return sign | kHalfQuietNaN;
      break;
    case S::kFnuz:
      if (negative && E == 0 && M == 0) return kHalfQuietNaN;
      break;
    default: break;
  }
  double v = E == 0 ? std::ldexp(double(M), f.min_exponent() - m)
                    : std::ldexp(double((1u << m) | M), int(E) - f.bias - m);
  return half_bits_exact(negative ? -v : v);
}

uint8_t encode(const NarrowFloat& f, uint32_t bits) {
  const int m = f.mantissa_bits, e = f.exponent_bits;
  const uint32_t exp_ones = (1u << e) - 1, man_ones = (1u << m) - 1;
  if (f.specials == S::kE8M0) {
    if ((bits & 0x7f800000u) == 0x7f800000u || (bits & 0x80000000u)) return 0xff;
    return bits < 0x00800000u ? 0 : uint8_t(bits >> 23);
  }
  const uint16_t h = static_cast<uint16_t>(bits);
  const bool negative = h & 0x8000;
  const uint32_t sign_bit = negative ? 1u << (e + m) : 0;
  const bool nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff);
  const bool inf = (h & 0x7fff) == 0x7c00;
  if (nan || inf) {
    switch (f.specials) {
      case S::kIeee: {
        uint32_t payload = nan ? (h & 0x3ffu) >> (10 - m) : 0;
        if (nan && payload == 0) payload = 1u << (m - 1);
        return uint8_t(sign_bit | (exp_ones << m) | payload);
      }
      case S::kFn: return uint8_t(sign_bit | (exp_ones << m) | man_ones);
      case S::kFnuz: return 0x80;
      default:  // float4_e2m1fn holds neither; storage never has them.
        return uint8_t(nan ? 1u << (e + m) : sign_bit | (exp_ones << m) | man_ones);
    }
  }
  double v = std::fabs(half_value(h));
  if (v == 0) return f.specials == S::kFnuz ? 0 : uint8_t(sign_bit);
  uint32_t E = 0, M = 0;
  if (v < std::ldexp(1.0, f.min_exponent())) {
    M = uint32_t(std::ldexp(v, m - f.min_exponent()));
  } else {
    int x = 0;
    double frac = std::frexp(v, &x);
    E = uint32_t(x - 1 + f.bias);
    M = uint32_t(std::ldexp(frac * 2 - 1, m));
  }
  return uint8_t(sign_bit | (E << m) | M);
}

// Encoding tables, built on first use: one entry per float16 bit pattern.
const std::vector<uint8_t>& encode_table(const NarrowFloat& f) {
  static std::array<std::vector<uint8_t>, std::size(kFormats)> tables;
  static std::array<std::once_flag, std::size(kFormats)> once;
  size_t i = size_t(&f - kFormats);
  std::call_once(once[i], [&] {
    tables[i].resize(1 << 16);
    for (uint32_t h = 0; h < (1u << 16); ++h) tables[i][h] = encode(f, h);
  });
  return tables[i];
}

}  // namespace

double NarrowFloat::max_finite() const {
  const int m = mantissa_bits;
  int top = (1 << exponent_bits) - 1 - bias;  // exponent of the all-ones code
  switch (specials) {
    case S::kIeee: return std::ldexp(2.0 - std::ldexp(1.0, -m), top - 1);
    case S::kFn: return std::ldexp(2.0 - std::ldexp(2.0, -m), top);
    case S::kE8M0: return std::ldexp(1.0, top - 1);
    default: return std::ldexp(2.0 - std::ldexp(1.0, -m), top);
  }
}

const NarrowFloat* narrow_float(ElementType t) {
  for (const NarrowFloat& f : kFormats)
    if (f.type == t) return &f;
  return nullptr;
}

int narrow_int_bits(ElementType t) {
  switch (t) {
    case ElementType::kSI2: case ElementType::kUI2: return 2;
    case ElementType::kSI4: case ElementType::kUI4: return 4;
    default: return 0;
  }
}

size_t storage_size(ElementType t) {
  const NarrowFloat* f = narrow_float(t);
  if (f) return f->stored_as_f32() ? 4 : 2;
  return 1;
}

uint32_t storage_bits_of(ElementType t, uint8_t byte) {
  if (const NarrowFloat* f = narrow_float(t)) return decode(*f, byte);
  int n = narrow_int_bits(t);
  uint8_t low = byte & uint8_t((1u << n) - 1);
  if (ir::is_unsigned(t)) return low;
  // Sign-extend the low n bits to the whole byte.
  return uint8_t(int8_t(uint8_t(low << (8 - n))) >> (8 - n));
}

uint8_t host_byte_of(ElementType t, uint32_t bits) {
  if (const NarrowFloat* f = narrow_float(t))
    return f->stored_as_f32() ? encode(*f, bits) : encode_table(*f)[bits & 0xffff];
  return uint8_t(bits & ((1u << narrow_int_bits(t)) - 1));
}

void host_to_storage(ElementType t, const uint8_t* host, void* storage, size_t count) {
  const NarrowFloat* f = narrow_float(t);
  if (!f) {
    auto* out = static_cast<uint8_t*>(storage);
    for (size_t i = 0; i < count; ++i) out[i] = uint8_t(storage_bits_of(t, host[i]));
    return;
  }
  std::array<uint32_t, 256> table;
  for (uint32_t b = 0; b < 256; ++b) table[b] = decode(*f, uint8_t(b));
  if (f->stored_as_f32()) {
    auto* out = static_cast<uint32_t*>(storage);
    for (size_t i = 0; i < count; ++i) out[i] = table[host[i]];
  } else {
    auto* out = static_cast<uint16_t*>(storage);
    for (size_t i = 0; i < count; ++i) out[i] = uint16_t(table[host[i]]);
  }
}

void storage_to_host(ElementType t, const void* storage, uint8_t* host, size_t count) {
  const NarrowFloat* f = narrow_float(t);
  if (!f) {
    const auto* in = static_cast<const uint8_t*>(storage);
    for (size_t i = 0; i < count; ++i) host[i] = host_byte_of(t, in[i]);
  } else if (f->stored_as_f32()) {
    const auto* in = static_cast<const uint32_t*>(storage);
    for (size_t i = 0; i < count; ++i) host[i] = encode(*f, in[i]);
  } else {
    const std::vector<uint8_t>& table = encode_table(*f);
    const auto* in = static_cast<const uint16_t*>(storage);
    for (size_t i = 0; i < count; ++i) host[i] = table[in[i]];
  }
}

}  // namespace applejax::lower
