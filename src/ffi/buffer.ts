/**
 * A device buffer: shape, dtype, and the copy back to the host.
 *
 * @module
 */

import type { PjrtApi } from "./api.ts";
import { type DType, dtypeFromBufferType, type HostArray, ITEM_SIZE, viewAs } from "./dtypes.ts";
import { NativeObject } from "./owned.ts";
import { ARGS } from "./structs.ts";

/**
 * Waits for a PJRT_Event and destroys it; the event's failure, if any, is
 * thrown as a {@link PjrtError} from "PJRT_Event_Await".
 *
 * @param api the plugin that made the event
 * @param event the event (null means there is nothing to wait for)
 */
export function awaitEvent(api: PjrtApi, event: Deno.PointerValue): void {
  if (event === null) return;
  try {
    api.call("PJRT_Event_Await", ARGS.PJRT_Event_Await.alloc().set("event", event));
  } finally {
    api.call("PJRT_Event_Destroy", ARGS.PJRT_Event_Destroy.alloc().set("event", event));
  }
}

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

  /** The shape. */
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

  /** The element type. */
  dtype(): DType {
    const r = this.api.call(
      "PJRT_Buffer_ElementType",
      ARGS.PJRT_Buffer_ElementType.alloc().set("buffer", this.handle),
    );
    return dtypeFromBufferType(r.num("type"));
  }

  /**
   * Copies the buffer into a new host array, waiting for the work that
   * produces it; an execution failure surfaces here as a PjrtError.
   */
  toHost(): HostArray {
    const dtype = this.dtype();
    const count = this.dims().reduce((a, b) => a * b, 1);
    const bytes = new Uint8Array(count * ITEM_SIZE[dtype]);
    const r = this.api.call(
      "PJRT_Buffer_ToHostBuffer",
      ARGS.PJRT_Buffer_ToHostBuffer.alloc()
        .set("src", this.handle)
        .set("dst", bytes)
        .set("dst_size", bytes.length),
    );
    // The plugin writes into `bytes` from its worker thread until the event
    // fires, so nothing may hand the array out before this returns.
    awaitEvent(this.api, r.ptr("event"));
    return viewAs(dtype, bytes.buffer);
  }

  /** Calls PJRT_Buffer_Destroy. */
  protected override destroy(handle: Deno.PointerObject): void {
    this.api.call("PJRT_Buffer_Destroy", ARGS.PJRT_Buffer_Destroy.alloc().set("buffer", handle));
  }
}
