/**
 * The committed lock file `applejax.lock.json`: its types, validation, and what
 * is derived from it (pip requirements, the generated C++ versions header).
 *
 * @module
 */

import { compareVersions, parseVersion } from "./parse.ts";

/** Operating systems the lock distinguishes (values of `Deno.build.os`). */
export type LockOs = "linux" | "darwin";

/** One pinned Python distribution. */
export interface PythonPin {
  /** Distribution name as on PyPI. */
  name: string;
  /** Exact version. */
  version: string;
  /** Extras to request per OS, e.g. `{ linux: ["cpu"] }` for `mlx[cpu]`. */
  extras?: Partial<Record<LockOs, string[]>>;
  /** OSes the pin applies to; all when absent. */
  platforms?: LockOs[];
}

/** One link of the jaxlib → XLA → LLVM/StableHLO chain. */
export interface ChainLink {
  /** Full git commit, or null when it could not be traced. */
  commit: string | null;
  /** sha256 of the source archive, or null. */
  sha256: string | null;
  /** `owner/repo@ref:path` the commit was read from. */
  source: string;
  /** Why `commit` is null; absent when it is known. */
  reason?: string;
}

/**
 * One end of the jax range the project verifies (`older_jaxlib`: the oldest,
 * `newest_jaxlib`: the newest on PyPI), installed in a venv of its own.
 */
export interface JaxEnd {
  /** Free text for readers of the file. */
  comment?: string;
  /** The venv it is installed in, relative to the repository root. */
  venv: string;
  /** The Python minor it needs (e.g. "3.12"); absent: the `python3` on PATH. */
  python?: string;
  /** `get_current_version()` of its StableHLO: the newest it can write. */
  stablehlo_current: string;
  /** The PJRT C API version the framework side of this jaxlib speaks. */
  pjrt_api: string;
  /** Its pinned distributions: jax and jaxlib at one version, and their needs. */
  packages: PythonPin[];
}

/** The whole lock file. */
export interface Lock {
  /** Lock format version; currently 1. */
  schema: 1;
  /** Free text for readers of the file. */
  comment?: string;
  /** Python interpreter requirement and pinned distributions. */
  python: { requires: string; packages: PythonPin[] };
  /** The Deno version the tasks are run with. */
  deno: { version: string; source: string };
  /** Minimum versions of native tools, e.g. `{ cmake: ">=3.24" }`. */
  tools: Record<string, string>;
  /** The traced dependency chain. */
  chain: {
    /** the pinned jax; `pjrt_api`: the PJRT C API version its jaxlib speaks */
    jax: { version: string; tag: string; pjrt_api?: string };
    xla: ChainLink;
    llvm: ChainLink;
    stablehlo: ChainLink;
  };
  /**
   * A second, older jaxlib minor the reader is verified against: its own
   * StableHLO version is the plugin's announced minimum. Absent: the plugin
   * announces only `plugin_current`.
   */
  older_jaxlib?: JaxEnd;
  /**
   * The newest jax minor on PyPI the project verifies: it writes the plugin's
   * announced current StableHLO version (stepping down from its own).
   */
  newest_jaxlib?: JaxEnd;
  /** StableHLO versions: what jaxlib knows and what the plugin announces. */
  stablehlo: {
    jaxlib_current: string;
    jaxlib_minimum: string;
    jaxlib_source: string;
    plugin_current: string;
    plugin_minimum: string;
  };
}

function fail(msg: string): never {
  throw new Error(`applejax.lock.json: ${msg}`);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== "string" || v === "") fail(`${where}.${key} must be a non-empty string`);
  return v;
}

function checkPins(v: unknown, where: string): void {
  if (!Array.isArray(v) || v.length === 0) fail(`${where} must be a non-empty array`);
  const seen = new Set<string>();
  for (const [i, p] of v.entries()) {
    if (!isObj(p)) fail(`${where}[${i}] must be an object`);
    const name = str(p, "name", `${where}[${i}]`);
    str(p, "version", `${where}[${i}]`);
    const key = normalizeName(name);
    if (seen.has(key)) fail(`${where}: ${name} is pinned twice`);
    seen.add(key);
  }
}

// The older jaxlib's StableHLO version is where the announced range starts:
// the plugin announces only versions a real jaxlib was seen to write and the
// reader was seen to read.
function checkEnd(value: Record<string, unknown>, key: string): string {
  const o = value[key];
  if (!isObj(o)) fail(`${key} must be an object`);
  str(o, "venv", key);
  if (o.python !== undefined && !/^\d+\.\d+$/.test(String(o.python))) {
    fail(`${key}.python must be a minor version such as "3.12"`);
  }
  parseVersion(str(o, "stablehlo_current", key));
  str(o, "pjrt_api", key);
  checkPins(o.packages, `${key}.packages`);
  const pins = o.packages as PythonPin[];
  const version = (n: string) => pins.find((p) => normalizeName(p.name) === n)?.version;
  const jaxlib = version("jaxlib");
  if (!jaxlib || version("jax") !== jaxlib) {
    fail(`${key}.packages must pin jax and jaxlib at one version`);
  }
  return jaxlib;
}

function checkOlderJaxlib(value: Record<string, unknown>): void {
  const s = value.stablehlo as Lock["stablehlo"];
  const pinned = (value.chain as Lock["chain"]).jax.version;
  if (value.newest_jaxlib !== undefined) {
    const jaxlib = checkEnd(value, "newest_jaxlib");
    if (compareVersions(jaxlib, pinned) <= 0) {
      fail(`newest_jaxlib's jaxlib ${jaxlib} is not newer than the pinned one`);
    }
    const own = (value.newest_jaxlib as JaxEnd).stablehlo_current;
    if (compareVersions(own, s.plugin_current) < 0) {
      fail(`newest_jaxlib writes StableHLO ${own}, older than the announced ${s.plugin_current}`);
    }
  }
  if (value.older_jaxlib === undefined) {
    if (s.plugin_minimum !== s.plugin_current) {
      fail("stablehlo.plugin_minimum differs from plugin_current but no older_jaxlib verifies it");
    }
    return;
  }
  const o = value.older_jaxlib as JaxEnd;
  const jaxlib = checkEnd(value, "older_jaxlib");
  if (compareVersions(jaxlib, pinned) >= 0) {
    fail(`older_jaxlib's jaxlib ${jaxlib} is not older than the pinned one`);
  }
  if (o.stablehlo_current !== s.plugin_minimum) {
    fail(
      `stablehlo.plugin_minimum (${s.plugin_minimum}) must be older_jaxlib.stablehlo_current ` +
        `(${o.stablehlo_current}), the StableHLO version jaxlib ${jaxlib} writes`,
    );
  }
}

function checkLink(v: unknown, where: string): void {
  if (!isObj(v)) fail(`${where} must be an object`);
  str(v, "source", where);
  for (const key of ["commit", "sha256"]) {
    const x = v[key];
    if (x !== null && typeof x !== "string") fail(`${where}.${key} must be a string or null`);
  }
  if (v.commit === null) {
    str(v, "reason", where);
  } else if (!/^[0-9a-f]{40}$/.test(v.commit as string)) {
    fail(`${where}.commit must be 40 hex digits`);
  }
}

/**
 * Checks that a parsed JSON value has the lock's shape and consistent versions.
 *
 * @param value the parsed JSON
 * @returns the same value, typed
 * @throws Error naming the first problem found
 */
export function validateLock(value: unknown): Lock {
  if (!isObj(value)) fail("top level must be an object");
  if (value.schema !== 1) fail(`unsupported schema ${String(value.schema)} (expected 1)`);
  const py = value.python;
  if (!isObj(py)) fail("python must be an object");
  str(py, "requires", "python");
  checkPins(py.packages, "python.packages");
  const deno = value.deno;
  if (!isObj(deno)) fail("deno must be an object");
  str(deno, "version", "deno");
  const chain = value.chain;
  if (!isObj(chain)) fail("chain must be an object");
  if (!isObj(chain.jax)) fail("chain.jax must be an object");
  str(chain.jax, "version", "chain.jax");
  str(chain.jax, "tag", "chain.jax");
  for (const link of ["xla", "llvm", "stablehlo"]) checkLink(chain[link], `chain.${link}`);
  const s = value.stablehlo;
  if (!isObj(s)) fail("stablehlo must be an object");
  for (const key of ["jaxlib_current", "jaxlib_minimum", "plugin_current", "plugin_minimum"]) {
    parseVersion(str(s, key, "stablehlo"));
  }
  const sv = s as Lock["stablehlo"];
  if (compareVersions(sv.plugin_minimum, sv.plugin_current) > 0) {
    fail("stablehlo.plugin_minimum is newer than plugin_current");
  }
  if (compareVersions(sv.plugin_current, sv.jaxlib_current) > 0) {
    fail("stablehlo.plugin_current is newer than jaxlib can write (jaxlib_current)");
  }
  if (compareVersions(sv.plugin_minimum, sv.jaxlib_minimum) < 0) {
    fail("stablehlo.plugin_minimum is older than jaxlib can write (jaxlib_minimum)");
  }
  checkOlderJaxlib(value);
  return value as unknown as Lock;
}

/**
 * Parses and validates the text of a lock file.
 *
 * @param text JSON text
 * @returns the validated lock
 */
export function parseLock(text: string): Lock {
  return validateLock(JSON.parse(text));
}

/**
 * Reads and validates a lock file from disk.
 *
 * @param path path of `applejax.lock.json`
 * @returns the validated lock
 */
export async function readLock(path: string): Promise<Lock> {
  return parseLock(await Deno.readTextFile(path));
}

/**
 * Serialises a lock the way it is committed: two-space JSON and a final newline.
 *
 * @param lock the lock
 * @returns the file's text
 */
export function serializeLock(lock: Lock): string {
  return JSON.stringify(lock, null, 2) + "\n";
}

/**
 * Normalises a Python distribution name (PEP 503): lower case, runs of `-_.` → `-`.
 *
 * @param name a distribution name
 * @returns the normalised name
 */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/**
 * The pins that apply on one OS.
 *
 * @param lock the lock
 * @param os the operating system
 * @returns the pins whose `platforms` include `os` (or have none)
 */
export function pinsFor(lock: Lock, os: LockOs): PythonPin[] {
  return lock.python.packages.filter((p) => !p.platforms || p.platforms.includes(os));
}

function requirementsOf(pins: PythonPin[], os: LockOs): string[] {
  return pins.filter((p) => !p.platforms || p.platforms.includes(os)).map((p) => {
    const extras = p.extras?.[os] ?? [];
    const extra = extras.length > 0 ? `[${extras.join(",")}]` : "";
    return `${p.name}${extra}==${p.version}`;
  });
}

function mismatchesOf(
  pins: PythonPin[],
  os: LockOs,
  installed: Record<string, string | null>,
): string[] {
  const out: string[] = [];
  for (const p of pins.filter((p) => !p.platforms || p.platforms.includes(os))) {
    const have = installed[normalizeName(p.name)] ?? null;
    if (have === null) out.push(`${p.name}: not installed (want ${p.version})`);
    else if (have !== p.version) out.push(`${p.name}: ${have} installed, want ${p.version}`);
  }
  return out;
}

/**
 * pip requirement strings for one OS, e.g. `mlx[cpu]==0.32.4` on Linux.
 *
 * @param lock the lock
 * @param os the operating system
 * @returns one `name[extras]==version` per applicable pin
 */
export function pipRequirements(lock: Lock, os: LockOs): string[] {
  return requirementsOf(lock.python.packages, os);
}

/**
 * Compares installed versions with the pins for one OS.
 *
 * @param lock the lock
 * @param os the operating system
 * @param installed normalised name → installed version (absent when not installed)
 * @returns one line per pin that is missing or at another version; empty when all match
 */
export function pinMismatches(
  lock: Lock,
  os: LockOs,
  installed: Record<string, string | null>,
): string[] {
  return mismatchesOf(lock.python.packages, os, installed);
}

/** The keys of the range's ends in the lock. */
export type JaxEndKey = "older_jaxlib" | "newest_jaxlib";

/**
 * pip requirement strings of one end's venv (see {@link JaxEnd}).
 *
 * @param lock the lock
 * @param os the operating system
 * @param end which end (default: the older)
 * @returns one `name==version` per applicable pin; empty when the lock has no such end
 */
export function olderJaxlibRequirements(
  lock: Lock,
  os: LockOs,
  end: JaxEndKey = "older_jaxlib",
): string[] {
  return requirementsOf(lock[end]?.packages ?? [], os);
}

/**
 * Compares what one end's venv holds with its pins.
 *
 * @param lock the lock
 * @param os the operating system
 * @param installed normalised name → installed version (absent when not installed)
 * @param end which end (default: the older)
 * @returns one line per pin that is missing or at another version; empty when all match
 */
export function olderJaxlibMismatches(
  lock: Lock,
  os: LockOs,
  installed: Record<string, string | null>,
  end: JaxEndKey = "older_jaxlib",
): string[] {
  return mismatchesOf(lock[end]?.packages ?? [], os, installed);
}

function cString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function cIdent(name: string): string {
  return normalizeName(name).replace(/-/g, "_").toUpperCase();
}

/**
 * Renders `applejax_versions.h`: the StableHLO range the plugin announces and
 * reads, plus the pins, as preprocessor macros. Deterministic output, so an
 * unchanged lock leaves the file (and the build) untouched.
 *
 * @param lock the lock
 * @returns the header's text
 */
export function renderVersionsHeader(lock: Lock): string {
  const s = lock.stablehlo;
  const lines: string[] = [
    "// Generated by scripts/build.ts from applejax.lock.json. Do not edit.",
    "#pragma once",
    "",
    "// StableHLO/VHLO versions the plugin announces to jaxlib and the reader accepts.",
  ];
  const version = (macro: string, v: string) => {
    const [maj, min, pat] = parseVersion(v);
    lines.push(`#define ${macro} ${cString(v)}`);
    lines.push(`#define ${macro}_MAJOR ${maj}`);
    lines.push(`#define ${macro}_MINOR ${min}`);
    lines.push(`#define ${macro}_PATCH ${pat}`);
  };
  version("APPLEJAX_STABLEHLO_CURRENT", s.plugin_current);
  version("APPLEJAX_STABLEHLO_MINIMUM", s.plugin_minimum);
  lines.push("", "// What the pinned jaxlib's own StableHLO knows.");
  lines.push(`#define APPLEJAX_JAXLIB_STABLEHLO_CURRENT ${cString(s.jaxlib_current)}`);
  lines.push(`#define APPLEJAX_JAXLIB_STABLEHLO_MINIMUM ${cString(s.jaxlib_minimum)}`);
  const oldest = lock.older_jaxlib?.packages.find((p) => p.name === "jaxlib")?.version ??
    lock.chain.jax.version;
  lines.push("", "// The oldest jaxlib the reader is verified with (it writes the minimum).");
  lines.push(`#define APPLEJAX_OLDEST_JAXLIB ${cString(oldest)}`);
  const newest = lock.newest_jaxlib?.packages.find((p) => p.name === "jaxlib")?.version ??
    lock.chain.jax.version;
  lines.push("", "// The newest jaxlib the reader is verified with.");
  lines.push(`#define APPLEJAX_NEWEST_JAXLIB ${cString(newest)}`);
  lines.push("", "// Pinned Python distributions (exact versions).");
  for (const p of lock.python.packages) {
    lines.push(`#define APPLEJAX_PIN_${cIdent(p.name)} ${cString(p.version)}`);
  }
  lines.push("", '// jaxlib -> XLA -> LLVM / StableHLO commits ("" when not traced).');
  lines.push(`#define APPLEJAX_JAX_TAG ${cString(lock.chain.jax.tag)}`);
  for (const link of ["xla", "llvm", "stablehlo"] as const) {
    const c = lock.chain[link].commit;
    lines.push(`#define APPLEJAX_${link.toUpperCase()}_COMMIT ${cString(c ?? "")}`);
  }
  return lines.join("\n") + "\n";
}
