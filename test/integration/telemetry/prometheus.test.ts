/**
 * A real Prometheus scrapes a real /metrics endpoint whose per-process metrics are fed as a sweep
 * feeds them and whose sweep and cell gauges come from a real PostgreSQL store, and every PromQL
 * expression in every dashboard returns data; sgc_min_width holds exactly the store's widths.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore, resolveTarget, type Store } from '../../../src/store/index.js';
import { createTelemetry, type Telemetry } from '../../../src/telemetry/metrics.js';
import { type MetricsServer, startMetricsServer } from '../../../src/telemetry/server.js';
import { attachStoreGauges } from '../../../src/telemetry/store-gauges.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';
import { type PrometheusServer, startPrometheus, waitForEveryPromQL } from '../../helpers/prometheus.js';
import { seedSweep } from '../../helpers/seed-store.js';

const SWEEP = 'prom-test';
const cells = [
  { group: 'C6', encoding: 'onehot', model: 'mlp', k: 2, width: 12 },
  { group: 'C6', encoding: 'onehot', model: 'mlp', k: 3, width: 72 },
  { group: 'D3', encoding: 'powers-0-30-3000', model: 'rnn', k: 3, width: 8 },
];

/** One tick of a sweep's life: runs start and finish, steps go by, the search probes. */
function activity(t: Telemetry, tick: number) {
  const engine = { engine: 'onnx', backend: 'cpu' };
  t.runStarted(engine);
  t.trainingSteps(engine, 500, 0.02 + 0.01 * (tick % 3));
  t.probe({ phase: tick % 2 ? 'gallop' : 'bisect' });
  t.runFinished({ ...engine, outcome: tick % 4 ? 'succeeded' : 'failed' }, 1.5 + tick, true);
  if (tick % 3 === 0) {
    t.cacheHit();
    t.runFinished({ ...engine, outcome: 'cached' }, 0, false);
  }
}

describe('dashboards against a real Prometheus', { timeout: 120_000 }, () => {
  let telemetry: Telemetry;
  let metrics: MetricsServer;
  let prometheus: PrometheusServer;
  let postgres: PostgresServer | undefined;
  let store: Store | undefined;
  before(async () => {
    postgres = await startPostgres();
    const url = await postgres.createDatabase();
    store = await openStore({ target: resolveTarget({ env: { DATABASE_URL: url } }), migrate: true });
    // Three resolved cells with their runs, and a cell still searching: brackets, no width.
    await seedSweep(store.driver, { name: SWEEP, status: 'running' }, [
      ...cells.map((c) => ({
        ...c,
        status: 'done',
        lo: c.width - 1,
        hi: c.width,
        minWidth: c.width,
        runs: [
          { h: c.width - 1, outcome: 'failed' },
          { h: c.width, outcome: 'succeeded' },
        ],
      })),
      { group: 'C6', encoding: 'onehot', model: 'tree', k: 4, status: 'searching', lo: 8, hi: 32 },
    ]);
    telemetry = createTelemetry();
    attachStoreGauges(telemetry, store.driver, { sweepWindowSeconds: 3600, timeoutMs: 2000 });
    metrics = await startMetricsServer({ port: 0, telemetry });
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${metrics.port}`] });
    telemetry.runStarted({ engine: 'onnx', backend: 'cpu' }); // one stays in flight
  });
  after(async () => {
    await prometheus?.stop();
    await metrics?.close();
    await store?.close();
    await postgres?.stop();
  });

  it('returns data for every PromQL expression of every dashboard', async () => {
    let tick = 0;
    const checks = await waitForEveryPromQL(prometheus, {
      variables: {
        sweep: [SWEEP],
        group: ['C6', 'D3'],
        encoding: ['onehot', 'powers-0-30-3000'],
        model: ['mlp', 'rnn'],
      },
      rateInterval: '20s',
      timeoutMs: 40_000,
      onPoll: () => activity(telemetry, tick++),
    });
    assert.ok(checks.length >= 20, `${checks.length} expressions checked`);
    const workers = checks.filter((c) => c.dashboard === 'Workers & throughput');
    assert.ok(workers.every((c) => c.expr.includes(`instance=~"127\\\\.0\\\\.0\\\\.1:${metrics.port}"`)));
  });

  it('holds in sgc_min_width exactly the widths set, per cell', async () => {
    const samples = await prometheus.query(`sgc_min_width{sweep="${SWEEP}"}`);
    const got = samples
      .map(
        (s) =>
          `${s.metric['group']}/${s.metric['encoding']}/${s.metric['model']}/k${s.metric['k']}=${s.value[1]}`,
      )
      .sort();
    const want = cells.map((c) => `${c.group}/${c.encoding}/${c.model}/k${c.k}=${c.width}`).sort();
    assert.deepEqual(got, want);
    for (const s of samples) assert.equal(s.metric['job'], 'sgc');
    const inFlight = await prometheus.query('sum(sgc_runs_in_flight)');
    assert.equal(Number(inFlight[0].value[1]), 1);
  });
});
