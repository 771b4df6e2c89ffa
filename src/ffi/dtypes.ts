/**
 * Element types: PJRT_Buffer_Type values, their sizes, and the typed arrays
 * that hold them on the host.
 *
 * Types JavaScript has no array for travel as raw bits: f16 and bf16 in a
 * Uint16Array (see `float_bits.ts` for conversions), the 8-bit floats in a
 * Uint8Array, and the sub-byte integers and f4 one element per byte (XLA's
 * default host layout for them). Complex numbers are interleaved real,
 * imaginary pairs in a Float32Array (c64) or Float64Array (c128).
 *
 * @module
 */

/** The element types of JAX arrays, by XLA's short names. */
export type DType =
  | "pred"
  | "s2"
  | "s4"
  | "s8"
  | "s16"
  | "s32"
  | "s64"
  | "u2"
  | "u4"
  | "u8"
  | "u16"
  | "u32"
  | "u64"
  | "f16"
  | "bf16"
  | "f32"
  | "f64"
  | "c64"
  | "c128"
  | "f4e2m1fn"
  | "f8e3m4"
  | "f8e4m3"
  | "f8e4m3fn"
  | "f8e4m3fnuz"
  | "f8e4m3b11fnuz"
  | "f8e5m2"
  | "f8e5m2fnuz"
  | "f8e8m0fnu";

/** The host array type of each dtype. */
export interface HostArrayTypes {
  /** booleans, one byte each (0 or 1) */
  pred: Uint8Array;
  /** 2-bit signed integers, one per byte */
  s2: Int8Array;
  /** 4-bit signed integers, one per byte */
  s4: Int8Array;
  /** int8 */
  s8: Int8Array;
  /** int16 */
  s16: Int16Array;
  /** int32 */
  s32: Int32Array;
  /** int64 */
  s64: BigInt64Array;
  /** 2-bit unsigned integers, one per byte */
  u2: Uint8Array;
  /** 4-bit unsigned integers, one per byte */
  u4: Uint8Array;
  /** uint8 */
  u8: Uint8Array;
  /** uint16 */
  u16: Uint16Array;
  /** uint32 */
  u32: Uint32Array;
  /** uint64 */
  u64: BigUint64Array;
  /** IEEE half precision as raw bits */
  f16: Uint16Array;
  /** bfloat16 as raw bits */
  bf16: Uint16Array;
  /** float32 */
  f32: Float32Array;
  /** float64 */
  f64: Float64Array;
  /** complex64 as interleaved float32 (re, im) pairs */
  c64: Float32Array;
  /** complex128 as interleaved float64 (re, im) pairs */
  c128: Float64Array;
  /** float4 e2m1fn as raw bits, one per byte */
  f4e2m1fn: Uint8Array;
  /** float8 e3m4 as raw bits */
  f8e3m4: Uint8Array;
  /** float8 e4m3 as raw bits */
  f8e4m3: Uint8Array;
  /** float8 e4m3fn as raw bits */
  f8e4m3fn: Uint8Array;
  /** float8 e4m3fnuz as raw bits */
  f8e4m3fnuz: Uint8Array;
  /** float8 e4m3b11fnuz as raw bits */
  f8e4m3b11fnuz: Uint8Array;
  /** float8 e5m2 as raw bits */
  f8e5m2: Uint8Array;
  /** float8 e5m2fnuz as raw bits */
  f8e5m2fnuz: Uint8Array;
  /** float8 e8m0fnu as raw bits */
  f8e8m0fnu: Uint8Array;
}

/** Any host array the harness moves to or from a device. */
export type HostArray = HostArrayTypes[DType];

interface DTypeInfo {
  /** PJRT_Buffer_Type */
  pjrt: number;
  /** bytes per element on the host */
  size: number;
  /** typed-array elements per array element (2 for complex) */
  lanes: number;
  /** the numpy / jax.numpy name */
  jax: string;
  /** the host array constructor */
  array: new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => HostArray;
}

const INFO: Record<DType, DTypeInfo> = {
  pred: { pjrt: 1, size: 1, lanes: 1, jax: "bool", array: Uint8Array },
  s8: { pjrt: 2, size: 1, lanes: 1, jax: "int8", array: Int8Array },
  s16: { pjrt: 3, size: 2, lanes: 1, jax: "int16", array: Int16Array },
  s32: { pjrt: 4, size: 4, lanes: 1, jax: "int32", array: Int32Array },
  s64: { pjrt: 5, size: 8, lanes: 1, jax: "int64", array: BigInt64Array },
  u8: { pjrt: 6, size: 1, lanes: 1, jax: "uint8", array: Uint8Array },
  u16: { pjrt: 7, size: 2, lanes: 1, jax: "uint16", array: Uint16Array },
  u32: { pjrt: 8, size: 4, lanes: 1, jax: "uint32", array: Uint32Array },
  u64: { pjrt: 9, size: 8, lanes: 1, jax: "uint64", array: BigUint64Array },
  f16: { pjrt: 10, size: 2, lanes: 1, jax: "float16", array: Uint16Array },
  f32: { pjrt: 11, size: 4, lanes: 1, jax: "float32", array: Float32Array },
  f64: { pjrt: 12, size: 8, lanes: 1, jax: "float64", array: Float64Array },
  bf16: { pjrt: 13, size: 2, lanes: 1, jax: "bfloat16", array: Uint16Array },
  c64: { pjrt: 14, size: 8, lanes: 2, jax: "complex64", array: Float32Array },
  c128: { pjrt: 15, size: 16, lanes: 2, jax: "complex128", array: Float64Array },
  f8e5m2: { pjrt: 16, size: 1, lanes: 1, jax: "float8_e5m2", array: Uint8Array },
  f8e4m3fn: { pjrt: 17, size: 1, lanes: 1, jax: "float8_e4m3fn", array: Uint8Array },
  f8e4m3b11fnuz: { pjrt: 18, size: 1, lanes: 1, jax: "float8_e4m3b11fnuz", array: Uint8Array },
  f8e5m2fnuz: { pjrt: 19, size: 1, lanes: 1, jax: "float8_e5m2fnuz", array: Uint8Array },
  f8e4m3fnuz: { pjrt: 20, size: 1, lanes: 1, jax: "float8_e4m3fnuz", array: Uint8Array },
  s4: { pjrt: 21, size: 1, lanes: 1, jax: "int4", array: Int8Array },
  u4: { pjrt: 22, size: 1, lanes: 1, jax: "uint4", array: Uint8Array },
  s2: { pjrt: 24, size: 1, lanes: 1, jax: "int2", array: Int8Array },
  u2: { pjrt: 25, size: 1, lanes: 1, jax: "uint2", array: Uint8Array },
  f8e4m3: { pjrt: 26, size: 1, lanes: 1, jax: "float8_e4m3", array: Uint8Array },
  f8e3m4: { pjrt: 27, size: 1, lanes: 1, jax: "float8_e3m4", array: Uint8Array },
  f8e8m0fnu: { pjrt: 28, size: 1, lanes: 1, jax: "float8_e8m0fnu", array: Uint8Array },
  f4e2m1fn: { pjrt: 29, size: 1, lanes: 1, jax: "float4_e2m1fn", array: Uint8Array },
};

function table<T>(pick: (i: DTypeInfo) => T): Record<DType, T> {
  return Object.fromEntries(
    Object.entries(INFO).map(([d, i]) => [d, pick(i)]),
  ) as Record<DType, T>;
}

/** Every dtype, in PJRT_Buffer_Type order. */
export const DTYPES: readonly DType[] = Object.keys(INFO) as DType[];

/** PJRT_Buffer_Type enum value of each dtype. */
export const BUFFER_TYPE: Record<DType, number> = table((i) => i.pjrt);

/** Bytes per element on the host (8 for c64: two float32). */
export const ITEM_SIZE: Record<DType, number> = table((i) => i.size);

/** Typed-array elements per array element: 2 for complex dtypes, else 1. */
export const LANES: Record<DType, number> = table((i) => i.lanes);

/** The numpy / jax.numpy name of each dtype, e.g. `bf16` → `"bfloat16"`. */
export const JAX_NAME: Record<DType, string> = table((i) => i.jax);

/**
 * The dtype a typed array holds by default (16-bit floats and 8-bit floats
 * travel as raw unsigned bits, so pass their dtype explicitly).
 *
 * @param a a host array
 * @returns the dtype, e.g. "f32" for a Float32Array
 */
export function dtypeOf(a: HostArray): DType {
  if (a instanceof Float32Array) return "f32";
  if (a instanceof Float64Array) return "f64";
  if (a instanceof Int8Array) return "s8";
  if (a instanceof Int16Array) return "s16";
  if (a instanceof Int32Array) return "s32";
  if (a instanceof BigInt64Array) return "s64";
  if (a instanceof Uint8Array) return "u8";
  if (a instanceof Uint16Array) return "u16";
  if (a instanceof Uint32Array) return "u32";
  return "u64";
}

/**
 * The dtype of a PJRT_Buffer_Type value.
 *
 * @param t the enum value
 * @returns its dtype
 * @throws RangeError for values with no host representation (token, s1/u1)
 */
export function dtypeFromBufferType(t: number): DType {
  const hit = DTYPES.find((d) => BUFFER_TYPE[d] === t);
  if (!hit) throw new RangeError(`PJRT_Buffer_Type ${t} has no host representation`);
  return hit;
}

/**
 * The dtype of a numpy / jax.numpy name or an XLA short name.
 *
 * @param name e.g. "float32", "bfloat16", "bool" or "f32"
 * @returns the dtype
 * @throws RangeError for an unknown name
 */
export function parseDType(name: string): DType {
  if (name in INFO) return name as DType;
  const hit = DTYPES.find((d) => JAX_NAME[d] === name);
  if (!hit) throw new RangeError(`unknown dtype ${JSON.stringify(name)}`);
  return hit;
}

/**
 * A typed-array view of raw bytes as `dtype`'s host array.
 *
 * @param dtype the element type
 * @param bytes the bytes; their length must be a multiple of the element size
 * @returns the view (no copy)
 */
export function viewAs<D extends DType>(dtype: D, bytes: ArrayBuffer): HostArrayTypes[D] {
  return new INFO[dtype].array(bytes) as HostArrayTypes[D];
}

/**
 * A zero-filled host array for `count` elements of `dtype`.
 *
 * @param dtype the element type
 * @param count number of array elements (complex elements count once)
 * @returns the array, of `count × LANES[dtype]` typed-array elements
 */
export function allocHost<D extends DType>(dtype: D, count: number): HostArrayTypes[D] {
  return viewAs(dtype, new ArrayBuffer(count * ITEM_SIZE[dtype]));
}
