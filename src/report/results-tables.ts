/**
 * The README's generated results tables (`npm run results`), built from the committed CSV of the
 * `min_width_by_k` view: the same text the script writes between the README's `results:` markers
 * and the test reads back. Pure: text in, text out.
 */
import { parseGroup } from '../algebra/parse.js';
import { parseCsv } from './csv.js';
import { type GrowthSeries, growthSeries, growthTable, type MinWidthRow } from './growth.js';
import { cellFromCsvRow } from './results-csv.js';
import type { SweepCellData } from './sweep-data.js';

/** The values of k the width sweeps cover: the table's columns. */
export const RESULT_KS = [2, 3, 4, 5] as const;

/** min_width_by_k.csv as typed rows. */
export function minWidthRows(csv: string): MinWidthRow[] {
  return parseCsv(csv).map((r) => ({
    sweep: r.sweep,
    group: r.group,
    encoding: r.encoding,
    model: r.model,
    k: Number(r.k),
    minWidth: r.min_width === '' ? null : Number(r.min_width),
    finished: r.status === 'done',
  }));
}

const show = (w: number | null | undefined) => (w === undefined ? '' : w === null ? '–' : String(w));

/**
 * Each cell of `budgetSweep` (the same cells with more steps) beside the cell of `baseSweep`:
 * equal H* means the base budget measured width, not patience.
 */
export function budgetTable(
  rows: readonly MinWidthRow[],
  baseSweep: string,
  budgetSweep: string,
  steps: { base: number; budget: number },
): string {
  const lines = [
    `| cell | H* at ${steps.base.toLocaleString('en')} steps | H* at ${steps.budget.toLocaleString('en')} steps |`,
    '|---|---:|---:|',
  ];
  for (const row of rows.filter((r) => r.sweep === budgetSweep)) {
    const base = rows.find(
      (r) =>
        r.sweep === baseSweep &&
        r.group === row.group &&
        r.encoding === row.encoding &&
        r.model === row.model &&
        r.k === row.k,
    );
    lines.push(
      `| ${row.group}/${row.encoding}/k${row.k}/${row.model} | ${show(base?.minWidth)} | ${show(row.minWidth)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * One row per staircase run: its group and the irreps in the order they were acquired, each with
 * the step (from `staircase_events.csv`: sweep, group, encoding, step, irrep).
 */
export function staircaseTable(eventsCsv: string, sweeps: readonly string[]): string {
  const events = parseCsv(eventsCsv);
  const lines = ['| run | group | irreps acquired (step) |', '|---|---|---|'];
  for (const sweep of sweeps) {
    const own = events.filter((e) => e.sweep === sweep).sort((a, b) => Number(a.step) - Number(b.step));
    if (!own.length) continue;
    lines.push(`| ${sweep} | ${own[0].group} | ${own.map((e) => `${e.irrep} (${e.step})`).join(' → ')} |`);
  }
  return lines.join('\n');
}

export interface ResultSections {
  series: GrowthSeries[];
  minWidth: string;
  budget: string;
}

export function resultSections(
  csv: string,
  sweeps: { width: readonly string[]; base: string; budget: string },
  steps: { base: number; budget: number },
): ResultSections {
  const rows = minWidthRows(csv);
  // In the order the sweeps are listed (the CSV sorts them by name).
  const rank = (sweep: string) => sweeps.width.indexOf(sweep);
  const series = growthSeries(
    rows.filter((r) => sweeps.width.includes(r.sweep)).sort((a, b) => rank(a.sweep) - rank(b.sweep)),
    (group) => parseGroup(group).order,
  );
  return {
    series,
    minWidth: growthTable(series, RESULT_KS),
    budget: budgetTable(rows, sweeps.base, sweeps.budget, steps),
  };
}

function markers(id: string): { begin: string; end: string } {
  return { begin: `<!-- results:${id} -->`, end: `<!-- /results:${id} -->` };
}

/** The text between `<!-- results:<id> -->` and `<!-- /results:<id> -->`, trimmed. */
export function betweenMarkers(text: string, id: string): string {
  const { begin, end } = markers(id);
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`no ${begin} … ${end} section`);
  return text.slice(from + begin.length, to).trim();
}

/** `text` with the section `id` replaced by `body`. */
export function replaceBetweenMarkers(text: string, id: string, body: string): string {
  betweenMarkers(text, id);
  const { begin, end } = markers(id);
  return `${text.slice(0, text.indexOf(begin) + begin.length)}\n${body}\n${text.slice(text.indexOf(end))}`;
}

/**
 * The cells of one group and encoding from several width sweeps, as one figure's cells: the model
 * column names the sweep's model, followed by `label` where one is given (`rnn, from scratch`), so
 * the two-layer network and the deep models of different trainings are lines of one H*(k) figure.
 */
export function comparisonCells(
  csv: string,
  group: string,
  encoding: string,
  labels: ReadonlyMap<string, string>,
): SweepCellData[] {
  return parseCsv(csv)
    .filter((r) => r.group === group && r.encoding === encoding && labels.has(r.sweep))
    .map((r, id) => {
      const label = labels.get(r.sweep);
      const cell = cellFromCsvRow(r, id);
      return label ? { ...cell, model: `${cell.model}, ${label}` } : cell;
    });
}
