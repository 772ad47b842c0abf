/**
 * `sgc doctor` and the worker's self-check, as a user runs them, on this machine (no GPU needed: on
 * one without, the cuda backend is what fails). The Temporal address and database named are closed
 * ports, so the connections are reported as not ok, with the password masked.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BackendCheck } from '../../src/learn/engine/selfCheck.js';
import { runSgc } from '../helpers/sgc.js';

const env = {
  TEMPORAL_ADDRESS: '127.0.0.1:1',
  DATABASE_URL: 'postgresql://sgc:hunter2@127.0.0.1:1/sgc',
};

describe('sgc doctor and the worker self-check', { timeout: 180_000 }, () => {
  test('doctor --json: every engine × backend with its one step, devices, connections (password masked)', async () => {
    const r = await runSgc(['doctor', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      backends: BackendCheck[];
      devices: unknown[];
      cudaProvider: { installed: boolean };
      temporal: { target: string; ok: boolean };
      store: { target: string; ok: boolean; detail: string };
    };
    const keys = report.backends.map((b) => `${b.engine}/${b.backend}`);
    assert.deepEqual(keys, [
      'onnx/cpu',
      'onnx/cuda',
      'onnx/webgpu',
      'tfjs/wasm',
      'tfjs/cpu',
      'tfjs/tensorflow',
      'reference/js-f64',
      'native/cpu',
    ]);
    for (const key of ['onnx/cpu', 'tfjs/wasm', 'tfjs/cpu', 'reference/js-f64', 'native/cpu']) {
      const b = report.backends[keys.indexOf(key)];
      assert.ok(b.ok, `${key}: ${b.error}`);
      assert.ok((b.stepMs ?? 0) > 0 && Number.isFinite(b.loss), key);
    }
    // Each backend that does not train says why in one line; on a machine without a GPU, cuda is one.
    for (const b of report.backends)
      if (!b.ok) assert.ok(b.error && !b.error.includes('\n'), JSON.stringify(b));
    const cuda = report.backends[keys.indexOf('onnx/cuda')];
    assert.equal(cuda.ok, report.devices.length > 0 && report.cudaProvider.installed);
    assert.deepEqual(
      { target: report.temporal.target, ok: report.temporal.ok },
      { target: '127.0.0.1:1 (namespace default)', ok: false },
    );
    assert.equal(report.store.ok, false);
    assert.equal(report.store.target, 'postgresql://sgc:***@127.0.0.1:1/sgc');
    assert.ok(!r.stdout.includes('hunter2') && !r.stderr.includes('hunter2'));
  });

  test('doctor: the table and the lines after it', async () => {
    const r = await runSgc(['doctor'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^onnx\s+cpu\s+yes\s+\d+\s+[\d.]+/m);
    assert.match(r.stdout, /^reference\s+js-f64\s+yes/m);
    assert.match(r.stdout, /^CUDA provider: /m);
    assert.match(r.stdout, /^Temporal: 127\.0\.0\.1:1 \(namespace default\): not ok, Failed to connect/m);
    assert.match(r.stdout, /^store: postgresql:\/\/sgc:\*\*\*@127\.0\.0\.1:1\/sgc: not ok/m);
    // Not a terminal: no progress line; and no native warning (Dawn's "Couldn't load Vulkan").
    assert.equal(r.stderr, '');
  });

  test('a worker for a backend that cannot train here exits 2 in seconds, with one line', async (t) => {
    const started = performance.now();
    const r = await runSgc(['worker', '--engine', 'onnx', '--backend', 'cuda', '--no-metrics'], env);
    const seconds = (performance.now() - started) / 1000;
    // Where the cuda backend does train (a GPU machine after sgc gpu setup), the worker goes on to
    // connect to the closed Temporal port instead: the self-check passed.
    if (r.stderr.includes('not serving') || !r.stderr.includes('nothing to train')) {
      assert.doesNotMatch(r.stderr, /nothing to train/);
      t.diagnostic('the cuda backend trains on this machine');
      return;
    }
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(
      r.stderr,
      /nothing to train here: onnx\/cuda \(execution provider "cuda" could not start here/,
    );
    assert.ok(seconds < 30, `${seconds} s`);
  });

  test('a bad --seed-group or --concurrency exits 2 with one line naming it', async () => {
    for (const [flag, value, message] of [
      ['--seed-group', '0', /--seed-group 0: at least 1/],
      ['--seed-group', 'three', /--seed-group/],
      ['--concurrency', '0', /--concurrency 0: at least 1/],
    ] as const) {
      const r = await runSgc(['worker', flag, value, '--no-metrics'], env);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, message);
    }
  });

  test('with a failing backend and a passing one, the worker drops the failing one and says so', async () => {
    const r = await runSgc(['worker', '--engine', 'onnx', '--backend', 'webgpu,cpu', '--no-metrics'], env);
    // It passed its self-check with cpu, then found no Temporal server at the closed port.
    assert.match(
      r.stderr,
      /^worker: not serving onnx\/webgpu \(execution provider "webgpu" could not start/m,
    );
    assert.doesNotMatch(r.stderr, /nothing to train/);
    assert.doesNotMatch(r.stderr, /Couldn't load Vulkan/);
    assert.notEqual(r.code, 0);
  });
});
