/**
 * The benchmark corpus: StableHLO artifacts generated from JAX by
 * `scripts/bench_corpus.py` and the manifest that describes them.
 *
 * @module
 */

import { type DType, parseDType } from "../ffi/dtypes.ts";

/** How an input's elements are made (see {@link makeInput}). */
export type Fill =
  | { kind: "uniform"; lo: number; hi: number }
  | { kind: "index"; n: number };

/** One argument of a program. */
export interface InputSpec {
  /** the shape */
  shape: number[];
  /** the numpy name of the element type, e.g. "float32" */
  dtype: string;
  /** how the elements are made */
  fill: Fill;
}

/** One output of a program. */
export interface OutputSpec {
  /** the shape */
  shape: number[];
  /** the numpy name of the element type */
  dtype: string;
}

/** One program of the corpus. */
export interface BenchProgram {
  /** unique name, also the artifact's base name */
  name: string;
  /** op family: elementwise, matmul, reduction, conv, gather */
  family: string;
  /** what the program computes, for tables */
  op: string;
  /** size label, for tables */
  size: string;
  /** artifact file name, relative to the corpus directory */
  file: string;
  /** artifact size in bytes */
  bytes: number;
  /** floating-point operations per call (for throughput) */
  flops: number;
  /** the arguments */
  inputs: InputSpec[];
  /** the results */
  outputs: OutputSpec[];
  /** relative tolerance against JAX's cpu backend */
  rtol: number;
  /** absolute tolerance against JAX's cpu backend */
  atol: number;
}

/** The corpus manifest (`manifest.json`). */
export interface BenchManifest {
  /** the script that wrote it */
  generator: string;
  /** the jax version that lowered the programs */
  jax: string;
  /** the StableHLO version the artifacts are serialized at */
  stablehlo_version: string;
  /** the programs */
  ops: BenchProgram[];
}

/** The committed corpus directory of this repository. */
export const CORPUS_DIR: string = decodeURIComponent(
  new URL("../../tests/fixtures/bench", import.meta.url).pathname,
);

/**
 * Reads and checks a corpus manifest.
 *
 * @param dir the corpus directory (default: the committed one)
 * @returns the manifest
 * @throws Error when it is missing or names an unknown dtype
 */
export function loadManifest(dir: string = CORPUS_DIR): BenchManifest {
  let text: string;
  try {
    text = Deno.readTextFileSync(`${dir}/manifest.json`);
  } catch (e) {
    throw new Error(
      `no benchmark corpus in ${dir}: run \`deno task bench-corpus\` (${(e as Error).message})`,
    );
  }
  const manifest = JSON.parse(text) as BenchManifest;
  for (const op of manifest.ops) {
    for (const s of [...op.inputs, ...op.outputs]) parseDType(s.dtype);
  }
  return manifest;
}

/**
 * The dtype of an input or output spec.
 *
 * @param spec an input or output
 * @returns its dtype
 */
export function specDType(spec: { dtype: string }): DType {
  return parseDType(spec.dtype);
}
