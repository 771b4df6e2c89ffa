/**
 * Shared by the test files: the repository root and the project's Python
 * (numpy and jax are the tests' oracle).
 */

/** Absolute path of the repository root, without a trailing slash. */
export const ROOT: string = decodeURIComponent(new URL("..", import.meta.url).pathname)
  .replace(/\/$/, "");

/** The venv's Python, which has the pinned jax, jaxlib and numpy. */
export const PYTHON = `${ROOT}/.venv/bin/python`;

async function runPython(code: string, stdin = ""): Promise<Uint8Array> {
  const child = new Deno.Command(PYTHON, {
    args: ["-c", code],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(
      `${PYTHON} failed (run \`deno task setup-deps\`):\n${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return out.stdout;
}

/**
 * Runs Python code and returns its standard output as text.
 *
 * @param code the program
 * @param stdin text for its standard input
 * @returns what it printed
 */
export async function python(code: string, stdin = ""): Promise<string> {
  return new TextDecoder().decode(await runPython(code, stdin));
}

/**
 * Runs Python code and returns its standard output as bytes.
 *
 * @param code the program
 * @returns what it wrote
 */
export function pythonBytes(code: string): Promise<Uint8Array> {
  return runPython(code);
}
