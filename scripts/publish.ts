/**
 * `deno task publish [--upload] [--only wheel,npm,jsr] [--no-wheel-build] [--license SPDX]`
 *
 * Builds and checks the three packages, and uploads them only when asked:
 *
 * - **wheel** (PyPI): `scripts/wheel.ts` builds it with maturin; the check
 *   reads its METADATA and WHEEL (name, version, a tag PyPI accepts, the
 *   plugin library inside). Upload: `maturin upload` with `MATURIN_PYPI_TOKEN`,
 *   `PYPI_TOKEN` or `TWINE_PASSWORD` (+ `TWINE_USERNAME`, default `__token__`;
 *   `TWINE_REPOSITORY_URL` for another index).
 * - **npm**: `@deno/dnt` is not reachable from this project's machines, so
 *   the package is made with what npm itself offers: TypeScript's `tsc`
 *   (pinned below, run through `npx`) compiles mod.ts and src/ to JavaScript
 *   and declarations against the Deno types `deno types` prints; a generated
 *   package.json; `npm pack`; `npm publish --dry-run`. The package runs on
 *   Deno (`npm:applejax`), which it needs for `Deno.dlopen`. Upload:
 *   `npm publish` with `NPM_TOKEN`.
 * - **jsr**: the TypeScript sources with a generated jsr.json, checked by
 *   `deno publish --dry-run` (type check, slow-type lint, file list; no
 *   network). Upload: `deno publish` with `JSR_TOKEN`.
 *
 * All three carry the licence pyproject.toml's `[project] license` names
 * (Apache-2.0; `--license` overrides it for a dry run) and the LICENSE file.
 *
 * Without `--upload` nothing leaves the machine. Everything is staged under
 * `dist/` (gitignored).
 *
 * @module
 */

import { exists, join, ROOT, run, VENV_PYTHON } from "./common.ts";
import { newestWheel } from "./wheel.ts";

/** The TypeScript compiler the npm package is built with. */
export const TYPESCRIPT = "typescript@5.9.3";

/** The package names on each registry. */
export const NAMES = { npm: "applejax", jsr: "@applejax/applejax" } as const;

/** What can be published. */
export type Target = "wheel" | "npm" | "jsr";

/** Parsed command line. */
export interface PublishArgs {
  /** upload for real (default: dry run) */
  upload: boolean;
  /** the packages to handle */
  only: Target[];
  /** rebuild the wheel through scripts/wheel.ts (else check the newest in dist/) */
  buildWheel: boolean;
  /** SPDX license for the JSR package, overriding pyproject.toml's */
  license?: string;
}

const USAGE =
  "usage: deno task publish [--upload] [--only wheel,npm,jsr] [--no-wheel-build] [--license SPDX]";

/**
 * Parses the command line.
 *
 * @param argv the arguments after the script
 * @returns the settings
 * @throws Error with the usage line for anything unknown
 */
export function parsePublishArgs(argv: string[]): PublishArgs {
  const a: PublishArgs = { upload: false, only: ["wheel", "npm", "jsr"], buildWheel: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--upload") a.upload = true;
    else if (arg === "--dry-run") a.upload = false;
    else if (arg === "--no-wheel-build") a.buildWheel = false;
    else if (arg === "--license" && argv[i + 1]) a.license = argv[++i];
    else if (arg === "--only" && argv[i + 1]) {
      const list = argv[++i].split(",");
      const bad = list.filter((t) => !["wheel", "npm", "jsr"].includes(t));
      if (bad.length) throw new Error(`unknown package ${bad.join(", ")}\n${USAGE}`);
      a.only = list as Target[];
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return a;
}

/**
 * The project version from pyproject.toml's [project] table, which the
 * wheel carries; the npm and JSR packages use the same.
 *
 * @param pyproject the file's text
 * @returns e.g. "0.1.0"
 */
export function projectVersion(pyproject: string): string {
  const table = /^\[project\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(pyproject)?.[1] ?? "";
  const v = /^version\s*=\s*"([^"]+)"/m.exec(table)?.[1];
  if (!v) throw new Error("pyproject.toml has no [project] version");
  return v;
}

/**
 * The license pyproject.toml's [project] table names (`license = "MIT"` or
 * `license = { text = "MIT" }`), if any.
 *
 * @param pyproject the file's text
 * @returns the SPDX expression, or undefined
 */
export function projectLicense(pyproject: string): string | undefined {
  const table = /^\[project\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(pyproject)?.[1] ?? "";
  const m = /^license\s*=\s*(?:"([^"]+)"|\{\s*text\s*=\s*"([^"]+)"\s*\})/m.exec(table);
  return m ? m[1] ?? m[2] : undefined;
}

/** Files of the repository that both TypeScript packages carry besides the code. */
export const DATA_FILES = [
  "tests/fixtures/bench",
  "scripts/bench_jax.py",
  "scripts/bench_ops.py",
] as const;

/**
 * The npm package.json.
 *
 * @param version the package version
 * @param license the SPDX license expression
 * @returns the object to write
 */
export function npmPackageJson(version: string, license: string): Record<string, unknown> {
  return {
    name: NAMES.npm,
    version,
    license,
    description:
      "Drive the applejax PJRT plugin (JAX on Apple GPUs through MLX) from TypeScript: " +
      "Deno FFI harness and op benchmarks",
    type: "module",
    main: "./mod.js",
    types: "./mod.d.ts",
    exports: { ".": { types: "./mod.d.ts", default: "./mod.js" } },
    files: ["mod.js", "mod.d.ts", "src/", ...DATA_FILES, "README.md", "LICENSE"],
    engines: { deno: ">=2.0" },
    keywords: ["jax", "pjrt", "mlx", "deno", "ffi", "stablehlo"],
    sideEffects: false,
  };
}

/**
 * The tsconfig that compiles mod.ts and src/ into the npm package.
 *
 * @param outDir where the JavaScript and declarations go
 * @param denoTypes the Deno namespace declarations file
 * @returns the object to write
 */
export function npmTsconfig(outDir: string, denoTypes: string): Record<string, unknown> {
  return {
    compilerOptions: {
      target: "es2022",
      lib: ["esnext", "dom"],
      module: "esnext",
      moduleResolution: "bundler",
      // Our imports name .ts files, as Deno wants; the output must name .js.
      rewriteRelativeImportExtensions: true,
      declaration: true,
      strict: true,
      skipLibCheck: true,
      rootDir: ROOT,
      outDir,
      types: [],
    },
    files: [join(ROOT, "mod.ts"), denoTypes],
  };
}

/**
 * The jsr.json of the JSR package.
 *
 * @param version the package version
 * @param license the SPDX license expression
 * @returns the object to write
 */
export function jsrConfig(version: string, license: string): Record<string, unknown> {
  return {
    name: NAMES.jsr,
    version,
    license,
    exports: "./mod.ts",
    publish: { include: ["mod.ts", "src/", ...DATA_FILES, "README.md", "LICENSE"] },
  };
}

/** What the wheel check reads from a wheel. */
export interface WheelInfo {
  /** file names inside */
  members: string[];
  /** the METADATA file's text */
  metadata: string;
  /** the WHEEL file's text */
  wheel: string;
}

/**
 * What is wrong with a wheel for an upload to PyPI.
 *
 * @param info the wheel's contents
 * @param version the expected version
 * @param libName the plugin library's file name
 * @returns one sentence per problem (empty: fine)
 */
export function wheelProblems(info: WheelInfo, version: string, libName: string): string[] {
  const field = (name: string) =>
    [...info.metadata.matchAll(new RegExp(`^${name}: (.*)$`, "gm"))].map((m) => m[1].trim());
  const problems: string[] = [];
  if (field("Name")[0] !== "applejax") problems.push(`Name is ${field("Name")[0]}, not applejax`);
  if (field("Version")[0] !== version) {
    problems.push(`Version is ${field("Version")[0]}, pyproject.toml says ${version}`);
  }
  if (!field("Requires-Dist").some((d) => d.startsWith("jax"))) {
    problems.push("no Requires-Dist on jax");
  }
  if (!field("Description-Content-Type")[0]) problems.push("no long description");
  const tags = [...info.wheel.matchAll(/^Tag: (.*)$/gm)].map((m) => m[1].trim());
  // PyPI refuses plain linux_* tags; manylinux/musllinux/macosx are fine.
  if (tags.length === 0) problems.push("the WHEEL file has no Tag");
  for (const t of tags) {
    if (/-linux_/.test(t)) problems.push(`tag ${t} is refused by PyPI (needs manylinux)`);
  }
  for (const m of [`jax_plugins/mps/__init__.py`, `jax_plugins/mps/${libName}`]) {
    if (!info.members.includes(m)) problems.push(`${m} is missing`);
  }
  if (!info.members.some((m) => /\.dist-info\/entry_points\.txt$/.test(m))) {
    problems.push("no entry_points.txt: jax would not find the plugin");
  }
  return problems;
}

async function step(
  name: string,
  cmd: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
) {
  const r = await run(cmd, opts);
  if (r.code !== 0) throw new Error(`${name}: \`${cmd.join(" ")}\` exited ${r.code}`);
}

async function hostWheel(): Promise<string> {
  const wheel = await newestWheel(join(ROOT, "dist"));
  if (!wheel) throw new Error("wheel: dist/ has no applejax wheel (run `deno task wheel`)");
  return wheel;
}

async function readWheel(path: string): Promise<WheelInfo> {
  const code = `import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
pick = lambda suffix: z.read(next(n for n in names if n.endswith(suffix))).decode()
print(json.dumps({"members": names, "metadata": pick(".dist-info/METADATA"),
                  "wheel": pick(".dist-info/WHEEL")}))`;
  const r = await run([VENV_PYTHON, "-c", code, path], { capture: true });
  if (r.code !== 0) throw new Error(`wheel: cannot read ${path}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

function env(...names: string[]): string | undefined {
  for (const n of names) if (Deno.env.get(n)) return Deno.env.get(n);
  return undefined;
}

/**
 * Which tokens an upload of `targets` lacks.
 *
 * @param targets the packages
 * @param lookup reads an environment variable (injectable for tests)
 * @returns the missing variables, described
 */
export function missingTokens(
  targets: Target[],
  lookup: (name: string) => string | undefined = (n) => Deno.env.get(n),
): string[] {
  const any = (...names: string[]) => names.some((n) => lookup(n));
  const missing: string[] = [];
  if (targets.includes("wheel") && !any("MATURIN_PYPI_TOKEN", "PYPI_TOKEN", "TWINE_PASSWORD")) {
    missing.push("wheel: MATURIN_PYPI_TOKEN, PYPI_TOKEN or TWINE_PASSWORD");
  }
  if (targets.includes("npm") && !any("NPM_TOKEN", "NODE_AUTH_TOKEN")) {
    missing.push("npm: NPM_TOKEN");
  }
  if (targets.includes("jsr") && !any("JSR_TOKEN")) missing.push("jsr: JSR_TOKEN");
  return missing;
}

async function publishWheel(args: PublishArgs, version: string, libName: string) {
  if (args.buildWheel) {
    await step("wheel", [Deno.execPath(), "run", "-A", join(ROOT, "scripts", "wheel.ts")]);
  }
  const wheel = await hostWheel();
  const problems = wheelProblems(await readWheel(wheel), version, libName);
  if (problems.length) throw new Error(`wheel: ${wheel}:\n  ${problems.join("\n  ")}`);
  console.log(`wheel: ${wheel.slice(ROOT.length + 1)} passes the checks`);
  if (!args.upload) {
    console.log("wheel: dry run; `--upload` would run `maturin upload` with it");
    return;
  }
  // maturin reads credentials from MATURIN_USERNAME/MATURIN_PASSWORD; an API
  // token goes in as the password of the user "__token__".
  const uploadEnv: Record<string, string> = {
    MATURIN_USERNAME: env("MATURIN_USERNAME", "TWINE_USERNAME") ?? "__token__",
    MATURIN_PASSWORD: env("MATURIN_PYPI_TOKEN", "PYPI_TOKEN", "TWINE_PASSWORD")!,
  };
  const url = env("MATURIN_REPOSITORY_URL", "TWINE_REPOSITORY_URL");
  if (url) uploadEnv.MATURIN_REPOSITORY_URL = url;
  await step("wheel upload", [
    join(ROOT, ".venv", "bin", "maturin"),
    "upload",
    "--non-interactive",
    wheel,
  ], {
    env: uploadEnv,
  });
}

async function copyTree(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  if (info.isFile) {
    await Deno.mkdir(to.slice(0, to.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(from, to);
    return;
  }
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) await copyTree(join(from, e.name), join(to, e.name));
}

/**
 * The README both TypeScript packages carry.
 *
 * @param registryName how to import the package, e.g. "npm:applejax"
 * @returns Markdown
 */
export function packageReadme(registryName: string): string {
  return `# applejax (TypeScript)

Drive the applejax PJRT plugin — JAX on Apple GPUs through MLX — from Deno:
open the plugin library, create a client, upload typed arrays, compile
StableHLO portable artifacts, execute, and read results back, with every PJRT
failure thrown as a typed exception. Also the op benchmarks of \`deno task bench\`.

\`\`\`ts
import { Client, PjrtApi } from "${registryName}";

using api = PjrtApi.open("/path/to/libpjrt_plugin_mps.so"); // from the applejax wheel
using client = Client.create(api);
using exe = client.compile(await Deno.readFile("program.mlirbc"));
using x = client.upload(new Float32Array([1, 2, 3]));
const [y] = await exe.executeAsync([x]);
console.log(await y.toHostAsync());
y.close();
\`\`\`

Needs Deno 2 with \`--allow-ffi\` (and \`--allow-read\` for files). The plugin
library itself ships in the \`applejax\` Python wheel.
`;
}

async function publishNpm(args: PublishArgs, version: string, license: string) {
  const stage = join(ROOT, "dist", "npm");
  const pkg = join(stage, "package");
  await Deno.remove(stage, { recursive: true }).catch(() => {});
  await Deno.mkdir(pkg, { recursive: true });
  const types = await run([Deno.execPath(), "types"], { capture: true });
  if (types.code !== 0) throw new Error(`npm: \`deno types\` failed: ${types.stderr}`);
  // The file opts out of TypeScript's default libraries and names Deno's
  // own; tsc knows neither, so it gets esnext + dom instead.
  const denoTypes = join(stage, "lib.deno.d.ts");
  await Deno.writeTextFile(
    denoTypes,
    types.stdout.split("\n").filter((l) => !/reference (no-default-lib|lib="deno\.)/.test(l)).join(
      "\n",
    ),
  );
  const tsconfig = join(stage, "tsconfig.json");
  await Deno.writeTextFile(tsconfig, JSON.stringify(npmTsconfig(pkg, denoTypes), null, 2));
  await step("npm: tsc", ["npx", "--yes", "-p", TYPESCRIPT, "tsc", "-p", tsconfig]);
  for (const f of [...DATA_FILES, "LICENSE"]) await copyTree(join(ROOT, f), join(pkg, f));
  await Deno.writeTextFile(join(pkg, "README.md"), packageReadme(`npm:${NAMES.npm}`));
  await Deno.writeTextFile(
    join(pkg, "package.json"),
    JSON.stringify(npmPackageJson(version, license), null, 2) + "\n",
  );
  await step("npm pack", ["npm", "pack", "--pack-destination", join(ROOT, "dist")], { cwd: pkg });
  const tarball = join(ROOT, "dist", `${NAMES.npm}-${version}.tgz`);
  if (!(await exists(tarball))) throw new Error(`npm: npm pack did not write ${tarball}`);
  if (!args.upload) {
    await step("npm publish --dry-run", ["npm", "publish", "--dry-run", tarball], { cwd: pkg });
    return;
  }
  // A throwaway user config carries the token, so none lands in ~/.npmrc.
  const npmrc = await Deno.makeTempFile({ prefix: "applejax-npmrc-" });
  try {
    await Deno.writeTextFile(
      npmrc,
      `//registry.npmjs.org/:_authToken=${env("NPM_TOKEN", "NODE_AUTH_TOKEN")}\n`,
    );
    await step("npm publish", [
      "npm",
      "publish",
      "--userconfig",
      npmrc,
      "--access",
      "public",
      tarball,
    ], {
      cwd: pkg,
    });
  } finally {
    await Deno.remove(npmrc);
  }
}

async function publishJsr(args: PublishArgs, version: string, license: string) {
  const stage = join(ROOT, "dist", "jsr");
  await Deno.remove(stage, { recursive: true }).catch(() => {});
  for (const f of ["mod.ts", "src", ...DATA_FILES, "LICENSE"]) {
    await copyTree(join(ROOT, f), join(stage, f));
  }
  await Deno.writeTextFile(join(stage, "README.md"), packageReadme(`jsr:${NAMES.jsr}`));
  await Deno.writeTextFile(
    join(stage, "jsr.json"),
    JSON.stringify(jsrConfig(version, license), null, 2) + "\n",
  );
  const cmd = [Deno.execPath(), "publish", "--allow-dirty", "--config", join(stage, "jsr.json")];
  if (!args.upload) await step("deno publish --dry-run", [...cmd, "--dry-run"], { cwd: stage });
  else await step("deno publish", [...cmd, "--token", env("JSR_TOKEN")!], { cwd: stage });
}

async function main(): Promise<number> {
  const args = parsePublishArgs(Deno.args);
  if (args.upload) {
    const missing = missingTokens(args.only);
    if (missing.length) {
      console.error(
        `publish --upload: missing tokens in the environment:\n  ${missing.join("\n  ")}`,
      );
      return 2;
    }
  }
  const pyproject = await Deno.readTextFile(join(ROOT, "pyproject.toml"));
  const version = projectVersion(pyproject);
  // One licence for all three packages: the wheel's, from pyproject.toml.
  const license = args.license ?? projectLicense(pyproject);
  if (!license) {
    throw new Error(
      "pyproject.toml's [project] table names no license, and npm and JSR need one; " +
        'add `license = "<SPDX>"` there (or pass --license for a dry run)',
    );
  }
  const libName = Deno.build.os === "darwin" ? "libpjrt_plugin_mps.dylib" : "libpjrt_plugin_mps.so";
  console.log(
    `publish ${version}: ${args.only.join(", ")} (${args.upload ? "UPLOAD" : "dry run"})`,
  );
  if (args.only.includes("wheel")) await publishWheel(args, version, libName);
  if (args.only.includes("npm")) await publishNpm(args, version, license);
  if (args.only.includes("jsr")) await publishJsr(args, version, license);
  console.log(
    `publish: ${args.upload ? "uploaded" : "dry run passed for"} ${args.only.join(", ")}`,
  );
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    console.error(`publish: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
