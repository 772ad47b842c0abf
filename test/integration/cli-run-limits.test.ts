/**
 * Specs and run configs this machine cannot run, through the real command line: `sgc sweep check`,
 * `sgc sweep start` (against a real Temporal server) and `sgc train` each refuse them with exit 2
 * and one line naming the field, the value and the limit, without a stack trace, before anything is
 * sent or written: no workflow on the server, no run folder. And checking a spec on C64xC64, the
 * largest group, takes seconds.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { connectClient } from '../../src/temporal/connection.js';
import { runSgc } from '../helpers/sgc.js';
import { startTemporal, type TestTemporal } from '../helpers/temporal.js';

const TRAIN = { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: 100 };
const base = { groups: ['C6'], encodings: [{ kind: 'onehot' }], k: [2], models: ['mlp'], train: TRAIN };

/** [name, spec, what the one line must say]. */
const badSpecs: [string, object, RegExp][] = [
  [
    'k: [50] with exhaustive data',
    { ...base, k: [50], width: { values: [8] } },
    /: k: 50 \(cell C6\/onehot\/k50\/mlp\): exhaustive data on C6 is 6\^50 = 8\.1e\+38 sequences, above the cap of 1,000,000 \(data\.cap\)/,
  ],
  [
    'width.values: [1000000000]',
    { ...base, width: { values: [1_000_000_000] } },
    /: width\.values: 1000000000 \(cell C6\/onehot\/k2\/mlp\): a run needs about \d+ GiB of memory .*above the memory budget of/,
  ],
  [
    'width.search.max: 2^30',
    { ...base, width: { search: { start: 8, max: 2 ** 30 } } },
    /: width\.search\.max: 1073741824 \(cell C6\/onehot\/k2\/mlp\): a run needs about \d+ GiB of memory/,
  ],
  [
    '6.3 million runs',
    {
      ...base,
      groups: Array.from({ length: 63 }, (_, i) => `C${i + 2}`),
      width: { values: Array.from({ length: 1000 }, (_, i) => i + 1), seeds: 100 },
    },
    /: runs: up to 6,300,000 \(63 cells × 100,000 per cell at most\), above the limit of 100,000 a sweep starts without --allow-large/,
  ],
];

const runYaml = (H: number, k = 2) =>
  stringify({
    group: 'D3',
    encoding: { kind: 'powers', powers: [0, 30, 3000] },
    k,
    model: { kind: 'mlp', H },
    train: TRAIN,
  });

/** [name, run.yaml, environment, what the one line must say]. */
const badRuns: [string, string, Record<string, string>, RegExp][] = [
  ['H = 10⁹', runYaml(1e9), {}, /: model\.H: 1000000000: a run needs about \d+ GiB of memory/],
  [
    'H = 10⁶ above a budget of 256 MiB',
    runYaml(1e6),
    { SGC_MEMORY_BUDGET: '256MiB' },
    /: model\.H: 1000000: a run needs about \d+ MiB of memory .*above the memory budget of 256 MiB \(SGC_MEMORY_BUDGET=256MiB\)/,
  ],
  ['k = 50 with exhaustive data', runYaml(32, 50), {}, /: k: 50: exhaustive data on D3 is 6\^50/],
];

function assertOneLine(
  r: { code: number | null; stdout: string; stderr: string },
  command: string,
  pattern: RegExp,
) {
  assert.equal(r.code, 2, `${command}: exit ${r.code}\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${command}: one line, got\n${r.stderr}`);
  assert.match(lines[0], new RegExp(`^sgc ${command}: `));
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

describe('runs that cannot fit are refused early, with one line', { timeout: 600_000 }, () => {
  let dir: string;
  let temporal: TestTemporal;
  let client: Client;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sgc-limits-'));
    temporal = await startTemporal();
    client = await connectClient({ address: temporal.address, namespace: temporal.namespace });
  });
  after(async () => {
    await client?.connection.close();
    await temporal?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('each bad spec: sgc sweep check and sgc sweep start exit 2 with one line; nothing reaches Temporal', async () => {
    const env = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace };
    await Promise.all(
      badSpecs.map(async ([name, spec, pattern], i) => {
        const file = join(dir, `bad-${i}.yaml`);
        writeFileSync(file, stringify({ name: `bad-${i}`, ...spec }));
        for (const command of ['sweep check', 'sweep start']) {
          const r = await runSgc([...command.split(' '), file], env);
          assertOneLine(r, command, pattern);
          assert.ok(r.stderr.includes(file), `${name}: names the file`);
        }
      }),
    );
    const workflows = [];
    for await (const w of client.workflow.list()) workflows.push(w.workflowId);
    assert.deepEqual(workflows, [], 'no workflow was started');
  });

  test('--allow-large lets the large sweep through the run-count check', async () => {
    const file = join(dir, 'large.yaml');
    writeFileSync(file, stringify({ name: 'large', ...badSpecs[3][1] }));
    const r = await runSgc(['sweep', 'check', file, '--allow-large']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /sweep large is valid: 63 cells/);
  });

  test('each bad run config: sgc train exits 2 with one line and writes no run folder', async () => {
    await Promise.all(
      badRuns.map(async ([name, yaml, env, pattern], i) => {
        const file = join(dir, `run-${i}.yaml`);
        const out = join(dir, `out-${i}`);
        writeFileSync(file, yaml);
        const r = await runSgc(['train', file, '--out', out], env);
        assertOneLine(r, 'train', pattern);
        assert.ok(!existsSync(out), `${name}: no run folder`);
      }),
    );
  });

  test('sgc sweep check on C64xC64 (order 4096) answers in seconds (it took 6 minutes)', async () => {
    const file = join(dir, 'c64.yaml');
    writeFileSync(
      file,
      stringify({
        name: 'c64',
        groups: ['C64xC64'],
        encodings: [{ kind: 'onehot' }, { kind: 'random' }],
        k: [2, 3],
        models: ['mlp', 'rnn'],
        width: { search: { start: 8, max: 1024 } },
        data: { kind: 'sampled', count: 10_000 },
        train: TRAIN,
      }),
    );
    const started = Date.now();
    const r = await runSgc(['sweep', 'check', file]);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /sweep c64 is valid: 8 cells/);
    assert.match(r.stdout, /Largest run: cell C64xC64\/.* at H = 1024: about .* of memory/);
    // About 3 s on 2 idle cores, process start included; the bound leaves room for a busy machine.
    assert.ok(seconds < 20, `${seconds.toFixed(1)} s`);
  });
});
