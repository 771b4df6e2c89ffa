/**
 * A device buffer: shape, dtype, readiness, and the copy back to the host.
 *
 * @module
 */

import { allocHost, type DType, dtypeFromBufferType, type HostArray } from "./dtypes.ts";
import { awaitEvent, eventPromise } from "./events.ts";
import { NativeObject } from "./owned.ts";
import { ARGS } from "./structs.ts";

/** A PJRT_Buffer owned by the harness. Close it (or use `using`) to destroy it. */
export class DeviceBuffer extends NativeObject {
  /**
   * Takes ownership of a buffer handle.
   *
   * @param owner the client the buffer lives on, which must outlive it
   * @param handle a PJRT_Buffer the caller hands over
   */
  constructor(owner: NativeObject, handle: Deno.PointerValue) {
    super("DeviceBuffer", owner.api, handle, owner);
  }

  /** The shape (PJRT_Buffer_Dimensions). */
  dims(): number[] {
    const r = this.api.call(
      "PJRT_Buffer_Dimensions",
      ARGS.PJRT_Buffer_Dimensions.alloc().set("buffer", this.handle),
    );
    const n = r.num("num_dims");
    const p = r.ptr("dims");
    if (n === 0 || p === null) return [];
    const view = new Deno.UnsafePointerView(p);
    return Array.from({ length: n }, (_, i) => Number(view.getBigInt64(8 * i)));
  }

  /** The element type (PJRT_Buffer_ElementType). */
  dtype(): DType {
    const r = this.api.call(
      "PJRT_Buffer_ElementType",
      ARGS.PJRT_Buffer_ElementType.alloc().set("buffer", this.handle),
    );
    return dtypeFromBufferType(r.num("type"));
  }

  /** Number of elements: the product of {@link dims}. */
  size(): number {
    return this.dims().reduce((a, b) => a * b, 1);
  }

  /** Bytes the buffer takes on the device (PJRT_Buffer_OnDeviceSizeInBytes). */
  onDeviceSizeInBytes(): number {
    return this.api.call(
      "PJRT_Buffer_OnDeviceSizeInBytes",
      ARGS.PJRT_Buffer_OnDeviceSizeInBytes.alloc().set("buffer", this.handle),
    ).num("on_device_size_in_bytes");
  }

  /**
   * Settles when the buffer's contents exist (PJRT_Buffer_ReadyEvent): an
   * execution output is ready once the program has run, and the Promise
   * rejects with the run's error if it failed.
   */
  ready(): Promise<void> {
    let event: Deno.PointerValue;
    try {
      event = this.api.call(
        "PJRT_Buffer_ReadyEvent",
        ARGS.PJRT_Buffer_ReadyEvent.alloc().set("buffer", this.handle),
      ).ptr("event");
    } catch (e) {
      return Promise.reject(e);
    }
    return eventPromise(this.api, event, "PJRT_Buffer_ReadyEvent");
  }

  #startCopy(): { data: HostArray; event: Deno.PointerValue } {
    const data = allocHost(this.dtype(), this.size());
    const r = this.api.call(
      "PJRT_Buffer_ToHostBuffer",
      ARGS.PJRT_Buffer_ToHostBuffer.alloc()
        .set("src", this.handle)
        .set("dst", data)
        .set("dst_size", data.byteLength),
    );
    return { data, event: r.ptr("event") };
  }

  /**
   * Copies the buffer into a new host array, blocking until the work that
   * produces it is done; an execution failure surfaces here as a PjrtError.
   *
   * @returns the elements, row-major, in the dtype's host array type
   */
  toHost(): HostArray {
    const { data, event } = this.#startCopy();
    // The plugin writes into `data` from its worker thread until the event
    // fires, so nothing may hand the array out before this returns.
    awaitEvent(this.api, event, "PJRT_Buffer_ToHostBuffer");
    return data;
  }

  /**
   * Copies the buffer into a new host array without blocking the thread.
   *
   * @returns a Promise of the elements; it rejects with a PjrtError when the
   *   work that produces the buffer failed
   */
  toHostAsync(): Promise<HostArray> {
    let copy: { data: HostArray; event: Deno.PointerValue };
    try {
      copy = this.#startCopy();
    } catch (e) {
      return Promise.reject(e);
    }
    // The closure keeps `data` reachable while the plugin writes into it.
    return eventPromise(this.api, copy.event, "PJRT_Buffer_ToHostBuffer").then(() => copy.data);
  }

  /** Calls PJRT_Buffer_Destroy. */
  protected override destroy(handle: Deno.PointerObject): void {
    this.api.call("PJRT_Buffer_Destroy", ARGS.PJRT_Buffer_Destroy.alloc().set("buffer", handle));
  }
}
