/**
 * Plain-text output helpers shared by the commands. Every table sgc prints (`sgc groups`, `sgc
 * results`, `sgc sql`, the sweep commands, the end of `sgc run`) goes through formatTable, so that
 * they all look alike.
 */

export interface TableOptions {
  /**
   * Which columns align right. By default a column aligns right when every value in it looks like
   * a number (and at least one row exists); `sgc sql` says it from the column types instead.
   */
  rightAligned?: readonly boolean[];
}

const looksNumeric = (v: string): boolean => v === '' || /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(v);

/**
 * An aligned table: a header, a rule of dashes, one line per row; numbers right-aligned, text
 * left-aligned, two spaces between columns. NULL and undefined are blank. A value with line breaks
 * spans several lines of its row.
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly unknown[])[],
  options: TableOptions = {},
): string {
  const cells = rows.map((row) =>
    headers.map((_, c) => (row[c] === null || row[c] === undefined ? '' : String(row[c])).split('\n')),
  );
  const right =
    options.rightAligned ??
    headers.map((_, c) => cells.length > 0 && cells.every((row) => row[c].every(looksNumeric)));
  const widths = headers.map((h, c) =>
    Math.max(h.length, ...cells.flatMap((row) => row[c].map((line) => line.length))),
  );
  const line = (values: readonly string[]): string =>
    values
      .map((v, c) => (right[c] ? v.padStart(widths[c]) : v.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const out = [line(headers), line(widths.map((w) => '-'.repeat(w)))];
  for (const row of cells) {
    const height = Math.max(1, ...row.map((lines) => lines.length));
    for (let i = 0; i < height; i++) out.push(line(row.map((lines) => lines[i] ?? '')));
  }
  return out.join('\n');
}

/** A number with at most `digits` significant digits, without trailing zeros. */
export function formatNumber(x: number, digits = 6): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return String(Number(x.toPrecision(digits)));
}

/**
 * A decimal for a table cell: at most `digits` significant digits, but never fewer digits than its
 * integer part has (1234567.891 → 1234568, not 1230000), without trailing zeros
 * (PostgreSQL's numeric 0.20600000000000000000 → 0.206, 12.000 → 12). Text that is not a finite
 * number (NaN, Infinity, '') is returned as it is. Tables only: CSV and JSON keep every digit.
 */
export function formatDecimal(text: string, digits = 6): string {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x)) return text;
  if (x === 0) return '0';
  const integerDigits = Math.floor(Math.log10(Math.abs(x))) + 1;
  if (integerDigits >= digits) return Math.round(x).toString();
  return formatNumber(x, digits);
}
