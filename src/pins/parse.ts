/**
 * Pure parsers for the files that pin jaxlib's dependencies: jax's
 * `third_party/xla/revision.bzl`, XLA's `third_party/{llvm,stablehlo}/workspace.bzl`
 * and StableHLO's `stablehlo/dialect/Version.h`. No I/O here.
 *
 * @module
 */

/** A pinned source archive: a git commit and the sha256 of its tarball, when given. */
export interface PinnedCommit {
  /** Full 40-hex git commit. */
  commit: string;
  /** sha256 of the source archive, or null when the file does not give one. */
  sha256: string | null;
}

/** A StableHLO version as `major.minor.patch`. */
export interface StablehloVersion {
  /** Version of the StableHLO dialect jaxlib would serialise to by default. */
  current: string;
  /** Oldest version this StableHLO can still deserialise. */
  minimum: string;
}

const COMMIT_RE = /^[0-9a-f]{40}$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

/**
 * Reads every top-level or indented `NAME = "value"` string assignment of a
 * Starlark (.bzl) file. Comments are ignored; later assignments win.
 *
 * @param text the file's text
 * @returns a map from assigned name to string value
 */
export function parseBzlAssignments(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/#.*$/, "").trim();
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"\s*,?$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

function pinFrom(
  vars: Map<string, string>,
  prefix: string,
  what: string,
): PinnedCommit {
  const commit = vars.get(`${prefix}_COMMIT`);
  if (commit === undefined) {
    throw new Error(`${what}: no ${prefix}_COMMIT = "..." assignment found`);
  }
  if (!COMMIT_RE.test(commit)) {
    throw new Error(`${what}: ${prefix}_COMMIT is not a 40-hex git commit: "${commit}"`);
  }
  const sha256 = vars.get(`${prefix}_SHA256`) ?? null;
  if (sha256 !== null && !SHA256_RE.test(sha256)) {
    throw new Error(`${what}: ${prefix}_SHA256 is not 64 hex digits: "${sha256}"`);
  }
  return { commit, sha256 };
}

/**
 * Parses jax's `third_party/xla/revision.bzl` (XLA_COMMIT, XLA_SHA256).
 *
 * @param text the file's text
 * @returns the XLA commit jaxlib was built from
 * @throws Error when XLA_COMMIT is missing or malformed
 */
export function parseXlaRevision(text: string): PinnedCommit {
  return pinFrom(parseBzlAssignments(text), "XLA", "revision.bzl");
}

/**
 * Parses XLA's `third_party/llvm/workspace.bzl` (LLVM_COMMIT, LLVM_SHA256).
 *
 * @param text the file's text
 * @returns the LLVM commit XLA builds against
 * @throws Error when LLVM_COMMIT is missing or malformed
 */
export function parseLlvmWorkspace(text: string): PinnedCommit {
  return pinFrom(parseBzlAssignments(text), "LLVM", "llvm/workspace.bzl");
}

/**
 * Parses XLA's `third_party/stablehlo/workspace.bzl` (STABLEHLO_COMMIT, STABLEHLO_SHA256).
 *
 * @param text the file's text
 * @returns the StableHLO commit XLA builds against
 * @throws Error when STABLEHLO_COMMIT is missing or malformed
 */
export function parseStablehloWorkspace(text: string): PinnedCommit {
  return pinFrom(parseBzlAssignments(text), "STABLEHLO", "stablehlo/workspace.bzl");
}

/**
 * Parses StableHLO's `stablehlo/dialect/Version.h` for the bodies of
 * `getCurrentVersion()` and `getMinimumVersion()` (`return Version(a, b, c);`).
 *
 * @param text the header's text
 * @returns current and minimum versions as `a.b.c`
 * @throws Error when either function is not found
 */
export function parseStablehloVersionHeader(text: string): StablehloVersion {
  const find = (fn: string): string => {
    const re = new RegExp(
      `${fn}\\s*\\(\\s*\\)\\s*\\{\\s*return\\s+Version\\s*\\(\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\)`,
    );
    const m = re.exec(text);
    if (!m) throw new Error(`Version.h: no ${fn}() { return Version(a, b, c); } found`);
    return `${m[1]}.${m[2]}.${m[3]}`;
  };
  return { current: find("getCurrentVersion"), minimum: find("getMinimumVersion") };
}

/**
 * Parses a `major.minor.patch` version string.
 *
 * @param v the version string
 * @returns its three numeric parts
 * @throws Error when the string is not three dot-separated integers
 */
export function parseVersion(v: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (!m) throw new Error(`not a major.minor.patch version: "${v}"`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * Compares two dotted numeric versions (`1.17.0`, or a PyPI post-release such
 * as `0.12.0.1`); missing parts count as 0.
 *
 * @returns negative when a < b, zero when equal, positive when a > b
 */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => {
    if (!/^\d+(\.\d+)+$/.test(v)) throw new Error(`not a dotted numeric version: "${v}"`);
    return v.split(".").map(Number);
  };
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
