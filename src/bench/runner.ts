/**
 * Timing programs and transfers through the FFI harness.
 *
 * @module
 */

import type { Client } from "../ffi/client.ts";
import type { DeviceBuffer } from "../ffi/buffer.ts";
import { type BenchProgram, CORPUS_DIR, specDType } from "./manifest.ts";
import { makeInput } from "./inputs.ts";

/** How long and how often to measure. */
export interface RepeatOptions {
  /** untimed calls first (caches, lazy initialisation) */
  warmup: number;
  /** at most this many timed calls */
  reps: number;
  /** stop after this many seconds of timed calls, once at least 5 are done */
  budgetS: number;
}

/**
 * Times `fn`: `warmup` untimed calls, then up to `reps` timed ones.
 *
 * @param fn the work; it must finish before returning
 * @param opts counts and time budget
 * @returns per-call times in ms
 */
export function repeat(fn: () => void, opts: RepeatOptions): number[] {
  for (let i = 0; i < opts.warmup; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < opts.reps) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
    if (times.length >= 5 && performance.now() - start > opts.budgetS * 1000) break;
  }
  return times;
}

/** Timings of one program through the harness. */
export interface ProgramTiming {
  /** the program */
  name: string;
  /** compiling the program, ms */
  compileMs: number;
  /** the first call after compiling, ms: includes work a backend defers to it */
  firstRunMs: number;
  /** execute-and-wait per call, ms */
  timesMs: number[];
}

function closeAll(buffers: DeviceBuffer[]): void {
  for (const b of buffers) b.close();
}

/**
 * Compiles one corpus program, uploads its inputs, and times execution
 * (PJRT_LoadedExecutable_Execute until its completion event fires). Every
 * output is checked against the manifest's shape once, then freed per call.
 *
 * @param client the client
 * @param program the corpus entry
 * @param opts counts and time budget
 * @param dir the corpus directory
 * @returns the timings
 */
export function timeProgram(
  client: Client,
  program: BenchProgram,
  opts: RepeatOptions,
  dir: string = CORPUS_DIR,
): ProgramTiming {
  const bytes = Deno.readFileSync(`${dir}/${program.file}`);
  const t = performance.now();
  using exe = client.compile(bytes);
  const compileMs = performance.now() - t;
  const args = program.inputs.map((spec, k) =>
    client.upload(makeInput(spec, k), spec.shape, specDType(spec))
  );
  try {
    const first = performance.now();
    const outs = exe.execute(args);
    const firstRunMs = performance.now() - first;
    const got = outs.map((o) => `${o.dtype()}[${o.dims()}]`).join(", ");
    closeAll(outs);
    const want = program.outputs.map((o) => `${specDType(o)}[${o.shape}]`).join(", ");
    if (got !== want) throw new Error(`${program.name}: outputs are ${got}, expected ${want}`);
    const timesMs = repeat(() => closeAll(exe.execute(args)), opts);
    return { name: program.name, compileMs, firstRunMs, timesMs };
  } finally {
    closeAll(args);
  }
}

/** Timings of host↔device copies of one size. */
export interface TransferTiming {
  /** bytes per copy */
  bytes: number;
  /** host to device (BufferFromHostBuffer until the host buffer is released), ms */
  h2dMs: number[];
  /** device to host (ToHostBuffer until its event fires), ms */
  d2hMs: number[];
}

/**
 * Times uploads and read-backs of a float32 array of `bytes` bytes.
 *
 * @param client the client
 * @param bytes the size (a multiple of 4)
 * @param opts counts and time budget
 * @returns the timings
 */
export function timeTransfer(client: Client, bytes: number, opts: RepeatOptions): TransferTiming {
  const host = new Float32Array(bytes / 4).fill(1);
  const h2dMs = repeat(() => client.upload(host).close(), opts);
  using dev = client.upload(host);
  const d2hMs = repeat(() => dev.toHost(), opts);
  return { bytes, h2dMs, d2hMs };
}
