/**
 * Conversions between JavaScript numbers and host arrays of every dtype,
 * including the 16-bit floats that travel as raw bits.
 *
 * Rounding is round-to-nearest-even, as XLA's and numpy's conversions do, so
 * `f32ToF16(x)` gives the bits `np.float16(x)` holds.
 *
 * @module
 */

import { allocHost, type DType, type HostArray, type HostArrayTypes, LANES } from "./dtypes.ts";

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * The IEEE half-precision bits nearest to `x` (ties to even; overflow gives
 * ±infinity, NaN stays NaN).
 *
 * @param x any number (rounded to float32 first, as numpy does from float32)
 * @returns the 16 bits
 */
export function f32ToF16Bits(x: number): number {
  F32[0] = x;
  const b = U32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Below half's normal range: a subnormal m·2^-24, or zero.
    if (e < -10) return sign;
    const full = mant | 0x800000;
    const shift = 14 - e;
    let half = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const tie = 1 << (shift - 1);
    if (rest > tie || (rest === tie && (half & 1))) half++;
    return sign | half;
  }
  // A carry out of the mantissa rounds up into the exponent, and from the
  // largest finite value into infinity, which is what rounding should do.
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/**
 * The number that half-precision bits encode.
 *
 * @param h the 16 bits
 * @returns the value (exact)
 */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * The bfloat16 bits nearest to `x` (ties to even; NaN stays a quiet NaN).
 *
 * @param x any number (rounded to float32 first)
 * @returns the 16 bits
 */
export function f32ToBf16Bits(x: number): number {
  F32[0] = x;
  const b = U32[0];
  if ((b & 0x7fffffff) > 0x7f800000) return (b >>> 16) | 0x40;
  return (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
}

/**
 * The number that bfloat16 bits encode.
 *
 * @param h the 16 bits
 * @returns the value (exact)
 */
export function bf16BitsToF32(h: number): number {
  U32[0] = (h & 0xffff) << 16;
  return F32[0];
}

/**
 * Half-precision bits of each value.
 *
 * @param values numbers
 * @returns a Uint16Array for a buffer of dtype "f16"
 */
export function f32ToF16(values: ArrayLike<number>): Uint16Array<ArrayBuffer> {
  return Uint16Array.from(values as ArrayLike<number>, f32ToF16Bits);
}

/**
 * The values that half-precision bits encode.
 *
 * @param bits a buffer's "f16" contents
 * @returns the values as float32
 */
export function f16ToF32(bits: ArrayLike<number>): Float32Array<ArrayBuffer> {
  return Float32Array.from(bits, f16BitsToF32);
}

/**
 * bfloat16 bits of each value.
 *
 * @param values numbers
 * @returns a Uint16Array for a buffer of dtype "bf16"
 */
export function f32ToBf16(values: ArrayLike<number>): Uint16Array<ArrayBuffer> {
  return Uint16Array.from(values, f32ToBf16Bits);
}

/**
 * The values that bfloat16 bits encode.
 *
 * @param bits a buffer's "bf16" contents
 * @returns the values as float32
 */
export function bf16ToF32(bits: ArrayLike<number>): Float32Array<ArrayBuffer> {
  return Float32Array.from(bits, bf16BitsToF32);
}

const RAW_BITS = new Set<DType>([
  "f4e2m1fn",
  "f8e3m4",
  "f8e4m3",
  "f8e4m3fn",
  "f8e4m3fnuz",
  "f8e4m3b11fnuz",
  "f8e5m2",
  "f8e5m2fnuz",
  "f8e8m0fnu",
]);

/**
 * A host array of `dtype` holding `values`: 16-bit floats are rounded to
 * their bits, booleans become 0/1, 64-bit integers BigInts; complex dtypes
 * take interleaved (re, im) values.
 *
 * @param dtype the element type
 * @param values the values (for complex dtypes, twice as many numbers as elements)
 * @returns the host array
 * @throws RangeError for the 8-bit and 4-bit floats, which take raw bits
 *   (pass a Uint8Array and the dtype to `Client.upload` instead)
 */
export function fromNumbers<D extends DType>(
  dtype: D,
  values: ArrayLike<number>,
): HostArrayTypes[D] {
  if (RAW_BITS.has(dtype)) {
    throw new RangeError(`${dtype} has no number conversion here; upload its raw bits`);
  }
  if (values.length % LANES[dtype] !== 0) {
    throw new RangeError(`${dtype} takes (re, im) pairs; got ${values.length} numbers`);
  }
  const out = allocHost(dtype, values.length / LANES[dtype]) as HostArray;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (dtype === "f16") out[i] = f32ToF16Bits(v);
    else if (dtype === "bf16") out[i] = f32ToBf16Bits(v);
    else if (dtype === "pred") out[i] = v ? 1 : 0;
    else if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
      out[i] = BigInt(Math.trunc(v));
    } else out[i] = v;
  }
  return out as HostArrayTypes[D];
}

/**
 * The values a host array of `dtype` holds, as numbers: 16-bit floats
 * decoded, 64-bit integers converted (exact below 2^53), complex dtypes
 * interleaved (re, im).
 *
 * @param dtype the element type the array holds
 * @param data the host array (e.g. from `DeviceBuffer.toHost()`)
 * @returns the values
 * @throws RangeError for the 8-bit and 4-bit floats (raw bits only)
 */
export function toNumbers(dtype: DType, data: HostArray): Float64Array<ArrayBuffer> {
  if (RAW_BITS.has(dtype)) throw new RangeError(`${dtype} has no number conversion here`);
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    out[i] = dtype === "f16"
      ? f16BitsToF32(Number(v))
      : dtype === "bf16"
      ? bf16BitsToF32(Number(v))
      : Number(v);
  }
  return out;
}
