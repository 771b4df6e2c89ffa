/**
 * Traces jax → XLA → LLVM/StableHLO commits. The network is used only through
 * the `TextFetcher` passed in, so tests run offline on recorded fixtures and
 * `deno task setup-deps --refresh` passes {@link fetchGithubRaw}.
 *
 * @module
 */

import type { Lock } from "./lock.ts";
import {
  parseLlvmWorkspace,
  parseStablehloVersionHeader,
  parseStablehloWorkspace,
  parseXlaRevision,
  type PinnedCommit,
  type StablehloVersion,
} from "./parse.ts";

/** Where a file lives on GitHub: repository, git ref (tag or commit) and path. */
export interface GithubFile {
  /** `owner/name` */
  repo: string;
  /** tag, branch or commit */
  ref: string;
  /** path inside the repository */
  path: string;
}

/** Fetches the text of one file; rejects when it cannot. */
export type TextFetcher = (file: GithubFile) => Promise<string>;

/** Result of tracing the chain for one jax version. */
export interface TracedChain {
  /** The jax release tag traced from, e.g. `jax-v0.10.2`. */
  jaxTag: string;
  /** XLA commit from jax's revision.bzl. */
  xla: PinnedCommit;
  /** LLVM commit from XLA's llvm/workspace.bzl. */
  llvm: PinnedCommit;
  /** StableHLO commit from XLA's stablehlo/workspace.bzl. */
  stablehlo: PinnedCommit;
  /** StableHLO versions from StableHLO's Version.h at that commit. */
  stablehloVersion: StablehloVersion;
}

/** The files the trace reads, in order. */
export const TRACE_PATHS = {
  xlaRevision: "third_party/xla/revision.bzl",
  llvmWorkspace: "third_party/llvm/workspace.bzl",
  stablehloWorkspace: "third_party/stablehlo/workspace.bzl",
  stablehloVersionHeader: "stablehlo/dialect/Version.h",
} as const;

/**
 * The raw.githubusercontent.com URL of a file.
 *
 * @param file repository, ref and path
 * @returns the URL
 */
export function githubRawUrl(file: GithubFile): string {
  return `https://raw.githubusercontent.com/${file.repo}/${file.ref}/${file.path}`;
}

/**
 * Formats a file location the way the lock records sources: `owner/repo@ref:path`.
 *
 * @param file repository, ref and path
 * @returns the source string
 */
export function sourceOf(file: GithubFile): string {
  return `${file.repo}@${file.ref}:${file.path}`;
}

/**
 * Fetches a file from raw.githubusercontent.com (network; used only by `--refresh`).
 *
 * @param file repository, ref and path
 * @returns the file's text
 * @throws Error on a non-2xx status or network failure
 */
export async function fetchGithubRaw(file: GithubFile): Promise<string> {
  const url = githubRawUrl(file);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    const cause = (e as Error).cause;
    const why = cause instanceof Error ? cause.message : String(cause ?? "");
    throw new Error(`GET ${url}: ${(e as Error).message}${why ? ` (${why})` : ""}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`GET ${url}: HTTP ${res.status}`);
  }
  return await res.text();
}

/**
 * The jax release tag for a version (`0.10.2` → `jax-v0.10.2`).
 *
 * @param version a jax version
 * @returns the tag name
 */
export function jaxTag(version: string): string {
  return `jax-v${version}`;
}

/**
 * Traces the chain for one jax version: revision.bzl at the jax tag gives XLA;
 * XLA's workspace files give LLVM and StableHLO; StableHLO's Version.h gives its version.
 *
 * @param jaxVersion e.g. `0.10.2`
 * @param fetchText how to read files (network or fixtures)
 * @returns every link with its commit
 */
export async function traceChain(
  jaxVersion: string,
  fetchText: TextFetcher,
): Promise<TracedChain> {
  const tag = jaxTag(jaxVersion);
  const xla = parseXlaRevision(
    await fetchText({ repo: "jax-ml/jax", ref: tag, path: TRACE_PATHS.xlaRevision }),
  );
  const [llvmText, shloText] = await Promise.all([
    fetchText({ repo: "openxla/xla", ref: xla.commit, path: TRACE_PATHS.llvmWorkspace }),
    fetchText({ repo: "openxla/xla", ref: xla.commit, path: TRACE_PATHS.stablehloWorkspace }),
  ]);
  const llvm = parseLlvmWorkspace(llvmText);
  const stablehlo = parseStablehloWorkspace(shloText);
  const stablehloVersion = parseStablehloVersionHeader(
    await fetchText({
      repo: "openxla/stablehlo",
      ref: stablehlo.commit,
      path: TRACE_PATHS.stablehloVersionHeader,
    }),
  );
  return { jaxTag: tag, xla, llvm, stablehlo, stablehloVersion };
}

/**
 * Returns a copy of the lock with the traced chain written in. The plugin's
 * announced range is left alone (it is a decision, not a fact), but the
 * jaxlib_* versions are updated from StableHLO's Version.h.
 *
 * @param lock the current lock
 * @param traced the result of {@link traceChain}
 * @returns the updated lock (the input is not modified)
 */
export function applyTrace(lock: Lock, traced: TracedChain): Lock {
  const next: Lock = structuredClone(lock);
  const xlaAt = (path: string) => sourceOf({ repo: "openxla/xla", ref: traced.xla.commit, path });
  next.chain.jax.tag = traced.jaxTag;
  next.chain.xla = {
    ...traced.xla,
    source: sourceOf({ repo: "jax-ml/jax", ref: traced.jaxTag, path: TRACE_PATHS.xlaRevision }),
  };
  next.chain.llvm = { ...traced.llvm, source: xlaAt(TRACE_PATHS.llvmWorkspace) };
  next.chain.stablehlo = { ...traced.stablehlo, source: xlaAt(TRACE_PATHS.stablehloWorkspace) };
  next.stablehlo.jaxlib_current = traced.stablehloVersion.current;
  next.stablehlo.jaxlib_minimum = traced.stablehloVersion.minimum;
  next.stablehlo.jaxlib_source = sourceOf({
    repo: "openxla/stablehlo",
    ref: traced.stablehlo.commit,
    path: TRACE_PATHS.stablehloVersionHeader,
  });
  return next;
}
