/**
 * A device buffer: shape, dtype, and the copy back to the host.
 *
 * @module
 */

import type { PjrtApi } from "./api.ts";
import { type DType, dtypeFromBufferType, type HostArray, ITEM_SIZE, viewAs } from "./dtypes.ts";
import { ARGS } from "./structs.ts";

/** Waits for a PJRT_Event and destroys it; its error, if any, is thrown. */
export function awaitEvent(api: PjrtApi, event: Deno.PointerValue): void {
  if (event === null) return;
  try {
    api.call("PJRT_Event_Await", ARGS.PJRT_Event_Await.alloc().set("event", event));
  } finally {
    api.call("PJRT_Event_Destroy", ARGS.PJRT_Event_Destroy.alloc().set("event", event));
  }
}

/** A PJRT_Buffer owned by the harness. */
export class DeviceBuffer {
  /** The plugin. */
  readonly api: PjrtApi;
  /** The PJRT_Buffer handle. */
  readonly handle: Deno.PointerValue;

  /**
   * @param api the plugin
   * @param handle a PJRT_Buffer this object now owns
   */
  constructor(api: PjrtApi, handle: Deno.PointerValue) {
    this.api = api;
    this.handle = handle;
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

  /** Copies the buffer to a new host array (waits for pending work). */
  toHost(): HostArray {
    const dtype = this.dtype();
    const count = this.dims().reduce((a, b) => a * b, 1);
    const bytes = new Uint8Array(count * ITEM_SIZE[dtype]);
    const r = this.api.call(
      "PJRT_Buffer_ToHostBuffer",
      ARGS.PJRT_Buffer_ToHostBuffer.alloc()
        .set("src", this.handle)
        .set("dst", bytes.length ? Deno.UnsafePointer.of(bytes) : null)
        .set("dst_size", bytes.length),
    );
    awaitEvent(this.api, r.ptr("event"));
    return viewAs(dtype, bytes.buffer);
  }

  /** Destroys the buffer. */
  close(): void {
    this.api.call(
      "PJRT_Buffer_Destroy",
      ARGS.PJRT_Buffer_Destroy.alloc().set("buffer", this.handle),
    );
  }

  /** `using b = client.upload(...)` destroys it at scope end. */
  [Symbol.dispose](): void {
    this.close();
  }
}
