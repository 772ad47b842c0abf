/**
 * The paper's one-hot scaling sweep as facts, beside sgc's width search: its grid of runs (final and
 * initial loss per k, |G| = p and width H, from its published data file), the boundary that grid
 * gives per (p, k), and the comparison table with sgc's H*.
 *
 * Source: geometric-intelligence/sequential-group-composition, notebooks/data/
 * scaling_sweep_lightweight.npz (arrays p_values, hidden_dims, k_values, final_loss_k<k> and
 * initial_loss_k<k> of shape (H, p), curves_k<k>_h<H> of shape (p, 1000): each run's training-loss
 * curve at 1,000 evenly spaced steps). A run reached the paper's criterion when final/initial ≤
 * 1 − 0.999, the reduction its training stops at.
 */
import { cellSearchPlan, theoryWidth } from '../sweep/guess.js';
import { maxSteps, type StepsPerK, stepsAt } from '../sweep/spec.js';
import { initialSearch, nextProbes, record, type WidthPlan } from '../sweep/widthSearch.js';
import { parseCsv } from './csv.js';
import type { NpyArray } from './npz.js';

/** The paper's stopping rule: a 99.9 % reduction of the training loss. */
export const PAPER_REDUCTION = 0.999;
/** The spacing of the paper's width grid (18, 36, …, 378). */
export const PAPER_GRID_STEP = 18;

export interface PaperGridRow {
  k: number;
  p: number;
  h: number;
  initialLoss: number;
  finalLoss: number;
  /** final/initial ≤ 1 − PAPER_REDUCTION. */
  reached: boolean;
  /**
   * The run's length in steps, read off its loss curve where the file can tell it (under ~1,000
   * steps: the 1,000 kept points then repeat steps); undefined when the run was longer.
   */
  steps?: number;
}

export interface PaperBoundary {
  k: number;
  p: number;
  /** The smallest grid width that reached the criterion; undefined: none up to the grid's top. */
  h?: number;
  /** A grid width above h that did not reach it (the grid is not monotone in H there). */
  nonMonotone: boolean;
}

function array(arrays: ReadonlyMap<string, NpyArray>, name: string): NpyArray {
  const a = arrays.get(name);
  if (!a) throw new Error(`the paper's data file has no array ${name}`);
  return a;
}

/**
 * A run's length from its curve of 1,000 points at steps ⌊j·(L − 1)/999⌋, j = 0 … 999: when L < 1,000
 * steps repeat, so consecutive points are equal. While the output is still ~0 every batch has nearly
 * the same loss (every target is a translate of one template: float32 often rounds them equal), so
 * equal points are counted only once the loss is below 99 % of its start, where batches differ:
 * L ≈ (distinct points there) · 1000 / (points there). When every point there differs the run was at
 * least ~1,000 steps long, and undefined is returned (so also for a curve that never left the plateau).
 */
export function curveSteps(curve: ArrayLike<number>): number | undefined {
  const n = curve.length;
  let from = 1;
  while (from < n && curve[from] >= 0.99 * curve[0]) from++;
  const points = n - from;
  if (points < 2) return undefined;
  let distinct = 1;
  for (let j = from + 1; j < n; j++) if (curve[j] !== curve[j - 1]) distinct++;
  if (distinct >= points) return undefined;
  return Math.round((distinct * n) / points);
}

/** Every run of the paper's grid, by k, then H, then p. */
export function paperGrid(arrays: ReadonlyMap<string, NpyArray>): PaperGridRow[] {
  const ps = Array.from(array(arrays, 'p_values').data);
  const hs = Array.from(array(arrays, 'hidden_dims').data);
  const ks = Array.from(array(arrays, 'k_values').data);
  const rows: PaperGridRow[] = [];
  for (const k of ks) {
    const final = array(arrays, `final_loss_k${k}`);
    const initial = array(arrays, `initial_loss_k${k}`);
    hs.forEach((h, r) => {
      const curves = arrays.get(`curves_k${k}_h${h}`);
      ps.forEach((p, c) => {
        const initialLoss = initial.data[r * ps.length + c];
        const finalLoss = final.data[r * ps.length + c];
        if (Number.isNaN(initialLoss) || Number.isNaN(finalLoss)) return;
        const reached = finalLoss <= (1 - PAPER_REDUCTION) * initialLoss;
        const width = curves?.shape[1] ?? 0;
        const steps = curves ? curveSteps(curves.data.subarray(c * width, (c + 1) * width)) : undefined;
        rows.push({ k, p, h, initialLoss, finalLoss, reached, ...(steps !== undefined ? { steps } : {}) });
      });
    });
  }
  return rows;
}

/** Per (k, p): the smallest grid width that reached the criterion, and whether a wider one did not. */
export function paperBoundaries(grid: readonly PaperGridRow[]): PaperBoundary[] {
  const cells = new Map<string, PaperGridRow[]>();
  for (const row of grid) {
    const key = `${row.k},${row.p}`;
    cells.set(key, [...(cells.get(key) ?? []), row]);
  }
  const out: PaperBoundary[] = [];
  for (const rows of cells.values()) {
    const sorted = [...rows].sort((a, b) => a.h - b.h);
    const first = sorted.find((r) => r.reached);
    const nonMonotone = first !== undefined && sorted.some((r) => r.h > first.h && !r.reached);
    out.push({ k: sorted[0].k, p: sorted[0].p, ...(first ? { h: first.h } : {}), nonMonotone });
  }
  return out.sort((a, b) => a.k - b.k || a.p - b.p);
}

/** The paper's lower theory line 2^(k−1)·p: the guide sgc's H*(k) figures draw (theoryWidth). */
export function lowerLine(k: number, p: number): number {
  return theoryWidth(k, p);
}

/** The paper's upper theory line (k + 1)·2^(k−1)·p. */
export function upperLine(k: number, p: number): number {
  return (k + 1) * 2 ** (k - 1) * p;
}

export const GRID_CSV_HEADER = 'k,p,h,initial_loss,final_loss,reached,steps';
export const BOUNDARY_CSV_HEADER = 'k,p,boundary_h,non_monotone';

/** Numbers as the CSVs hold them: float32 values keep 7 significant digits. */
const f32 = (x: number) => String(Number(x.toPrecision(7)));

export function gridCsv(grid: readonly PaperGridRow[]): string {
  const lines = grid.map((r) =>
    [r.k, r.p, r.h, f32(r.initialLoss), f32(r.finalLoss), r.reached, r.steps ?? ''].join(','),
  );
  return `${[GRID_CSV_HEADER, ...lines].join('\r\n')}\r\n`;
}

export function boundaryCsv(boundaries: readonly PaperBoundary[]): string {
  const lines = boundaries.map((b) => [b.k, b.p, b.h ?? '', b.nonMonotone].join(','));
  return `${[BOUNDARY_CSV_HEADER, ...lines].join('\r\n')}\r\n`;
}

export function readGridCsv(text: string): PaperGridRow[] {
  return parseCsv(text).map((r) => ({
    k: Number(r.k),
    p: Number(r.p),
    h: Number(r.h),
    initialLoss: Number(r.initial_loss),
    finalLoss: Number(r.final_loss),
    reached: r.reached === 'true',
    ...(r.steps ? { steps: Number(r.steps) } : {}),
  }));
}

export function readBoundaryCsv(text: string): PaperBoundary[] {
  return parseCsv(text).map((r) => ({
    k: Number(r.k),
    p: Number(r.p),
    ...(r.boundary_h ? { h: Number(r.boundary_h) } : {}),
    nonMonotone: r.non_monotone === 'true',
  }));
}

/** sgc's result for one cell (k, p) of the spec, from the store (sgc_cells.csv). */
export interface SgcCell {
  k: number;
  p: number;
  /** H*; undefined when none passed up to the search's max (status done) or still undecided. */
  h?: number;
  /** The largest failing width below H* (the bracket is (lo, h]). */
  lo?: number;
  /** The smallest passing width so far (H* once the search is done). */
  hi?: number;
  /** Runs the search used, and their training seconds (wall, one run at a time). */
  runs: number;
  trainingS: number;
  status: string;
  /** The step cap its runs were trained with (absent in CSVs written before caps per k). */
  cap?: number;
}

export const SGC_CELLS_CSV_HEADER = 'k,p,min_width,lo,hi,runs,training_s,status,cap';

export function readSgcCellsCsv(text: string): SgcCell[] {
  return parseCsv(text).map((r) => ({
    k: Number(r.k),
    p: Number(r.p),
    ...(r.min_width ? { h: Number(r.min_width) } : {}),
    ...(r.lo ? { lo: Number(r.lo) } : {}),
    ...(r.hi ? { hi: Number(r.hi) } : {}),
    runs: Number(r.runs),
    trainingS: Number(r.training_s),
    status: r.status,
    ...(r.cap ? { cap: Number(r.cap) } : {}),
  }));
}

/** One row of the comparison: the paper's boundary, sgc's H*, the theory lines, the cost. */
export interface ComparisonRow {
  k: number;
  p: number;
  paper?: number;
  paperNonMonotone: boolean;
  /** sgc's cell; undefined: not run yet. */
  sgc?: SgcCell;
  lower: number;
  upper: number;
  /**
   * sgc's H* within one of the paper's grid steps (18) of the paper's boundary: |H* − boundary| ≤ 18,
   * or both found none up to the paper's top width (378); undefined when sgc has no decided H*.
   */
  withinOneStep?: boolean;
  /** Estimated training seconds for a cell not run yet. */
  estimateS?: number;
  /** The cell's checks (--check), if any: trained again at one width with a longer cap. */
  checks: CellCheck[];
  /** sgc searched the cell at a shorter step cap than the spec now gives its k (buildComparison). */
  shortCap?: boolean;
}

/** Whether sgc's search decided the cell: H* found, or none up to its max. */
export function decided(cell: SgcCell): boolean {
  return cell.status === 'done';
}

/** The widest width of the paper's grid. */
const PAPER_TOP = 378;

export function withinOneStep(paper: number | undefined, sgc: SgcCell): boolean | undefined {
  if (!decided(sgc)) return undefined;
  if (paper === undefined) return sgc.h === undefined || sgc.h > PAPER_TOP - PAPER_GRID_STEP;
  if (sgc.h === undefined) return false;
  return Math.abs(sgc.h - paper) <= PAPER_GRID_STEP;
}

/**
 * The width at which a disputed cell (decided, more than one of the paper's grid steps from its
 * boundary) is trained again to see which side is right (`npm run paper-scaling -- --check`), or
 * undefined when the cell is not disputed:
 *   sgc's H* above the paper's boundary (or none up to max): the paper's boundary, where sgc's
 *     runs failed but the paper's run reached 99.9 %, trained longer: a pass there says sgc's H* is
 *     the width for its step cap, not for the paper's;
 *   sgc's H* below the paper's boundary (or the paper has none ≤ 378): the smallest width of the
 *     paper's grid at or above sgc's H*, where the paper's single run failed and sgc's seeds
 *     suggest success: fresh seeds there say whether that run was unlucky.
 */
export function disputedWidth(paper: number | undefined, sgc: SgcCell): number | undefined {
  if (withinOneStep(paper, sgc) !== false) return undefined;
  if (paper !== undefined && (sgc.h === undefined || sgc.h > paper)) return paper;
  const h = sgc.h!;
  return Math.min(PAPER_TOP, Math.ceil(h / PAPER_GRID_STEP) * PAPER_GRID_STEP);
}

export function comparisonRows(
  cells: readonly { k: number; p: number }[],
  boundaries: readonly PaperBoundary[],
  sgc: readonly SgcCell[],
  estimates: ReadonlyMap<string, number> = new Map(),
  checks: readonly CellCheck[] = [],
): ComparisonRow[] {
  return cells.map(({ k, p }) => {
    const b = boundaries.find((x) => x.k === k && x.p === p);
    const s = sgc.find((x) => x.k === k && x.p === p);
    const within = s ? withinOneStep(b?.h, s) : undefined;
    const estimate = estimates.get(`${k},${p}`);
    return {
      k,
      p,
      ...(b?.h !== undefined ? { paper: b.h } : {}),
      paperNonMonotone: b?.nonMonotone ?? false,
      ...(s ? { sgc: s } : {}),
      lower: lowerLine(k, p),
      upper: upperLine(k, p),
      ...(within !== undefined ? { withinOneStep: within } : {}),
      ...(s === undefined && estimate !== undefined ? { estimateS: estimate } : {}),
      checks: checks.filter((c) => c.k === k && c.p === p),
    };
  });
}

/** "54", "none ≤ 378", and a mark where wider grid widths failed again. */
export function paperText(row: ComparisonRow): string {
  if (row.paper === undefined) return `none ≤ ${PAPER_TOP}`;
  // The grid's first width passing says only that the boundary is at most that.
  const text = row.paper === PAPER_GRID_STEP ? `≤ ${row.paper}` : String(row.paper);
  return row.paperNonMonotone ? `${text}*` : text;
}

/** "9 (8, 9]", "≤ 4" (the search's first width passed), "none ≤ 1536", "not run yet (≈ 1.2 core-h)". */
export function sgcText(row: ComparisonRow, max: number): string {
  const s = row.sgc;
  if (!s) {
    const hours = (row.estimateS ?? Number.NaN) / 3600;
    return `not run yet (≈ ${hours < 0.1 ? hours.toFixed(2) : hours.toFixed(1)} core-h)`;
  }
  if (!decided(s)) return `not decided (${s.status}): fails at ${s.lo ?? '–'}, passes at ${s.hi ?? '–'}`;
  if (s.h === undefined) return `none ≤ ${max}`;
  return s.lo === undefined ? `≤ ${s.h}` : `${s.h} (${s.lo}, ${s.h}]`;
}

function formatSeconds(s: number): string {
  return s < 100 ? s.toFixed(1) : s.toFixed(0);
}

/** The README's Markdown table. */
export function comparisonTable(rows: readonly ComparisonRow[], max: number): string {
  const head = [
    '| k | p | paper boundary | sgc H\\* (bracket] | 2^(k−1)·p | (k+1)·2^(k−1)·p | within 18 | step cap | runs (of 21) | training s | trained longer |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const body = rows.map((r) =>
    [
      '',
      r.k,
      r.p,
      paperText(r),
      sgcText(r, max),
      r.lower,
      r.upper,
      r.withinOneStep === undefined ? '–' : r.withinOneStep ? 'yes' : 'no',
      r.sgc?.cap !== undefined ? r.sgc.cap.toLocaleString('en-US') : '–',
      r.sgc ? r.sgc.runs : '–',
      r.sgc ? formatSeconds(r.sgc.trainingS) : '–',
      r.checks.length > 0 ? r.checks.map(checkText).join('; ') : '–',
      '',
    ]
      .join(' | ')
      .trim(),
  );
  return [...head, ...body].join('\n');
}

export const COMPARISON_CSV_HEADER =
  'k,p,paper_boundary,paper_non_monotone,sgc_min_width,sgc_lo,sgc_status,lower_line,upper_line,within_one_step,cap,runs,training_s,estimate_s,checks';

export function comparisonCsv(rows: readonly ComparisonRow[]): string {
  const lines = rows.map((r) =>
    [
      r.k,
      r.p,
      r.paper ?? '',
      r.paperNonMonotone,
      r.sgc?.h ?? '',
      r.sgc?.lo ?? '',
      r.sgc?.status ?? 'not run',
      r.lower,
      r.upper,
      r.withinOneStep ?? '',
      r.sgc?.cap ?? '',
      r.sgc?.runs ?? '',
      r.sgc ? r.sgc.trainingS : '',
      r.estimateS !== undefined ? Math.round(r.estimateS) : '',
      // "h/cap: passed of seeds" per check, ';'-separated (no commas: one CSV field).
      r.checks.map((c) => `${c.h}/${c.cap}: ${c.passed} of ${c.seeds}`).join('; '),
    ].join(','),
  );
  return `${[COMPARISON_CSV_HEADER, ...lines].join('\r\n')}\r\n`;
}

/** One run as runs.csv holds it. */
export interface SgcRun {
  k: number;
  p: number;
  h: number;
  seed: number;
  outcome: string;
  steps: number;
  durationS: number;
  /** The run's step cap (absent in CSVs written before caps per k). */
  cap?: number;
}

export const RUNS_CSV_HEADER = 'k,p,h,seed,outcome,steps,duration_s';

export function readRunsCsv(text: string): SgcRun[] {
  return parseCsv(text).map((r) => ({
    k: Number(r.k),
    p: Number(r.p),
    h: Number(r.h),
    seed: Number(r.seed),
    outcome: r.outcome,
    steps: Number(r.steps),
    durationS: Number(r.duration_s),
    ...(r.cap ? { cap: Number(r.cap) } : {}),
  }));
}

/** A disputed cell trained again (`npm run paper-scaling -- --check`): its runs at one width and cap. */
export interface CellCheck {
  k: number;
  p: number;
  h: number;
  /** The step cap of the check's runs. */
  cap: number;
  seeds: number;
  passed: number;
  /** Steps each passing seed took, ascending. */
  passSteps: number[];
}

export const CHECKS_CSV_HEADER = 'k,p,h,cap,seed,outcome,steps,duration_s';

/** checks.csv (one row per run) → one CellCheck per (k, p, h, cap). */
export function readChecksCsv(text: string): CellCheck[] {
  const checks = new Map<string, CellCheck>();
  for (const r of parseCsv(text)) {
    const key = [r.k, r.p, r.h, r.cap].join(',');
    const check = checks.get(key) ?? {
      k: Number(r.k),
      p: Number(r.p),
      h: Number(r.h),
      cap: Number(r.cap),
      seeds: 0,
      passed: 0,
      passSteps: [],
    };
    check.seeds++;
    if (r.outcome === 'succeeded') {
      check.passed++;
      check.passSteps.push(Number(r.steps));
    }
    checks.set(key, check);
  }
  for (const check of checks.values()) check.passSteps.sort((a, b) => a - b);
  return [...checks.values()];
}

/** "H 54: 3 of 3 within 200,000 steps (41,200–63,000)". */
export function checkText(check: CellCheck): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const steps = check.passSteps;
  const range =
    steps.length === 0
      ? ''
      : steps.length === 1
        ? ` (${n(steps[0])})`
        : ` (${n(steps[0])}–${n(steps[steps.length - 1])})`;
  return `H ${check.h}: ${check.passed} of ${check.seeds} within ${n(check.cap)} steps${range}`;
}

/**
 * Seconds per training step, fitted to the runs: t = a + b·H·(k + 1)·p by least squares over every
 * run of at least 1,000 steps (a step costs about B·H·(k·p + p) multiply-adds forward and twice that
 * backward, B = 1,000 fixed; a covers the fixed costs and the evaluations).
 */
export interface StepCost {
  a: number;
  b: number;
}

export function fitStepCost(runs: readonly SgcRun[]): StepCost {
  const points = runs
    .filter((r) => r.steps >= 1000 && r.durationS > 0)
    .map((r) => ({ x: r.h * (r.k + 1) * r.p, y: r.durationS / r.steps }));
  if (points.length < 2) throw new Error('fitStepCost: fewer than two runs of ≥ 1,000 steps');
  const n = points.length;
  const mx = points.reduce((s, q) => s + q.x, 0) / n;
  const my = points.reduce((s, q) => s + q.y, 0) / n;
  const sxx = points.reduce((s, q) => s + (q.x - mx) ** 2, 0);
  const sxy = points.reduce((s, q) => s + (q.x - mx) * (q.y - my), 0);
  const b = sxx > 0 ? Math.max(0, sxy / sxx) : 0;
  return { a: Math.max(0, my - b * mx), b };
}

export function stepSeconds(cost: StepCost, k: number, p: number, h: number): number {
  return cost.a + cost.b * h * (k + 1) * p;
}

/**
 * The training seconds sgc's search would spend on a cell whose true boundary were `threshold`
 * (every width ≥ it succeeds, every narrower one fails; undefined: none succeeds), found by driving
 * the search itself (src/sweep/widthSearch.ts) with those outcomes: a failure costs the whole step
 * budget, a success `successSteps` steps, each at stepSeconds. Also the runs, the trials (one per
 * width tried, re-checks included) and the H* the search ends with.
 */
export function estimateCell(
  plan: WidthPlan,
  cell: { k: number; p: number; threshold?: number },
  cost: StepCost,
  budget: { steps: number; successSteps: number },
): { runs: number; seconds: number; trials: number; minWidth: number | null } {
  let state = initialSearch(plan);
  let runs = 0;
  let seconds = 0;
  while (!state.result) {
    const next = nextProbes(state);
    state = next.state;
    if (next.probes.length === 0) throw new Error('estimateCell: the search started no run');
    for (const probe of next.probes) {
      const succeeded = cell.threshold !== undefined && probe.H >= cell.threshold;
      runs++;
      seconds +=
        (succeeded ? budget.successSteps : budget.steps) * stepSeconds(cost, cell.k, cell.p, probe.H);
      state = record(state, { ...probe, succeeded });
    }
  }
  return { runs, seconds, trials: state.trials.length, minWidth: state.result.minWidth };
}

/** The steps a success is taken to cost in the estimates: the median of the runs that succeeded. */
export function medianSuccessSteps(runs: readonly SgcRun[], cap: number): number {
  const successes = runs
    .filter((r) => r.outcome === 'succeeded')
    .map((r) => r.steps)
    .sort((a, b) => a - b);
  return successes.length > 0 ? successes[Math.floor(successes.length / 2)] : cap;
}

/** A first guess of a cell's H* and where it came from, for people to read. */
export interface NeighbourGuess {
  guess: number;
  from: string;
}

/**
 * The neighbour rule (issue 21): a first guess of H*(p, k) from the cells searched before it
 * (smallest first: k, then p), the geometric mean of those of
 *   H*(p, k−1)·H*(p′, k)/H*(p′, k−1)   the growth from k−1 to k measured at the largest p′ < p
 *                                     searched at both (2·H*(p, k−1), the theory line's factor per
 *                                     k, where no such p′ is), and
 *   H*(p′, k)·p/p′                     for the largest p′ < p with an H* at k: linear in |G| = p,
 * rounded; null when neither is known (the search then starts at `theory`). The measured growth is
 * why: on the cells of k = 2, 3 H* grows by about 3 per k, not 2; with the fixed factor the guesses
 * for C5–C13 at k = 3 were 1–4 grid steps (of 8 per doubling) off, with the measured one 0–2.
 * `known` maps "k,p" to a searched cell's H* (cells with none up to max are left out: they bound
 * nothing from above). A cell whose H* is the search's first width, `start`, is not used either:
 * that H* bounds the cell's true boundary only from above (C2 passes at 4 for every k, which as a
 * growth per k would predict H* shrinking with k).
 */
export function neighbourGuess(
  k: number,
  p: number,
  known: ReadonlyMap<string, number>,
  start: number,
): NeighbourGuess | null {
  const at = (kk: number, pp: number) => {
    const h = known.get(`${kk},${pp}`);
    return h !== undefined && h > start ? h : undefined;
  };
  const smallerAt = (kk: number) =>
    [...known.keys()]
      .map((key) => key.split(',').map(Number))
      .filter(([kAt, pAt]) => kAt === kk && pAt < p && at(kAt, pAt) !== undefined)
      .map(([, pAt]) => pAt);
  const estimates: { value: number; text: string }[] = [];
  const below = at(k - 1, p);
  if (below !== undefined) {
    const measured = smallerAt(k).filter((q) => at(k - 1, q) !== undefined);
    if (measured.length > 0) {
      const q = Math.max(...measured);
      const [up, down] = [at(k, q)!, at(k - 1, q)!];
      estimates.push({
        value: (below * up) / down,
        text: `H*(k ${k - 1})·H*(C${q}, k ${k})/H*(C${q}, k ${k - 1}) = ${below}·${up}/${down}`,
      });
    } else estimates.push({ value: 2 * below, text: `2·H*(k ${k - 1}) = 2·${below}` });
  }
  const smaller = smallerAt(k);
  if (smaller.length > 0) {
    const q = Math.max(...smaller);
    const h = at(k, q)!;
    estimates.push({ value: (h * p) / q, text: `H*(C${q})·${p}/${q} = ${h}·${p}/${q}` });
  }
  if (estimates.length === 0) return null;
  const mean = Math.exp(estimates.reduce((sum, e) => sum + Math.log(e.value), 0) / estimates.length);
  const guess = Math.max(1, Math.round(mean));
  const texts = estimates.map((e) => e.text).join(', ');
  return { guess, from: estimates.length > 1 ? `geometric mean of ${texts}` : texts };
}

/** The committed CSVs of docs/results/paper-scaling/, as text. */
export interface PaperScalingCsv {
  grid: string;
  boundary: string;
  sgcCells: string;
  runs: string;
  /** checks.csv, where --check has run. */
  checks?: string;
}

export interface PaperScalingComparison {
  grid: PaperGridRow[];
  rows: ComparisonRow[];
  cost: StepCost;
  /** The steps a success is taken to cost in the estimates: the median of the runs that succeeded. */
  successSteps: number;
  /** Estimated training seconds of the whole spec, and of the cells not run yet. */
  fullS: number;
  notRunS: number;
}

/**
 * The comparison of the spec's cells (groups C_p × k) from the CSVs: the paper's boundary, sgc's
 * result where the cell ran, and for every cell the training seconds sgc's search would take if
 * the paper's boundary were the true one (estimateCell, with the step cost fitted to runs.csv).
 */
export function buildComparison(
  spec: {
    groups: readonly string[];
    k: readonly number[];
    width: WidthPlan;
    train: { steps: number | StepsPerK };
  },
  csv: PaperScalingCsv,
): PaperScalingComparison {
  const grid = readGridCsv(csv.grid);
  const boundaries = readBoundaryCsv(csv.boundary);
  const runs = readRunsCsv(csv.runs);
  const cells = spec.k.flatMap((k) => spec.groups.map((g) => ({ k, p: Number(g.slice(1)) })));
  const cost = fitStepCost(runs);
  const successSteps = medianSuccessSteps(runs, maxSteps(spec.train));
  const estimates = new Map<string, number>();
  let fullS = 0;
  for (const cell of cells) {
    const threshold = boundaries.find((b) => b.k === cell.k && b.p === cell.p)?.h;
    const { seconds } = estimateCell(
      cellSearchPlan(spec.width, { group: `C${cell.p}`, k: cell.k }),
      { ...cell, ...(threshold ? { threshold } : {}) },
      cost,
      { steps: stepsAt(spec.train, cell.k), successSteps },
    );
    estimates.set(`${cell.k},${cell.p}`, seconds);
    fullS += seconds;
  }
  const checks = csv.checks === undefined ? [] : readChecksCsv(csv.checks);
  const rows = comparisonRows(cells, boundaries, readSgcCellsCsv(csv.sgcCells), estimates, checks).map((r) =>
    r.sgc?.cap !== undefined && r.sgc.cap < stepsAt(spec.train, r.k) ? { ...r, shortCap: true } : r,
  );
  const notRunS = rows.filter((r) => !r.sgc).reduce((s, r) => s + (r.estimateS ?? 0), 0);
  return { grid, rows, cost, successSteps, fullS, notRunS };
}
