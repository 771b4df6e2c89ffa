/**
 * `deno task test`
 *
 * Builds (the task has already made the host wheel and cross-built the macOS
 * wheel), then runs four tracks side by side (stages within a track in order):
 *
 * 1. the macOS wheel's check (scripts/macho_check.py, and its dependencies
 *    resolved for macOS arm64 by uv), export of the test artifacts and the differential corpus, ctest in
 *    `build/`, `deno task lint` and `deno doc --lint`, `deno test`, and the
 *    whole pytest suite on both cores (pytest-xdist);
 * 2. the clang ASan+UBSan+coverage build in `build-fuzz/` (scripts/fuzz.ts),
 *    its ctest, and pytest on a stratified subset (`--stratified`,
 *    tests/python/conftest.py) against its plugin;
 * 3. the libFuzzer targets of that build (20,000 inputs each);
 * 4. both ends of the declared jax range, each in its own venv with the wheel
 *    installed (scripts/jax_range.ts).
 *
 * Then the op-coverage check: the sanitizer subset must lower every op the
 * whole suite lowers (scripts/op_coverage.py). Prints a summary with counts
 * and time per stage and the total, and exits non-zero when any stage fails.
 * `deno task test-asan` runs the whole suite against gcc's sanitizer build.
 *
 * @module
 */

import { readLock } from "../src/pins/lock.ts";
import { build } from "./build.ts";
import { newestWheel } from "./wheel.ts";
import {
  exists,
  join,
  LOCK_PATH,
  pluginLibName,
  ROOT,
  run,
  seconds,
  VENV_PYTHON,
} from "./common.ts";
import { checkJaxEnd, NOT_IN_RANGE } from "./jax_range.ts";
import {
  MACOS_PYTHONS,
  MACOS_SITE_PACKAGES,
  MACOS_WHEEL_PLATFORM,
  resolveForMacos,
} from "./macos_target.ts";

/** Pass/fail counts parsed from a test runner's output. */
export interface Counts {
  /** tests that passed */
  passed: number;
  /** tests that failed */
  failed: number;
  /** tests skipped or ignored */
  skipped: number;
}

/**
 * Counts from ctest's summary line (`N% tests passed, F tests failed out of T`).
 *
 * @param out ctest output
 * @returns counts, or null when no summary was found
 */
export function parseCtest(out: string): Counts | null {
  const m = /(\d+)% tests passed, (\d+) tests? failed out of (\d+)/.exec(out);
  if (!m) return /No tests were found/.test(out) ? { passed: 0, failed: 0, skipped: 0 } : null;
  const failed = Number(m[2]);
  const total = Number(m[3]);
  const skipped = [...out.matchAll(/\*\*\*(Not Run|Skipped)/g)].length;
  return { passed: total - failed - skipped, failed, skipped };
}

/**
 * Counts from `deno test`'s result line (`ok | 5 passed | 0 failed | 1 ignored`).
 *
 * @param out deno test output
 * @returns counts, or null when no result line was found
 */
export function parseDenoTest(out: string): Counts | null {
  // deno colours its output; strip ANSI escapes first.
  // deno-lint-ignore no-control-regex
  const plain = out.replace(/\x1b\[[0-9;]*m/g, "");
  const m =
    /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \(\d+ steps?\))?(?: \| (\d+) ignored)?/
      .exec(plain);
  if (!m) return null;
  return { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) };
}

/**
 * Counts from pytest's final line (`3 passed, 1 failed, 2 skipped in 0.5s`).
 *
 * @param out pytest output
 * @returns counts, or null when no final line was found
 */
export function parsePytest(out: string): Counts | null {
  const lines = out.trim().split("\n").reverse();
  const last = lines.find((l) =>
    / in [\d.]+s/.test(l) && /passed|failed|error|skipped|no tests/.test(l)
  );
  if (!last) return null;
  const n = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(last)?.[1] ?? 0);
  return { passed: n("passed"), failed: n("failed") + n("errors?"), skipped: n("skipped") };
}

/**
 * Counts sanitizer reports (ASan errors, UBSan runtime errors) in output.
 *
 * @param out combined output of a run
 * @returns the number of reports
 */
export function sanitizerReports(out: string): number {
  return [...out.matchAll(/ERROR: AddressSanitizer|runtime error: /g)].length;
}

/** A sanitizer build the suite can run against. */
export interface SanitizerBuild {
  /** its directory */
  dir: string;
  /** the compiler it was built with, which knows its runtimes */
  compiler: "gcc" | "clang";
}

/** `deno task test`'s: the clang ASan+UBSan+coverage build the fuzzers share. */
export const CLANG_SANITIZED: SanitizerBuild = { dir: join(ROOT, "build-fuzz"), compiler: "clang" };

/** `deno task build --sanitize`'s: gcc, ASan+UBSan (`deno task test-asan`). */
export const GCC_SANITIZED: SanitizerBuild = { dir: join(ROOT, "build-asan"), compiler: "gcc" };

/**
 * The ASan and UBSan runtimes a build needs preloaded into an uninstrumented
 * Python, as an LD_PRELOAD value: gcc's libasan and libubsan, or clang's one
 * shared ASan runtime (which carries UBSan's handlers and weak coverage
 * hooks). Null when the compiler does not know them.
 */
async function sanitizerRuntimes(compiler: SanitizerBuild["compiler"]): Promise<string | null> {
  const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
  const [cxx, names] = compiler === "gcc"
    ? ["c++", ["libasan.so", "libubsan.so"]]
    : [Deno.env.get("FUZZ_CXX") ?? "clang++", [`libclang_rt.asan-${arch}.so`]];
  const libs: string[] = [];
  for (const name of names) {
    const r = await run([cxx, `-print-file-name=${name}`], { capture: true, echo: false });
    const path = r.stdout.trim();
    if (r.code !== 0 || !path.startsWith("/") || !(await exists(path))) return null;
    libs.push(path);
  }
  return libs.join(" ");
}

/** Result of one stage. */
export interface Stage {
  name: string;
  status: "ok" | "FAILED" | "skipped";
  counts: Counts | null;
  note: string;
  ms: number;
}

async function tee(
  cmd: string[],
  env?: Record<string, string>,
): Promise<{ code: number; out: string }> {
  console.log(`$ ${cmd.join(" ")}`);
  const r = await run(cmd, { capture: true, env, echo: false });
  const out = r.stdout + r.stderr;
  await Deno.stdout.write(new TextEncoder().encode(r.stdout));
  await Deno.stderr.write(new TextEncoder().encode(r.stderr));
  return { code: r.code, out };
}

function fmtCounts(c: Counts | null): string {
  if (!c) return "";
  return `${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ""}`;
}

/** Cases in one of how many the sanitizer stage runs (tests/python/conftest.py). */
export const ASAN_STRATIFIED = 6;

/** The order stages are listed in the summary (they run partly side by side). */
export const STAGE_ORDER: string[] = [
  "build",
  "macos wheel",
  "artifacts",
  "corpus",
  "ctest",
  "sanitizer build",
  "asan ctest",
  "deno lint",
  "fuzz",
  "deno test",
  "pytest",
  "asan pytest",
  "op coverage",
  "jax oldest",
  "jax newest",
];

async function main(): Promise<number> {
  const began = performance.now();
  const stages: Stage[] = [];
  const stage = async (
    name: string,
    body: () => Promise<Omit<Stage, "name" | "ms">>,
  ): Promise<Stage> => {
    console.log(`\n=== ${name} (started) ===`);
    const t = performance.now();
    let s: Omit<Stage, "name" | "ms">;
    try {
      s = await body();
    } catch (e) {
      s = { status: "FAILED", counts: null, note: (e as Error).message };
    }
    const done = { name, ms: performance.now() - t, ...s };
    console.log(`=== ${name}: ${done.status} in ${seconds(done.ms)} ===`);
    stages.push(done);
    return done;
  };
  const skip = (note: string) =>
    Promise.resolve({ status: "skipped" as const, counts: null, note });
  const exitNote = (code: number) => (code ? `exit ${code}` : "");

  const built = await stage("build", async () => {
    const code = await build({ sanitize: false });
    return { status: code === 0 ? "ok" : "FAILED", counts: null, note: exitNote(code) };
  });
  const lock = await readLock(LOCK_PATH);
  const dist = join(ROOT, "dist");
  const wheel = (await exists(dist)) ? await newestWheel(dist) : null;

  // Four tracks side by side; within a track stages run in order. The
  // sanitizer build starts at once (it is the longest track); ctest, the fuzz
  // seeds and the sanitizer ctest need the corpus the first track writes.
  const corpusReady = (async () => {
    const exporter = join(ROOT, "tests", "artifacts", "export.py");
    await stage("artifacts", async () => {
      if (!(await exists(exporter))) return skip("tests/artifacts/export.py does not exist");
      const out = join(ROOT, "build", "artifacts");
      const r = await tee([VENV_PYTHON, exporter, out]);
      let files = 0;
      if (await exists(out)) { for await (const e of Deno.readDir(out)) if (e.isFile) files++; }
      return {
        status: r.code === 0 ? "ok" : "FAILED",
        counts: null,
        note: `${files} files in build/artifacts${r.code ? `; exit ${r.code}` : ""}`,
      };
    });
    const generator = join(ROOT, "tests", "corpus", "generate.py");
    await stage("corpus", async () => {
      if (!(await exists(generator))) return skip("tests/corpus/generate.py does not exist");
      const r = await tee([VENV_PYTHON, generator, join(ROOT, "build", "corpus")]);
      const m = /wrote (\d+) artifacts .*dropped (\d+) of/.exec(r.out);
      const made = m ? `${m[1]} artifacts in build/corpus, ${m[2]} programs dropped` : "";
      return {
        status: r.code === 0 ? "ok" : "FAILED",
        counts: null,
        note: [made, exitNote(r.code)].filter((x) => x !== "").join("; "),
      };
    });
  })();

  const plainDumps = join(ROOT, "build", "dumps");
  const asanDumps = join(CLANG_SANITIZED.dir, "dumps");
  for (const d of [plainDumps, asanDumps]) {
    await Deno.remove(d, { recursive: true }).catch(() => {});
  }

  // The longest stage starts first: the whole suite needs only the wheel.
  const pytestTrack = (async () => {
    // The whole suite, on both cores; the programs it sends the plugin are
    // kept for the op-coverage check of the sanitizer subset.
    await stage("pytest", async () => {
      if (!(await exists(join(ROOT, "tests", "python")))) {
        return skip("tests/python does not exist");
      }
      const r = await tee([
        VENV_PYTHON,
        "-m",
        "pytest",
        join(ROOT, "tests", "python"),
        "-q",
        "-n",
        "2",
        "--dist",
        "worksteal",
      ], { APPLEJAX_DUMP_DIR: plainDumps });
      // Exit 5 means no tests were collected: the suite vanished, which is a failure.
      return {
        status: r.code === 0 ? "ok" : "FAILED",
        counts: parsePytest(r.out),
        note: exitNote(r.code),
      };
    });
  })();

  const mainTrack = (async () => {
    // The macOS wheel `deno task test` cross-built before this script: its
    // Mach-O plugin and metadata read without a Mac, and its dependencies
    // resolved for an Apple-silicon Mac.
    await stage("macos wheel", async () => {
      const macWheel = (await exists(dist))
        ? await newestWheel(dist, new RegExp(`-${MACOS_WHEEL_PLATFORM}\\.whl$`))
        : null;
      if (!macWheel) {
        return {
          status: "FAILED",
          counts: null,
          note: "dist/ has no macOS wheel: run `deno task wheel --target macos-arm64`",
        };
      }
      const check = await tee([
        VENV_PYTHON,
        join(ROOT, "scripts", "macho_check.py"),
        macWheel,
        MACOS_SITE_PACKAGES,
      ]);
      const unresolved: string[] = [];
      for (const python of MACOS_PYTHONS) {
        const r = await resolveForMacos(macWheel, python);
        console.log(`macOS arm64, Python ${python}: ${r.ok ? "resolves" : "does NOT resolve"}`);
        for (const line of r.lines) console.log(`  ${line}`);
        if (!r.ok) unresolved.push(python);
      }
      const failed = [
        check.code ? `macho_check exit ${check.code}` : "",
        unresolved.length ? `dependencies unresolved for Python ${unresolved.join(", ")}` : "",
      ].filter((x) => x);
      const size = (await Deno.stat(macWheel)).size;
      return {
        status: failed.length ? "FAILED" : "ok",
        counts: null,
        note: failed.length ? failed.join("; ") : `${(size / 1e6).toFixed(2)} MB, checked`,
      };
    });
    await corpusReady;
    await stage("ctest", async () => {
      if (built.status !== "ok") return skip("build failed");
      const r = await tee(["ctest", "--test-dir", join(ROOT, "build"), "--output-on-failure"]);
      return {
        status: r.code === 0 ? "ok" : "FAILED",
        counts: parseCtest(r.out),
        note: exitNote(r.code),
      };
    });
    // Formatting, lint, type checks and the public API's documentation.
    await stage("deno lint", async () => {
      const lint = await tee([Deno.execPath(), "task", "lint"]);
      const doc = await tee([Deno.execPath(), "doc", "--lint", join(ROOT, "mod.ts")]);
      const failed = [lint.code ? "deno task lint" : "", doc.code ? "deno doc --lint mod.ts" : ""]
        .filter((x) => x);
      return {
        status: failed.length ? "FAILED" : "ok",
        counts: null,
        note: failed.length ? `${failed.join(", ")} failed` : "",
      };
    });
    await stage("deno test", async () => {
      const r = await tee([Deno.execPath(), "test", "-A", join(ROOT, "tests")]);
      return {
        status: r.code === 0 ? "ok" : "FAILED",
        counts: parseDenoTest(r.out),
        note: exitNote(r.code),
      };
    });
  })();

  // One clang build with ASan, UBSan and libFuzzer's coverage serves the
  // fuzzers, the native tests under the sanitizers and the plugin the
  // sanitizer pytest loads (scripts/fuzz.ts builds it).
  const sanitized = CLANG_SANITIZED;
  const sanitizerBuilt = stage("sanitizer build", async () => {
    const r = await tee([
      Deno.execPath(),
      "run",
      "-A",
      join(ROOT, "scripts", "fuzz.ts"),
      "--build-only",
    ]);
    return { status: r.code === 0 ? "ok" : "FAILED", counts: null, note: exitNote(r.code) };
  });

  const asanTrack = (async () => {
    const built = await sanitizerBuilt;
    // A stratified subset of the op suites (every op-family file and test
    // function, every named variant, about one case in ASAN_STRATIFIED
    // otherwise; not the framework suites, whose training steps are long
    // under ASan and lower no op of their own: the op-coverage stage checks
    // that the subset lowers every op the whole suite lowers) against the
    // sanitized plugin, the runtimes preloaded into Python (which is not
    // instrumented). `deno task test-asan` runs the whole suite.
    await stage("asan pytest", () => {
      if (built.status !== "ok") return skip("sanitizer build failed");
      return asanPytest(sanitized, ASAN_STRATIFIED, asanDumps, NOT_IN_RANGE);
    });
  })();

  // The libFuzzer targets, run for a fixed count each (seeds: the corpus;
  // native/fuzz/regressions first; long runs are `deno task fuzz`), then the
  // native tests of the same build.
  const fuzzTrack = (async () => {
    const built = await sanitizerBuilt;
    await corpusReady;
    await stage("fuzz", async () => {
      if (built.status !== "ok") return skip("sanitizer build failed");
      const r = await tee([
        Deno.execPath(),
        "run",
        "-A",
        join(ROOT, "scripts", "fuzz.ts"),
        "--runs=20000",
      ]);
      const rows = r.out.split("\n=== fuzz ===\n")[1]?.trim().split("\n") ?? [];
      return { status: r.code === 0 ? "ok" : "FAILED", counts: null, note: rows.join("; ") };
    });
    // The reader's tests again under ASan+UBSan: the truncation, corruption
    // and corpus-mutation cases are where memory errors would hide.
    await stage("asan ctest", async () => {
      if (built.status !== "ok") return skip("sanitizer build failed");
      const r = await tee(["ctest", "--test-dir", sanitized.dir, "--output-on-failure"]);
      return {
        status: r.code === 0 ? "ok" : "FAILED",
        counts: parseCtest(r.out),
        note: exitNote(r.code),
      };
    });
  })();

  // Both ends of the declared jax range, each in its own venv with the wheel.
  const rangeTrack = (async () => {
    for (
      const [key, name] of [["older_jaxlib", "jax oldest"], [
        "newest_jaxlib",
        "jax newest",
      ]] as const
    ) {
      await stage(name, async () => {
        if (built.status !== "ok") return skip("build failed");
        if (!lock[key]) return skip(`the lock names no ${key}`);
        if (!wheel) return { status: "FAILED", counts: null, note: "no wheel in dist/" };
        const r = await checkJaxEnd(lock, key, join(ROOT, "build"), wheel);
        return { status: r.ok ? "ok" : "FAILED", counts: parsePytest(r.pytest), note: r.note };
      });
    }
  })();

  await Promise.all([pytestTrack, mainTrack, asanTrack, fuzzTrack, rangeTrack]);

  await stage("op coverage", async () => {
    if (!(await exists(plainDumps)) || !(await exists(asanDumps))) {
      return skip("a pytest stage kept no programs");
    }
    const r = await tee([
      VENV_PYTHON,
      join(ROOT, "scripts", "op_coverage.py"),
      plainDumps,
      asanDumps,
    ]);
    const line = /full run: .*/.exec(r.out)?.[0] ?? "";
    return { status: r.code === 0 ? "ok" : "FAILED", counts: null, note: line };
  });

  console.log("\n=== summary ===");
  const rank = (n: string) => {
    const i = STAGE_ORDER.indexOf(n);
    return i < 0 ? STAGE_ORDER.length : i;
  };
  for (const s of [...stages].sort((a, b) => rank(a.name) - rank(b.name))) {
    const detail = [fmtCounts(s.counts), s.note].filter((x) => x !== "").join("; ");
    console.log(
      `${s.name.padEnd(11)} ${s.status.padEnd(7)} ${seconds(s.ms).padStart(7)}  ${detail}`,
    );
  }
  console.log(`total       ${seconds(performance.now() - began).padStart(15)}  (stages overlap)`);
  const failed = stages.filter((s) => s.status === "FAILED").map((s) => s.name);
  console.log(failed.length ? `FAILED: ${failed.join(", ")}` : "all stages passed");
  return failed.length ? 1 : 0;
}

/**
 * pytest on tests/python against a sanitizer build.
 *
 * @param build the build (its plugin library and compiler)
 * @param stratified run one case in this many (1: all), every named variant kept
 * @param dumps where the plugin keeps the programs it gets (op coverage)
 * @param leaveOut suite files not to run (test_leaks.py always is)
 * @returns the stage result
 */
export async function asanPytest(
  build: SanitizerBuild,
  stratified: number,
  dumps?: string,
  leaveOut: string[] = [],
): Promise<Omit<Stage, "name" | "ms">> {
  const lib = join(build.dir, pluginLibName());
  if (!(await exists(lib))) return { status: "skipped", counts: null, note: `no ${lib}` };
  const preload = await sanitizerRuntimes(build.compiler);
  if (!preload) {
    return {
      status: "FAILED",
      counts: null,
      note: `${build.compiler} does not report its sanitizer runtimes`,
    };
  }
  // Not test_leaks: ASan's quarantine holds freed memory back (256 MiB by
  // default), so resident memory climbs by design; the plain stage runs it.
  const r = await tee([
    VENV_PYTHON,
    "-m",
    "pytest",
    join(ROOT, "tests", "python"),
    "-q",
    `--stratified=${stratified}`,
    ...(stratified > 1 ? ["--cover-params"] : []),
    // Two workers: after the whole suite, this is the longest stage, and it
    // ends the run alone on a core otherwise. ASan's reports reach this
    // process's output from the workers' inherited stderr.
    "-n",
    "2",
    "--dist",
    "worksteal",
    ...[...new Set(["test_leaks.py", ...leaveOut])].map((f) =>
      `--ignore=${join(ROOT, "tests", "python", f)}`
    ),
  ], {
    LD_PRELOAD: preload,
    ASAN_OPTIONS: "detect_leaks=0",
    UBSAN_OPTIONS: "halt_on_error=1:print_stacktrace=1",
    APPLEJAX_PLUGIN_PATH: lib,
    ...(dumps ? { APPLEJAX_DUMP_DIR: dumps } : {}),
  });
  const counts = parsePytest(r.out);
  const reports = sanitizerReports(r.out);
  const ok = r.code === 0 && reports === 0;
  return {
    status: ok ? "ok" : "FAILED",
    counts,
    note: [`${reports} sanitizer reports`, r.code ? `exit ${r.code}` : ""].filter((x) => x).join(
      "; ",
    ),
  };
}

if (import.meta.main) Deno.exit(await main());
