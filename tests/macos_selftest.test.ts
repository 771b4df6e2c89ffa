/**
 * scripts/macos_selftest.sh, the self-test a person with a Mac runs, exercised
 * here on Linux: its argument handling and host check, its helper
 * (scripts/selftest_report.py) against a real pytest run and the lock, and one
 * whole run with `--allow-any-host --quick` on the Linux wheel.
 *
 * The whole run installs jax, mlx and the test pins from PyPI into a fresh
 * venv (about a minute with pip's cache): it is ignored, and says so in its
 * name, when the package index cannot be reached.
 */
import assert from "node:assert/strict";
import { type LockOs, pipRequirements, readLock } from "../mod.ts";
import { PYTHON, ROOT } from "./helpers.ts";

const SCRIPT = `${ROOT}/scripts/macos_selftest.sh`;
const HELPER = `${ROOT}/scripts/selftest_report.py`;

interface Run {
  code: number;
  out: string;
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const r = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

/** A results directory whose path has a space, as a Mac's home folder may. */
function resultsDir(): Promise<string> {
  return Deno.makeTempDir({ prefix: "applejax selftest " });
}

/** The newest Linux wheel under dist/ (`deno task wheel` writes it before `deno test`). */
function newestLinuxWheel(): string {
  let best: { path: string; mtime: number } | null = null;
  for (const e of Deno.readDirSync(`${ROOT}/dist`)) {
    if (!/^applejax-.*manylinux.*\.whl$/.test(e.name)) continue;
    const path = `${ROOT}/dist/${e.name}`;
    const mtime = Deno.statSync(path).mtime?.getTime() ?? 0;
    if (!best || mtime > best.mtime) best = { path, mtime };
  }
  if (!best) throw new Error("no dist/applejax-*manylinux*.whl: run `deno task wheel` first");
  return best.path;
}

async function indexReachable(): Promise<boolean> {
  const index = Deno.env.get("PIP_INDEX_URL") ?? "https://pypi.org/simple/";
  try {
    const r = await fetch(new URL("pip/", index.endsWith("/") ? index : `${index}/`), {
      signal: AbortSignal.timeout(5000),
    });
    await r.body?.cancel();
    return r.ok;
  } catch {
    return false;
  }
}

Deno.test("--help lists every option the script parses", async () => {
  const r = await run("bash", [SCRIPT, "--help"]);
  assert.equal(r.code, 0, r.out);
  const source = await Deno.readTextFile(SCRIPT);
  const parsed = [...source.matchAll(/^\s+(--[a-z-]+)\)/gm)].map((m) => m[1]);
  assert.ok(parsed.length >= 10, `found only ${parsed} in the case statement`);
  for (const option of parsed) assert.match(r.out, new RegExp(`^\\s+${option}\\b`, "m"), option);
});

Deno.test("no bash 4 or GNU-only constructs: macOS has bash 3.2 and BSD tools", async () => {
  const code = (await Deno.readTextFile(SCRIPT)).split("\n")
    .map((line, i) => [i + 1, line.replace(/^\s*#.*$/, "")] as const);
  const banned: [RegExp, string][] = [
    [/readlink -f/, "readlink -f"],
    [/sed -i( |$)/, "sed -i without a suffix"],
    [/(^|[;&|(]\s*)(timeout|nproc)\b/, "timeout/nproc"],
    [
      /grep -[a-zA-Z]*P|date -d|stat -c|sort -V|\bdeclare -A|\bmapfile\b|\breadarray\b/,
      "GNU/bash-4",
    ],
    [/\$\{[A-Za-z_]+(,,|\^\^)\}|&>>|\|&|\bcoproc\b/, "bash 4 syntax"],
  ];
  for (const [n, line] of code) {
    for (const [re, what] of banned) assert.doesNotMatch(line, re, `line ${n}: ${what}: ${line}`);
  }
});

Deno.test("an unknown option or a bad number exits 2 and names it", async () => {
  const bad = await run("bash", [SCRIPT, "--frobnicate"]);
  assert.equal(bad.code, 2);
  assert.match(bad.out, /unknown option --frobnicate/);
  const number = await run("bash", [SCRIPT, "--jobs", "many"]);
  assert.equal(number.code, 2);
  assert.match(number.out, /whole number, got 'many'/);
});

Deno.test({
  name: "on a host that is not an arm64 Mac it stops at once, with a report saying why",
  ignore: Deno.build.os === "darwin" && Deno.build.arch === "aarch64",
  fn: async () => {
    const dir = await resultsDir();
    try {
      const r = await run("bash", [SCRIPT, "--results", dir, "--python", PYTHON]);
      assert.equal(r.code, 1, r.out);
      const report = await Deno.readTextFile(`${dir}/report.md`);
      assert.match(
        report,
        /\*\*Result: FAIL\*\* \(first failure: machine: this is \w+ \w+, not an/,
      );
      assert.match(report, /--allow-any-host runs it anyway/);
      assert.match(report, /### Op suite\n\nnot reached/);
      assert.ok(!(await exists(`${dir}/venv`)), "no venv before the host check passes");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a wheel path that does not exist stops the install step, naming it", async () => {
  const dir = await resultsDir();
  try {
    const r = await run("bash", [
      SCRIPT,
      "--allow-any-host",
      "--results",
      dir,
      "--python",
      PYTHON,
      `${dir}/no such.whl`,
    ]);
    assert.equal(r.code, 1, r.out);
    assert.match(
      await Deno.readTextFile(`${dir}/report.md`),
      /install: no wheel at .*no such\.whl/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The names in a bash array assignment of the script, e.g. IGNORED_TESTS=(a b). */
async function scriptArray(name: string): Promise<string[]> {
  const source = await Deno.readTextFile(SCRIPT);
  const m = source.match(new RegExp(`^${name}=\\(([^)]*)\\)`, "m"));
  if (!m) throw new Error(`no ${name}=(...) in ${SCRIPT}`);
  return m[1].split(/\s+/).filter((s) => s);
}

/** The Python files the self-test runs (the suite less the ignored) and the demo's. */
async function filesItRuns(): Promise<Map<string, string>> {
  const ignored = new Set(await scriptArray("IGNORED_TESTS"));
  const files = new Map<string, string>();
  for (const dir of ["tests/python", "examples"]) {
    for (const e of Deno.readDirSync(`${ROOT}/${dir}`)) {
      if (!e.name.endsWith(".py") || (dir === "tests/python" && ignored.has(e.name))) continue;
      files.set(`${dir}/${e.name}`, await Deno.readTextFile(`${ROOT}/${dir}/${e.name}`));
    }
  }
  return files;
}

Deno.test("the pins it installs are lock.ts's, less build tools nothing it runs imports", async () => {
  const lock = await readLock(`${ROOT}/applejax.lock.json`);
  const runs = await filesItRuns();
  for (const os of ["linux", "darwin"] as LockOs[]) {
    const r = await run(PYTHON, [HELPER, "requirements", `${ROOT}/applejax.lock.json`, os]);
    assert.equal(r.code, 0, r.out);
    const got = r.out.trim().split("\n");
    const all = pipRequirements(lock, os);
    assert.deepEqual(got, all.filter((p) => got.includes(p)), `${os}: not lock.ts's pins in order`);
    const dropped = all.filter((p) => !got.includes(p)).map((p) => p.split(/[=[]/)[0]);
    assert.ok(dropped.includes("maturin"), `${os}: dropped ${dropped}`);
    for (const name of dropped) {
      const module = name.replace(/-/g, "_");
      for (const [file, text] of runs) {
        assert.doesNotMatch(
          text,
          new RegExp(`^\\s*(import|from) ${module}\\b|importorskip\\("${module}"`, "m"),
          `${file} imports ${module}, which the self-test does not install`,
        );
      }
    }
  }
  const missing = await run(PYTHON, [HELPER, "requirements", "/nonexistent/lock.json", "linux"]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.out, /cannot read the Python pins from \/nonexistent\/lock\.json/);
});

Deno.test("the suite files it leaves out exist, and are all that read the build tree", async () => {
  const ignored = await scriptArray("IGNORED_TESTS");
  for (const name of ignored) assert.ok(await exists(`${ROOT}/tests/python/${name}`), name);
  for (const [file, text] of await filesItRuns()) {
    // A downloaded wheel comes with a checkout, not with build/, build-*/, .deps/ or dist/.
    assert.doesNotMatch(
      text,
      /["'/](build|build-[a-z0-9-]+|\.deps|dist)["'/]/,
      `${file} reads the build tree: add it to IGNORED_TESTS in scripts/macos_selftest.sh`,
    );
  }
  const quick = await scriptArray("QUICK_FILES");
  for (const name of quick) {
    assert.ok(!ignored.includes(name) && await exists(`${ROOT}/tests/python/${name}`), name);
  }
});

Deno.test("the report counts a real pytest run's passes, failures, errors and skips", async () => {
  const dir = await resultsDir();
  try {
    await Deno.writeTextFile(
      `${dir}/test_sample.py`,
      [
        "import pytest",
        "@pytest.fixture",
        "def broken():",
        "  raise RuntimeError('fixture broke')",
        "def test_ok(): assert 1 + 1 == 2",
        "def test_also_ok(): pass",
        "def test_wrong(): assert 2 + 2 == 5, 'arithmetic'",
        "def test_skipped(): pytest.skip('not here')",
        "def test_error(broken): pass",
      ].join("\n"),
    );
    const pytest = await run(PYTHON, [
      "-m",
      "pytest",
      "-q",
      "-p",
      "no:cacheprovider",
      `--junitxml=${dir}/pytest.xml`,
      `${dir}/test_sample.py`,
    ]);
    assert.equal(pytest.code, 1, pytest.out);
    await Deno.writeTextFile(`${dir}/pytest.rc`, "1\n");
    const r = await run(PYTHON, [HELPER, "report", dir, `${dir}/report.md`]);
    assert.equal(r.code, 0, r.out);
    const report = await Deno.readTextFile(`${dir}/report.md`);
    assert.match(report, /2 passed, 1 failed, 1 errors, 1 skipped \(pytest exit 1\)/);
    assert.match(report, /- `test_sample::test_wrong: AssertionError: arithmetic/);
    assert.match(report, /- `test_sample::test_error: .*fixture broke/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("its time limit stops the whole process group and returns 124", async () => {
  const dir = await resultsDir();
  try {
    const started = Date.now();
    const r = await run(PYTHON, [
      HELPER,
      "limit",
      "1",
      `${dir}/log`,
      "--",
      "sh",
      "-c",
      "echo started; sleep 60 & wait",
    ]);
    assert.equal(r.code, 124, r.out);
    assert.ok(Date.now() - started < 20_000, "the limit did not stop it");
    const log = await Deno.readTextFile(`${dir}/log`);
    assert.match(log, /^started\n/);
    assert.match(log, /stopped after the 1 s limit/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const online = await indexReachable();

Deno.test({
  name: "a whole --quick run on the Linux wheel" +
    (online ? "" : " (ignored: the package index is unreachable and pip needs it)"),
  ignore: !online,
  fn: async () => {
    const dir = await resultsDir();
    try {
      const r = await run("bash", [
        SCRIPT,
        "--allow-any-host",
        "--quick",
        "--jobs",
        "2",
        "--demo-steps",
        "30",
        "--python",
        PYTHON,
        "--results",
        dir,
        newestLinuxWheel(),
      ]);
      const report = await Deno.readTextFile(`${dir}/report.md`);
      for (const section of ["Machine", "Plugin", "Op suite", "Demo", "Steps"]) {
        assert.match(report, new RegExp(`^### ${section}$`, "m"), section);
      }
      // The report's counts come from the JUnit file; pytest's own summary
      // line in its log must say the same.
      const log = await Deno.readTextFile(`${dir}/pytest.log`);
      const summary = log.trim().split("\n").at(-1) ?? "";
      const count = (word: string) => Number(summary.match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0);
      assert.ok(count("passed") > 50, `pytest's summary: ${summary}`);
      assert.match(
        report,
        new RegExp(
          `^${count("passed")} passed, ${count("failed")} failed, ${count("error")} errors, ` +
            `${count("skipped")} skipped \\(pytest exit \\d+\\)$`,
          "m",
        ),
      );
      assert.match(report, /\| devices \| `\['mps:0'\]` \|/);
      assert.match(report, /\| smoke \| `\{'result': \[1\.0, 3\.0, 5\.0, 7\.0\]/);
      assert.match(report, /\| jax version \| `\d+\.\d+/);
      // The demo really ran: its closing lines and exit status are there.
      const demoRc = (await Deno.readTextFile(`${dir}/demo.rc`)).trim();
      assert.match(report, new RegExp(`examples/demo\\.py --steps 30\` exit ${demoRc}\n`));
      assert.match(report, /loss curves over 30 steps: largest difference/);
      // The exit status is 0 exactly when every step passed.
      const steps = (await Deno.readTextFile(`${dir}/steps.tsv`)).trim().split("\n");
      assert.deepEqual(steps.map((s) => s.split("\t")[0]), [
        "machine",
        "install",
        "plugin",
        "suite",
        "demo",
      ]);
      const allPassed = steps.every((s) => s.split("\t")[1] === "PASS");
      assert.equal(r.code === 0, allPassed, r.out.slice(-3000));
      assert.match(report, allPassed ? /\*\*Result: PASS\*\*/ : /\*\*Result: FAIL\*\*/);
      assert.ok(!(await exists(`${dir}/venv`)), "the venv it made is removed without --keep-venv");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
