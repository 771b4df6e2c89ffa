/**
 * A PJRT client over a loaded plugin: attributes, devices, uploads, compiles.
 *
 * @module
 */

import type { PjrtApi } from "./api.ts";
import { awaitEvent, DeviceBuffer } from "./buffer.ts";
import { BUFFER_TYPE, type DType, dtypeOf, type HostArray, ITEM_SIZE } from "./dtypes.ts";
import { Executable } from "./executable.ts";
import { readString } from "./layout.ts";
import { NativeObject } from "./owned.ts";
import { ARGS, NAMED_VALUE } from "./structs.ts";

/** A plugin attribute's value, tagged with its PJRT_NamedValue type. */
export type AttributeValue =
  | { type: "string"; value: string }
  | { type: "int64"; value: bigint }
  | { type: "int64_list"; value: bigint[] }
  | { type: "float"; value: number }
  | { type: "bool"; value: boolean };

/** One addressable device. */
export interface DeviceInfo {
  /** PJRT_DeviceDescription_Id */
  id: number;
  /** PJRT_DeviceDescription_Kind */
  kind: string;
  /** PJRT_DeviceDescription_DebugString */
  description: string;
  /** The PJRT_Device handle; it belongs to the client and dies with it. */
  handle: Deno.PointerValue;
}

/**
 * Reads the plugin's attributes (PJRT_Plugin_Attributes); needs no client.
 *
 * @param api an opened plugin
 * @returns the attributes by name, in the plugin's order
 */
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
    // The value is a union; pointer members share its first 8 bytes.
    const pointee = Deno.UnsafePointer.create(view.getBigUint64(at + o.value));
    switch (type) {
      case 0:
        out.set(name, { type: "string", value: readString(pointee, size) });
        break;
      case 1:
        out.set(name, { type: "int64", value: view.getBigInt64(at + o.value) });
        break;
      case 2: {
        const list = pointee === null ? null : new Deno.UnsafePointerView(pointee);
        const value = Array.from({ length: list ? size : 0 }, (_, k) => list!.getBigInt64(8 * k));
        out.set(name, { type: "int64_list", value });
        break;
      }
      case 3:
        out.set(name, { type: "float", value: view.getFloat32(at + o.value) });
        break;
      case 4:
        out.set(name, { type: "bool", value: view.getUint8(at + o.value) !== 0 });
        break;
      default:
        throw new Error(`attribute ${name}: unknown PJRT_NamedValue type ${type}`);
    }
  }
  return out;
}

/**
 * A PJRT client. Close it (or use `using`) to destroy it, after the buffers
 * and executables made through it.
 */
export class Client extends NativeObject {
  private constructor(api: PjrtApi, handle: Deno.PointerValue) {
    super("Client", api, handle);
  }

  /**
   * Initializes the plugin and creates a client with default options.
   *
   * @param api an opened plugin
   */
  static create(api: PjrtApi): Client {
    // Initialize is optional in the table and idempotent in ours, so it is
    // called per client rather than tracked per library.
    if (api.has("PJRT_Plugin_Initialize")) {
      api.call("PJRT_Plugin_Initialize", ARGS.PJRT_Plugin_Initialize.alloc());
    }
    const r = api.call("PJRT_Client_Create", ARGS.PJRT_Client_Create.alloc());
    return new Client(api, r.ptr("client"));
  }

  /** The PJRT C API version the plugin implements (from PJRT_Api). */
  apiVersion(): { major: number; minor: number } {
    return { ...this.api.version };
  }

  /** The plugin's attributes; see {@link pluginAttributes}. */
  attributes(): Map<string, AttributeValue> {
    return pluginAttributes(this.api);
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
   *   in a Uint16Array, pred in a Uint8Array); the element sizes must agree
   */
  upload(data: HostArray, dims: number[] = [data.length], dtype?: DType): DeviceBuffer {
    const type = dtype ?? dtypeOf(data);
    // The plugin reads count × element-size bytes; a mismatch here would make
    // it read past the end of `data`.
    if (ITEM_SIZE[type] !== data.BYTES_PER_ELEMENT) {
      throw new Error(
        `upload: ${type} elements take ${ITEM_SIZE[type]} bytes, ` +
          `a ${data.constructor.name} holds ${data.BYTES_PER_ELEMENT}`,
      );
    }
    if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new Error(`upload: shape [${dims}] must be non-negative integers`);
    }
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new Error(
        `upload: shape [${dims}] holds ${count} elements, the data has ${data.length}`,
      );
    }
    const device = this.devices()[0];
    if (!device) throw new Error("upload: the client has no addressable device");
    const args = ARGS.PJRT_Client_BufferFromHostBuffer.alloc()
      .set("client", this.handle)
      .set("data", data)
      .set("type", BUFFER_TYPE[type])
      .set("dims", BigInt64Array.from(dims.map(BigInt)))
      .set("num_dims", dims.length)
      // kImmutableOnlyDuringCall: the plugin copies before returning, so the
      // JS array is free to change or be collected afterwards.
      .set("host_buffer_semantics", 0)
      .set("device", device.handle);
    const r = this.api.call("PJRT_Client_BufferFromHostBuffer", args);
    const buffer = new DeviceBuffer(this, r.ptr("buffer"));
    try {
      awaitEvent(this.api, r.ptr("done_with_host_buffer"));
    } catch (e) {
      buffer.close();
      throw e;
    }
    return buffer;
  }

  /**
   * Compiles a StableHLO portable artifact (program format "mlir").
   *
   * @param artifact the bytes JAX would send (see tests/artifacts/export.py)
   * @param compileOptions a serialized xla.CompileOptionsProto; empty means defaults
   */
  compile(artifact: Uint8Array, compileOptions: Uint8Array = new Uint8Array()): Executable {
    const program = ARGS.PJRT_Program.alloc()
      .set("code", artifact)
      .set("code_size", artifact.byteLength)
      .set("format", new TextEncoder().encode("mlir"))
      .set("format_size", 4);
    const r = this.api.call(
      "PJRT_Client_Compile",
      ARGS.PJRT_Client_Compile.alloc()
        .set("client", this.handle)
        .set("program", program)
        .set("compile_options", compileOptions)
        .set("compile_options_size", compileOptions.byteLength),
    );
    return new Executable(this, r.ptr("executable"));
  }

  /** Calls PJRT_Client_Destroy. */
  protected override destroy(handle: Deno.PointerObject): void {
    this.api.call("PJRT_Client_Destroy", ARGS.PJRT_Client_Destroy.alloc().set("client", handle));
  }
}
