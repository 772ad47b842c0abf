/**
 * Runs routed to the hardware they name (issue 17), on a real Temporal dev server and PostgreSQL with
 * in-process workers: a CPU worker never takes a run whose spec names `cuda` (it waits on
 * sgc-train-onnx-cuda, which nobody polls here) and takes a run that says `backend: any`; a worker
 * whose device fails gives the run back (it stops polling) and another worker trains it, in one
 * uncounted attempt. No GPU is needed: the failing device is an engine whose step throws what
 * onnxruntime's CUDA provider says when the device runs out of memory.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TensorEngine } from '../../../src/learn/engine/engine.js';
import { createEngine } from '../../../src/learn/engine/index.js';
import { cancelSweep, startSweep } from '../../../src/temporal/sweeps.js';
import type { WorkerSettings } from '../../../src/temporal/worker.js';
import { openSweepBed, type SweepBed } from '../../helpers/sweepBed.js';
import { c3GridSpec, TRAIN } from '../../helpers/sweepRuns.js';
import { waitFor } from '../../helpers/temporal.js';

/** Outcomes of a run that trained to its end (200 steps may or may not learn C3). */
const TRAINED = ['succeeded', 'failed'];

let bed: SweepBed;

function spec(name: string, backend: string, width = 6) {
  return c3GridSpec(
    name,
    [width],
    { ...TRAIN, steps: 200, stopOnSuccess: false },
    { engine: { name: 'onnx', backend } },
  );
}

/** In-process workers with this identity (and `settings`), stopped by the file's end at the latest. */
const start = (settings: Partial<WorkerSettings> & { identity: string }) => bed.startWorkers(settings);

interface RunRow {
  status: string;
  outcome: string | null;
  worker: string | null;
  backend: string | null;
  attempt: number;
}
async function runsOf(sweep: string): Promise<RunRow[]> {
  return bed.store.driver.query<RunRow>(
    `SELECT r.status::text AS status, r.outcome::text AS outcome, r.worker, r.backend, r.attempt
       FROM run r JOIN cell_run cr ON cr.run_id = r.id JOIN cell c ON c.id = cr.cell_id
       JOIN sweep s ON s.id = c.sweep_id WHERE s.name = $1`,
    [sweep],
  );
}

/** Pollers of a task queue's activity tasks, as the server sees them. */
async function activityPollers(queue: string): Promise<string[]> {
  const response = await bed.client.workflowService.describeTaskQueue({
    namespace: bed.temporal.namespace,
    taskQueue: { name: queue },
    taskQueueType: 2, // TASK_QUEUE_TYPE_ACTIVITY
  });
  return (response.pollers ?? []).map((p) => p.identity ?? '');
}

describe('runs routed by engine and backend, on a real Temporal server', { timeout: 240_000 }, () => {
  before(async () => {
    bed = await openSweepBed('sgc-routing-');
  });

  after(() => bed?.close());

  test('a CPU worker takes the `any` run and never the `cuda` one', async () => {
    const cpu = await start({ identity: 'cpu-worker' });
    await startSweep(bed.client, spec('route-cuda', 'cuda'));
    await startSweep(bed.client, spec('route-any', 'any'));
    const [anyRun] = await waitFor('the any run to finish', async () => {
      const rows = await runsOf('route-any');
      return rows.length === 1 && rows[0].status === 'done' ? rows : undefined;
    });
    assert.deepEqual(
      { worker: anyRun.worker, backend: anyRun.backend },
      { worker: 'cpu-worker', backend: 'cpu' },
    );
    assert.ok(TRAINED.includes(anyRun.outcome ?? ''), `trained: ${anyRun.outcome}`);
    // The cuda run was asked for (its RunWorkflow exists and claimed it) but nobody trains it.
    const [cudaRun] = await waitFor('the cuda run to be claimed', async () => {
      const rows = await runsOf('route-cuda');
      return rows.length === 1 ? rows : undefined;
    });
    await new Promise((r) => setTimeout(r, 2000));
    const [still] = await runsOf('route-cuda');
    assert.equal(still.outcome, null, `cuda run untouched: ${JSON.stringify(still)}`);
    assert.equal(still.worker, cudaRun.worker);
    assert.notEqual(still.worker, 'cpu-worker');
    // Pollers as the server saw them lately: nobody ever polled the cuda queue.
    assert.deepEqual(await activityPollers('sgc-train-onnx-cuda'), []);
    assert.ok((await activityPollers('sgc-train-onnx-cpu')).includes('cpu-worker'));
    assert.ok((await activityPollers('sgc-train')).includes('cpu-worker'));
    await cancelSweep(bed.client, 'route-cuda');
    await cpu.stop();
  });

  test('a native-engine sweep trains on the native queue, with the compiler in its identity', async () => {
    const worker = await start({ identity: 'native-worker' });
    await startSweep(
      bed.client,
      c3GridSpec(
        'route-native',
        [6],
        { ...TRAIN, steps: 200, stopOnSuccess: false },
        { engine: { name: 'native' } },
      ),
    );
    const [run] = await waitFor('the native run to finish', async () => {
      const rows = await runsOf('route-native');
      return rows.length === 1 && rows[0].status === 'done' ? rows : undefined;
    });
    assert.ok(TRAINED.includes(run.outcome ?? ''), `trained: ${run.outcome}`);
    assert.deepEqual(
      { worker: run.worker, backend: run.backend },
      { worker: 'native-worker', backend: 'cpu' },
    );
    assert.ok((await activityPollers('sgc-train-native')).includes('native-worker'));
    const [stored] = await bed.store.driver.query<{ engine: string; libraries: Record<string, string> }>(
      `SELECT r.engine, r.libraries FROM run r JOIN cell_run cr ON cr.run_id = r.id JOIN cell c ON c.id = cr.cell_id
         JOIN sweep s ON s.id = c.sweep_id WHERE s.name = 'route-native'`,
    );
    assert.equal(stored.engine, 'native');
    assert.match(stored.libraries.cc, /-O3 -march=native/);
    await worker.stop();
  });

  test('a device failure gives the run back: the worker stops polling and another trains it, uncounted', async () => {
    let failures = 0;
    // A worker that says it trains onnx on cuda, whose device fails at the first step.
    const failingDevice = async (name?: string): Promise<TensorEngine> => {
      const cpuEngine = await createEngine(name, 'cpu');
      return {
        name: cpuEngine.name,
        backend: 'cuda',
        async open(setup) {
          const session = await cpuEngine.open(setup);
          const outOfMemory = async (): Promise<never> => {
            failures++;
            throw new Error('CUDA failure 2: out of memory ; GPU=0 ; file=cuda_allocator.cc');
          };
          // Every training call fails (one step or many per call).
          return { ...session, step: outOfMemory, steps: outOfMemory };
        },
      };
    };
    const gpu = await start({
      identity: 'gpu-worker',
      queues: ['sgc-train', 'sgc-io'],
      backends: { onnx: 'cuda' },
      createEngine: failingDevice,
    });
    // Another width than the first test's: not a cache hit.
    await startSweep(bed.client, spec('route-device', 'any', 7));
    await waitFor('the device to fail', () => failures > 0);
    // The RunWorkflow asks again a second later: were gpu-worker still polling, it would fail again.
    await new Promise((r) => setTimeout(r, 3000));
    const cpu = await start({ identity: 'cpu-worker-2', queues: ['sgc-train'] });
    const [run] = await waitFor('the run to finish on the other worker', async () => {
      const rows = await runsOf('route-device');
      return rows.length === 1 && rows[0].status === 'done' ? rows : undefined;
    });
    assert.equal(failures, 1, 'the failing worker took the run once');
    assert.ok(TRAINED.includes(run.outcome ?? ''), `trained: ${run.outcome}`);
    assert.equal(run.worker, 'cpu-worker-2');
    assert.equal(run.backend, 'cpu');
    // Temporal's attempt of the training that finished: the failed one was not counted against it.
    assert.equal(run.attempt, 1);
    await cpu.stop();
    await gpu.stop();
  });
});
