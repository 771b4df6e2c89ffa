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
export interface Need {
  /** what the tool is, for messages */
  name: string;
  /** a command that succeeds when the tool is usable */
  probe: string[];
  /** Debian/Ubuntu packages that provide it */
  apt: string[];
  /** Homebrew formulae that provide it */
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

// A C++ file that libFuzzer can link: probes for clang with libFuzzer, not
// just clang (Debian splits libFuzzer into libclang-rt-*-dev).
const FUZZ_PROBE = `echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, ` +
  `unsigned long) { return 0; }' | \${FUZZ_CXX:-clang++} -fsanitize=fuzzer,address,undefined ` +
  `-x c++ - -o "\${TMPDIR:-/tmp}/applejax_fuzz_probe"`;

/**
 * What `deno task fuzz` needs beyond the build tools: clang with libFuzzer and
 * the sanitizer runtimes. Not installed by setup-deps: only the fuzz task asks.
 * On macOS Apple's clang has no libFuzzer; Homebrew's llvm has (set FUZZ_CXX to
 * its clang++).
 */
export const FUZZ_TOOLS: Need[] = [
  {
    name: "clang with libFuzzer",
    probe: ["sh", "-c", FUZZ_PROBE],
    apt: ["clang", "libclang-rt-dev"],
    brew: ["llvm"],
  },
];

async function works(cmd: string[]): Promise<boolean> {
  return (await run(cmd, { capture: true })).code === 0;
}

/** The tools of `needs` that are missing. */
async function missing(needs: Need[]): Promise<Need[]> {
  const out: Need[] = [];
  for (const n of needs) if (!(await works(n.probe))) out.push(n);
  return out;
}

/**
 * Installs missing tools when the system lets us.
 *
 * @param needs the tools to check: the build tools by default, or {@link FUZZ_TOOLS}
 * @returns what was done, and problems (each with the command to run by hand)
 */
export async function ensureSystemTools(
  needs: Need[] = NEEDS,
): Promise<{ did: string[]; problems: string[] }> {
  const lack = await missing(needs);
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
      if ((await run(cmd, { env })).code === 0 && (await missing(needs)).length === 0) {
        return { did: [`installed ${pkgs.join(" ")} with apt-get`], problems: [] };
      }
    }
  } else if (hostOs() === "darwin" && (await works(["brew", "--version"]))) {
    const pkgs = lack.flatMap((n) => n.brew);
    cmd = ["brew", "install", ...pkgs];
    if (pkgs.length > 0 && (await run(cmd)).code === 0 && (await missing(needs)).length === 0) {
      return { did: [`installed ${pkgs.join(" ")} with Homebrew`], problems: [] };
    }
  }
  const hint = cmd ? `  (tried: ${cmd.join(" ")})` : "";
  return { did: [], problems: [`missing ${names}; install them with your package manager${hint}`] };
}
