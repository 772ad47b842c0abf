/**
 * A Temporal server that checks API keys, reached through command-line flags alone (issue 18):
 * the dev server behind a TLS front that refuses, as Temporal Cloud does, every call without
 * `authorization: Bearer <key>` (test/helpers/grpcFront.ts). With no TEMPORAL_* or DATABASE_URL
 * in their environment, `sgc db migrate`, `sgc worker`, `sgc sweep start --wait`, `sgc sweep list`
 * and `sgc doctor` given --address, --namespace, --tls-ca-path, --api-key-file and --database-url
 * run a tiny sweep to its end; a wrong or missing key is the one line "not authorised" (exit 2),
 * and the key shows in no output.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { type GrpcFront, startGrpcFront } from '../../helpers/grpcFront.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';
import { runSgc } from '../../helpers/sgc.js';
import { startTemporal, type TestTemporal } from '../../helpers/temporal.js';
import { makeCertificates } from '../../helpers/tls.js';
import { startWorkerProcess, stopWorkerProcesses, type WorkerProcess } from '../../helpers/workerProcess.js';

const API_KEY = 'sgc-lab-key-4f1c9e7a2b';

const spec = {
  name: 'api-key-sweep',
  groups: ['C3'],
  encodings: [{ kind: 'onehot' }],
  k: [2],
  models: ['mlp'],
  width: { search: { start: 4, max: 8 }, seeds: 1 },
  train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: 100, clip: 0.1 },
  engine: { name: 'onnx' },
};

interface Connection {
  target: string;
  ok: boolean;
  detail: string;
}

/** This process's environment without any Temporal or store setting: the flags must do it all. */
function bareEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env))
    if (name.startsWith('TEMPORAL_') || name === 'DATABASE_URL' || name === 'SGC_HOME') delete env[name];
  return env;
}

describe('an API key checked by the server, given by flags alone', { timeout: 300_000 }, () => {
  let root: string;
  let temporal: TestTemporal | undefined;
  let postgres: PostgresServer | undefined;
  let front: GrpcFront | undefined;
  let flags: string[];
  let worker: WorkerProcess | undefined;
  const outputs: string[] = [];

  /** `sgc …args` in a folder of its own, with no connection setting in the environment. */
  async function sgc(args: string[], folder = join(root, 'researcher')) {
    mkdirSync(folder, { recursive: true });
    const env = bareEnvironment();
    // runSgc adds to this process's environment; what it must not see is removed here.
    const saved = { ...process.env };
    for (const name of Object.keys(process.env)) if (!(name in env)) delete process.env[name];
    try {
      const result = await runSgc(args, {}, undefined, folder);
      outputs.push(result.stdout, result.stderr);
      return result;
    } finally {
      Object.assign(process.env, saved);
    }
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'sgc-api-key-'));
    const certs = makeCertificates(root);
    [temporal, postgres] = await Promise.all([startTemporal(), startPostgres()]);
    front = await startGrpcFront({
      target: temporal.address,
      apiKey: API_KEY,
      tls: { cert: certs.serverCert, key: certs.serverKey },
    });
    const keyFile = join(root, 'api.key');
    writeFileSync(keyFile, `${API_KEY}\n`, { mode: 0o600 });
    const database = await postgres.createDatabase();
    const temporalFlags = ['--address', front.address, '--namespace', temporal.namespace];
    flags = [...temporalFlags, '--tls-ca-path', certs.caCert, '--api-key-file', keyFile];
    flags.push('--database-url', database);

    const migrated = await sgc(['db', 'migrate', '--database-url', database]);
    assert.equal(migrated.code, 0, migrated.stderr);

    const folder = join(root, 'worker');
    mkdirSync(folder);
    worker = await startWorkerProcess('worker', flags, { cwd: folder, env: bareEnvironment() });
  });

  after(async () => {
    if (worker) await stopWorkerProcesses([worker]);
    await front?.stop();
    await temporal?.stop();
    await postgres?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('with the right key: a worker trains a sweep to its end, sweep list and doctor see the server', async () => {
    const specFile = join(root, 'spec.yaml');
    writeFileSync(specFile, stringify(spec));
    const started = await sgc(['sweep', 'start', specFile, '--wait', ...flags]);
    assert.equal(started.code, 0, started.stderr);

    const listed = await sgc(['sweep', 'list', '--json', ...flags]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /api-key-sweep/);

    const doctor = await sgc(['doctor', '--json', ...flags]);
    const report = JSON.parse(doctor.stdout) as Record<'temporal' | 'store', Connection>;
    assert.ok(report.temporal.ok && report.store.ok, JSON.stringify([report.temporal, report.store]));
    assert.equal(report.temporal.detail, `answers, namespace ${temporal!.namespace} exists`);
    assert.match(report.temporal.target, /\(namespace .*, TLS, API key\)$/);
    assert.ok(front!.counts().forwarded > 0);
  });

  test('a wrong key, or none: the one line "not authorised", exit 2, refused by the server', async () => {
    const wrongKey = join(root, 'wrong.key');
    writeFileSync(wrongKey, 'not-the-lab-key\n');
    const withoutKey = flags.filter(
      (_, i) => flags[i] !== '--api-key-file' && flags[i - 1] !== '--api-key-file',
    );
    for (const [what, args] of [
      ['a wrong key', [...withoutKey, '--api-key-file', wrongKey]],
      ['no key', [...withoutKey, '--tls']],
    ] as const) {
      const refusedBefore = front!.counts().refused;
      const listed = await sgc(['sweep', 'list', ...args]);
      assert.equal(listed.code, 2, `${what}: ${listed.stderr}`);
      assert.equal(listed.stderr.trim().split('\n').length, 1, listed.stderr);
      assert.match(listed.stderr, /^sgc sweep list: cannot use the Temporal server at .*: not authorised/);
      assert.ok(front!.counts().refused > refusedBefore, `${what}: the front refused it`);

      const doctor = await sgc(['doctor', '--json', ...args]);
      const report = JSON.parse(doctor.stdout) as Record<'temporal', Connection>;
      assert.equal(report.temporal.ok, false);
      assert.match(report.temporal.detail, /^not authorised/);
    }
  });

  test('the key shows in no output, and the worker’s log has none', () => {
    const everything = [...outputs, worker!.log()].join('\n');
    assert.ok(everything.length > 0);
    assert.ok(!everything.includes(API_KEY), 'the API key appears in an output');
  });
});
