/**
 * The FFI harness against the built plugin: version, attributes, devices,
 * upload/readback, compile and execute of artifacts exported from JAX.
 *
 * Needs `build/libpjrt_plugin_mps.so` and `build/artifacts/` (both made by
 * `deno task test` before this runs); without them the tests fail.
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import {
  API_MEMBERS,
  Client,
  defaultPluginPath,
  PjrtApi,
  PjrtError,
  pluginAttributes,
} from "../mod.ts";

const ROOT = decodeURIComponent(new URL("..", import.meta.url).pathname);
const ARTIFACTS = `${ROOT}build/artifacts`;

function openPlugin(): PjrtApi {
  const path = defaultPluginPath();
  assert.ok(existsSync(path), `no plugin library at ${path}: run \`deno task build\` first`);
  return new PjrtApi(path);
}

function artifact(name: string): Uint8Array {
  const path = `${ARTIFACTS}/${name}.mlirbc`;
  assert.ok(existsSync(path), `no ${path}: run tests/artifacts/export.py build/artifacts`);
  return Deno.readFileSync(path);
}

// One library and client for the whole file: PJRT plugins are initialised
// once per process.
const api = openPlugin();
const client = Client.create(api);

Deno.test("API version is 0.112 and the table has every member", () => {
  assert.deepEqual(api.version, { major: 0, minor: 112 });
  for (const name of API_MEMBERS) assert.ok(api.has(name), `${name} is null`);
});

Deno.test("API member list matches the plugin's own table", () => {
  const header = Deno.readTextFileSync(`${ROOT}native/pjrt/api_table.h`);
  const names = [...header.matchAll(/X\((PJRT_\w+)\)/g)].map((m) => m[1]);
  assert.deepEqual(names, [...API_MEMBERS]);
});

Deno.test("plugin attributes announce the StableHLO range", () => {
  const attrs = pluginAttributes(api);
  const current = attrs.get("stablehlo_current_version");
  const minimum = attrs.get("stablehlo_minimum_version");
  assert.ok(Array.isArray(current) && current.length === 3, `current: ${current}`);
  assert.ok(Array.isArray(minimum) && minimum.length === 3, `minimum: ${minimum}`);
  const lock = JSON.parse(Deno.readTextFileSync(`${ROOT}applejax.lock.json`));
  assert.equal(current.join("."), lock.stablehlo.plugin_current);
  assert.equal(minimum.join("."), lock.stablehlo.plugin_minimum);
});

Deno.test("client is the mps platform with one device", () => {
  assert.equal(client.platformName(), "mps");
  assert.match(client.platformVersion(), /applejax .*MLX/);
  const devices = client.devices();
  assert.equal(devices.length, 1);
  assert.equal(devices[0].id, 0);
  assert.ok(devices[0].kind.length > 0);
});

Deno.test("upload and read back keeps values, shape and dtype", () => {
  using f = client.upload(new Float32Array([0, 1, 2, -3.5, 1e30, 6]), [2, 3]);
  assert.deepEqual(f.dims(), [2, 3]);
  assert.equal(f.dtype(), "f32");
  assert.deepEqual(f.toHost(), new Float32Array([0, 1, 2, -3.5, 1e30, 6]));
  using i = client.upload(new Int32Array([7, -8]));
  assert.equal(i.dtype(), "s32");
  assert.deepEqual(i.toHost(), new Int32Array([7, -8]));
  using b = client.upload(new Uint8Array([1, 0, 1]), [3], "pred");
  assert.equal(b.dtype(), "pred");
  assert.deepEqual(b.toHost(), new Uint8Array([1, 0, 1]));
  using z = client.upload(new Float32Array(0), [0, 4]);
  assert.deepEqual(z.dims(), [0, 4]);
  assert.equal(z.toHost().length, 0);
});

Deno.test("upload with a wrong shape is refused before reaching C", () => {
  assert.throws(() => client.upload(new Float32Array(3), [2, 2]), /holds 4 elements/);
});

Deno.test("x + 1.0 runs: [0, 1, 2] -> [1, 2, 3]", () => {
  using exe = client.compile(artifact("add_one"));
  assert.equal(exe.numOutputs(), 1);
  using x = client.upload(new Float32Array([0, 1, 2]));
  const [y] = exe.execute([x]);
  try {
    assert.deepEqual(y.dims(), [3]);
    assert.deepEqual(y.toHost(), new Float32Array([1, 2, 3]));
  } finally {
    y.close();
  }
});

Deno.test("dot of two inputs matches a TypeScript matmul", () => {
  // export.py: (4x8) @ (8x5), float32.
  const [m, k, n] = [4, 8, 5];
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const a = Float32Array.from({ length: m * k }, rand);
  const b = Float32Array.from({ length: k * n }, rand);
  const want = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      want[i * n + j] = s;
    }
  }
  using exe = client.compile(artifact("dot"));
  using da = client.upload(a, [m, k]);
  using db = client.upload(b, [k, n]);
  const [c] = exe.execute([da, db]);
  try {
    assert.deepEqual(c.dims(), [m, n]);
    const got = c.toHost() as Float32Array;
    for (let i = 0; i < want.length; i++) {
      assert.ok(Math.abs(got[i] - want[i]) <= 1e-4, `element ${i}: ${got[i]} vs ${want[i]}`);
    }
  } finally {
    c.close();
  }
});

Deno.test("garbage bytes give a PjrtError from the reader, and the client still works", () => {
  const garbage = new Uint8Array(64).map((_, i) => (i * 37) & 0xff);
  assert.throws(
    () => client.compile(garbage),
    (e: unknown) =>
      e instanceof PjrtError && e.codeName === "INVALID_ARGUMENT" &&
      /not MLIR bytecode/.test(e.message),
  );
  using exe = client.compile(artifact("add_one"));
  using x = client.upload(new Float32Array([5, 6, 7]));
  const [y] = exe.execute([x]);
  assert.deepEqual(y.toHost(), new Float32Array([6, 7, 8]));
  y.close();
});

Deno.test("executing with the wrong number of arguments is an error, not a crash", () => {
  using exe = client.compile(artifact("dot"));
  using x = client.upload(new Float32Array([1, 2, 3]));
  assert.throws(() => exe.execute([x]), PjrtError);
});

globalThis.addEventListener("unload", () => {
  client.close();
  api.close();
});
