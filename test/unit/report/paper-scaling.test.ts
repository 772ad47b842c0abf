/**
 * The paper's scaling sweep beside sgc's (docs/results/paper-scaling/, `npm run paper-scaling`):
 * the pieces on inputs built here, then the committed CSVs, the figure and the README table agree.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadSweepSpecFile } from '../../../src/cli/sweepSpecFile.js';
import { packageRoot } from '../../../src/codeLocation.js';
import {
  boundaryCsv,
  buildComparison,
  CHECKS_CSV_HEADER,
  checkText,
  comparisonCsv,
  comparisonRows,
  comparisonTable,
  curveSteps,
  disputedWidth,
  estimateCell,
  neighbourGuess,
  type PaperGridRow,
  paperBoundaries,
  readChecksCsv,
  readGridCsv,
  readRunsCsv,
  readSgcCellsCsv,
  stepSeconds,
  withinOneStep,
} from '../../../src/report/paper-scaling.js';
import { CHECK_PASSED_COLOR, paperScalingSpec } from '../../../src/report/paper-scaling-figure.js';
import { findMarks, renderFigure } from '../../../src/report/render.js';
import { betweenMarkers } from '../../../src/report/results-tables.js';
import { stepsAt } from '../../../src/sweep/spec.js';
import type { WidthPlan } from '../../../src/sweep/widthSearch.js';

const root = packageRoot;
const folder = join(root, 'docs', 'results', 'paper-scaling');
const read = (file: string) => readFileSync(join(folder, file), 'utf8');

/** A loss curve of `length` steps (a plateau for its first fifth, then falling), kept at 1,000 points as the paper's file keeps it. */
function keptCurve(length: number): number[] {
  const loss = Array.from({ length }, (_, t) =>
    t < length / 5 ? 0.25 : 0.25 * Math.exp(-(t - length / 5) / 50) * (1 + 0.01 * Math.sin(t)),
  );
  return Array.from({ length: 1000 }, (_, j) => loss[Math.floor((j * (length - 1)) / 999)]);
}

test('curveSteps reads a run length under 1,000 steps off the kept points, and declines longer ones', () => {
  for (const length of [120, 400, 830]) {
    const steps = curveSteps(keptCurve(length));
    assert.ok(steps !== undefined && Math.abs(steps - length) <= 0.03 * length, `${length}: ${steps}`);
  }
  assert.equal(curveSteps(keptCurve(5000)), undefined);
  assert.equal(curveSteps(new Array(1000).fill(0.25)), undefined, 'a run that never left its plateau');
});

test('paperBoundaries: the smallest width that reached 99.9 %, none, and a wider width failing again', () => {
  const row = (p: number, h: number, reached: boolean): PaperGridRow => ({
    k: 3,
    p,
    h,
    initialLoss: 1,
    finalLoss: reached ? 1e-4 : 0.5,
    reached,
  });
  const grid = [
    row(2, 36, true),
    row(2, 18, false),
    row(2, 54, true),
    row(3, 18, false),
    row(3, 36, false),
    row(4, 18, false),
    row(4, 36, true),
    row(4, 54, false),
  ];
  assert.deepEqual(paperBoundaries(grid), [
    { k: 3, p: 2, h: 36, nonMonotone: false },
    { k: 3, p: 3, nonMonotone: false },
    { k: 3, p: 4, h: 36, nonMonotone: true },
  ]);
});

test('withinOneStep: one grid step of 18 either way; none ≤ 378 matches no H*, or one above 360', () => {
  const cell = (h?: number) => ({ k: 2, p: 5, runs: 4, trainingS: 1, status: 'done', ...(h ? { h } : {}) });
  assert.equal(withinOneStep(36, cell(19)), true);
  assert.equal(withinOneStep(36, cell(17)), false);
  assert.equal(withinOneStep(36, cell(54)), true);
  assert.equal(withinOneStep(36, cell()), false);
  assert.equal(withinOneStep(undefined, cell()), true);
  assert.equal(withinOneStep(undefined, cell(400)), true);
  assert.equal(withinOneStep(undefined, cell(300)), false);
  assert.equal(withinOneStep(36, { ...cell(40), status: 'searching' }), undefined);
});

test('estimateCell drives the width search: a cell where nothing passes gallops to max, two failing runs a width', () => {
  const plan: WidthPlan = {
    mode: 'search',
    start: 4,
    max: 1536,
    perOctave: 8,
    recheck: false,
    seeds: 3,
    succeed: 2,
  };
  const cost = { a: 1e-3, b: 1e-9 };
  const budget = { steps: 20_000, successSteps: 1000 };
  const none = estimateCell(plan, { k: 3, p: 5 }, cost, budget);
  const widths = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 1536];
  assert.equal(none.runs, 2 * widths.length);
  const seconds = widths.reduce((s, h) => s + 2 * 20_000 * stepSeconds(cost, 3, 5, h), 0);
  assert.ok(Math.abs(none.seconds - seconds) < 1e-9 * seconds);
  // A boundary at 20: gallop 4, 8, 16 (fail), 32 (pass), then bisection between 16 and 32.
  const found = estimateCell(plan, { k: 3, p: 5, threshold: 20 }, cost, budget);
  assert.ok(found.runs > 8 && found.runs % 2 === 0, String(found.runs));
  assert.ok(found.seconds < none.seconds);
});

test('neighbourGuess: the growth per k measured at p′ (else 2) times H*(p, k−1), and H*(p′, k)·p/p′, their geometric mean', () => {
  const known = new Map([
    ['2,5', 9],
    ['2,7', 13],
    ['3,2', 9],
    ['3,4', 12],
  ]);
  assert.equal(neighbourGuess(2, 2, known, 4), null);
  // Only k − 1: 2·9.
  assert.deepEqual(neighbourGuess(3, 5, new Map([['2,5', 9]]), 4), { guess: 18, from: '2·H*(k 2) = 2·9' });
  // Only a smaller p at k, the largest one: 12·6/4 (not 9·6/2).
  assert.deepEqual(neighbourGuess(3, 6, known, 4), { guess: 18, from: 'H*(C4)·6/4 = 12·6/4' });
  // Both: √(2·13 · 12·7/4) = √546 ≈ 23.4.
  const both = neighbourGuess(3, 7, known, 4);
  assert.equal(both?.guess, 23);
  assert.match(both?.from ?? '', /^geometric mean of 2·H\*\(k 2\) = 2·13, H\*\(C4\)·7\/4 = 12·7\/4$/);
  // A larger p or another k is no neighbour.
  assert.equal(neighbourGuess(4, 3, known, 4), null);
  // C4 searched at k = 2 and 3: the growth 12/5 measured there, not 2: √(13·12/5 · 12·7/4) ≈ 25.6.
  const measured = neighbourGuess(3, 7, new Map([...known, ['2,4', 5]]), 4);
  assert.equal(measured?.guess, 26);
  assert.match(
    measured?.from ?? '',
    /^geometric mean of H\*\(k 2\)·H\*\(C4, k 3\)\/H\*\(C4, k 2\) = 13·12\/5, /,
  );
  // Measured at the largest such p′ (C4, not C2: growth 9/6).
  const largest = neighbourGuess(3, 7, new Map([...known, ['2,4', 5], ['2,2', 6]]), 4);
  assert.equal(largest?.guess, 26);
  // H* at the search's start (4) is censored, used neither as a growth nor linearly in p.
  assert.deepEqual(
    neighbourGuess(
      4,
      3,
      new Map([
        ['4,2', 4],
        ['3,2', 9],
        ['3,3', 6],
      ]),
      4,
    ),
    { guess: 12, from: '2·H*(k 3) = 2·6' },
  );
});

test("disputedWidth: the paper's boundary where sgc needs more, the paper's grid width at or above H* where it needs less", () => {
  const cell = (h: number | undefined, status = 'done') => ({
    k: 4,
    p: 4,
    ...(h ? { h } : {}),
    runs: 8,
    trainingS: 1,
    status,
  });
  assert.equal(disputedWidth(54, cell(60)), undefined, 'within one grid step');
  assert.equal(disputedWidth(54, cell(235, 'running')), undefined, 'not decided');
  assert.equal(disputedWidth(54, cell(235)), 54);
  assert.equal(disputedWidth(54, cell(undefined)), 54, 'sgc found none up to its max');
  assert.equal(disputedWidth(108, cell(60)), 72, 'the paper failed at 72, sgc passed at 60');
  assert.equal(disputedWidth(108, cell(72)), 72);
  assert.equal(disputedWidth(undefined, cell(200)), 216, 'the paper found none up to 378');
  assert.equal(disputedWidth(undefined, cell(undefined)), undefined, 'neither found one');
});

test('checks.csv: one check per (k, p, H, cap), its passes and their steps', () => {
  const checks = readChecksCsv(
    [
      CHECKS_CSV_HEADER,
      '4,4,54,200000,0,succeeded,61000,120.5',
      '4,4,54,200000,1,failed,200000,300',
      '4,4,54,200000,2,succeeded,41200,80',
      '4,5,108,200000,0,failed,200000,400',
    ].join('\r\n'),
  );
  assert.deepEqual(checks, [
    { k: 4, p: 4, h: 54, cap: 200000, seeds: 3, passed: 2, passSteps: [41200, 61000] },
    { k: 4, p: 5, h: 108, cap: 200000, seeds: 1, passed: 0, passSteps: [] },
  ]);
  assert.equal(checkText(checks[0]), 'H 54: 2 of 3 within 200,000 steps (41,200–61,000)');
  assert.equal(checkText(checks[1]), 'H 108: 0 of 1 within 200,000 steps');
});

describe('docs/results/paper-scaling', () => {
  const { spec } = loadSweepSpecFile(join(root, 'examples', 'paper-onehot-scaling.yaml'));
  const csv = {
    grid: read('paper_grid.csv'),
    boundary: read('paper_boundary.csv'),
    sgcCells: read('sgc_cells.csv'),
    runs: read('runs.csv'),
    ...(existsSync(join(folder, 'checks.csv')) ? { checks: read('checks.csv') } : {}),
  };
  const comparison = buildComparison(spec as Parameters<typeof buildComparison>[0], csv);

  test("the paper's grid: 4 k × 21 p × 21 H, its templates of amplitude 1 (initial loss (p − 1)/p²), and its boundaries", () => {
    const grid = readGridCsv(csv.grid);
    assert.equal(grid.length, 4 * 21 * 21);
    for (const r of grid) {
      const expected = (r.p - 1) / r.p ** 2;
      assert.ok(Math.abs(r.initialLoss - expected) < 1e-5 * expected, `k=${r.k} p=${r.p} H=${r.h}`);
      assert.equal(r.reached, r.finalLoss <= 1e-3 * r.initialLoss);
    }
    assert.equal(csv.boundary, boundaryCsv(paperBoundaries(grid)));
    assert.deepEqual(spec.encodings, [{ kind: 'onehot', index: 0, amplitude: 1 }]);
  });

  test('comparison.csv and the README table are what the committed CSVs give', () => {
    assert.equal(read('comparison.csv'), comparisonCsv(comparison.rows));
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    assert.equal(
      betweenMarkers(readme, 'paper-scaling'),
      comparisonTable(comparison.rows, (spec.width as { max: number }).max),
    );
    assert.equal(comparison.rows.length, spec.groups.length * spec.k.length);
    assert.ok(
      comparison.rows.some((r) => r.sgc),
      'no cell has run',
    );
  });

  test("each cell's step cap is the cap its runs in runs.csv trained with; a CSV without caps shows none", () => {
    const runs = readRunsCsv(csv.runs);
    for (const cell of readSgcCellsCsv(csv.sgcCells)) {
      const caps = new Set(runs.filter((r) => r.k === cell.k && r.p === cell.p).map((r) => r.cap));
      assert.ok(
        cell.cap !== undefined && caps.has(cell.cap),
        `k=${cell.k} p=${cell.p}: cap ${cell.cap} of ${[...caps]}`,
      );
    }
    const old = readSgcCellsCsv('k,p,min_width,lo,hi,runs,training_s,status\r\n2,5,9,8,9,10,57.1,done\r\n');
    assert.equal(old[0].cap, undefined);
    const table = comparisonTable(
      comparisonRows([{ k: 2, p: 5 }], [], old, new Map(), []),
      (spec.width as { max: number }).max,
    );
    assert.match(table, /\| 2 \| 5 \| none ≤ 378 \| 9 \(8, 9\] \| 10 \| 30 \| no \| – \| 10 \|/);
  });

  test('the figure is the one the CSVs draw: one diamond per cell with an H* within the grid, at that H* (white: at a shorter cap), and one circle per check', async () => {
    const { svg, view } = await renderFigure(paperScalingSpec(comparison.grid, comparison.rows));
    try {
      assert.equal(read('paper-scaling.svg'), svg);
      for (const k of spec.k) {
        // p:H*:fill, the fill white where the H* was found with a shorter cap than the spec's.
        const expected = comparison.rows
          .filter((r) => r.k === k && r.sgc?.status === 'done' && r.sgc.h !== undefined && r.sgc.h <= 378)
          .map(
            (r) =>
              `${r.p}:${r.sgc!.h}:${r.sgc!.cap !== undefined && r.sgc!.cap < stepsAt(spec.train, k) ? 'white' : 'black'}`,
          );
        const drawn = findMarks(view, `sgc_k${k}_marks`).flatMap((m) =>
          m.items.map((i) => `${i.datum.p}:${i.datum.h}:${i.fill === 'white' ? 'white' : 'black'}`),
        );
        assert.deepEqual(drawn.sort(), expected.sort(), `k = ${k}`);
        const checks = comparison.rows
          .filter((r) => r.k === k)
          .flatMap((r) => r.checks)
          .map((c) => `${c.p}:${c.h}:${c.passed >= 2 ? CHECK_PASSED_COLOR : 'white'}`);
        const drawnChecks = findMarks(view, `check_k${k}_marks`).flatMap((m) =>
          m.items.map((i) => `${i.datum.p}:${i.datum.h}:${i.fill}`),
        );
        assert.deepEqual(drawnChecks.sort(), checks.sort(), `k = ${k}: the checks`);
        const cells = findMarks(view, `grid_k${k}_marks`).flatMap((m) => m.items);
        assert.equal(cells.length, 21 * 21, `k = ${k}: the paper's grid`);
      }
    } finally {
      view.finalize();
    }
  });
});
