/**
 * A PJRT client over a loaded plugin: attributes, devices, uploads, compiles.
 *
 * @module
 */

import { PjrtApi } from "./api.ts";
import { DeviceBuffer } from "./buffer.ts";
import { BUFFER_TYPE, type DType, dtypeOf, type HostArray } from "./dtypes.ts";
import { Executable } from "./executable.ts";
import { readString } from "./layout.ts";
import { ARGS, NAMED_VALUE } from "./structs.ts";

/** A plugin attribute, decoded by its PJRT_NamedValue type. */
export type AttributeValue = string | bigint | bigint[] | number | boolean;

/** One addressable device. */
export interface DeviceInfo {
  /** PJRT_DeviceDescription_Id */
  id: number;
  /** PJRT_DeviceDescription_Kind */
  kind: string;
  /** PJRT_DeviceDescription_DebugString */
  description: string;
  /** The PJRT_Device handle, valid while the client lives. */
  handle: Deno.PointerValue;
}

/** Reads the plugin's attributes (PJRT_Plugin_Attributes). */
export function pluginAttributes(api: PjrtApi): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  const r = api.call("PJRT_Plugin_Attributes", ARGS.PJRT_Plugin_Attributes.alloc());
  const base = r.ptr("attributes");
  const n = r.num("num_attributes");
  if (base === null || n === 0) return out;
  const view = new Deno.UnsafePointerView(base);
  const o = NAMED_VALUE.offsets;
  for (let i = 0; i < n; i++) {
    const at = i * NAMED_VALUE.size;
    const name = readString(
      Deno.UnsafePointer.create(view.getBigUint64(at + o.name)),
      Number(view.getBigUint64(at + o.name_size)),
    );
    const type = view.getInt32(at + o.type);
    const size = Number(view.getBigUint64(at + o.value_size));
    const raw = view.getBigUint64(at + o.value);
    switch (type) {
      case 0:
        out.set(name, readString(Deno.UnsafePointer.create(raw), size));
        break;
      case 1:
        out.set(name, view.getBigInt64(at + o.value));
        break;
      case 2: {
        const list = new Deno.UnsafePointerView(Deno.UnsafePointer.create(raw)!);
        out.set(name, Array.from({ length: size }, (_, k) => list.getBigInt64(8 * k)));
        break;
      }
      case 3:
        out.set(name, view.getFloat32(at + o.value));
        break;
      case 4:
        out.set(name, view.getUint8(at + o.value) !== 0);
        break;
      default:
        throw new Error(`attribute ${name}: unknown PJRT_NamedValue type ${type}`);
    }
  }
  return out;
}

/** A PJRT client. Call {@link Client.close} (or use `using`) to destroy it. */
export class Client {
  /** The plugin this client belongs to. */
  readonly api: PjrtApi;
  /** The PJRT_Client handle. */
  readonly handle: Deno.PointerValue;

  private constructor(api: PjrtApi, handle: Deno.PointerValue) {
    this.api = api;
    this.handle = handle;
  }

  /**
   * Initializes the plugin (once per library) and creates a client.
   *
   * @param api an opened plugin
   */
  static create(api: PjrtApi): Client {
    if (api.has("PJRT_Plugin_Initialize")) {
      api.call("PJRT_Plugin_Initialize", ARGS.PJRT_Plugin_Initialize.alloc());
    }
    const r = api.call("PJRT_Client_Create", ARGS.PJRT_Client_Create.alloc());
    return new Client(api, r.ptr("client"));
  }

  /** PJRT_Client_PlatformName, e.g. "mps". */
  platformName(): string {
    const r = this.api.call(
      "PJRT_Client_PlatformName",
      ARGS.PJRT_Client_PlatformName.alloc().set("client", this.handle),
    );
    return readString(r.ptr("platform_name"), r.num("platform_name_size"));
  }

  /** PJRT_Client_PlatformVersion. */
  platformVersion(): string {
    const r = this.api.call(
      "PJRT_Client_PlatformVersion",
      ARGS.PJRT_Client_PlatformVersion.alloc().set("client", this.handle),
    );
    return readString(r.ptr("platform_version"), r.num("platform_version_size"));
  }

  /** The addressable devices with their descriptions. */
  devices(): DeviceInfo[] {
    const r = this.api.call(
      "PJRT_Client_AddressableDevices",
      ARGS.PJRT_Client_AddressableDevices.alloc().set("client", this.handle),
    );
    const n = r.num("num_addressable_devices");
    const list = r.ptr("addressable_devices");
    if (list === null || n === 0) return [];
    const view = new Deno.UnsafePointerView(list);
    return Array.from({ length: n }, (_, i) => {
      const handle = Deno.UnsafePointer.create(view.getBigUint64(8 * i));
      const desc = this.api.call(
        "PJRT_Device_GetDescription",
        ARGS.PJRT_Device_GetDescription.alloc().set("device", handle),
      ).ptr("device_description");
      const id = this.api.call(
        "PJRT_DeviceDescription_Id",
        ARGS.PJRT_DeviceDescription_Id.alloc().set("device_description", desc),
      ).num("id");
      const k = this.api.call(
        "PJRT_DeviceDescription_Kind",
        ARGS.PJRT_DeviceDescription_Kind.alloc().set("device_description", desc),
      );
      const d = this.api.call(
        "PJRT_DeviceDescription_DebugString",
        ARGS.PJRT_DeviceDescription_DebugString.alloc().set("device_description", desc),
      );
      return {
        id,
        kind: readString(k.ptr("device_kind"), k.num("device_kind_size")),
        description: readString(d.ptr("debug_string"), d.num("debug_string_size")),
        handle,
      };
    });
  }

  /**
   * Copies a host array to the first device.
   *
   * @param data the elements, row-major
   * @param dims the shape; defaults to one dimension of `data.length`
   * @param dtype overrides the dtype implied by the array type (f16/bf16 bits
   *   in a Uint16Array, pred in a Uint8Array)
   */
  upload(data: HostArray, dims: number[] = [data.length], dtype?: DType): DeviceBuffer {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new Error(
        `upload: shape [${dims}] holds ${count} elements, the data has ${data.length}`,
      );
    }
    const shape = BigInt64Array.from(dims.map(BigInt));
    const args = ARGS.PJRT_Client_BufferFromHostBuffer.alloc()
      .set("client", this.handle)
      .set("data", Deno.UnsafePointer.of(data))
      .set("type", BUFFER_TYPE[dtype ?? dtypeOf(data)])
      .set("dims", Deno.UnsafePointer.of(shape))
      .set("num_dims", dims.length)
      // The call copies before it returns when asked for this semantics, so
      // the JS array may be collected afterwards.
      .set("host_buffer_semantics", 0)
      .set("device", this.devices()[0]?.handle ?? null);
    const r = this.api.call("PJRT_Client_BufferFromHostBuffer", args);
    const done = r.ptr("done_with_host_buffer");
    if (done !== null) {
      const ev = ARGS.PJRT_Event_Await.alloc().set("event", done);
      try {
        this.api.call("PJRT_Event_Await", ev);
      } finally {
        this.api.call("PJRT_Event_Destroy", ARGS.PJRT_Event_Destroy.alloc().set("event", done));
      }
    }
    return new DeviceBuffer(this.api, r.ptr("buffer"));
  }

  /**
   * Compiles a StableHLO portable artifact (format "mlir").
   *
   * @param artifact the bytes JAX would send (see tests/artifacts/export.py)
   * @param compileOptions a serialized xla.CompileOptionsProto; empty means defaults
   */
  compile(artifact: Uint8Array, compileOptions: Uint8Array = new Uint8Array()): Executable {
    const code = new Uint8Array(artifact);
    const format = new TextEncoder().encode("mlir");
    const program = ARGS.PJRT_Program.alloc()
      .set("code", Deno.UnsafePointer.of(code))
      .set("code_size", code.length)
      .set("format", Deno.UnsafePointer.of(format))
      .set("format_size", format.length);
    const opts = new Uint8Array(compileOptions);
    const r = this.api.call(
      "PJRT_Client_Compile",
      ARGS.PJRT_Client_Compile.alloc()
        .set("client", this.handle)
        .set("program", program.pointer())
        .set("compile_options", opts.length ? Deno.UnsafePointer.of(opts) : null)
        .set("compile_options_size", opts.length),
    );
    return new Executable(this.api, r.ptr("executable"));
  }

  /** Destroys the client. */
  close(): void {
    this.api.call(
      "PJRT_Client_Destroy",
      ARGS.PJRT_Client_Destroy.alloc().set("client", this.handle),
    );
  }

  /** `using client = Client.create(api)` destroys it at scope end. */
  [Symbol.dispose](): void {
    this.close();
  }
}
