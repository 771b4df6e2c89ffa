/**
 * Where the harness finds the plugin library by default.
 *
 * @module
 */

/**
 * `$APPLEJAX_PLUGIN`, else the CMake build output in this repository
 * (`build/libpjrt_plugin_mps.so`, `.dylib` on macOS).
 */
export function defaultPluginPath(): string {
  const env = Deno.env.get("APPLEJAX_PLUGIN");
  if (env) return env;
  const ext = Deno.build.os === "darwin" ? "dylib" : "so";
  return decodeURIComponent(
    new URL(`../../build/libpjrt_plugin_mps.${ext}`, import.meta.url).pathname,
  );
}

/**
 * On Linux, MLX's CPU wheel links the reference BLAS; the plugin sends MLX's
 * matrix products to the OpenBLAS inside numpy's wheel when `APPLEJAX_BLAS`
 * names it, read at the first matrix product. The Python shim sets it; this
 * does the same for the harness: unless `APPLEJAX_BLAS` is already set (an
 * empty value keeps MLX's BLAS), it looks for numpy's OpenBLAS in a virtual
 * environment and exports its path.
 *
 * @param venv the virtual environment (default: this repository's `.venv`)
 * @returns the BLAS library in effect, or undefined for MLX's own
 */
export function useNumpyBlas(venv?: string): string | undefined {
  const set = Deno.env.get("APPLEJAX_BLAS");
  if (set !== undefined) return set || undefined;
  if (Deno.build.os !== "linux") return undefined;
  const root = venv ?? decodeURIComponent(new URL("../../.venv", import.meta.url).pathname);
  try {
    for (const lib of Deno.readDirSync(`${root}/lib`)) {
      const dir = `${root}/lib/${lib.name}/site-packages/numpy.libs`;
      let found: string[];
      try {
        found = [...Deno.readDirSync(dir)].map((e) => e.name)
          .filter((n) => /^libscipy_openblas64_.*\.so$/.test(n)).sort();
      } catch {
        continue;
      }
      if (found.length) {
        const path = `${dir}/${found[0]}`;
        Deno.env.set("APPLEJAX_BLAS", path);
        return path;
      }
    }
  } catch {
    // No venv: MLX's own BLAS it is.
  }
  return undefined;
}
