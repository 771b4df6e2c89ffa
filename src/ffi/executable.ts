/**
 * A compiled program: what it returns, and execution on one device, waited
 * for on the thread or as a Promise.
 *
 * @module
 */

import { DeviceBuffer } from "./buffer.ts";
import { type DType, dtypeFromBufferType } from "./dtypes.ts";
import { awaitEvent, eventPromise } from "./events.ts";
import { address, readString } from "./layout.ts";
import { NativeObject } from "./owned.ts";
import { ARGS } from "./structs.ts";

/** The shape and dtype of one program output. */
export interface OutputSpec {
  /** the element type */
  dtype: DType;
  /** the shape */
  dims: number[];
}

interface Described {
  name: string;
  outputs: OutputSpec[];
}

/** A PJRT_LoadedExecutable owned by the harness. Close it (or use `using`) to destroy it. */
export class Executable extends NativeObject {
  #described: Described | undefined;

  /**
   * Takes ownership of a loaded-executable handle.
   *
   * @param owner the client that compiled it, which must outlive it
   * @param handle a PJRT_LoadedExecutable the caller hands over
   */
  constructor(owner: NativeObject, handle: Deno.PointerValue) {
    super("Executable", owner.api, handle, owner);
  }

  #describe(): Described {
    if (this.#described) return this.#described;
    // The facts live on PJRT_Executable, which the plugin hands out as a
    // fresh object per request.
    const exe = this.api.call(
      "PJRT_LoadedExecutable_GetExecutable",
      ARGS.PJRT_LoadedExecutable_GetExecutable.alloc().set("loaded_executable", this.handle),
    ).ptr("executable");
    try {
      const n = this.api.call(
        "PJRT_Executable_Name",
        ARGS.PJRT_Executable_Name.alloc().set("executable", exe),
      );
      const t = this.api.call(
        "PJRT_Executable_OutputElementTypes",
        ARGS.PJRT_Executable_OutputElementTypes.alloc().set("executable", exe),
      );
      const d = this.api.call(
        "PJRT_Executable_OutputDimensions",
        ARGS.PJRT_Executable_OutputDimensions.alloc().set("executable", exe),
      );
      const count = t.num("num_output_types");
      if (d.num("num_outputs") !== count) {
        throw new Error(
          `${count} output types but ${d.num("num_outputs")} output shapes from the plugin`,
        );
      }
      const view = (p: Deno.PointerValue) => p === null ? null : new Deno.UnsafePointerView(p);
      const types = view(t.ptr("output_types"));
      const ranks = view(d.ptr("dim_sizes"));
      const dims = view(d.ptr("dims"));
      let at = 0;
      const outputs = Array.from({ length: count }, (_, i) => {
        const rank = Number(ranks!.getBigUint64(8 * i));
        const shape = Array.from(
          { length: rank },
          (_, k) => Number(dims!.getBigInt64(8 * (at + k))),
        );
        at += rank;
        // PJRT_Buffer_Type is a C enum: 4 bytes.
        return { dtype: dtypeFromBufferType(types!.getInt32(4 * i)), dims: shape };
      });
      this.#described = {
        name: readString(n.ptr("executable_name"), n.num("executable_name_size")),
        outputs,
      };
      return this.#described;
    } finally {
      this.api.call(
        "PJRT_Executable_Destroy",
        ARGS.PJRT_Executable_Destroy.alloc().set("executable", exe),
      );
    }
  }

  /** The program's name (PJRT_Executable_Name), e.g. "jit_add". */
  name(): string {
    return this.#describe().name;
  }

  /** Number of results the program returns. */
  numOutputs(): number {
    return this.#describe().outputs.length;
  }

  /** The dtype and shape of each result, in order. */
  outputs(): OutputSpec[] {
    return this.#describe().outputs.map((o) => ({ dtype: o.dtype, dims: [...o.dims] }));
  }

  /** PJRT_LoadedExecutable_Fingerprint: equal programs give equal strings. */
  fingerprint(): string {
    const r = this.api.call(
      "PJRT_LoadedExecutable_Fingerprint",
      ARGS.PJRT_LoadedExecutable_Fingerprint.alloc().set("executable", this.handle),
    );
    return readString(r.ptr("executable_fingerprint"), r.num("executable_fingerprint_size"));
  }

  // Queues the program; the outputs are wrapped at once so that a failed run
  // still frees them.
  #launch(args: DeviceBuffer[]): { results: DeviceBuffer[]; done: Deno.PointerValue } {
    const owner = this.parent!;
    for (const [i, a] of args.entries()) {
      if (a.parent !== owner) throw new Error(`argument ${i} belongs to another client`);
    }
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
    const results = Array.from(
      { length: n },
      (_, i) => new DeviceBuffer(owner, Deno.UnsafePointer.create(outputs[i])),
    );
    return { results, done: Deno.UnsafePointer.create(events[0]) };
  }

  /**
   * Runs the program on its device and waits on this thread until it has run.
   *
   * @param args input buffers, in parameter order (not consumed)
   * @returns the output buffers, owned by the caller
   * @throws PjrtError when the plugin refuses the arguments or the run fails
   */
  execute(args: DeviceBuffer[]): DeviceBuffer[] {
    const { results, done } = this.#launch(args);
    try {
      awaitEvent(this.api, done, "PJRT_LoadedExecutable_Execute");
    } catch (e) {
      for (const b of results) b.close();
      throw e;
    }
    return results;
  }

  /**
   * Runs the program without blocking the thread.
   *
   * @param args input buffers, in parameter order (not consumed)
   * @returns a Promise of the output buffers, owned by the caller; it
   *   rejects with a PjrtError when the run fails (the outputs are freed)
   */
  async executeAsync(args: DeviceBuffer[]): Promise<DeviceBuffer[]> {
    const { results, done } = this.#launch(args);
    try {
      await eventPromise(this.api, done, "PJRT_LoadedExecutable_Execute");
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
