/**
 * Benchmark inputs, identical bit for bit to the ones `scripts/bench_ops.py`
 * makes for JAX: element i of input k is a hash of (k, i), not a random draw.
 *
 * @module
 */

import { fromNumbers } from "../ffi/convert.ts";
import type { HostArray } from "../ffi/dtypes.ts";
import { type InputSpec, specDType } from "./manifest.ts";

/**
 * MurmurHash3's 32-bit finalizer.
 *
 * @param h a 32-bit value
 * @returns its hash, as an unsigned 32-bit number
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The values of input `number` of a program, as a host array of its dtype.
 *
 * @param spec the input's shape, dtype and fill
 * @param number the input's position among the program's arguments (0-based)
 * @returns the host array
 */
export function makeInput(spec: InputSpec, number: number): HostArray {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const seed = Number((BigInt(number + 1) * 0x9e3779b9n) & 0xffffffffn);
  const values = new Float64Array(count);
  const fill = spec.fill;
  for (let i = 0; i < count; i++) {
    const h = fmix32((i + seed) >>> 0);
    values[i] = fill.kind === "uniform"
      ? fill.lo + (fill.hi - fill.lo) * (h / 2 ** 32)
      : h % fill.n;
  }
  return fromNumbers(specDType(spec), values);
}
