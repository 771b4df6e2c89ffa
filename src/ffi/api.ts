/**
 * Opens a PJRT plugin library and calls the functions of its PJRT_Api table.
 *
 * Every PJRT function but two has the same C signature — `PJRT_Error* f(Args*)`
 * — so one foreign-function shape covers the table (the error functions
 * return void); what differs is the argument struct, described with
 * {@link Layout}.
 *
 * @module
 */

import { API_MEMBERS } from "./api_members.ts";
import { PjrtError } from "./errors.ts";
import { closeEventCallbacks } from "./events.ts";
import { Layout, readString, type Struct } from "./layout.ts";
import { liveObjects, type NativeObject, pendingCallbacks } from "./owned.ts";
import { defaultPluginPath } from "./plugin_path.ts";

const CALL = { parameters: ["pointer"], result: "pointer" } as const;
type Fn = Deno.UnsafeFnPointer<typeof CALL>;
const CALL_VOID = { parameters: ["pointer"], result: "void" } as const;
// The two functions that cannot fail return nothing; reading a result
// register they never set would make a garbage error pointer.
const VOID_MEMBERS = new Set(["PJRT_Error_Destroy", "PJRT_Error_Message"]);

const ERROR_DESTROY = new Layout([["error", "ptr"]]);
const ERROR_MESSAGE = new Layout([["error", "ptr"], ["message", "ptr"], ["message_size", "size"]]);
const ERROR_GET_CODE = new Layout([["error", "ptr"], ["code", "i32"]]);

/** Byte offset of the first function member in PJRT_Api. */
const TABLE_OFFSET = 40;

/** A loaded plugin: its API version and a typed way to call its functions. */
export class PjrtApi {
  /** Path the library was opened from. */
  readonly path: string;
  /** PJRT C API version the plugin was built for. */
  readonly version: { major: number; minor: number };
  readonly #lib: Deno.DynamicLibrary<{ GetPjrtApi: { parameters: []; result: "pointer" } }>;
  readonly #table: Deno.UnsafePointerView;
  readonly #structSize: number;
  readonly #fns = new Map<string, Fn>();
  readonly #voidFns = new Map<string, Deno.UnsafeFnPointer<typeof CALL_VOID>>();
  #closed = false;

  /**
   * Opens the library and reads its PJRT_Api table.
   *
   * @param path the plugin shared library
   * @throws Error naming the path and the loader's reason when it cannot be opened
   */
  constructor(path: string) {
    this.path = path;
    try {
      this.#lib = Deno.dlopen(path, { GetPjrtApi: { parameters: [], result: "pointer" } });
    } catch (e) {
      throw new Error(
        `cannot open the PJRT plugin ${path}: ${(e as Error).message} ` +
          "(build it with `deno task build`, or set APPLEJAX_PLUGIN to a built library)",
        { cause: e },
      );
    }
    const api = this.#lib.symbols.GetPjrtApi();
    if (api === null) throw new Error(`${path}: GetPjrtApi returned null`);
    this.#table = new Deno.UnsafePointerView(api);
    this.#structSize = Number(this.#table.getBigUint64(0));
    // PJRT_Api_Version: struct_size, extension_start, then two ints.
    this.version = { major: this.#table.getInt32(32), minor: this.#table.getInt32(36) };
  }

  /**
   * Opens a plugin: `path`, else {@link defaultPluginPath} (`$APPLEJAX_PLUGIN`
   * or this repository's `build/` output).
   *
   * ```ts
   * using api = PjrtApi.open();
   * ```
   *
   * @param path the plugin shared library
   * @returns the opened plugin
   */
  static open(path: string = defaultPluginPath()): PjrtApi {
    return new PjrtApi(path);
  }

  /** Whether the plugin's table has a slot for `name` (older plugins have fewer). */
  has(name: string): boolean {
    const i = API_MEMBERS.indexOf(name);
    return i >= 0 && TABLE_OFFSET + 8 * (i + 1) <= this.#structSize &&
      this.#table.getBigUint64(TABLE_OFFSET + 8 * i) !== 0n;
  }

  #slot(name: string): Deno.PointerObject {
    const i = API_MEMBERS.indexOf(name);
    if (i < 0) throw new Error(`${name} is not a PJRT_Api member`);
    if (!this.has(name)) throw new Error(`${this.path}: the plugin has no ${name}`);
    return Deno.UnsafePointer.create(this.#table.getBigUint64(TABLE_OFFSET + 8 * i))!;
  }

  #fn(name: string): Fn {
    let fn = this.#fns.get(name);
    if (!fn) {
      fn = new Deno.UnsafeFnPointer(this.#slot(name) as Deno.PointerObject<typeof CALL>, CALL);
      this.#fns.set(name, fn);
    }
    return fn;
  }

  #callVoid(name: string, args: Struct): Struct {
    let fn = this.#voidFns.get(name);
    if (!fn) {
      const ptr = this.#slot(name) as Deno.PointerObject<typeof CALL_VOID>;
      fn = new Deno.UnsafeFnPointer(ptr, CALL_VOID);
      this.#voidFns.set(name, fn);
    }
    fn.call(args.pointer());
    return args;
  }

  /**
   * Calls `name` with `args`; a returned PJRT_Error becomes a thrown
   * {@link PjrtError} (and is freed).
   *
   * @param name a PJRT_Api member, e.g. "PJRT_Client_Create"
   * @param args the argument struct
   * @returns the same struct, with the function's outputs filled in
   */
  call(name: string, args: Struct): Struct {
    // The table lives in the unmapped library now; calling it would jump into nothing.
    if (this.#closed) throw new Error(`${name}: ${this.path} has been closed`);
    if (VOID_MEMBERS.has(name)) return this.#callVoid(name, args);
    const err = this.#fn(name).call(args.pointer());
    if (err !== null) throw this.takeError(name, err);
    return args;
  }

  /**
   * Turns a PJRT_Error the caller owns into an exception and frees it; for
   * errors that arrive outside {@link call} (an event's failure).
   *
   * @param name the PJRT function the error belongs to, for the message
   * @param err the PJRT_Error
   * @returns the exception (a {@link PjrtError} subclass chosen by its code)
   */
  takeError(name: string, err: Deno.PointerObject): PjrtError {
    const msg = this.call("PJRT_Error_Message", ERROR_MESSAGE.alloc().set("error", err));
    const message = readString(msg.ptr("message"), msg.num("message_size"));
    const code = this.call("PJRT_Error_GetCode", ERROR_GET_CODE.alloc().set("error", err))
      .num("code");
    this.call("PJRT_Error_Destroy", ERROR_DESTROY.alloc().set("error", err));
    return PjrtError.from(name, code, message);
  }

  /** Clients, buffers and executables of this plugin that are not closed yet. */
  liveObjects(): NativeObject[] {
    return liveObjects(this);
  }

  /**
   * Closes the library. Every object created through it must be closed and
   * every event Promise settled first: unmapping the code under a live object
   * would crash its later destroy, and under a pending callback its call.
   */
  close(): void {
    const pending = pendingCallbacks(this);
    if (pending > 0) {
      throw new Error(`PjrtApi.close(): ${pending} event Promises are still pending; await them`);
    }
    const live = this.liveObjects();
    if (live.length > 0) {
      throw new Error(
        `PjrtApi.close(): ${live.length} objects are still open (${
          live.map((o) => o.kind).join(", ")
        })`,
      );
    }
    if (this.#closed) return;
    this.#closed = true;
    closeEventCallbacks(this);
    this.#lib.close();
  }

  /** `using api = new PjrtApi(path)` closes the library at scope end. */
  [Symbol.dispose](): void {
    this.close();
  }
}
