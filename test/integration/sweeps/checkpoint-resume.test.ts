/**
 * A training worker SIGKILLed a few seconds into a run, on a real Temporal server and a real
 * PostgreSQL: the retry, on a fresh worker, finds the run's checkpoint from its config hash (no
 * heartbeat needs to have carried it), resumes with step > 0, and the stored duration covers both
 * attempts (run.attempts = 2).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { openStore, type Store } from '../../../src/store/index.js';
import type { SweepStatus } from '../../../src/sweep/messages.js';
import { createTelemetry } from '../../../src/telemetry/metrics.js';
import { connectClient } from '../../../src/temporal/connection.js';
import { startSweep } from '../../../src/temporal/sweeps.js';
import { createWorkers, type SgcWorkers } from '../../../src/temporal/worker.js';
import { runWorkflowId } from '../../../workflows/definitions.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';
import { sgcBin } from '../../helpers/sgc.js';
import { startTemporal, type TestTemporal, waitFor } from '../../helpers/temporal.js';

/** One run of C3 that trains for tens of seconds (no early stop). */
const spec = {
  name: 'it-checkpoint-resume',
  groups: ['C3'],
  encodings: [{ kind: 'onehot' }],
  k: [2],
  models: ['mlp'],
  width: { values: [6], seeds: 1 },
  train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, clip: 0.1, steps: 200_000, stopOnSuccess: false },
};

let temporal: TestTemporal;
let postgres: PostgresServer;
let databaseUrl: string;
let store: Store;
let client: Client;
let io: SgcWorkers;
let ioDone: Promise<void>;
let dir: string;
const children: ChildProcess[] = [];

/**
 * `sgc worker` for the training queue. The first worker takes one step per engine call, so that the
 * kill lands mid-run; the second, with the default calls of many steps, trains the rest quickly.
 */
function spawnTrainWorker(checkpoints: string, stepsPerCall?: number): ChildProcess {
  const child = spawn(
    process.execPath,
    [sgcBin, 'worker', '--queues', 'sgc-train', '--no-metrics', '--checkpoints', checkpoints],
    {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: temporal.namespace,
        DATABASE_URL: databaseUrl,
        // One step per engine call and 200,000 steps keep this tiny run past the kill even on a
        // quiet machine (C3 at H = 6 takes tens of microseconds a step; 30,000 steps ended within
        // the 2 s before the kill). Resuming from checkpoints written between calls of many steps
        // is tested in trainer.test.ts.
        ...(stepsPerCall === undefined ? {} : { SGC_STEPS_PER_CALL: String(stepsPerCall) }),
      },
      stdio: 'ignore',
    },
  );
  children.push(child);
  return child;
}

describe('a training worker killed mid-run', { timeout: 600_000 }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sgc-resume-'));
    [temporal, postgres] = await Promise.all([startTemporal(), startPostgres()]);
    databaseUrl = await postgres.createDatabase();
    store = await openStore({ target: { kind: 'postgres', url: databaseUrl }, migrate: true });
    client = await connectClient({ address: temporal.address, namespace: temporal.namespace });
    // The store's activities in this process; training only in the worker processes.
    io = await createWorkers({
      temporal: { address: temporal.address, namespace: temporal.namespace },
      repository: store.repository(),
      telemetry: createTelemetry(),
      concurrency: 1,
      checkpointDir: join(dir, 'unused'),
      queues: ['sgc-io'],
    });
    ioDone = io.run();
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    io?.shutdown();
    await ioDone;
    await client?.connection.close();
    await store?.close();
    await temporal?.stop();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('SIGKILL ~3 s into training: the retry resumes from the checkpoint (step > 0), duration covers both attempts', async () => {
    const checkpoints = join(dir, 'checkpoints');
    const victim = spawnTrainWorker(checkpoints, 1);
    const handle = await startSweep(client, spec, { heartbeatTimeoutSeconds: 3 });
    const hash = await waitFor(
      'the run to be registered',
      async () =>
        (await store.driver.query<{ config_hash: string }>('SELECT config_hash FROM run'))[0]?.config_hash,
      60_000,
    );
    // Training has begun once the run's checkpoint folder exists (its first checkpoint comes 1 s
    // into training); the kill comes ~3 s into training, before any heartbeat need have named it.
    const folder = join(checkpoints, hash, 'checkpoint.bin');
    await waitFor('the first checkpoint', () => existsSync(folder), 120_000, 50);
    const firstCheckpointAt = Date.now();
    await new Promise((r) => setTimeout(r, 2000));
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    assert.ok(existsSync(folder), 'the checkpoint outlives its worker');

    spawnTrainWorker(checkpoints);
    const run = client.workflow.getHandle(runWorkflowId(hash));
    const secondStart = await waitFor(
      'the second attempt to start',
      async () => {
        const pending = (await run.describe()).raw.pendingActivities?.[0];
        const attempt = pending?.attempt ?? 0;
        const started = pending?.lastStartedTime;
        return attempt >= 2 && started?.seconds
          ? Number(started.seconds.toString()) * 1000 + Math.floor((started.nanos ?? 0) / 1e6)
          : undefined;
      },
      120_000,
    );
    const final = (await handle.result()) as SweepStatus;
    assert.equal(final.state, 'done');

    const [row] = await store.driver.query<{
      status: string;
      steps: number;
      duration_ms: number;
      attempts: number | null;
      finished_at: Date;
    }>(
      'SELECT status::text AS status, steps, duration_ms, attempts, finished_at FROM run WHERE config_hash = $1',
      [hash],
    );
    assert.equal(row.status, 'done');
    assert.equal(row.steps, spec.train.steps);
    const [resumed] = await store.driver.query<{ step: number; value: number }>(
      `SELECT e.step, e.value FROM run_event e JOIN run r ON r.id = e.run_id
        WHERE r.config_hash = $1 AND e.kind = 'resumed'`,
      [hash],
    );
    assert.ok(resumed && resumed.step > 0, `resumed from a checkpoint, not from step 0 (${resumed?.step})`);
    assert.equal(resumed.value, 2, "on the training activity's second attempt");
    assert.equal(row.attempts, 2, 'two attempts stored');
    // The first attempt trained at least from its first checkpoint to the kill (2 s; and 1 s before
    // it); the second at most from its start to the run's record, less its setup and the record's
    // latency (allowed 2 s). The last attempt's time alone would always fall short of this bound.
    const firstAtLeast = killedAt - firstCheckpointAt;
    const secondAtMost = new Date(row.finished_at).getTime() - secondStart;
    assert.ok(
      row.duration_ms >= firstAtLeast + secondAtMost - 2000,
      `duration ${row.duration_ms} ms covers the first attempt (≥ ${firstAtLeast} ms) and the second (≤ ${secondAtMost} ms)`,
    );
    assert.ok(!existsSync(join(checkpoints, hash)), 'the run folder is removed once the run is recorded');
  });
});
