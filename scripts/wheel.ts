/**
 * `deno task wheel [--target macos-arm64]`
 *
 * Installs the built plugin library from `build/` into `build/wheel-stage/`
 * (`cmake --install`, which rewrites its RPATH to the `$ORIGIN`-relative
 * entries alone), checks that no other RPATH entry is left, copies it into
 * `python/jax_plugins/mps/`, builds the wheel with maturin into `dist/`, checks that the wheel holds the
 * plugin package, and installs it into `.venv` (`--force-reinstall --no-deps`).
 *
 * With `--target macos-arm64` it makes the macOS arm64 wheel instead, from a
 * fresh clone if need be: `setup-deps --target macos-arm64`, the cross build
 * (`build --target macos-arm64`), maturin's host wheel of the same tree, and
 * scripts/macos_wheel.py, which puts the Mach-O plugin in place of the host's
 * and leaves out the Rust helper binary (see there why). The result,
 * `dist/applejax-<version>-py3-none-macosx_14_0_arm64.whl`, is not installed:
 * scripts/macho_check.py checks it.
 *
 * @module
 */

import {
  exists,
  hostOs,
  join,
  pluginLibName,
  readDepsEnv,
  ROOT,
  run,
  seconds,
  VENV,
  VENV_PYTHON,
} from "./common.ts";
import { build } from "./build.ts";
import {
  MACOS_BUILD_DIR,
  MACOS_PLUGIN_LIB,
  MACOS_TARGET,
  MACOS_WHEEL_PLATFORM,
  parseTarget,
} from "./macos_target.ts";

/** Members the wheel must contain for the plugin to load. */
export function requiredWheelMembers(): string[] {
  return ["jax_plugins/mps/__init__.py", `jax_plugins/mps/${pluginLibName()}`];
}

/**
 * The RPATH/RUNPATH entries of an ELF file, from `readelf -d` output.
 *
 * @param readelf the output of `readelf -d <file>`
 * @returns every entry, in order
 */
export function rpathEntries(readelf: string): string[] {
  const out: string[] = [];
  for (
    const m of readelf.matchAll(/\((?:RPATH|RUNPATH)\)\s+Library (?:rpath|runpath): \[([^\]]*)\]/g)
  ) {
    out.push(...m[1].split(":").filter((e) => e !== ""));
  }
  return out;
}

/**
 * The entries a shipped library must not have: anything not relative to the
 * library itself (`$ORIGIN`, or `@loader_path` on macOS).
 *
 * @param entries RPATH entries
 * @returns the offending entries
 */
export function foreignRpaths(entries: string[]): string[] {
  return entries.filter((e) => !/^(\$ORIGIN|\$\{ORIGIN\}|@loader_path)(\/|$)/.test(e));
}

/**
 * The platform part of the wheel names built on the host OS.
 *
 * @returns a pattern matching the host's wheel file names
 */
export function hostWheelPattern(): RegExp {
  return hostOs() === "darwin" ? /-macosx_[^-]*\.whl$/ : /-(many|musl)?linux[^-]*\.whl$/;
}

/**
 * Picks the newest `applejax-<version>-*.whl` in a directory.
 *
 * @param dir the directory (usually dist/)
 * @param platform which wheels to consider (default: the host's, so that a
 *   cross-built macOS wheel beside them is never installed on Linux)
 * @returns absolute path of the wheel, or null when there is none
 */
export async function newestWheel(
  dir: string,
  platform: RegExp = hostWheelPattern(),
): Promise<string | null> {
  let best: { path: string; mtime: number } | null = null;
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !/^applejax-.*\.whl$/.test(e.name) || !platform.test(e.name)) continue;
    const path = join(dir, e.name);
    const mtime = (await Deno.stat(path)).mtime?.getTime() ?? 0;
    if (!best || mtime > best.mtime) best = { path, mtime };
  }
  return best?.path ?? null;
}

async function wheelMembers(wheel: string): Promise<string[]> {
  const code = "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))";
  const r = await run([VENV_PYTHON, "-c", code, wheel], { capture: true });
  if (r.code !== 0) throw new Error(`cannot list ${wheel}: ${r.stderr.trim()}`);
  return r.stdout.split("\n").filter((l) => l !== "");
}

// maturin's wheel of this tree for the host, into `out`: its path, or the
// exit code to stop with (the failure already printed).
async function maturinWheel(out: string): Promise<string | number> {
  const b = await run([join(VENV, "bin", "maturin"), "build", "--release", "--out", out]);
  if (b.code !== 0) {
    console.error("wheel: maturin build failed");
    return b.code;
  }
  const wheel = await newestWheel(out);
  if (!wheel) {
    console.error(`wheel: maturin reported success but ${out} has no applejax wheel`);
    return 1;
  }
  return wheel;
}

async function macosWheel(): Promise<number> {
  const start = performance.now();
  const setup = await run([Deno.execPath(), "task", "setup-deps", "--target", MACOS_TARGET]);
  if (setup.code !== 0) {
    console.error(`wheel: setup-deps --target ${MACOS_TARGET} failed`);
    return setup.code;
  }
  const built = await build({ sanitize: false, macos: true });
  if (built !== 0) return built;
  const host = join(MACOS_BUILD_DIR, "host-wheel");
  await Deno.remove(host, { recursive: true }).catch(() => {});
  const hostWheel = await maturinWheel(host);
  if (typeof hostWheel === "number") return hostWheel;
  const dist = join(ROOT, "dist");
  await Deno.mkdir(dist, { recursive: true });
  const r = await run([
    VENV_PYTHON,
    join(ROOT, "scripts", "macos_wheel.py"),
    hostWheel,
    join(MACOS_BUILD_DIR, MACOS_PLUGIN_LIB),
    MACOS_WHEEL_PLATFORM,
    dist,
  ], { capture: true });
  if (r.code !== 0) {
    console.error(`wheel: macos_wheel.py failed: ${r.stderr.trim()}`);
    return r.code;
  }
  const wheel = r.stdout.trim();
  const size = (await Deno.stat(wheel)).size;
  console.log(
    `wheel: ${wheel.slice(ROOT.length + 1)} (${(size / 1e6).toFixed(1)} MB) built in ` +
      `${seconds(performance.now() - start)}; check it with scripts/macho_check.py`,
  );
  return 0;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseTarget(Deno.args);
  } catch (e) {
    console.error(`usage: deno task wheel [--target ${MACOS_TARGET}]  (${(e as Error).message})`);
    return 2;
  }
  if (parsed.rest.length > 0) {
    console.error(`usage: deno task wheel [--target ${MACOS_TARGET}]  (unknown: ${parsed.rest})`);
    return 2;
  }
  if (parsed.target) return await macosWheel();
  const start = performance.now();
  const lib = pluginLibName();
  const built = join(ROOT, "build", lib);
  const pkg = join(ROOT, "python", "jax_plugins", "mps");
  if (!(await exists(built))) {
    console.error(`wheel: ${built} not found: run \`deno task build\` first`);
    return 1;
  }
  if (!(await exists(join(pkg, "__init__.py")))) {
    console.error(`wheel: ${join(pkg, "__init__.py")} is missing`);
    return 1;
  }
  const deps = await readDepsEnv();
  const cmake = deps.CMAKE || "cmake";
  const stage = join(ROOT, "build", "wheel-stage");
  const inst = await run([
    cmake,
    "--install",
    join(ROOT, "build"),
    "--prefix",
    stage,
    "--component",
    "plugin",
  ], { capture: true });
  if (inst.code !== 0) {
    console.error(`wheel: cmake --install failed: ${inst.stderr.trim()}`);
    return inst.code;
  }
  const staged = join(stage, lib);
  if (hostOs() === "linux") {
    const r = await run(["readelf", "-d", staged], { capture: true, echo: false });
    if (r.code !== 0) throw new Error(`readelf -d ${staged}: ${r.stderr.trim()}`);
    const entries = rpathEntries(r.stdout);
    const bad = foreignRpaths(entries);
    if (bad.length > 0) {
      console.error(`wheel: ${staged} still has build-machine RPATH entries: ${bad.join(", ")}`);
      return 1;
    }
    console.log(`RPATH of the shipped library: ${entries.join(":")}`);
  }
  await Deno.copyFile(staged, join(pkg, lib));
  console.log(`installed build/${lib} -> python/jax_plugins/mps/${lib}`);

  const wheel = await maturinWheel(join(ROOT, "dist"));
  if (typeof wheel === "number") return wheel;
  const members = await wheelMembers(wheel);
  const missing = requiredWheelMembers().filter((m) => !members.includes(m));
  if (missing.length > 0) {
    console.error(`wheel: ${wheel} lacks ${missing.join(", ")}`);
    return 1;
  }
  console.log(`wheel holds ${requiredWheelMembers().join(", ")}`);

  const i = await run([
    VENV_PYTHON,
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "--force-reinstall",
    "--no-deps",
    wheel,
  ]);
  if (i.code !== 0) {
    console.error("wheel: pip install failed");
    return i.code;
  }
  const rel = wheel.slice(ROOT.length + 1);
  console.log(
    `wheel: ${rel} built and installed into .venv in ${seconds(performance.now() - start)}`,
  );
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    console.error(`wheel: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
