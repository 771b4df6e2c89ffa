import assert from "node:assert/strict";
import {
  applyTrace,
  compareVersions,
  type GithubFile,
  githubRawUrl,
  jaxTag,
  parseBzlAssignments,
  parseLlvmWorkspace,
  parseStablehloVersionHeader,
  parseStablehloWorkspace,
  parseXlaRevision,
  readLock,
  traceChain,
  validateLock,
} from "../mod.ts";

const FIXTURES = new URL("./fixtures/pins/", import.meta.url);
const fixture = (name: string) => Deno.readTextFile(new URL(name, FIXTURES));
const XLA = "5a9e73cbd92530cac2ac36f4736a774b2412afe2";

/** Serves the recorded fixtures in place of raw.githubusercontent.com. */
function fixtureFetcher(seen: string[]) {
  const files: Record<string, string> = {
    "jax-ml/jax@jax-v0.10.2:third_party/xla/revision.bzl": "revision.bzl",
    [`openxla/xla@${XLA}:third_party/llvm/workspace.bzl`]: "llvm_workspace.bzl",
    [`openxla/xla@${XLA}:third_party/stablehlo/workspace.bzl`]: "stablehlo_workspace.bzl",
    ["openxla/stablehlo@2222222222222222222222222222222222222222:stablehlo/dialect/Version.h"]:
      "Version.h",
  };
  return (f: GithubFile): Promise<string> => {
    const key = `${f.repo}@${f.ref}:${f.path}`;
    seen.push(key);
    const name = files[key];
    return name ? fixture(name) : Promise.reject(new Error(`no fixture for ${key}`));
  };
}

Deno.test("revision.bzl gives the XLA commit jaxlib 0.10.2 was built from", async () => {
  const pin = parseXlaRevision(await fixture("revision.bzl"));
  assert.equal(pin.commit, XLA);
  assert.equal(pin.sha256, "08a52210a04cd68d38f6201d56273d04ac0f8b4e0da9f72677c74a48cc637422");
});

Deno.test("workspace.bzl parsers read indented assignments and ignore comments", async () => {
  const llvm = parseLlvmWorkspace(await fixture("llvm_workspace.bzl"));
  assert.equal(llvm.commit, "1".repeat(40));
  assert.equal(llvm.sha256, "1".repeat(64));
  const shlo = parseStablehloWorkspace(await fixture("stablehlo_workspace.bzl"));
  assert.equal(shlo.commit, "2".repeat(40));
});

Deno.test("bzl assignments: later wins, non-string values are skipped", () => {
  const vars = parseBzlAssignments('A = "x"\nB = 3\n  A = "y"  # note\nC = "z",\n');
  assert.deepEqual([...vars], [["A", "y"], ["C", "z"]]);
});

Deno.test("parsers reject missing or malformed commits", () => {
  assert.throws(() => parseXlaRevision('XLA_SHA256 = ""\n'), /no XLA_COMMIT/);
  assert.throws(() => parseXlaRevision('XLA_COMMIT = "abc123"\n'), /40-hex/);
  assert.throws(
    () => parseLlvmWorkspace(`LLVM_COMMIT = "${"a".repeat(40)}"\nLLVM_SHA256 = "short"\n`),
    /64 hex/,
  );
  assert.equal(parseLlvmWorkspace(`LLVM_COMMIT = "${"a".repeat(40)}"\n`).sha256, null);
});

Deno.test("Version.h gives current and minimum StableHLO versions", async () => {
  assert.deepEqual(parseStablehloVersionHeader(await fixture("Version.h")), {
    current: "1.17.0",
    minimum: "0.9.0",
  });
  assert.throws(() => parseStablehloVersionHeader("int x;"), /getCurrentVersion/);
});

Deno.test("versions compare numerically", () => {
  assert.ok(compareVersions("1.10.0", "1.9.9") > 0);
  assert.equal(compareVersions("1.17.0", "1.17.0"), 0);
  assert.ok(compareVersions("0.9.0", "1.17.0") < 0);
  assert.equal(compareVersions("1.17", "1.17.0"), 0);
  assert.ok(compareVersions("0.12.0.1", "0.12.0") > 0);
  assert.ok(compareVersions("0.12.0.1", "0.13") < 0);
  assert.throws(() => compareVersions("0.13.0rc1", "0.13.0"), /dotted numeric/);
});

Deno.test("raw URLs and tags", () => {
  assert.equal(jaxTag("0.10.2"), "jax-v0.10.2");
  assert.equal(
    githubRawUrl({ repo: "openxla/xla", ref: XLA, path: "third_party/llvm/workspace.bzl" }),
    `https://raw.githubusercontent.com/openxla/xla/${XLA}/third_party/llvm/workspace.bzl`,
  );
});

Deno.test("traceChain follows jax -> XLA -> LLVM/StableHLO -> Version.h offline", async () => {
  const seen: string[] = [];
  const traced = await traceChain("0.10.2", fixtureFetcher(seen));
  assert.equal(seen.length, 4);
  assert.equal(traced.jaxTag, "jax-v0.10.2");
  assert.equal(traced.xla.commit, XLA);
  assert.equal(traced.llvm.commit, "1".repeat(40));
  assert.equal(traced.stablehlo.commit, "2".repeat(40));
  assert.deepEqual(traced.stablehloVersion, { current: "1.17.0", minimum: "0.9.0" });
});

Deno.test("traceChain surfaces fetch failures", async () => {
  await assert.rejects(
    traceChain("9.9.9", fixtureFetcher([])),
    /no fixture for jax-ml\/jax@jax-v9/,
  );
});

Deno.test("applyTrace fills the chain, drops reasons, keeps the announced range", async () => {
  const lock = await readLock(new URL("../applejax.lock.json", import.meta.url).pathname);
  const traced = await traceChain("0.10.2", fixtureFetcher([]));
  const next = validateLock(applyTrace(lock, traced));
  assert.equal(next.chain.llvm.commit, "1".repeat(40));
  assert.equal(next.chain.llvm.reason, undefined);
  assert.equal(
    next.chain.llvm.source,
    `openxla/xla@${XLA}:third_party/llvm/workspace.bzl`,
  );
  assert.equal(next.stablehlo.plugin_current, lock.stablehlo.plugin_current);
  assert.equal(next.stablehlo.plugin_minimum, lock.stablehlo.plugin_minimum);
  assert.match(next.stablehlo.jaxlib_source, /^openxla\/stablehlo@2{40}:/);
  // the input is not modified
  assert.equal(lock.chain.llvm.commit, null);
});
