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
