/**
 * The same programs on JAX's own cpu backend, through `scripts/bench_jax.py`
 * in a Python subprocess (the project venv's interpreter by default).
 *
 * @module
 */

import { CORPUS_DIR } from "./manifest.ts";
import type { ProgramTiming, RepeatOptions, TransferTiming } from "./runner.ts";

const ROOT = decodeURIComponent(new URL("../..", import.meta.url).pathname).replace(/\/$/, "");

/** The script that runs the programs on JAX. */
export const BENCH_JAX_SCRIPT: string = `${ROOT}/scripts/bench_jax.py`;

/** The project venv's Python. */
export const DEFAULT_PYTHON: string = `${ROOT}/.venv/bin/python`;

/** What the JAX side measured. */
export interface JaxTimings {
  /** jax version */
  jax: string;
  /** the device, e.g. "cpu:0" */
  device: string;
  /** per program: XLA compile of the lowered program, and call times */
  ops: ProgramTiming[];
  /** per size: device_put and np.array copy times */
  transfers: TransferTiming[];
}

async function python(args: string[], pythonPath: string): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(pythonPath, {
      args: [BENCH_JAX_SCRIPT, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    throw new Error(
      `cannot run ${pythonPath}: ${(e as Error).message} (run \`deno task setup-deps\`)`,
    );
  }
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-5).join("\n");
    throw new Error(`bench_jax.py ${args[0]} failed (exit ${out.code}):\n${err}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/**
 * Times the named programs and the transfer sizes on JAX's cpu backend.
 *
 * @param names the corpus programs
 * @param transferBytes sizes for host↔device copies
 * @param opts counts and time budget (the same as the harness side's)
 * @param pythonPath the interpreter with jax installed
 * @param dir the corpus directory
 * @returns what JAX measured
 */
export async function timeOnJax(
  names: string[],
  transferBytes: number[],
  opts: RepeatOptions,
  pythonPath: string = DEFAULT_PYTHON,
  dir: string = CORPUS_DIR,
): Promise<JaxTimings> {
  const config = {
    names,
    warmup: opts.warmup,
    reps: opts.reps,
    budget_s: opts.budgetS,
    transfer_bytes: transferBytes,
  };
  const raw = JSON.parse(
    await python(["time", `${dir}/manifest.json`, JSON.stringify(config)], pythonPath),
  );
  return {
    jax: raw.jax,
    device: raw.device,
    ops: raw.ops.map((
      o: { name: string; compile_ms: number; first_run_ms: number; times_ms: number[] },
    ) => ({
      name: o.name,
      compileMs: o.compile_ms,
      firstRunMs: o.first_run_ms,
      timesMs: o.times_ms,
    })),
    transfers: raw.transfers.map((t: { bytes: number; h2d_ms: number[]; d2h_ms: number[] }) => ({
      bytes: t.bytes,
      h2dMs: t.h2d_ms,
      d2hMs: t.d2h_ms,
    })),
  };
}

/**
 * JAX's results for the named programs on the manifest's inputs: output k
 * of program p as raw bytes.
 *
 * @param names the corpus programs
 * @param pythonPath the interpreter with jax installed
 * @param dir the corpus directory
 * @returns bytes by program name, one entry per output
 */
export async function jaxReference(
  names: string[],
  pythonPath: string = DEFAULT_PYTHON,
  dir: string = CORPUS_DIR,
): Promise<Map<string, Uint8Array[]>> {
  const out = await Deno.makeTempDir({ prefix: "applejax-ref-" });
  try {
    await python(["reference", `${dir}/manifest.json`, out, ...names], pythonPath);
    const refs = new Map<string, Uint8Array[]>();
    for (const name of names) {
      const files: Uint8Array[] = [];
      for (let k = 0;; k++) {
        try {
          files.push(Deno.readFileSync(`${out}/${name}.${k}.bin`));
        } catch (e) {
          if (e instanceof Deno.errors.NotFound) break;
          throw e;
        }
      }
      refs.set(name, files);
    }
    return refs;
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}
