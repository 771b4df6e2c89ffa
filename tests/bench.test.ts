/**
 * The benchmark: the committed corpus and its manifest, inputs identical to
 * the JAX side's, every corpus program through the harness against JAX's
 * cpu backend, the statistics, table and SVG helpers, and one quick run of
 * `scripts/bench.ts` end to end.
 *
 * Needs the plugin (`$APPLEJAX_PLUGIN` or build/) and `.venv` (jax).
 */

import assert from "node:assert/strict";
import {
  charts,
  Client,
  CORPUS_DIR,
  jaxReference,
  loadManifest,
  makeInput,
  PjrtApi,
  quantile,
  renderSvg,
  renderTable,
  specDType,
  spreadPercent,
  summarize,
  toNumbers,
  viewAs,
} from "../mod.ts";
import type { BenchResults } from "../mod.ts";
import { parseBenchArgs } from "../scripts/bench.ts";
import { PYTHON, python, ROOT } from "./helpers.ts";

const manifest = loadManifest();

Deno.test("the corpus is small, complete and described by its manifest", () => {
  const files = [...Deno.readDirSync(CORPUS_DIR)].map((e) => e.name).sort();
  const artifacts = files.filter((f) => f.endsWith(".mlirbc"));
  assert.deepEqual(artifacts, manifest.ops.map((o) => o.file).sort());
  assert.deepEqual(files.filter((f) => !f.endsWith(".mlirbc")), ["manifest.json"]);
  let total = Deno.statSync(`${CORPUS_DIR}/manifest.json`).size;
  for (const op of manifest.ops) {
    const size = Deno.statSync(`${CORPUS_DIR}/${op.file}`).size;
    assert.equal(size, op.bytes, op.name);
    total += size;
  }
  assert.ok(total < 200_000, `corpus is ${total} bytes`);
  const lock = JSON.parse(Deno.readTextFileSync(`${ROOT}/applejax.lock.json`));
  assert.equal(manifest.stablehlo_version, lock.stablehlo.plugin_current);
  for (const family of ["elementwise", "matmul", "reduction", "conv", "gather"]) {
    assert.ok(manifest.ops.some((o) => o.family === family), family);
  }
  assert.ok(manifest.ops.filter((o) => o.family === "matmul").length >= 3, "matmul sizes");
});

Deno.test("inputs are bit-identical to the ones bench_ops.py makes for JAX", async () => {
  const specs = manifest.ops.flatMap((o) => o.inputs).filter((s, i, all) =>
    all.findIndex((t) => JSON.stringify(t) === JSON.stringify(s)) === i
  );
  const small = specs.filter((s) => s.shape.reduce((a, b) => a * b, 1) <= 70_000);
  const hex = JSON.parse(
    await python(
      `import json, sys
sys.path.insert(0, ${JSON.stringify(`${ROOT}/scripts`)})
import bench_ops
specs = json.loads(sys.stdin.read())
print(json.dumps([bench_ops.make_input(s, k).tobytes().hex() for k, s in enumerate(specs)]))`,
      JSON.stringify(small),
    ),
  );
  assert.ok(
    small.some((s) => s.dtype === "bfloat16") && small.some((s) => s.fill.kind === "index"),
  );
  small.forEach((spec, k) => {
    const a = makeInput(spec, k);
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const got = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    assert.equal(got, hex[k], `${spec.dtype}[${spec.shape}] input ${k}`);
  });
});

Deno.test({
  name: "every corpus program through the harness matches JAX's cpu backend",
  sanitizeResources: false,
  async fn() {
    const refs = await jaxReference(manifest.ops.map((o) => o.name));
    using api = PjrtApi.open();
    using client = Client.create(api);
    for (const op of manifest.ops) {
      using exe = client.compile(`${CORPUS_DIR}/${op.file}`);
      assert.deepEqual(
        exe.outputs(),
        op.outputs.map((o) => ({ dtype: specDType(o), dims: o.shape })),
        op.name,
      );
      const args = op.inputs.map((s, k) => client.upload(makeInput(s, k), s.shape, specDType(s)));
      const outs = exe.execute(args);
      try {
        const want = refs.get(op.name)!;
        assert.equal(want.length, outs.length, op.name);
        outs.forEach((out, k) => {
          const dtype = out.dtype();
          const got = toNumbers(dtype, out.toHost());
          const ref = toNumbers(dtype, viewAs(dtype, want[k].slice().buffer));
          assert.equal(got.length, ref.length);
          for (let i = 0; i < got.length; i++) {
            const excess = Math.abs(got[i] - ref[i]) - (op.atol + op.rtol * Math.abs(ref[i]));
            if (!(excess <= 0)) {
              assert.fail(`${op.name}[${i}]: ${got[i]} vs JAX ${ref[i]} (rtol ${op.rtol})`);
            }
          }
        });
      } finally {
        for (const b of [...outs, ...args]) b.close();
      }
    }
  },
});

Deno.test("statistics: quantiles as numpy interpolates them, spread from the quartiles", () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(quantile([7], 0.9), 7);
  assert.throws(() => quantile([], 0.5), RangeError);
  const s = summarize([4, 1, 3, 2]);
  assert.deepEqual(s, { n: 4, median: 2.5, p25: 1.75, p75: 3.25, min: 1 });
  assert.equal(spreadPercent(s), 30);
});

Deno.test("tables pad and align columns", () => {
  const t = renderTable(
    [{ header: "name", align: "left" }, { header: "ms", align: "right" }],
    [["a", "1.5"], ["long name", "10"]],
  ).split("\n");
  assert.deepEqual(t, [
    "| name      |  ms |",
    "|-----------|----:|",
    "| a         | 1.5 |",
    "| long name |  10 |",
  ]);
});

function fakeResults(): BenchResults {
  const [p, q] = manifest.ops;
  return {
    device: "cpu <test>",
    programs: [
      {
        program: p,
        harness: { name: p.name, compileMs: 1, firstRunMs: 2, timesMs: [1, 2, 3] },
        jax: { name: p.name, compileMs: 5, firstRunMs: 1, timesMs: [0.5, 0.5] },
      },
      { program: q, harness: { name: q.name, compileMs: 1, firstRunMs: 1, timesMs: [0.01] } },
    ],
    transfers: [{
      bytes: 4096,
      harness: { bytes: 4096, h2dMs: [0.01], d2hMs: [0.02] },
    }],
  };
}

Deno.test("the SVG has one bar per measured value, escaped labels, and parses as XML", async () => {
  const svg = renderSvg(charts(fakeResults()));
  // 2 + 1 latency bars (the second program has no JAX timing), 2 transfer bars.
  assert.equal([...svg.matchAll(/<rect class="bar"/g)].length, 5);
  assert.match(svg, /cpu &lt;test&gt;/);
  assert.doesNotMatch(svg, /NaN|undefined/);
  const check = await python(
    "import sys, xml.etree.ElementTree as ET; print(ET.fromstring(sys.stdin.read()).tag)",
    svg,
  );
  assert.equal(check.trim(), "{http://www.w3.org/2000/svg}svg");
});

Deno.test("bench arguments: defaults, --quick, and refusals", () => {
  const d = parseBenchArgs([]);
  assert.ok(d.repeat.warmup > 0 && d.repeat.reps >= 20 && d.jax);
  assert.ok(d.transferBytes.length >= 3);
  const q = parseBenchArgs(["--quick", "--filter", "^add", "--no-jax", "--reps", "3"]);
  assert.equal(q.repeat.reps, 3);
  assert.equal(q.jax, false);
  assert.ok(q.filter.test("add_f32_1k") && !q.filter.test("matmul_f32_64"));
  assert.throws(() => parseBenchArgs(["--frobnicate"]), /unknown argument/);
  assert.throws(() => parseBenchArgs(["--reps"]), /needs a value/);
  assert.throws(() => parseBenchArgs(["--reps", "-1"]), /non-negative/);
  assert.equal(parseBenchArgs([]).blas, "openblas");
  assert.equal(parseBenchArgs(["--blas", "reference"]).blas, "reference");
  assert.throws(() => parseBenchArgs(["--blas", "mkl"]), /openblas or reference/);
});

Deno.test("deno task bench --quick runs both sides and writes the table, plot and results", async () => {
  const out = await Deno.makeTempDir({ prefix: "applejax-bench-" });
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${ROOT}/scripts/bench.ts`,
        "--quick",
        "--filter",
        "^(add_f32_1k|matmul_f32_64|gather_rows_f32_1k)$",
        "--out",
        out,
        "--python",
        PYTHON,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
    assert.ok(r.success, text);
    assert.match(text, /harness median .* JAX cpu median .* harness\/JAX/);
    assert.match(text, /\| matmul +\| matmul_f32_64 .*× \|/);
    assert.match(text, /harness compile/);
    assert.match(
      text,
      /plugin matrix products\nthrough (OpenBLAS \(scipy-openblas32\)|MLX's reference BLAS)/,
    );
    assert.match(text, /host→device/);
    const results = JSON.parse(Deno.readTextFileSync(`${out}/results.json`)) as BenchResults;
    assert.equal(results.programs.length, 3);
    assert.ok(results.programs.every((p) => p.jax && p.jax.timesMs.length >= 5));
    assert.ok(Deno.readTextFileSync(`${out}/bench.svg`).startsWith("<svg"));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
