/**
 * `deno task setup-deps [--refresh]`
 *
 * Creates `.venv`, installs the Python pins of `applejax.lock.json` (skipped when
 * the installed versions already match), finds MLX's CMake package, header and
 * library directories in the pinned wheel, installs missing native tools (apt-get or
 * Homebrew, when allowed) and checks their versions, and writes
 * `.deps.env`. With `--refresh` it first re-traces jax → XLA → LLVM/StableHLO over
 * the network and rewrites the lock. With `--jax-range` it also makes the venvs
 * of both ends of the verified jax range (scripts/jax_range.ts; `deno task
 * test` does that itself). With `--target macos-arm64` it also downloads and
 * unpacks the macOS wheels the cross build links (scripts/macos_target.ts).
 *
 * @module
 */

import {
  type Lock,
  pinMismatches,
  pinsFor,
  pipRequirements,
  readLock,
  serializeLock,
  validateLock,
} from "../src/pins/lock.ts";
import { compareVersions } from "../src/pins/parse.ts";
import { applyTrace, fetchGithubRaw, traceChain } from "../src/pins/trace.ts";
import {
  DEPS_ENV_PATH,
  exists,
  hostOs,
  installedVersions,
  join,
  LOCK_PATH,
  renderEnvFile,
  ROOT,
  run,
  VENV,
  VENV_PYTHON,
  writeIfChanged,
} from "./common.ts";
import { ensureJaxEnd } from "./jax_range.ts";
import { ensureMacosDeps, parseTarget } from "./macos_target.ts";
import { ensureSystemTools } from "./system_tools.ts";

const did: string[] = [];
const problems: string[] = [];

async function refreshLock(lock: Lock): Promise<Lock> {
  console.log(`tracing jax ${lock.chain.jax.version} -> XLA -> LLVM/StableHLO (network)...`);
  const traced = await traceChain(lock.chain.jax.version, fetchGithubRaw);
  const next = validateLock(applyTrace(lock, traced));
  console.log(`  xla       ${traced.xla.commit}`);
  console.log(`  llvm      ${traced.llvm.commit}`);
  console.log(
    `  stablehlo ${traced.stablehlo.commit} (version ${traced.stablehloVersion.current})`,
  );
  if (await writeIfChanged(LOCK_PATH, serializeLock(next))) {
    did.push("rewrote applejax.lock.json from the traced chain");
  } else {
    console.log("  lock already matches the traced chain");
  }
  return next;
}

async function python(code: string): Promise<string> {
  const r = await run([VENV_PYTHON, "-c", code], { capture: true });
  if (r.code !== 0) throw new Error(`python failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

async function ensureVenv(lock: Lock): Promise<void> {
  if (!(await exists(VENV_PYTHON))) {
    const r = await run(["python3", "-m", "venv", VENV]);
    if (r.code !== 0) throw new Error("python3 -m venv failed");
    did.push("created .venv");
  }
  const v = await python("import sys; print('%d.%d.%d' % sys.version_info[:3])");
  const min = /^>=\s*(\d+\.\d+)$/.exec(lock.python.requires)?.[1];
  if (min && compareVersions(v, `${min}.0`) < 0) {
    throw new Error(`.venv has python ${v}; the lock requires ${lock.python.requires}`);
  }
  console.log(`python     ${v} (${VENV_PYTHON})`);
}

async function ensurePins(lock: Lock): Promise<void> {
  const os = hostOs();
  const names = pinsFor(lock, os).map((p) => p.name);
  let mismatches = pinMismatches(lock, os, await installedVersions(VENV_PYTHON, names));
  if (mismatches.length === 0) {
    console.log(`python pins ${names.length} of ${names.length} match the lock`);
    return;
  }
  for (const m of mismatches) console.log(`  ${m}`);
  const reqs = pipRequirements(lock, os);
  const r = await run([
    VENV_PYTHON,
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    ...reqs,
  ]);
  if (r.code !== 0) throw new Error("pip install failed");
  mismatches = pinMismatches(lock, os, await installedVersions(VENV_PYTHON, names));
  if (mismatches.length > 0) throw new Error(`still not matching: ${mismatches.join("; ")}`);
  did.push(`pip installed ${reqs.length} pins (${reqs.join(" ")})`);
}

interface MlxPaths {
  sitePackages: string;
  cmakeDir: string;
  includeDir: string;
  libDir: string;
}

async function findMlx(): Promise<MlxPaths> {
  const sitePackages = await python("import sysconfig; print(sysconfig.get_paths()['purelib'])");
  const mlx = join(sitePackages, "mlx");
  const paths = {
    sitePackages,
    cmakeDir: join(mlx, "share", "cmake", "MLX"),
    includeDir: join(mlx, "include"),
    libDir: join(mlx, "lib"),
  };
  for (
    const [what, p] of [
      ["MLX CMake package", join(paths.cmakeDir, "MLXConfig.cmake")],
      ["MLX headers", join(paths.includeDir, "mlx", "mlx.h")],
      ["MLX library dir", paths.libDir],
    ]
  ) {
    if (!(await exists(p))) throw new Error(`${what} not found at ${p}`);
  }
  console.log(`MLX_DIR    ${paths.cmakeDir}`);
  return paths;
}

async function checkStablehlo(lock: Lock): Promise<void> {
  let got: string;
  try {
    got = await python(
      "from jaxlib.mlir.dialects import stablehlo as s; " +
        "print(s.get_current_version(), s.get_minimum_version())",
    );
  } catch (e) {
    problems.push(`could not ask jaxlib for its StableHLO version: ${(e as Error).message}`);
    return;
  }
  const [current, minimum] = got.split(/\s+/);
  const want = lock.stablehlo;
  if (current !== want.jaxlib_current || minimum !== want.jaxlib_minimum) {
    problems.push(
      `installed jaxlib's StableHLO is ${current} (min ${minimum}); the lock says ` +
        `${want.jaxlib_current} (min ${want.jaxlib_minimum})`,
    );
  }
  console.log(
    `stablehlo  jaxlib ${current} (min ${minimum}); plugin announces ` +
      `${want.plugin_current} (min ${want.plugin_minimum})`,
  );
}

interface Tool {
  name: string;
  path: string;
  version: string;
}

async function checkTool(
  name: string,
  cmd: string[],
  versionRe: RegExp,
  minimum?: string,
): Promise<Tool | null> {
  const r = await run(cmd, { capture: true });
  if (r.code !== 0) {
    problems.push(`${name}: ${cmd[0]} not usable (${(r.stderr || r.stdout).trim() || r.code})`);
    return null;
  }
  const version = versionRe.exec(r.stdout + r.stderr)?.[1] ?? "unknown";
  const which = await run(["sh", "-c", `command -v ${cmd[0]}`], { capture: true });
  const path = which.stdout.trim() || cmd[0];
  if (minimum && version !== "unknown" && compareVersions(version, minimum) < 0) {
    problems.push(`${name} ${version} is older than the required ${minimum}`);
  }
  console.log(`${name.padEnd(10)} ${version} (${path})`);
  return { name, path, version };
}

async function main(): Promise<number> {
  const start = performance.now();
  const usage = "usage: deno task setup-deps [--refresh] [--jax-range] [--target macos-arm64]";
  let parsed;
  try {
    parsed = parseTarget(Deno.args);
  } catch (e) {
    console.error(`${usage}  (${(e as Error).message})`);
    return 2;
  }
  const refresh = parsed.rest.includes("--refresh");
  const jaxRange = parsed.rest.includes("--jax-range");
  const unknown = parsed.rest.filter((a) => a !== "--refresh" && a !== "--jax-range");
  if (unknown.length > 0) {
    console.error(`${usage}  (unknown: ${unknown.join(" ")})`);
    return 2;
  }
  let lock = await readLock(LOCK_PATH);
  if (refresh) lock = await refreshLock(lock);

  const deno = Deno.version.deno;
  const denoNote = deno === lock.deno.version
    ? ""
    : `  (warning: the lock pins ${lock.deno.version})`;
  console.log(`deno       ${deno}${denoNote}`);
  const system = await ensureSystemTools();
  did.push(...system.did);
  problems.push(...system.problems);
  await ensureVenv(lock);
  await ensurePins(lock);
  const mlx = await findMlx();
  await checkStablehlo(lock);
  if (parsed.target) did.push(...(await ensureMacosDeps(lock)));
  if (jaxRange) {
    for (const key of ["older_jaxlib", "newest_jaxlib"] as const) {
      if (lock[key]) did.push(...(await ensureJaxEnd(lock, key)).did);
    }
  }

  const cmakeMin = /^>=\s*(\d+\.\d+(?:\.\d+)?)$/.exec(lock.tools.cmake ?? "")?.[1];
  const cxx = Deno.env.get("CXX") ?? "c++";
  const tools = [
    await checkTool(
      "cmake",
      ["cmake", "--version"],
      /version (\d+\.\d+\.\d+)/,
      cmakeMin && cmakeMin.split(".").length === 2 ? `${cmakeMin}.0` : cmakeMin,
    ),
    await checkTool("ninja", ["ninja", "--version"], /(\d+\.\d+\.\d+)/),
    await checkTool("c++", [cxx, "--version"], /(\d+\.\d+\.\d+)/),
    await checkTool("cargo", ["cargo", "--version"], /cargo (\d+\.\d+\.\d+)/),
  ];
  const tool = (n: string) => tools.find((t) => t?.name === n);

  const env: Record<string, string> = {
    PYTHON: VENV_PYTHON,
    SITE_PACKAGES: mlx.sitePackages,
    MLX_DIR: mlx.cmakeDir,
    MLX_INCLUDE_DIR: mlx.includeDir,
    MLX_LIB_DIR: mlx.libDir,
    CMAKE: tool("cmake")?.path ?? "cmake",
    CMAKE_VERSION: tool("cmake")?.version ?? "",
    NINJA: tool("ninja")?.path ?? "ninja",
    NINJA_VERSION: tool("ninja")?.version ?? "",
    CXX: tool("c++")?.path ?? cxx,
    CXX_VERSION: tool("c++")?.version ?? "",
    CARGO: tool("cargo")?.path ?? "cargo",
    CARGO_VERSION: tool("cargo")?.version ?? "",
  };
  if (await writeIfChanged(DEPS_ENV_PATH, renderEnvFile(env))) {
    did.push(`wrote ${DEPS_ENV_PATH.slice(ROOT.length + 1)}`);
  }

  const took = ((performance.now() - start) / 1000).toFixed(1);
  if (did.length === 0) {
    console.log(`setup-deps: nothing to do; everything matches the lock (${took}s)`);
  } else {
    console.log(`setup-deps: done in ${took}s`);
    for (const d of did) console.log(`  - ${d}`);
  }
  for (const p of problems) console.error(`problem: ${p}`);
  return problems.length > 0 ? 1 : 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    console.error(`setup-deps: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
