/**
 * The FFI harness against the built plugin: version, attributes, devices,
 * upload/readback, compile and execute of artifacts exported from JAX.
 *
 * Needs the plugin library (`build/libpjrt_plugin_mps.so`, or
 * `$APPLEJAX_PLUGIN`) and `build/artifacts/`, both made by `deno task test`
 * before this runs; without them every test fails and says what is missing.
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import {
  API_MEMBERS,
  type AttributeValue,
  Client,
  defaultPluginPath,
  type DeviceBuffer,
  PjrtApi,
  PjrtError,
  pluginAttributes,
} from "../mod.ts";

import { ARGS } from "../src/ffi/structs.ts";

const ROOT = decodeURIComponent(new URL("..", import.meta.url).pathname);
const ARTIFACTS = `${ROOT}build/artifacts`;

function openPlugin(): PjrtApi {
  const path = defaultPluginPath();
  assert.ok(
    existsSync(path),
    `no plugin library at ${path}: run \`deno task build\` or set APPLEJAX_PLUGIN`,
  );
  return new PjrtApi(path);
}

function artifact(name: string): Uint8Array {
  const path = `${ARTIFACTS}/${name}.mlirbc`;
  assert.ok(
    existsSync(path),
    `no ${path}: run \`.venv/bin/python tests/artifacts/export.py build/artifacts\``,
  );
  return Deno.readFileSync(path);
}

// One library and one client for the file, opened at load time rather than in
// a test so that the per-test resource checks do not see the library. A
// failure to open is kept and rethrown by every test, so a missing build
// fails the run test by test instead of passing vacuously.
let opened: { api: PjrtApi; client: Client } | Error;
try {
  const api = openPlugin();
  opened = { api, client: Client.create(api) };
} catch (e) {
  opened = e instanceof Error ? e : new Error(String(e));
}

function session(): { api: PjrtApi; client: Client } {
  if (opened instanceof Error) throw opened;
  return opened;
}

/** A test that also fails if it left a buffer or executable open. */
function pjrtTest(name: string, fn: (client: Client, api: PjrtApi) => void): void {
  Deno.test(name, () => {
    const { api, client } = session();
    fn(client, api);
    assert.deepEqual(api.liveObjects().map((o) => o.kind), ["Client"], "objects left open");
  });
}

function int64List(v: AttributeValue | undefined): bigint[] {
  assert.ok(v?.type === "int64_list", `expected an int64 list, got ${Deno.inspect(v)}`);
  return v.value;
}

// xorshift32: reproducible inputs, so a failure can be rerun as it was.
function randomFloats(n: number, seed: number): Float32Array {
  let x = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) / 2 ** 32) * 2 - 1;
  });
}

pjrtTest("API version is 0.112 and the table has every member", (client, api) => {
  assert.deepEqual(api.version, { major: 0, minor: 112 });
  assert.deepEqual(client.apiVersion(), { major: 0, minor: 112 });
  for (const name of API_MEMBERS) assert.ok(api.has(name), `${name} is null`);
});

pjrtTest("API member list matches the plugin's own table", () => {
  const header = Deno.readTextFileSync(`${ROOT}native/pjrt/api_table.h`);
  const names = [...header.matchAll(/X\((PJRT_\w+)\)/g)].map((m) => m[1]);
  assert.deepEqual(names, [...API_MEMBERS]);
});

pjrtTest("plugin attributes announce the StableHLO range as int64 triples", (client, api) => {
  const attrs = client.attributes();
  const current = int64List(attrs.get("stablehlo_current_version"));
  const minimum = int64List(attrs.get("stablehlo_minimum_version"));
  assert.equal(current.length, 3);
  assert.equal(minimum.length, 3);
  const lock = JSON.parse(Deno.readTextFileSync(`${ROOT}applejax.lock.json`));
  assert.equal(current.join("."), lock.stablehlo.plugin_current);
  assert.equal(minimum.join("."), lock.stablehlo.plugin_minimum);
  // Readable without a client too: jaxlib asks before creating one.
  assert.deepEqual(pluginAttributes(api), attrs);
});

pjrtTest("client is the mps platform with exactly one addressable device", (client) => {
  assert.equal(client.platformName(), "mps");
  assert.match(client.platformVersion(), /applejax .*MLX/);
  const devices = client.devices();
  assert.equal(devices.length, 1);
  assert.equal(devices[0].id, 0);
  assert.ok(devices[0].kind.length > 0, "empty device kind");
  assert.ok(devices[0].description.length > 0, "empty device description");
});

pjrtTest("upload and read back keeps values, shape and dtype", (client) => {
  {
    using x = client.upload(new Float32Array([0, 1, 2]));
    assert.deepEqual(x.dims(), [3]);
    assert.equal(x.dtype(), "f32");
    assert.deepEqual(x.toHost(), new Float32Array([0, 1, 2]));
  }
  using f = client.upload(new Float32Array([0, 1, 2, -3.5, 1e30, 6]), [2, 3]);
  assert.deepEqual(f.dims(), [2, 3]);
  assert.deepEqual(f.toHost(), new Float32Array([0, 1, 2, -3.5, 1e30, 6]));
  using i = client.upload(new Int32Array([7, -8]));
  assert.equal(i.dtype(), "s32");
  assert.deepEqual(i.toHost(), new Int32Array([7, -8]));
  using b = client.upload(new Uint8Array([1, 0, 1]), [3], "pred");
  assert.equal(b.dtype(), "pred");
  assert.deepEqual(b.toHost(), new Uint8Array([1, 0, 1]));
  // A view into a larger array must upload the view, not the array's start.
  using v = client.upload(new Float32Array([9, 9, 4, 5]).subarray(2));
  assert.deepEqual(v.toHost(), new Float32Array([4, 5]));
  using s = client.upload(new Float32Array([4.5]), []);
  assert.deepEqual(s.dims(), []);
  assert.deepEqual(s.toHost(), new Float32Array([4.5]));
  using z = client.upload(new Float32Array(0), [0, 4]);
  assert.deepEqual(z.dims(), [0, 4]);
  assert.equal(z.toHost().length, 0);
});

pjrtTest("uploads the plugin would misread are refused before reaching C", (client) => {
  assert.throws(() => client.upload(new Float32Array(3), [2, 2]), /holds 4 elements/);
  assert.throws(() => client.upload(new Float32Array(3), [3], "f64"), /take 8 bytes/);
  assert.throws(() => client.upload(new Float32Array(0), [-1, 0]), /non-negative/);
});

pjrtTest("x + 1.0 runs: [0, 1, 2] -> [1, 2, 3]", (client) => {
  using exe = client.compile(artifact("add_one"));
  assert.equal(exe.numOutputs(), 1);
  using x = client.upload(new Float32Array([0, 1, 2]));
  const outs = exe.execute([x]);
  assert.equal(outs.length, 1);
  using y = outs[0];
  assert.deepEqual(y.dims(), [3]);
  assert.equal(y.dtype(), "f32");
  assert.deepEqual(y.toHost(), new Float32Array([1, 2, 3]));
});

pjrtTest("dot of two random inputs matches a TypeScript matmul", (client) => {
  // export.py: (4x8) @ (8x5), float32.
  const [m, k, n] = [4, 8, 5];
  const a = randomFloats(m * k, 12345);
  const b = randomFloats(k * n, 67890);
  const want = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      for (let p = 0; p < k; p++) want[i * n + j] += a[i * k + p] * b[p * n + j];
    }
  }
  using exe = client.compile(artifact("dot"));
  using da = client.upload(a, [m, k]);
  using db = client.upload(b, [k, n]);
  using c = exe.execute([da, db])[0];
  assert.deepEqual(c.dims(), [m, n]);
  assert.equal(c.dtype(), "f32");
  const got = c.toHost() as Float32Array;
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= 1e-4, `element ${i}: ${got[i]} vs ${want[i]}`);
  }
});

pjrtTest("garbage bytes give a PjrtError from the reader, and the client still works", (client) => {
  const garbage = new Uint8Array(64).map((_, i) => (i * 37) & 0xff);
  assert.throws(
    () => client.compile(garbage),
    (e: unknown) =>
      e instanceof PjrtError && e.fn === "PJRT_Client_Compile" &&
      e.codeName === "INVALID_ARGUMENT" && /not MLIR bytecode/.test(e.message),
  );
  using exe = client.compile(artifact("add_one"));
  using x = client.upload(new Float32Array([5, 6, 7]));
  using y = exe.execute([x])[0];
  assert.deepEqual(y.toHost(), new Float32Array([6, 7, 8]));
});

pjrtTest("executing with the wrong number of arguments is an error, not a crash", (client) => {
  using exe = client.compile(artifact("dot"));
  using x = client.upload(new Float32Array([1, 2, 3]));
  assert.throws(() => exe.execute([x]), /2 arguments, 1 were given/);
});

pjrtTest("arguments of the wrong shape or dtype are refused before running", (client) => {
  using exe = client.compile(artifact("add_one"));
  using short = client.upload(new Float32Array(5));
  assert.throws(
    () => exe.execute([short]),
    (e: unknown) =>
      e instanceof PjrtError && e.codeName === "INVALID_ARGUMENT" &&
      /tensor<5xf32>, the program takes tensor<3xf32>/.test(e.message),
  );
  using ints = client.upload(new Int32Array([0, 1, 2]));
  assert.throws(() => exe.execute([ints]), /tensor<3xi32>, the program takes tensor<3xf32>/);
});

pjrtTest("closed objects refuse use, close twice safely, and close in order", (client) => {
  let x: DeviceBuffer | undefined = client.upload(new Float32Array([1]));
  // The client cannot go while a buffer points into it.
  assert.throws(() => client.close(), /close what depends on it first \(DeviceBuffer\)/);
  assert.equal(client.closed, false);
  x.close();
  x.close();
  assert.equal(x.closed, true);
  assert.throws(() => x!.toHost(), /DeviceBuffer used after close\(\)/);
  x = undefined;
});

pjrtTest("the plugin itself refuses null data and overflowing shapes", (client, api) => {
  const upload = (dims: number[]) =>
    api.call(
      "PJRT_Client_BufferFromHostBuffer",
      ARGS.PJRT_Client_BufferFromHostBuffer.alloc()
        .set("client", client.handle)
        .set("data", null)
        .set("type", 11)
        .set("dims", BigInt64Array.from(dims.map(BigInt)))
        .set("num_dims", dims.length),
    );
  assert.throws(() => upload([4]), /data is null for a non-empty array/);
  assert.throws(() => upload([2 ** 31, 2 ** 31, 2 ** 31]), /byte size overflows/);
});

Deno.test({
  name: "closing the client leaves nothing open and the library closes",
  // The library was opened at load time, outside any test.
  sanitizeResources: false,
  fn() {
    const { api, client } = session();
    assert.throws(() => api.close(), /1 objects are still open \(Client\)/);
    client.close();
    assert.deepEqual(api.liveObjects(), []);
    api.close();
    assert.throws(() => Client.create(api), /has been closed/);
  },
});
