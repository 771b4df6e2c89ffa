/**
 * `deno task build [--sanitize]`
 *
 * Writes `<build dir>/generated/applejax_versions.h` from the lock, then
 * configures (CMake, Ninja, Release, MLX from the pinned wheel) and builds.
 * `--sanitize` builds into `build-asan/` with `-DAPPLEJAX_SANITIZE=ON`.
 * `--target macos-arm64` cross-builds the plugin for macOS into
 * `build-macos-arm64/` with the pinned zig (cmake/macos-arm64.cmake; run
 * `deno task setup-deps --target macos-arm64` first).
 *
 * @module
 */

import { readLock, renderVersionsHeader } from "../src/pins/lock.ts";
import {
  join,
  LOCK_PATH,
  readDepsEnv,
  ROOT,
  run,
  seconds,
  VENV_PYTHON,
  writeIfChanged,
} from "./common.ts";
import {
  MACOS_BUILD_DIR,
  MACOS_SITE_PACKAGES,
  parseTarget,
  ZIG_TARGET,
  zigPath,
} from "./macos_target.ts";

/** Options of one build. */
export interface BuildOptions {
  /** build with ASan/UBSan into build-asan/ */
  sanitize: boolean;
  /** cross-build for macOS arm64 into build-macos-arm64/ */
  macos?: boolean;
}

/**
 * The build directory for a set of options.
 *
 * @param opts build options
 * @returns absolute path of `build/` or `build-asan/`
 */
export function buildDir(opts: BuildOptions): string {
  if (opts.macos) return MACOS_BUILD_DIR;
  return join(ROOT, opts.sanitize ? "build-asan" : "build");
}

/**
 * The CMake configure command line.
 *
 * @param opts build options
 * @param deps the `.deps.env` assignments
 * @returns argv for cmake
 */
export function configureCommand(opts: BuildOptions, deps: Record<string, string>): string[] {
  const cmd = [
    deps.CMAKE || "cmake",
    "-S",
    ROOT,
    "-B",
    buildDir(opts),
    "-G",
    "Ninja",
    `-DMLX_DIR=${deps.MLX_DIR}`,
    `-DCMAKE_BUILD_TYPE=${opts.sanitize ? "RelWithDebInfo" : "Release"}`,
  ];
  if (deps.NINJA) cmd.push(`-DCMAKE_MAKE_PROGRAM=${deps.NINJA}`);
  if (deps.CXX) cmd.push(`-DCMAKE_CXX_COMPILER=${deps.CXX}`);
  if (opts.sanitize) cmd.push("-DAPPLEJAX_SANITIZE=ON");
  return cmd;
}

/**
 * The CMake configure command line of the macOS cross build.
 *
 * @param deps the `.deps.env` assignments
 * @param tools the directory holding the zig wrappers (`c++`, `ar`, `ranlib`)
 * @returns argv for cmake
 */
export function macosConfigureCommand(deps: Record<string, string>, tools: string): string[] {
  const cmd = [
    deps.CMAKE || "cmake",
    "-S",
    ROOT,
    "-B",
    MACOS_BUILD_DIR,
    "-G",
    "Ninja",
    `-DCMAKE_TOOLCHAIN_FILE=${join(ROOT, "cmake", "macos-arm64.cmake")}`,
    `-DCMAKE_CXX_COMPILER=${join(tools, "c++")}`,
    `-DCMAKE_AR=${join(tools, "ar")}`,
    `-DCMAKE_RANLIB=${join(tools, "ranlib")}`,
    `-DAPPLEJAX_MACOS_SITE=${MACOS_SITE_PACKAGES}`,
    `-DAPPLEJAX_PYTHON=${VENV_PYTHON}`,
    "-DCMAKE_BUILD_TYPE=Release",
  ];
  if (deps.NINJA) cmd.push(`-DCMAKE_MAKE_PROGRAM=${deps.NINJA}`);
  return cmd;
}

// CMake wants one program per tool; zig is one program with subcommands.
async function writeZigWrappers(dir: string): Promise<void> {
  const zig = await zigPath();
  const wrappers: Record<string, string> = {
    "c++": `c++ -target ${ZIG_TARGET}`,
    "ar": "ar",
    "ranlib": "ranlib",
  };
  for (const [name, sub] of Object.entries(wrappers)) {
    const path = join(dir, name);
    await writeIfChanged(path, `#!/bin/sh\nexec '${zig}' ${sub} "$@"\n`);
    await Deno.chmod(path, 0o755);
  }
}

/**
 * Generates the versions header and runs configure + build.
 *
 * @param opts build options
 * @returns the exit code of the first failing step, or 0
 */
export async function build(opts: BuildOptions): Promise<number> {
  const start = performance.now();
  const deps = await readDepsEnv();
  if (!deps.MLX_DIR) throw new Error(".deps.env has no MLX_DIR: run `deno task setup-deps`");
  const dir = buildDir(opts);
  const header = join(dir, "generated", "applejax_versions.h");
  const wrote = await writeIfChanged(header, renderVersionsHeader(await readLock(LOCK_PATH)));
  console.log(`${wrote ? "wrote" : "unchanged"} ${header.slice(ROOT.length + 1)}`);

  let configure = configureCommand(opts, deps);
  if (opts.macos) {
    const tools = join(dir, "zig");
    await writeZigWrappers(tools);
    configure = macosConfigureCommand(deps, tools);
  }
  let code = (await run(configure)).code;
  if (code === 0) code = (await run([deps.CMAKE || "cmake", "--build", dir])).code;
  const took = seconds(performance.now() - start);
  const name = dir.slice(ROOT.length + 1);
  console.log(code === 0 ? `build: ok in ${took} (${name}/)` : `build: FAILED after ${took}`);
  return code;
}

if (import.meta.main) {
  const usage = "usage: deno task build [--sanitize | --target macos-arm64]";
  let parsed;
  try {
    parsed = parseTarget(Deno.args);
  } catch (e) {
    console.error(`${usage}  (${(e as Error).message})`);
    Deno.exit(2);
  }
  const unknown = parsed.rest.filter((a) => a !== "--sanitize");
  if (unknown.length > 0 || (parsed.target && parsed.rest.includes("--sanitize"))) {
    console.error(`${usage}  (unknown or conflicting: ${Deno.args.join(" ")})`);
    Deno.exit(2);
  }
  try {
    Deno.exit(
      await build({ sanitize: parsed.rest.includes("--sanitize"), macos: parsed.target !== null }),
    );
  } catch (e) {
    console.error(`build: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
