/**
 * `deno task wheel`
 *
 * Copies the built plugin library from `build/` into `python/jax_plugins/mps/`,
 * builds the wheel with maturin into `dist/`, checks that the wheel holds the
 * plugin package, and installs it into `.venv` (`--force-reinstall --no-deps`).
 *
 * @module
 */

import { exists, join, pluginLibName, ROOT, run, seconds, VENV, VENV_PYTHON } from "./common.ts";

/** Members the wheel must contain for the plugin to load. */
export function requiredWheelMembers(): string[] {
  return ["jax_plugins/mps/__init__.py", `jax_plugins/mps/${pluginLibName()}`];
}

/**
 * Picks the newest `applejax-<version>-*.whl` in a directory.
 *
 * @param dir the directory (usually dist/)
 * @returns absolute path of the wheel, or null when there is none
 */
async function newestWheel(dir: string): Promise<string | null> {
  let best: { path: string; mtime: number } | null = null;
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !/^applejax-.*\.whl$/.test(e.name)) continue;
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

async function main(): Promise<number> {
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
  await Deno.copyFile(built, join(pkg, lib));
  console.log(`copied build/${lib} -> python/jax_plugins/mps/${lib}`);

  const maturin = join(VENV, "bin", "maturin");
  const dist = join(ROOT, "dist");
  const b = await run([maturin, "build", "--release", "--out", dist]);
  if (b.code !== 0) {
    console.error("wheel: maturin build failed");
    return b.code;
  }
  const wheel = await newestWheel(dist);
  if (!wheel) {
    console.error("wheel: maturin reported success but dist/ has no applejax wheel");
    return 1;
  }
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
