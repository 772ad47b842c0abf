import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/errors.js';
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
const cell = { sweep: 's1', group: 'C6', encoding: 'onehot', model: 'mlp', k: 3 };
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
    assert.equal(sample(text, 'sgc_training_step_duration_seconds_count', onnx), 1);
    assert.equal(sample(text, 'sgc_training_step_duration_seconds_sum', onnx), 0.0005);
    assert.equal(sample(text, 'sgc_training_step_duration_seconds_bucket', { ...onnx, le: '0.00025' }), 0);
    assert.equal(sample(text, 'sgc_training_step_duration_seconds_bucket', { ...onnx, le: '0.0005' }), 1);
    assert.equal(sample(text, 'sgc_training_step_duration_seconds_bucket', { ...onnx, le: '0.00001' }), 0);
    assert.equal(sample(text, 'sgc_search_probes_total', { phase: 'gallop' }), 2);
    assert.equal(sample(text, 'sgc_search_probes_total', { phase: 'bisect' }), 1);
    assert.equal(sample(text, 'sgc_cache_hits_total'), 1);
  });

  it('sets the minimal width and brackets of a cell, and sweep gauges', async () => {
    const t = createTelemetry();
    t.cellBracket(cell, 0, null);
    let text = await t.metricsText();
    assert.equal(sample(text, 'sgc_cell_bracket_lo', cellLabels), 0);
    assert.equal(sample(text, 'sgc_cell_bracket_hi', cellLabels), undefined);
    assert.equal(sample(text, 'sgc_min_width', cellLabels), undefined);
    t.cellResolved(cell, 48, 40, 48);
    t.cellResolved({ ...cell, k: 2 }, null, 64, null);
    text = await t.metricsText();
    assert.equal(sample(text, 'sgc_min_width', cellLabels), 48);
    assert.equal(sample(text, 'sgc_cell_bracket_lo', cellLabels), 40);
    assert.equal(sample(text, 'sgc_cell_bracket_hi', cellLabels), 48);
    assert.equal(
      sample(text, 'sgc_min_width', { ...cellLabels, k: '2' }),
      undefined,
      'no width found: no sample',
    );
    t.sweepCells({ sweep: 's1' }, { searching: 3, pending: 1 });
    t.sweepCells({ sweep: 's1' }, { searching: 2, done: 2 });
    t.sweepRuns({ sweep: 's1' }, 7, 20);
    text = await t.metricsText();
    assert.equal(sample(text, 'sgc_sweep_cells', { sweep: 's1', state: 'searching' }), 2);
    assert.equal(sample(text, 'sgc_sweep_cells', { sweep: 's1', state: 'done' }), 2);
    assert.equal(
      sample(text, 'sgc_sweep_cells', { sweep: 's1', state: 'pending' }),
      0,
      'a state left drops to 0',
    );
    assert.equal(sample(text, 'sgc_sweep_runs_done', { sweep: 's1' }), 7);
    assert.equal(sample(text, 'sgc_sweep_runs_total', { sweep: 's1' }), 20);
  });

  it('exposes build info and process metrics, with sgc_ names and bounded labels only', async () => {
    const t = createTelemetry();
    t.runStarted(onnx);
    t.runFinished({ ...onnx, outcome: 'succeeded' }, 3, true);
    t.cellResolved(cell, 48, 40, 48);
    const text = await t.metricsText();
    assert.equal(sample(text, 'sgc_build_info', { version: '0.1.0', node: process.version }), 1);
    assert.ok(sample(text, 'sgc_process_cpu_user_seconds_total') !== undefined);
    assert.ok(sample(text, 'sgc_process_resident_memory_bytes') !== undefined);
    const names = new Set<string>();
    const labelNames = new Set<string>();
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const m = /^(\w+)(\{(.*)\})? /.exec(line)!;
      names.add(m[1]);
      for (const [, k] of (m[3] ?? '').matchAll(/(\w+)="/g)) labelNames.add(k);
    }
    for (const n of names) assert.match(n, /^sgc_/);
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
