/**
 * applejax — the Deno side: pin and lock handling (`src/pins`) and the FFI
 * harness that drives the plugin through the PJRT C API (`src/ffi`).
 *
 * @module
 */

export * from "./src/pins/mod.ts";
export * from "./src/ffi/mod.ts";
