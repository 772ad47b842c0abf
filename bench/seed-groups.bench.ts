/**
 * Benchmark: seed groups in a sweep (`--seed-group S`, here 4 unless `--seed-group` says) against
 * every run alone, on a real Temporal dev server and PostgreSQL with an in-process worker. Either one grid of
 * widths × 3 seeds (every run started at once, a fixed amount of work: no early stop), or with
 * `--search` the width searches of the paper's one-hot scaling sweep (3 seeds, success = 2 of 3: two
 * seeds per width first, the third only when they split; runs stop at success), trained by
 *
 *   - the reference: every run alone (`--seed-group 1`), `--concurrency C`;
 *   - seed groups of up to S at the same concurrency (C groups at once);
 *
 * each on fresh configs (its own learning rate, so no setting finds another's results in the store).
 * Printed: the sweep's wall time (start to result), the worker process's CPU time over it, the sum
 * of the runs' stored training times, and the ratio to the reference. Which is faster depends on the
 * device's fixed cost per engine call: docs/performance.md has the figures of this machine.
 *
 *   npm run bench:seed-groups
 *   npm run bench:seed-groups -- --group C11 --widths 50,100,200 --steps 2000 --concurrency 1,2
 *   npm run bench:seed-groups -- --search --group C5,C7,C9 --steps 5000
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../src/store/index.js';
import type { RawSweepSpec } from '../src/sweep/messages.js';
import { createTelemetry } from '../src/telemetry/metrics.js';
import { startSweep } from '../src/temporal/sweeps.js';
import { createWorkers } from '../src/temporal/worker.js';
import { markdown } from './markdown.js';
import { openBenchStack } from './sweepStack.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const SEARCH = process.argv.includes('--search');
const GROUPS = (option('group') ?? 'C11').split(',');
const WIDTHS = (option('widths') ?? '50,100,200').split(',').map(Number);
const STEPS = Number(option('steps') ?? 2000);
const SEEDS = 3;
/** Runs per group of the grouping worker. */
const GROUP_SIZE = Number(option('seed-group') ?? 4);
const CONCURRENCIES = (option('concurrency') ?? '1,2').split(',').map(Number);
const log = (line: string) => process.stderr.write(`  ${line}\n`);

/**
 * The paper's two-layer settings on one-hot cyclic groups (Adam 1e-3, full batch of |G|²): the grid
 * (no early stop), or width searches as examples/paper-onehot-scaling.yaml runs them (from the
 * theory's guess, 2 of 3 seeds, no re-check; a run stops at success).
 */
function spec(name: string, lr: number): RawSweepSpec {
  return {
    name,
    groups: GROUPS,
    encodings: [{ kind: 'onehot' }],
    k: [2],
    models: ['mlp'],
    width: SEARCH
      ? {
          search: { start: 4, max: 512, perOctave: 4, recheck: false, guess: 'theory' },
          seeds: SEEDS,
          succeed: 2,
        }
      : { values: WIDTHS, seeds: SEEDS, succeed: 2 },
    train: { optimizer: 'adam', lr, init: 1e-3, steps: STEPS, stopOnSuccess: SEARCH },
    engine: { name: 'onnx' },
  };
}

/** This process's CPU seconds (all threads: the worker and onnxruntime run here). */
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

async function storedSeconds(
  store: Store,
  sweep: string,
): Promise<{ runs: number; training: number; grouped: number }> {
  const [row] = await store.driver.query<{ runs: number; training: number; grouped: number }>(
    `SELECT count(*)::int AS runs, coalesce(sum(r.duration_ms), 0)::float / 1000 AS training,
            (count(*) FILTER (WHERE EXISTS (SELECT 1 FROM run_event e WHERE e.run_id = r.id AND e.kind = 'seed_group')))::int AS grouped
       FROM run r
      WHERE r.status = 'done' AND r.id IN (SELECT cr.run_id FROM cell_run cr JOIN cell c ON c.id = cr.cell_id
                                             JOIN sweep s ON s.id = c.sweep_id WHERE s.name = $1)`,
    [sweep],
  );
  return row;
}

const t0 = performance.now();
const stack = await openBenchStack('sgc-bench-seeds-', log);
const { dir, store, client, temporal } = stack;
const telemetry = createTelemetry();
log(`stack up in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${availableParallelism()} CPUs`);

async function timeSweep(concurrency: number, seedGroup: number, lr: number) {
  const name = `seeds-c${concurrency}-s${seedGroup}`;
  const workers = await createWorkers({
    temporal,
    repository: store.repository(),
    telemetry,
    concurrency,
    seedGroup,
    checkpointDir: join(dir, 'checkpoints'),
  });
  const running = workers.run();
  try {
    const cpu = cpuSeconds();
    const started = performance.now();
    const handle = await startSweep(client, spec(name, lr));
    await handle.result();
    const wall = (performance.now() - started) / 1000;
    const stored = await storedSeconds(store, name);
    if (!SEARCH && stored.runs !== WIDTHS.length * SEEDS)
      throw new Error(`${name}: ${stored.runs} runs stored`);
    // The searches must have made the same choices for their ratio to mean anything.
    const [cells] = await store.driver.query<{ widths: string }>(
      `SELECT string_agg(c.min_width::text, ',' ORDER BY c.id) AS widths FROM cell c JOIN sweep s ON s.id = c.sweep_id WHERE s.name = $1`,
      [name],
    );
    return { wall, cpu: cpuSeconds() - cpu, ...stored, widths: cells.widths };
  } finally {
    workers.shutdown();
    await running;
  }
}

const rows: (string | number)[][] = [];
try {
  for (const [index, concurrency] of CONCURRENCIES.entries()) {
    // Both must train the same numbers (searches take their next widths from the outcomes), yet
    // under different configs, or the second would find the first's runs in the store: learning
    // rates 1e-13 apart, which are one float32 (the engines compute in float32).
    const lr = 1e-3 + index * 1e-6;
    const alone = await timeSweep(concurrency, 1, lr);
    const grouped = await timeSweep(concurrency, GROUP_SIZE, lr + 1e-13);
    if (SEARCH) log(`H* per cell: alone ${alone.widths}; grouped ${grouped.widths}`);
    for (const [label, r] of [
      ['every run alone (reference)', alone],
      [`seed groups (up to ${GROUP_SIZE})`, grouped],
    ] as const) {
      log(`concurrency ${concurrency}, ${label}: ${r.wall.toFixed(1)} s`);
      rows.push([
        concurrency,
        label,
        `${r.grouped} of ${r.runs}`,
        r.wall.toFixed(1),
        r.cpu.toFixed(1),
        r.training.toFixed(1),
        (alone.wall / r.wall).toFixed(2),
        (alone.cpu / r.cpu).toFixed(2),
      ]);
    }
  }
} finally {
  await stack.close();
}

console.log(
  `\nSeed groups in a sweep: ${GROUPS.join(', ')}, k = 2, one-hot, mlp, Adam, ` +
    (SEARCH
      ? `width searches from the theory's guess, 2 of ${SEEDS} seeds, up to ${STEPS} steps (stop at success)`
      : `widths ${WIDTHS.join(', ')} × ${SEEDS} seeds, ${STEPS} steps each`) +
    ` (full batch), onnx; ${availableParallelism()} CPUs.\n`,
);
console.log(
  markdown(
    [
      'concurrency',
      'worker',
      'runs in a group',
      'sweep wall s',
      'worker CPU s',
      'Σ run training s',
      'reference wall / wall',
      'reference CPU / CPU',
    ],
    rows,
  ),
);
console.log(`\nWhole bench ${((performance.now() - t0) / 1000).toFixed(0)} s.`);
