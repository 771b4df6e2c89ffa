/**
 * PJRT_Events: waited for on the calling thread, or turned into Promises
 * that settle from the event loop when the plugin's worker finishes.
 *
 * @module
 */

import type { PjrtApi } from "./api.ts";
import { PjrtError } from "./errors.ts";
import { trackPending } from "./owned.ts";
import { ARGS } from "./structs.ts";

/** `void (*)(PJRT_Error* error, void* user_arg)`, what PJRT_Event_OnReady calls. */
const ON_READY = { parameters: ["pointer", "pointer"], result: "void" } as const;

function destroyEvent(api: PjrtApi, event: Deno.PointerObject): void {
  api.call("PJRT_Event_Destroy", ARGS.PJRT_Event_Destroy.alloc().set("event", event));
}

/**
 * Waits for a PJRT_Event on this thread and destroys it; the event's failure,
 * if any, is thrown as a {@link PjrtError}.
 *
 * @param api the plugin that made the event
 * @param event the event, which this call takes over (null: nothing to wait for)
 * @param fn the PJRT function named in a failure, e.g. "PJRT_LoadedExecutable_Execute"
 */
export function awaitEvent(api: PjrtApi, event: Deno.PointerValue, fn?: string): void {
  if (event === null) return;
  try {
    api.call("PJRT_Event_Await", ARGS.PJRT_Event_Await.alloc().set("event", event));
  } catch (e) {
    // The failure belongs to the call that started the work, not to the
    // PJRT_Event_Await that noticed it.
    throw fn && e instanceof PjrtError ? PjrtError.from(fn, e.code, e.pjrtMessage) : e;
  } finally {
    destroyEvent(api, event);
  }
}

interface Dispatcher {
  callback: Deno.UnsafeCallback<typeof ON_READY>;
  waiting: Map<bigint, (error: Deno.PointerValue) => void>;
  next: bigint;
}

const DISPATCHERS = new WeakMap<PjrtApi, Dispatcher>();

// One callback per library, told apart by user_arg, for the life of the
// library. Two facts of Deno's foreign-thread callbacks shape this: the
// plugin thread that fires one waits until the JavaScript side has run it and
// the event loop has turned, so nothing may block on the plugin inside the
// callback or in what it resumes synchronously (Promise continuations);
// and closing a callback that a thread may still be leaving would free code
// under it. So the callback only hands the result to a macrotask, and it is
// closed with the library, after every client (and its threads) is gone.
function dispatcher(api: PjrtApi): Dispatcher {
  let d = DISPATCHERS.get(api);
  if (d) return d;
  const waiting = new Map<bigint, (error: Deno.PointerValue) => void>();
  const callback = new Deno.UnsafeCallback(ON_READY, (error, userArg) => {
    const id = BigInt(Deno.UnsafePointer.value(userArg));
    const settle = waiting.get(id);
    waiting.delete(id);
    if (settle) setTimeout(() => settle(error), 0);
  });
  d = { callback, waiting, next: 1n };
  DISPATCHERS.set(api, d);
  return d;
}

/**
 * Closes the library's event callback; {@link PjrtApi.close} calls this once
 * nothing is pending.
 *
 * @param api the plugin
 */
export function closeEventCallbacks(api: PjrtApi): void {
  const d = DISPATCHERS.get(api);
  if (!d) return;
  DISPATCHERS.delete(api);
  d.callback.close();
}

/**
 * A Promise that settles when a PJRT_Event does, without blocking the
 * thread: resolved on success, rejected with a {@link PjrtError} on failure.
 * The event is destroyed once it has settled.
 *
 * A ready event settles at once; otherwise the plugin calls back from its
 * worker thread through a Deno callback that wakes the event loop (and keeps
 * the process alive) while any Promise is pending. The plugin library cannot
 * be closed while a Promise is pending.
 *
 * @param api the plugin that made the event
 * @param event the event, which this call takes over (null: already done)
 * @param fn the PJRT function named in a failure
 * @returns the Promise
 */
export function eventPromise(
  api: PjrtApi,
  event: Deno.PointerValue,
  fn = "PJRT_Event_OnReady",
): Promise<void> {
  if (event === null) return Promise.resolve();
  const ready = api.call("PJRT_Event_IsReady", ARGS.PJRT_Event_IsReady.alloc().set("event", event))
    .num("is_ready");
  if (ready) {
    try {
      awaitEvent(api, event, fn);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  const release = trackPending(api);
  const d = dispatcher(api);
  const id = d.next++;
  d.callback.ref();
  const settle = (error: Deno.PointerValue) => {
    d.callback.unref();
    release();
    try {
      destroyEvent(api, event);
      if (error === null) resolve();
      else reject(api.takeError(fn, error));
    } catch (e) {
      reject(e);
    }
  };
  d.waiting.set(id, settle);
  try {
    api.call(
      "PJRT_Event_OnReady",
      ARGS.PJRT_Event_OnReady.alloc()
        .set("event", event)
        .set("callback", d.callback.pointer)
        .set("user_arg", id),
    );
  } catch (e) {
    d.waiting.delete(id);
    d.callback.unref();
    release();
    destroyEvent(api, event);
    return Promise.reject(e);
  }
  return promise;
}
