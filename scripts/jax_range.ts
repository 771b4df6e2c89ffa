/**
 * The two ends of the jax range the project verifies (`older_jaxlib`, the
 * oldest, and `newest_jaxlib`, the newest on PyPI, in `applejax.lock.json`),
 * each in a venv of its own with the built wheel installed into it as a user
 * would install it: from another path than the build, with its dependencies
 * resolved by pip.
 *
 * {@link ensureJaxEnd} makes the venv (idempotent; also `deno task setup-deps
 * --jax-range`). {@link checkJaxEnd}, one `jax range` stage of `deno task test`
 * per end, then:
 *
 * 1. installs the wheel from `dist/` into it and asks that jax which StableHLO
 *    version it writes for the plugin and which PJRT C API version it speaks,
 *    against the lock;
 * 2. exports the test artifacts and the differential corpus with that jaxlib
 *    at the version it writes for the plugin, and has the native tests read
 *    each and print it exactly as that jaxlib's deserialiser does;
 * 3. (older end) has the pinned jaxlib write the test artifacts at every minor
 *    version between the announced ends, and reads those;
 * 4. runs the op suites, linalg included, stratified (`--stratified`, see
 *    tests/python/conftest.py), through the installed wheel, no
 *    `APPLEJAX_PLUGIN_PATH`, no `PYTHONPATH`.
 *
 * @module
 */

import {
  compareVersions,
  type JaxEnd,
  type JaxEndKey,
  type Lock,
  olderJaxlibMismatches,
  olderJaxlibRequirements,
  parseVersion,
} from "../src/pins/mod.ts";
import { exists, hostOs, installedVersions, join, ROOT, run, VENV_PYTHON } from "./common.ts";
import { findPython } from "./python_interpreter.ts";

/**
 * Suites the range venvs (and the sanitizer subset) leave out: the framework
 * tests need flax, optax, equinox and numpyro, whose releases pin jax versions
 * of their own (they run in the pinned `.venv`); the leak check and the README
 * count are about this checkout, not about a jax version, and so are the
 * checks of its build outputs (the plugin's attributes table read from the
 * library files, the macOS wheel), which read them with lief, a pin of `.venv`
 * only.
 */
export const NOT_IN_RANGE: string[] = [
  "test_flax_nnx.py",
  "test_optax.py",
  "test_equinox.py",
  "test_numpyro.py",
  "test_examples.py",
  "test_leaks.py",
  "test_readme.py",
  "test_plugin_image.py",
  "test_macho_check.py",
];

/** One in how many cases of each parametrised test the range venvs run. */
export const RANGE_STRATIFIED = 10;

/** An end's venv, ready. */
export interface JaxEndVenv {
  /** its python */
  python: string;
  /** its jaxlib version */
  jaxlib: string;
  /** the StableHLO version its jaxlib writes by itself */
  stablehlo: string;
  /** what was installed or created, for the log */
  did: string[];
}

function end(lock: Lock, key: JaxEndKey): JaxEnd {
  const e = lock[key];
  if (!e) throw new Error(`applejax.lock.json names no ${key}`);
  return e;
}

/**
 * Creates the venv of one end and installs its pins when they differ, then
 * checks that its jaxlib's own StableHLO version is what the lock says.
 *
 * @param lock the lock
 * @param key which end
 * @returns the venv's python and versions
 * @throws Error when installing fails or a version differs
 */
export async function ensureJaxEnd(lock: Lock, key: JaxEndKey): Promise<JaxEndVenv> {
  const o = end(lock, key);
  const venv = join(ROOT, o.venv);
  const python = join(venv, "bin", "python");
  const did: string[] = [];
  if (!(await exists(python))) {
    const base = o.python ? await findPython(o.python) : { python: "python3", did: [] };
    did.push(...base.did);
    if ((await run([base.python, "-m", "venv", venv])).code !== 0) {
      throw new Error(`${base.python} -m venv ${o.venv} failed`);
    }
    did.push(`created ${o.venv} (${base.python})`);
  }
  const os = hostOs();
  const names = o.packages.map((p) => p.name);
  let mismatches = olderJaxlibMismatches(lock, os, await installedVersions(python, names), key);
  if (mismatches.length > 0) {
    for (const m of mismatches) console.log(`  ${o.venv}: ${m}`);
    const reqs = olderJaxlibRequirements(lock, os, key);
    const pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "-q", ...reqs];
    if ((await run(pip)).code !== 0) throw new Error(`pip install into ${o.venv} failed`);
    mismatches = olderJaxlibMismatches(lock, os, await installedVersions(python, names), key);
    if (mismatches.length > 0) throw new Error(`still not matching: ${mismatches.join("; ")}`);
    did.push(`pip installed ${reqs.join(" ")} into ${o.venv}`);
  }
  const r = await run(
    [
      python,
      "-c",
      "from jaxlib.mlir.dialects import stablehlo; print(stablehlo.get_current_version())",
    ],
    { capture: true },
  );
  const writes = r.stdout.trim();
  if (r.code !== 0) {
    throw new Error(`asking ${o.venv}'s jaxlib for its version: ${r.stderr.trim()}`);
  }
  const jaxlib = o.packages.find((p) => p.name === "jaxlib")!.version;
  if (writes !== o.stablehlo_current) {
    throw new Error(
      `jaxlib ${jaxlib} writes StableHLO ${writes}; the lock says ${o.stablehlo_current}`,
    );
  }
  console.log(`${key}: jaxlib ${jaxlib} knows StableHLO up to ${writes} (${o.venv})`);
  return { python, jaxlib, stablehlo: writes, did };
}

/**
 * The minor versions strictly between the announced minimum and current, at
 * patch 0: what neither end writes by itself.
 *
 * @param lock the lock
 * @returns e.g. `["1.15.0", "1.16.0"]` for 1.14.0 .. 1.17.0
 */
export function versionsBetween(lock: Lock): string[] {
  const [minMajor, minMinor] = parseVersion(lock.stablehlo.plugin_minimum);
  const [curMajor, curMinor] = parseVersion(lock.stablehlo.plugin_current);
  const out: string[] = [];
  if (minMajor !== curMajor) return out;
  for (let m = minMinor + 1; m < curMinor; m++) out.push(`${curMajor}.${m}.0`);
  return out;
}

/**
 * The framework side's PJRT C API version, from the line jaxlib logs when it
 * loads a plugin (`The framework PJRT API version is 0.116.`).
 *
 * @param log jaxlib's log output
 * @returns e.g. "0.116", or null when the line is missing
 */
export function frameworkPjrtVersion(log: string): string | null {
  return /framework PJRT API version is (\d+\.\d+)/.exec(log)?.[1] ?? null;
}

/** What the check of one end found. */
export interface JaxEndResult {
  /** every step passed */
  ok: boolean;
  /** pytest's output for the op suites under that jax */
  pytest: string;
  /** one line for the summary */
  note: string;
}

// Loads the installed plugin with jaxlib's log on (it names the PJRT version
// of its framework side) and runs one program on it.
const PROBE = `
import jax, jax.numpy as jnp
from jax_plugins import mps
mps_device = jax.devices("mps")[0]
print("library", mps.library_path())
print("result", float(jax.jit(lambda x: x + 1)(jax.device_put(jnp.float32(1), mps_device))))
`;

/**
 * Runs the check of one end against the native tests in `buildDir` and the
 * wheel in `wheel`.
 *
 * @param lock the lock
 * @param key which end
 * @param buildDir a build directory holding the native tests
 * @param wheel the built wheel to install
 * @returns whether it passed, with counts and a summary line
 */
export async function checkJaxEnd(
  lock: Lock,
  key: JaxEndKey,
  buildDir: string,
  wheel: string,
): Promise<JaxEndResult> {
  const o = end(lock, key);
  const env = await ensureJaxEnd(lock, key);
  const log: string[] = env.did.map((d) => `  - ${d}`);
  const out = join(buildDir, key.replace("_", "-"));
  const failures: string[] = [];
  const notes: string[] = [];
  const step = async (what: string, cmd: string[], extra?: Record<string, string>) => {
    log.push(`$ ${cmd.map((c) => c.replace(ROOT + "/", "")).join(" ")}`);
    const r = await run(cmd, { capture: true, env: extra, echo: false });
    const text = r.stdout + r.stderr;
    if (r.code !== 0) {
      log.push(text);
      failures.push(`${what} (exit ${r.code})`);
    }
    return text;
  };
  const test = (name: string) => join(buildDir, name);
  // Nothing from this checkout on the path: the venv's own site-packages only.
  const clean = { PYTHONPATH: "", APPLEJAX_PLUGIN_PATH: "" };

  // 1. The wheel, installed as a user would (pip resolves mlx, mlx-cpu and
  // scipy-openblas32 against the wheel's pins and keeps the venv's jax), then
  // reinstalled without dependencies so a rebuilt wheel of the same version
  // replaces the last one.
  const pip = [env.python, "-m", "pip", "install", "--disable-pip-version-check", "-q"];
  await step("pip install wheel", [...pip, wheel]);
  await step("pip reinstall wheel", [...pip, "--force-reinstall", "--no-deps", wheel]);
  const probe = await step("probe", [env.python, "-c", PROBE], {
    ...clean,
    TF_CPP_MIN_LOG_LEVEL: "0",
  });
  const pjrt = frameworkPjrtVersion(probe);
  if (pjrt !== o.pjrt_api) {
    failures.push(`jaxlib ${env.jaxlib} speaks PJRT ${pjrt ?? "?"}; the lock says ${o.pjrt_api}`);
  }
  if (!/^result 2\.0$/m.test(probe)) failures.push("the installed wheel did not run x + 1");
  // What this jax writes for the plugin: the newest version both know.
  const written = compareVersions(env.stablehlo, lock.stablehlo.plugin_current) > 0
    ? lock.stablehlo.plugin_current
    : env.stablehlo;

  // 2. What it writes, read and printed as it prints it.
  const artifacts = join(out, "artifacts");
  const corpus = join(out, "corpus");
  const exporter = join(ROOT, "tests/artifacts/export.py");
  await step("export", [env.python, exporter, artifacts, written], clean);
  const gen = await step("corpus", [
    env.python,
    join(ROOT, "tests/corpus/generate.py"),
    corpus,
    written,
  ], clean);
  log.push(gen.trim().split("\n").pop() ?? "");
  for (const t of ["vhlo_reader_test", "vhlo_version_range_test"]) {
    await step(`${t} (jaxlib ${env.jaxlib})`, [test(t)], { APPLEJAX_ARTIFACTS: artifacts });
  }
  const c = await step("vhlo_corpus_test", [test("vhlo_corpus_test")], { APPLEJAX_CORPUS: corpus });
  const m = /corpus: (\d+) artifacts, (\d+) matched/.exec(c);
  notes.push(
    `jax ${env.jaxlib} (PJRT ${pjrt ?? "?"}, writes StableHLO ${written}): ` +
      `${m ? `${m[2]}/${m[1]}` : "?"} corpus matched`,
  );

  // 3. The versions in between, written by the pinned jaxlib.
  if (key === "older_jaxlib") {
    const between = versionsBetween(lock);
    for (const w of between) {
      const dir = join(out, `pinned-${w}`);
      await step(`export ${w}`, [VENV_PYTHON, exporter, dir, w]);
      for (const t of ["vhlo_reader_test", "vhlo_version_range_test"]) {
        await step(`${t} (${w})`, [test(t)], { APPLEJAX_ARTIFACTS: dir });
      }
    }
    if (between.length) notes.push(`${between.join(", ")} read`);
  }

  // 4. The op suites under this jax, through the installed wheel.
  const py = await step("pytest", [
    env.python,
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    "-n",
    "2",
    "--dist",
    "worksteal",
    "-m",
    "not frameworks",
    `--stratified=${RANGE_STRATIFIED}`,
    ...NOT_IN_RANGE.map((f) => `--ignore=${join(ROOT, "tests", "python", f)}`),
    join(ROOT, "tests", "python"),
  ], clean);
  log.push(py.trim().split("\n").pop() ?? "");
  if (!/\d+ passed/.test(py)) failures.push("pytest ran no tests");

  if (failures.length) notes.push(`failed: ${failures.join(", ")}`);
  console.log(log.join("\n"));
  return { ok: failures.length === 0, pytest: py, note: notes.join("; ") };
}
