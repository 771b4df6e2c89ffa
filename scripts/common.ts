/**
 * Helpers shared by the task scripts: repository paths, running commands,
 * and the `.deps.env` file written by `setup-deps`.
 *
 * @module
 */

import type { LockOs } from "../src/pins/lock.ts";

/**
 * Joins POSIX path segments with `/`, collapsing repeated separators.
 *
 * @param parts path segments
 * @returns the joined path
 */
export function join(...parts: string[]): string {
  return parts.join("/").replace(/\/{2,}/g, "/");
}

/**
 * The parent directory of a POSIX path.
 *
 * @param path a path without a trailing slash
 * @returns everything before the last `/` (or `.`)
 */
export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i > 0 ? path.slice(0, i) : i === 0 ? "/" : ".";
}

/** Absolute path of the repository root. */
export const ROOT: string = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(
  /\/$/,
  "",
);

/** Path of the committed lock file. */
export const LOCK_PATH: string = join(ROOT, "applejax.lock.json");

/** Path of the generated environment file (gitignored). */
export const DEPS_ENV_PATH: string = join(ROOT, ".deps.env");

/** Path of the project virtual environment. */
export const VENV: string = join(ROOT, ".venv");

/** The venv's python executable. */
export const VENV_PYTHON: string = join(VENV, "bin", "python");

/**
 * The lock's name for the host OS.
 *
 * @returns `linux` or `darwin`
 * @throws Error on any other OS
 */
export function hostOs(): LockOs {
  const os = Deno.build.os;
  if (os === "linux" || os === "darwin") return os;
  throw new Error(`unsupported OS ${os}: applejax builds on Linux and macOS only`);
}

/** File name of the plugin library on the host OS. */
export function pluginLibName(): string {
  return hostOs() === "darwin" ? "libpjrt_plugin_mps.dylib" : "libpjrt_plugin_mps.so";
}

/** Output of a finished command. */
export interface RunResult {
  /** exit code */
  code: number;
  /** captured stdout (empty when inherited) */
  stdout: string;
  /** captured stderr (empty when inherited) */
  stderr: string;
}

/** Options for {@link run}. */
export interface RunOptions {
  /** capture output instead of streaming it to the terminal */
  capture?: boolean;
  /** extra environment variables */
  env?: Record<string, string>;
  /** working directory (default: repository root) */
  cwd?: string;
  /** echo the command line before running it (default: true unless capturing) */
  echo?: boolean;
}

/**
 * Quotes an argument for display the way a POSIX shell would need it.
 *
 * @param arg one argument
 * @returns the argument, quoted when needed
 */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs a command and waits for it. Never throws for a non-zero exit; a missing
 * executable gives code 127.
 *
 * @param cmd executable and arguments
 * @param opts see {@link RunOptions}
 * @returns exit code and any captured output
 */
export async function run(cmd: string[], opts: RunOptions = {}): Promise<RunResult> {
  const capture = opts.capture ?? false;
  if (opts.echo ?? !capture) console.log(`$ ${cmd.map(shellQuote).join(" ")}`);
  try {
    const out = await new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      cwd: opts.cwd ?? ROOT,
      env: opts.env,
      stdin: "inherit",
      stdout: capture ? "piped" : "inherit",
      stderr: capture ? "piped" : "inherit",
    }).output();
    const dec = new TextDecoder();
    return {
      code: out.code,
      stdout: capture ? dec.decode(out.stdout) : "",
      stderr: capture ? dec.decode(out.stderr) : "",
    };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return { code: 127, stdout: "", stderr: `${cmd[0]}: not found` };
    }
    throw e;
  }
}

/**
 * Whether a path exists.
 *
 * @param path a file or directory
 * @returns true when `stat` succeeds
 */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Parses `KEY=value` lines (blank lines and `#` comments ignored).
 *
 * @param text file text
 * @returns the assignments
 */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/**
 * Renders `KEY=value` lines with a header comment.
 *
 * @param vars the assignments, written in insertion order
 * @returns file text
 */
export function renderEnvFile(vars: Record<string, string>): string {
  const lines = ["# Written by `deno task setup-deps`. Do not edit; do not commit."];
  for (const [k, v] of Object.entries(vars)) lines.push(`${k}=${v}`);
  return lines.join("\n") + "\n";
}

/**
 * Reads `.deps.env`, failing with advice when `setup-deps` has not run.
 *
 * @returns the assignments
 */
export async function readDepsEnv(): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await Deno.readTextFile(DEPS_ENV_PATH);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(".deps.env not found: run `deno task setup-deps` first");
    }
    throw e;
  }
  return parseEnvFile(text);
}

/**
 * Writes a file only when its content differs.
 *
 * @param path file path (parent directories are created)
 * @param text new content
 * @returns true when the file was written
 */
export async function writeIfChanged(path: string, text: string): Promise<boolean> {
  try {
    if ((await Deno.readTextFile(path)) === text) return false;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeTextFile(path, text);
  return true;
}

/**
 * Formats milliseconds as seconds with one decimal.
 *
 * @param ms duration
 * @returns e.g. `12.3s`
 */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * The installed versions of Python distributions in one interpreter.
 *
 * @param python the interpreter (a venv's `bin/python`)
 * @param names distribution names
 * @returns normalised name → version, or null when not installed
 */
export async function installedVersions(
  python: string,
  names: string[],
): Promise<Record<string, string | null>> {
  const code = [
    "import importlib.metadata as m, json, re, sys",
    "out = {}",
    "for n in sys.argv[1:]:",
    "    k = re.sub(r'[-_.]+', '-', n).lower()",
    "    try: out[k] = m.version(n)",
    "    except m.PackageNotFoundError: out[k] = None",
    "print(json.dumps(out))",
  ].join("\n");
  const r = await run([python, "-c", code, ...names], { capture: true });
  if (r.code !== 0) throw new Error(`reading installed versions failed: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}
