import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/errors.js';
import type { SweepGauges } from '../../../src/store/sweep-gauges.js';
import { createTelemetry, telemetry as shared } from '../../../src/telemetry/metrics.js';
import { startMetricsServer } from '../../../src/telemetry/server.js';

/** The value of the sample `name{labels}` in a text exposition, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const [, k, v] of (m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) found[k] = v;
    if (
      Object.entries(labels).every(([k, v]) => found[k] === v) &&
      Object.keys(found).length === Object.keys(labels).length
    )
      return Number(m[4]);
  }
  return undefined;
}

const onnx = { engine: 'onnx', backend: 'cpu' };
const storeCell = { sweep: 's1', group: 'C6', encoding: 'onehot', model: 'mlp', k: 3 };
const cellLabels = { sweep: 's1', group: 'C6', encoding: 'onehot', model: 'mlp', k: '3' };

describe('telemetry metrics', () => {
  it('counts runs by outcome and keeps runs in flight', async () => {
    const t = createTelemetry();
    t.runStarted(onnx);
    t.runStarted(onnx);
    let text = await t.metricsText();
    assert.equal(sample(text, 'sgc_runs_started_total', onnx), 2);
    assert.equal(sample(text, 'sgc_runs_in_flight', onnx), 2);
    t.runFinished({ ...onnx, outcome: 'succeeded' }, 12.5, true);
    t.runFinished({ ...onnx, outcome: 'cached' }, 0.01, false);
    text = await t.metricsText();
    assert.equal(sample(text, 'sgc_runs_in_flight', onnx), 1, 'only a run started here leaves in flight');
    assert.equal(sample(text, 'sgc_runs_finished_total', { ...onnx, outcome: 'succeeded' }), 1);
    assert.equal(sample(text, 'sgc_runs_finished_total', { ...onnx, outcome: 'cached' }), 1);
    assert.equal(sample(text, 'sgc_run_duration_seconds_count', onnx), 1, 'a cache hit trained nothing');
    assert.equal(sample(text, 'sgc_run_duration_seconds_sum', onnx), 12.5);
    assert.equal(sample(text, 'sgc_run_duration_seconds_bucket', { ...onnx, le: '10' }), 0);
    assert.equal(sample(text, 'sgc_run_duration_seconds_bucket', { ...onnx, le: '30' }), 1);
    assert.equal(sample(text, 'sgc_run_duration_seconds_bucket', { ...onnx, le: '10800' }), 1);
    t.runFinished({ ...onnx, outcome: 'failed' }, 1, true);
    t.runFinished({ ...onnx, outcome: 'error' }, 1, true);
    text = await t.metricsText();
    assert.equal(sample(text, 'sgc_runs_in_flight', onnx), 0, 'never below zero');
  });

  it('records seconds per step and steps, search probes and cache hits', async () => {
    const t = createTelemetry();
    t.trainingSteps(onnx, 1000, 0.5);
    t.trainingSteps(onnx, 0, 1);
    t.probe({ phase: 'gallop' });
    t.probe({ phase: 'gallop' });
    t.probe({ phase: 'bisect' });
    t.cacheHit();
    const text = await t.metricsText();
    assert.equal(sample(text, 'sgc_training_steps_total', onnx), 1000);
    assert.equal(sample(text, 'sgc_training_seconds_total', onnx), 0.5, 'the exact mean: 0.5 s / 1000 steps');
    assert.equal(
      sample(text, 'sgc_training_step_mean_seconds_count', onnx),
      1,
      'one report, one observation',
    );
    assert.equal(sample(text, 'sgc_training_step_mean_seconds_sum', onnx), 0.0005);
    assert.equal(sample(text, 'sgc_training_step_mean_seconds_bucket', { ...onnx, le: '0.00025' }), 0);
    assert.equal(sample(text, 'sgc_training_step_mean_seconds_bucket', { ...onnx, le: '0.0005' }), 1);
    assert.equal(sample(text, 'sgc_training_step_mean_seconds_bucket', { ...onnx, le: '0.00001' }), 0);
    assert.equal(
      sample(text, 'sgc_training_step_duration_seconds_count', onnx),
      undefined,
      'the old name is gone',
    );
    assert.equal(sample(text, 'sgc_search_probes_total', { phase: 'gallop' }), 2);
    assert.equal(sample(text, 'sgc_search_probes_total', { phase: 'bisect' }), 1);
    assert.equal(sample(text, 'sgc_cache_hits_total'), 1);
  });

  it('has no sweep or cell gauges and no sgc_store_up without a store, and none from memory', async () => {
    const t = createTelemetry();
    const text = await t.metricsText();
    for (const name of ['sgc_store_up', 'sgc_min_width', 'sgc_sweep_cells', 'sgc_cell_bracket_lo'])
      assert.ok(!new RegExp(`^${name}[ {]`, 'm').test(text), `${name} has no sample`);
    assert.ok(!('cellResolved' in t) && !('sweepCells' in t), 'nothing can set them from memory');
  });

  it('fills the store gauges from one read per scrape, replacing the last scrape', async () => {
    const t = createTelemetry();
    let reads = 0;
    const snapshots: SweepGauges[] = [
      {
        sweeps: [
          { name: 's1', status: 'running', cells: { searching: 1, done: 1 }, runs: { done: 7, running: 1 } },
        ],
        cells: [
          { ...storeCell, k: 3, status: 'done', lo: 40, hi: 48, minWidth: 48 },
          { ...storeCell, k: 2, status: 'searching', lo: 0, hi: null, minWidth: null },
        ],
      },
      {
        sweeps: [
          { name: 's1', status: 'done', cells: { searching: 0, done: 1 }, runs: { done: 8, running: 0 } },
        ],
        cells: [{ ...storeCell, k: 3, status: 'done', lo: 40, hi: 48, minWidth: 48 }],
      },
    ];
    t.useStore(async () => snapshots[Math.min(reads++, 1)]);
    let text = await t.metricsText();
    assert.equal(reads, 1, 'one read for every store gauge of a scrape');
    assert.equal(sample(text, 'sgc_store_up'), 1);
    assert.equal(sample(text, 'sgc_min_width', cellLabels), 48);
    assert.equal(sample(text, 'sgc_cell_bracket_lo', cellLabels), 40);
    assert.equal(sample(text, 'sgc_cell_bracket_hi', cellLabels), 48);
    assert.equal(sample(text, 'sgc_cell_bracket_lo', { ...cellLabels, k: '2' }), 0);
    assert.equal(
      sample(text, 'sgc_cell_bracket_hi', { ...cellLabels, k: '2' }),
      undefined,
      'null: no sample',
    );
    assert.equal(sample(text, 'sgc_min_width', { ...cellLabels, k: '2' }), undefined);
    assert.equal(sample(text, 'sgc_sweep_cells', { sweep: 's1', state: 'searching' }), 1);
    assert.equal(sample(text, 'sgc_sweep_runs', { sweep: 's1', status: 'done' }), 7);
    assert.equal(sample(text, 'sgc_sweep_info', { sweep: 's1', state: 'running' }), 1);
    text = await t.metricsText();
    assert.equal(reads, 2);
    assert.equal(
      sample(text, 'sgc_cell_bracket_lo', { ...cellLabels, k: '2' }),
      undefined,
      'a cell gone from the store',
    );
    assert.equal(sample(text, 'sgc_sweep_info', { sweep: 's1', state: 'running' }), undefined);
    assert.equal(sample(text, 'sgc_sweep_info', { sweep: 's1', state: 'done' }), 1);
    assert.equal(sample(text, 'sgc_sweep_cells', { sweep: 's1', state: 'searching' }), 0);
  });

  it('answers a scrape whose store read fails or hangs, with sgc_store_up 0, and never doubles a hung read', async () => {
    const t = createTelemetry();
    const logs: string[] = [];
    let reads = 0;
    let release: (g: SweepGauges) => void = () => {};
    const hung = new Promise<SweepGauges>((resolve) => (release = resolve));
    const answer: SweepGauges = {
      sweeps: [{ name: 's1', status: 'running', cells: { done: 1 }, runs: {} }],
      cells: [],
    };
    // The first read hangs until released; reads after it answer at once.
    t.useStore(() => (++reads === 1 ? hung : Promise.resolve(answer)), {
      timeoutMs: 100,
      log: (l) => logs.push(l),
    });
    t.runStarted(onnx);
    const started = Date.now();
    const [a, b] = await Promise.all([t.metricsText(), t.metricsText()]);
    let text = await t.metricsText();
    assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`);
    assert.equal(reads, 1, 'one read, however many scrapes wait on it');
    for (const x of [a, b, text]) {
      assert.equal(sample(x, 'sgc_store_up'), 0);
      assert.equal(sample(x, 'sgc_sweep_cells', { sweep: 's1', state: 'done' }), undefined);
      assert.equal(sample(x, 'sgc_runs_in_flight', onnx), 1, 'per-process metrics still served');
    }
    assert.equal(logs.length, 1, `one line per change, not per scrape: ${logs.join(' | ')}`);
    release(answer);
    await new Promise((r) => setImmediate(r));
    text = await t.metricsText();
    assert.equal(reads, 2, 'a new read once the hung one has ended');
    assert.equal(sample(text, 'sgc_store_up'), 1);
    assert.equal(sample(text, 'sgc_sweep_cells', { sweep: 's1', state: 'done' }), 1);
    assert.match(logs[1] ?? '', /answers again/);
    t.useStore(async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    });
    text = await t.metricsText();
    assert.equal(sample(text, 'sgc_store_up'), 0);
  });

  it('exposes build info, sgc_ names, the standard process metrics and bounded labels only', async () => {
    const t = createTelemetry();
    t.runStarted(onnx);
    t.runFinished({ ...onnx, outcome: 'succeeded' }, 3, true);
    t.useStore(async () => ({
      sweeps: [{ name: 's1', status: 'running', cells: { done: 1 }, runs: { done: 1 } }],
      cells: [{ ...storeCell, status: 'done', lo: 40, hi: 48, minWidth: 48 }],
    }));
    const text = await t.metricsText();
    assert.equal(sample(text, 'sgc_build_info', { version: '0.1.0', node: process.version }), 1);
    assert.ok(sample(text, 'process_cpu_user_seconds_total') !== undefined);
    assert.ok(sample(text, 'process_resident_memory_bytes') !== undefined);
    assert.ok(!/^sgc_(process|nodejs)_/m.test(text), 'process metrics under their standard names');
    assert.ok(!/^nodejs_\w+_total[ {]/m.test(text), 'no gauge named like a counter');
    const names = new Set<string>();
    const labelNames = new Set<string>();
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const m = /^(\w+)(\{(.*)\})? /.exec(line)!;
      names.add(m[1]);
      for (const [, k] of (m[3] ?? '').matchAll(/(\w+)="/g)) labelNames.add(k);
    }
    for (const n of names) assert.match(n, /^(sgc_|process_|nodejs_)/);
    const allowed = [
      'engine',
      'backend',
      'outcome',
      'phase',
      'sweep',
      'group',
      'encoding',
      'model',
      'k',
      'state',
      'status',
    ];
    const processLabels = ['le', 'version', 'node', 'kind', 'type', 'space', 'major', 'minor', 'patch'];
    for (const l of labelNames)
      assert.ok([...allowed, ...processLabels].includes(l), `unexpected label ${l}`);
    assert.ok(!/run_id|config_hash|configHash|run=/.test(text), 'no run identities in the metrics');
  });

  it('keeps each telemetry separate from the shared one', async () => {
    const t = createTelemetry();
    t.cacheHit();
    assert.notEqual(t.registry, shared.registry);
    assert.equal(sample(await shared.metricsText(), 'sgc_cache_hits_total'), 0);
  });
});

describe('metrics server', () => {
  it('serves /metrics with the registry content type, 404 elsewhere, and closes', async () => {
    const t = createTelemetry();
    t.probe({ phase: 'recheck' });
    const server = await startMetricsServer({ port: 0, telemetry: t });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const r = await fetch(server.url);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-type'), t.registry.contentType);
      assert.equal(sample(await r.text(), 'sgc_search_probes_total', { phase: 'recheck' }), 1);
      t.probe({ phase: 'recheck' });
      assert.equal(
        sample(await (await fetch(server.url)).text(), 'sgc_search_probes_total', { phase: 'recheck' }),
        2,
      );
      const other = await fetch(server.url.replace('/metrics', '/'));
      assert.equal(other.status, 404);
      await other.text();
    } finally {
      await server.close();
    }
    await assert.rejects(fetch(server.url));
  });

  it('says which port is in use and names --metrics-port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      await assert.rejects(
        startMetricsServer({ port, telemetry: createTelemetry() }),
        (error: unknown) =>
          error instanceof InputError &&
          error.message.includes(String(port)) &&
          error.message.includes('--metrics-port'),
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
