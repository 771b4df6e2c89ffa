/**
 * PJRT_Buffer_Type values and the typed arrays that hold them on the host.
 *
 * @module
 */

/** The element types the harness can move between host and device. */
export type DType =
  | "pred"
  | "s8"
  | "s16"
  | "s32"
  | "s64"
  | "u8"
  | "u16"
  | "u32"
  | "u64"
  | "f16"
  | "f32"
  | "f64"
  | "bf16";

/** PJRT_Buffer_Type enum value of each dtype. */
export const BUFFER_TYPE: Record<DType, number> = {
  pred: 1,
  s8: 2,
  s16: 3,
  s32: 4,
  s64: 5,
  u8: 6,
  u16: 7,
  u32: 8,
  u64: 9,
  f16: 10,
  f32: 11,
  f64: 12,
  bf16: 13,
};

/** Bytes per element. */
export const ITEM_SIZE: Record<DType, number> = {
  pred: 1,
  s8: 1,
  s16: 2,
  s32: 4,
  s64: 8,
  u8: 1,
  u16: 2,
  u32: 4,
  u64: 8,
  f16: 2,
  f32: 4,
  f64: 8,
  bf16: 2,
};

/** Host arrays accepted for upload. */
export type HostArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/** The dtype a typed array holds (16-bit floats travel as raw Uint16Array bits). */
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

/** The dtype of a PJRT_Buffer_Type value. */
export function dtypeFromBufferType(t: number): DType {
  const hit = (Object.keys(BUFFER_TYPE) as DType[]).find((d) => BUFFER_TYPE[d] === t);
  if (!hit) throw new Error(`PJRT_Buffer_Type ${t} has no host representation in the harness`);
  return hit;
}

/** A typed array view of raw bytes for `dtype` (pred as Uint8Array, f16/bf16 as raw bits). */
export function viewAs(dtype: DType, bytes: ArrayBuffer): HostArray {
  switch (dtype) {
    case "f32":
      return new Float32Array(bytes);
    case "f64":
      return new Float64Array(bytes);
    case "s8":
      return new Int8Array(bytes);
    case "s16":
      return new Int16Array(bytes);
    case "s32":
      return new Int32Array(bytes);
    case "s64":
      return new BigInt64Array(bytes);
    case "u16":
    case "f16":
    case "bf16":
      return new Uint16Array(bytes);
    case "u32":
      return new Uint32Array(bytes);
    case "u64":
      return new BigUint64Array(bytes);
    default:
      return new Uint8Array(bytes);
  }
}
