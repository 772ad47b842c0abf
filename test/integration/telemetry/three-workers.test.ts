/**
 * Issue 15's proof that the metrics are the truth: three `sgc worker` processes (engines onnx, tfjs,
 * and all) on one real Temporal dev server and one real PostgreSQL. During and after a small sweep,
 * every worker's /metrics reports the same sweep and cell gauge values, equal to what the store's
 * views (min_width_by_k, run_summary) say; promtool check metrics is clean on each; once the sweep
 * has been over for longer than the window, its gauges leave every worker.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { openStore, resolveTarget, type Store } from '../../../src/store/index.js';
import type { SweepStatus } from '../../../src/sweep/messages.js';
import { connectClient } from '../../../src/temporal/connection.js';
import { startSweep } from '../../../src/temporal/sweeps.js';
import {
  expectedStoreLines,
  promtoolCheck,
  sampleValue,
  storeGaugeLines,
} from '../../helpers/metrics-text.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';
import { startTemporal, type TestTemporal, waitFor } from '../../helpers/temporal.js';
import { startWorkerProcess, stopWorkerProcesses, type WorkerProcess } from '../../helpers/workerProcess.js';

/** Seconds an ended sweep stays in the gauges: long enough for the checks after the sweep. */
const WINDOW_S = 12;

/** Three cells searched from H = 2 with short runs: a sweep of tens of seconds on a shared machine. */
const spec = {
  name: 'three-workers',
  groups: ['C3', 'C4', 'D3'],
  encodings: [{ kind: 'onehot' }],
  k: [2],
  models: ['mlp'],
  width: { search: { start: 2, max: 32 }, seeds: 1 },
  train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: 2500, clip: 0.1 },
};

describe('three sgc workers report the sweep gauges of the store', { timeout: 420_000 }, () => {
  let dir: string;
  let temporal: TestTemporal | undefined;
  let postgres: PostgresServer | undefined;
  let store: Store | undefined;
  let client: Client | undefined;
  const workers: WorkerProcess[] = [];
  let final: SweepStatus | undefined;
  /** Comparisons made while the sweep ran with cells still searching, and how many were needed. */
  let during = 0;
  let endedAt = 0;

  const scrape = async (w: WorkerProcess) => {
    const r = await fetch(w.url);
    assert.equal(r.status, 200, `${w.name}: HTTP ${r.status}`);
    return r.text();
  };

  const startWorker = async (name: string, args: string[], env: Record<string, string>) => {
    const w = await startWorkerProcess(name, ['--checkpoints', join(dir, `ckpt-${name}`), ...args], {
      cwd: dir,
      env: { ...process.env, ...env },
    });
    workers.push(w);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sgc-three-workers-'));
    [temporal, postgres] = await Promise.all([startTemporal(), startPostgres()]);
    const url = await postgres.createDatabase();
    store = await openStore({ target: resolveTarget({ env: { DATABASE_URL: url } }), migrate: true });
    client = await connectClient({ address: temporal.address, namespace: temporal.namespace });
    const env = {
      DATABASE_URL: url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      SGC_METRICS_SWEEP_WINDOW: `${WINDOW_S}s`,
    };
    // One at a time: each bundles the workflow code, which takes most of two shared cores.
    await startWorker('onnx', ['--engine', 'onnx'], env);
    await startWorker('tfjs', ['--engine', 'tfjs'], env);
    await startWorker('all', [], env);
  });

  after(async () => {
    await stopWorkerProcesses(workers);
    await client?.connection.close();
    await store?.close();
    await temporal?.stop();
    await postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('during the sweep, every worker reports the gauges the store holds', async (t) => {
    const db = store!.driver;
    const handle = await startSweep(client!, spec);
    const result = handle.result() as Promise<SweepStatus>;
    let finished = false;
    result.then(
      () => (finished = true),
      () => (finished = true),
    );
    let unstable = 0;
    let promtoolChecked = false;
    while (!finished) {
      // The store may move while the three scrapes run: compare only when it held still around
      // them (the same rows before and after), which is most of the time between two runs.
      const before = await expectedStoreLines(db, [spec.name]);
      const texts = await Promise.all(workers.map(scrape));
      const afterwards = await expectedStoreLines(db, [spec.name]);
      if (JSON.stringify(before) !== JSON.stringify(afterwards) || before.length === 0) {
        unstable++;
        continue;
      }
      for (const [i, text] of texts.entries())
        assert.deepEqual(storeGaugeLines(text, [spec.name]), before, `${workers[i].name} during the sweep`);
      const searching = before.some((l) => /^sgc_sweep_cells\{.*state="searching".*\} [1-9]/.test(l));
      const running = before.some((l) => l.startsWith('sgc_sweep_info{') && l.includes('state="running"'));
      if (searching && running) during++;
      if (!promtoolChecked && searching) {
        for (const [i, text] of texts.entries()) {
          const r = promtoolCheck(text);
          assert.equal(r.output, '', `${workers[i].name}: ${r.output}`);
          assert.equal(r.code, 0);
        }
        promtoolChecked = true;
      }
      await sleep(150);
    }
    final = await result;
    t.diagnostic(`${during} agreeing comparisons while cells searched, ${unstable} skipped (store moving)`);
    assert.equal(final.state, 'done');
    assert.ok(during >= 3, `only ${during} comparisons while cells were searching`);
    assert.ok(promtoolChecked, 'promtool ran during the sweep');
  });

  test('after the sweep, every worker reports the same values, equal to min_width_by_k', async () => {
    assert.ok(final, 'the sweep ran');
    const db = store!.driver;
    const want = await expectedStoreLines(db, [spec.name]);
    const cells = await db.query<{
      group_name: string;
      k: number;
      model: string;
      encoding: string;
      min_width: number | null;
    }>(`SELECT group_name, k, model, encoding, min_width FROM min_width_by_k WHERE sweep = $1`, [spec.name]);
    assert.equal(cells.length, 3);
    assert.ok(
      cells.some((c) => c.min_width !== null),
      'a cell found its H*',
    );
    const [{ age }] = await db.query<{ age: number }>(
      `SELECT extract(epoch FROM now() - updated_at)::float8 AS age FROM sweep WHERE name = $1`,
      [spec.name],
    );
    endedAt = Date.now() - age * 1000;
    for (const w of workers) {
      const text = await scrape(w);
      assert.deepEqual(storeGaugeLines(text, [spec.name]), want, `${w.name} after the sweep`);
      for (const c of cells) {
        const labels = {
          sweep: spec.name,
          group: c.group_name,
          encoding: c.encoding,
          model: c.model,
          k: String(c.k),
        };
        assert.equal(sampleValue(text, 'sgc_min_width', labels), c.min_width ?? undefined, `${w.name}: H*`);
      }
      assert.equal(sampleValue(text, 'sgc_sweep_info', { sweep: spec.name, state: 'done' }), 1);
      assert.equal(sampleValue(text, 'sgc_store_up'), 1);
      const r = promtoolCheck(text);
      assert.equal(r.output, '', `${w.name}: ${r.output}`);
      assert.equal(r.code, 0);
      assert.match(text, /^process_cpu_seconds_total /m, 'the standard Node.js process metrics');
    }
    // Per-worker metrics stay per worker: the trainings were shared out, so no single worker's
    // counter holds them all, and only the workers that poll onnx's queue trained.
    const finishedBy = await Promise.all(
      workers.map(async (w) => {
        const text = await scrape(w);
        return ['succeeded', 'failed', 'diverged'].reduce(
          (sum, outcome) =>
            sum +
            (sampleValue(text, 'sgc_runs_finished_total', { outcome, engine: 'onnx', backend: 'cpu' }) ?? 0),
          0,
        );
      }),
    );
    assert.equal(finishedBy[1], 0, 'the tfjs worker trained no onnx run');
    const [{ trained }] = await db.query<{ trained: number }>(
      `SELECT count(DISTINCT run_id)::integer AS trained FROM run_summary
        WHERE sweep = $1 AND status = 'done' AND outcome::text IN ('succeeded', 'failed', 'diverged')`,
      [spec.name],
    );
    assert.equal(
      finishedBy.reduce((a, b) => a + b, 0),
      trained,
      `each trained run counted once, by the worker that trained it: ${finishedBy.join(' + ')}`,
    );
  });

  test('once the window has passed, the ended sweep leaves every worker', async () => {
    assert.ok(endedAt > 0, 'the sweep ended');
    await waitFor(
      'the sweep gauges to leave every worker',
      async () => {
        const texts = await Promise.all(workers.map(scrape));
        return texts.every((text) => storeGaugeLines(text, [spec.name]).length === 0);
      },
      (WINDOW_S + 20) * 1000,
      500,
    );
    const seconds = (Date.now() - endedAt) / 1000;
    assert.ok(seconds >= WINDOW_S - 1, `left ${seconds} s after the end; window ${WINDOW_S} s`);
    for (const w of workers) assert.equal(sampleValue(await scrape(w), 'sgc_store_up'), 1, w.name);
  });
});
