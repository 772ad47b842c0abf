/**
 * How the minimal width grows with k: one series per (sweep, group, encoding, model), its H* at
 * each k, and a geometric fit, compared with the two-layer guide 2^(k−1)·|G| (pure: no I/O).
 *
 * The fit is least squares on ln H* against k:
 *     ln H*(k) ≈ a + b·k,   ratio = e^b
 *     b = Σ (k_i − k̄)(ln H_i − m̄) / Σ (k_i − k̄)²,   m̄ = mean ln H_i
 * so `ratio` is the factor H* grows by per step of k: 2 for the guide 2^(k−1)·|G|, 1 for a width that
 * does not grow. It needs H* at two or more values of k; cells without an H* are left out of the fit
 * and shown as "–" when their search found no width up to its maximum, "…" when it was stopped first.
 *
 * `overGuide` is the geometric mean of H*(k) / (2^(k−1)·|G|) over the fitted points: the measured
 * width as a multiple of the guide's.
 */

import { theoryWidth } from '../sweep/guess.js';

/** One cell's row of the `min_width_by_k` view, as the export writes it. */
export interface MinWidthRow {
  sweep: string;
  group: string;
  encoding: string;
  model: string;
  k: number;
  minWidth: number | null;
  /** The cell's search ended (`done`), or was stopped before it could decide. */
  finished: boolean;
}

export interface GrowthSeries {
  sweep: string;
  group: string;
  encoding: string;
  model: string;
  /** H* by k, in increasing k; null where the cell has no H*. */
  widths: { k: number; minWidth: number | null; finished: boolean }[];
  /** e^b of the fit, or null with fewer than two H*. */
  ratio: number | null;
  /** Geometric mean of H* / (2^(k−1)·|G|), or null without an H*. */
  overGuide: number | null;
}

/** e^b of the least-squares line through (k, ln H); null with fewer than two distinct k. */
export function geometricRatio(points: readonly { k: number; width: number }[]): number | null {
  if (new Set(points.map((p) => p.k)).size < 2) return null;
  const kMean = points.reduce((s, p) => s + p.k, 0) / points.length;
  const lnMean = points.reduce((s, p) => s + Math.log(p.width), 0) / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.k - kMean) * (Math.log(p.width) - lnMean);
    den += (p.k - kMean) ** 2;
  }
  return Math.exp(num / den);
}

function seriesKey(row: MinWidthRow): string {
  return JSON.stringify([row.sweep, row.group, row.encoding, row.model]);
}

/**
 * The series of `rows`, in the order their first rows come. `groupOrder` gives |G| for the guide.
 */
export function growthSeries(
  rows: readonly MinWidthRow[],
  groupOrder: (group: string) => number,
): GrowthSeries[] {
  const bySeries = new Map<string, MinWidthRow[]>();
  for (const row of rows) {
    const key = seriesKey(row);
    bySeries.set(key, [...(bySeries.get(key) ?? []), row]);
  }
  return [...bySeries.values()].map((cells) => {
    const { sweep, group, encoding, model } = cells[0];
    const widths = cells
      .map((c) => ({ k: c.k, minWidth: c.minWidth, finished: c.finished }))
      .sort((a, b) => a.k - b.k);
    const points = widths.flatMap((w) => (w.minWidth === null ? [] : [{ k: w.k, width: w.minWidth }]));
    const order = groupOrder(group);
    const overGuide = points.length
      ? Math.exp(points.reduce((s, p) => s + Math.log(p.width / theoryWidth(p.k, order)), 0) / points.length)
      : null;
    return { sweep, group, encoding, model, widths, ratio: geometricRatio(points), overGuide };
  });
}

/** A number as the table prints it: two significant decimals, or "–" for none. */
export function formatFactor(x: number | null): string {
  return x === null ? '–' : x.toFixed(2);
}

/**
 * The README's table, one row per series (sweep, model, group, encoding): H* at each k of `ks`, the
 * fitted ratio per step of k and H* as a multiple of 2^(k−1)·|G|. Markdown, so the README and the test read the same text.
 */
export function growthTable(series: readonly GrowthSeries[], ks: readonly number[]): string {
  const header = [
    'sweep',
    'model',
    'group',
    'encoding',
    ...ks.map((k) => `H* k=${k}`),
    'ratio per k',
    'H* / 2^(k−1)·|G|',
  ];
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i < 4 ? '---' : '---:')).join('|')}|`,
  ];
  for (const s of series) {
    const byK = new Map(s.widths.map((w) => [w.k, w]));
    const cells = ks.map((k) => {
      const w = byK.get(k);
      if (!w) return '';
      if (w.minWidth !== null) return String(w.minWidth);
      return w.finished ? '–' : '…';
    });
    lines.push(
      `| ${[s.sweep, s.model, s.group, s.encoding, ...cells, formatFactor(s.ratio), formatFactor(s.overGuide)].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
