/**
 * `deno task bench [--quick] [--filter RE] [--out DIR] [--reps N] [--warmup N]
 *                  [--budget S] [--no-jax] [--plugin PATH] [--python PATH] [--blas openblas|reference]`
 *
 * Times every program of the committed corpus (tests/fixtures/bench) through
 * the FFI harness, compile time per artifact, and host↔device copies; then
 * the same programs and copies on JAX's cpu backend in a Python subprocess,
 * with the same warm-up and repetitions. Prints three tables (latency with
 * median and spread, compile, bandwidth) and writes `bench.svg` and
 * `results.json` into the output directory (default build/bench/). On Linux
 * the plugin's matrix products go to the OpenBLAS it links; `--blas reference`
 * keeps MLX's reference BLAS (`APPLEJAX_BLAS`).
 *
 * @module
 */

import {
  charts,
  chooseBlas,
  Client,
  compileTable,
  latencyTable,
  loadManifest,
  PjrtApi,
  renderSvg,
  timeOnJax,
  timeProgram,
  timeTransfer,
  transferTable,
} from "../mod.ts";
import type { BenchResults, JaxTimings, RepeatOptions } from "../mod.ts";
import { join, ROOT, VENV_PYTHON } from "./common.ts";

/** Parsed command line. */
export interface BenchArgs {
  /** programs whose name matches */
  filter: RegExp;
  /** where bench.svg and results.json go */
  out: string;
  /** warm-up, repetitions and time budget per measurement */
  repeat: RepeatOptions;
  /** copy sizes in bytes */
  transferBytes: number[];
  /** run the JAX side */
  jax: boolean;
  /** plugin library; undefined means the harness default */
  plugin?: string;
  /** Python with jax */
  python: string;
  /** BLAS for the plugin's matrix products on Linux */
  blas: "openblas" | "reference";
}

const USAGE = "usage: deno task bench [--quick] [--filter RE] [--out DIR] [--reps N] " +
  "[--warmup N] [--budget S] [--no-jax] [--plugin PATH] [--python PATH] [--blas openblas|reference]";

/**
 * Parses the command line.
 *
 * @param argv the arguments after the script
 * @returns the settings
 * @throws Error with the usage line for unknown or malformed flags
 */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = {
    filter: /.*/,
    out: join(ROOT, "build", "bench"),
    repeat: { warmup: 5, reps: 50, budgetS: 2 },
    transferBytes: [4 << 10, 256 << 10, 4 << 20, 32 << 20],
    jax: true,
    python: VENV_PYTHON,
    blas: "openblas",
  };
  const value = (i: number) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) {
      throw new Error(`${argv[i]} needs a value\n${USAGE}`);
    }
    return v;
  };
  const count = (i: number) => {
    const n = Number(value(i));
    if (!(n >= 0)) throw new Error(`${argv[i]} takes a non-negative number\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case "--quick":
        a.repeat = { warmup: 1, reps: 5, budgetS: 0.2 };
        a.transferBytes = [4 << 10, 4 << 20];
        break;
      case "--filter":
        a.filter = new RegExp(value(i++));
        break;
      case "--out":
        a.out = value(i++);
        break;
      case "--reps":
        a.repeat.reps = Math.max(1, count(i++));
        break;
      case "--warmup":
        a.repeat.warmup = count(i++);
        break;
      case "--budget":
        a.repeat.budgetS = count(i++);
        break;
      case "--no-jax":
        a.jax = false;
        break;
      case "--plugin":
        a.plugin = value(i++);
        break;
      case "--python":
        a.python = value(i++);
        break;
      case "--blas": {
        const choice = argv[++i];
        if (choice !== "openblas" && choice !== "reference") {
          throw new Error(`--blas takes openblas or reference\n${USAGE}`);
        }
        a.blas = choice;
        break;
      }
      default:
        throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
    }
  }
  return a;
}

/**
 * Runs the benchmark.
 *
 * @param args the settings
 * @returns the results (also printed and written)
 */
export async function bench(args: BenchArgs): Promise<BenchResults> {
  const manifest = loadManifest();
  const programs = manifest.ops.filter((p) => args.filter.test(p.name));
  if (programs.length === 0) throw new Error(`no corpus program matches ${args.filter}`);
  chooseBlas(args.blas);
  const blas = args.blas;
  using api = PjrtApi.open(args.plugin);
  using client = Client.create(api);
  const device = `${client.devices()[0]?.kind ?? "?"} (${client.platformVersion()})`;
  console.log(`harness: ${api.path}\ndevice: ${device}`);
  console.log(`plugin BLAS (APPLEJAX_BLAS): ${blas}`);
  console.log(
    `${programs.length} programs; warm-up ${args.repeat.warmup}, up to ${args.repeat.reps} ` +
      `reps or ${args.repeat.budgetS} s each`,
  );
  const results: BenchResults = { device, blas, programs: [], transfers: [] };
  const progress = Deno.stdout.isTerminal()
    ? (s: string) => Deno.stdout.writeSync(new TextEncoder().encode(`\r\x1b[K${s}`))
    : () => 0;
  for (const program of programs) {
    progress(`  ${program.name}`);
    results.programs.push({ program, harness: timeProgram(client, program, args.repeat) });
  }
  progress("");
  const harnessTransfers = args.transferBytes.map((b) => timeTransfer(client, b, args.repeat));
  let jax: JaxTimings | undefined;
  if (args.jax) {
    console.log("JAX cpu side (scripts/bench_jax.py) ...");
    try {
      jax = await timeOnJax(
        programs.map((p) => p.name),
        args.transferBytes,
        args.repeat,
        args.python,
      );
      results.jax = { version: jax.jax, device: jax.device };
    } catch (e) {
      results.jaxError = (e as Error).message;
    }
  }
  for (const r of results.programs) r.jax = jax?.ops.find((o) => o.name === r.program.name);
  results.transfers = harnessTransfers.map((h) => ({
    bytes: h.bytes,
    harness: h,
    jax: jax?.transfers.find((t) => t.bytes === h.bytes),
  }));
  report(results, args.out);
  return results;
}

function report(r: BenchResults, out: string): void {
  const jaxNote = r.jax
    ? `JAX ${r.jax.version} on ${r.jax.device}, same warm-up and repetitions`
    : `JAX side not run${r.jaxError ? `: ${r.jaxError}` : " (--no-jax)"}`;
  const blas = r.blas === "reference" ? "MLX's reference BLAS" : "OpenBLAS (scipy-openblas32)";
  console.log(`\nLatency per call (execute until the completion event); plugin matrix products`);
  console.log(`through ${blas}. ${jaxNote}.\n`);
  console.log(latencyTable(r));
  console.log("\nCompile: harness = PJRT_Client_Compile of the artifact; JAX = XLA compile");
  console.log("of the lowered program (tracing and lowering excluded). First call: the");
  console.log("first execution after compiling, where deferred work shows.\n");
  console.log(compileTable(r));
  console.log("\nTransfers (float32 arrays; JAX's cpu device memory is host memory).\n");
  console.log(transferTable(r));
  Deno.mkdirSync(out, { recursive: true });
  Deno.writeTextFileSync(join(out, "bench.svg"), renderSvg(charts(r)));
  Deno.writeTextFileSync(join(out, "results.json"), JSON.stringify(r, null, 1) + "\n");
  console.log(`\nwrote ${join(out, "bench.svg")} and ${join(out, "results.json")}`);
}

if (import.meta.main) {
  try {
    await bench(parseBenchArgs(Deno.args));
  } catch (e) {
    console.error(`bench: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
