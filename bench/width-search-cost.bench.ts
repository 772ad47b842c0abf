/**
 * Benchmark (issue 21): runs per cell of the width search with and without a first guess, on the
 * cells of the paper's scaling sweep (examples/paper-onehot-scaling.yaml). Nothing trains: the
 * search policy (src/sweep/widthSearch.ts, pure) is driven with the outcomes of an oracle that
 * passes a width iff H ≥ the cell's H*, every seed agreeing (so a trial is 2 runs of the 2-of-3
 * rule: two passes or two failures), as estimateCell does for the paper-scaling estimates.
 *
 * Cells: every (k, p) of docs/results/paper-scaling/comparison.csv with sgc's H* (its threshold),
 * and apart from them the cells at k = 4, 5 where sgc has no H* yet, with the paper's boundary
 * (paper_boundary.csv) as threshold. Policies, in the same run:
 *   today       no guess: gallop from start 4 by doubling, then bisect (the reference)
 *   theory      guess = 2^(k−1)·p
 *   neighbour   guess = neighbourGuess (src/report/paper-scaling.ts): from H*(p, k−1) times the
 *               growth per k measured at a smaller p′ (else 2), and H*(p′, k)·p/p′, of the cells
 *               before it, smallest first; theory where none is known
 * For each: runs and trials per cell, the ratio to today's, the training seconds those runs would
 * take (step cost fitted to runs.csv, a failure at the 20,000-step cap, a success at the median
 * success's steps), and how far the guess was off: grid steps between its grid point and H*'s.
 *
 *   npm run bench:search
 */
import { readFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { join } from 'node:path';
import { loadSweepSpecFile } from '../src/cli/sweepSpecFile.js';
import { parseCsv } from '../src/report/csv.js';
import {
  estimateCell,
  fitStepCost,
  medianSuccessSteps,
  neighbourGuess,
  readBoundaryCsv,
  readRunsCsv,
} from '../src/report/paper-scaling.js';
import { cellSearchPlan } from '../src/sweep/guess.js';
import { maxSteps, stepsAt } from '../src/sweep/spec.js';
import { nearestGridIndex, searchGrid, type WidthPlan } from '../src/sweep/widthSearch.js';
import { markdown } from './markdown.js';

const root = join(import.meta.dirname, '..');
const data = join(root, 'docs', 'results', 'paper-scaling');
const read = (file: string) => readFileSync(join(data, file), 'utf8');

const { spec } = loadSweepSpecFile(join(root, 'examples', 'paper-onehot-scaling.yaml'));
if (spec.width.mode !== 'search') throw new Error('the paper-scaling spec must hold a width search');
const { guess: _specGuess, ...noGuess } = spec.width;
const plan: Extract<WidthPlan, { mode: 'search' }> = noGuess;
const grid = searchGrid(spec.width.start, spec.width.max, spec.width.perOctave);
const runsCsv = readRunsCsv(read('runs.csv'));
const cost = fitStepCost(runsCsv);
const successSteps = medianSuccessSteps(runsCsv, maxSteps(spec.train));
/** A failure costs the spec's whole cap at the cell's k, a success the median success's steps. */
const budgetAt = (k: number) => ({ steps: stepsAt(spec.train, k), successSteps });

interface Cell {
  k: number;
  p: number;
  /** The oracle's boundary: sgc's H*, or the paper's where sgc has none. */
  threshold: number;
}

const sgcCells: Cell[] = parseCsv(read('comparison.csv'))
  .filter((r) => r.sgc_min_width !== '')
  .map((r) => ({ k: Number(r.k), p: Number(r.p), threshold: Number(r.sgc_min_width) }));
const paperCells: Cell[] = readBoundaryCsv(read('paper_boundary.csv'))
  .filter((b) => (b.k === 4 || b.k === 5) && b.h !== undefined)
  .filter((b) => spec.groups.includes(`C${b.p}`))
  .filter((b) => !sgcCells.some((c) => c.k === b.k && c.p === b.p))
  .map((b) => ({ k: b.k, p: b.p, threshold: b.h! }));

/** What a search finds under the oracle: the smallest grid width ≥ the threshold. */
const found = (cell: Cell) => grid.find((H) => H >= cell.threshold) ?? null;
/** Every cell's H* as a search finds it, for the neighbour rule (which reads only smaller cells). */
const known = new Map<string, number>();
for (const cell of [...sgcCells, ...paperCells]) {
  const h = found(cell);
  if (h !== null) known.set(`${cell.k},${cell.p}`, h);
}

type Policy = 'today' | 'theory' | 'neighbour';
const POLICIES: Policy[] = ['today', 'theory', 'neighbour'];

function planFor(policy: Policy, cell: Cell): WidthPlan {
  if (policy === 'today') return plan;
  const theory = cellSearchPlan({ ...plan, guess: 'theory' }, { group: `C${cell.p}`, k: cell.k });
  if (policy === 'theory') return theory;
  const neighbour = neighbourGuess(cell.k, cell.p, known, plan.start);
  return neighbour ? { ...plan, guess: neighbour.guess } : theory;
}

interface Outcome {
  runs: number;
  trials: number;
  seconds: number;
  /** Grid steps between the guess's grid point and H*'s (undefined: no guess). */
  off?: number;
  guess?: number;
}

function simulate(policy: Policy, cell: Cell): Outcome {
  const cellPlan = planFor(policy, cell);
  const result = estimateCell(cellPlan, cell, cost, budgetAt(cell.k));
  if (result.minWidth !== found(cell))
    throw new Error(`${policy} k=${cell.k} p=${cell.p}: H* ${result.minWidth}`);
  if (cellPlan.mode !== 'search' || typeof cellPlan.guess !== 'number') return result;
  const iStar = result.minWidth === null ? grid.length : grid.indexOf(result.minWidth);
  return { ...result, guess: cellPlan.guess, off: Math.abs(iStar - nearestGridIndex(grid, cellPlan.guess)) };
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const fixed = (x: number, digits = 1) => x.toFixed(digits);

function summary(title: string, cells: Cell[]): void {
  const outcomes = new Map(POLICIES.map((policy) => [policy, cells.map((cell) => simulate(policy, cell))]));
  const today = outcomes.get('today')!;
  const todayRuns = mean(today.map((o) => o.runs));
  const todaySeconds = today.reduce((s, o) => s + o.seconds, 0);
  const rows = POLICIES.map((policy) => {
    const o = outcomes.get(policy)!;
    const runs = o.map((x) => x.runs);
    const seconds = o.reduce((s, x) => s + x.seconds, 0);
    const off = o.filter((x) => x.off !== undefined).map((x) => x.off!);
    return [
      policy,
      fixed(mean(runs)),
      Math.max(...runs),
      fixed(mean(o.map((x) => x.trials))),
      fixed(mean(runs) / todayRuns, 2),
      fixed(seconds, 0),
      fixed(seconds / todaySeconds, 2),
      off.length > 0 ? `${fixed(mean(off))} / ${Math.max(...off)}` : '—',
    ];
  });
  console.log(`\n${title} (${cells.length} cells)\n`);
  console.log(
    markdown(
      [
        'policy',
        'runs/cell (mean)',
        'runs/cell (max)',
        'trials/cell (mean)',
        'runs vs today',
        'est. training s',
        's vs today',
        'guess off, grid steps (mean / max)',
      ],
      rows,
    ),
  );
  console.log('\nper cell: H* (threshold on the grid), each guess and its grid steps off, runs\n');
  console.log(
    markdown(
      [
        'k',
        'p',
        'H*',
        'theory guess (off)',
        'neighbour guess (off)',
        'runs today',
        'runs theory',
        'runs neighbour',
      ],
      cells.map((cell, i) => {
        const [t, th, nb] = POLICIES.map((p) => outcomes.get(p)![i]);
        return [
          cell.k,
          cell.p,
          found(cell) ?? 'none',
          `${th.guess} (${th.off})`,
          `${nb.guess} (${nb.off})`,
          t.runs,
          th.runs,
          nb.runs,
        ];
      }),
    ),
  );
}

console.log(`uptime: ${uptime().toFixed(0)} s; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
console.log(
  `plan: ${JSON.stringify(plan)} (grid of ${grid.length}); oracle: passes iff H ≥ H*, 2 runs per trial; ` +
    `training estimate: ${fixed(cost.a * 1000, 2)} ms + ${fixed(cost.b * 1e9)} ns·H·(k+1)·p per step, ` +
    `failure the cap (${spec.k.map((k) => `k = ${k}: ${stepsAt(spec.train, k)}`).join(', ')} steps), success ${successSteps}`,
);
summary("cells with sgc's H* (comparison.csv), H* = sgc's", sgcCells);
summary("k = 4, 5 without sgc's H*: the paper's boundary as threshold", paperCells);
