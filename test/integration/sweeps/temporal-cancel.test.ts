/**
 * Cancelling a sweep on a real Temporal server stops its running training within seconds. Apart
 * from temporal.test.ts because it times that: it runs alone (test/run.ts), the rest beside others.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import type { Store } from '../../../src/store/index.js';
import type { SweepStatus } from '../../../src/sweep/messages.js';
import { cancelSweep, startSweep } from '../../../src/temporal/sweeps.js';
import { runWorkflowId } from '../../../workflows/definitions.js';
import { openSweepBed, type SweepBed } from '../../helpers/sweepBed.js';
import { finalSweepStatus, slowSpec, sweepRunRows } from '../../helpers/sweepRuns.js';
import { waitFor } from '../../helpers/temporal.js';

let bed: SweepBed;
let store: Store;
let client: Client;

const runRows = (sweep: string) => sweepRunRows(store, sweep);
const finalStatus = (sweep: string) => finalSweepStatus(client, sweep);

describe('cancelling a sweep on a real Temporal server', { timeout: 300_000 }, () => {
  before(async () => {
    bed = await openSweepBed('sgc-cancel-');
    ({ store, client } = bed);
    await bed.startWorkers({ concurrency: 1 });
  });

  after(async () => {
    await bed?.close();
  });

  test('cancel stops running trainings within seconds; a second start re-runs only what did not finish', async () => {
    // Runs of a few seconds each: the run cancelled must still be training when the cancel reaches
    // it, a second or two after the sweep's status shows the first run done (20,000 steps had come
    // to take 1.2 s here, and the second run sometimes finished first).
    const spec = slowSpec('it-cancel', [2, 3, 4], 60_000);
    const handle = await startSweep(client, spec);
    await waitFor(
      'one run done and one training',
      async () => {
        const rows = await runRows(spec.name);
        const s = await handle.query<SweepStatus>('status');
        return s.runsDone >= 1 && rows.some((r) => r.status === 'running' && r.worker === 'queued')
          ? true
          : undefined;
      },
      120_000,
      100,
    );
    const training = await waitFor('a training heartbeat', async () => {
      for (const r of await runRows(spec.name)) {
        if (r.status !== 'running') continue;
        const d = await client.workflow
          .getHandle(runWorkflowId(r.config_hash))
          .describe()
          .catch(() => undefined);
        const pending = d?.raw.pendingActivities?.[0];
        if (pending?.state === 2 /* STARTED */) return r.config_hash;
      }
      return undefined;
    });
    const cancelledAt = Date.now();
    await cancelSweep(client, spec.name);
    let seen = '';
    await waitFor(
      'the training to stop',
      async () => {
        const d = await client.workflow.getHandle(runWorkflowId(training)).describe();
        seen = d.status.name;
        return d.status.name === 'CANCELLED' ? true : undefined;
      },
      15_000,
      100,
    ).catch(async (error: Error) => {
      // How the run's workflow ended instead, should it not end cancelled.
      const result = await client.workflow
        .getHandle(runWorkflowId(training))
        .result()
        .then((r) => JSON.stringify(r).slice(0, 400))
        .catch((e: Error) => `${e.name}: ${e.message}; cause: ${(e.cause as Error | undefined)?.message}`);
      throw new Error(`${error.message}\nthe run's workflow: ${seen}; its result: ${result}`);
    });
    const stopSeconds = (Date.now() - cancelledAt) / 1000;
    assert.ok(stopSeconds < 5, `training stopped ${stopSeconds} s after cancel`);
    // The other runs' workflows (queued ones too) record their cancellation each on its own: a
    // moment after the training one, not in the same instant.
    const afterCancel = await waitFor(
      'every run to be recorded as ended',
      async () => {
        const rows = await runRows(spec.name);
        return rows.every((r) => r.status !== 'running') ? rows : undefined;
      },
      15_000,
      100,
    );
    const finished = afterCancel.filter((r) => r.status === 'done');
    const unfinished = afterCancel.filter((r) => r.status !== 'done');
    assert.ok(finished.length >= 1 && unfinished.length >= 1, JSON.stringify(afterCancel, null, 1));
    assert.ok(
      unfinished.every((r) => r.status === 'cancelled'),
      JSON.stringify(unfinished),
    );

    await assert.rejects(handle.result(), 'the cancelled sweep ends cancelled');
    await startSweep(client, spec);
    const final = await finalStatus(spec.name);
    assert.equal(final.state, 'done');
    assert.equal(final.cachedRuns, finished.length, 'finished runs are cache hits');
    const rerun = await runRows(spec.name);
    for (const r of finished)
      assert.deepEqual(
        rerun.find((x) => x.config_hash === r.config_hash),
        r,
        'a finished run is not re-run',
      );
    for (const r of unfinished) {
      const again = rerun.find((x) => x.config_hash === r.config_hash);
      assert.equal(again?.status, 'done', 'a cancelled run is re-run to the end');
      assert.ok(again.attempt > r.attempt);
    }
  });
});
