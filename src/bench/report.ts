/**
 * Benchmark results as tables and charts.
 *
 * @module
 */

import type { BenchProgram } from "./manifest.ts";
import type { BarChart } from "./plot.ts";
import type { ProgramTiming, TransferTiming } from "./runner.ts";
import { formatMs, spreadPercent, summarize } from "./stats.ts";
import { renderTable } from "./table.ts";

/** Everything one `deno task bench` run measured. */
export interface BenchResults {
  /** the harness's device, e.g. "cpu (applejax ... MLX ...)" */
  device: string;
  /** the BLAS library the plugin's matrix products used (undefined: MLX's own) */
  blas?: string;
  /** the JAX side's versions, when it ran */
  jax?: { version: string; device: string };
  /** why the JAX side did not run, when it did not */
  jaxError?: string;
  /** per program: its entry and both sides' timings */
  programs: { program: BenchProgram; harness: ProgramTiming; jax?: ProgramTiming }[];
  /** per transfer size: both sides' timings */
  transfers: { bytes: number; harness: TransferTiming; jax?: TransferTiming }[];
}

function median(times: number[] | undefined): number {
  return times && times.length ? summarize(times).median : NaN;
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "-";
}

function spread(times: number[] | undefined): string {
  return times && times.length ? `±${spreadPercent(summarize(times)).toFixed(0)}%` : "-";
}

/**
 * The per-op latency table: median and spread on both sides, their ratio
 * (harness ÷ JAX: above 1 means the harness is slower) and throughput.
 *
 * @param r the results
 * @returns the table text
 */
export function latencyTable(r: BenchResults): string {
  const rows = r.programs.map(({ program: p, harness, jax }) => {
    const h = median(harness.timesMs);
    const j = median(jax?.timesMs);
    return [
      p.family,
      p.name,
      p.size,
      formatMs(h),
      spread(harness.timesMs),
      String(harness.timesMs.length),
      formatMs(j),
      spread(jax?.timesMs),
      ratio(h, j),
      (p.flops / (h * 1e6)).toPrecision(3),
    ];
  });
  return renderTable([
    { header: "family", align: "left" },
    { header: "program", align: "left" },
    { header: "size", align: "left" },
    { header: "harness median", align: "right" },
    { header: "spread", align: "right" },
    { header: "n", align: "right" },
    { header: "JAX cpu median", align: "right" },
    { header: "spread", align: "right" },
    { header: "harness/JAX", align: "right" },
    { header: "GFLOP/s", align: "right" },
  ], rows);
}

/**
 * The compile-time table: PJRT_Client_Compile of the artifact beside XLA's
 * compile of the same lowered program, and each side's first call (where a
 * backend that compiles lazily pays), with the ratio of the sums.
 *
 * @param r the results
 * @returns the table text
 */
export function compileTable(r: BenchResults): string {
  const rows = r.programs.map(({ program: p, harness, jax }) => {
    const h = harness.compileMs + harness.firstRunMs;
    const j = jax ? jax.compileMs + jax.firstRunMs : NaN;
    return [
      p.name,
      `${p.bytes}`,
      formatMs(harness.compileMs),
      formatMs(harness.firstRunMs),
      formatMs(jax?.compileMs ?? NaN),
      formatMs(jax?.firstRunMs ?? NaN),
      ratio(h, j),
    ];
  });
  return renderTable([
    { header: "program", align: "left" },
    { header: "artifact bytes", align: "right" },
    { header: "harness compile", align: "right" },
    { header: "first call", align: "right" },
    { header: "JAX cpu compile", align: "right" },
    { header: "first call", align: "right" },
    { header: "harness/JAX (sum)", align: "right" },
  ], rows);
}

function gbps(bytes: number, times: number[] | undefined): number {
  return bytes / (median(times) * 1e6);
}

function formatBytes(n: number): string {
  return n >= 2 ** 20 ? `${n / 2 ** 20} MiB` : `${n / 2 ** 10} KiB`;
}

/**
 * The transfer table: bandwidth from the median copy time, each direction.
 *
 * @param r the results
 * @returns the table text
 */
export function transferTable(r: BenchResults): string {
  const bw = (x: number) => Number.isFinite(x) ? `${x.toPrecision(3)} GB/s` : "-";
  const rows = r.transfers.map(({ bytes, harness, jax }) => [
    formatBytes(bytes),
    bw(gbps(bytes, harness.h2dMs)),
    spread(harness.h2dMs),
    bw(gbps(bytes, harness.d2hMs)),
    spread(harness.d2hMs),
    bw(gbps(bytes, jax?.h2dMs)),
    bw(gbps(bytes, jax?.d2hMs)),
  ]);
  return renderTable([
    { header: "size", align: "left" },
    { header: "harness host→device", align: "right" },
    { header: "spread", align: "right" },
    { header: "harness device→host", align: "right" },
    { header: "spread", align: "right" },
    { header: "JAX cpu host→device", align: "right" },
    { header: "JAX cpu device→host", align: "right" },
  ], rows);
}

/**
 * The charts for the plot: latency per program and bandwidth per size, both
 * sides side by side.
 *
 * @param r the results
 * @returns the charts
 */
export function charts(r: BenchResults): BarChart[] {
  const series = ["applejax (Deno FFI)", "JAX cpu"];
  return [
    {
      title: `Median latency per call — ${r.device}`,
      unit: "ms",
      series,
      groups: r.programs.map(({ program, harness, jax }) => ({
        label: program.name,
        values: [median(harness.timesMs), jax ? median(jax.timesMs) : null],
      })),
    },
    {
      title: "Transfer bandwidth (median)",
      unit: "GB/s",
      series: ["host→device", "device→host", "JAX host→device", "JAX device→host"],
      groups: r.transfers.map(({ bytes, harness, jax }) => ({
        label: formatBytes(bytes),
        values: [
          gbps(bytes, harness.h2dMs),
          gbps(bytes, harness.d2hMs),
          jax ? gbps(bytes, jax.h2dMs) : null,
          jax ? gbps(bytes, jax.d2hMs) : null,
        ],
      })),
    },
  ];
}
