/**
 * A compiled program: its output count and synchronous execution on one device.
 *
 * @module
 */

import { awaitEvent, DeviceBuffer } from "./buffer.ts";
import { address } from "./layout.ts";
import { NativeObject } from "./owned.ts";
import { ARGS } from "./structs.ts";

/** A PJRT_LoadedExecutable owned by the harness. Close it (or use `using`) to destroy it. */
export class Executable extends NativeObject {
  #numOutputs: number | undefined;

  /**
   * Takes ownership of a loaded-executable handle.
   *
   * @param owner the client that compiled it, which must outlive it
   * @param handle a PJRT_LoadedExecutable the caller hands over
   */
  constructor(owner: NativeObject, handle: Deno.PointerValue) {
    super("Executable", owner.api, handle, owner);
  }

  /** Number of results the program returns. */
  numOutputs(): number {
    if (this.#numOutputs !== undefined) return this.#numOutputs;
    // The count lives on PJRT_Executable, which the plugin hands out as a
    // fresh object per request.
    const exe = this.api.call(
      "PJRT_LoadedExecutable_GetExecutable",
      ARGS.PJRT_LoadedExecutable_GetExecutable.alloc().set("loaded_executable", this.handle),
    ).ptr("executable");
    try {
      this.#numOutputs = this.api.call(
        "PJRT_Executable_NumOutputs",
        ARGS.PJRT_Executable_NumOutputs.alloc().set("executable", exe),
      ).num("num_outputs");
      return this.#numOutputs;
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
    const owner = this.parent!;
    const n = this.numOutputs();
    // argument_lists and output_lists are per-device arrays of arrays; one device.
    const inputs = BigUint64Array.from(args.map((a) => address(a.handle)));
    const inputLists = BigUint64Array.of(
      inputs.length ? address(Deno.UnsafePointer.of(inputs)) : 0n,
    );
    const outputs = new BigUint64Array(Math.max(n, 1));
    const outputLists = BigUint64Array.of(address(Deno.UnsafePointer.of(outputs)));
    const events = new BigUint64Array(1);
    const call = ARGS.PJRT_LoadedExecutable_Execute.alloc()
      .set("executable", this.handle)
      .set("options", ARGS.PJRT_ExecuteOptions.alloc())
      .set("argument_lists", inputLists)
      .set("num_devices", 1)
      .set("num_args", args.length)
      .set("output_lists", outputLists)
      .set("device_complete_events", events)
      .retain(inputs, outputs);
    this.api.call("PJRT_LoadedExecutable_Execute", call);
    // Wrap the outputs before waiting, so that a failed run still frees them.
    const results = Array.from(
      { length: n },
      (_, i) => new DeviceBuffer(owner, Deno.UnsafePointer.create(outputs[i])),
    );
    try {
      awaitEvent(this.api, Deno.UnsafePointer.create(events[0]));
    } catch (e) {
      for (const b of results) b.close();
      throw e;
    }
    return results;
  }

  /** Calls PJRT_LoadedExecutable_Destroy. */
  protected override destroy(handle: Deno.PointerObject): void {
    this.api.call(
      "PJRT_LoadedExecutable_Destroy",
      ARGS.PJRT_LoadedExecutable_Destroy.alloc().set("executable", handle),
    );
  }
}
