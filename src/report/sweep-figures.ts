/**
 * The sweep figure: minimal width H* against k, one line per (group, encoding, model), as a
 * Vega-Lite spec built from the cells' plain data (pure: no I/O, no rendering).
 *
 *  - width_points / widths: H* of each cell that has one, on a log y axis (widths grow like 2^k);
 *  - brackets: the search's bracket (lo, hi) as an error bar (lo failed, hi succeeded), drawn where
 *    lo > 0 (a log axis has no 0);
 *  - unresolved: cells with no H* as open up-triangles at lo, the widest width that failed, labelled
 *    "no H* ≤ lo" when the search ended without one, or at the bracket ("searching") while it goes on;
 *  - theory: the two-layer network's width guide 2^(k−1)·|G| dashed, one per group that has a
 *    two-layer (mlp, any activation degree) cell. Source: issue 7 and DESIGN.md §1 (the width a
 *    two-layer net needs grows exponentially with k); it is a reference to compare slopes with, not
 *    a bound the search must meet.
 *
 * Every layer has a `name`, so the scenegraph (`<name>_marks`) and the SVG can be checked against
 * the store: tests compare the plotted H* with min_width and the guide with 2^(k−1)·|G|.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { SweepCellData } from './sweep-data.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const WIDTH = 560;
const HEIGHT = 340;

/** The line a cell belongs to. */
export function seriesLabel(cell: Pick<SweepCellData, 'group' | 'encoding' | 'model'>): string {
  return `${cell.group} · ${cell.encoding} · ${cell.model}`;
}

/** A two-layer model: the mlp, whatever its activation degree (`mlp`, `mlp-d2`, …). */
export function isTwoLayer(model: string): boolean {
  return model === 'mlp' || model.startsWith('mlp-');
}

/** The theory guide 2^(k−1)·|G| for the two-layer network. */
export function theoryWidth(k: number, groupOrder: number): number {
  return 2 ** (k - 1) * groupOrder;
}

const SEARCHING = new Set(['pending', 'searching']);

/**
 * `kx` is where a cell is drawn: k nudged sideways by its series' place among the series, so brackets
 * and points of different lines at the same k do not hide each other; `k` stays the cell's own.
 */
export interface MinWidthFigureData {
  points: {
    series: string;
    group: string;
    k: number;
    kx: number;
    minWidth: number;
    lo: number | null;
    hi: number | null;
  }[];
  brackets: { series: string; k: number; kx: number; lo: number; hi: number }[];
  unresolved: { series: string; k: number; kx: number; at: number; label: string }[];
  theory: { group: string; k: number; width: number; label: string }[];
}

/** The figure's data, one array per layer. */
export function minWidthFigureData(cells: readonly SweepCellData[]): MinWidthFigureData {
  const positive = (x: number | null): x is number => x !== null && Number.isFinite(x) && x > 0;
  const series = [...new Set(cells.map(seriesLabel))].sort();
  // Spread the series over at most ±0.12 of a unit of k (ks are integers, a unit apart).
  const step = series.length > 1 ? Math.min(0.06, 0.24 / (series.length - 1)) : 0;
  const place = (c: SweepCellData) => {
    const label = seriesLabel(c);
    return { series: label, k: c.k, kx: c.k + (series.indexOf(label) - (series.length - 1) / 2) * step };
  };
  const points = cells
    .filter((c) => positive(c.minWidth))
    .map((c) => ({ ...place(c), group: c.group, minWidth: c.minWidth as number, lo: c.lo, hi: c.hi }));
  const brackets = cells
    .filter((c) => positive(c.lo) && positive(c.hi))
    .map((c) => ({ ...place(c), lo: c.lo as number, hi: c.hi as number }));
  const unresolved = cells
    .filter((c) => !positive(c.minWidth))
    .flatMap((c) => {
      const searching = SEARCHING.has(c.status);
      const at = searching && positive(c.hi) ? c.hi : c.lo;
      if (!positive(at)) return [];
      // An undecided cell (a run ended in error) has no H* to report: unknown, not absent below lo.
      const label = searching
        ? 'searching'
        : c.status === 'undecided'
          ? 'undecided: run errors'
          : `no H* ≤ ${at}`;
      return [{ ...place(c), at, label }];
    });
  const theory: MinWidthFigureData['theory'] = [];
  const seen = new Set<string>();
  for (const c of cells) {
    if (!isTwoLayer(c.model) || c.groupOrder === null) continue;
    const key = JSON.stringify([c.group, c.k]);
    if (seen.has(key)) continue;
    seen.add(key);
    theory.push({
      group: c.group,
      k: c.k,
      width: theoryWidth(c.k, c.groupOrder),
      label: `2^(k−1)·|${c.group}|`,
    });
  }
  theory.sort((a, b) => a.group.localeCompare(b.group) || a.k - b.k);
  return { points, brackets, unresolved, theory };
}

export function minWidthSpec(cells: readonly SweepCellData[], sweep: string): TopLevelSpec {
  const data = minWidthFigureData(cells);
  const ks = [...new Set(cells.map((c) => c.k))].sort((a, b) => a - b);
  const kMin = ks[0] ?? 2;
  const kMax = ks.at(-1) ?? 2;
  const pad = kMin === kMax ? 0.5 : 0.25;
  const x = {
    field: 'kx',
    type: 'quantitative',
    scale: { domain: [kMin - pad, kMax + pad] as number[], nice: false, zero: false },
    axis: { values: ks, format: 'd' },
    title: 'k (sequence length)',
  } as const;
  const y = { type: 'quantitative', scale: { type: 'log' }, title: 'hidden width H' } as const;
  const series = [...new Set(cells.map(seriesLabel))].sort();
  const color = {
    field: 'series',
    type: 'nominal',
    scale: { domain: series },
    title: 'group · encoding · model',
    legend: { titleLimit: 400, labelLimit: 400 },
  } as const;
  // The last k of each guide carries its label.
  const theoryLabels = data.theory.filter((t) => !data.theory.some((u) => u.group === t.group && u.k > t.k));
  return {
    $schema: SCHEMA,
    title: {
      text: `Minimal width H* vs k: ${sweep}`,
      subtitle: [
        'bars: search bracket (lo failed, hi succeeded); dashed: 2^(k−1)·|G| for the two-layer net',
        'open triangle: no H* (none up to the widest width tried, or still searching)',
      ],
    },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        name: 'theory',
        data: { values: data.theory },
        mark: { type: 'line', strokeDash: [6, 4], color: '#888', strokeWidth: 1.2 },
        encoding: {
          x: { ...x, field: 'k' },
          y: { ...y, field: 'width' },
          detail: { field: 'group', type: 'nominal' },
        },
      },
      {
        name: 'theory_labels',
        data: { values: theoryLabels },
        mark: {
          type: 'text',
          align: 'right',
          baseline: 'bottom',
          dx: -4,
          dy: -3,
          color: '#666',
          fontSize: 10,
        },
        encoding: { x: { ...x, field: 'k' }, y: { ...y, field: 'width' }, text: { field: 'label' } },
      },
      {
        name: 'brackets',
        data: { values: data.brackets },
        mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.6 },
        encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color },
      },
      {
        name: 'widths',
        data: { values: data.points },
        mark: { type: 'line', strokeWidth: 1.8 },
        encoding: { x, y: { ...y, field: 'minWidth' }, color },
      },
      {
        name: 'width_points',
        data: { values: data.points },
        mark: { type: 'point', filled: true, size: 50 },
        encoding: { x, y: { ...y, field: 'minWidth' }, color },
      },
      {
        name: 'unresolved',
        data: { values: data.unresolved },
        mark: { type: 'point', shape: 'triangle-up', filled: false, size: 90, strokeWidth: 1.6 },
        encoding: { x, y: { ...y, field: 'at' }, color },
      },
      {
        name: 'unresolved_labels',
        data: { values: data.unresolved },
        mark: { type: 'text', align: 'left', dx: 7, fontSize: 10, color: '#444' },
        encoding: { x, y: { ...y, field: 'at' }, text: { field: 'label' } },
      },
    ],
  } as TopLevelSpec;
}
