/**
 * The FFI harness: drive a PJRT plugin from TypeScript.
 *
 * ```ts
 * import { Client, PjrtApi } from "./mod.ts";
 *
 * using api = PjrtApi.open(); // $APPLEJAX_PLUGIN or build/libpjrt_plugin_mps.so
 * using client = Client.create(api);
 * using exe = client.compile("tests/fixtures/bench/add_f32_1k.mlirbc");
 * using x = client.upload(new Float32Array(1024).fill(1));
 * using y = client.upload(new Float32Array(1024).fill(2));
 * const [z] = await exe.executeAsync([x, y]);
 * using _ = z;
 * console.log(await z.toHostAsync()); // Float32Array(1024) [3, 3, ...]
 * ```
 *
 * Every native object is a {@link NativeObject}: `using` (or `close()`)
 * destroys it, children before parents. PJRT failures are thrown as
 * {@link PjrtError} subclasses carrying the plugin's code and message.
 *
 * @module
 */

export { PjrtApi } from "./api.ts";
export { API_MEMBERS } from "./api_members.ts";
export { DeviceBuffer } from "./buffer.ts";
export { type ArtifactSource, Client, pluginAttributes } from "./client.ts";
export {
  bf16BitsToF32,
  bf16ToF32,
  f16BitsToF32,
  f16ToF32,
  f32ToBf16,
  f32ToBf16Bits,
  f32ToF16,
  f32ToF16Bits,
  fromNumbers,
  toNumbers,
} from "./convert.ts";
export { Device } from "./device.ts";
export {
  allocHost,
  BUFFER_TYPE,
  type DType,
  dtypeFromBufferType,
  dtypeOf,
  DTYPES,
  type HostArray,
  type HostArrayTypes,
  ITEM_SIZE,
  JAX_NAME,
  LANES,
  parseDType,
  viewAs,
} from "./dtypes.ts";
export {
  ERROR_CODES,
  type ErrorCodeName,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  PjrtError,
  ResourceExhaustedError,
  UnimplementedError,
} from "./errors.ts";
export { awaitEvent, eventPromise } from "./events.ts";
export { Executable, type OutputSpec } from "./executable.ts";
export { type FieldSpec, type FieldType, type FieldValue, Layout, Struct } from "./layout.ts";
export { type AttributeValue, readNamedValues } from "./named_values.ts";
export { liveObjects, NativeObject, pendingCallbacks } from "./owned.ts";
export { chooseBlas, defaultPluginPath } from "./plugin_path.ts";
