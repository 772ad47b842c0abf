/**
 * Benchmark: what running a sweep through Temporal costs on top of its trainings (issue 5,
 * "Performance"), on the embedded stack of `sgc up`: a Temporal dev server, a PGlite store in a
 * temporary directory and an in-process worker polling both task queues.
 *
 * 1. Overhead per run. One cell whose `values` grid has 200 widths, 1 training step each, through
 *    Temporal at worker concurrency 1 and 2; beside it, measured right before each in the same
 *    process, the same 200 trainings in a plain loop (runTraining on one onnx engine), and the
 *    store writes the io activities make per run (planProbes + recordRun) called directly. The
 *    overhead per run is the sweep's wall time (start call to result) / 200 minus the plain loop's
 *    median training time. Target: ≤ 50 ms at concurrency 1 (the plain loop's). Also shown: the
 *    median gap between consecutive runs' finished_at in the store (the steady rhythm, without
 *    the sweep's start and end).
 *
 *    The machine is shared (2 CPUs here, often with other work running), so absolute times move
 *    from run to run; the plain loop, measured in the same process just before, is the reference
 *    that makes the comparison fair.
 * 2. Long runs. A few runs of ≥ 5 s each (steps calibrated here) at concurrency 2: the sweep's wall
 *    time against the sum of the runs' stored training durations / 2. Target: within 10 %.
 *
 * Each phase trains at its own learning rate so that its configHashes are new: no phase finds
 * another's results in the store (a cache hit would train nothing).
 *
 *   npm run bench:sweep
 *   npm run bench:sweep -- --runs 100 --long-runs 6 --long-seconds 5
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createIoActivities } from '../activities/io.js';
import { trainedRun } from '../activities/train.js';
import { createEngine } from '../src/learn/engine/index.js';
import type { RunConfig } from '../src/learn/runConfig.js';
import { resolveRun, runTraining } from '../src/learn/trainer.js';
import { openStore, type Store } from '../src/store/index.js';
import { expandSweep, runConfig } from '../src/sweep/expand.js';
import type { RawSweepSpec, SweepStatus } from '../src/sweep/messages.js';
import { parseSweepSpec } from '../src/sweep/spec.js';
import { createTelemetry, type Telemetry } from '../src/telemetry/metrics.js';
import { connectClient } from '../src/temporal/connection.js';
import { startDevServer } from '../src/temporal/devServer.js';
import { startSweep } from '../src/temporal/sweeps.js';
import { createWorkers } from '../src/temporal/worker.js';
import { c3GridSpec } from '../test/helpers/sweepRuns.js';
import { markdown } from './markdown.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const RUNS = Number(option('runs') ?? 200);
const LONG_RUNS = Number(option('long-runs') ?? 4);
const LONG_SECONDS = Number(option('long-seconds') ?? 5);
const CONCURRENCIES = (option('concurrency') ?? '1,2').split(',').map(Number);
const LONG_CONCURRENCY = 2;
const TARGET_OVERHEAD_MS = 50;
/** The concurrency the overhead target is checked at (the plain loop's: one training at a time). */
const TARGET_CONCURRENCY = 1;
const TARGET_LONG_EXCESS = 0.1;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const log = (line: string) => process.stderr.write(`  ${line}\n`);

/** The short runs' cell: the smallest group and k, so that training is as cheap as it gets. */
function shortSpec(name: string, lr: number, widths: number[]): RawSweepSpec {
  const train = { optimizer: 'per-neuron', lr, init: 1e-3, steps: 1, clip: 0.1 };
  return c3GridSpec(name, widths, train, { engine: { name: 'onnx' } });
}

/** The long runs' cell: every step trained (no early stop on success), `steps` set by calibration. */
function longSpec(name: string, steps: number, widths: number[]): RawSweepSpec {
  return {
    name,
    groups: ['C6'],
    encodings: [{ kind: 'onehot' }],
    k: [2],
    models: ['mlp'],
    width: { values: widths, seeds: 1 },
    train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps, clip: 0.1, stopOnSuccess: false },
    engine: { name: 'onnx' },
  };
}

function configsOf(raw: RawSweepSpec): RunConfig[] {
  const spec = parseSweepSpec(raw, 'bench');
  const [cell] = expandSweep(spec).cells;
  return (raw['width'] as { values: number[] }).values.map((H) => runConfig(cell, H, 0));
}

interface PlainTimes {
  /** Per run, ms: the training alone. */
  train: number[];
  /** CPU ms of this process over the trainings alone. */
  trainCpuMs: number;
  /** Per run, ms: the io activities' store writes for that run (planProbes, recordRun). */
  store: number[];
  wallMs: number;
}

/**
 * The reference: the same trainings in a plain loop on one engine, then (timed apart) the store
 * writes the io activities make for each, so the store's share of the overhead shows.
 */
async function plainLoop(store: Store, telemetry: Telemetry, raw: RawSweepSpec): Promise<PlainTimes> {
  const engine = await createEngine('onnx');
  const io = createIoActivities({ repository: store.repository(), telemetry });
  const sweepId = String(raw['name']);
  const [{ cell, cellId }] = (await io.registerCells(sweepId, raw)).cells;
  // Warm-up (not timed): the engine compiles its graphs on first use; the worker's does the same in
  // its warm-up sweep below.
  for (const config of configsOf(shortSpec('warm', 0.5, [500, 501]))) await runTraining(config, engine);
  const times: PlainTimes = { train: [], store: [], wallMs: 0, trainCpuMs: 0 };
  const start = performance.now();
  for (const config of configsOf(raw)) {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const result = await runTraining(config, engine);
    const t1 = performance.now();
    const used = process.cpuUsage(cpu);
    times.trainCpuMs += (used.user + used.system) / 1000;
    // What a sweep writes per run: CellWorkflow's planProbes (which claims the run) and
    // RunWorkflow's recordRun.
    const { tickets } = await io.planProbes(cell, cellId, [{ H: config.model.H, seed: 0 }], 'grid');
    await io.recordRun(
      tickets[0],
      trainedRun(result, resolveRun(config), {
        engine: 'onnx',
        backend: 'cpu',
        worker: 'bench',
        attempt: 1,
        attempts: 1,
        resumedFromStep: null,
      }),
    );
    times.train.push(t1 - t0);
    times.store.push(performance.now() - t1);
  }
  times.wallMs = performance.now() - start;
  return times;
}

interface StoredRun {
  h: number;
  finished: number;
  durationMs: number;
  outcome: string;
}

async function storedRuns(store: Store, sweepId: string): Promise<StoredRun[]> {
  const rows = await store.driver.query<{
    h: number;
    finished_at: Date | string;
    duration_ms: number;
    outcome: string;
  }>(
    `SELECT r.h, r.finished_at, r.duration_ms, r.outcome::text AS outcome
       FROM run r JOIN cell_run cr ON cr.run_id = r.id JOIN cell c ON c.id = cr.cell_id
       JOIN sweep s ON s.id = c.sweep_id
      WHERE s.name = $1 AND r.finished_at IS NOT NULL
      ORDER BY r.finished_at`,
    [sweepId],
  );
  return rows.map((r) => ({
    h: r.h,
    finished: new Date(r.finished_at).getTime(),
    durationMs: r.duration_ms,
    outcome: r.outcome,
  }));
}

/** Starts the sweep and waits for its result: wall ms from the start call to the result. */
async function timeSweep(
  client: Client,
  raw: RawSweepSpec,
): Promise<{ wallMs: number; startedAt: number; endedAt: number; cpuMs: number; serverCpuMs: number }> {
  const startedAt = Date.now();
  const cpu = process.cpuUsage();
  const serverCpu = serverCpuMs();
  const start = performance.now();
  const handle = await startSweep(client, raw);
  const status = (await handle.result()) as SweepStatus;
  const wallMs = performance.now() - start;
  if (status.state !== 'done') throw new Error(`sweep ${raw['name']} ended ${status.state}`);
  const used = process.cpuUsage(cpu);
  return {
    wallMs,
    startedAt,
    endedAt: Date.now(),
    cpuMs: (used.user + used.system) / 1000,
    serverCpuMs: serverCpuMs() - serverCpu,
  };
}

/**
 * CPU time (user + system, ms) the dev server process has used, from /proc (Linux; NaN elsewhere).
 * On a machine shared with other work, CPU time per run moves much less than wall time.
 */
function serverCpuMs(): number {
  try {
    const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
/** USER_HZ: the unit of /proc's CPU times (100 on Linux). */
const CLOCK_TICKS = 100;

// The SDK logs every worker state change at INFO; only its warnings matter beside the tables, less
// the one every train-only worker gives (it polls no workflow tasks, by design).
Runtime.install({
  logger: new DefaultLogger('WARN', ({ level, message }) => {
    if (!message.startsWith('No workflows registered')) log(`temporal ${level}: ${message}`);
  }),
});

const t0 = performance.now();
const dir = mkdtempSync(join(tmpdir(), 'sgc-bench-sweep-'));
const server = await startDevServer({ uiPort: null });
const store = await openStore({ target: { kind: 'embedded', home: dir }, create: true });
const telemetry = createTelemetry();
const temporal = { address: server.address, namespace: 'default' };
const client = await connectClient(temporal);
log(`embedded stack up in ${((performance.now() - t0) / 1000).toFixed(1)} s (${server.address})`);

/** Runs `work` with a fresh in-process worker of the given concurrency, warmed up by a 2-run sweep. */
async function withWorkers<T>(concurrency: number, work: () => Promise<T>): Promise<T> {
  const workers = await createWorkers({
    temporal,
    repository: store.repository(),
    telemetry,
    concurrency,
    checkpointDir: join(dir, 'checkpoints'),
  });
  const running = workers.run();
  try {
    await timeSweep(client, shortSpec(`warm-c${concurrency}`, 0.5 + concurrency, [600, 601]));
    return await work();
  } finally {
    workers.shutdown();
    await running;
  }
}

const widths = Array.from({ length: RUNS }, (_, i) => i + 1);
const shortRows: (string | number)[][] = [];
let shortOk = true;
try {
  for (const [index, concurrency] of CONCURRENCIES.entries()) {
    // Distinct learning rates: every phase trains configs the store has not seen.
    const plain = await plainLoop(
      store,
      telemetry,
      shortSpec(`plain-c${concurrency}`, 0.02 + index / 100, widths),
    );
    const raw = shortSpec(`temporal-c${concurrency}`, 0.01 + index / 1000, widths);
    const { wallMs, startedAt, endedAt, cpuMs, serverCpuMs } = await withWorkers(concurrency, () =>
      timeSweep(client, raw),
    );
    const runs = await storedRuns(store, String(raw['name']));
    if (runs.length !== RUNS)
      throw new Error(`sweep ${raw['name']}: ${runs.length} runs stored, not ${RUNS}`);
    const gaps = runs.slice(1).map((r, i) => r.finished - runs[i].finished);
    const perRun = median(gaps);
    const plainMedian = median(plain.train);
    const overhead = perRun - plainMedian;
    // The target's measure: everything the sweep took beyond its trainings, start to result, per run.
    const wallOverhead = wallMs / RUNS - plainMedian;
    if (concurrency === TARGET_CONCURRENCY) shortOk &&= wallOverhead <= TARGET_OVERHEAD_MS;
    log(
      `concurrency ${concurrency}: plain ${(plain.wallMs / 1000).toFixed(2)} s, ` +
        `temporal ${(wallMs / 1000).toFixed(2)} s, first run finished after ${runs[0].finished - startedAt} ms`,
    );
    shortRows.push([
      concurrency,
      RUNS,
      (sum(plain.train) / 1000).toFixed(2),
      plainMedian.toFixed(2),
      median(plain.store).toFixed(1),
      (wallMs / 1000).toFixed(2),
      (wallMs / RUNS).toFixed(1),
      perRun.toFixed(1),
      overhead.toFixed(1),
      wallOverhead.toFixed(1),
      (plain.trainCpuMs / RUNS).toFixed(1),
      `${((cpuMs + serverCpuMs) / RUNS).toFixed(1)} (${(cpuMs / RUNS).toFixed(0)} + ${(serverCpuMs / RUNS).toFixed(0)})`,
      (wallMs / sum(plain.train)).toFixed(0),
      runs[0].finished - startedAt,
      endedAt - runs.at(-1)!.finished,
    ]);
  }
} catch (error) {
  shortOk = false;
  console.error(error);
}

// Long runs: calibrate the steps so that one run takes LONG_SECONDS alone, then run them at once.
const longRows: (string | number)[][] = [];
let longOk = true;
try {
  const engine = await createEngine('onnx');
  const probeSteps = 2000;
  const [probe] = configsOf(longSpec('calibrate', probeSteps, [64]));
  await runTraining(probe, engine);
  const probeResult = await runTraining(probe, engine);
  const steps = Math.ceil(((LONG_SECONDS * 1.1) / probeResult.seconds) * probeSteps);
  log(`long runs: ${steps} steps (${((probeResult.seconds / probeSteps) * 1e6).toFixed(0)} µs/step alone)`);
  const raw = longSpec(
    'long',
    steps,
    Array.from({ length: LONG_RUNS }, (_, i) => 64 + i),
  );
  const { wallMs } = await withWorkers(LONG_CONCURRENCY, () => timeSweep(client, raw));
  const runs = await storedRuns(store, 'long');
  if (runs.length !== LONG_RUNS) throw new Error(`sweep long: ${runs.length} runs stored, not ${LONG_RUNS}`);
  const trainingMs = sum(runs.map((r) => r.durationMs));
  const ideal = trainingMs / LONG_CONCURRENCY;
  const excess = wallMs / ideal - 1;
  longOk = excess <= TARGET_LONG_EXCESS;
  longRows.push([
    LONG_CONCURRENCY,
    LONG_RUNS,
    steps,
    (Math.min(...runs.map((r) => r.durationMs)) / 1000).toFixed(2),
    (Math.max(...runs.map((r) => r.durationMs)) / 1000).toFixed(2),
    (trainingMs / 1000).toFixed(2),
    (ideal / 1000).toFixed(2),
    (wallMs / 1000).toFixed(2),
    `${(excess * 100).toFixed(1)} %`,
  ]);
} catch (error) {
  longOk = false;
  console.error(error);
}

console.log(
  markdown(
    [
      'concurrency',
      'runs',
      'plain s',
      'plain ms/run (median)',
      'store ms/run (median)',
      'temporal s',
      'temporal ms/run (wall/runs)',
      'temporal ms/run (median gap)',
      'overhead ms/run (median gap − plain)',
      'overhead ms/run (wall/runs − plain)',
      'plain CPU ms/run',
      'temporal CPU ms/run (sgc + server)',
      'temporal/plain',
      'first run ms',
      'last run → result ms',
    ],
    shortRows,
  ),
);
console.log(
  `\nOverhead per run (wall/runs − plain) = the sweep's wall time from the start call to its result, divided` +
    ` by the number of runs, minus the median plain training time: what the target is checked against, at` +
    ` concurrency ${TARGET_CONCURRENCY} (the plain loop trains one at a time); target ≤ ${TARGET_OVERHEAD_MS} ms:` +
    ` ${shortOk ? 'met' : 'NOT met'}. (median gap − plain) uses the median gap between consecutive runs'` +
    ` finished_at instead: the steady rhythm, without the sweep's start and end, and sensitive to runs` +
    ` finishing in bursts. store ms/run: planProbes + recordRun called directly, not in the plain time.` +
    ` CPU ms/run: CPU time per run, plain: this process over the trainings; temporal: this process (worker,` +
    ` store, trainings) + the Temporal dev server, start to result.` +
    ` 1 step of the mlp on C3, k = 2, H = 1…${RUNS}, onnx; ${availableParallelism()} CPUs.\n`,
);
console.log(
  markdown(
    [
      'concurrency',
      'runs',
      'steps',
      'shortest run s',
      'longest run s',
      'Σ training s',
      'Σ training / concurrency s',
      'sweep wall s',
      'wall over ideal',
    ],
    longRows,
  ),
);
console.log(
  `\nΣ training = the runs' duration_ms in the store; target: wall within ${TARGET_LONG_EXCESS * 100} % of` +
    ` Σ training / concurrency: ${longOk ? 'met' : 'NOT met'}. mlp on C6, k = 2, H = 64…, onnx.` +
    ` Whole bench ${((performance.now() - t0) / 1000).toFixed(0)} s.`,
);

await store.close();
await server.stop();
rmSync(dir, { recursive: true, force: true });
process.exitCode = shortOk && longOk ? 0 : 1;
