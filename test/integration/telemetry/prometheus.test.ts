/**
 * A real Prometheus scrapes a real /metrics endpoint fed as a sweep feeds it, and every PromQL
 * expression in every dashboard returns data; sgc_min_width holds exactly the widths set.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTelemetry, type Telemetry } from '../../../src/telemetry/metrics.js';
import { type MetricsServer, startMetricsServer } from '../../../src/telemetry/server.js';
import { type PrometheusServer, startPrometheus, waitForEveryPromQL } from '../../helpers/prometheus.js';

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
  t.sweepRuns({ sweep: SWEEP }, 10 + tick, 40);
}

describe('dashboards against a real Prometheus', () => {
  let telemetry: Telemetry;
  let metrics: MetricsServer;
  let prometheus: PrometheusServer;
  before(async () => {
    telemetry = createTelemetry();
    metrics = await startMetricsServer({ port: 0, telemetry });
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${metrics.port}`] });
    telemetry.runStarted({ engine: 'onnx', backend: 'cpu' }); // one stays in flight
    telemetry.sweepCells({ sweep: SWEEP }, { pending: 0, searching: 1, done: 3 });
    for (const c of cells) {
      telemetry.cellBracket({ sweep: SWEEP, ...c }, 0, null);
      telemetry.cellResolved({ sweep: SWEEP, ...c }, c.width, c.width - 1, c.width);
    }
    // A cell still searching: brackets, no width.
    telemetry.cellBracket({ sweep: SWEEP, group: 'C6', encoding: 'onehot', model: 'tree', k: 4 }, 8, 32);
  });
  after(async () => {
    await prometheus?.stop();
    await metrics?.close();
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
