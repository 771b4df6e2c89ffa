/**
 * Finds a Python interpreter of a given minor version for a venv of the jax
 * range (jax 0.11 and later need Python 3.12), installing one the way the
 * other tools are installed when none is found: apt-get (as root or with
 * passwordless sudo; Debian 13 and Ubuntu have `python3.12` packages),
 * Homebrew (`python@3.12`), or `pyenv install` where pyenv is set up.
 * Otherwise it stops with the command a person has to run.
 *
 * @module
 */

import { exists, run } from "./common.ts";
import { ensureSystemTools } from "./system_tools.ts";

async function isMinor(python: string, minor: string): Promise<boolean> {
  const r = await run([
    python,
    "-c",
    "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2])",
  ], { capture: true, echo: false });
  return r.code === 0 && r.stdout.trim() === minor;
}

/**
 * Candidate paths of a Python `minor`, most specific first.
 *
 * @param minor e.g. "3.12"
 * @param home the user's home directory
 * @param pyenvVersions names of the directories under `$PYENV_ROOT/versions`
 * @param pyenvRoot where pyenv keeps its interpreters
 * @returns paths to try
 */
export function pythonCandidates(
  minor: string,
  home: string,
  pyenvVersions: string[],
  pyenvRoot = `${home}/.pyenv`,
): string[] {
  const out = [`python${minor}`];
  const prefix = `${minor}.`;
  const pyenv = pyenvVersions.filter((v) => v.startsWith(prefix) && /^\d+\.\d+\.\d+$/.test(v))
    .sort((a, b) => Number(b.split(".")[2]) - Number(a.split(".")[2]));
  for (const v of pyenv) out.push(`${pyenvRoot}/versions/${v}/bin/python${minor}`);
  out.push(
    `/usr/bin/python${minor}`,
    `/usr/local/bin/python${minor}`,
    `/opt/homebrew/bin/python${minor}`,
  );
  return out;
}

async function search(minor: string): Promise<string | null> {
  const home = Deno.env.get("HOME") ?? "/root";
  const pyenvRoot = Deno.env.get("PYENV_ROOT") ?? `${home}/.pyenv`;
  const versions: string[] = [];
  if (await exists(`${pyenvRoot}/versions`)) {
    for await (const e of Deno.readDir(`${pyenvRoot}/versions`)) versions.push(e.name);
  }
  for (const p of pythonCandidates(minor, home, versions, pyenvRoot)) {
    if (await isMinor(p, minor)) return p;
  }
  return null;
}

/**
 * A Python `minor` interpreter with `venv` and `ensurepip`.
 *
 * @param minor e.g. "3.12"
 * @returns its path, and what was installed to get it
 * @throws Error with the command to run when none can be found or installed
 */
export async function findPython(minor: string): Promise<{ python: string; did: string[] }> {
  const found = await search(minor);
  if (found) return { python: found, did: [] };
  const probe = ["sh", "-c", `python${minor} -c 'import venv, ensurepip'`];
  const sys = await ensureSystemTools([{
    name: `python ${minor}`,
    probe,
    apt: [`python${minor}`, `python${minor}-venv`],
    brew: [`python@${minor}`],
  }]);
  const again = await search(minor);
  if (again) return { python: again, did: sys.did };
  const pyenv = await run(["pyenv", "install", "-s", minor], { capture: true, echo: false });
  const viaPyenv = await search(minor);
  if (viaPyenv) return { python: viaPyenv, did: [`pyenv install ${minor}`] };
  const tried = pyenv.code !== 127 ? "; `pyenv install` failed too" : "";
  throw new Error(
    `no Python ${minor} found (jax >= 0.11 needs it for the newest end of the jax range)` +
      `${tried}. ${sys.problems.join("; ")}. Install Python ${minor} with venv ` +
      `(apt-get install python${minor} python${minor}-venv, brew install python@${minor}, ` +
      `or pyenv install ${minor}) and run again.`,
  );
}
