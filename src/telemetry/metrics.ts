/**
 * The Prometheus metrics of sgc: one prom-client registry per Telemetry (never prom-client's global
 * one, so tests and two servers in one process do not share counters), prefix `sgc_`, base units
 * (seconds), and only bounded labels: engine, backend, outcome, phase, and the coordinates of a
 * sweep's cells. Run ids and config hashes never become labels: every run would be a new series and
 * Prometheus' memory would grow with the number of runs. Per-step curves live in PostgreSQL.
 *
 * Two kinds of metrics, kept apart on purpose:
 * - per process (runs started and finished here, in flight here, step and run durations, probes,
 *   cache hits): counted in this process's memory as its work happens;
 * - per sweep (cells by state, runs by status, each cell's bracket, H* and runs): read from the
 *   store when Prometheus scrapes (useStore), never from memory. Every exporter then reports the
 *   same values, whichever worker did the work, and a sweep's series go when it has ended.
 *
 *   import { telemetry } from './metrics.js';
 *   telemetry.runStarted({ engine: 'onnx', backend: 'cpu' });
 *   …
 *   telemetry.runFinished({ engine: 'onnx', backend: 'cpu', outcome: 'succeeded' }, 12.5, true);
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { SweepGauges } from '../store/sweep-gauges.js';
import { SGC_VERSION } from '../version.js';

export type RunOutcomeLabel =
  | 'succeeded'
  | 'failed'
  | 'diverged'
  | 'cached'
  | 'cancelled'
  | 'error'
  | 'invalid';
export type ProbePhase = 'expand' | 'gallop' | 'bisect' | 'recheck' | 'grid';

export interface EngineLabels {
  engine: string;
  backend: string;
}

export interface StoreGaugeSettings {
  /** How long a scrape waits for the store (default STORE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Where a change of the store's reachability is said (default: stderr). */
  log?: (line: string) => void;
}

/**
 * A scrape waits this long for the store. Under Prometheus' default scrape timeout (10 s) and the
 * 5 s interval docs/observability.md suggests, so a slow store costs a scrape its store gauges, not the scrape.
 */
export const STORE_TIMEOUT_MS = 2_000;

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
  /** `steps` training steps took `seconds` in all (one progress report of a run, about 250 ms). */
  trainingSteps(l: EngineLabels, steps: number, seconds: number): void;
  /** The width search trained (or looked up) one more (H, seed). */
  probe(l: { phase: ProbePhase }): void;
  /** A run was found already done in the store and not trained again. */
  cacheHit(): void;
  /**
   * Reads the sweep, cell, bracket and H* gauges from `read` at every scrape (undefined: none, as
   * in a process without a store). A store that fails or has not answered within `timeoutMs`
   * leaves those gauges out of that scrape and sets sgc_store_up to 0; the scrape itself succeeds.
   */
  useStore(read: (() => Promise<SweepGauges>) | undefined, options?: StoreGaugeSettings): void;
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

/**
 * Mean seconds per training step over one progress report: 10 µs (a tiny MLP on CPU) to 10 s (a
 * huge exhaustive batch).
 */
export const STEP_DURATION_BUCKETS = [
  1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
  10,
];

/**
 * prom-client's default gauges that end in `_total`: promtool rejects a gauge named like a counter,
 * and each is the sum of the gauge of the same name without `_total`, which is kept
 * (nodejs_active_handles{type}, nodejs_active_requests{type}, nodejs_active_resources{type}).
 */
const DEFAULT_GAUGES_DROPPED = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export function createTelemetry(): Telemetry {
  const registry = new Registry();
  // No prefix: the standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …) are
  // what Node.js dashboards and alerts expect.
  collectDefaultMetrics({ register: registry });
  for (const name of DEFAULT_GAUGES_DROPPED) registry.removeSingleMetric(name);
  const registers = [registry];

  const buildInfo = new Gauge({
    name: 'sgc_build_info',
    help: 'Always 1; the labels say which sgc and Node.js this process runs',
    labelNames: ['version', 'node'],
    registers,
  });
  buildInfo.set({ version: SGC_VERSION, node: process.version }, 1);

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
  // Steps are not timed one by one (a step can take 10 µs; timing each would cost more than some
  // steps): the trainer reports about every 250 ms how many steps it took. So the exact mean comes
  // from two counters, rate(training_seconds) / rate(training_steps), and the histogram is named
  // for what it observes: one mean per report.
  const stepMean = new Histogram({
    name: 'sgc_training_step_mean_seconds',
    help: 'Mean seconds per training step over one progress report of a run (about 250 ms of training): one observation per report, not per step',
    labelNames: ['engine', 'backend'],
    buckets: STEP_DURATION_BUCKETS,
    registers,
  });
  const trainingSeconds = new Counter({
    name: 'sgc_training_seconds_total',
    help: 'Wall-clock seconds the runs on this process spent training (summed over runs trained at once)',
    labelNames: ['engine', 'backend'],
    registers,
  });
  const steps = new Counter({
    name: 'sgc_training_steps_total',
    help: 'Training steps taken on this process',
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

  // --- read from the store at scrape time -------------------------------------------------------------
  let read: (() => Promise<SweepGauges>) | undefined;
  let timeoutMs = STORE_TIMEOUT_MS;
  let log = (line: string) => console.error(line);
  /** The store read in progress: at most one at a time, however many scrapes wait on it. */
  let reading: Promise<SweepGauges> | undefined;
  /** This scrape's outcome, shared by the collect callbacks of every store gauge. */
  let scraping: Promise<StoreScrape | undefined> | undefined;
  let lastUp: boolean | undefined;

  const scrapeStore = (): Promise<StoreScrape | undefined> => {
    if (!read) return Promise.resolve(undefined);
    const from = read;
    scraping ??= (async (): Promise<StoreScrape> => {
      const started = performance.now();
      // A read still running from an earlier scrape (a slow store) is waited on again rather than
      // doubled: a hung store then holds one connection, not one per scrape.
      reading ??= from().finally(() => {
        reading = undefined;
      });
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        reading.then(
          (gauges) => ({ gauges }),
          (error: unknown) => ({ error: (error as Error).message ?? String(error) }),
        ),
        new Promise<{ error: string }>((resolve) => {
          timer = setTimeout(() => resolve({ error: `no answer within ${timeoutMs} ms` }), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      const up = 'gauges' in outcome;
      if (up !== lastUp) {
        if (!up)
          log(
            `metrics: the store is not answering (${outcome.error}); sweep gauges left out, sgc_store_up 0`,
          );
        else if (lastUp === false) log('metrics: the store answers again; sweep gauges back');
        lastUp = up;
      }
      return { ...outcome, seconds };
    })().finally(() => {
      scraping = undefined;
    });
    return scraping;
  };

  /** A gauge filled at every scrape from the store's snapshot; absent when the store did not answer. */
  const storeGauge = (
    name: string,
    help: string,
    labelNames: string[],
    fill: (
      set: (labels: Record<string, string | number>, value: number) => void,
      gauges: SweepGauges,
    ) => void,
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        const scrape = await scrapeStore();
        this.reset();
        if (scrape?.gauges) fill((labels, value) => this.set(labels, value), scrape.gauges);
      },
    });

  /**
   * The store's gauges exist only in a process that has a store (useStore): elsewhere sgc_store_up
   * would read 0, as if a store had failed.
   */
  let storeGaugeNames: string[] = [];
  const registerStoreGauges = () => {
    const before = new Set(registry.getMetricsAsArray().map((m) => m.name));
    new Gauge({
      name: 'sgc_store_up',
      help: 'Whether the results store answered this scrape within the timeout (1) or not (0: the sweep and cell gauges are left out)',
      registers,
      async collect() {
        const scrape = await scrapeStore();
        this.reset();
        if (scrape) this.set(scrape.gauges ? 1 : 0);
      },
    });
    new Gauge({
      name: 'sgc_store_scrape_duration_seconds',
      help: 'Seconds this scrape waited for the results store (at most the timeout)',
      registers,
      async collect() {
        const scrape = await scrapeStore();
        this.reset();
        if (scrape) this.set(scrape.seconds);
      },
    });
    const cellNames = ['sweep', 'group', 'encoding', 'model', 'k'];
    const cellOf = (c: SweepGauges['cells'][number]) => ({
      sweep: c.sweep,
      group: c.group,
      encoding: c.encoding,
      model: c.model,
      k: String(c.k),
    });
    storeGauge(
      'sgc_min_width',
      'Minimal hidden width H* that learns the task, per resolved cell (from the store)',
      cellNames,
      (set, g) => {
        for (const c of g.cells) if (c.minWidth !== null) set(cellOf(c), c.minWidth);
      },
    );
    storeGauge(
      'sgc_cell_bracket_lo',
      'Lower end of a cell search bracket: the widest width known to fail, 0 when none (from the store)',
      cellNames,
      (set, g) => {
        for (const c of g.cells) if (c.lo !== null) set(cellOf(c), c.lo);
      },
    );
    storeGauge(
      'sgc_cell_bracket_hi',
      'Upper end of a cell search bracket: the narrowest width known to succeed (from the store)',
      cellNames,
      (set, g) => {
        for (const c of g.cells) if (c.hi !== null) set(cellOf(c), c.hi);
      },
    );
    storeGauge(
      'sgc_sweep_cells',
      'Cells of a sweep in each state (from the store)',
      ['sweep', 'state'],
      (set, g) => {
        for (const s of g.sweeps)
          for (const [state, n] of Object.entries(s.cells)) set({ sweep: s.name, state }, n);
      },
    );
    storeGauge(
      'sgc_sweep_runs',
      'Distinct runs of a sweep in each status; their sum is the runs planned so far, which grows while searches gallop (from the store)',
      ['sweep', 'status'],
      (set, g) => {
        for (const s of g.sweeps)
          for (const [status, n] of Object.entries(s.runs)) set({ sweep: s.name, status }, n);
      },
    );
    storeGauge(
      'sgc_sweep_info',
      'Always 1 for each sweep shown: running, paused or pending, or ended within the window; the label says its state (from the store)',
      ['sweep', 'state'],
      (set, g) => {
        for (const s of g.sweeps) set({ sweep: s.name, state: s.status }, 1);
      },
    );
    storeGaugeNames = registry
      .getMetricsAsArray()
      .map((m) => m.name)
      .filter((n) => !before.has(n));
  };

  // The in-flight count per label set, kept here so that a finish without a matching start (a
  // restarted worker finishing an older attempt) never drives the gauge below zero.
  const inFlight = new Map<string, number>();

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
      trainingSeconds.inc(labels, seconds);
      stepMean.observe(labels, seconds / n);
    },
    probe(l) {
      probes.inc({ phase: l.phase });
    },
    cacheHit() {
      cacheHits.inc();
    },
    useStore(source, options = {}) {
      if (source && storeGaugeNames.length === 0) registerStoreGauges();
      if (!source) {
        for (const name of storeGaugeNames) registry.removeSingleMetric(name);
        storeGaugeNames = [];
      }
      read = source;
      timeoutMs = options.timeoutMs ?? STORE_TIMEOUT_MS;
      if (options.log) log = options.log;
      lastUp = undefined;
    },
    metricsText() {
      return registry.metrics();
    },
  };
}

interface StoreScrape {
  gauges?: SweepGauges;
  error?: string;
  seconds: number;
}

/** The process's telemetry, shared by the workers' activities and `sgc up`. */
export const telemetry: Telemetry = createTelemetry();
