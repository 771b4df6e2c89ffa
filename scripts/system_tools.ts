/**
 * Installs the native build tools a machine lacks (cmake, ninja, a C++
 * compiler, cargo, Python's venv) with the system package manager, so that
 * the README's commands work on a fresh machine: apt-get on Debian/Ubuntu
 * (as root or with passwordless sudo), Homebrew on macOS. When neither is
 * usable it returns the command a person has to run instead.
 *
 * @module
 */

import { hostOs, run } from "./common.ts";

/** A tool, how to find out it is there, and the packages that provide it. */
interface Need {
  name: string;
  probe: string[];
  apt: string[];
  brew: string[];
}

const NEEDS: Need[] = [
  { name: "cmake", probe: ["cmake", "--version"], apt: ["cmake"], brew: ["cmake"] },
  { name: "ninja", probe: ["ninja", "--version"], apt: ["ninja-build"], brew: ["ninja"] },
  { name: "c++", probe: ["c++", "--version"], apt: ["g++"], brew: [] },
  { name: "cargo", probe: ["cargo", "--version"], apt: ["cargo"], brew: ["rust"] },
  {
    name: "python venv",
    probe: ["python3", "-c", "import venv, ensurepip"],
    apt: ["python3-venv"],
    brew: ["python@3.11"],
  },
];

async function works(cmd: string[]): Promise<boolean> {
  return (await run(cmd, { capture: true })).code === 0;
}

/** The packages to install for the tools that are missing, per package manager. */
async function missing(): Promise<Need[]> {
  const out: Need[] = [];
  for (const n of NEEDS) if (!(await works(n.probe))) out.push(n);
  return out;
}

/**
 * Installs missing tools when the system lets us.
 *
 * @returns what was done, and problems (each with the command to run by hand)
 */
export async function ensureSystemTools(): Promise<{ did: string[]; problems: string[] }> {
  const lack = await missing();
  if (lack.length === 0) return { did: [], problems: [] };
  const names = lack.map((n) => n.name).join(", ");
  let cmd: string[] | null = null;
  if (hostOs() === "linux" && (await works(["apt-get", "--version"]))) {
    const pkgs = lack.flatMap((n) => n.apt);
    const root = Deno.uid() === 0;
    const sudo = root ? [] : (await works(["sudo", "-n", "true"])) ? ["sudo", "-n"] : null;
    const install = ["apt-get", "install", "-y", "-qq", ...pkgs];
    if (sudo === null) {
      return { did: [], problems: [`missing ${names}: run  sudo ${install.join(" ")}`] };
    }
    const env = { DEBIAN_FRONTEND: "noninteractive" };
    if ((await run([...sudo, "apt-get", "update", "-qq"], { env })).code === 0) {
      cmd = [...sudo, ...install];
      if ((await run(cmd, { env })).code === 0 && (await missing()).length === 0) {
        return { did: [`installed ${pkgs.join(" ")} with apt-get`], problems: [] };
      }
    }
  } else if (hostOs() === "darwin" && (await works(["brew", "--version"]))) {
    const pkgs = lack.flatMap((n) => n.brew);
    cmd = ["brew", "install", ...pkgs];
    if (pkgs.length > 0 && (await run(cmd)).code === 0 && (await missing()).length === 0) {
      return { did: [`installed ${pkgs.join(" ")} with Homebrew`], problems: [] };
    }
  }
  const hint = cmd ? `  (tried: ${cmd.join(" ")})` : "";
  return { did: [], problems: [`missing ${names}; install them with your package manager${hint}`] };
}
