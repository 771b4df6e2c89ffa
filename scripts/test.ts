/**
 * `deno task test`
 *
 * Runs, in order: build, export of test artifacts (when
 * `tests/artifacts/export.py` exists), generation of the differential corpus
 * (when `tests/corpus/generate.py` exists), ctest in `build/`, the
 * older-jaxlib check (scripts/older_jaxlib.ts), the sanitizer build and its
 * ctest in `build-asan/`, `deno task lint` and `deno doc --lint`, the
 * libFuzzer targets (scripts/fuzz.ts, 20,000 inputs each), `deno test`,
 * pytest on `tests/python`, and pytest again against the sanitizer build.
 * Prints a summary with counts per stage and exits non-zero when any stage
 * fails.
 *
 * @module
 */

import { readLock } from "../src/pins/lock.ts";
import { build } from "./build.ts";
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
import { fuzz, parseFuzzArgs } from "./fuzz.ts";
import { checkOlderJaxlib } from "./older_jaxlib.ts";

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

/**
 * The ASan and UBSan runtimes of the host C++ compiler, as an LD_PRELOAD
 * value, or null when the compiler does not know them.
 */
async function sanitizerRuntimes(): Promise<string | null> {
  const libs: string[] = [];
  for (const name of ["libasan.so", "libubsan.so"]) {
    const r = await run(["c++", `-print-file-name=${name}`], { capture: true, echo: false });
    const path = r.stdout.trim();
    if (r.code !== 0 || !path.startsWith("/") || !(await exists(path))) return null;
    libs.push(path);
  }
  return libs.join(" ");
}

/** Result of one stage. */
interface Stage {
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

async function main(): Promise<number> {
  const stages: Stage[] = [];
  const stage = async (
    name: string,
    body: () => Promise<Omit<Stage, "name" | "ms">>,
  ): Promise<Stage> => {
    console.log(`\n=== ${name} ===`);
    const t = performance.now();
    let s: Omit<Stage, "name" | "ms">;
    try {
      s = await body();
    } catch (e) {
      s = { status: "FAILED", counts: null, note: (e as Error).message };
    }
    const done = { name, ms: performance.now() - t, ...s };
    stages.push(done);
    return done;
  };
  const skip = (note: string) =>
    Promise.resolve({ status: "skipped" as const, counts: null, note });

  const built = await stage("build", async () => {
    const code = await build({ sanitize: false });
    return { status: code === 0 ? "ok" : "FAILED", counts: null, note: code ? `exit ${code}` : "" };
  });

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
      note: [made, r.code ? `exit ${r.code}` : ""].filter((x) => x !== "").join("; "),
    };
  });

  await stage("ctest", async () => {
    if (built.status !== "ok") return skip("build failed");
    const r = await tee(["ctest", "--test-dir", join(ROOT, "build"), "--output-on-failure"]);
    const counts = parseCtest(r.out);
    return { status: r.code === 0 ? "ok" : "FAILED", counts, note: r.code ? `exit ${r.code}` : "" };
  });

  // A second, older jaxlib minor: what it writes (the announced minimum
  // StableHLO version) is read and printed as it prints it, and part of the
  // op suite runs under it (scripts/older_jaxlib.ts).
  await stage("older jaxlib", async () => {
    if (built.status !== "ok") return skip("build failed");
    const r = await checkOlderJaxlib(await readLock(LOCK_PATH), join(ROOT, "build"));
    return { status: r.ok ? "ok" : "FAILED", counts: parsePytest(r.pytest), note: r.note };
  });

  // The reader's tests again under ASan+UBSan: the truncation, corruption
  // and corpus-mutation cases are where memory errors would hide.
  await stage("asan ctest", async () => {
    const code = await build({ sanitize: true });
    if (code !== 0) return { status: "FAILED", counts: null, note: `sanitizer build exit ${code}` };
    const r = await tee(["ctest", "--test-dir", join(ROOT, "build-asan"), "--output-on-failure"]);
    const counts = parseCtest(r.out);
    return { status: r.code === 0 ? "ok" : "FAILED", counts, note: r.code ? `exit ${r.code}` : "" };
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

  // The libFuzzer targets, built with clang (so the tree keeps building with
  // it) and run for a fixed count each; long runs are `deno task fuzz`.
  await stage("fuzz", async () => {
    const r = await fuzz(parseFuzzArgs(["--runs=20000"]));
    return { status: r.code === 0 ? "ok" : "FAILED", counts: null, note: r.rows.join("; ") };
  });

  await stage("deno test", async () => {
    const r = await tee([Deno.execPath(), "test", "-A", join(ROOT, "tests")]);
    const counts = parseDenoTest(r.out);
    return { status: r.code === 0 ? "ok" : "FAILED", counts, note: r.code ? `exit ${r.code}` : "" };
  });

  await stage("pytest", async () => {
    if (!(await exists(join(ROOT, "tests", "python")))) return skip("tests/python does not exist");
    const r = await tee([VENV_PYTHON, "-m", "pytest", join(ROOT, "tests", "python"), "-q"]);
    const counts = parsePytest(r.out);
    // Exit 5 means no tests were collected: the suite vanished, which is a failure.
    return { status: r.code === 0 ? "ok" : "FAILED", counts, note: r.code ? `exit ${r.code}` : "" };
  });

  // The whole op suite once more, with the plugin built with ASan+UBSan and
  // the sanitizer runtimes preloaded into Python (which is not instrumented).
  await stage("asan pytest", async () => {
    if (!(await exists(join(ROOT, "build-asan", pluginLibName())))) {
      return skip("no sanitizer build");
    }
    const preload = await sanitizerRuntimes();
    if (!preload) return skip("the compiler does not report libasan/libubsan");
    // Not test_leaks: ASan's quarantine holds freed memory back (256 MiB by
    // default), so resident memory climbs by design; the plain stage runs it.
    const r = await tee([
      VENV_PYTHON,
      "-m",
      "pytest",
      join(ROOT, "tests", "python"),
      "-q",
      `--ignore=${join(ROOT, "tests", "python", "test_leaks.py")}`,
    ], {
      LD_PRELOAD: preload,
      ASAN_OPTIONS: "detect_leaks=0",
      UBSAN_OPTIONS: "halt_on_error=1:print_stacktrace=1",
      APPLEJAX_PLUGIN_PATH: join(ROOT, "build-asan", pluginLibName()),
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
  });

  console.log("\n=== summary ===");
  for (const s of stages) {
    const detail = [fmtCounts(s.counts), s.note].filter((x) => x !== "").join("; ");
    console.log(
      `${s.name.padEnd(10)} ${s.status.padEnd(7)} ${seconds(s.ms).padStart(7)}  ${detail}`,
    );
  }
  const failed = stages.filter((s) => s.status === "FAILED").map((s) => s.name);
  console.log(failed.length ? `FAILED: ${failed.join(", ")}` : "all stages passed");
  return failed.length ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
