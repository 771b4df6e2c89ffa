import assert from "node:assert/strict";
import { foreignRpaths, rpathEntries } from "../scripts/wheel.ts";
import { frameworkPjrtVersion } from "../scripts/jax_range.ts";
import { pythonCandidates } from "../scripts/python_interpreter.ts";
import { configureCommand } from "../scripts/build.ts";
import { dirname, join, parseEnvFile, renderEnvFile, ROOT, shellQuote } from "../scripts/common.ts";
import { parseCtest, parseDenoTest, parsePytest, sanitizerReports } from "../scripts/test.ts";

Deno.test(".deps.env round-trips", () => {
  const vars = { MLX_DIR: "/x/site-packages/mlx/share/cmake/MLX", CXX_VERSION: "12.2.0" };
  const text = renderEnvFile(vars);
  assert.match(text, /^# /);
  assert.deepEqual(parseEnvFile(text), vars);
});

Deno.test("configure command: Ninja, Release, MLX_DIR; --sanitize goes to build-asan", () => {
  const deps = { CMAKE: "cmake", MLX_DIR: "/m", NINJA: "/usr/bin/ninja", CXX: "/usr/bin/c++" };
  const rel = configureCommand({ sanitize: false }, deps);
  assert.deepEqual(rel.slice(0, 7), ["cmake", "-S", ROOT, "-B", `${ROOT}/build`, "-G", "Ninja"]);
  assert.ok(rel.includes("-DMLX_DIR=/m"));
  assert.ok(rel.includes("-DCMAKE_BUILD_TYPE=Release"));
  assert.ok(!rel.includes("-DAPPLEJAX_SANITIZE=ON"));
  const asan = configureCommand({ sanitize: true }, deps);
  assert.equal(asan[4], `${ROOT}/build-asan`);
  assert.ok(asan.includes("-DAPPLEJAX_SANITIZE=ON"));
});

Deno.test("path helpers and shell quoting", () => {
  assert.equal(join("/a/", "b", "c.txt"), "/a/b/c.txt");
  assert.equal(dirname("/a/b/c.txt"), "/a/b");
  assert.equal(dirname("/a"), "/");
  assert.ok(!ROOT.endsWith("/"));
  assert.equal(shellQuote("-DMLX_DIR=/x/y"), "-DMLX_DIR=/x/y");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});

Deno.test("ctest summary", () => {
  assert.deepEqual(
    parseCtest("...\n75% tests passed, 1 tests failed out of 4\n"),
    { passed: 3, failed: 1, skipped: 0 },
  );
  assert.deepEqual(parseCtest("No tests were found!!!\n"), { passed: 0, failed: 0, skipped: 0 });
  assert.equal(parseCtest("garbage"), null);
});

Deno.test("deno test summary, with colours and ignored tests", () => {
  const out = "\x1b[0m\x1b[32mok\x1b[0m | 12 passed | 0 failed | 2 ignored \x1b[0m(1s)\n";
  assert.deepEqual(parseDenoTest(out), { passed: 12, failed: 0, skipped: 2 });
  assert.deepEqual(parseDenoTest("FAILED | 3 passed (2 steps) | 1 failed (3s)"), {
    passed: 3,
    failed: 1,
    skipped: 0,
  });
});

Deno.test("pytest summary", () => {
  assert.deepEqual(parsePytest("....\n4 passed, 1 failed, 2 skipped in 0.51s\n"), {
    passed: 4,
    failed: 1,
    skipped: 2,
  });
  assert.deepEqual(parsePytest("== 1 passed, 2 errors in 3.00s =="), {
    passed: 1,
    failed: 2,
    skipped: 0,
  });
  assert.deepEqual(parsePytest("no tests ran in 0.01s"), { passed: 0, failed: 0, skipped: 0 });
});

Deno.test("sanitizer reports are counted in test output", () => {
  assert.equal(sanitizerReports("1970 passed in 352.91s"), 0);
  const out = "==1==ERROR: AddressSanitizer: heap-use-after-free on address\n" +
    "emitter.cc:12:3: runtime error: signed integer overflow\n";
  assert.equal(sanitizerReports(out), 2);
});

Deno.test("wheel: RPATH entries from readelf, and which would ship a build path", () => {
  const out = ` 0x000000000000001d (RUNPATH)            Library runpath: ` +
    `[$ORIGIN/../../mlx/lib:$ORIGIN/../../scipy_openblas32/lib:/work/.venv/lib/mlx/lib:]\n`;
  const entries = rpathEntries(out);
  assert.deepEqual(entries, [
    "$ORIGIN/../../mlx/lib",
    "$ORIGIN/../../scipy_openblas32/lib",
    "/work/.venv/lib/mlx/lib",
  ]);
  assert.deepEqual(foreignRpaths(entries), ["/work/.venv/lib/mlx/lib"]);
  assert.deepEqual(foreignRpaths(["$ORIGIN", "${ORIGIN}/x", "@loader_path/../lib"]), []);
  assert.deepEqual(foreignRpaths(["$ORIGINAL/x"]), ["$ORIGINAL/x"]);
  assert.deepEqual(rpathEntries("no dynamic section"), []);
});

Deno.test("jax range: the framework's PJRT version from jaxlib's log", () => {
  const log = "I1201 pjrt_api.cc:168] The PJRT plugin has PJRT API version 0.112. " +
    "The framework PJRT API version is 0.116.\n";
  assert.equal(frameworkPjrtVersion(log), "0.116");
  assert.equal(frameworkPjrtVersion("nothing logged"), null);
});

Deno.test("python interpreter: candidates, newest pyenv patch first", () => {
  const c = pythonCandidates("3.12", "/home/u", ["3.11.7", "3.12.1", "3.12.10", "3.12-dev"]);
  assert.equal(c[0], "python3.12");
  assert.deepEqual(c.slice(1, 3), [
    "/home/u/.pyenv/versions/3.12.10/bin/python3.12",
    "/home/u/.pyenv/versions/3.12.1/bin/python3.12",
  ]);
  assert.ok(c.includes("/usr/bin/python3.12") && c.includes("/opt/homebrew/bin/python3.12"));
  assert.ok(!c.some((p) => p.includes("3.11.7") || p.includes("3.12-dev")));
});
