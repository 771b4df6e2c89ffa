/**
 * `deno task fuzz [reader|compile|all] [--runs=N | --seconds=S] [--jobs=N] [--build-only] [-- LIBFUZZER_FLAGS]`
 *
 * Builds the libFuzzer targets of `native/fuzz/` with clang, ASan and UBSan in
 * `build-fuzz/` (with the plugin and the native tests, which `deno task test`
 * runs under the sanitizers from the same build; installing clang and libFuzzer through the system package
 * manager when missing and allowed), seeds them with the differential corpus
 * (`build/corpus` of `deno task test`, else generated into `build-fuzz/seeds`)
 * and runs each: `--runs` inputs (default 20,000) or `--seconds` of fuzzing,
 * over `--jobs` processes (libFuzzer's fork mode). New interesting inputs go to
 * `build-fuzz/corpus-<target>/`, crashes to `build-fuzz/crashes/`, libFuzzer's
 * whole output to `build-fuzz/<target>.log`. Prints the executions, executions
 * per second and (fork mode) failure counts of each target; exits non-zero when
 * a target crashed, ran out of memory or timed out.
 *
 * @module
 */

import { readLock, renderVersionsHeader } from "../src/pins/lock.ts";
import {
  exists,
  join,
  LOCK_PATH,
  readDepsEnv,
  ROOT,
  run,
  seconds,
  VENV_PYTHON,
  writeIfChanged,
} from "./common.ts";
import { ensureSystemTools, FUZZ_TOOLS } from "./system_tools.ts";

/** The clang ASan+UBSan+coverage build directory. */
export const FUZZ_DIR: string = join(ROOT, "build-fuzz");

/** The fuzz targets: `native/fuzz/<name>_fuzz.cc`. */
export const TARGETS = ["reader", "compile"] as const;

/** What one run of the task does. */
export interface FuzzOptions {
  /** targets to run */
  targets: string[];
  /** inputs per target (when `seconds` is not given) */
  runs: number;
  /** seconds per target instead of a count */
  seconds?: number;
  /** parallel fuzzing processes (1: no fork mode) */
  jobs: number;
  /** extra libFuzzer flags */
  extra: string[];
  /** build `build-fuzz/` and stop */
  buildOnly?: boolean;
}

/** Limits every run uses: the bounds the targets promise to stay inside. */
export const LIMITS: string[] = [
  "-rss_limit_mb=2048", // the whole process
  "-malloc_limit_mb=1024", // one allocation: damaged sizes must be refused first
  "-timeout=20", // one input, seconds
];

/**
 * Parses the task's arguments.
 *
 * @param args command-line arguments
 * @returns the options
 * @throws Error on an unknown target or flag
 */
export function parseFuzzArgs(args: string[]): FuzzOptions {
  const dash = args.indexOf("--");
  const own = dash < 0 ? args : args.slice(0, dash);
  const opts: FuzzOptions = {
    targets: [],
    runs: 20000,
    jobs: 1,
    extra: dash < 0 ? [] : args.slice(dash + 1),
  };
  for (const a of own) {
    const [flag, value] = a.split("=", 2);
    if (flag === "--runs") opts.runs = Number(value);
    else if (flag === "--seconds") opts.seconds = Number(value);
    else if (flag === "--jobs") opts.jobs = Number(value);
    else if (a === "--build-only") opts.buildOnly = true;
    else if (a === "all") opts.targets.push(...TARGETS);
    else if ((TARGETS as readonly string[]).includes(a)) opts.targets.push(a);
    else throw new Error(`unknown argument ${a}`);
  }
  for (const n of [opts.runs, opts.jobs, opts.seconds ?? 1]) {
    if (!Number.isInteger(n) || n < 1) {
      throw new Error("--runs, --seconds, --jobs take integers >= 1");
    }
  }
  if (opts.targets.length === 0) opts.targets.push(...TARGETS);
  return opts;
}

/**
 * The libFuzzer command line for one target.
 *
 * @param target `reader` or `compile`
 * @param opts the options
 * @param dir the fuzz build directory
 * @returns argv
 */
export function fuzzCommand(target: string, opts: FuzzOptions, dir: string): string[] {
  const cmd = [
    join(dir, `${target}_fuzz`),
    join(dir, `corpus-${target}`),
    join(dir, "seeds"),
    // Inputs past runs found: replayed first, every run.
    join(ROOT, "native", "fuzz", "regressions"),
    ...LIMITS,
    opts.seconds ? `-max_total_time=${opts.seconds}` : `-runs=${opts.runs}`,
    `-artifact_prefix=${join(dir, "crashes")}/${target}-`,
    "-print_final_stats=1",
  ];
  // Fork mode ignores out-of-memory and timeouts unless told otherwise; both
  // are finds here (a damaged program must be refused, not allocated or spun).
  if (opts.jobs > 1) cmd.push(`-fork=${opts.jobs}`, "-ignore_ooms=0", "-ignore_timeouts=0");
  return [...cmd, ...opts.extra];
}

/** Executions and rate from libFuzzer's output, fork mode or not. */
export interface FuzzStats {
  /** inputs run */
  executions: number;
  /** inputs per second, as libFuzzer reports it (0 for very short runs) */
  perSecond: number;
  /** fork mode's out-of-memory, timeout and crash counts; null for one process */
  failures: { oom: number; timeout: number; crash: number } | null;
}

/**
 * Reads the totals from libFuzzer's output: the final stats of a single
 * process, or the last status line of fork mode
 * (`#N: cov: .. exec/s R oom/timeout/crash: a/b/c time: ..`).
 *
 * @param out libFuzzer's stderr
 * @returns the totals, or null when the output has none
 */
export function parseFuzzStats(out: string): FuzzStats | null {
  const fork = [
    ...out.matchAll(/^#(\d+): .*exec\/s:? (\d+) oom\/timeout\/crash: (\d+)\/(\d+)\/(\d+)/gm),
  ]
    .at(-1);
  if (fork) {
    const [oom, timeout, crash] = fork.slice(3, 6).map(Number);
    return {
      executions: Number(fork[1]),
      perSecond: Number(fork[2]),
      failures: { oom, timeout, crash },
    };
  }
  const units = /stat::number_of_executed_units:\s*(\d+)/.exec(out);
  const rate = /stat::average_exec_per_sec:\s*(\d+)/.exec(out);
  if (!units) return null;
  return { executions: Number(units[1]), perSecond: Number(rate?.[1] ?? 0), failures: null };
}

/** Fork mode's failure counts for the summary row; empty for one process. */
export function failureText(stats: FuzzStats | null): string {
  const f = stats?.failures;
  return f ? `  oom/timeout/crash ${f.oom}/${f.timeout}/${f.crash}` : "";
}

async function seeds(dir: string): Promise<string> {
  const out = join(dir, "seeds");
  let source = join(ROOT, "build", "corpus");
  if (!(await exists(join(source, "manifest.json")))) {
    source = join(dir, "generated-corpus");
    const r = await run([VENV_PYTHON, join(ROOT, "tests", "corpus", "generate.py"), source]);
    if (r.code !== 0) throw new Error("generating the seed corpus failed");
  }
  await Deno.mkdir(out, { recursive: true });
  let n = 0;
  for await (const e of Deno.readDir(source)) {
    if (!e.isFile || !e.name.endsWith(".mlirbc")) continue;
    await Deno.copyFile(join(source, e.name), join(out, e.name));
    n++;
  }
  console.log(`seeds: ${n} artifacts from ${source.slice(ROOT.length + 1)}`);
  return out;
}

/**
 * Configures and builds the fuzz targets in `build-fuzz/`.
 *
 * @param dir the fuzz build directory
 * @returns the exit code of the first failing step, or 0
 */
export async function buildFuzzers(dir: string): Promise<number> {
  const deps = await readDepsEnv();
  await writeIfChanged(
    join(dir, "generated", "applejax_versions.h"),
    renderVersionsHeader(await readLock(LOCK_PATH)),
  );
  const cmake = deps.CMAKE || "cmake";
  const configure = [
    cmake,
    "-S",
    ROOT,
    "-B",
    dir,
    "-G",
    "Ninja",
    `-DMLX_DIR=${deps.MLX_DIR}`,
    "-DCMAKE_BUILD_TYPE=Release",
    `-DCMAKE_CXX_COMPILER=${Deno.env.get("FUZZ_CXX") ?? "clang++"}`,
    "-DAPPLEJAX_FUZZ=ON",
    // The same instrumented build also gives the plugin and the native tests
    // with ASan+UBSan: `deno task test` runs its sanitizer stages on it
    // rather than compiling the tree once more.
    "-DAPPLEJAX_TESTS=ON",
  ];
  if (deps.NINJA) configure.push(`-DCMAKE_MAKE_PROGRAM=${deps.NINJA}`);
  let code = (await run(configure)).code;
  if (code === 0) code = (await run([cmake, "--build", dir])).code;
  return code;
}

/** What a run of the fuzz targets found. */
export interface FuzzResult {
  /** 0 when every target ran without a crash */
  code: number;
  /** one line per target: status, executions, executions per second, time */
  rows: string[];
}

/**
 * Installs clang with libFuzzer when missing and builds `build-fuzz/`.
 *
 * @returns the exit code and, on failure, what went wrong
 */
export async function ensureFuzzBuild(): Promise<{ code: number; rows: string[] }> {
  const tools = await ensureSystemTools(FUZZ_TOOLS);
  for (const d of tools.did) console.log(`- ${d}`);
  if (tools.problems.length) {
    for (const p of tools.problems) console.error(`problem: ${p}`);
    return { code: 1, rows: tools.problems };
  }
  const start = performance.now();
  const code = await buildFuzzers(FUZZ_DIR);
  if (code !== 0) return { code, rows: [`fuzz build failed (exit ${code})`] };
  console.log(`fuzz build: ok in ${seconds(performance.now() - start)} (build-fuzz/)`);
  return { code: 0, rows: [] };
}

/**
 * Installs clang with libFuzzer when missing, builds the targets in
 * `build-fuzz/`, seeds them and runs each.
 *
 * @param opts the options
 * @returns the exit code and a summary line per target
 */
export async function fuzz(opts: FuzzOptions): Promise<FuzzResult> {
  const built = await ensureFuzzBuild();
  if (built.code !== 0) return built;
  const dir = FUZZ_DIR;
  await seeds(dir);
  await Deno.mkdir(join(dir, "crashes"), { recursive: true });

  const rows: string[] = [];
  let crashed = false;
  for (const target of opts.targets) {
    await Deno.mkdir(join(dir, `corpus-${target}`), { recursive: true });
    const t = performance.now();
    const r = await run(fuzzCommand(target, opts, dir), { capture: true, echo: true });
    const out = r.stdout + r.stderr;
    await Deno.writeTextFile(join(dir, `${target}.log`), out);
    if (r.code !== 0) console.log(out.trim().split("\n").slice(-25).join("\n"));
    const stats = parseFuzzStats(out);
    const f = stats?.failures;
    const found = r.code !== 0 || (!!f && f.oom + f.timeout + f.crash > 0);
    crashed ||= found;
    rows.push(
      `${target.padEnd(8)} ${found ? "FOUND  " : "ok     "} ${
        String(stats?.executions ?? "?").padStart(10)
      } runs ${String(stats?.perSecond ?? "?").padStart(7)} exec/s  ${
        seconds(performance.now() - t)
      }${failureText(stats)}`,
    );
  }
  if (crashed) {
    rows.push(
      "inputs that crashed, ran out of memory or timed out are in build-fuzz/crashes/ (replay: <target>_fuzz FILE)",
    );
  }
  return { code: crashed ? 1 : 0, rows };
}

async function main(): Promise<number> {
  const opts = parseFuzzArgs(Deno.args);
  if (opts.buildOnly) return (await ensureFuzzBuild()).code;
  const r = await fuzz(opts);
  console.log("\n=== fuzz ===");
  for (const row of r.rows) console.log(row);
  return r.code;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    console.error(`fuzz: ${(e as Error).message}`);
    Deno.exit(2);
  }
}
