/**
 * The Prometheus metrics of sgc: one prom-client registry per Telemetry (never prom-client's global
 * one, so tests and two servers in one process do not share counters), prefix `sgc_`, base units
 * (seconds), and only bounded labels: engine, backend, outcome, phase, and the coordinates of a
 * sweep's cells. Run ids and config hashes never become labels: every run would be a new series and
 * Prometheus' memory would grow with the number of runs. Per-step curves live in PostgreSQL.
 *
 *   import { telemetry } from './metrics.js';
 *   telemetry.runStarted({ engine: 'onnx', backend: 'cpu' });
 *   …
 *   telemetry.runFinished({ engine: 'onnx', backend: 'cpu', outcome: 'succeeded' }, 12.5, true);
 */
import { readFileSync } from 'node:fs';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type RunOutcomeLabel =
  | 'succeeded'
  | 'failed'
  | 'diverged'
  | 'cached'
  | 'cancelled'
  | 'error'
  | 'invalid';
export type ProbePhase = 'gallop' | 'bisect' | 'recheck' | 'grid';

export interface EngineLabels {
  engine: string;
  backend: string;
}

export interface CellLabels {
  sweep: string;
  group: string;
  encoding: string;
  model: string;
  k: number;
}

export interface Telemetry {
  readonly registry: Registry;
  /** A training run began on this process. */
  runStarted(l: EngineLabels): void;
  /**
   * A run ended with `outcome` after `seconds`. `startedHere` says whether runStarted was called for
   * it in this process: only then does it leave the in-flight gauge and count in the duration
   * histogram (a cache hit or a config rejected before training took no training time).
   */
  runFinished(l: EngineLabels & { outcome: RunOutcomeLabel }, seconds: number, startedHere: boolean): void;
  /** `steps` training steps took `seconds` in all (one report of the training loop). */
  trainingSteps(l: EngineLabels, steps: number, seconds: number): void;
  /** The width search trained (or looked up) one more (H, seed). */
  probe(l: { phase: ProbePhase }): void;
  /** A run was found already done in the store and not trained again. */
  cacheHit(): void;
  /** The current bracket [lo, hi] of a cell's search; null removes the series (not known yet). */
  cellBracket(l: CellLabels, lo: number | null, hi: number | null): void;
  /** A cell's search ended: its minimal width (null when none was found) and its final bracket. */
  cellResolved(l: CellLabels, minWidth: number | null, lo: number | null, hi: number | null): void;
  /** How many cells of a sweep are in each state; states seen before and absent now drop to 0. */
  sweepCells(l: { sweep: string }, counts: Record<string, number>): void;
  /** Runs of a sweep finished so far and planned in all. */
  sweepRuns(l: { sweep: string }, done: number, total: number): void;
  /** The text exposition format of every metric, as /metrics serves it. */
  metricsText(): Promise<string>;
}

/**
 * Run durations: from a cache lookup that trains nothing (tens of ms) to a long run on a large group
 * (hours). Roughly ×2–×2.5 per bucket, so quantiles stay within that factor anywhere in the range.
 */
export const RUN_DURATION_BUCKETS = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 10800,
];

/** Seconds per training step: 10 µs (a tiny MLP on CPU) to 10 s (a huge exhaustive batch). */
export const STEP_DURATION_BUCKETS = [
  1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
  10,
];

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    return String(pkg.version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

function cellLabels(l: CellLabels) {
  return { sweep: l.sweep, group: l.group, encoding: l.encoding, model: l.model, k: String(l.k) };
}

export function createTelemetry(): Telemetry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sgc_' });
  const registers = [registry];

  const buildInfo = new Gauge({
    name: 'sgc_build_info',
    help: 'Always 1; the labels say which sgc and Node.js this process runs',
    labelNames: ['version', 'node'],
    registers,
  });
  buildInfo.set({ version: packageVersion(), node: process.version }, 1);

  const runsStarted = new Counter({
    name: 'sgc_runs_started_total',
    help: 'Training runs started on this process',
    labelNames: ['engine', 'backend'],
    registers,
  });
  const runsFinished = new Counter({
    name: 'sgc_runs_finished_total',
    help: 'Runs finished, by outcome (cached: found done in the store, not trained again)',
    labelNames: ['outcome', 'engine', 'backend'],
    registers,
  });
  const runsInFlight = new Gauge({
    name: 'sgc_runs_in_flight',
    help: 'Training runs currently running on this process',
    labelNames: ['engine', 'backend'],
    registers,
  });
  const runDuration = new Histogram({
    name: 'sgc_run_duration_seconds',
    help: 'Wall-clock duration of the training runs started on this process',
    labelNames: ['engine', 'backend'],
    buckets: RUN_DURATION_BUCKETS,
    registers,
  });
  const stepDuration = new Histogram({
    name: 'sgc_training_step_duration_seconds',
    help: 'Seconds per training step, one observation per progress report (its mean over the report)',
    labelNames: ['engine', 'backend'],
    buckets: STEP_DURATION_BUCKETS,
    registers,
  });
  const steps = new Counter({
    name: 'sgc_training_steps_total',
    help: 'Training steps taken',
    labelNames: ['engine', 'backend'],
    registers,
  });
  const probes = new Counter({
    name: 'sgc_search_probes_total',
    help: 'Width-search probes, by phase of the search',
    labelNames: ['phase'],
    registers,
  });
  const cacheHits = new Counter({
    name: 'sgc_cache_hits_total',
    help: 'Runs found already done in the store and not trained again',
    registers,
  });
  const cellNames = ['sweep', 'group', 'encoding', 'model', 'k'];
  const minWidth = new Gauge({
    name: 'sgc_min_width',
    help: 'Minimal hidden width H* that learns the task, per resolved cell',
    labelNames: cellNames,
    registers,
  });
  const bracketLo = new Gauge({
    name: 'sgc_cell_bracket_lo',
    help: 'Lower end of a cell search bracket: the widest width known to fail (0: none yet)',
    labelNames: cellNames,
    registers,
  });
  const bracketHi = new Gauge({
    name: 'sgc_cell_bracket_hi',
    help: 'Upper end of a cell search bracket: the narrowest width known to succeed',
    labelNames: cellNames,
    registers,
  });
  const sweepCells = new Gauge({
    name: 'sgc_sweep_cells',
    help: 'Cells of a sweep in each state',
    labelNames: ['sweep', 'state'],
    registers,
  });
  const sweepRunsDone = new Gauge({
    name: 'sgc_sweep_runs_done',
    help: 'Runs of a sweep finished so far',
    labelNames: ['sweep'],
    registers,
  });
  const sweepRunsTotal = new Gauge({
    name: 'sgc_sweep_runs_total',
    help: 'Runs of a sweep planned so far (grows while searches gallop)',
    labelNames: ['sweep'],
    registers,
  });

  // The in-flight count per label set, kept here so that a finish without a matching start (a
  // restarted worker finishing an older attempt) never drives the gauge below zero.
  const inFlight = new Map<string, number>();
  const statesSeen = new Map<string, Set<string>>();

  const setOrRemove = (gauge: Gauge<string>, labels: Record<string, string>, value: number | null) => {
    if (value === null) gauge.remove(labels);
    else gauge.set(labels, value);
  };
  const bracket = (l: CellLabels, lo: number | null, hi: number | null) => {
    const labels = cellLabels(l);
    setOrRemove(bracketLo, labels, lo);
    setOrRemove(bracketHi, labels, hi);
  };

  return {
    registry,
    runStarted(l) {
      const labels = { engine: l.engine, backend: l.backend };
      runsStarted.inc(labels);
      const key = `${l.engine}\0${l.backend}`;
      const n = (inFlight.get(key) ?? 0) + 1;
      inFlight.set(key, n);
      runsInFlight.set(labels, n);
    },
    runFinished(l, seconds, startedHere) {
      const labels = { engine: l.engine, backend: l.backend };
      runsFinished.inc({ ...labels, outcome: l.outcome });
      if (!startedHere) return;
      if (Number.isFinite(seconds) && seconds >= 0) runDuration.observe(labels, seconds);
      const key = `${l.engine}\0${l.backend}`;
      const n = Math.max(0, (inFlight.get(key) ?? 0) - 1);
      inFlight.set(key, n);
      runsInFlight.set(labels, n);
    },
    trainingSteps(l, n, seconds) {
      if (!(n > 0) || !Number.isFinite(seconds) || seconds < 0) return;
      const labels = { engine: l.engine, backend: l.backend };
      steps.inc(labels, n);
      stepDuration.observe(labels, seconds / n);
    },
    probe(l) {
      probes.inc({ phase: l.phase });
    },
    cacheHit() {
      cacheHits.inc();
    },
    cellBracket: bracket,
    cellResolved(l, width, lo, hi) {
      if (width !== null) minWidth.set(cellLabels(l), width);
      bracket(l, lo, hi);
    },
    sweepCells(l, counts) {
      const seen = statesSeen.get(l.sweep) ?? new Set<string>();
      statesSeen.set(l.sweep, seen);
      for (const state of Object.keys(counts)) seen.add(state);
      for (const state of seen) sweepCells.set({ sweep: l.sweep, state }, counts[state] ?? 0);
    },
    sweepRuns(l, done, total) {
      sweepRunsDone.set({ sweep: l.sweep }, done);
      sweepRunsTotal.set({ sweep: l.sweep }, total);
    },
    metricsText() {
      return registry.metrics();
    },
  };
}

/** The process's telemetry, shared by the workers' activities and `sgc up`. */
export const telemetry: Telemetry = createTelemetry();
