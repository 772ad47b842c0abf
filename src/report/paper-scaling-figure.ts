/**
 * The figure of the paper's scaling sweep: per k one panel, the paper's grid as a heat map of
 * final/initial loss (blue below its 0.1 % criterion, red above), its two theory lines, and sgc's H*
 * with its search bracket drawn over it.
 */
import type { TopLevelSpec } from 'vega-lite';
import { FIGURE_CONFIG, SCHEMA } from './figure-style.js';
import {
  type ComparisonRow,
  decided,
  lowerLine,
  PAPER_GRID_STEP,
  type PaperGridRow,
  upperLine,
} from './paper-scaling.js';

const PANEL = 250;
/** The classes of final/initial loss, from the paper's criterion (≤ 0.001) up. */
const REDUCTION_CLASSES = [
  { below: 1e-3, label: 'removed ≥ 99.9 %', color: '#2166ac' },
  { below: 1e-2, label: 'removed 99–99.9 %', color: '#fdd49e' },
  { below: 1e-1, label: 'removed 90–99 %', color: '#f4a261' },
  { below: Number.POSITIVE_INFINITY, label: 'removed < 90 %', color: '#b2182b' },
] as const;

function reductionClass(ratio: number): string {
  return REDUCTION_CLASSES.find((c) => ratio <= c.below)!.label;
}
const SGC_COLOR = '#111';
/** A re-trained width that passed: yellow stands out on the blue, orange and red of the grid. */
export const CHECK_PASSED_COLOR = '#ffd92f';
const LINE_COLOR = '#000';

export function paperScalingSpec(
  grid: readonly PaperGridRow[],
  rows: readonly ComparisonRow[],
): TopLevelSpec {
  const ks = [...new Set(grid.map((r) => r.k))].sort((a, b) => a - b);
  const ps = [...new Set(grid.map((r) => r.p))].sort((a, b) => a - b);
  const hs = [...new Set(grid.map((r) => r.h))].sort((a, b) => a - b);
  const xDomain = [ps[0] - 0.5, ps[ps.length - 1] + 0.5];
  // From 0: sgc's H* can lie below the grid's first width.
  const yDomain = [0, hs[hs.length - 1] + PAPER_GRID_STEP / 2];
  const x = {
    type: 'quantitative',
    scale: { domain: xDomain, nice: false, zero: false },
    axis: { values: ps.filter((p) => p % 2 === 0), format: 'd' },
    title: 'group order p (C_p)',
  } as const;
  const y = {
    type: 'quantitative',
    scale: { domain: yDomain, nice: false, zero: false },
    axis: { values: hs.filter((_, i) => i % 2 === 0), format: 'd' },
    title: 'hidden width H',
  } as const;
  // Four classes rather than a gradient: what matters is which side of the criterion a run ended on.
  const color = {
    field: 'reduction',
    type: 'ordinal',
    scale: { domain: REDUCTION_CLASSES.map((c) => c.label), range: REDUCTION_CLASSES.map((c) => c.color) },
    title: "paper's run",
    legend: { orient: 'right', labelLimit: 200, titleLimit: 220 },
  } as const;
  const panel = (k: number) => {
    const cells = grid
      .filter((r) => r.k === k)
      .map((r) => ({
        p0: r.p - 0.5,
        p1: r.p + 0.5,
        h0: r.h - PAPER_GRID_STEP / 2,
        h1: r.h + PAPER_GRID_STEP / 2,
        reduction: reductionClass(r.finalLoss / r.initialLoss),
      }));
    // The theory lines as steps over p, clipped to the grid's top.
    const lines = ps.flatMap((p) => [
      { line: 'lower', p: p - 0.5, width: Math.min(lowerLine(k, p), yDomain[1]) },
      { line: 'lower', p: p + 0.5, width: Math.min(lowerLine(k, p), yDomain[1]) },
      { line: 'upper', p: p - 0.5, width: Math.min(upperLine(k, p), yDomain[1]) },
      { line: 'upper', p: p + 0.5, width: Math.min(upperLine(k, p), yDomain[1]) },
    ]);
    const found = rows
      .filter((r) => r.k === k && r.sgc && decided(r.sgc) && r.sgc.h !== undefined && r.sgc.h <= yDomain[1])
      .map((r) => ({
        p: r.p,
        h: r.sgc!.h!,
        lo: r.sgc!.lo ?? yDomain[0],
        cap: r.shortCap ? 'short' : 'spec',
      }));
    const none = rows
      .filter((r) => r.k === k && r.sgc && decided(r.sgc) && (r.sgc.h === undefined || r.sgc.h > yDomain[1]))
      .map((r) => ({ p: r.p, h: yDomain[1] - 6 }));
    // A check passes as the search's trials do: at least 2 of its 3 seeds.
    const checks = rows
      .filter((r) => r.k === k)
      .flatMap((r) => r.checks)
      .map((c) => ({ p: c.p, h: c.h, passed: c.passed >= 2 ? 'yes' : 'no' }));
    /** Points at (p, h) outlined in sgc's colour and filled by `field`'s value (`fills`: value → colour). */
    const outlinedPoints = (
      name: string,
      values: readonly object[],
      mark: { shape: string; size: number; strokeWidth: number },
      field: string,
      fills: Record<string, string>,
    ) => ({
      name,
      data: { values },
      mark: { type: 'point', ...mark, filled: true, stroke: SGC_COLOR, opacity: 1 },
      encoding: {
        x: { ...x, field: 'p' },
        y: { ...y, field: 'h' },
        fill: {
          field,
          type: 'nominal',
          scale: { domain: Object.keys(fills), range: Object.values(fills) },
          legend: null,
        },
      },
    });
    return {
      title: { text: `k = ${k}`, fontSize: 14 },
      width: PANEL,
      height: PANEL,
      // The diamonds' fill (cap) and the circles' fill (passed) are two scales, not one merged.
      resolve: { scale: { fill: 'independent' } },
      layer: [
        {
          name: `grid_k${k}`,
          data: { values: cells },
          mark: { type: 'rect', stroke: 'white', strokeWidth: 0.3 },
          encoding: {
            x: { ...x, field: 'p0' },
            x2: { field: 'p1' },
            y: { ...y, field: 'h0' },
            y2: { field: 'h1' },
            color,
          },
        },
        {
          name: `theory_k${k}`,
          data: { values: lines },
          mark: { type: 'line', color: LINE_COLOR, strokeWidth: 1.6, clip: true },
          encoding: {
            x: { ...x, field: 'p' },
            y: { ...y, field: 'width' },
            strokeDash: {
              field: 'line',
              type: 'nominal',
              scale: {
                domain: ['lower', 'upper'],
                range: [
                  [6, 3],
                  [2, 2],
                ],
              },
              legend: null,
            },
            detail: { field: 'line', type: 'nominal' },
          },
        },
        {
          name: `bracket_k${k}`,
          data: { values: found },
          mark: { type: 'rule', color: SGC_COLOR, strokeWidth: 1.5 },
          encoding: { x: { ...x, field: 'p' }, y: { ...y, field: 'lo' }, y2: { field: 'h' } },
        },
        // White where the H* was found with a shorter step cap than the spec now gives that k.
        outlinedPoints(`sgc_k${k}`, found, { shape: 'diamond', size: 70, strokeWidth: 1.2 }, 'cap', {
          spec: SGC_COLOR,
          short: 'white',
        }),
        outlinedPoints(`check_k${k}`, checks, { shape: 'circle', size: 80, strokeWidth: 1.5 }, 'passed', {
          yes: CHECK_PASSED_COLOR,
          no: 'white',
        }),
        {
          name: `none_k${k}`,
          data: { values: none },
          mark: {
            type: 'point',
            shape: 'triangle-up',
            filled: true,
            color: 'white',
            stroke: SGC_COLOR,
            strokeWidth: 1.5,
            size: 70,
            opacity: 1,
          },
          encoding: { x: { ...x, field: 'p' }, y: { ...y, field: 'h' } },
        },
      ],
    };
  };
  return {
    $schema: SCHEMA,
    config: { ...FIGURE_CONFIG, view: { stroke: '#999' } },
    title: {
      text: "The paper's one-hot scaling grid, with sgc's minimal width H* drawn over it",
      subtitle: [
        'colour: how much of its training loss the paper’s run at (p, H) removed (one seed); blue: its 99.9 % criterion',
        'black diamond: sgc H* (2 of 3 seeds reach 99.9 %), bar down to the widest width that failed; open triangle: no H* ≤ 378',
        'white diamond: that H* was found with a shorter step cap than the spec gives its k',
        'yellow circle: sgc re-trained that width with a longer step cap and 2 of 3 seeds reached 99.9 % (white: they did not)',
        'dashed: 2^(k−1)·p; dotted: (k+1)·2^(k−1)·p (the paper’s lower and upper lines), cut at the grid’s top',
      ],
    },
    hconcat: ks.map(panel),
    resolve: { scale: { color: 'shared' } },
  } as unknown as TopLevelSpec;
}
