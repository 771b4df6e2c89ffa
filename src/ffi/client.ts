/**
 * A PJRT client over a loaded plugin: attributes, devices, uploads, compiles.
 *
 * @module
 */

import type { PjrtApi } from "./api.ts";
import { DeviceBuffer } from "./buffer.ts";
import { Device } from "./device.ts";
import { BUFFER_TYPE, type DType, dtypeOf, type HostArray, ITEM_SIZE, LANES } from "./dtypes.ts";
import { awaitEvent } from "./events.ts";
import { Executable } from "./executable.ts";
import { readString } from "./layout.ts";
import { type AttributeValue, readNamedValues } from "./named_values.ts";
import { NativeObject } from "./owned.ts";
import { ARGS } from "./structs.ts";

/**
 * Reads the plugin's attributes (PJRT_Plugin_Attributes); needs no client.
 *
 * @param api an opened plugin
 * @returns the attributes by name, in the plugin's order
 */
export function pluginAttributes(api: PjrtApi): Map<string, AttributeValue> {
  const r = api.call("PJRT_Plugin_Attributes", ARGS.PJRT_Plugin_Attributes.alloc());
  return readNamedValues(r.ptr("attributes"), r.num("num_attributes"));
}

/** Where {@link Client.compile} reads a program from. */
export type ArtifactSource = Uint8Array | string | URL;

/**
 * A PJRT client. Close it (or use `using`) to destroy it, after the buffers
 * and executables made through it.
 */
export class Client extends NativeObject {
  #devices: Device[] | undefined;

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

  /** The addressable devices with their descriptions, in the plugin's order. */
  devices(): Device[] {
    if (this.#devices) return this.#devices;
    const r = this.api.call(
      "PJRT_Client_AddressableDevices",
      ARGS.PJRT_Client_AddressableDevices.alloc().set("client", this.handle),
    );
    const n = r.num("num_addressable_devices");
    const list = r.ptr("addressable_devices");
    const view = list === null ? null : new Deno.UnsafePointerView(list);
    // The handles are the client's and live as long as it, so one list serves.
    this.#devices = Array.from(
      { length: view ? n : 0 },
      (_, i) => new Device(this, Deno.UnsafePointer.create(view!.getBigUint64(8 * i))!),
    );
    return this.#devices;
  }

  /**
   * Copies a host array to a device.
   *
   * ```ts
   * using x = client.upload(new Float32Array([1, 2, 3, 4]), [2, 2]);
   * using h = client.upload(f32ToF16([0.5, 1.5]), [2], "f16");
   * ```
   *
   * @param data the elements, row-major (complex: interleaved re, im)
   * @param dims the shape; defaults to one dimension holding all of `data`
   * @param dtype the element type when the array type does not say it:
   *   f16/bf16 bits in a Uint16Array, pred or 8-bit floats in a Uint8Array,
   *   c64 in a Float32Array, c128 in a Float64Array
   * @param device where to put it; defaults to the first addressable device
   * @returns the buffer, owned by the caller
   * @throws Error when data, shape and dtype disagree (before reaching C);
   *   PjrtError (e.g. UnimplementedError) when the plugin refuses the dtype
   */
  upload(data: HostArray, dims?: number[], dtype?: DType, device?: Device): DeviceBuffer {
    const type = dtype ?? dtypeOf(data);
    const lanes = LANES[type];
    if (data.length % lanes !== 0) {
      throw new Error(`upload: ${type} takes (re, im) pairs; the data has ${data.length} numbers`);
    }
    const shape = dims ?? [data.length / lanes];
    // The plugin reads count × element-size bytes; a mismatch here would make
    // it read past the end of `data`.
    if (ITEM_SIZE[type] !== data.BYTES_PER_ELEMENT * lanes) {
      throw new Error(
        `upload: ${type} elements take ${ITEM_SIZE[type]} bytes, ` +
          `a ${data.constructor.name} holds ${data.BYTES_PER_ELEMENT}` +
          (lanes > 1 ? ` per lane (${lanes} lanes)` : ""),
      );
    }
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new Error(`upload: shape [${shape}] must be non-negative integers`);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (count * lanes !== data.length) {
      throw new Error(
        `upload: shape [${shape}] holds ${count} elements, the data has ${data.length / lanes}`,
      );
    }
    const target = device ?? this.devices()[0];
    if (!target) throw new Error("upload: the client has no addressable device");
    if (target.owner !== this) throw new Error("upload: the device belongs to another client");
    const args = ARGS.PJRT_Client_BufferFromHostBuffer.alloc()
      .set("client", this.handle)
      .set("data", data)
      .set("type", BUFFER_TYPE[type])
      .set("dims", BigInt64Array.from(shape.map(BigInt)))
      .set("num_dims", shape.length)
      // kImmutableOnlyDuringCall: the plugin has copied once done_with_host_buffer
      // fires (waited for below), so the JS array is free afterwards.
      .set("host_buffer_semantics", 0)
      .set("device", target.handle);
    const r = this.api.call("PJRT_Client_BufferFromHostBuffer", args);
    const buffer = new DeviceBuffer(this, r.ptr("buffer"));
    try {
      awaitEvent(this.api, r.ptr("done_with_host_buffer"), "PJRT_Client_BufferFromHostBuffer");
    } catch (e) {
      buffer.close();
      throw e;
    }
    return buffer;
  }

  /**
   * Compiles a StableHLO portable artifact (program format "mlir"): the
   * bytes JAX sends to a plugin, e.g. one of `tests/fixtures/bench/*.mlirbc`
   * or a file `APPLEJAX_DUMP_DIR` wrote.
   *
   * @param artifact the bytes, or a path / file URL to read them from
   * @param compileOptions a serialized xla.CompileOptionsProto; empty means defaults
   * @returns the executable, owned by the caller
   * @throws PjrtError (InvalidArgumentError for unreadable bytes,
   *   UnimplementedError for ops the plugin does not lower)
   */
  compile(artifact: ArtifactSource, compileOptions: Uint8Array = new Uint8Array()): Executable {
    const code = artifact instanceof Uint8Array ? artifact : Deno.readFileSync(artifact);
    const program = ARGS.PJRT_Program.alloc()
      .set("code", code)
      .set("code_size", code.byteLength)
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
