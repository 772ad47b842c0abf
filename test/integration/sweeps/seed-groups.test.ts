/**
 * Seed groups in sweeps (`sgc worker --seed-group S`), on a real Temporal dev server and PostgreSQL
 * with in-process workers: a cell's seeds at one width train as one group on the onnx engine, each
 * run is stored as its own with the numbers it gets trained alone (and a `seed_group` event saying
 * with how many runs it trained), and a sweep cancelled while groups wait for the worker's one slot
 * ends cancelled with nothing trained after.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createEngine } from '../../../src/learn/engine/index.js';
import { type RunConfig, RunConfigSchema } from '../../../src/learn/runConfig.js';
import { runTraining } from '../../../src/learn/trainer.js';
import { IO_QUEUE } from '../../../src/sweep/messages.js';
import { cancelSweep, startSweep } from '../../../src/temporal/sweeps.js';
import { DEFAULT_WORKER_QUEUES } from '../../../src/temporal/worker.js';
import { openSweepBed, type SweepBed } from '../../helpers/sweepBed.js';
import { c3GridSpec, finalSweepStatus, slowSpec, TRAIN } from '../../helpers/sweepRuns.js';
import { waitFor } from '../../helpers/temporal.js';

let bed: SweepBed;
const TRAINING = DEFAULT_WORKER_QUEUES.filter((q) => q !== IO_QUEUE);

interface StoredRun {
  config_hash: string;
  h: number;
  seed: number;
  status: string;
  outcome: string | null;
  steps: number | null;
  final_loss: number | null;
  config: RunConfig;
  seed_group: number | null;
  worker: string | null;
}

async function storedRuns(sweep: string): Promise<StoredRun[]> {
  return bed.store.driver.query<StoredRun>(
    `SELECT DISTINCT r.config_hash, r.h, r.seed, r.status::text AS status, r.outcome::text AS outcome,
            r.steps, r.final_loss, r.config, r.worker,
            (SELECT e.value FROM run_event e WHERE e.run_id = r.id AND e.kind = 'seed_group') AS seed_group
       FROM run r JOIN cell_run cr ON cr.run_id = r.id JOIN cell c ON c.id = cr.cell_id
       JOIN sweep s ON s.id = c.sweep_id
      WHERE s.name = $1 ORDER BY r.h, r.seed`,
    [sweep],
  );
}

describe('seed groups in a sweep, on a real Temporal server', { timeout: 240_000 }, () => {
  before(async () => {
    bed = await openSweepBed('sgc-seed-groups-');
  });

  after(() => bed?.close());

  test("each width's seeds train as one group, with the numbers each gets alone", async () => {
    // A grid starts every (width, seed) at once: two groups of three. No early stop on success, a
    // plateau that stops seeds at different steps.
    const spec = c3GridSpec('seed-groups', [4, 6], {
      ...TRAIN,
      steps: 600,
      plateau: { window: 150, tolerance: 0.05 },
    });
    spec.width = { values: [4, 6], seeds: 3, succeed: 2 } as typeof spec.width;
    // The workflows first; the training worker once all six runs wait for it, so that it finds
    // every seed of a width at once, however slowly this machine starts them.
    const io = await bed.startWorkers({ identity: 'io', queues: [IO_QUEUE] });
    await startSweep(bed.client, spec);
    await waitFor('six runs waiting to train', async () =>
      (await storedRuns(spec.name)).filter((r) => r.status === 'running').length === 6 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const training = await bed.startWorkers({
      identity: 'grouping',
      queues: TRAINING,
      concurrency: 2,
      seedGroup: 3,
    });
    assert.equal((await finalSweepStatus(bed.client, spec.name)).state, 'done');
    await Promise.all([io.stop(), training.stop()]);

    const runs = await storedRuns(spec.name);
    assert.equal(runs.length, 6);
    const engine = await createEngine('onnx');
    for (const run of runs) {
      const label = `H = ${run.h}, seed ${run.seed}`;
      assert.equal(run.status, 'done', label);
      assert.equal(run.seed_group, 3, `${label} trained in a group of 3`);
      const alone = await runTraining(RunConfigSchema.parse(run.config), engine);
      assert.deepEqual(
        { outcome: run.outcome, steps: run.steps, finalLoss: run.final_loss },
        { outcome: alone.outcome, steps: alone.steps, finalLoss: alone.finalLoss },
        `${label}: the group's numbers are its own`,
      );
    }
    assert.ok(
      new Set(runs.map((r) => r.steps)).size > 1,
      'the seeds stopped at different steps (a test of members leaving the group)',
    );
  });

  test('a busy grouping worker takes no runs it cannot train now: an idle worker trains them', async () => {
    const busy = await bed.startWorkers({ identity: 'busy', concurrency: 1, seedGroup: 2 });
    // Two seeds of runs of minutes fill the busy worker's one slot.
    const long = slowSpec('seed-groups-long', [4], 2_000_000);
    long.width = { values: [4], seeds: 2, succeed: 2 } as typeof long.width;
    const longHandle = await startSweep(bed.client, long);
    await waitFor('the long runs started', async () =>
      (await storedRuns(long.name)).filter((r) => r.status === 'running').length === 2 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Two more runs come while it trains. A worker holding runs it could not train (a fixed number
    // of activity slots) would take them now and keep them waiting.
    const short = c3GridSpec('seed-groups-short', [6], { ...TRAIN, steps: 200 });
    short.width = { values: [6], seeds: 2, succeed: 2 } as typeof short.width;
    await startSweep(bed.client, short);
    await waitFor('the short runs started', async () =>
      (await storedRuns(short.name)).filter((r) => r.status === 'running').length === 2 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idle = await bed.startWorkers({ identity: 'idle', concurrency: 1, seedGroup: 2, queues: TRAINING });
    assert.equal((await finalSweepStatus(bed.client, short.name)).state, 'done');
    assert.deepEqual(
      (await storedRuns(short.name)).map((r) => [r.worker, r.seed_group]),
      [
        ['idle', 2],
        ['idle', 2],
      ],
      'the idle worker trained both, as one group',
    );
    await cancelSweep(bed.client, long.name);
    await assert.rejects(longHandle.result(), /cancelled/);
    await Promise.all([busy.stop(), idle.stop()]);
  });

  test('a sweep cancelled while its groups wait for the slot ends cancelled, its waiting runs untrained', async () => {
    const workers = await bed.startWorkers({ identity: 'one-slot', concurrency: 1, seedGroup: 2 });
    // Three widths of two seeds, runs of minutes: one group trains, two wait.
    const spec = slowSpec('seed-groups-cancel', [2, 3, 4], 2_000_000);
    spec.width = { values: [2, 3, 4], seeds: 2, succeed: 2 } as typeof spec.width;
    const handle = await startSweep(bed.client, spec);
    await waitFor(
      'the runs started',
      async () =>
        (await storedRuns(spec.name)).filter((r) => r.status === 'running').length === 6 ? true : undefined,
      60_000,
      200,
    );
    // Let the first group take some steps (and the others heartbeat while they wait).
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await cancelSweep(bed.client, spec.name);
    await assert.rejects(handle.result(), /cancelled/, 'the sweep ends cancelled');
    // Every run, the training ones and the waiting ones, records its cancellation.
    const runs = await waitFor(
      'every run recorded as ended',
      async () => {
        const rows = await storedRuns(spec.name);
        return rows.every((r) => r.status !== 'running') ? rows : undefined;
      },
      30_000,
      200,
    );
    await workers.stop();
    assert.deepEqual(
      runs.map((r) => r.status),
      Array(6).fill('cancelled'),
    );
  });
});
