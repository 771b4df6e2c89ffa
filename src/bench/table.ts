/**
 * Plain-text tables for benchmark results.
 *
 * @module
 */

/** A column: header and alignment. */
export interface Column {
  /** the header text */
  header: string;
  /** right-align (numbers) or left-align (names) */
  align: "left" | "right";
}

/**
 * Renders rows as a Markdown-compatible table with padded columns.
 *
 * @param columns the columns
 * @param rows cells, one array per row, as many as columns
 * @returns the table, one line per row, header and rule first
 */
export function renderTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...rows.map((r) => [...(r[i] ?? "")].length))
  );
  const pad = (text: string, i: number) => {
    const fill = " ".repeat(widths[i] - [...text].length);
    return columns[i].align === "right" ? fill + text : text + fill;
  };
  const line = (cells: string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const rule = `|${
    columns.map((c, i) =>
      c.align === "right" ? `${"-".repeat(widths[i] + 1)}:` : "-".repeat(widths[i] + 2)
    )
      .join("|")
  }|`;
  return [line(columns.map((c) => c.header)), rule, ...rows.map(line)].join("\n");
}
