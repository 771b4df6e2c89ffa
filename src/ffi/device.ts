/**
 * Devices of a client, with their description and attributes.
 *
 * @module
 */

import { readString } from "./layout.ts";
import { type AttributeValue, readNamedValues } from "./named_values.ts";
import type { NativeObject } from "./owned.ts";
import { ARGS } from "./structs.ts";

const DELETER = { parameters: ["pointer"], result: "void" } as const;

/**
 * One device of a client. The object is a view: the PJRT_Device belongs to
 * the client, and methods that reach the plugin refuse once it is closed.
 */
export class Device {
  /** The client the device belongs to. */
  readonly owner: NativeObject;
  /** PJRT_DeviceDescription_Id. */
  readonly id: number;
  /** PJRT_DeviceDescription_Kind, e.g. "cpu" or "gpu". */
  readonly kind: string;
  /** PJRT_DeviceDescription_DebugString. */
  readonly description: string;
  /** PJRT_Device_LocalHardwareId (-1 when not addressable). */
  readonly localHardwareId: number;
  /** PJRT_Device_IsAddressable. */
  readonly addressable: boolean;
  readonly #handle: Deno.PointerObject;
  readonly #desc: Deno.PointerValue;
  readonly #label: string;

  /**
   * Reads the device's description.
   *
   * @param owner the client that listed the device
   * @param handle the PJRT_Device
   */
  constructor(owner: NativeObject, handle: Deno.PointerObject) {
    this.owner = owner;
    this.#handle = handle;
    const api = owner.api;
    this.#desc = api.call(
      "PJRT_Device_GetDescription",
      ARGS.PJRT_Device_GetDescription.alloc().set("device", handle),
    ).ptr("device_description");
    const text = (name: keyof typeof ARGS, field: string) => {
      const r = api.call(name, ARGS[name].alloc().set("device_description", this.#desc));
      return readString(r.ptr(field), r.num(`${field}_size`));
    };
    this.id = api.call(
      "PJRT_DeviceDescription_Id",
      ARGS.PJRT_DeviceDescription_Id.alloc().set("device_description", this.#desc),
    ).num("id");
    this.kind = text("PJRT_DeviceDescription_Kind", "device_kind");
    this.description = text("PJRT_DeviceDescription_DebugString", "debug_string");
    this.#label = text("PJRT_DeviceDescription_ToString", "to_string");
    this.localHardwareId = api.call(
      "PJRT_Device_LocalHardwareId",
      ARGS.PJRT_Device_LocalHardwareId.alloc().set("device", handle),
    ).num("local_hardware_id");
    this.addressable = api.call(
      "PJRT_Device_IsAddressable",
      ARGS.PJRT_Device_IsAddressable.alloc().set("device", handle),
    ).num("is_addressable") !== 0;
  }

  /** The PJRT_Device handle; throws once the client is closed. */
  get handle(): Deno.PointerObject {
    if (this.owner.closed) throw new Error(`device ${this.id} used after its client was closed`);
    return this.#handle;
  }

  /**
   * The device's attributes: those of its description
   * (PJRT_DeviceDescription_Attributes) and of the device itself
   * (PJRT_Device_GetAttributes), the latter winning on a shared name.
   *
   * @returns the attributes by name
   */
  attributes(): Map<string, AttributeValue> {
    const api = this.owner.api;
    const d = api.call(
      "PJRT_DeviceDescription_Attributes",
      ARGS.PJRT_DeviceDescription_Attributes.alloc().set("device_description", this.#desc),
    );
    const out = readNamedValues(d.ptr("attributes"), d.num("num_attributes"));
    if (!api.has("PJRT_Device_GetAttributes")) return out;
    const r = api.call(
      "PJRT_Device_GetAttributes",
      ARGS.PJRT_Device_GetAttributes.alloc().set("device", this.handle),
    );
    for (const [k, v] of readNamedValues(r.ptr("attributes"), r.num("num_attributes"))) {
      out.set(k, v);
    }
    // The list lives in an object the caller frees through the deleter it came with.
    const deleter = r.ptr("attributes_deleter");
    if (deleter !== null && r.ptr("device_attributes") !== null) {
      new Deno.UnsafeFnPointer(deleter as Deno.PointerObject<typeof DELETER>, DELETER)
        .call(r.ptr("device_attributes"));
    }
    return out;
  }

  /** The kind of the device's default memory (PJRT_Memory_Kind), e.g. "device". */
  defaultMemoryKind(): string {
    const api = this.owner.api;
    const memory = api.call(
      "PJRT_Device_DefaultMemory",
      ARGS.PJRT_Device_DefaultMemory.alloc().set("device", this.handle),
    ).ptr("memory");
    const r = api.call("PJRT_Memory_Kind", ARGS.PJRT_Memory_Kind.alloc().set("memory", memory));
    return readString(r.ptr("kind"), r.num("kind_size"));
  }

  /** PJRT_DeviceDescription_ToString, e.g. "MpsDevice(id=0)". */
  toString(): string {
    return this.#label;
  }
}
