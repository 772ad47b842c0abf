/**
 * The sweep figure: minimal width H* against k, one line per (group, encoding, model), as a
 * Vega-Lite spec built from the cells' plain data (pure: no I/O, no rendering).
 *
 *  - width_points / widths: H* of each cell that has one, on a log y axis (widths grow like 2^k);
 *  - brackets: the search's bracket (lo, hi) as an error bar (lo failed, hi succeeded), drawn where
 *    lo > 0 (a log axis has no 0);
 *  - unresolved: cells with no H* as open up-triangles at lo, the widest width that failed, labelled
 *    "no H* ≤ lo" when the search ended without one, or at the bracket ("searching") while it goes on;
 *  - theory: the two-layer network's width guide 2^(k−1)·|G|, dotted grey, one per distinct |G|
 *    (groups of the same order share it and its label) among the groups with two-layer (mlp, any
 *    activation degree) cells at two or more ks. Source: issue 7 and DESIGN.md §1 (the width a
 *    two-layer net needs grows exponentially with k); it is a reference to compare slopes with, not
 *    a bound the search must meet;
 *  - colour per group (per encoding · model when there is one group), marker and dash per
 *    encoding · model; labels are placed in pixels clear of each other (minWidthLayout).
 *
 * Every layer has a `name`, so the scenegraph (`<name>_marks`) and the SVG can be checked against
 * the store: tests compare the plotted H* with min_width and the guide with 2^(k−1)·|G|.
 */
import type { TopLevelSpec } from 'vega-lite';
import { theoryWidth } from '../sweep/guess.js';
import { FIGURE_CONFIG, SCHEMA } from './figure-style.js';
import { type LabelRequest, placeLabels, pointBox, textWidth, verticalCandidates } from './label-layout.js';
import type { SweepCellData } from './sweep-data.js';

/** The line a cell belongs to. */
export function seriesLabel(cell: Pick<SweepCellData, 'group' | 'encoding' | 'model'>): string {
  return `${cell.group} · ${cell.encoding} · ${cell.model}`;
}

/** A two-layer model: the mlp, whatever its activation degree (`mlp`, `mlp-d2`, …). */
export function isTwoLayer(model: string): boolean {
  return model === 'mlp' || model.startsWith('mlp-');
}

const SEARCHING = new Set(['pending', 'searching']);

/** What tells the lines of one group apart: the encoding and the model. */
export function variantLabel(cell: Pick<SweepCellData, 'encoding' | 'model'>): string {
  return `${cell.encoding} · ${cell.model}`;
}

/**
 * `kx` is where a cell is drawn: k nudged sideways by its series' place among the series, so brackets
 * and points of different lines at the same k do not hide each other; `k` stays the cell's own.
 */
interface Placed {
  series: string;
  group: string;
  variant: string;
  k: number;
  kx: number;
}

export interface MinWidthFigureData {
  points: (Placed & { minWidth: number; lo: number | null; hi: number | null })[];
  brackets: (Placed & { lo: number; hi: number })[];
  unresolved: (Placed & { at: number; label: string })[];
  /** One guide per distinct |G| (groups of the same order share it), at each k a two-layer cell has. */
  theory: { order: number; groups: string; k: number; width: number; label: string }[];
}

/** The most a series is nudged away from its k. */
const MAX_NUDGE = 0.2;

/** The figure's data, one array per layer. */
export function minWidthFigureData(cells: readonly SweepCellData[]): MinWidthFigureData {
  const positive = (x: number | null): x is number => x !== null && Number.isFinite(x) && x > 0;
  const series = [...new Set(cells.map(seriesLabel))].sort();
  // Spread the series over at most ±MAX_NUDGE of a unit of k (ks are integers, a unit apart).
  const step = series.length > 1 ? Math.min(0.08, (2 * MAX_NUDGE) / (series.length - 1)) : 0;
  const place = (c: SweepCellData): Placed => {
    const label = seriesLabel(c);
    return {
      series: label,
      group: c.group,
      variant: variantLabel(c),
      k: c.k,
      kx: c.k + (series.indexOf(label) - (series.length - 1) / 2) * step,
    };
  };
  const points = cells
    .filter((c) => positive(c.minWidth))
    .map((c) => ({ ...place(c), minWidth: c.minWidth as number, lo: c.lo, hi: c.hi }));
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
  // Groups of the same order have the same guide: one line, labelled with all of them.
  const byOrder = new Map<number, { groups: Set<string>; ks: Set<number> }>();
  for (const c of cells) {
    if (!isTwoLayer(c.model) || c.groupOrder === null) continue;
    const entry = byOrder.get(c.groupOrder) ?? { groups: new Set(), ks: new Set() };
    entry.groups.add(c.group);
    entry.ks.add(c.k);
    byOrder.set(c.groupOrder, entry);
  }
  // A guide is a slope to compare with: a single k has none, so it gets no guide.
  const theory = [...byOrder]
    .filter(([, { ks }]) => ks.size > 1)
    .sort(([a], [b]) => a - b)
    .flatMap(([order, { groups, ks }]) => {
      const names = [...groups].sort().join(', ');
      return [...ks]
        .sort((a, b) => a - b)
        .map((k) => ({
          order,
          groups: names,
          k,
          width: theoryWidth(k, order),
          label: `2^(k−1)·${order}: ${names}`,
        }));
    });
  return { points, brackets, unresolved, theory };
}

const WIDTH = 640;
const HEIGHT = 380;
const LABEL_FONT = 11;
/** Marker shapes per encoding · model; triangle-up is kept for the cells without an H*. */
const SHAPES = [
  'circle',
  'square',
  'diamond',
  'triangle-down',
  'cross',
  'triangle-right',
  'triangle-left',
  'wedge',
];
/** Line dashes per encoding · model (the guides are dotted grey, unlike all of these). */
const DASHES = [
  [1, 0],
  [7, 3],
  [3, 2],
  [10, 3, 2, 3],
  [12, 5],
  [5, 2, 1, 2],
];
const GUIDE_COLOR = '#8c8c8c';

/** The y domain: whole decades around every width drawn (log scale, so Vega draws it as given). */
function widthDomain(data: MinWidthFigureData): [number, number] {
  const values = [
    ...data.points.map((p) => p.minWidth),
    ...data.brackets.flatMap((b) => [b.lo, b.hi]),
    ...data.unresolved.map((u) => u.at),
    ...data.theory.map((t) => t.width),
  ].filter((v) => v > 0);
  if (values.length === 0) return [1, 10];
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  let hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  if (hi <= lo) hi = lo * 10;
  return [lo, hi];
}

/** The unresolved cells' labels, one per (k, width, text), with the extent of their triangles. */
function sharedLabels(unresolved: MinWidthFigureData['unresolved']) {
  const byKey = new Map<string, { label: string; at: number; kxMin: number; kxMax: number }>();
  for (const u of unresolved) {
    const key = JSON.stringify([u.k, u.at, u.label]);
    const entry = byKey.get(key);
    if (!entry) byKey.set(key, { label: u.label, at: u.at, kxMin: u.kx, kxMax: u.kx });
    else Object.assign(entry, { kxMin: Math.min(entry.kxMin, u.kx), kxMax: Math.max(entry.kxMax, u.kx) });
  }
  return [...byKey.values()];
}

/**
 * Where each label goes, in pixels: the guides' labels in a column right of the last k (the x domain
 * is widened to make room for it), each beside its guide's end and moved up or down until it clears
 * the others; then the labels of the cells without an H*, beside their triangles, clear of the points,
 * the triangles and the labels placed before.
 */
export function minWidthLayout(data: MinWidthFigureData, ks: readonly number[]) {
  const kMin = ks[0] ?? 2;
  const kMax = ks.at(-1) ?? 2;
  const pad = kMin === kMax ? 0.5 : 0.25;
  const guideLabels = [...new Map(data.theory.map((t) => [t.order, t])).values()].map(
    (t) => data.theory.filter((u) => u.order === t.order).at(-1)!,
  );
  // Room right of the last k for the guide labels: solve (R − a)·WIDTH/(R − L) = column for R.
  const column = Math.max(0, ...guideLabels.map((t) => textWidth(t.label, LABEL_FONT) + 16));
  const left = kMin - pad;
  const a = kMax + MAX_NUDGE;
  const right = Math.max(kMax + pad, (a - (column * left) / WIDTH) / (1 - column / WIDTH));
  const [yLo, yHi] = widthDomain(data);
  const px = (k: number) => (WIDTH * (k - left)) / (right - left);
  const py = (w: number) => HEIGHT * (1 - (Math.log(w) - Math.log(yLo)) / (Math.log(yHi) - Math.log(yLo)));
  const bounds = { left: 0, top: 0, right: WIDTH, bottom: HEIGHT };
  const obstacles = [
    ...data.points.map((p) => pointBox(px(p.kx), py(p.minWidth), 10)),
    ...data.unresolved.map((u) => pointBox(px(u.kx), py(u.at), 12)),
  ];
  const lineHeight = LABEL_FONT * 1.25;
  const requests: LabelRequest[] = [
    ...[...guideLabels]
      .sort((p, q) => q.width - p.width)
      .map((t) => ({
        text: t.label,
        x: px(a) + 8,
        y: py(t.width),
        fontSize: LABEL_FONT,
        candidates: verticalCandidates('left', 0, lineHeight / 2, 40),
      })),
    // Triangles side by side at one k and width with the same label share it: one label beside the
    // row of them, so it cannot seem to belong to one series only.
    ...sharedLabels(data.unresolved).map((u) => {
      const right = px(u.kxMax);
      const span = right - px(u.kxMin);
      const middle = -span / 2;
      return {
        text: u.label,
        x: right,
        y: py(u.at),
        fontSize: LABEL_FONT,
        candidates: [
          // Beside the triangles (each box is 12 px wide), above or below them, then further out.
          { dx: 11, dy: 0, align: 'left' as const },
          { dx: -span - 11, dy: 0, align: 'right' as const },
          { dx: middle, dy: -16, align: 'center' as const },
          { dx: middle, dy: 16, align: 'center' as const },
          ...verticalCandidates('left', 11, lineHeight, 12).slice(1),
          ...verticalCandidates('right', -span - 11, lineHeight, 12).slice(1),
        ],
      };
    }),
  ];
  // Drawn left-aligned at the box's left edge: Vega-Lite has no align channel.
  const labels = placeLabels(requests, obstacles, bounds).map((l, i) => ({
    text: l.text,
    x: l.box.left,
    y: l.y,
    kind: i < guideLabels.length ? 'guide' : 'unresolved',
  }));
  return { xDomain: [left, right] as [number, number], yDomain: [yLo, yHi] as [number, number], labels };
}

export function minWidthSpec(cells: readonly SweepCellData[], sweep: string): TopLevelSpec {
  const data = minWidthFigureData(cells);
  const ks = [...new Set(cells.map((c) => c.k))].sort((a, b) => a - b);
  const layout = minWidthLayout(data, ks);
  const x = {
    field: 'kx',
    type: 'quantitative',
    scale: { domain: layout.xDomain, nice: false, zero: false },
    axis: { values: ks, format: 'd', grid: true },
    title: 'k (sequence length)',
  } as const;
  const y = {
    type: 'quantitative',
    scale: { type: 'log', domain: layout.yDomain, nice: false },
    title: 'hidden width H',
  } as const;
  const groups = [...new Set(cells.map((c) => c.group))].sort();
  const variants = [...new Set(cells.map(variantLabel))].sort();
  const variantTitle = 'encoding · model';
  // Colour tells the groups apart; with one group, it joins marker and dash on encoding · model.
  const byGroup = groups.length > 1;
  const colours = byGroup ? groups : variants;
  const color = {
    field: byGroup ? 'group' : 'variant',
    type: 'nominal',
    scale: { domain: colours, scheme: colours.length <= 10 ? 'tableau10' : 'category20' },
    title: byGroup ? 'group' : variantTitle,
    ...(byGroup ? {} : { legend: { labelLimit: 400 } }),
  } as const;
  const shape = {
    field: 'variant',
    type: 'nominal',
    scale: { domain: variants, range: variants.map((_, i) => SHAPES[i % SHAPES.length]) },
    title: variantTitle,
    legend: { labelLimit: 400, symbolStrokeWidth: 1.5 },
  } as const;
  const strokeDash = {
    field: 'variant',
    type: 'nominal',
    scale: { domain: variants, range: variants.map((_, i) => DASHES[i % DASHES.length]) },
    title: variantTitle,
    legend: { labelLimit: 400, symbolStrokeWidth: 1.5 },
  } as const;
  const pixel = (field: string) => ({ field, type: 'quantitative', scale: null }) as const;
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title: {
      text: `Minimal width H* vs k: ${sweep}`,
      subtitle: [
        `${groups.length > 1 ? 'colour: group; marker' : 'colour, marker'} and dash: encoding · model`,
        'bars: search bracket (lo failed, hi succeeded); dotted grey: 2^(k−1)·|G| (two-layer net)',
        'open triangle: no H* (none up to the widest width tried, or still searching)',
      ],
    },
    width: WIDTH,
    height: HEIGHT,
    resolve: { legend: { shape: 'shared', strokeDash: 'shared' } },
    layer: [
      {
        name: 'theory',
        data: { values: data.theory },
        mark: { type: 'line', strokeDash: [2, 3], color: GUIDE_COLOR, strokeWidth: 1.4 },
        encoding: {
          x: { ...x, field: 'k' },
          y: { ...y, field: 'width' },
          detail: { field: 'order', type: 'nominal' },
        },
      },
      {
        name: 'theory_labels',
        data: { values: layout.labels.filter((l) => l.kind === 'guide') },
        mark: { type: 'text', align: 'left', baseline: 'middle', color: '#555', fontSize: LABEL_FONT },
        encoding: { x: pixel('x'), y: pixel('y'), text: { field: 'text' } },
      },
      {
        name: 'brackets',
        data: { values: data.brackets },
        mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.55 },
        encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color },
      },
      {
        name: 'widths',
        data: { values: data.points },
        mark: { type: 'line', strokeWidth: 1.8 },
        encoding: { x, y: { ...y, field: 'minWidth' }, color, strokeDash },
      },
      {
        name: 'width_points',
        data: { values: data.points },
        mark: { type: 'point', filled: true, size: 55, opacity: 0.95 },
        encoding: { x, y: { ...y, field: 'minWidth' }, color, shape },
      },
      {
        name: 'unresolved',
        data: { values: data.unresolved },
        mark: { type: 'point', shape: 'triangle-up', filled: false, size: 90, strokeWidth: 1.6 },
        encoding: { x, y: { ...y, field: 'at' }, color },
      },
      {
        name: 'unresolved_labels',
        data: { values: layout.labels.filter((l) => l.kind === 'unresolved') },
        mark: { type: 'text', align: 'left', baseline: 'middle', fontSize: LABEL_FONT, color: '#444' },
        encoding: { x: pixel('x'), y: pixel('y'), text: { field: 'text' } },
      },
    ],
  } as TopLevelSpec;
}
