// Scalars and dense element data as the bytecode stores them.
#include <cmath>
#include <cstring>
#include <limits>

#include "vhlo/attr_type_table.h"

namespace applejax::vhlo {

using ir::ElementType;

uint64_t read_known_width_bits(ByteReader& r, int bit_width) {
  if (bit_width <= 0) r.fail("value of unknown bit width");
  if (bit_width <= 8) return r.byte() & ((1u << bit_width) - 1);
  if (bit_width <= 64) {
    uint64_t v = static_cast<uint64_t>(r.signed_varint());
    return bit_width == 64 ? v : v & ((uint64_t{1} << bit_width) - 1);
  }
  r.fail("integers wider than 64 bits are not supported");
}

int64_t extend_integer(uint64_t bits, ElementType e) {
  int width = ir::element_bit_width(e);
  if (e == ElementType::kI1) return bits & 1;
  if (width >= 64 || ir::is_unsigned(e)) return static_cast<int64_t>(bits);
  uint64_t sign = uint64_t{1} << (width - 1);
  bits &= (uint64_t{1} << width) - 1;
  return static_cast<int64_t>((bits ^ sign) - sign);
}

namespace {

struct FloatFormat {
  int exponent_bits;
  int mantissa_bits;
  int bias;
  enum Special { kIeee, kFiniteAllOnesNan, kFiniteOnly, kNegZeroNan } special;
};

bool format_of(ElementType e, FloatFormat& f) {
  switch (e) {
    case ElementType::kF16: f = {5, 10, 15, FloatFormat::kIeee}; return true;
    case ElementType::kBF16: f = {8, 7, 127, FloatFormat::kIeee}; return true;
    case ElementType::kTF32: f = {8, 10, 127, FloatFormat::kIeee}; return true;
    case ElementType::kF8E5M2: f = {5, 2, 15, FloatFormat::kIeee}; return true;
    case ElementType::kF8E4M3: f = {4, 3, 7, FloatFormat::kIeee}; return true;
    case ElementType::kF8E3M4: f = {3, 4, 3, FloatFormat::kIeee}; return true;
    case ElementType::kF8E4M3FN: f = {4, 3, 7, FloatFormat::kFiniteAllOnesNan}; return true;
    case ElementType::kF8E4M3FNUZ: f = {4, 3, 8, FloatFormat::kNegZeroNan}; return true;
    case ElementType::kF8E5M2FNUZ: f = {5, 2, 16, FloatFormat::kNegZeroNan}; return true;
    case ElementType::kF8E4M3B11FNUZ: f = {4, 3, 11, FloatFormat::kNegZeroNan}; return true;
    case ElementType::kF6E2M3FN: f = {2, 3, 1, FloatFormat::kFiniteOnly}; return true;
    case ElementType::kF6E3M2FN: f = {3, 2, 3, FloatFormat::kFiniteOnly}; return true;
    case ElementType::kF4E2M1FN: f = {2, 1, 1, FloatFormat::kFiniteOnly}; return true;
    default: return false;
  }
}

}  // namespace

double float_bits_to_double(uint64_t bits, ElementType e) {
  if (e == ElementType::kF64) {
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  if (e == ElementType::kF32) {
    uint32_t b = static_cast<uint32_t>(bits);
    float fl;
    std::memcpy(&fl, &b, 4);
    return fl;
  }
  if (e == ElementType::kF8E8M0FNU) {
    uint32_t v = bits & 0xFF;
    if (v == 0xFF) return std::numeric_limits<double>::quiet_NaN();
    return std::ldexp(1.0, static_cast<int>(v) - 127);
  }
  FloatFormat f;
  if (!format_of(e, f)) return 0.0;
  int width = 1 + f.exponent_bits + f.mantissa_bits;
  bits &= (uint64_t{1} << width) - 1;
  bool negative = (bits >> (width - 1)) & 1;
  uint64_t exponent = (bits >> f.mantissa_bits) & ((uint64_t{1} << f.exponent_bits) - 1);
  uint64_t mantissa = bits & ((uint64_t{1} << f.mantissa_bits) - 1);
  uint64_t max_exponent = (uint64_t{1} << f.exponent_bits) - 1;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  switch (f.special) {
    case FloatFormat::kIeee:
      if (exponent == max_exponent) {
        if (mantissa) return nan;
        return negative ? -INFINITY : INFINITY;
      }
      break;
    case FloatFormat::kFiniteAllOnesNan:
      if (exponent == max_exponent && mantissa == (uint64_t{1} << f.mantissa_bits) - 1) return nan;
      break;
    case FloatFormat::kNegZeroNan:
      if (negative && exponent == 0 && mantissa == 0) return nan;
      break;
    case FloatFormat::kFiniteOnly:
      break;
  }
  double frac = static_cast<double>(mantissa) / static_cast<double>(uint64_t{1} << f.mantissa_bits);
  double value = exponent == 0 ? std::ldexp(frac, 1 - f.bias)
                               : std::ldexp(1.0 + frac, static_cast<int>(exponent) - f.bias);
  return negative ? -value : value;
}

ir::Attribute make_dense(const ir::Type& type, std::span<const uint8_t> raw, const ByteReader& at) {
  if (type.kind != ir::Type::Kind::kTensor) at.fail("dense elements need a tensor type");
  int64_t n = type.num_elements();
  if (n < 0) at.fail("dense elements of a dynamically shaped tensor");
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kDense;
  a.type = type;
  auto data = std::make_shared<std::vector<uint8_t>>();
  uint64_t count = static_cast<uint64_t>(n);
  // MLIR writes a zero-element constant (dense<> or dense<0.0> :
  // tensor<0xf32>) as a splat: one element's bytes, or none. Its value is
  // the empty tensor.
  uint64_t splat_bytes = type.element == ElementType::kI1
                             ? 1
                             : static_cast<uint64_t>((ir::element_bit_width(type.element) + 7) / 8);
  if (count == 0 && raw.size() <= splat_bytes) {
    a.data = std::move(data);
    return a;
  }
  if (type.element == ElementType::kI1) {
    uint64_t packed = (count + 7) / 8;
    if (raw.size() == 1 && raw[0] == 0xFF) {
      data->assign(1, 1);
      a.splat = count != 1;
    } else if (raw.size() == packed && raw.size() != count) {
      data->resize(count);
      for (uint64_t i = 0; i < count; ++i) (*data)[i] = (raw[i / 8] >> (i % 8)) & 1;
    } else if (raw.size() == count) {
      data->resize(count);
      for (uint64_t i = 0; i < count; ++i) (*data)[i] = raw[i] ? 1 : 0;
    } else if (raw.size() == 1) {
      data->assign(1, raw[0] ? 1 : 0);
      a.splat = true;
    } else {
      at.fail("i1 tensor data of " + std::to_string(raw.size()) + " bytes for " +
              std::to_string(count) + " elements");
    }
    if (count == 1) a.splat = false;
    a.data = std::move(data);
    return a;
  }
  uint64_t stride = static_cast<uint64_t>((ir::element_bit_width(type.element) + 7) / 8);
  if (stride == 0) at.fail("dense elements of an unsupported element type");
  if (count > 0 && raw.size() == stride && count != 1) {
    a.splat = true;
  } else if (count > std::numeric_limits<uint64_t>::max() / stride || raw.size() != count * stride) {
    at.fail("tensor data of " + std::to_string(raw.size()) + " bytes does not fit " +
            ir::to_string(type));
  }
  data->assign(raw.begin(), raw.end());
  // MLIR keeps a sub-byte signed integer in the low bits of its byte;
  // sign-extend it so the byte reads as the same int8 value.
  int bits = ir::element_bit_width(type.element);
  if (bits < 8 && ir::is_integer(type.element) && !ir::is_unsigned(type.element)) {
    for (uint8_t& b : *data) {
      b &= static_cast<uint8_t>((1u << bits) - 1);
      if (b & (1u << (bits - 1))) b |= static_cast<uint8_t>(0xFFu << bits);
    }
  }
  a.data = std::move(data);
  return a;
}

}  // namespace applejax::vhlo

namespace applejax::vhlo {

ir::Attribute read_scalar_attr(ByteReader& r, ElementType e) {
  ir::Attribute a;
  a.type.element = e;
  if (e == ElementType::kInvalid || ir::is_complex(e)) r.fail("scalar attribute of a non-scalar type");
  uint64_t bits = read_known_width_bits(r, ir::element_bit_width(e));
  if (ir::is_float(e)) {
    a.kind = ir::Attribute::Kind::kFloat;
    a.f = float_bits_to_double(bits, e);
    a.i = static_cast<int64_t>(bits);  // the exact bit pattern, for printers
  } else {
    a.kind = e == ElementType::kI1 ? ir::Attribute::Kind::kBool : ir::Attribute::Kind::kInteger;
    a.i = extend_integer(bits, e);
    a.b = a.i != 0;
  }
  return a;
}

}  // namespace applejax::vhlo
