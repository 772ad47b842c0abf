/**
 * A sweep's true status (issue 15) on a real Temporal dev server, a real PostgreSQL and in-process
 * workers (one training at a time): `sgc sweep list`, `status` and the store's sweep.status say
 * paused, stopped, cancelled and done; training counts only runs a worker is training, the others
 * are queued; elapsed time stops at the end; after the workers restart, the counts equal the store's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { type SweepListLine, trueSweepStatus } from '../../../src/cli/sweepTruth.js';
import { summaryLine } from '../../../src/cli/sweepView.js';
import type { Store } from '../../../src/store/index.js';
import type { SweepStatus } from '../../../src/sweep/messages.js';
import { cancelSweep, pauseSweep, resumeSweep, startSweep, stopSweep } from '../../../src/temporal/sweeps.js';
import { sweepWorkflowId } from '../../../workflows/definitions.js';
import { runSgc } from '../../helpers/sgc.js';
import { type BedWorkers, openSweepBed, type SweepBed } from '../../helpers/sweepBed.js';
import { slowSpec as gridSpec, TRAIN } from '../../helpers/sweepRuns.js';
import { waitFor } from '../../helpers/temporal.js';
import { activityFailed, captureTemporalLog, type TemporalLogCapture } from '../../helpers/temporal-log.js';

let bed: SweepBed;
let store: Store;
let client: Client;
let workers: BedWorkers | undefined;

// One training at a time: every other run in flight is queued.
const startWorkers = async () => {
  workers = await bed.startWorkers({ concurrency: 1 });
};

async function stopWorkers() {
  await workers?.stop();
  workers = undefined;
}

const env = () => bed.env();

const status = async (sweep: string) => (await trueSweepStatus(client, sweep, store.driver)).status;

/** `sgc sweep list --json`, as a user runs it. */
async function listed(sweep: string): Promise<SweepListLine> {
  const cli = await runSgc(['sweep', 'list', '--json'], env());
  assert.equal(cli.code, 0, cli.stderr);
  const line = (JSON.parse(cli.stdout) as SweepListLine[]).find((l) => l.sweep === sweep);
  assert.ok(line, `${sweep} in ${cli.stdout}`);
  return line;
}

/** `sgc sweep status --json`, as a user runs it. */
async function cliStatus(sweep: string): Promise<SweepStatus> {
  const cli = await runSgc(['sweep', 'status', sweep, '--json'], env());
  assert.equal(cli.code, 0, cli.stderr);
  return JSON.parse(cli.stdout) as SweepStatus;
}

async function storedStatus(sweep: string) {
  const rows = await store.driver.query<{ status: string; ended: boolean }>(
    'SELECT status::text AS status, ended_at IS NOT NULL AS ended FROM sweep WHERE name = $1',
    [sweep],
  );
  return rows[0];
}

/** What the store counts for the sweep, as status shows it. */
async function storeCounts(sweep: string) {
  const [row] = await store.driver.query<{
    cells: number;
    ended: number;
    solved: number;
    done: number;
    running: number;
  }>(
    `SELECT (SELECT count(*) FROM cell c WHERE c.sweep_id = s.id)::integer AS cells,
            (SELECT count(*) FROM cell c WHERE c.sweep_id = s.id
                AND c.status IN ('done', 'undecided', 'failed', 'stopped'))::integer AS ended,
            (SELECT count(*) FROM cell c WHERE c.sweep_id = s.id AND c.status = 'done'
                AND c.min_width IS NOT NULL)::integer AS solved,
            (SELECT count(DISTINCT r.id) FROM run r JOIN cell_run cr ON cr.run_id = r.id
               JOIN cell c ON c.id = cr.cell_id
              WHERE c.sweep_id = s.id AND r.status IN ('done', 'failed', 'cancelled'))::integer AS done,
            (SELECT count(DISTINCT r.id) FROM run r JOIN cell_run cr ON cr.run_id = r.id
               JOIN cell c ON c.id = cr.cell_id
              WHERE c.sweep_id = s.id AND r.status = 'running')::integer AS running
       FROM sweep s WHERE s.name = $1`,
    [sweep],
  );
  return row;
}

function assertCountsAreTheStore(s: SweepStatus, counts: Awaited<ReturnType<typeof storeCounts>>) {
  assert.equal(s.counts, 'store');
  assert.equal(s.cells.length, counts.cells);
  assert.equal(
    s.cells.filter((c) => ['done', 'undecided', 'failed', 'stopped', 'cancelled'].includes(c.state)).length,
    counts.ended,
  );
  assert.equal(s.runsDone, counts.done);
  assert.equal(s.runsInFlight, counts.running);
}

/** The elapsed part of the summary line. */
const elapsedOf = (s: SweepStatus) => /elapsed (\S+)/.exec(summaryLine(s))?.[1];

describe('true sweep status on a real Temporal server and PostgreSQL', { timeout: 300_000 }, () => {
  let log: TemporalLogCapture;
  before(async () => {
    log = captureTemporalLog();
    bed = await openSweepBed('sgc-true-status-');
    ({ store, client } = bed);
    await startWorkers();
  });

  after(async () => {
    log.stop();
    await bed?.close();
  });

  test('one worker training one run at a time: 1 training, the others queued; cancel says cancelled everywhere', async () => {
    const spec = gridSpec('ts-queued', [2, 3, 4, 5], 60_000);
    await startSweep(client, spec);
    const seen: SweepStatus[] = [];
    const busy = await waitFor(
      'one run training and others queued',
      async () => {
        const s = await status(spec.name);
        seen.push(s);
        return s.runsTraining === 1 && s.runsInFlight >= 3 ? s : undefined;
      },
      60_000,
      300,
    );
    assert.ok(
      seen.every((s) => (s.runsTraining ?? 0) <= 1),
      `never more than one training: ${seen.map((s) => s.runsTraining).join(',')}`,
    );
    assert.equal(busy.state, 'running');
    assert.match(summaryLine(busy), /1 training, [3-9] queued/);
    assert.equal(busy.cells[0].runsTraining, 1);
    // The command line says the same.
    const cli = await cliStatus(spec.name);
    assert.equal(cli.runsTraining, 1);
    assert.ok(cli.runsInFlight >= 3);

    await cancelSweep(client, spec.name);
    await waitFor('the sweep to close', async () => {
      const d = await client.workflow.getHandle(sweepWorkflowId(spec.name)).describe();
      return d.status.name !== 'RUNNING';
    });
    const cancelled = await waitFor('the cancelled status to settle', async () => {
      const s = await status(spec.name);
      return s.state === 'cancelled' && s.runsInFlight === 0 ? s : undefined;
    });
    assert.ok(cancelled.endedAt);
    assert.equal(cancelled.runsTraining, 0);
    assert.deepEqual(await storedStatus(spec.name), { status: 'cancelled', ended: true });
    const line = await listed(spec.name);
    assert.equal(line.state, 'cancelled');
    assert.ok(line.ended);
    assertCountsAreTheStore(cancelled, await storeCounts(spec.name));
  });

  test('paused, across a restart of the workers, then stopped: list, status and the store agree', async () => {
    // A width search asks for one run per cell at a time, so a pause holds it (a grid's runs all
    // start at once and would end the sweep while it is paused).
    const spec = {
      name: 'ts-pause',
      groups: ['C3', 'D3'],
      encodings: [{ kind: 'onehot' }],
      k: [2, 3],
      models: ['mlp'],
      width: { search: { start: 2, max: 64 }, seeds: 1 },
      train: { ...TRAIN, steps: 4000, stopOnSuccess: false },
    };
    await startSweep(client, spec);
    await waitFor('a run to train', async () => ((await status(spec.name)).runsTraining ?? 0) > 0);
    await pauseSweep(client, spec.name);
    const paused = await waitFor('the pause to reach the store', async () => {
      const s = await status(spec.name);
      return s.state === 'paused' && (await storedStatus(spec.name)).status === 'paused' ? s : undefined;
    });
    assert.equal(paused.endedAt ?? null, null);
    assert.equal((await listed(spec.name)).state, 'paused');
    assert.equal((await cliStatus(spec.name)).state, 'paused');

    // The workers restart (their workflows replay): still paused, and the counts are the store's.
    await stopWorkers();
    await startWorkers();
    const after = await waitFor('the paused sweep to answer again', async () => {
      const s = await status(spec.name).catch(() => undefined);
      return s && s.runsInFlight === 0 ? s : undefined;
    });
    assert.equal(after.state, 'paused');
    assertCountsAreTheStore(after, await storeCounts(spec.name));
    const line = await listed(spec.name);
    assert.equal(line.state, 'paused');
    const counts = await storeCounts(spec.name);
    assert.deepEqual(
      [line.cells, line.cellsEnded, line.cellsWithMinWidth, line.runsDone],
      [counts.cells, counts.ended, counts.solved, counts.done],
    );

    await stopSweep(client, spec.name);
    await resumeSweep(client, spec.name).catch(() => undefined);
    // The workflow knows it stopped a moment before its store write lands: wait for both. A run the
    // restart cut short is retried after its heartbeat timeout and trains to its end before the
    // sweep can stop, which on a loaded machine (phase 1 of npm test) took over a minute.
    let last: { line: string; stored: unknown } | undefined;
    const stopped = await waitFor(
      'the sweep to end stopped',
      async () => {
        const s = await status(spec.name);
        const stored = await storedStatus(spec.name);
        last = { line: summaryLine(s), stored };
        return s.state === 'stopped' && stored.status === 'stopped' ? s : undefined;
      },
      180_000,
    ).catch((error: Error) => {
      // Where it stuck, should it happen again (it did once, in phase 1 of a slow run of npm test).
      throw new Error(`${error.message}; last seen: ${JSON.stringify(last)}`);
    });
    assert.ok(stopped.endedAt);
    assert.deepEqual(await storedStatus(spec.name), { status: 'stopped', ended: true });
    const stoppedLine = await listed(spec.name);
    assert.equal(stoppedLine.state, 'stopped', 'not "completed"');
    assert.ok(stoppedLine.ended);
    assertCountsAreTheStore(stopped, await storeCounts(spec.name));
  });

  test('a sweep whose workflow fails (a spec the workers refuse) says failed, in the store too', async () => {
    // Sent without the command line's validation, as another client could: the workflow refuses it.
    const spec = { ...gridSpec('ts-failed', [2], 10), groups: ['NoSuchGroup'] };
    await startSweep(client, spec);
    await assert.rejects(client.workflow.getHandle(sweepWorkflowId(spec.name)).result());
    const failed = await status(spec.name);
    assert.equal(failed.state, 'failed');
    assert.ok(failed.endedAt);
    await waitFor(
      'the store to say failed',
      async () => (await storedStatus(spec.name))?.status === 'failed',
    );
    const line = await listed(spec.name);
    assert.equal(line.state, 'failed');
    assert.ok(line.ended);
    // The workers refused it: logged (collected here, not printed) as InvalidSpec, then the workflow.
    assert.equal((await log.claim(activityFailed('InvalidSpec'))).length, 1);
    await log.claim((e) => e.message === 'Workflow failed' && JSON.stringify(e.meta).includes('ts-failed'));
  });

  test('a finished sweep that continued as new: done everywhere, the store’s counts, and its elapsed time no longer moves', async () => {
    const spec = { ...gridSpec('ts-done', [2, 4], 200), k: [2, 3] };
    // A short history limit: the sweep continues as new between its cells.
    await startSweep(client, spec, { window: 1, historyLimit: 15 });
    await client.workflow.getHandle(sweepWorkflowId(spec.name)).result();
    let executions = 0;
    for await (const _ of client.workflow.list({ query: `WorkflowId = '${sweepWorkflowId(spec.name)}'` }))
      executions++;
    assert.ok(executions > 1, `continued as new (${executions} executions)`);
    const first = await status(spec.name);
    assert.equal(first.state, 'done');
    assert.ok(first.endedAt);
    await new Promise((r) => setTimeout(r, 2500));
    const second = await cliStatus(spec.name);
    assert.equal(second.endedAt, first.endedAt);
    assert.equal(elapsedOf(second), elapsedOf(first));
    assert.equal(
      /([\d.]+) runs\/min/.exec(summaryLine(second))?.[1],
      /([\d.]+) runs\/min/.exec(summaryLine(first))?.[1],
    );
    assert.deepEqual(await storedStatus(spec.name), { status: 'done', ended: true });
    const line = await listed(spec.name);
    assert.equal(line.state, 'done', 'not "completed"');
    assert.equal(line.cells, 2);
    assert.equal(line.cellsEnded, 2);
    assert.equal(line.runsDone, 4);
    assert.equal(first.runsDone, 4);
    assert.equal(first.cachedRuns, 0, 'every run trained by this start');
    assertCountsAreTheStore(first, await storeCounts(spec.name));
  });
});
