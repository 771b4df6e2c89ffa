/**
 * Ownership of native PJRT objects: one wrapper per handle, destroyed once.
 *
 * A handle destroyed twice, or used after its destroy call, is a crash in the
 * plugin rather than an exception, so the wrappers forget their handle on
 * close and refuse further use. Every live wrapper is also recorded per plugin,
 * which lets tests prove that nothing was leaked and lets a client refuse to
 * go away while buffers that point into it still exist.
 *
 * @module
 */

import type { PjrtApi } from "./api.ts";

const LIVE = new WeakMap<PjrtApi, Set<NativeObject>>();

/** The wrappers of `api` that have not been closed yet, oldest first. */
export function liveObjects(api: PjrtApi): NativeObject[] {
  return [...(LIVE.get(api) ?? [])];
}

/** A native PJRT object that this process must destroy exactly once. */
export abstract class NativeObject {
  /** The plugin the object belongs to. */
  readonly api: PjrtApi;
  /** What the object is, for messages, e.g. "DeviceBuffer". */
  readonly kind: string;
  /** The object it depends on (a buffer's client), which must outlive it. */
  readonly parent: NativeObject | undefined;
  #handle: Deno.PointerObject | null;
  readonly #children = new Set<NativeObject>();

  /**
   * Takes ownership of `handle`.
   *
   * @param kind the wrapper's name, for messages
   * @param api the plugin
   * @param handle the handle a PJRT call returned
   * @param parent the object that must outlive this one
   */
  protected constructor(
    kind: string,
    api: PjrtApi,
    handle: Deno.PointerValue,
    parent?: NativeObject,
  ) {
    if (handle === null) throw new Error(`${kind}: the plugin returned a null handle`);
    this.kind = kind;
    this.api = api;
    this.parent = parent;
    this.#handle = handle;
    if (parent) parent.#children.add(this);
    let live = LIVE.get(api);
    if (!live) LIVE.set(api, live = new Set());
    live.add(this);
  }

  /** The native handle; throws once the object has been closed. */
  get handle(): Deno.PointerObject {
    if (this.#handle === null) throw new Error(`${this.kind} used after close()`);
    return this.#handle;
  }

  /** Whether {@link close} has run. */
  get closed(): boolean {
    return this.#handle === null;
  }

  /** Frees the native object. Closing twice is a no-op. */
  close(): void {
    if (this.#handle === null) return;
    if (this.#children.size > 0) {
      const open = [...this.#children].map((c) => c.kind).join(", ");
      throw new Error(`${this.kind}.close(): close what depends on it first (${open})`);
    }
    const handle = this.#handle;
    // Forget the handle before calling into C: if destroying fails, a retry
    // would free the same memory twice.
    this.#handle = null;
    if (this.parent) this.parent.#children.delete(this);
    LIVE.get(this.api)?.delete(this);
    this.destroy(handle);
  }

  /** `using x = ...` closes at scope end. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Calls the plugin's destroy function for `handle`.
   *
   * @param handle the handle, already forgotten by this wrapper
   */
  protected abstract destroy(handle: Deno.PointerObject): void;
}

const PENDING = new WeakMap<PjrtApi, number>();

/**
 * Records one pending callback into `api` (a Promise waiting on an event), so
 * that the library is not unmapped under it.
 *
 * @param api the plugin
 * @returns the function that ends the record (call it once)
 */
export function trackPending(api: PjrtApi): () => void {
  PENDING.set(api, (PENDING.get(api) ?? 0) + 1);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    PENDING.set(api, PENDING.get(api)! - 1);
  };
}

/**
 * Number of Promises still waiting on events of `api`.
 *
 * @param api the plugin
 * @returns the count
 */
export function pendingCallbacks(api: PjrtApi): number {
  return PENDING.get(api) ?? 0;
}
