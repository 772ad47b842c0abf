/**
 * Issue 6's proof, end to end and with no mocks: a real Temporal dev server, a real PostgreSQL store,
 * a worker in this process serving /metrics, a real Prometheus scraping it every second. After a
 * small sweep, every PromQL expression of every dashboard returns data through Prometheus' HTTP API,
 * sgc_min_width (read from the store at scrape time) holds exactly the H* the store holds per cell, and sgc_runs_finished_total counts
 * the runs that were trained.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { openStore, type Store } from '../../../src/store/index.js';
import type { SweepStatus } from '../../../src/sweep/messages.js';
import { createTelemetry, type Telemetry } from '../../../src/telemetry/metrics.js';
import { type MetricsServer, startMetricsServer } from '../../../src/telemetry/server.js';
import { attachStoreGauges } from '../../../src/telemetry/store-gauges.js';
import { connectClient } from '../../../src/temporal/connection.js';
import { startSweep } from '../../../src/temporal/sweeps.js';
import { createWorkers, type SgcWorkers } from '../../../src/temporal/worker.js';
import { sweepWorkflowId } from '../../../workflows/definitions.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';
import { type PrometheusServer, startPrometheus, waitForEveryPromQL } from '../../helpers/prometheus.js';
import { startTemporal, type TestTemporal, waitFor } from '../../helpers/temporal.js';

/** Two cells searched from H = 2 with short runs (each well under a second): a sweep of seconds. */
const spec = {
  name: 'prom-sweep',
  groups: ['C3', 'D3'],
  encodings: [{ kind: 'onehot' }],
  k: [2],
  models: ['mlp'],
  width: { search: { start: 2, max: 32 }, seeds: 1 },
  train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: 2500, clip: 0.1 },
};

interface StoredCell {
  sweep: string;
  group_name: string;
  encoding: string;
  model: string;
  k: number;
  min_width: number | null;
  status: string;
}

/** A PromQL string literal (label values here are plain names, but escape anyway). */
const lit = (v: string | number) => JSON.stringify(String(v));

describe('a sweep on real servers, seen through a real Prometheus', { timeout: 180_000 }, () => {
  let dir: string;
  let temporal: TestTemporal | undefined;
  let postgres: PostgresServer | undefined;
  let store: Store | undefined;
  let client: Client | undefined;
  let telemetry: Telemetry;
  let workers: SgcWorkers | undefined;
  let workersDone: Promise<void> | undefined;
  let metrics: MetricsServer | undefined;
  let prometheus: PrometheusServer | undefined;
  let cells: StoredCell[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sgc-sweep-prometheus-'));
    [temporal, postgres] = await Promise.all([startTemporal(), startPostgres()]);
    const url = await postgres.createDatabase();
    store = await openStore({ target: { kind: 'postgres', url }, migrate: true });
    client = await connectClient({ address: temporal.address, namespace: temporal.namespace });
    telemetry = createTelemetry();
    // The sweep and cell gauges come from the store at each scrape, as in `sgc worker`.
    attachStoreGauges(telemetry, store.driver);
    metrics = await startMetricsServer({ host: '127.0.0.1', port: 0, telemetry });
    // Prometheus scrapes from before the first run, so that every counter has samples on both
    // sides of the sweep and rate() over them is positive.
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${metrics.port}`] });
    workers = await createWorkers({
      temporal: { address: temporal.address, namespace: temporal.namespace },
      repository: store.repository(),
      telemetry,
      concurrency: 1,
      checkpointDir: join(dir, 'checkpoints'),
    });
    workersDone = workers.run();
    await waitFor(
      'a first scrape',
      async () => (await prometheus!.query('sgc_build_info')).length > 0,
      20_000,
    );

    await startSweep(client, spec);
    const final = (await client.workflow.getHandle(sweepWorkflowId(spec.name)).result()) as SweepStatus;
    assert.equal(final.state, 'done');
    cells = await store.driver.query<StoredCell>(
      `SELECT sweep, group_name, encoding, model, k, min_width, status::text AS status
         FROM min_width_by_k WHERE sweep = $1 ORDER BY group_name, encoding, model, k`,
      [spec.name],
    );
  });

  after(async () => {
    workers?.shutdown();
    await workersDone;
    await client?.connection.close();
    await prometheus?.stop();
    await metrics?.close();
    await store?.close();
    await temporal?.stop();
    await postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the sweep resolved every cell in the store', () => {
    assert.equal(cells.length, 2, JSON.stringify(cells));
    for (const c of cells) {
      assert.equal(c.status, 'done', JSON.stringify(c));
      assert.notEqual(c.min_width, null, `${c.group_name}/${c.encoding}/k${c.k}/${c.model} has H*`);
    }
  });

  test('every PromQL expression of every dashboard returns data', async () => {
    const distinct = (key: 'group_name' | 'encoding' | 'model') => [...new Set(cells.map((c) => c[key]))];
    const checks = await waitForEveryPromQL(prometheus!, {
      // The store-backed variables take the store's values, as Grafana would; $instance is resolved
      // from Prometheus by the helper. A generous rate window: the sweep's counters moved in the
      // last minute or so.
      variables: {
        sweep: [spec.name],
        group: distinct('group_name'),
        encoding: distinct('encoding'),
        model: distinct('model'),
      },
      rateInterval: '5m',
      timeoutMs: 30_000,
    });
    assert.ok(checks.length >= 20, `${checks.length} expressions checked`);
    const dashboardsSeen = new Set(checks.map((c) => c.dashboard));
    for (const d of ['Minimal width vs k', 'Sweep progress', 'Workers & throughput'])
      assert.ok(dashboardsSeen.has(d), `${d} has PromQL expressions`);
  });

  test('sgc_min_width holds, per cell, the H* that the store holds', async () => {
    const selector = (c: StoredCell) =>
      `sgc_min_width{sweep=${lit(c.sweep)}, group=${lit(c.group_name)}, encoding=${lit(c.encoding)}, model=${lit(c.model)}, k=${lit(c.k)}}`;
    // The last cell resolves moments before the sweep ends: wait for the scrape that saw it.
    await waitFor(
      'sgc_min_width for every cell',
      async () => {
        for (const c of cells) if ((await prometheus!.query(selector(c))).length === 0) return false;
        return true;
      },
      15_000,
      250,
    );
    for (const c of cells) {
      const samples = await prometheus!.query(selector(c));
      assert.equal(samples.length, 1, `${selector(c)}: ${JSON.stringify(samples)}`);
      assert.equal(Number(samples[0].value[1]), c.min_width, selector(c));
    }
    // And nothing more: no series for a cell the store does not have.
    const all = await prometheus!.query(`sgc_min_width{sweep=${lit(spec.name)}}`);
    assert.equal(all.length, cells.length, JSON.stringify(all.map((s) => s.metric)));
  });

  test('sgc_runs_finished_total counts the runs trained', async (t) => {
    const [{ trained, done }] = await store!.driver.query<{ trained: number; done: number }>(
      `SELECT count(*) FILTER (WHERE worker IS NOT NULL AND outcome::text <> 'invalid')::int AS trained,
              count(*)::int AS done
         FROM run WHERE status = 'done'`,
    );
    assert.ok(done > 0);
    // Every run of a fresh store is trained exactly once by our one worker, so the trainings it
    // counted (outcomes other than cached) equal the store's done runs; the total also counts cache
    // hits (none are expected in one fresh sweep), so it is at least that.
    const query = async (promql: string) => {
      const samples = await prometheus!.query(promql);
      return samples.length ? Number(samples[0].value[1]) : Number.NaN;
    };
    const got = await waitFor(
      'the last run to be scraped',
      async () => {
        const t = await query('sum(sgc_runs_finished_total{outcome!="cached"})');
        return t >= done ? t : undefined;
      },
      15_000,
      250,
    );
    const total = await query('sum(sgc_runs_finished_total)');
    const summary = `store: ${done} done runs (${trained} with a worker); Prometheus: ${got} trained, ${total} in all`;
    t.diagnostic(summary);
    assert.equal(got, done, summary);
    assert.ok(total >= done, summary);
    assert.equal(trained, done, 'every done run was trained by a worker');
  });
});
