/**
 * `deno task publish`: its pieces (arguments, versions, package manifests,
 * the wheel check, token checks) and dry runs of the npm and JSR packages,
 * including loading the built npm package and running a program through it.
 */

import assert from "node:assert/strict";
import {
  jsrConfig,
  missingTokens,
  npmPackageJson,
  parsePublishArgs,
  projectLicense,
  projectVersion,
  wheelProblems,
} from "../scripts/publish.ts";
import { ROOT } from "./helpers.ts";

const pyproject = Deno.readTextFileSync(`${ROOT}/pyproject.toml`);
const version = projectVersion(pyproject);

Deno.test("publish is a dry run unless --upload is given", () => {
  const d = parsePublishArgs([]);
  assert.equal(d.upload, false);
  assert.deepEqual(d.only, ["wheel", "npm", "jsr"]);
  assert.equal(parsePublishArgs(["--dry-run"]).upload, false);
  const u = parsePublishArgs(["--upload", "--only", "npm,jsr", "--no-wheel-build"]);
  assert.equal(u.upload, true);
  assert.deepEqual(u.only, ["npm", "jsr"]);
  assert.equal(u.buildWheel, false);
  assert.throws(() => parsePublishArgs(["--only", "conda"]), /unknown package conda/);
  assert.throws(() => parsePublishArgs(["--yes"]), /unknown argument/);
});

Deno.test("an upload without tokens is refused, naming each missing variable", () => {
  const none = () => undefined;
  assert.deepEqual(missingTokens(["wheel", "npm", "jsr"], none), [
    "wheel: MATURIN_PYPI_TOKEN, PYPI_TOKEN or TWINE_PASSWORD",
    "npm: NPM_TOKEN",
    "jsr: JSR_TOKEN",
  ]);
  const some = (n: string) =>
    ({ TWINE_PASSWORD: "x", NPM_TOKEN: "y" } as Record<string, string>)[n];
  assert.deepEqual(missingTokens(["wheel", "npm", "jsr"], some), ["jsr: JSR_TOKEN"]);
});

Deno.test("version and license come from pyproject.toml's [project] table", () => {
  assert.match(version, /^\d+\.\d+\.\d+/);
  const text = `[build-system]\nversion = "9"\n[project]\nname = "x"\nversion = "1.2.3"\n` +
    `license = { text = "Apache-2.0" }\n[tool.x]\nlicense = "no"\n`;
  assert.equal(projectVersion(text), "1.2.3");
  assert.equal(projectLicense(text), "Apache-2.0");
  assert.equal(projectLicense(`[project]\nlicense = "MIT"\n`), "MIT");
  assert.equal(projectLicense(`[project]\nname = "x"\n[tool]\nlicense = "MIT"\n`), undefined);
  assert.throws(() => projectVersion("[tool]\nversion = '1'\n"), /no \[project\] version/);
});

Deno.test("the npm and JSR manifests export mod and carry the benchmark corpus", () => {
  const npm = npmPackageJson(version, "Apache-2.0");
  assert.equal(npm.version, version);
  assert.equal(npm.license, "Apache-2.0");
  assert.ok((npm.files as string[]).includes("LICENSE"));
  assert.equal(npm.type, "module");
  assert.deepEqual(npm.exports, { ".": { types: "./mod.d.ts", default: "./mod.js" } });
  assert.ok((npm.files as string[]).includes("tests/fixtures/bench"));
  const jsr = jsrConfig(version, "MIT");
  assert.equal(jsr.exports, "./mod.ts");
  assert.equal(jsr.license, "MIT");
  assert.match(String(jsr.name), /^@[a-z0-9-]+\/[a-z0-9-]+$/);
});

Deno.test("the wheel check accepts a good wheel and names each problem of a bad one", () => {
  const good = {
    members: [
      "jax_plugins/mps/__init__.py",
      "jax_plugins/mps/libpjrt_plugin_mps.so",
      `applejax-${version}.dist-info/entry_points.txt`,
    ],
    metadata: `Metadata-Version: 2.4\nName: applejax\nVersion: ${version}\n` +
      "Requires-Dist: jax==0.10.2\nDescription-Content-Type: text/markdown\n",
    wheel: "Wheel-Version: 1.0\nTag: py3-none-manylinux_2_34_x86_64\n",
  };
  assert.deepEqual(wheelProblems(good, version, "libpjrt_plugin_mps.so"), []);
  const bad = {
    members: ["jax_plugins/mps/__init__.py"],
    metadata: "Name: applejax\nVersion: 0.0.1\n",
    wheel: "Tag: py3-none-linux_x86_64\n",
  };
  const problems = wheelProblems(bad, version, "libpjrt_plugin_mps.so").join("\n");
  assert.match(problems, /Version is 0\.0\.1/);
  assert.match(problems, /no Requires-Dist on jax/);
  assert.match(problems, /refused by PyPI/);
  assert.match(problems, /libpjrt_plugin_mps\.so is missing/);
  assert.match(problems, /entry_points/);
});

async function publish(...args: string[]): Promise<string> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/scripts/publish.ts`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  assert.ok(r.success, text);
  return text;
}

Deno.test("npm: tsc, npm pack and npm publish --dry-run; the package runs a program", async () => {
  const out = await publish("--only", "npm");
  assert.match(out, /dry-run/);
  assert.match(out, /dry run passed for npm/);
  const tarball = `${ROOT}/dist/applejax-${version}.tgz`;
  assert.ok(Deno.statSync(tarball).size > 1000);
  // The compiled JavaScript, imported by a fresh Deno, drives the plugin.
  const script = `
import { Client, PjrtApi } from "${ROOT}/dist/npm/package/mod.js";
const api = PjrtApi.open();
const client = Client.create(api);
const exe = client.compile("${ROOT}/dist/npm/package/tests/fixtures/bench/add_f32_1k.mlirbc");
const x = client.upload(new Float32Array(1024).fill(1.25));
const [y] = await exe.executeAsync([x, x]);
console.log(JSON.stringify([y.dims(), y.toHost()[7]]));
for (const o of [y, x, exe, client, api]) o.close();
`;
  // The package does not ship the plugin (the wheel does): a user points
  // APPLEJAX_PLUGIN at it, as here at this repository's build.
  const lib = Deno.build.os === "darwin" ? "dylib" : "so";
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=js", script],
    env: { APPLEJAX_PLUGIN: `${ROOT}/build/libpjrt_plugin_mps.${lib}` },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
  assert.equal(new TextDecoder().decode(r.stdout).trim(), "[[1024],2.5]");
});

Deno.test("one licence: Apache-2.0 in pyproject.toml, deno.json and the LICENSE file", async () => {
  assert.equal(projectLicense(pyproject), "Apache-2.0");
  const deno = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  assert.equal(deno.license, "Apache-2.0");
  const text = await Deno.readTextFile(`${ROOT}/LICENSE`);
  assert.match(text, /Apache License\s+Version 2\.0, January 2004/);
});

Deno.test("jsr: deno publish --dry-run passes the slow-type and file checks offline", async () => {
  // No --license: the licence comes from pyproject.toml.
  const out = await publish("--only", "jsr");
  assert.match(out, /Dry run complete/);
  assert.match(out, /src\/ffi\/client\.ts/);
  assert.match(out, /LICENSE/);
});

Deno.test("wheel: the newest wheel in dist/ passes the upload checks", async () => {
  const wheels = [...Deno.readDirSync(`${ROOT}/dist`)].filter((e) => e.name.endsWith(".whl"));
  assert.ok(wheels.length > 0, "no wheel in dist/: run `deno task wheel` first");
  const out = await publish("--only", "wheel", "--no-wheel-build");
  assert.match(out, /passes the checks/);
});
