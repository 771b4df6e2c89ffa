/**
 * applejax — the Deno side: the FFI harness that drives the PJRT plugin
 * (`src/ffi`), op benchmarks through it (`src/bench`), and pin and lock
 * handling (`src/pins`).
 *
 * ```ts
 * import { Client, PjrtApi } from "./mod.ts";
 *
 * using api = PjrtApi.open("build/libpjrt_plugin_mps.so");
 * using client = Client.create(api);
 * for (const d of client.devices()) console.log(d.id, d.kind, d.attributes());
 * using exe = client.compile("tests/fixtures/bench/matmul_f32_64.mlirbc");
 * using a = client.upload(new Float32Array(64 * 64).fill(1), [64, 64]);
 * const [c] = exe.execute([a, a]);
 * using _c = c;
 * console.log(c.dims(), c.toHost()[0]); // [64, 64] 64
 * ```
 *
 * @module
 */

export * from "./src/ffi/mod.ts";
export * from "./src/bench/mod.ts";
export * from "./src/pins/mod.ts";
