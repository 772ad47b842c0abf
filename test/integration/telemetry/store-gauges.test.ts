/**
 * The sweep, cell, bracket and H* gauges are read from a real PostgreSQL store at scrape time: two
 * exporters on one store report the same values, equal to the views; sweeps that ended before the
 * window are left out and one that ends leaves once the window has passed; a slow or unreachable
 * store costs the scrape its store gauges (sgc_store_up 0), never the scrape; promtool finds
 * nothing to warn about.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { openStore, resolveTarget, type Store } from '../../../src/store/index.js';
import { createTelemetry, type Telemetry } from '../../../src/telemetry/metrics.js';
import { startMetricsServer } from '../../../src/telemetry/server.js';
import { attachStoreGauges } from '../../../src/telemetry/store-gauges.js';
import {
  expectedStoreLines,
  promtoolCheck,
  sampleValue,
  storeGaugeLines,
} from '../../helpers/metrics-text.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';
import { seedSweep } from '../../helpers/seed-store.js';
import { waitFor } from '../../helpers/temporal.js';

/**
 * A running sweep with a resolved, a searching and a pending cell; a paused sweep untouched for two
 * hours (not ended: shown); a sweep that ended two hours ago (left out); one that ended just now
 * (shown).
 */
async function seed(store: Store) {
  const db = store.driver;
  await seedSweep(db, { name: 'live', status: 'running' }, [
    {
      group: 'C3',
      k: 2,
      status: 'done',
      lo: 4,
      hi: 6,
      minWidth: 6,
      runs: [
        { h: 4, outcome: 'failed' },
        { h: 6, outcome: 'succeeded' },
        { h: 8, outcome: 'succeeded' },
      ],
    },
    {
      group: 'C3',
      k: 3,
      status: 'searching',
      lo: 0,
      hi: 16,
      runs: [
        { h: 16, outcome: 'succeeded' },
        { h: 8, status: 'running' },
      ],
    },
    { group: 'D3', k: 2, model: 'rnn', status: 'pending' },
  ]);
  await seedSweep(db, { name: 'paused-long', status: 'paused', age: '2 hours' }, [
    { group: 'C4', k: 2, status: 'searching', lo: 2, hi: 8 },
  ]);
  await seedSweep(db, { name: 'ended-long-ago', status: 'done', age: '2 hours' }, [
    { group: 'C5', k: 2, status: 'done', lo: 8, hi: 10, minWidth: 10 },
  ]);
  await seedSweep(db, { name: 'ended-now', status: 'stopped' }, [
    { group: 'C6', k: 2, status: 'stopped', lo: 4, hi: 32 },
  ]);
}

describe('sweep and cell gauges read from the store at scrape time', { timeout: 120_000 }, () => {
  let postgres: PostgresServer | undefined;
  let url: string;
  let store: Store | undefined;
  const exporters: Telemetry[] = [];
  const logs: string[] = [];

  /** A fresh exporter on the store, as each worker process has. */
  const exporter = (window = 3600, timeoutMs = 2000) => {
    const t = createTelemetry();
    attachStoreGauges(t, store!.driver, { sweepWindowSeconds: window, timeoutMs }, (l) => logs.push(l));
    exporters.push(t);
    return t;
  };

  before(async () => {
    // Its own server: the last test stops it (a shared one would stay up, and the store with it).
    postgres = await startPostgres({ own: true });
    url = await postgres.createDatabase();
    // DATABASE_URL's target, whatever the store calls that kind.
    store = await openStore({ target: resolveTarget({ env: { DATABASE_URL: url } }), migrate: true });
    await seed(store);
  });
  after(async () => {
    await store?.close();
    await postgres?.stop();
  });

  test('two exporters on one store report the same gauges, equal to the views', async () => {
    const [a, b] = [exporter(), exporter()];
    const [ta, tb] = await Promise.all([a.metricsText(), b.metricsText()]);
    const shown = ['live', 'paused-long', 'ended-now'];
    const want = await expectedStoreLines(store!.driver, shown);
    assert.deepEqual(storeGaugeLines(ta), want);
    assert.deepEqual(storeGaugeLines(tb), want);
    // Spot checks against the seed, in case the views and the gauges were wrong together.
    const c3k2 = { sweep: 'live', group: 'C3', encoding: 'onehot', model: 'mlp', k: '2' };
    assert.equal(sampleValue(ta, 'sgc_min_width', c3k2), 6);
    assert.equal(sampleValue(ta, 'sgc_cell_bracket_lo', { ...c3k2, k: '3' }), 0);
    assert.equal(sampleValue(ta, 'sgc_min_width', { ...c3k2, k: '3' }), undefined, 'not resolved yet');
    assert.equal(sampleValue(ta, 'sgc_sweep_cells', { sweep: 'live', state: 'searching' }), 1);
    assert.equal(sampleValue(ta, 'sgc_sweep_cells', { sweep: 'live', state: 'failed' }), 0);
    assert.equal(sampleValue(ta, 'sgc_sweep_runs', { sweep: 'live', status: 'done' }), 4);
    assert.equal(sampleValue(ta, 'sgc_sweep_runs', { sweep: 'live', status: 'running' }), 1);
    assert.equal(sampleValue(ta, 'sgc_sweep_info', { sweep: 'ended-now', state: 'stopped' }), 1);
    assert.equal(sampleValue(ta, 'sgc_store_up'), 1);
  });

  test('leaves out sweeps that ended before the window; a live sweep stays whatever its age', async () => {
    const text = await exporter().metricsText();
    const sweeps = new Set(storeGaugeLines(text).map((l) => /sweep="([^"]*)"/.exec(l)?.[1]));
    assert.deepEqual([...sweeps].sort(), ['ended-now', 'live', 'paused-long']);
    const none = await exporter(0).metricsText();
    assert.deepEqual(
      [...new Set(storeGaugeLines(none).map((l) => /sweep="([^"]*)"/.exec(l)?.[1]))].sort(),
      ['live', 'paused-long'],
      'window 0: ended sweeps leave at once',
    );
  });

  test('a sweep that ends leaves the gauges once the window has passed', async () => {
    const window = 3;
    const t = exporter(window);
    assert.ok(storeGaugeLines(await t.metricsText(), ['live']).length > 0);
    await store!.driver.query(`UPDATE sweep SET status = 'done', updated_at = now() WHERE name = 'live'`);
    try {
      const ended = Date.now();
      const text = await t.metricsText();
      assert.equal(
        sampleValue(text, 'sgc_sweep_info', { sweep: 'live', state: 'done' }),
        1,
        'ended, still shown',
      );
      assert.deepEqual(storeGaugeLines(text, ['live']), await expectedStoreLines(store!.driver, ['live']));
      await waitFor(
        'the ended sweep to leave',
        async () => storeGaugeLines(await t.metricsText(), ['live']).length === 0,
        (window + 5) * 1000,
        250,
      );
      const seconds = (Date.now() - ended) / 1000;
      assert.ok(seconds >= window - 0.5, `left after ${seconds} s, window ${window} s`);
      assert.equal(sampleValue(await t.metricsText(), 'sgc_store_up'), 1);
    } finally {
      // Running again for the tests after this one, whatever happened here.
      await store!.driver.query(
        `UPDATE sweep SET status = 'running', updated_at = now() WHERE name = 'live'`,
      );
    }
  });

  test('passes promtool check metrics without a warning, with every metric in use', async () => {
    const t = exporter();
    const engine = { engine: 'onnx', backend: 'cpu' };
    t.runStarted(engine);
    t.trainingSteps(engine, 500, 0.25);
    t.runFinished({ ...engine, outcome: 'succeeded' }, 2, true);
    t.probe({ phase: 'gallop' });
    t.cacheHit();
    const text = await t.metricsText();
    assert.ok(storeGaugeLines(text).length > 10);
    const r = promtoolCheck(text);
    assert.equal(r.output, '', r.output);
    assert.equal(r.code, 0);
    // The standard names of Node.js process metrics, unprefixed.
    assert.ok(sampleValue(text, 'process_cpu_seconds_total') !== undefined);
    assert.match(text, /^nodejs_heap_size_used_bytes /m);
    assert.doesNotMatch(text, /^sgc_(process|nodejs)_/m);
  });

  test('a slow store: the scrape answers within the timeout, without the store gauges, then they return', async () => {
    const timeoutMs = 700;
    const t = exporter(3600, timeoutMs);
    t.runStarted({ engine: 'onnx', backend: 'cpu' });
    const server = await startMetricsServer({ port: 0, telemetry: t });
    // Closed whatever happens: an open server would keep the test process from ever exiting.
    try {
      // A real slow store: another session holds an exclusive lock on a table the gauges read, so
      // their query waits in PostgreSQL until the lock goes.
      const locker = new pg.Client({ connectionString: url });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE sweep IN ACCESS EXCLUSIVE MODE');
        logs.length = 0;
        const started = Date.now();
        const res = await fetch(server.url);
        const ms = Date.now() - started;
        const text = await res.text();
        assert.equal(res.status, 200);
        assert.ok(ms < timeoutMs + 1000, `the scrape took ${ms} ms`);
        assert.equal(sampleValue(text, 'sgc_store_up'), 0);
        assert.deepEqual(storeGaugeLines(text), [], 'no store gauge while the store does not answer');
        assert.equal(sampleValue(text, 'sgc_runs_in_flight', { engine: 'onnx', backend: 'cpu' }), 1);
        assert.ok((sampleValue(text, 'sgc_store_scrape_duration_seconds') ?? 0) >= timeoutMs / 1000 - 0.05);
        assert.equal(promtoolCheck(text).output, '');
        assert.match(logs.join('\n'), /store is not answering \(no answer within 700 ms\)/);
        // A second scrape while the first read still waits: answered in time too, by the same read.
        const again = await (await fetch(server.url)).text();
        assert.equal(sampleValue(again, 'sgc_store_up'), 0);
      } finally {
        await locker.query('ROLLBACK').catch(() => undefined);
        await locker.end();
      }
      const back = await waitFor(
        'the store gauges to come back',
        async () => {
          const text = await (await fetch(server.url)).text();
          return sampleValue(text, 'sgc_store_up') === 1 ? text : undefined;
        },
        10_000,
        100,
      );
      assert.deepEqual(
        storeGaugeLines(back),
        await expectedStoreLines(store!.driver, ['live', 'paused-long', 'ended-now']),
      );
      assert.match(logs.join('\n'), /store answers again/);
    } finally {
      await server.close();
    }
  });

  test('an unreachable store: sgc_store_up 0 and the per-process metrics still served', async () => {
    const t = exporter(3600, 1500);
    assert.equal(sampleValue(await t.metricsText(), 'sgc_store_up'), 1);
    await postgres!.stop();
    postgres = undefined;
    const started = Date.now();
    const text = await t.metricsText();
    assert.ok(Date.now() - started < 2500, `${Date.now() - started} ms`);
    assert.equal(sampleValue(text, 'sgc_store_up'), 0);
    assert.deepEqual(storeGaugeLines(text), []);
    assert.match(text, /^sgc_build_info\{/m);
  });
});
