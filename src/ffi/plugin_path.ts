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
 * The BLAS that MLX's matrix products use on Linux: the plugin sends them to
 * the OpenBLAS it links (scipy-openblas32) unless `APPLEJAX_BLAS=reference`
 * keeps MLX's reference BLAS. Read at the plugin's first matrix product, so
 * call this before running programs.
 *
 * @param choice "openblas" (the default) or "reference"
 */
export function chooseBlas(choice: "openblas" | "reference"): void {
  Deno.env.set("APPLEJAX_BLAS", choice);
}
