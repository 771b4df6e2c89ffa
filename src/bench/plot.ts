/**
 * A small SVG bar chart, written by hand so the benchmark needs no plotting
 * library: horizontal grouped bars on a log-scaled axis.
 *
 * @module
 */

/** One group of bars (e.g. one program: harness and JAX). */
export interface BarGroup {
  /** label left of the bars */
  label: string;
  /** one value per series; null leaves a gap */
  values: (number | null)[];
}

/** A chart's content. */
export interface BarChart {
  /** title above the chart */
  title: string;
  /** axis unit, e.g. "ms" */
  unit: string;
  /** series names, in the order of each group's values */
  series: string[];
  /** the groups, top to bottom */
  groups: BarGroup[];
}

const COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759"];
const LABEL_W = 190;
const PLOT_W = 520;
const BAR_H = 9;
const GROUP_GAP = 6;
const HEAD_H = 44;
const AXIS_H = 28;

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : String(Number(v.toPrecision(3)));
}

/**
 * The height one chart takes in {@link renderSvg}'s output.
 *
 * @param chart the chart
 * @returns pixels
 */
export function chartHeight(chart: BarChart): number {
  const groupH = chart.series.length * BAR_H + GROUP_GAP;
  return HEAD_H + chart.groups.length * groupH + AXIS_H;
}

function chartBody(chart: BarChart, top: number): string {
  const values = chart.groups.flatMap((g) => g.values).filter((v): v is number =>
    v !== null && v > 0
  );
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values, 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, lo * 10)));
  const x = (v: number) => LABEL_W + (PLOT_W * Math.log10(v / lo)) / Math.log10(hi / lo);
  const groupH = chart.series.length * BAR_H + GROUP_GAP;
  const parts: string[] = [];
  parts.push(
    `<text x="10" y="${top + 18}" font-size="14" font-weight="bold">${
      escapeXml(chart.title)
    }</text>`,
  );
  chart.series.forEach((s, i) => {
    const lx = LABEL_W + i * 140;
    parts.push(
      `<rect x="${lx}" y="${top + 26}" width="10" height="10" fill="${
        COLORS[i % COLORS.length]
      }"/>`,
      `<text x="${lx + 14}" y="${top + 35}" font-size="11">${escapeXml(s)}</text>`,
    );
  });
  const plotTop = top + HEAD_H;
  const plotBottom = plotTop + chart.groups.length * groupH;
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    parts.push(
      `<line x1="${x(d)}" y1="${plotTop}" x2="${x(d)}" y2="${plotBottom}" stroke="#ddd"/>`,
      `<text x="${x(d)}" y="${plotBottom + 14}" font-size="10" text-anchor="middle">${fmt(d)} ${
        escapeXml(chart.unit)
      }</text>`,
    );
  }
  chart.groups.forEach((g, gi) => {
    const gy = plotTop + gi * groupH;
    parts.push(
      `<text x="${LABEL_W - 6}" y="${
        gy + (groupH - GROUP_GAP) / 2 + 4
      }" font-size="11" text-anchor="end">${escapeXml(g.label)}</text>`,
    );
    g.values.forEach((v, si) => {
      if (v === null || !(v > 0)) return;
      const y = gy + si * BAR_H;
      parts.push(
        `<rect class="bar" x="${LABEL_W}" y="${y}" width="${
          Math.max(1, x(v) - LABEL_W).toFixed(1)
        }" height="${BAR_H - 1}" fill="${COLORS[si % COLORS.length]}"><title>${
          escapeXml(`${g.label} ${chart.series[si]}: ${fmt(v)} ${chart.unit}`)
        }</title></rect>`,
      );
    });
  });
  return parts.join("\n");
}

/**
 * Renders charts stacked vertically into one SVG document.
 *
 * @param charts the charts, top to bottom
 * @returns the SVG text
 */
export function renderSvg(charts: BarChart[]): string {
  const width = LABEL_W + PLOT_W + 40;
  let top = 0;
  const bodies = charts.map((c) => {
    const body = chartBody(c, top);
    top += chartHeight(c);
    return body;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top}" ` +
    `viewBox="0 0 ${width} ${top}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...bodies,
    "</svg>",
    "",
  ].join("\n");
}
