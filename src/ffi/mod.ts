/**
 * The FFI harness: drive a PJRT plugin from TypeScript.
 *
 * ```ts
 * using api = new PjrtApi(defaultPluginPath());
 * using client = Client.create(api);
 * using x = client.upload(new Float32Array([0, 1, 2]));
 * using exe = client.compile(await Deno.readFile("build/artifacts/add_one.mlirbc"));
 * using y = exe.execute([x])[0];
 * console.log(y.toHost()); // Float32Array [1, 2, 3]
 * ```
 *
 * @module
 */

export { PjrtApi } from "./api.ts";
export { API_MEMBERS } from "./api_members.ts";
export { awaitEvent, DeviceBuffer } from "./buffer.ts";
export { type AttributeValue, Client, type DeviceInfo, pluginAttributes } from "./client.ts";
export { BUFFER_TYPE, type DType, type HostArray } from "./dtypes.ts";
export { ERROR_CODES, PjrtError } from "./errors.ts";
export { Executable } from "./executable.ts";
export { liveObjects, NativeObject } from "./owned.ts";
export { defaultPluginPath } from "./plugin_path.ts";
