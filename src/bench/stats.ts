/**
 * Summaries of repeated timings.
 *
 * @module
 */

/** Order statistics of a sample of times. */
export interface Summary {
  /** number of samples */
  n: number;
  /** the median */
  median: number;
  /** the 25th percentile */
  p25: number;
  /** the 75th percentile */
  p75: number;
  /** the fastest sample */
  min: number;
}

/**
 * The q-quantile of sorted values, linearly interpolated (numpy's default).
 *
 * @param sorted values in ascending order (not empty)
 * @param q in [0, 1]
 * @returns the quantile
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("quantile of no values");
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/**
 * Median, quartiles and minimum of a sample.
 *
 * @param samples the times (not empty)
 * @returns the summary
 */
export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    p25: quantile(s, 0.25),
    p75: quantile(s, 0.75),
    min: s[0],
  };
}

/**
 * The spread of a sample as a percentage of its median: half the
 * interquartile range, so "±5%" means the middle half lies within 5%.
 *
 * @param s a summary
 * @returns the percentage
 */
export function spreadPercent(s: Summary): number {
  return s.median === 0 ? 0 : (50 * (s.p75 - s.p25)) / s.median;
}

/**
 * Formats milliseconds with three significant digits, switching to µs below 1 ms.
 *
 * @param ms a duration
 * @returns e.g. "12.3 ms" or "45.6 µs"
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  const digits = (x: number) => x >= 100 ? x.toFixed(0) : x.toPrecision(3);
  return ms >= 1 ? `${digits(ms)} ms` : `${digits(ms * 1000)} µs`;
}
