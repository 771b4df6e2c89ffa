/**
 * The macOS arm64 cross target: what `setup-deps`, `build` and `wheel` do
 * with `--target macos-arm64` on a Linux machine.
 *
 * - The pinned macOS wheels of the native libraries the plugin links (MLX's
 *   `mlx-metal`, which holds the headers and `libmlx.dylib`, and
 *   `scipy-openblas32`) are downloaded into `.deps/macos-arm64/wheels/` and
 *   unpacked into `.deps/macos-arm64/site-packages/`, the layout pip makes on
 *   a Mac.
 * - The compiler is `zig c++` from the pinned `ziglang` wheel: one registry
 *   package that carries clang, a Mach-O linker, macOS's libc headers and
 *   libSystem's link stub. Its own libc++ is not used (see
 *   `cmake/macos-arm64.cmake`): the plugin must share the system libc++ with
 *   libmlx.dylib, or exceptions and objects crossing between them break.
 *
 * @module
 */

import { type Lock, pinsFor } from "../src/pins/lock.ts";
import { exists, join, ROOT, run, VENV_PYTHON, writeIfChanged } from "./common.ts";

/** The only cross target. */
export const MACOS_TARGET = "macos-arm64";

/** The wheel platform tag; MLX's macOS wheels need macOS 14 too. */
export const MACOS_WHEEL_PLATFORM = "macosx_14_0_arm64";

/** The minimum macOS version the plugin is built for. */
export const MACOS_MIN_VERSION = "14.0";

/** zig's target triple for it. */
export const ZIG_TARGET = `aarch64-macos.${MACOS_MIN_VERSION}`;

/** Where the target's dependency wheels go. */
export const MACOS_DEPS_DIR: string = join(ROOT, ".deps", MACOS_TARGET);

/** The unpacked dependency wheels, laid out as site-packages. */
export const MACOS_SITE_PACKAGES: string = join(MACOS_DEPS_DIR, "site-packages");

/** The cross build directory. */
export const MACOS_BUILD_DIR: string = join(ROOT, `build-${MACOS_TARGET}`);

/** The plugin library of the target. */
export const MACOS_PLUGIN_LIB = "libpjrt_plugin_mps.dylib";

/** Lock pins whose macOS wheels the build links against. */
export const MACOS_LINKED_PINS = ["mlx-metal", "scipy-openblas32"];

/**
 * Parses `--target <name>` / `--target=<name>` out of a script's arguments.
 *
 * @param args the script's arguments
 * @returns the target (null when absent) and the other arguments
 * @throws Error for a target other than macos-arm64
 */
export function parseTarget(args: string[]): { target: string | null; rest: string[] } {
  const rest: string[] = [];
  let target: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--target") {
      target = args[++i] ?? "";
    } else if (a.startsWith("--target=")) {
      target = a.slice("--target=".length);
    } else {
      rest.push(a);
    }
  }
  if (target !== null && target !== MACOS_TARGET) {
    throw new Error(`unknown --target '${target}': the one cross target is ${MACOS_TARGET}`);
  }
  return { target, rest };
}

/**
 * The pip requirements of the linked macOS wheels.
 *
 * @param lock the lock
 * @returns `name==version` for each of MACOS_LINKED_PINS
 * @throws Error when the lock lacks one of them
 */
export function macosLinkedRequirements(lock: Lock): string[] {
  const pins = pinsFor(lock, "darwin");
  return MACOS_LINKED_PINS.map((name) => {
    const pin = pins.find((p) => p.name === name);
    if (!pin) throw new Error(`the lock has no darwin pin of ${name}`);
    return `${name}==${pin.version}`;
  });
}

/**
 * Downloads and unpacks the macOS wheels the cross build links, unless the
 * unpacked tree already holds exactly these pins.
 *
 * @param lock the lock
 * @returns what was done, for setup-deps' summary (empty when nothing)
 */
export async function ensureMacosDeps(lock: Lock): Promise<string[]> {
  const reqs = macosLinkedRequirements(lock);
  const stamp = join(MACOS_DEPS_DIR, "unpacked.txt");
  const want = reqs.join("\n") + "\n";
  if ((await exists(stamp)) && (await Deno.readTextFile(stamp)) === want) {
    console.log(`macos deps ${reqs.join(" ")} (${MACOS_SITE_PACKAGES.slice(ROOT.length + 1)})`);
    return [];
  }
  const wheels = join(MACOS_DEPS_DIR, "wheels");
  await Deno.remove(MACOS_SITE_PACKAGES, { recursive: true }).catch(() => {});
  await Deno.remove(wheels, { recursive: true }).catch(() => {});
  const d = await run([
    VENV_PYTHON,
    "-m",
    "pip",
    "download",
    "--disable-pip-version-check",
    "--no-deps",
    "--only-binary=:all:",
    "--platform",
    MACOS_WHEEL_PLATFORM,
    "-d",
    wheels,
    ...reqs,
  ]);
  if (d.code !== 0) throw new Error(`pip download of the ${MACOS_TARGET} wheels failed`);
  // A wheel is a zip laid out as site-packages; unpacking keeps the file
  // modes so the tree looks as pip would install it.
  const unpack = [
    "import sys, zipfile, os, pathlib",
    "dest = pathlib.Path(sys.argv[1])",
    "for w in sorted(pathlib.Path(sys.argv[2]).glob('*.whl')):",
    "    with zipfile.ZipFile(w) as z:",
    "        for info in z.infolist():",
    "            out = z.extract(info, dest)",
    "            mode = info.external_attr >> 16",
    "            if mode: os.chmod(out, mode & 0o777)",
  ].join("\n");
  const u = await run([VENV_PYTHON, "-c", unpack, MACOS_SITE_PACKAGES, wheels]);
  if (u.code !== 0) throw new Error(`unpacking the ${MACOS_TARGET} wheels failed`);
  for (
    const need of [
      join(MACOS_SITE_PACKAGES, "mlx", "include", "mlx", "mlx.h"),
      join(MACOS_SITE_PACKAGES, "mlx", "lib", "libmlx.dylib"),
      join(MACOS_SITE_PACKAGES, "scipy_openblas32", "lib", "libscipy_openblas.dylib"),
    ]
  ) {
    if (!(await exists(need))) throw new Error(`${need} is missing after unpacking`);
  }
  await writeIfChanged(stamp, want);
  return [`downloaded and unpacked ${reqs.join(" ")} for ${MACOS_WHEEL_PLATFORM}`];
}

/**
 * The zig binary of the pinned ziglang wheel in `.venv`.
 *
 * @returns its absolute path
 * @throws Error when ziglang is not installed
 */
export async function zigPath(): Promise<string> {
  const r = await run(
    [
      VENV_PYTHON,
      "-c",
      "import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), 'zig'))",
    ],
    { capture: true },
  );
  const path = r.stdout.trim();
  if (r.code !== 0 || !(await exists(path))) {
    throw new Error("zig not found in .venv (the ziglang pin): run `deno task setup-deps`");
  }
  return path;
}

/** Python versions whose macOS dependency resolution the test stage checks. */
export const MACOS_PYTHONS = ["3.11", "3.12", "3.13"];

/**
 * Resolves a wheel's dependencies as pip would on an Apple-silicon Mac, from
 * this machine: uv evaluates the markers for the target platform (pip
 * evaluates them for the host even with `--platform`) and picks only wheels
 * with a macOS arm64 tag. Needs the package index.
 *
 * @param wheel the macOS wheel
 * @param python the target's Python version, e.g. "3.12"
 * @returns `name==version` lines of the resolution, or the error text
 */
export async function resolveForMacos(
  wheel: string,
  python: string,
): Promise<{ ok: boolean; lines: string[] }> {
  const dir = await Deno.makeTempDir({ prefix: "applejax-resolve-" });
  try {
    const reqs = join(dir, "requirements.in");
    await Deno.writeTextFile(reqs, `applejax @ file://${wheel}\n`);
    const r = await run([
      join(ROOT, ".venv", "bin", "uv"),
      "pip",
      "compile",
      "--python-platform",
      "aarch64-apple-darwin",
      "--python-version",
      python,
      "--only-binary",
      ":all:",
      "--no-header",
      "--no-annotate",
      "--quiet",
      reqs,
    ], {
      capture: true,
      // uv's aarch64-apple-darwin means macOS 13 unless told; MLX needs 14.
      env: { MACOSX_DEPLOYMENT_TARGET: MACOS_MIN_VERSION, UV_PYTHON_DOWNLOADS: "never" },
    });
    const text = r.code === 0 ? r.stdout : r.stderr;
    return {
      ok: r.code === 0,
      lines: text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#")),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
