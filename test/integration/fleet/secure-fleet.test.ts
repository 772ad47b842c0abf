/**
 * A lab's fleet on one machine, secured as a cluster would be (issue 18): a Temporal server reached
 * only through mutual TLS, in a namespace of its own; a PostgreSQL with `ssl=on`, a certificate
 * from the lab's own CA (verify-ca) and a password; two `sgc worker` processes in folders of their
 * own sharing one checkpoint folder; the sweep started from a third folder. The H* found equal the
 * undisturbed search's, a client without the lab's certificate is refused in one line, and no
 * secret (the database password, the client key) appears in any output.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { PgDriver } from '../../../src/store/pg-driver.js';
import { expandSweep } from '../../../src/sweep/expand.js';
import { parseSweepSpec } from '../../../src/sweep/spec.js';
import { directSearch } from '../../helpers/directSearch.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';
import { runSgc } from '../../helpers/sgc.js';
import { startTemporal, type TestTemporal } from '../../helpers/temporal.js';
import { makeCertificates, type TestCertificates } from '../../helpers/tls.js';
import { startTlsProxy, type TlsProxy } from '../../helpers/tlsProxy.js';
import { startWorkerProcess, stopWorkerProcesses, type WorkerProcess } from '../../helpers/workerProcess.js';

const DB_PASSWORD = 'lab-db-Pw-7731';

const spec = {
  name: 'secure-fleet',
  groups: ['C4', 'D3'],
  encodings: [{ kind: 'onehot' }],
  k: [2],
  models: ['mlp'],
  width: { search: { start: 4, max: 64 }, seeds: 1 },
  train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: 2500, clip: 0.1 },
  engine: { name: 'onnx' },
};

describe('a secured fleet: mutual TLS to Temporal, verify-ca to PostgreSQL, workers in separate folders', {
  timeout: 420_000,
}, () => {
  let root: string;
  let certs: TestCertificates;
  let temporal: TestTemporal | undefined;
  let proxy: TlsProxy | undefined;
  let postgres: PostgresServer | undefined;
  let env: Record<string, string>;
  const workers: WorkerProcess[] = [];
  const outputs: string[] = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'sgc-fleet-'));
    certs = makeCertificates(root);
    [temporal, postgres] = await Promise.all([
      startTemporal(),
      startPostgres({ ssl: { cert: certs.serverCert, key: certs.serverKey }, password: DB_PASSWORD }),
    ]);
    proxy = await startTlsProxy({
      target: temporal.address,
      cert: certs.serverCert,
      key: certs.serverKey,
      clientCa: certs.caCert,
    });
    const database = new URL(await postgres.createDatabase());
    database.searchParams.set('sslmode', 'verify-ca');
    database.searchParams.set('sslrootcert', certs.caCert);
    env = {
      TEMPORAL_ADDRESS: proxy.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
      DATABASE_URL: database.toString(),
    };
    // The lab's administrator creates the schema once, over the same verified connection.
    const migrated = await runSgc(['db', 'migrate'], env, undefined, root);
    outputs.push(migrated.stdout, migrated.stderr);
    assert.equal(migrated.code, 0, migrated.stderr);
    const shared = join(root, 'checkpoints');
    // Each worker finds no store of its own: DATABASE_URL is the lab's.
    const workerEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete workerEnv['SGC_HOME'];
    for (const name of ['worker-a', 'worker-b']) {
      const folder = join(root, name);
      mkdirSync(folder);
      workers.push(
        await startWorkerProcess(name, ['--checkpoints', shared], { cwd: folder, env: workerEnv }),
      );
    }
  });

  after(async () => {
    await stopWorkerProcesses(workers);
    await proxy?.stop();
    await temporal?.stop();
    await postgres?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('a sweep started from a third folder finds the undisturbed H*, with runs on both workers', async () => {
    const folder = join(root, 'researcher');
    mkdirSync(folder);
    const specFile = join(folder, 'spec.yaml');
    writeFileSync(specFile, stringify(spec));
    const started = await runSgc(['sweep', 'start', specFile, '--wait'], env, undefined, folder);
    outputs.push(started.stdout, started.stderr);
    assert.equal(started.code, 0, started.stderr);

    const parsed = parseSweepSpec(spec, 'test');
    const expected = new Map<string, number | null>();
    for (const cell of expandSweep(parsed).cells)
      expected.set(cell.group, (await directSearch(cell, parsed.width)).minWidth);

    const driver = await PgDriver.connect(env['DATABASE_URL']!, { max: 1 });
    try {
      const cells = await driver.query<{ group_name: string; min_width: number | null }>(
        `SELECT group_name, min_width FROM min_width_by_k WHERE sweep = $1`,
        [spec.name],
      );
      assert.deepEqual(new Map(cells.map((c) => [c.group_name, c.min_width])), expected);
      const byWorker = await driver.query<{ worker: string; n: number }>(
        `SELECT worker, count(*)::integer AS n FROM run WHERE worker IS NOT NULL GROUP BY worker`,
      );
      assert.equal(byWorker.length, 2, `runs on both workers: ${JSON.stringify(byWorker)}`);
    } finally {
      await driver.close();
    }
    const results = await runSgc(['results'], env, undefined, folder);
    outputs.push(results.stdout, results.stderr);
    assert.equal(results.code, 0, results.stderr);
  });

  test('without the lab certificate, or against another CA: one line, exit 2', async () => {
    const folder = join(root, 'outsider');
    mkdirSync(folder, { recursive: true });
    const { TEMPORAL_TLS_CLIENT_CERT_PATH: _c, TEMPORAL_TLS_CLIENT_KEY_PATH: _k, ...noClientCert } = env;
    const refusedBefore = proxy!.refused();
    const anonymous = await runSgc(['sweep', 'list'], noClientCert, undefined, folder);
    outputs.push(anonymous.stdout, anonymous.stderr);
    assert.equal(anonymous.code, 2, anonymous.stderr);
    assert.equal(anonymous.stderr.trim().split('\n').length, 1, anonymous.stderr);
    assert.match(
      anonymous.stderr,
      /requires a client certificate \(mutual TLS\): set TEMPORAL_TLS_CLIENT_CERT_PATH/,
    );
    assert.ok(proxy!.refused() > refusedBefore, 'the server refused the handshake');

    const wrongCa = await runSgc(
      ['sweep', 'list'],
      { ...env, TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.otherCaCert },
      undefined,
      folder,
    );
    outputs.push(wrongCa.stdout, wrongCa.stderr);
    assert.equal(wrongCa.code, 2, wrongCa.stderr);
    assert.match(wrongCa.stderr, /certificate is not signed by a CA trusted here/);
    assert.equal(wrongCa.stderr.trim().split('\n').length, 1, wrongCa.stderr);
  });

  test('a plain-text client meets the TLS server: told to turn TLS on', async () => {
    const plainEnv = { TEMPORAL_ADDRESS: env['TEMPORAL_ADDRESS']!, DATABASE_URL: env['DATABASE_URL']! };
    const plain = await runSgc(['sweep', 'list'], plainEnv, undefined, root);
    outputs.push(plain.stdout, plain.stderr);
    assert.equal(plain.code, 2, plain.stderr);
    assert.match(plain.stderr, /the server speaks TLS: set TEMPORAL_TLS=true/);
  });

  test('no secret in any output or log', () => {
    const key = readFileSync(certs.clientKey, 'utf8').split('\n')[1]!;
    const everything = [...outputs, ...workers.map((w) => w.log())].join('\n');
    assert.ok(everything.length > 0);
    for (const secret of [DB_PASSWORD, encodeURIComponent(DB_PASSWORD), key])
      assert.ok(!everything.includes(secret), `a secret appears in the output: ${secret.slice(0, 6)}…`);
  });
});
