/**
 * The minimal-width table: H* per k, one row per (sweep, group, encoding, model). `sgc results`
 * prints it from the store's view min_width_by_k; `sgc run`, `sgc sweep watch` and `sgc sweep start
 * --wait` end with it from the sweep's final status. One table, one layout, one legend.
 */
import type { TabularResult } from '../store/sql-driver.js';
import type { CellState, SweepStatus } from '../sweep/messages.js';
import { formatTable } from './format.js';

/** A row of min_width_by_k, as far as the table reads it. */
export interface WidthRow {
  sweep: string;
  group_name: string;
  encoding: string;
  model: string;
  k: number;
  min_width: number | null;
  /** The cell's status: the store's cell_status, or a CellState of the sweep's status. */
  status: string;
  non_monotone: boolean;
  /** The newest results version of the cell's runs; null before any run is recorded with one. */
  results_version: number | null;
}

/** What a width entry without an H* says; the legend printed under the table explains each. */
function openMark(status: string): string {
  if (status === 'pending' || status === 'searching' || status === 'running' || status === 'paused')
    return '…';
  if (status === 'undecided') return '?';
  if (status === 'stopped' || status === 'cancelled') return 'x';
  return '-';
}

export const WIDTH_TABLE_LEGEND =
  'A number is H*; … still searching, - none found up to the widest width, ? undecided (runs ended ' +
  'in error: start the sweep again), x stopped before it decided, * a wider H failed after a ' +
  'narrower one succeeded.';

/**
 * One row per (sweep, group, encoding, model), one column per k, and the results versions of the
 * row's cells (one, or several while some cells have not been searched again since a bump). The
 * results_version column is left out when no row has one (a sweep's status does not carry it).
 */
export function pivotByK(rows: readonly WidthRow[]): TabularResult {
  const ks = [...new Set(rows.map((r) => r.k))].sort((a, b) => a - b);
  const lines = new Map<string, (string | null)[]>();
  const versions = new Map<string, Set<number>>();
  for (const r of rows) {
    const key = JSON.stringify([r.sweep, r.group_name, r.encoding, r.model]);
    let line = lines.get(key);
    if (!line)
      lines.set(key, (line = [r.sweep, r.group_name, r.encoding, r.model, ...ks.map(() => null), null]));
    // undefined: a store whose views predate migration 20261203000200 (run code identity).
    if (r.results_version !== null && r.results_version !== undefined) {
      const seen = versions.get(key) ?? new Set();
      versions.set(key, seen.add(r.results_version));
      line[4 + ks.length] = [...seen].sort((a, b) => a - b).join(', ');
    }
    const width = r.min_width !== null ? String(r.min_width) : openMark(r.status);
    line[4 + ks.indexOf(r.k)] = r.non_monotone ? `${width}*` : width;
  }
  const withVersions = versions.size > 0;
  const columns = [
    'sweep',
    'group',
    'encoding',
    'model',
    ...ks.map((k) => `k=${k}`),
    ...(withVersions ? ['results_version'] : []),
  ];
  return {
    columns,
    // The k columns hold widths: typed as integers so they align right.
    types: columns.map((_, i) => (i >= 4 && i < 4 + ks.length ? 23 : 25)),
    rows: [...lines.values()].map((line) => (withVersions ? line : line.slice(0, -1))),
  };
}

/** The table as text, with its legend. */
export function widthTableText(rows: readonly WidthRow[]): string {
  const { columns, rows: lines } = pivotByK(rows);
  const table = formatTable(columns, lines, {
    rightAligned: columns.map((c) => c.startsWith('k=')),
  });
  return `${table}\n\n${WIDTH_TABLE_LEGEND}`;
}

/** The sweep's cells as table rows. Only an ended cell has its H*: one searched again shows …. */
export function widthRowsOf(status: SweepStatus): WidthRow[] {
  const ended: readonly CellState[] = ['done', 'undecided', 'failed', 'stopped', 'cancelled'];
  return status.cells.map((c) => {
    const [group, encoding, k, model] = c.cellKey.split('/');
    return {
      sweep: status.sweepId,
      group_name: group,
      encoding,
      model,
      k: Number(k.replace(/^k/, '')),
      min_width: ended.includes(c.state) ? c.minWidth : null,
      status: c.state,
      non_monotone: false,
      results_version: null,
    };
  });
}
