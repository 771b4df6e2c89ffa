import assert from "node:assert/strict";
import {
  compareVersions,
  type JaxEnd,
  type Lock,
  normalizeName,
  olderJaxlibMismatches,
  olderJaxlibRequirements,
  parseLock,
  pinMismatches,
  pipRequirements,
  readLock,
  renderVersionsHeader,
  serializeLock,
  validateLock,
} from "../mod.ts";

const ROOT = new URL("../", import.meta.url);
const lockPath = new URL("applejax.lock.json", ROOT).pathname;

Deno.test("the committed lock is valid and serialises to itself", async () => {
  const text = await Deno.readTextFile(lockPath);
  const lock = parseLock(text);
  assert.equal(serializeLock(lock), text, "lock is not in serializeLock's format");
});

Deno.test("the committed lock pins jaxlib 0.10.2 -> XLA 5a9e73cb and StableHLO 1.17.0", async () => {
  const lock = await readLock(lockPath);
  assert.equal(lock.chain.jax.version, "0.10.2");
  assert.equal(lock.chain.xla.commit, "5a9e73cbd92530cac2ac36f4736a774b2412afe2");
  for (const link of [lock.chain.llvm, lock.chain.stablehlo]) {
    if (link.commit === null) assert.ok(link.reason, "a null commit needs a reason");
  }
  assert.equal(lock.stablehlo.plugin_current, "1.17.0");
  const jax = lock.python.packages.find((p) => p.name === "jax");
  const jaxlib = lock.python.packages.find((p) => p.name === "jaxlib");
  assert.equal(jax?.version, lock.chain.jax.version);
  assert.equal(jaxlib?.version, lock.chain.jax.version);
});

Deno.test("pip requirements: mlx[cpu] and mlx-cpu on Linux, mlx and mlx-metal on macOS", async () => {
  const lock = await readLock(lockPath);
  const linux = pipRequirements(lock, "linux");
  assert.ok(linux.includes("mlx[cpu]==0.32.4"));
  assert.ok(linux.includes("mlx-cpu==0.32.4"));
  assert.ok(!linux.some((r) => r.startsWith("mlx-metal")));
  const mac = pipRequirements(lock, "darwin");
  assert.ok(mac.includes("mlx==0.32.4"));
  assert.ok(mac.includes("mlx-metal==0.32.4"));
  assert.ok(!mac.some((r) => r.startsWith("mlx-cpu")));
});

Deno.test("pinMismatches reports missing and wrong versions by normalised name", async () => {
  const lock = await readLock(lockPath);
  const installed: Record<string, string | null> = {};
  for (const p of lock.python.packages) installed[normalizeName(p.name)] = p.version;
  assert.deepEqual(pinMismatches(lock, "linux", installed), []);
  installed["ml-dtypes"] = "0.5.0";
  installed["mlx-cpu"] = null;
  assert.deepEqual(pinMismatches(lock, "linux", installed), [
    "mlx-cpu: not installed (want 0.32.4)",
    "ml_dtypes: 0.5.0 installed, want 0.6.0",
  ]);
});

Deno.test("validateLock rejects inconsistent files", async () => {
  const good = await readLock(lockPath);
  const broken = (edit: (l: Lock) => void) => {
    const l = structuredClone(good);
    edit(l);
    return () => validateLock(l);
  };
  assert.throws(broken((l) => (l.schema = 2 as 1)), /schema/);
  assert.throws(
    broken((l) => (l.chain.llvm = { ...l.chain.llvm, commit: null, reason: undefined })),
    /reason/,
  );
  assert.throws(broken((l) => (l.chain.xla.commit = "5a9e73cb")), /40 hex/);
  assert.throws(broken((l) => (l.stablehlo.plugin_minimum = "1.18.0")), /plugin_minimum is newer/);
  assert.throws(broken((l) => (l.stablehlo.plugin_current = "9.0.0")), /newer than jaxlib/);
  assert.throws(broken((l) => l.python.packages.push({ name: "JAX", version: "1" })), /twice/);
});

Deno.test("the announced minimum is the StableHLO version of the verified older jaxlib", async () => {
  const good = await readLock(lockPath);
  const older = good.older_jaxlib;
  assert.ok(older, "the lock names an older jaxlib");
  assert.equal(good.stablehlo.plugin_minimum, older.stablehlo_current);
  const jaxlib = older.packages.find((p) => p.name === "jaxlib")?.version;
  assert.equal(older.packages.find((p) => p.name === "jax")?.version, jaxlib);
  assert.deepEqual(olderJaxlibRequirements(good, "linux").slice(0, 2), [
    `jax==${jaxlib}`,
    `jaxlib==${jaxlib}`,
  ]);
  const installed: Record<string, string | null> = {};
  for (const p of older.packages) installed[normalizeName(p.name)] = p.version;
  assert.deepEqual(olderJaxlibMismatches(good, "linux", installed), []);
  installed["jaxlib"] = good.chain.jax.version;
  assert.deepEqual(olderJaxlibMismatches(good, "linux", installed), [
    `jaxlib: ${good.chain.jax.version} installed, want ${jaxlib}`,
  ]);

  const broken = (edit: (l: Lock) => void) => {
    const l = structuredClone(good);
    edit(l);
    return () => validateLock(l);
  };
  assert.throws(broken((l) => (l.stablehlo.plugin_minimum = "1.15.0")), /must be older_jaxlib/);
  assert.throws(broken((l) => (l.older_jaxlib!.stablehlo_current = "1.13.0")), /must be older/);
  assert.throws(broken((l) => (l.older_jaxlib!.packages[1].version = "0.9.1")), /one version/);
  assert.throws(
    broken((l) => {
      for (const p of l.older_jaxlib!.packages.slice(0, 2)) p.version = l.chain.jax.version;
    }),
    /not older than the pinned/,
  );
  assert.throws(broken((l) => delete l.older_jaxlib), /no older_jaxlib verifies it/);
  const alone = structuredClone(good);
  delete alone.older_jaxlib;
  alone.stablehlo.plugin_minimum = alone.stablehlo.plugin_current;
  validateLock(alone);
  assert.match(renderVersionsHeader(alone), /^#define APPLEJAX_OLDEST_JAXLIB "0\.10\.2"$/m);
});

Deno.test("the newest end of the jax range steps down to the announced current version", async () => {
  const good = await readLock(lockPath);
  const newest = good.newest_jaxlib;
  assert.ok(newest, "the lock names the newest jaxlib");
  assert.equal(newest.python, "3.12");
  const jaxlib = newest.packages.find((p) => p.name === "jaxlib")?.version;
  assert.deepEqual(olderJaxlibRequirements(good, "linux", "newest_jaxlib").slice(0, 2), [
    `jax==${jaxlib}`,
    `jaxlib==${jaxlib}`,
  ]);
  const installed: Record<string, string | null> = {};
  for (const p of newest.packages) installed[normalizeName(p.name)] = p.version;
  assert.deepEqual(olderJaxlibMismatches(good, "linux", installed, "newest_jaxlib"), []);
  const broken = (edit: (l: Lock) => void) => {
    const l = structuredClone(good);
    edit(l);
    return () => validateLock(l);
  };
  assert.throws(
    broken((l) => {
      for (const p of l.newest_jaxlib!.packages.slice(0, 2)) p.version = "0.9.0";
    }),
    /not newer than the pinned/,
  );
  assert.throws(broken((l) => (l.newest_jaxlib!.stablehlo_current = "1.16.0")), /older than the/);
  assert.throws(broken((l) => (l.newest_jaxlib!.python = "3")), /minor version/);
  assert.throws(broken((l) => delete (l.newest_jaxlib as Partial<JaxEnd>).pjrt_api), /pjrt_api/);
});

Deno.test("versions header carries the StableHLO range and the pins", async () => {
  const lock = await readLock(lockPath);
  const h = renderVersionsHeader(lock);
  assert.match(h, /^#pragma once$/m);
  assert.match(h, /^#define APPLEJAX_STABLEHLO_CURRENT "1\.17\.0"$/m);
  assert.match(h, /^#define APPLEJAX_STABLEHLO_CURRENT_MINOR 17$/m);
  assert.match(
    h,
    new RegExp(`^#define APPLEJAX_STABLEHLO_MINIMUM "${lock.stablehlo.plugin_minimum}"$`, "m"),
  );
  assert.match(h, /^#define APPLEJAX_PIN_JAXLIB "0\.10\.2"$/m);
  assert.match(h, /^#define APPLEJAX_OLDEST_JAXLIB "0\.9\.2"$/m);
  assert.match(h, /^#define APPLEJAX_NEWEST_JAXLIB "0\.12\.0\.1"$/m);
  assert.match(h, /^#define APPLEJAX_PIN_ML_DTYPES "0\.6\.0"$/m);
  assert.match(h, /^#define APPLEJAX_XLA_COMMIT "5a9e73cbd92530cac2ac36f4736a774b2412afe2"$/m);
  assert.equal(renderVersionsHeader(lock), h, "output must be deterministic");
});

Deno.test("rust/applejax_info.rs prints the same pins as the lock", async () => {
  const lock = await readLock(lockPath);
  const rs = await Deno.readTextFile(new URL("rust/applejax_info.rs", ROOT));
  for (
    const [name, version] of rs.matchAll(/\("([\w-]+)", "([\d.]+)"\)/g).map((m) => [m[1], m[2]])
  ) {
    const pin = lock.python.packages.find((p) => p.name === name);
    assert.equal(version, pin?.version, `${name} in applejax_info.rs`);
  }
  const shlo = /STABLEHLO: \(&str, &str\) = \("([\d.]+)", "([\d.]+)"\)/.exec(rs);
  assert.deepEqual(shlo?.slice(1), [lock.stablehlo.plugin_current, lock.stablehlo.plugin_minimum]);
});

Deno.test("pyproject.toml: the jax range spans the lock's ends, MLX pinned", async () => {
  const lock = await readLock(lockPath);
  const py = await Deno.readTextFile(new URL("pyproject.toml", ROOT));
  const version = (end: Lock["older_jaxlib"]) =>
    end!.packages.find((p) => p.name === "jaxlib")!.version;
  for (const name of ["jax", "jaxlib"]) {
    const m = new RegExp(`"${name}>=([\\d.]+),<([\\d.]+)"`).exec(py);
    assert.ok(m, `a ${name} range in pyproject.toml`);
    assert.equal(m[1], version(lock.older_jaxlib), "the range starts at the oldest end");
    assert.ok(compareVersions(version(lock.newest_jaxlib), m[2]) < 0, "the newest end is inside");
    assert.ok(compareVersions(lock.chain.jax.version, m[1]) >= 0, "the pinned jax is inside");
  }
  for (const name of ["mlx", "mlx-cpu", "mlx-metal"]) {
    const pin = lock.python.packages.find((p) => p.name === name);
    assert.ok(
      py.includes(`"${name}==${pin?.version}`),
      `${name}==${pin?.version} in pyproject.toml`,
    );
  }
  assert.match(py, /requires-python = ">=3\.11"/);
  assert.match(py, /\[project\.entry-points\.jax_plugins\]\nmps = "jax_plugins\.mps"/);
});
