// Arithmetic on the narrow element types (narrow_format.h says how each is
// stored): the conversions into and out of them, and the rounding that keeps
// every op's result on its type's grid.
//
// XLA's cpu backend computes a float8/float4 op in float16 (float8_e8m0fnu in
// float32) and converts the result back, and computes int2/int4 in int8; the
// oracle is bit-exact to that, so we do the same: MLX computes in the storage
// type, and the emitter calls round_result on every result of a narrow type.
// The conversions round once from the source value (XLA converts float32 and
// float64 straight to float8, not through float16), with round-to-nearest-even
// (e8m0fnu: ties away from zero) and XLA's choice of inf, NaN or saturation.
#pragma once

#include <string_view>

#include <optional>

#include <mlx/array.h>
#include <mlx/utils.h>

#include "ir/ir.h"
#include "lower/narrow_format.h"

namespace applejax::lower {

namespace mx = mlx::core;

// Whether `op_name`'s results of a narrow type must be brought back to the
// type's grid. False for the ops that only move values (reshape, slice,
// gather, ...), which XLA leaves alone, NaN payloads included, and for
// convert and bitcast_convert, which narrow_convert and narrow_bitcast
// handle.
bool rounds_narrow_result(std::string_view op_name);

// `x`, an op's result computed in the storage type of `to`, on `to`'s grid.
// `flush`: as flushes_subnormals says.
mx::array round_result(const mx::array& x, ir::ElementType to, mx::StreamOrDevice s,
                       bool flush = false);

// XLA computes float8_e8m0fnu arithmetic in float32 with subnormals flushed
// to zero, operands and results, and e8m0fnu's smallest value 2^-127 is a
// float32 subnormal: true for such an op, whose e8m0fnu operands then go
// through flush_subnormals (ops that only pick values do not flush).
bool flushes_subnormals(const ir::Op& op, const ir::Module& m);
mx::array flush_subnormals(const mx::array& x, mx::StreamOrDevice s);

// stablehlo.convert where `from` or `to` is narrow; `x` holds `from` values in
// its storage type, the result holds `to` values in `to`'s storage type.
mx::array narrow_convert(const mx::array& x, ir::ElementType from, ir::ElementType to,
                         mx::StreamOrDevice s);

// stablehlo.bitcast_convert where `from` or `to` is narrow, into `to`'s
// storage type and `shape`. nullopt when the bit widths need a sub-byte
// regrouping (int8 <-> 2 x int4), which is not supported.
std::optional<mx::array> narrow_bitcast(const mx::array& x, ir::ElementType from,
                                        ir::ElementType to, const mx::Shape& shape,
                                        mx::StreamOrDevice s);

// stablehlo.maximum/minimum of narrow floats as XLA's cpu computes them: a
// NaN first operand is the result; otherwise a NaN second operand, or equal
// operands (+0 and -0), give the AND (max) or OR (min) of the sign bits.
mx::array narrow_min_max(const mx::array& a, const mx::array& b, bool is_max,
                         mx::StreamOrDevice s);

// stablehlo.reduce_precision of a float16/bfloat16/float32/float64 `x` to
// `exponent_bits` and `mantissa_bits`, as XLA computes it: the mantissa
// rounded to nearest even, then values past the reduced range become ±inf
// and values under its smallest normal ±0 (no subnormals); NaNs unchanged.
mx::array reduce_precision_to(const mx::array& x, int exponent_bits, int mantissa_bits,
                              mx::StreamOrDevice s);

// A device array of type `t` from host bytes (one element per byte), and the
// host bytes of a device array of type `t`. For host callbacks and transfers.
mx::array narrow_from_host(ir::ElementType t, const uint8_t* host, const mx::Shape& shape);
void narrow_to_host(ir::ElementType t, const mx::array& storage, uint8_t* host);

}  // namespace applejax::lower
