/**
 * Renders query results for `sgc sql` and `sgc results`: an aligned table (the one every sgc
 * command prints, src/cli/format.ts, with decimals shortened), JSON (an array of objects) or CSV
 * (RFC 4180). Results are expected as PostgreSQL's own text (raw mode), so CSV shows exactly what
 * psql would; JSON turns numbers, booleans and json columns back into JSON values by their column
 * type.
 */
import type { TabularResult } from '../../store/sql-driver.js';
import { formatTable as formatAlignedTable, formatDecimal } from '../format.js';

export type OutputFormat = 'table' | 'json' | 'csv';

/** A value as text for table and CSV output; NULL is the empty string, as in psql and COPY. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid date' : value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'object') return JSON.stringify(value, jsonReplacer);
  return String(value);
}

/** JSON has no NaN, Infinity or bigint: those become strings rather than a crash or a silent null. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  return value;
}

/** PostgreSQL type OIDs that JSON output converts from text. */
const BOOL = 16;
const INTEGER_TYPES = new Set([20, 21, 23, 26]); // int8, int2, int4, oid
const FLOAT_TYPES = new Set([700, 701, 1700]); // float4, float8, numeric
const JSON_TYPES = new Set([114, 3802]); // json, jsonb

function isNumericType(oid: number | undefined): boolean {
  return oid !== undefined && (INTEGER_TYPES.has(oid) || FLOAT_TYPES.has(oid));
}

/** A raw text value as the JSON value its column type means; other types stay text. */
export function typedValue(value: unknown, oid: number | undefined): unknown {
  if (typeof value !== 'string' || oid === undefined) return value;
  if (oid === BOOL) return value === 't' || value === 'true';
  if (INTEGER_TYPES.has(oid)) return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  // NaN and ±Infinity have no JSON number: they stay strings ("NaN") rather than become null.
  if (FLOAT_TYPES.has(oid)) return Number.isFinite(Number(value)) ? Number(value) : value;
  if (JSON_TYPES.has(oid)) return JSON.parse(value);
  return value;
}

export function formatTable(result: TabularResult): string {
  const { columns, rows } = result;
  // A statement without a result set (SET, COMMIT, an empty SELECT list) has nothing to lay out:
  // its command tag says what ran, as in psql.
  if (columns.length === 0) return result.command ?? '(no result set)';
  // Decimals read at a glance (0.206, not 0.20600000000000000000); CSV and JSON keep every digit.
  const cells = rows.map((row) =>
    row.map((value, c) =>
      typeof value === 'string' && FLOAT_TYPES.has(result.types[c] ?? -1)
        ? formatDecimal(value)
        : typeof value === 'number'
          ? formatDecimal(String(value))
          : valueText(value),
    ),
  );
  // Numbers align right in their column, so digits line up.
  const rightAligned = columns.map(
    (_, c) =>
      isNumericType(result.types[c]) ||
      (rows.length > 0 && rows.every((r) => r[c] === null || typeof r[c] === 'number')),
  );
  const footer = `(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`;
  return `${formatAlignedTable(columns, cells, { rightAligned })}\n${footer}`;
}

export function formatJson(result: TabularResult): string {
  const objects = result.rows.map((row) =>
    Object.fromEntries(result.columns.map((name, c) => [name, typedValue(row[c], result.types[c])])),
  );
  return JSON.stringify(objects, jsonReplacer, 2);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatCsv(result: TabularResult): string {
  const lines = [result.columns.map(csvField).join(',')];
  for (const row of result.rows) lines.push(row.map((v) => csvField(valueText(v))).join(','));
  return lines.join('\r\n');
}

export function formatResult(result: TabularResult, format: OutputFormat): string {
  if (format === 'json') return formatJson(result);
  if (format === 'csv') return formatCsv(result);
  return formatTable(result);
}

/** The format chosen by --json / --csv (at most one of them). */
export function chosenFormat(values: { json?: boolean; csv?: boolean }): OutputFormat | 'both' {
  if (values.json && values.csv) return 'both';
  return values.json ? 'json' : values.csv ? 'csv' : 'table';
}
