/**
 * A compiled program: its output count and synchronous execution on one device.
 *
 * @module
 */

import type { PjrtApi } from "./api.ts";
import { awaitEvent, DeviceBuffer } from "./buffer.ts";
import { address, pointerArray } from "./layout.ts";
import { ARGS } from "./structs.ts";

/** A PJRT_LoadedExecutable owned by the harness. */
export class Executable {
  /** The plugin. */
  readonly api: PjrtApi;
  /** The PJRT_LoadedExecutable handle. */
  readonly handle: Deno.PointerValue;

  /**
   * @param api the plugin
   * @param handle a PJRT_LoadedExecutable this object now owns
   */
  constructor(api: PjrtApi, handle: Deno.PointerValue) {
    this.api = api;
    this.handle = handle;
  }

  /** Number of results the program returns. */
  numOutputs(): number {
    const exe = this.api.call(
      "PJRT_LoadedExecutable_GetExecutable",
      ARGS.PJRT_LoadedExecutable_GetExecutable.alloc().set("loaded_executable", this.handle),
    ).ptr("executable");
    try {
      return this.api.call(
        "PJRT_Executable_NumOutputs",
        ARGS.PJRT_Executable_NumOutputs.alloc().set("executable", exe),
      ).num("num_outputs");
    } finally {
      this.api.call(
        "PJRT_Executable_Destroy",
        ARGS.PJRT_Executable_Destroy.alloc().set("executable", exe),
      );
    }
  }

  /**
   * Runs the program on its device and waits for it to finish.
   *
   * @param args input buffers, in parameter order (not consumed)
   * @returns the output buffers, owned by the caller
   */
  execute(args: DeviceBuffer[]): DeviceBuffer[] {
    const n = this.numOutputs();
    const inputs = pointerArray(args.map((a) => a.handle));
    const inputLists = BigUint64Array.of(address(Deno.UnsafePointer.of(inputs)));
    const outputs = new BigUint64Array(Math.max(n, 1));
    const outputLists = BigUint64Array.of(address(Deno.UnsafePointer.of(outputs)));
    const events = new BigUint64Array(1);
    const options = ARGS.PJRT_ExecuteOptions.alloc();
    const r = ARGS.PJRT_LoadedExecutable_Execute.alloc()
      .set("executable", this.handle)
      .set("options", options.pointer())
      .set("argument_lists", Deno.UnsafePointer.of(inputLists))
      .set("num_devices", 1)
      .set("num_args", args.length)
      .set("output_lists", Deno.UnsafePointer.of(outputLists))
      .set("device_complete_events", Deno.UnsafePointer.of(events));
    this.api.call("PJRT_LoadedExecutable_Execute", r);
    const results = Array.from(
      { length: n },
      (_, i) => new DeviceBuffer(this.api, Deno.UnsafePointer.create(outputs[i])),
    );
    try {
      awaitEvent(this.api, Deno.UnsafePointer.create(events[0]));
    } catch (e) {
      for (const b of results) b.close();
      throw e;
    }
    return results;
  }

  /** Destroys the executable. */
  close(): void {
    this.api.call(
      "PJRT_LoadedExecutable_Destroy",
      ARGS.PJRT_LoadedExecutable_Destroy.alloc().set("executable", this.handle),
    );
  }

  /** `using exe = client.compile(...)` destroys it at scope end. */
  [Symbol.dispose](): void {
    this.close();
  }
}
