/**
 * `deno task build [--sanitize]`
 *
 * Writes `<build dir>/generated/applejax_versions.h` from the lock, then
 * configures (CMake, Ninja, Release, MLX from the pinned wheel) and builds.
 * `--sanitize` builds into `build-asan/` with `-DAPPLEJAX_SANITIZE=ON`.
 *
 * @module
 */

import { readLock, renderVersionsHeader } from "../src/pins/lock.ts";
import { join, LOCK_PATH, readDepsEnv, ROOT, run, seconds, writeIfChanged } from "./common.ts";

/** Options of one build. */
export interface BuildOptions {
  /** build with ASan/UBSan into build-asan/ */
  sanitize: boolean;
}

/**
 * The build directory for a set of options.
 *
 * @param opts build options
 * @returns absolute path of `build/` or `build-asan/`
 */
export function buildDir(opts: BuildOptions): string {
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

  let code = (await run(configureCommand(opts, deps))).code;
  if (code === 0) code = (await run([deps.CMAKE || "cmake", "--build", dir])).code;
  const took = seconds(performance.now() - start);
  const name = dir.slice(ROOT.length + 1);
  console.log(code === 0 ? `build: ok in ${took} (${name}/)` : `build: FAILED after ${took}`);
  return code;
}

if (import.meta.main) {
  const unknown = Deno.args.filter((a) => a !== "--sanitize");
  if (unknown.length > 0) {
    console.error(`usage: deno task build [--sanitize]  (unknown: ${unknown.join(" ")})`);
    Deno.exit(2);
  }
  try {
    Deno.exit(await build({ sanitize: Deno.args.includes("--sanitize") }));
  } catch (e) {
    console.error(`build: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
