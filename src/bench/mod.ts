/**
 * Op benchmarks through the FFI harness, beside JAX's cpu backend: the
 * corpus manifest, deterministic inputs, timing, and tables and SVG charts.
 * `deno task bench` (scripts/bench.ts) puts them together.
 *
 * @module
 */

export {
  type BenchManifest,
  type BenchProgram,
  CORPUS_DIR,
  type Fill,
  type InputSpec,
  loadManifest,
  type OutputSpec as BenchOutputSpec,
  specDType,
} from "./manifest.ts";
export { fmix32, makeInput } from "./inputs.ts";
export {
  type ProgramTiming,
  repeat,
  type RepeatOptions,
  timeProgram,
  timeTransfer,
  type TransferTiming,
} from "./runner.ts";
export {
  BENCH_JAX_SCRIPT,
  DEFAULT_PYTHON,
  jaxReference,
  type JaxTimings,
  timeOnJax,
} from "./jax.ts";
export { formatMs, quantile, spreadPercent, summarize, type Summary } from "./stats.ts";
export { type Column, renderTable } from "./table.ts";
export { type BarChart, type BarGroup, chartHeight, renderSvg } from "./plot.ts";
export { type BenchResults, charts, compileTable, latencyTable, transferTable } from "./report.ts";
