/**
 * The reader against a second, older jaxlib minor (`older_jaxlib` in
 * `applejax.lock.json`), whose StableHLO version is the minimum the plugin
 * announces.
 *
 * {@link ensureOlderJaxlib} installs it into its own venv (idempotent; also
 * `deno task setup-deps --older-jaxlib`). {@link checkOlderJaxlib}, the
 * `older jaxlib` stage of `deno task test`, then:
 *
 * 1. exports the test artifacts and the differential corpus with that jaxlib, at
 *    its own StableHLO version, and has the native tests read each and print it
 *    exactly as that jaxlib's deserialiser does;
 * 2. has the pinned jaxlib write the test artifacts at every minor version
 *    between the two (the ends are covered by the older jaxlib and by the
 *    `artifacts` stage) and reads those;
 * 3. runs a subset of the op suite under the older jax against the plugin,
 *    end to end through the version handshake.
 *
 * @module
 */

import {
  type Lock,
  olderJaxlibMismatches,
  olderJaxlibRequirements,
  parseVersion,
} from "../src/pins/mod.ts";
import {
  exists,
  hostOs,
  installedVersions,
  join,
  pluginLibName,
  ROOT,
  run,
  VENV_PYTHON,
} from "./common.ts";

/** Op suites run under the older jax: broad and quick (about 20 s together). */
export const OLDER_JAX_SUITES: string[] = [
  "test_first_program.py",
  "test_version_handshake.py",
  "test_control_flow.py",
  "test_shape.py",
  "test_dot.py",
  "test_gather_scatter.py",
];

/** The older jaxlib's venv, ready. */
export interface OlderJaxlib {
  /** its python */
  python: string;
  /** its jaxlib version */
  jaxlib: string;
  /** the StableHLO version it writes */
  stablehlo: string;
  /** what was installed or created, for the log */
  did: string[];
}

function older(lock: Lock): NonNullable<Lock["older_jaxlib"]> {
  if (!lock.older_jaxlib) throw new Error("applejax.lock.json names no older_jaxlib");
  return lock.older_jaxlib;
}

/**
 * Creates the older jaxlib's venv and installs its pins when they differ, then
 * checks that its jaxlib writes the StableHLO version the lock says.
 *
 * @param lock the lock
 * @returns the venv's python and versions
 * @throws Error when installing fails or the version differs
 */
export async function ensureOlderJaxlib(lock: Lock): Promise<OlderJaxlib> {
  const o = older(lock);
  const venv = join(ROOT, o.venv);
  const python = join(venv, "bin", "python");
  const did: string[] = [];
  if (!(await exists(python))) {
    if ((await run(["python3", "-m", "venv", venv])).code !== 0) {
      throw new Error(`python3 -m venv ${o.venv} failed`);
    }
    did.push(`created ${o.venv}`);
  }
  const os = hostOs();
  const names = o.packages.map((p) => p.name);
  let mismatches = olderJaxlibMismatches(lock, os, await installedVersions(python, names));
  if (mismatches.length > 0) {
    for (const m of mismatches) console.log(`  ${o.venv}: ${m}`);
    const reqs = olderJaxlibRequirements(lock, os);
    const pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "-q", ...reqs];
    if ((await run(pip)).code !== 0) throw new Error(`pip install into ${o.venv} failed`);
    mismatches = olderJaxlibMismatches(lock, os, await installedVersions(python, names));
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
  console.log(`older jaxlib ${jaxlib} writes StableHLO ${writes} (${o.venv})`);
  return { python, jaxlib, stablehlo: writes, did };
}

/**
 * The minor versions strictly between the announced minimum and current, at
 * patch 0: what neither jaxlib writes by itself.
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

/** What the check found. */
export interface OlderJaxlibResult {
  /** every step passed */
  ok: boolean;
  /** pytest's output for the op suites under the older jax */
  pytest: string;
  /** one line for the summary */
  note: string;
}

/**
 * Runs the check against the native tests and plugin in `buildDir`.
 *
 * @param lock the lock
 * @param buildDir a build directory holding the native tests and the plugin
 * @returns whether it passed, with counts and a summary line
 */
export async function checkOlderJaxlib(lock: Lock, buildDir: string): Promise<OlderJaxlibResult> {
  const env = await ensureOlderJaxlib(lock);
  for (const d of env.did) console.log(`  - ${d}`);
  const out = join(buildDir, "older-jaxlib");
  const failures: string[] = [];
  const notes: string[] = [];
  const step = async (what: string, cmd: string[], extra?: Record<string, string>) => {
    console.log(`$ ${cmd.map((c) => c.replace(ROOT + "/", "")).join(" ")}`);
    const r = await run(cmd, { capture: true, env: extra, echo: false });
    const text = r.stdout + r.stderr;
    if (r.code !== 0) {
      console.log(text);
      failures.push(`${what} (exit ${r.code})`);
    }
    return text;
  };
  const test = (name: string) => join(buildDir, name);

  // 1. What the older jaxlib writes, read and printed as it prints it.
  const v = env.stablehlo;
  const artifacts = join(out, "artifacts");
  const corpus = join(out, "corpus");
  await step("export", [env.python, join(ROOT, "tests/artifacts/export.py"), artifacts, v]);
  const gen = await step("corpus", [env.python, join(ROOT, "tests/corpus/generate.py"), corpus, v]);
  console.log(gen.trim().split("\n").pop());
  for (const t of ["vhlo_reader_test", "vhlo_version_range_test"]) {
    await step(`${t} (jaxlib ${env.jaxlib})`, [test(t)], { APPLEJAX_ARTIFACTS: artifacts });
  }
  const c = await step("vhlo_corpus_test", [test("vhlo_corpus_test")], { APPLEJAX_CORPUS: corpus });
  const m = /corpus: (\d+) artifacts, (\d+) matched/.exec(c);
  notes.push(
    `jaxlib ${env.jaxlib} (StableHLO ${v}): ${m ? `${m[2]}/${m[1]}` : "?"} corpus matched`,
  );

  // 2. The versions in between, written by the pinned jaxlib.
  const between = versionsBetween(lock);
  for (const w of between) {
    const dir = join(out, `pinned-${w}`);
    await step(`export ${w}`, [VENV_PYTHON, join(ROOT, "tests/artifacts/export.py"), dir, w]);
    for (const t of ["vhlo_reader_test", "vhlo_version_range_test"]) {
      await step(`${t} (${w})`, [test(t)], { APPLEJAX_ARTIFACTS: dir });
    }
  }
  if (between.length) notes.push(`${between.join(", ")} read`);

  // 3. The op suites under the older jax, through the plugin.
  const suites = OLDER_JAX_SUITES.map((s) => join(ROOT, "tests", "python", s));
  const py = await step("pytest", [
    env.python,
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    ...suites,
  ], {
    PYTHONPATH: join(ROOT, "python"),
    APPLEJAX_PLUGIN_PATH: join(buildDir, pluginLibName()),
  });
  if (!/\d+ passed/.test(py)) failures.push("pytest ran no tests");

  if (failures.length) notes.push(`failed: ${failures.join(", ")}`);
  return { ok: failures.length === 0, pytest: py, note: notes.join("; ") };
}
