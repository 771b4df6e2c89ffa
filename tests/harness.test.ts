/**
 * The library surface of the FFI harness (mod.ts) against the built plugin:
 * devices and attributes, every dtype through upload and read-back, the
 * 16-bit float helpers against numpy, Promises over PJRT events, typed
 * exceptions, artifacts from bytes, paths and URLs, and deterministic release.
 *
 * Needs the plugin (`$APPLEJAX_PLUGIN` or build/) and `.venv` (numpy and jax
 * as the oracle); without them the tests fail and say what is missing.
 */

import assert from "node:assert/strict";
import {
  bf16ToF32,
  chooseBlas,
  Client,
  Device,
  type DeviceBuffer,
  DTYPES,
  eventPromise,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  FailedPreconditionError,
  fromNumbers,
  InternalError,
  InvalidArgumentError,
  ITEM_SIZE,
  JAX_NAME,
  LANES,
  Layout,
  parseDType,
  PjrtApi,
  PjrtError,
  toNumbers,
  UnimplementedError,
  viewAs,
} from "../mod.ts";
import { python, pythonBytes, ROOT } from "./helpers.ts";

// One library and client for the file, opened at load time so that the
// per-test resource checks do not see the library; an open failure is
// rethrown by every test.
let opened: { api: PjrtApi; client: Client } | Error;
try {
  const api = PjrtApi.open();
  opened = { api, client: Client.create(api) };
} catch (e) {
  opened = e instanceof Error ? e : new Error(String(e));
}

function session(): { api: PjrtApi; client: Client } {
  if (opened instanceof Error) throw opened;
  return opened;
}

/** A test that also fails if it left a buffer or executable open. */
function harnessTest(name: string, fn: (client: Client, api: PjrtApi) => void | Promise<void>) {
  Deno.test(name, async () => {
    const { api, client } = session();
    await fn(client, api);
    assert.deepEqual(api.liveObjects().map((o) => o.kind), ["Client"], "objects left open");
  });
}

const corpus = (name: string) => `${ROOT}/tests/fixtures/bench/${name}.mlirbc`;

harnessTest("devices carry their description, attributes and default memory", (client) => {
  const devices = client.devices();
  assert.ok(devices.length >= 1);
  const d = devices[0];
  assert.ok(d instanceof Device);
  assert.equal(d.id, 0);
  assert.equal(d.addressable, true);
  assert.equal(d.localHardwareId, 0);
  assert.ok(d.kind.length > 0 && d.description.length > 0);
  assert.ok(String(d).length > 0);
  assert.ok(d.attributes() instanceof Map);
  assert.ok(d.defaultMemoryKind().length > 0);
  // The list is the client's: the same objects each time.
  assert.equal(client.devices()[0], d);
});

const SUB_BYTE_BITS: Partial<Record<string, number>> = { s2: 2, u2: 2, s4: 4, u4: 4, f4e2m1fn: 4 };

harnessTest("every dtype either round-trips bit for bit or is refused as unimplemented", (c) => {
  const supported: string[] = [];
  for (const dtype of DTYPES) {
    // A sub-byte type's value is the low bits of its byte; the rest is not
    // part of it (the device keeps none of it, nor does XLA's cpu).
    const bits = SUB_BYTE_BITS[dtype];
    const mask = bits ? (1 << bits) - 1 : 0x7f;
    const bytes = new Uint8Array(6 * ITEM_SIZE[dtype]).map((_, i) => (i * 37 + 11) & mask);
    if (dtype === "pred") bytes.forEach((_, i) => bytes[i] = i & 1);
    const host = viewAs(dtype, bytes.slice().buffer);
    let buffer: DeviceBuffer;
    try {
      buffer = c.upload(host, [2, 3], dtype);
    } catch (e) {
      assert.ok(e instanceof UnimplementedError, `${dtype}: ${e}`);
      assert.match(e.pjrtMessage, /cannot be placed|not supported/);
      continue;
    }
    using b = buffer;
    supported.push(dtype);
    assert.equal(b.dtype(), dtype);
    assert.deepEqual(b.dims(), [2, 3]);
    const back = b.toHost();
    assert.equal(back.constructor, host.constructor, dtype);
    assert.deepEqual(new Uint8Array(back.buffer, back.byteOffset, back.byteLength), bytes, dtype);
  }
  // Every type MLX has must be among them.
  const mlx = ["pred", "s8", "s16", "s32", "s64", "u8", "u16", "u32", "u64", "f16", "bf16"];
  for (const d of [...mlx, "f32", "f64", "c64"]) assert.ok(supported.includes(d), `${d} refused`);
  // And so must the narrow types, which the plugin stores in wider ones.
  const narrow = [
    "s2",
    "s4",
    "u2",
    "u4",
    "f4e2m1fn",
    "f8e3m4",
    "f8e4m3",
    "f8e4m3fn",
    "f8e4m3fnuz",
    "f8e4m3b11fnuz",
    "f8e5m2",
    "f8e5m2fnuz",
    "f8e8m0fnu",
  ];
  for (const d of narrow) assert.ok(supported.includes(d), `${d} refused`);
});

harnessTest("complex64 travels as interleaved pairs", (client) => {
  using z = client.upload(new Float32Array([1, -2, 3.5, 4]), undefined, "c64");
  assert.deepEqual(z.dims(), [2]);
  assert.equal(z.dtype(), "c64");
  assert.equal(LANES.c64, 2);
  assert.deepEqual(z.toHost(), new Float32Array([1, -2, 3.5, 4]));
  assert.throws(() => client.upload(new Float32Array(3), undefined, "c64"), /pairs; .* 3 numbers/);
  assert.throws(() => client.upload(new Float32Array(4), [1], "c64"), /holds 1 elements, .* 2/);
});

const TRICKY = [
  0,
  -0,
  1,
  -1.5,
  0.1,
  65504,
  65519.99,
  65520,
  1e6,
  -1e-8,
  5.960464477539063e-8,
  2.9802322387695312e-8,
  2.98023224e-8,
  8.940696716308594e-8,
  6.097555160522461e-5,
  6.103515625e-5,
  1 + 2 ** -11,
  1 + 3 * 2 ** -11,
  1 + 2 ** -8,
  1 + 3 * 2 ** -8,
  3.3895313892515355e38,
  3.4e38,
  Infinity,
  -Infinity,
  NaN,
];

harnessTest("f16 and bf16 helpers round exactly as numpy and ml_dtypes do", async () => {
  const want = JSON.parse(
    await python(
      `import json, sys, numpy as np, ml_dtypes
xs = np.array(json.loads(sys.stdin.read()), np.float64).astype(np.float32)
print(json.dumps({"f16": xs.astype(np.float16).view(np.uint16).tolist(),
                  "bf16": xs.astype(ml_dtypes.bfloat16).view(np.uint16).tolist()}))`,
      // Python's json reads NaN and ±Infinity; -0 needs its sign spelled out.
      `[${TRICKY.map((x) => Object.is(x, -0) ? "-0.0" : String(x)).join(",")}]`,
    ),
  );
  const f16 = f32ToF16(TRICKY);
  const bf16 = f32ToBf16(TRICKY);
  for (let i = 0; i < TRICKY.length; i++) {
    assert.equal(f16[i], want.f16[i], `f16 of ${TRICKY[i]}`);
    assert.equal(bf16[i], want.bf16[i], `bf16 of ${TRICKY[i]}`);
  }
  // Decoding is exact: every finite half survives the round trip.
  const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const back = f32ToF16(f16ToF32(all));
  for (let i = 0; i < all.length; i++) {
    const nan = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
    if (!nan) assert.equal(back[i], i, `half 0x${i.toString(16)}`);
  }
  const bfBack = f32ToBf16(bf16ToF32(all));
  for (let i = 0; i < all.length; i++) {
    const nan = (i & 0x7f80) === 0x7f80 && (i & 0x7f) !== 0;
    if (!nan) assert.equal(bfBack[i], i, `bfloat16 0x${i.toString(16)}`);
  }
});

harnessTest("fromNumbers and toNumbers convert per dtype", () => {
  assert.deepEqual(fromNumbers("s64", [1, -2]), BigInt64Array.of(1n, -2n));
  assert.deepEqual(fromNumbers("pred", [0, 2, -1]), Uint8Array.of(0, 1, 1));
  assert.deepEqual(toNumbers("bf16", fromNumbers("bf16", [1.5, -2])), Float64Array.of(1.5, -2));
  assert.deepEqual(toNumbers("c64", fromNumbers("c64", [1, 2])), Float64Array.of(1, 2));
  assert.throws(() => fromNumbers("f8e4m3fn", [1]), /raw bits/);
  assert.throws(() => fromNumbers("c64", [1]), /pairs/);
  assert.equal(JAX_NAME.bf16, "bfloat16");
  assert.equal(parseDType("float8_e4m3fn"), "f8e4m3fn");
  assert.throws(() => parseDType("float7"), RangeError);
});

harnessTest("executeAsync and toHostAsync settle from the worker thread", async (client) => {
  // 512³ takes tens of milliseconds on MLX's CPU: the event is pending when
  // the Promise is made, so it settles through PJRT_Event_OnReady.
  const n = 512;
  using exe = client.compile(corpus("matmul_f32_512"));
  using a = client.upload(new Float32Array(n * n).fill(0.5), [n, n]);
  using b = client.upload(new Float32Array(n * n).fill(2), [n, n]);
  let ticks = 0;
  // The thread stays free while the worker runs: timers keep firing. Eight
  // runs, so that a machine busy with other work (deno task test runs its
  // stages side by side) still lets the timer in during one of them: on a
  // loaded machine a single run can settle before the timer phase comes.
  const timer = setInterval(() => ticks++, 1);
  try {
    for (let run = 0; run < 8; run++) {
      const [c] = await exe.executeAsync([a, b]);
      using _c = c;
      await c.ready();
      const host = await c.toHostAsync() as Float32Array;
      assert.equal(host.length, n * n);
      assert.ok(host.every((v) => v === n), "0.5 · 2 summed 512 times");
    }
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks > 0, "the event loop was blocked");
});

harnessTest("a blocking call right after an awaited event does not deadlock", async (client) => {
  // The plugin thread that reports an event waits for the event loop to turn;
  // a synchronous wait in the awaiting code must not catch it there.
  using exe = client.compile(corpus("matmul_f32_256"));
  using a = client.upload(new Float32Array(256 * 256).fill(1), [256, 256]);
  for (let i = 0; i < 10; i++) {
    const [c] = await exe.executeAsync([a, a]);
    c.close();
    const [d] = exe.execute([a, a]);
    assert.equal((d.toHost() as Float32Array)[0], 256);
    d.close();
  }
});

harnessTest("an event set from TypeScript rejects its pending Promise with the message", async (
  client,
  api,
) => {
  void client;
  const create = new Layout([["event", "ptr"]]);
  const set = new Layout([
    ["event", "ptr"],
    ["error_code", "i32"],
    ["error_message", "ptr"],
    ["error_message_size", "size"],
  ]);
  const event = api.call("PJRT_Event_Create", create.alloc()).ptr("event");
  const pending = eventPromise(api, event, "PJRT_Test");
  // The library must stay mapped while the plugin holds our callback.
  assert.throws(() => api.close(), /1 event Promises are still pending/);
  const text = new TextEncoder().encode("the worker gave up");
  api.call(
    "PJRT_Event_Set",
    set.alloc().set("event", event).set("error_code", 13).set("error_message", text).set(
      "error_message_size",
      text.length,
    ),
  );
  await assert.rejects(
    pending,
    (e: unknown) =>
      e instanceof InternalError && e.fn === "PJRT_Test" &&
      e.pjrtMessage === "the worker gave up" && e.codeName === "INTERNAL",
  );
});

harnessTest("a failing run rejects executeAsync with the plugin's typed error", async (client) => {
  const artifact = await pythonBytes(`
import sys, jax, jax.numpy as jnp
from jax._src.lib import _jax
jax.config.update("jax_platforms", "cpu")
# A reduce_window with a general body over more windows than the plugin runs:
# it compiles, and fails at its first run.
x = jax.ShapeDtypeStruct((40, 40), jnp.float32)
f = lambda x: jax.lax.reduce_window(x, 0.0, lambda a, b: a + 2.0 * b, (33, 33), (1, 1), "VALID")
sys.stdout.buffer.write(_jax.mlir.serialize_portable_artifact(jax.jit(f).lower(x).as_text(),
    "${JSON.parse(Deno.readTextFileSync(`${ROOT}/applejax.lock.json`)).stablehlo.plugin_current}"))
`);
  using exe = client.compile(artifact);
  using x = client.upload(new Float32Array(1600), [40, 40]);
  await assert.rejects(
    exe.executeAsync([x]),
    (e: unknown) =>
      e instanceof PjrtError && e.fn === "PJRT_LoadedExecutable_Execute" &&
      /reduce_window/.test(e.pjrtMessage),
  );
  // The same failure through the synchronous path, and the client still works.
  assert.throws(() => exe.execute([x]), InternalError);
  using ok = client.compile(corpus("add_f32_1k"));
  using one = client.upload(new Float32Array(1024).fill(1));
  const [two] = ok.execute([one, one]);
  using _two = two;
  assert.equal((two.toHost() as Float32Array)[1023], 2);
});

harnessTest("PJRT failures are typed exceptions with the plugin's code and message", (c) => {
  assert.throws(() => c.compile(new Uint8Array([1, 2, 3, 4])), (e: unknown) => {
    assert.ok(e instanceof InvalidArgumentError);
    assert.ok(e instanceof PjrtError);
    assert.equal(e.code, 3);
    assert.equal(e.name, "InvalidArgumentError");
    assert.ok(e.message.endsWith(e.pjrtMessage));
    return true;
  });
  using exe = c.compile(corpus("add_f32_1k"));
  using short = c.upload(new Float32Array(3));
  assert.throws(() => exe.execute([short, short]), InvalidArgumentError);
  // A code without its own class is still a PjrtError, named by its code.
  const other = PjrtError.from("PJRT_X", 10, "aborted");
  assert.equal(other.constructor, PjrtError);
  assert.equal(other.codeName, "ABORTED");
  assert.ok(PjrtError.from("PJRT_X", 9, "m") instanceof FailedPreconditionError);
});

harnessTest("artifacts compile from bytes, paths and file URLs, and describe their outputs", (
  client,
) => {
  const path = corpus("gather_rows_f32_1k");
  using fromPath = client.compile(path);
  using fromUrl = client.compile(new URL(`file://${path}`));
  using fromBytes = client.compile(Deno.readFileSync(path));
  assert.deepEqual(fromPath.outputs(), [{ dtype: "f32", dims: [256, 64] }]);
  assert.equal(fromPath.numOutputs(), 1);
  assert.match(fromPath.name(), /^jit_/);
  assert.equal(fromPath.fingerprint(), fromBytes.fingerprint());
  assert.equal(fromUrl.fingerprint(), fromBytes.fingerprint());
  assert.throws(() => client.compile("/nonexistent/x.mlirbc"), Deno.errors.NotFound);
});

Deno.test("chooseBlas sets the plugin's BLAS choice", () => {
  const saved = Deno.env.get("APPLEJAX_BLAS");
  try {
    chooseBlas("reference");
    assert.equal(Deno.env.get("APPLEJAX_BLAS"), "reference");
    chooseBlas("openblas");
    assert.equal(Deno.env.get("APPLEJAX_BLAS"), "openblas");
  } finally {
    if (saved === undefined) Deno.env.delete("APPLEJAX_BLAS");
    else Deno.env.set("APPLEJAX_BLAS", saved);
  }
});

Deno.test("a missing plugin is an error naming the path and what to do", () => {
  assert.throws(() => new PjrtApi("/nonexistent/libpjrt_plugin_mps.so"), /deno task build/);
});

Deno.test({
  name: "`using` releases every object, children first, and the library closes last",
  sanitizeResources: false,
  fn() {
    const { api: shared } = session();
    // A second handle on the same library: dlopen counts references.
    let leaked: number;
    {
      using api = PjrtApi.open(shared.path);
      using client = Client.create(api);
      using exe = client.compile(corpus("add_f32_1k"));
      using x = client.upload(new Float32Array(1024));
      const [y] = exe.execute([x, x]);
      using _y = y;
      assert.equal(y.size(), 1024);
      leaked = api.liveObjects().length;
    }
    assert.equal(leaked, 4);
  },
});

Deno.test({
  name: "closing the shared client and library leaves nothing open",
  sanitizeResources: false,
  fn() {
    const { api, client } = session();
    client.close();
    assert.deepEqual(api.liveObjects(), []);
    api.close();
  },
});
