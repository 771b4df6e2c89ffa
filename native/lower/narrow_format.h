// The narrow element types (int2/int4, uint2/uint4, the float8 types and
// float4_e2m1fn) that MLX has no dtype for, and how each is held on the device.
//
// Integers of 2 or 4 bits live in int8/uint8, always kept wrapped into their
// range. Every float8 and float4 value is exact in float16 (the widest
// exponent range is e5m2fnuz's 2^-17..57344, the longest mantissa e3m4's 4
// bits; float16 reaches 2^-24..65504 with 10), so they live in float16, the
// type XLA's cpu backend also computes them in. float8_e8m0fnu's 2^-127..2^127
// does not fit: it lives in float32 (2^-127 as a subnormal), as XLA computes it.
//
// This header is the host side: a value's bits on the host (one element per
// byte, in the low bits, as ml_dtypes and jaxlib lay them out) against the
// bits of its storage type on the device. No MLX here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "ir/ir.h"

namespace applejax::lower {

// What a float format does with the codes a plain IEEE layout would spend on
// inf and NaN.
enum class FloatSpecials : uint8_t {
  kIeee,  // e5m2, e4m3, e3m4: all-ones exponent is inf (mantissa 0) or NaN
  kFn,    // e4m3fn: only all-ones exponent and mantissa is NaN; no inf
  kFnuz,  // *fnuz: the negative-zero code is the only NaN; no inf, no -0
  kNone,  // float4_e2m1fn: no inf, no NaN; out of range saturates
  kE8M0,  // float8_e8m0fnu: unsigned powers of two, 0xff is NaN, no zero
};

struct NarrowFloat {
  ir::ElementType type;
  int exponent_bits;
  int mantissa_bits;
  int bias;
  FloatSpecials specials;

  bool has_sign() const { return specials != FloatSpecials::kE8M0; }
  int bits() const { return (has_sign() ? 1 : 0) + exponent_bits + mantissa_bits; }
  // Smallest normal exponent (values below it are subnormal, spaced
  // 2^(min_exponent - mantissa_bits)).
  int min_exponent() const { return 1 - bias; }
  double max_finite() const;
  // float32 storage (e8m0fnu) rather than float16.
  bool stored_as_f32() const { return specials == FloatSpecials::kE8M0; }
};

// nullptr for a type that is not a narrow float.
const NarrowFloat* narrow_float(ir::ElementType t);

// 2 or 4 for int2/int4/uint2/uint4, else 0.
int narrow_int_bits(ir::ElementType t);

inline bool is_narrow(ir::ElementType t) {
  return narrow_float(t) != nullptr || narrow_int_bits(t) != 0;
}

// Bits of one element's storage value (float16 or float32 bits for floats,
// the int8/uint8 byte for integers) from its host byte, and back. Storage
// values are always on the type's grid; NaN payloads of the IEEE-like formats
// are kept in the top mantissa bits so that every host byte round-trips.
uint32_t storage_bits_of(ir::ElementType t, uint8_t host_byte);
uint8_t host_byte_of(ir::ElementType t, uint32_t storage_bits);

// Converts `count` host elements (one byte each) into storage elements
// (storage_size(t) bytes each), and back.
size_t storage_size(ir::ElementType t);
void host_to_storage(ir::ElementType t, const uint8_t* host, void* storage, size_t count);
void storage_to_host(ir::ElementType t, const void* storage, uint8_t* host, size_t count);

}  // namespace applejax::lower
