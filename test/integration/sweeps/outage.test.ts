/**
 * Faults never change a result (issue 16): the external PostgreSQL stops during a sweep for three
 * times the retry budget (shrunk so the test is short). Before, an outage longer than the budget
 * threw trained results away and counted the lost runs as failed widths. Now the sweep shows that
 * it waits, resumes by itself when the store is back, and ends with the same H* and the same run
 * rows as the same sweep undisturbed.
 *
 * Real servers: a Temporal dev server (the undisturbed sweep runs in a namespace of its own, so
 * that its run workflows do not make the disturbed sweep's runs cache hits), one PostgreSQL server
 * with a database for each sweep, stopped and started again with its own pg_ctl (same data, same
 * port), and in-process workers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { STORE_UNREACHABLE_GAUGE, storeOutage } from '../../../activities/storeOutage.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { type RetryBudget, retryBudgetSeconds, type SweepStatus } from '../../../src/sweep/messages.js';
import { createTelemetry, type Telemetry } from '../../../src/telemetry/metrics.js';
import { connectClient } from '../../../src/temporal/connection.js';
import { startSweep } from '../../../src/temporal/sweeps.js';
import { createWorkers, type SgcWorkers } from '../../../src/temporal/worker.js';
import { statusQuery } from '../../../workflows/definitions.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';
import { runSgc } from '../../helpers/sgc.js';
import { startTemporal, type TestTemporal, waitFor } from '../../helpers/temporal.js';
import { activityFailed, captureTemporalLog, type TemporalLogCapture } from '../../helpers/temporal-log.js';

/** Two cells searched one width after another from H = 2: several store calls a second. */
const spec = {
  name: 'it-outage',
  groups: ['C3', 'D3'],
  encodings: [{ kind: 'onehot' }],
  k: [2],
  models: ['mlp'],
  width: { search: { start: 2, max: 64 }, seeds: 1 },
  train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, clip: 0.1, steps: 2500 },
};

/** The shrunk budget: a call gives up on the store after about 3 s (1 + 2) instead of minutes. */
const RETRY: RetryBudget = { attempts: 3, maxIntervalSeconds: 2, waitIntervalSeconds: 1 };
const OUTAGE_MS = 3 * retryBudgetSeconds(RETRY) * 1000;

let temporal: TestTemporal;
let postgres: PostgresServer;
let dir: string;
const opened: Store[] = [];

async function runWorkers(
  namespace: string,
  store: Store,
  telemetry: Telemetry,
  checkpointDir = join(dir, `checkpoints-${namespace}`),
) {
  const workers: SgcWorkers = await waitFor(
    `a worker on namespace ${namespace}`,
    // A namespace just registered takes the server a moment to know everywhere.
    () =>
      createWorkers({
        temporal: { address: temporal.address, namespace },
        repository: store.repository(),
        telemetry,
        concurrency: 1,
        checkpointDir,
      }).catch(() => undefined),
    60_000,
    500,
  );
  const done = workers.run();
  return {
    async stop() {
      workers.shutdown();
      await done;
    },
  };
}

async function runRows(store: Store) {
  return store.driver.query<Record<string, unknown>>(
    `SELECT r.config_hash, r.h, r.seed, r.status::text AS status, r.outcome::text AS outcome, r.attempt,
            r.steps, r.final_loss, r.final_accuracy,
            (SELECT count(*)::int FROM run_metric m WHERE m.run_id = r.id) AS metric_points,
            (SELECT count(*)::int FROM run_event e WHERE e.run_id = r.id) AS events
       FROM run r ORDER BY r.config_hash`,
  );
}

async function cellRows(store: Store, sweep = spec.name) {
  return store.driver.query<Record<string, unknown>>(
    `SELECT group_name, k, status::text AS status, min_width, lo, hi, runs FROM min_width_by_k
      WHERE sweep = $1 ORDER BY group_name, k`,
    [sweep],
  );
}

async function gauge(telemetry: Telemetry): Promise<number> {
  const line = (await telemetry.metricsText())
    .split('\n')
    .find((l) => l.startsWith(`${STORE_UNREACHABLE_GAUGE} `));
  assert.ok(line, `${STORE_UNREACHABLE_GAUGE} is exported`);
  return Number(line.split(' ')[1]);
}

describe('the store goes away during a sweep', { timeout: 600_000 }, () => {
  let log: TemporalLogCapture;
  before(async () => {
    log = captureTemporalLog();
    dir = mkdtempSync(join(tmpdir(), 'sgc-outage-'));
    // Its own PostgreSQL server: the test stops it.
    [temporal, postgres] = await Promise.all([startTemporal(), startPostgres({ own: true })]);
  });

  after(async () => {
    log.stop();
    for (const store of opened) await store.close().catch(() => undefined);
    await temporal?.stop();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`stopped for 3× the retry budget (${OUTAGE_MS / 1000} s): the sweep waits, then ends as if undisturbed`, async () => {
    const open = async () => {
      const store = await openStore({
        target: { kind: 'postgres', url: await postgres.createDatabase() },
        migrate: true,
      });
      opened.push(store);
      return store;
    };
    const [reference, disturbed] = [await open(), await open()];

    // The undisturbed sweep, in a namespace of its own, into a database of its own.
    const undisturbed = `${temporal.namespace}-undisturbed`;
    const admin = await connectClient({ address: temporal.address, namespace: temporal.namespace });
    await admin.workflowService.registerNamespace({
      namespace: undisturbed,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    const refClient = await waitFor('the namespace', () =>
      connectClient({ address: temporal.address, namespace: undisturbed }).catch(() => undefined),
    );
    const refWorkers = await runWorkers(undisturbed, reference, createTelemetry());
    let refStatus: SweepStatus;
    try {
      refStatus = (await (await startSweep(refClient, spec, { retry: RETRY })).result()) as SweepStatus;
    } finally {
      await refWorkers.stop();
      await refClient.connection.close();
    }
    assert.equal(refStatus.state, 'done');

    // The same sweep, disturbed. The outage is logged through this process's outage state.
    const telemetry = createTelemetry();
    const log: string[] = [];
    storeOutage(telemetry.registry, (line) => log.push(line));
    const client: Client = admin;
    const workers = await runWorkers(temporal.namespace, disturbed, telemetry);
    try {
      const handle = await startSweep(client, spec, { retry: RETRY });
      await waitFor(
        'a run to finish',
        async () => (await handle.query(statusQuery)).runsDone >= 2,
        120_000,
        50,
      );
      await postgres.stopServer();
      const stoppedAt = Date.now();
      let restarted = false;
      try {
        // Once a call has spent its budget, the sweep says that it waits, and since when.
        const waiting = await waitFor(
          'the sweep to show that it waits',
          async () => {
            const s = await handle.query(statusQuery);
            return s.waiting ? s : undefined;
          },
          OUTAGE_MS,
          200,
        );
        assert.equal(waiting.state, 'running');
        assert.equal(waiting.waiting?.reason, 'store unreachable');
        assert.ok(
          Date.parse(waiting.waiting?.since ?? '') >= stoppedAt - 5000,
          `waiting since ${waiting.waiting?.since}, the store stopped at ${new Date(stoppedAt).toISOString()}`,
        );
        assert.ok(
          waiting.cells.some((c) => c.waiting),
          'the cell whose call waits shows it too',
        );
        const cli = await runSgc(['sweep', 'status', spec.name], {
          TEMPORAL_ADDRESS: temporal.address,
          TEMPORAL_NAMESPACE: temporal.namespace,
        });
        assert.equal(cli.code, 0, cli.stderr);
        assert.match(cli.stdout, /waiting: store unreachable since \d\d:\d\d:\d\d UTC/);
        assert.ok((await gauge(telemetry)) * 1000 >= stoppedAt - 1000, 'the gauge says since when');
        assert.equal(log.filter((l) => l.startsWith('store unreachable since')).length, 1, log.join('\n'));

        await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + OUTAGE_MS - Date.now())));
        // Still waiting, 3× the budget later: nothing has given up.
        const still = await handle.query(statusQuery);
        assert.ok(still.waiting, 'still waiting at the end of the outage');
        assert.equal(still.state, 'running');
        assert.ok(
          still.cells.every((c) => (c.state === 'running' || c.state === 'done') && !c.runErrors),
          JSON.stringify(still.cells),
        );
        await postgres.startServer();
        restarted = true;
      } finally {
        if (!restarted) await postgres.startServer();
      }

      // It resumes by itself.
      const final = (await handle.result()) as SweepStatus;
      assert.equal(final.state, 'done');
      assert.equal(final.waiting, null);
      assert.equal(await gauge(telemetry), 0, 'the gauge is back to 0');
      assert.equal(log.filter((l) => l.startsWith('store reachable again')).length, 1, log.join('\n'));
      assert.deepEqual(
        final.cells.map((c) => [c.cellKey, c.state, c.minWidth, c.lo, c.hi, c.runsDone, c.runErrors ?? 0]),
        refStatus.cells.map((c) => [
          c.cellKey,
          c.state,
          c.minWidth,
          c.lo,
          c.hi,
          c.runsDone,
          c.runErrors ?? 0,
        ]),
        'the same H* and brackets',
      );
      assert.ok(final.cells.every((c) => c.minWidth !== null));

      // The same rows in the store: cells, and every run with its outcome, numbers and curves.
      assert.deepEqual(await cellRows(disturbed), await cellRows(reference));
      const rows = await runRows(disturbed);
      assert.deepEqual(rows, await runRows(reference));
      assert.ok(
        rows.every((r) => r['status'] === 'done' && r['outcome'] !== 'error'),
        JSON.stringify(rows),
      );
    } finally {
      await workers.stop();
      await client.connection.close();
    }
  });

  test('a run whose training keeps throwing ends error, and its cell undecided: no width is counted as failed', async () => {
    // A real, deterministic training error: the worker's checkpoint folder cannot be created (its
    // parent is a file), so every attempt throws ENOTDIR at its first checkpoint (after 2 s).
    const notADir = join(dir, 'a-file');
    writeFileSync(notADir, '');
    const store = await openStore({
      target: { kind: 'postgres', url: await postgres.createDatabase() },
      migrate: true,
    });
    opened.push(store);
    const client = await connectClient({ address: temporal.address, namespace: temporal.namespace });
    const workers = await runWorkers(
      temporal.namespace,
      store,
      createTelemetry(),
      join(notADir, 'checkpoints'),
    );
    try {
      // Long runs (no early stop), so that each attempt reaches a checkpoint.
      const errorSpec = {
        ...spec,
        name: 'it-run-error',
        groups: ['C3'],
        train: { ...spec.train, steps: 200_000, stopOnSuccess: false },
      };
      const handle = await startSweep(client, errorSpec, {
        retry: { attempts: 2, maxIntervalSeconds: 1, waitIntervalSeconds: 1 },
      });
      const final = (await handle.result()) as SweepStatus;
      assert.equal(final.state, 'done');
      const [cell] = final.cells;
      // Before, the error counted as a failure at H = 2 and the gallop went on up to max, each
      // width failing the same way: "no H* up to 64", a wrong answer. Now the search stops.
      assert.deepEqual(
        [cell.state, cell.minWidth, cell.lo, cell.hi, cell.runsDone, cell.runErrors],
        ['undecided', null, null, null, 1, 1],
      );
      const [row] = await cellRows(store, errorSpec.name);
      assert.deepEqual(
        [row?.['status'], row?.['min_width'], row?.['lo'], row?.['hi']],
        ['undecided', null, null, null],
      );
      const runs = await store.driver.query<{ h: number; status: string; outcome: string; error: string }>(
        `SELECT h, status::text AS status, outcome::text AS outcome, error FROM run`,
      );
      assert.equal(runs.length, 1);
      assert.deepEqual([runs[0].h, runs[0].status, runs[0].outcome], [2, 'failed', 'error']);
      assert.match(runs[0].error, /ENOTDIR|not a directory/);
      // The worker's log has each attempt's failure (collected here, not printed), then the run's.
      const attempts = await log.claim(activityFailed('ENOTDIR'));
      assert.equal(attempts.length, 2, 'two attempts, each failed with ENOTDIR');
      await log.claim((e) => e.message === 'Workflow failed' && JSON.stringify(e.meta).includes('run/'));
      // Shown as such.
      const cli = await runSgc(['sweep', 'status', errorSpec.name], {
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: temporal.namespace,
      });
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(cli.stdout, /1 undecided: run errors/);
      assert.match(cli.stdout, /1 error\)/);
      assert.match(cli.stdout, /C3\/onehot\/k2\/mlp\s+undecided/);
    } finally {
      await workers.stop();
      await client.connection.close();
    }
  });
});
