/** Plain-text output helpers shared by the commands. */

/** An aligned table: numbers right-aligned, text left-aligned, two spaces between columns. */
export function formatTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = rows.map((row) => row.map((v) => (v === null || v === undefined ? '' : String(v))));
  const looksNumeric = (v: string): boolean => v === '' || /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(v);
  const numeric = headers.map((_, c) => cells.length > 0 && cells.every((row) => looksNumeric(row[c] ?? '')));
  const widths = headers.map((h, c) => Math.max(h.length, ...cells.map((row) => (row[c] ?? '').length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, c) => (numeric[c] ? v.padStart(widths[c]) : v.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** A number with at most `digits` significant digits, without trailing zeros. */
export function formatNumber(x: number, digits = 6): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return String(Number(x.toPrecision(digits)));
}
