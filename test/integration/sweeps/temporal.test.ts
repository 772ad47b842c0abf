/**
 * Sweeps on a real Temporal server (`temporal server start-dev`) with a real PostgreSQL store and
 * real workers: in this process for most tests, as `sgc worker` processes where one is killed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { stringify } from 'yaml';
import { InputError } from '../../../src/errors.js';
import { runCodeIdentity } from '../../../src/learn/codeIdentity.js';
import { createEngine } from '../../../src/learn/engine/index.js';
import { runTraining } from '../../../src/learn/trainer.js';
import type { Store } from '../../../src/store/index.js';
import { configHash } from '../../../src/sweep/configHash.js';
import { expandSweep, runConfig } from '../../../src/sweep/expand.js';
import { cellSearchPlan } from '../../../src/sweep/guess.js';
import { QUEUES, type QueueName, type SweepStatus, trainQueueOf } from '../../../src/sweep/messages.js';
import { parseSweepSpec } from '../../../src/sweep/spec.js';
import {
  initialSearch,
  nearestGridIndex,
  nextProbes,
  record,
  searchGrid,
} from '../../../src/sweep/widthSearch.js';
import {
  cancelSweep,
  extendSweep,
  pauseSweep,
  resumeSweep,
  startSweep,
  stopSweep,
  sweepStatus,
} from '../../../src/temporal/sweeps.js';
import type { SgcWorkers } from '../../../src/temporal/worker.js';
import { workflowBundle } from '../../../src/temporal/workflowBundle.js';
import { cellProgressSignal, runWorkflowId, sweepWorkflowId } from '../../../workflows/definitions.js';
import { directSearch } from '../../helpers/directSearch.js';
import { runSgc, sgcBin } from '../../helpers/sgc.js';
import { type BedWorkers, openSweepBed, type SweepBed } from '../../helpers/sweepBed.js';
import { finalSweepStatus, slowSpec, sweepRunRows, TRAIN } from '../../helpers/sweepRuns.js';
import { waitFor } from '../../helpers/temporal.js';
import { activityFailed, captureTemporalLog, type TemporalLogCapture } from '../../helpers/temporal-log.js';

/** Two groups × two k, searched from H = 2: a few dozen short runs. */
const basicSpec = {
  name: 'it-basic',
  groups: ['C3', 'D3'],
  encodings: [{ kind: 'onehot' }],
  k: [2, 3],
  models: ['mlp'],
  width: { search: { start: 2, max: 64 }, seeds: 1 },
  train: { ...TRAIN, steps: 2500 },
};

let bed: SweepBed;
let store: Store;
let client: Client;
let inProcess: BedWorkers | undefined;
let workers: SgcWorkers | undefined;
let dir: string;

async function startInProcessWorkers(queues?: QueueName[]) {
  inProcess = await bed.startWorkers({ concurrency: 1, ...(queues ? { queues } : {}) });
  workers = inProcess.workers;
}

async function stopInProcessWorkers() {
  await inProcess?.stop();
  inProcess = undefined;
  workers = undefined;
}

const writeSpec = (spec: object) => bed.writeSpec(spec);
const env = () => bed.env();

const runRows = (sweep: string) => sweepRunRows(store, sweep);
const finalStatus = (sweep: string) => finalSweepStatus(client, sweep);

describe('sweeps on a real Temporal server', { timeout: 600_000 }, () => {
  let log: TemporalLogCapture;
  before(async () => {
    log = captureTemporalLog();
    bed = await openSweepBed('sgc-sweeps-');
    ({ store, client, dir } = bed);
    await startInProcessWorkers();
  });

  after(async () => {
    log.stop();
    await bed?.close();
  });

  test('a sweep of 2 groups × 2 k finishes with H* in the store, as a search without Temporal finds', async () => {
    const cli = await runSgc(['sweep', 'start', writeSpec(basicSpec), '--wait'], env());
    assert.equal(cli.code, 0, cli.stderr);
    const table = cli.stdout;
    const stored = await store.driver.query<{
      group_name: string;
      k: number;
      min_width: number | null;
      lo: number | null;
      hi: number | null;
      status: string;
    }>(
      `SELECT group_name, k, min_width, lo, hi, status::text AS status FROM min_width_by_k WHERE sweep = $1 ORDER BY group_name, k`,
      [basicSpec.name],
    );
    assert.equal(stored.length, 4);
    const spec = parseSweepSpec(basicSpec, 'test');
    for (const cell of expandSweep(spec).cells) {
      const row = stored.find((r) => r.group_name === cell.group && r.k === cell.k);
      assert.ok(row, `cell ${cell.cellKey} is in the store`);
      assert.equal(row.status, 'done');
      assert.notEqual(row.min_width, null, `${cell.cellKey} has H*`);
      const direct = await directSearch(cell, spec.width);
      assert.deepEqual(
        { minWidth: row.min_width, lo: row.lo, hi: row.hi },
        { minWidth: direct.minWidth, lo: direct.lo, hi: direct.hi },
        `${cell.cellKey}: Temporal and the plain loop agree`,
      );
      // The table `sgc results` prints too: one row per (sweep, group, encoding, model), k across.
      // Above it, the line that says what H* and success mean.
      assert.match(table, /^H\* = the smallest width at which .*; success = /m);
      const lines = table.split('\n');
      const header = lines.find((l) => /\bk=\d/.test(l)) ?? '';
      const line = lines.find((l) => l.split(/\s+/)[1] === cell.group);
      assert.ok(line, `${cell.group} has a row in\n${table}`);
      assert.equal(
        line.split(/\s+/)[header.split(/\s+/).indexOf(`k=${cell.k}`)],
        String(row.min_width),
        `${cell.cellKey}: H* in the table\n${table}`,
      );
    }
  });

  test('starting the same spec again trains nothing new and returns the same results', async () => {
    const before = await runRows(basicSpec.name);
    const cli = await runSgc(['sweep', 'start', writeSpec(basicSpec), '--wait'], env());
    assert.equal(cli.code, 0, cli.stderr);
    const status = await finalStatus(basicSpec.name);
    assert.ok(status.runsDone > 0);
    assert.equal(status.cachedRuns, status.runsDone, 'every run is a cache hit');
    assert.deepEqual(await runRows(basicSpec.name), before, 'no run trained again (attempts unchanged)');
  });

  test('guess: theory starts each cell at 2^(k−1)·|G|: the runs and H* of the plain loop with that plan', async () => {
    // The basic spec from its theory guess (C3: 6 at k = 2, 12 at k = 3; D3: 12, 24): its runs
    // there are the basic sweep's where both try a width (cache hits), new ones elsewhere.
    const guessed = {
      ...basicSpec,
      name: 'it-guess',
      width: { search: { ...basicSpec.width.search, guess: 'theory' }, seeds: 1 },
    };
    const cli = await runSgc(['sweep', 'start', writeSpec(guessed), '--wait'], env());
    assert.equal(cli.code, 0, cli.stderr);
    const spec = parseSweepSpec(guessed, 'test');
    const stored = await store.driver.query<{ group_name: string; k: number; min_width: number; lo: number }>(
      `SELECT group_name, k, min_width, lo FROM min_width_by_k WHERE sweep = $1`,
      [guessed.name],
    );
    const runs = await store.driver.query<{ group_name: string; k: number; h: number; seed: number }>(
      `SELECT DISTINCT c."group" AS group_name, c.k, r.h, r.seed FROM run r JOIN cell_run cr ON cr.run_id = r.id
         JOIN cell c ON c.id = cr.cell_id JOIN sweep s ON s.id = c.sweep_id WHERE s.name = $1`,
      [guessed.name],
    );
    for (const cell of expandSweep(spec).cells) {
      const plan = cellSearchPlan(spec.width, cell);
      assert.ok(plan.mode === 'search' && plan.guess === 2 ** (cell.k - 1) * (cell.group === 'C3' ? 3 : 6));
      if (plan.mode !== 'search') continue;
      const direct = await directSearch(cell, plan);
      const row = stored.find((r) => r.group_name === cell.group && r.k === cell.k);
      assert.deepEqual(
        { minWidth: row?.min_width, lo: row?.lo },
        { minWidth: direct.minWidth, lo: direct.lo },
        cell.cellKey,
      );
      const widths = (list: { H: number; seed: number }[]) => list.map((p) => `${p.H}/${p.seed}`).sort();
      assert.deepEqual(
        widths(
          runs
            .filter((r) => r.group_name === cell.group && r.k === cell.k)
            .map((r) => ({ H: r.h, seed: r.seed })),
        ),
        widths(direct.probes),
        `${cell.cellKey}: the runs the plain loop started from ${plan.guess}`,
      );
      // The grid 2, 4, …, 64 point nearest the guess by ratio: 8, 16, 16, 32; a gallop starts at 2.
      const grid = searchGrid(plan.start, plan.max, plan.perOctave);
      assert.deepEqual(direct.probes[0], { H: grid[nearestGridIndex(grid, plan.guess as number)], seed: 0 });
      assert.ok(direct.probes[0].H >= 8, cell.cellKey);
    }
  });

  test('a run whose RunWorkflow completed but whose result never reached the store is not waited for', {
    timeout: 120_000,
  }, async () => {
    // The store loses the final write of one run of the C3, k = 2 cell: it still says `running`.
    const [orphan] = await store.driver.query<{ config_hash: string; outcome: string }>(
      `SELECT r.config_hash, r.outcome::text AS outcome FROM run r JOIN cell_run cr ON cr.run_id = r.id
         JOIN cell c ON c.id = cr.cell_id JOIN sweep s ON s.id = c.sweep_id
        WHERE s.name = $1 AND c."group" = 'C3' AND c.k = 2 ORDER BY r.h LIMIT 1`,
      [basicSpec.name],
    );
    await store.driver.query(`UPDATE run SET status = 'running', outcome = NULL WHERE config_hash = $1`, [
      orphan.config_hash,
    ]);
    // Another sweep needs that run: its RunWorkflow id is taken by the completed workflow, so the
    // cell awaits the run, and takes the completed workflow's report instead of waiting forever.
    const spec = { ...basicSpec, name: 'it-orphan', groups: ['C3'], k: [2] };
    const cli = await runSgc(['sweep', 'start', writeSpec(spec), '--wait'], env());
    assert.equal(cli.code, 0, cli.stderr);
    const [row] = await store.driver.query<{ status: string; outcome: string }>(
      `SELECT status::text AS status, outcome::text AS outcome FROM run WHERE config_hash = $1`,
      [orphan.config_hash],
    );
    assert.deepEqual(row, { status: 'done', outcome: orphan.outcome });
  });

  test('pause starts nothing new until resume', async () => {
    // One cell whose search runs one width after another: D3 at k = 3 needs several. Its own
    // learning rate, so that its runs train (cache hits come from the store within one workflow
    // task, too fast to pause between).
    const spec = {
      ...basicSpec,
      name: 'it-pause',
      groups: ['D3'],
      k: [3],
      train: { ...basicSpec.train, lr: 0.0105 },
    };
    const handle = await startSweep(client, spec);
    await waitFor(
      'a run to finish',
      async () => (await handle.query<SweepStatus>('status')).runsDone >= 1,
      60_000,
      50,
    );
    await pauseSweep(client, spec.name);
    // The run in flight finishes; then nothing new may start.
    const quiet = await waitFor('the paused sweep to go quiet', async () => {
      const s = await handle.query<SweepStatus>('status');
      const running = (await runRows(spec.name)).filter((r) => r.status === 'running').length;
      // A cell says `paused` once its runs in flight are back and it is waiting to resume.
      return s.cells.every((c) => c.state === 'paused') && running === 0 ? s : undefined;
    });
    assert.equal(quiet.state, 'paused');
    const rows = await runRows(spec.name);
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(await runRows(spec.name), rows, 'nothing started while paused');
    assert.equal((await handle.query<SweepStatus>('status')).runsDone, quiet.runsDone);
    await resumeSweep(client, spec.name);
    const final = await finalStatus(spec.name);
    assert.equal(final.state, 'done');
    assert.ok(final.runsDone > quiet.runsDone, 'the search went on after resume');
    assert.notEqual(final.cells[0].minWidth, null);
  });

  test('pauses and resumes sent back to back: every cell takes them in the order sent, and the sweep ends', async () => {
    // Two orders at once used to be carried out interleaved, and the signals to a cell sent
    // together arrive in either order: a cell that took its pause last waited for ever.
    const spec = {
      ...basicSpec,
      name: 'it-flip',
      groups: ['C3', 'D3'],
      k: [3],
      train: { ...basicSpec.train, lr: 0.0103 },
    };
    const handle = await startSweep(client, spec);
    await waitFor(
      'runs to be in flight',
      async () => (await handle.query<SweepStatus>('status')).runsInFlight > 0,
    );
    for (let i = 0; i < 3; i++) {
      await pauseSweep(client, spec.name);
      await resumeSweep(client, spec.name);
    }
    const done = await waitFor(
      'the sweep to end',
      async () => {
        const s = await handle.query<SweepStatus>('status');
        return s.state === 'done' ? s : undefined;
      },
      120_000,
    );
    assert.ok(done.cells.every((c) => c.state === 'done' && c.minWidth !== null));
    const [stored] = await store.driver.query<{ status: string }>(
      `SELECT status::text AS status FROM sweep WHERE name = $1`,
      [spec.name],
    );
    assert.equal(stored.status, 'done');
  });

  test('a cell report that arrives after a newer one does not undo it', async () => {
    // Temporal delivers two signals sent in one workflow task in either order: a cell's `running`
    // could arrive after its `paused`, and the sweep said running of a paused cell for ever. The
    // sweep keeps the newest report by its stamp. With no training worker, the cell's run waits,
    // and the cell sends nothing more of its own meanwhile.
    await stopInProcessWorkers();
    await startInProcessWorkers(['sgc-io']);
    const spec = {
      ...basicSpec,
      name: 'it-order',
      groups: ['C3'],
      k: [2],
      train: { ...basicSpec.train, lr: 0.0107 },
    };
    try {
      const handle = await startSweep(client, spec);
      const cell = await waitFor('the cell to wait for its run', async () => {
        const c = (await handle.query<SweepStatus>('status')).cells[0];
        return c?.state === 'running' && c.runsInFlight === 1 ? c : undefined;
      });
      // Stamped after anything the cell itself sends: the newer report first, the older after it.
      const since = Date.now() + 86_400_000;
      await handle.signal(cellProgressSignal, { ...cell, state: 'paused', runsDone: 7 }, { since, n: 2 });
      await handle.signal(cellProgressSignal, { ...cell, state: 'running', runsDone: 6 }, { since, n: 1 });
      const seen = (await handle.query<SweepStatus>('status')).cells[0];
      assert.deepEqual([seen.state, seen.runsDone], ['paused', 7], 'the newer report stands');
      // A report of a later execution of the cell (searched again) is newer whatever its count.
      await handle.signal(cellProgressSignal, { ...cell, runsDone: 8 }, { since: since + 1, n: 1 });
      assert.equal((await handle.query<SweepStatus>('status')).cells[0].runsDone, 8);
      await cancelSweep(client, spec.name);
      await handle.result().catch(() => undefined);
    } finally {
      await stopInProcessWorkers();
      await startInProcessWorkers();
    }
  });

  test('stop lets running runs finish, starts none, and ends the sweep with its brackets', async () => {
    const spec = {
      ...basicSpec,
      name: 'it-stop',
      groups: ['D3'],
      k: [3],
      train: { ...basicSpec.train, lr: 0.011 },
    };
    const handle = await startSweep(client, spec);
    await waitFor(
      'a run to finish',
      async () => (await handle.query<SweepStatus>('status')).runsDone >= 1,
      60_000,
      50,
    );
    await stopSweep(client, spec.name);
    const final = (await handle.result()) as SweepStatus;
    assert.equal(final.state, 'stopped');
    assert.deepEqual(
      final.cells.map((c) => c.state),
      ['stopped'],
    );
    const rows = await runRows(spec.name);
    assert.ok(rows.length >= 1);
    assert.ok(
      rows.every((r) => r.status === 'done'),
      `every run it started finished: ${JSON.stringify(rows)}`,
    );
    assert.equal(final.runsDone, rows.length);
  });

  test('extend adds a k value to a running sweep', async () => {
    // Paused (so that it is certainly still running when the extension arrives), then resumed.
    const spec = { ...basicSpec, name: 'it-extend', groups: ['C3'], k: [2] };
    await startSweep(client, spec);
    await pauseSweep(client, spec.name);
    const extra = join(dir, 'extra.yaml');
    writeFileSync(extra, stringify({ k: [3] }));
    const cli = await runSgc(['sweep', 'extend', spec.name, extra], env());
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(cli.stdout.trim().split('\n'), ['C3/onehot/k3/mlp']);
    await resumeSweep(client, spec.name);
    const final = await finalStatus(spec.name);
    assert.deepEqual(final.cells.map((c) => c.cellKey).sort(), ['C3/onehot/k2/mlp', 'C3/onehot/k3/mlp']);
    assert.ok(final.cells.every((c) => c.state === 'done' && c.minWidth !== null));
    // A bad extension is refused with the reason, and changes nothing.
    writeFileSync(extra, stringify({ groups: ['Q9'] }));
    await startSweep(client, { ...spec, name: 'it-extend-2' });
    await pauseSweep(client, 'it-extend-2');
    const bad = await runSgc(['sweep', 'extend', 'it-extend-2', extra], env());
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Q9/);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    await resumeSweep(client, 'it-extend-2');
    const ext2 = await finalStatus('it-extend-2');
    assert.deepEqual(
      ext2.cells.map((c) => c.cellKey),
      ['C3/onehot/k2/mlp'],
    );
    // The workflow's own check refused Q9 too (the activity's InvalidSpec, collected, not printed).
    assert.equal((await log.claim(activityFailed('InvalidSpec'))).length, 1);
  });

  test('extend with more seeds: cells searched so far are searched again with the new plan; only runs not in the store train', async () => {
    // Two cells one after the other (window 1), with runs of their own (learning rate), a short
    // budget and two widths. The first cell's runs are in the store already (a sweep of it alone);
    // the second's cannot train while no worker polls sgc-train: at the extension, one cell has
    // finished and one is running.
    const spec = {
      ...basicSpec,
      name: 'it-seeds',
      groups: ['C3'],
      k: [2, 3],
      width: { values: [4, 16], seeds: 1 },
      train: { ...basicSpec.train, lr: 0.0095, steps: 800 },
    };
    const first = await startSweep(client, { ...spec, name: 'it-seeds-first', k: [2] });
    assert.equal(((await first.result()) as SweepStatus).state, 'done');
    try {
      await stopInProcessWorkers();
      await startInProcessWorkers(['sgc-io']);
      const handle = await startSweep(client, spec, { window: 1 });
      await waitFor('the first cell to end and the second to wait for training', async () => {
        const cells = (await handle.query<SweepStatus>('status')).cells;
        return cells[0]?.state === 'done' && cells[1]?.state === 'running' && cells[1]?.runsInFlight === 2;
      });
      const before = new Map((await runRows(spec.name)).map((r) => [r.config_hash, r]));
      const extra = join(dir, 'seeds.yaml');
      writeFileSync(extra, stringify({ width: { seeds: 2 } }));
      const cli = await runSgc(['sweep', 'extend', spec.name, extra], env());
      assert.equal(cli.code, 0, cli.stderr);
      assert.equal(cli.stdout.trim(), '', 'no new cells');
      assert.match(cli.stderr, /2 cell\(s\) searched again/);
      // Fewer seeds than the plan has: refused with the reason (an InputError: one line, exit 2).
      await assert.rejects(
        extendSweep(client, spec.name, { width: { seeds: 1 } }),
        (e: Error) =>
          e instanceof InputError &&
          /seeds 1: an extension may only raise the seeds \(now 2\)$/.test(e.message),
      );
      await stopInProcessWorkers();
      await startInProcessWorkers();
      const final = await finalStatus(spec.name);
      assert.equal(final.state, 'done');
      assert.ok(final.cells.every((c) => c.state === 'done'));

      const after = await runRows(spec.name);
      for (const [hash, run] of before)
        assert.equal(
          after.find((r) => r.config_hash === hash)?.attempt,
          run.attempt,
          `run H=${run.h} seed ${run.seed} was not trained again`,
        );
      const trained = after.filter((r) => !before.has(r.config_hash));
      assert.ok(
        trained.some((r) => r.seed === 1),
        `the new seeds trained: ${JSON.stringify(trained.map((r) => [r.h, r.seed]))}`,
      );
      // Each cell's H* in the store is the new plan's: the search replayed on the stored outcomes.
      const plan = parseSweepSpec({ ...spec, width: { ...spec.width, seeds: 2 } }, 'test');
      const outcomes = new Map(after.map((r) => [r.config_hash, r.outcome]));
      for (const cell of expandSweep(plan).cells) {
        let state = initialSearch(plan.width);
        while (!state.result) {
          const next = nextProbes(state);
          state = next.state;
          for (const p of next.probes) {
            const config = runConfig(cell, p.H, p.seed);
            const outcome = outcomes.get(configHash(config, runCodeIdentity(config)));
            assert.ok(outcome, `${cell.cellKey}: run H=${p.H} seed ${p.seed} is in the store`);
            state = record(state, { ...p, succeeded: outcome === 'succeeded' });
          }
        }
        const [row] = await store.driver.query<{
          min_width: number | null;
          lo: number | null;
          hi: number | null;
        }>(`SELECT min_width, lo, hi FROM min_width_by_k WHERE sweep = $1 AND k = $2`, [spec.name, cell.k]);
        assert.deepEqual(
          { minWidth: row.min_width, lo: row.lo, hi: row.hi },
          { minWidth: state.result.minWidth, lo: state.result.lo, hi: state.result.hi },
          `${cell.cellKey}: the stored bracket is the 2-seed search's`,
        );
      }
    } finally {
      // Whatever happened, the next tests get workers on every queue.
      if (workers?.queues.length !== QUEUES.length) {
        await stopInProcessWorkers();
        await startInProcessWorkers();
      }
    }
  });

  test('a worker killed mid-run: the run finishes on a second worker from its checkpoint, no duplicate rows', async () => {
    await stopInProcessWorkers();
    await startInProcessWorkers(['sgc-io']);
    const children: ChildProcess[] = [];
    let workerLog = '';
    const spawnWorker = () => {
      const child = spawn(
        process.execPath,
        [
          sgcBin,
          'worker',
          '--queues',
          'sgc-train',
          '--no-metrics',
          '--checkpoints',
          join(dir, 'shared-checkpoints'),
        ],
        { env: { ...process.env, ...env() }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child.stderr?.on('data', (d) => (workerLog += d));
      children.push(child);
      return child;
    };
    try {
      spawnWorker();
      spawnWorker();
      // Long enough to be killed mid-run after its first checkpoint, however quick steps become
      // (temporal-cancel's runs of 20,000 steps had come to end before its cancel).
      const spec = slowSpec('it-kill', [6], 80_000);
      const handle = await startSweep(client, spec, { heartbeatTimeoutSeconds: 3 });
      const hash = await waitFor(
        'the run to be registered',
        async () => (await runRows(spec.name))[0]?.config_hash,
        60_000,
      );
      const run = client.workflow.getHandle(runWorkflowId(hash));
      const holder = await waitFor(
        'a heartbeat with a checkpoint',
        async () => {
          // The run is in the store a moment before its workflow exists.
          const description = await run.describe().catch(() => undefined);
          const pending = description?.raw.pendingActivities?.[0];
          const details = pending?.heartbeatDetails?.payloads?.[0]?.data;
          if (!details) return undefined;
          const beat = JSON.parse(Buffer.from(details as Uint8Array).toString('utf8')) as {
            checkpoint: string | null;
            step: number;
          };
          return beat.checkpoint
            ? { identity: pending?.lastWorkerIdentity ?? '', step: beat.step }
            : undefined;
        },
        120_000,
        200,
      );
      const victim = children.find((c) => holder.identity.endsWith(`:${c.pid}`));
      assert.ok(victim, `the training worker (${holder.identity}) is one of ours`);
      victim.kill('SIGKILL');
      const final = (await handle.result()) as SweepStatus;
      assert.equal(final.state, 'done');
      const rows = await runRows(spec.name);
      assert.equal(rows.length, 1, 'one run row');
      assert.equal(rows[0].status, 'done');
      assert.ok(!rows[0].worker?.endsWith(`:${victim.pid}`), 'finished by the other worker');
      const [resumed] = await store.driver.query<{ step: number; value: number }>(
        `SELECT e.step, e.value FROM run_event e JOIN run r ON r.id = e.run_id WHERE r.config_hash = $1 AND e.kind = 'resumed'`,
        [hash],
      );
      assert.ok(resumed && resumed.step > 0, 'resumed from a checkpoint, not from step 0');
      assert.equal(resumed.value, 2, "on the training activity's second attempt");
      const [counts] = await store.driver.query<{ n: number; distinct_steps: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT step)::int AS distinct_steps FROM run_metric m JOIN run r ON r.id = m.run_id WHERE r.config_hash = $1`,
        [hash],
      );
      assert.equal(counts.n, counts.distinct_steps, 'no duplicate metric rows');
      // Resumed exactly: the same final loss as training straight through.
      const spec0 = parseSweepSpec(spec, 'test');
      const straight = await runTraining(
        runConfig(expandSweep(spec0).cells[0], 6, 0),
        await createEngine('onnx'),
      );
      const [stored] = await store.driver.query<{ final_loss: number }>(
        `SELECT final_loss FROM run WHERE config_hash = $1`,
        [hash],
      );
      assert.ok(
        Math.abs(stored.final_loss - straight.finalLoss) <= 1e-9 * Math.abs(straight.finalLoss),
        `${stored.final_loss} vs ${straight.finalLoss}`,
      );
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await stopInProcessWorkers();
      await startInProcessWorkers();
    }
  });

  test('runs train on the queue of their engine: a tfjs worker trains tfjs runs and leaves onnx runs alone', async () => {
    await stopInProcessWorkers();
    // A run that names its backend trains on that backend's own queue (cpu here), one that names
    // none on the engine's queue: this worker polls both of tfjs's, and none of onnx's.
    await startInProcessWorkers(['sgc-train-tfjs', trainQueueOf('tfjs', 'cpu'), 'sgc-io']);
    try {
      const tiny = (name: string, engine: object) => ({
        ...slowSpec(name, [4], 20),
        engine,
      });
      const tfjs = tiny('it-tfjs', { name: 'tfjs', backend: 'cpu' });
      const onnx = await startSweep(client, tiny('it-onnx-waits', { name: 'onnx' }));
      const tfjsStatus = (await (await startSweep(client, tfjs)).result()) as SweepStatus;
      assert.equal(tfjsStatus.state, 'done');
      const [trained] = await store.driver.query<{ engine: string; backend: string; status: string }>(
        `SELECT r.engine, r.backend, r.status::text AS status FROM run r JOIN cell_run cr ON cr.run_id = r.id
           JOIN cell c ON c.id = cr.cell_id JOIN sweep s ON s.id = c.sweep_id WHERE s.name = $1`,
        [tfjs.name],
      );
      assert.deepEqual(trained, { engine: 'tfjs', backend: 'cpu', status: 'done' });
      // The onnx run waits on sgc-train, which no worker polls now: scheduled, never started.
      const waiting = await waitFor(
        'the onnx run to be registered',
        async () => (await runRows('it-onnx-waits'))[0],
      );
      const pending = await waitFor('the onnx run to be scheduled', async () => {
        const d = await client.workflow
          .getHandle(runWorkflowId(waiting.config_hash))
          .describe()
          .catch(() => undefined);
        return d?.raw.pendingActivities?.[0];
      });
      assert.equal(pending.activityType?.name, 'trainRun');
      assert.equal(pending.state, 1 /* SCHEDULED */, 'not picked up by the tfjs worker');
      await stopInProcessWorkers();
      await startInProcessWorkers();
      assert.equal(((await onnx.result()) as SweepStatus).state, 'done', 'an onnx worker then trains it');
    } finally {
      await stopInProcessWorkers();
      await startInProcessWorkers();
    }
  });

  test('a sweep whose history grows long continues as new and loses nothing', async () => {
    const spec = { ...basicSpec, name: 'it-continue', groups: ['C3'], k: [2, 3] };
    const handle = await startSweep(client, spec, { window: 1, historyLimit: 25 });
    const final = (await handle.result()) as SweepStatus; // follows the chain of runs
    assert.equal(final.state, 'done');
    assert.deepEqual(final.cells.map((c) => c.cellKey).sort(), ['C3/onehot/k2/mlp', 'C3/onehot/k3/mlp']);
    assert.ok(final.cells.every((c) => c.minWidth !== null));
    let executions = 0;
    for await (const _ of client.workflow.list({ query: `WorkflowId = '${sweepWorkflowId(spec.name)}'` }))
      executions++;
    assert.ok(executions > 1, `continued as new (${executions} executions)`);
    const stored = await store.driver.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM min_width_by_k WHERE sweep = $1 AND min_width IS NOT NULL`,
      [spec.name],
    );
    assert.equal(stored[0].n, 2);
  });

  test('workflow determinism: the recorded histories replay', async () => {
    const histories = [];
    for await (const w of client.workflow.list({ query: `ExecutionStatus != 'Running'` })) {
      histories.push({
        workflowId: w.workflowId,
        history: await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory(),
      });
      if (histories.length >= 60) break;
    }
    const types = new Set<string>();
    for await (const w of client.workflow.list({ query: `ExecutionStatus != 'Running'` })) types.add(w.type);
    assert.deepEqual([...types].sort(), ['CellWorkflow', 'RunWorkflow', 'SweepWorkflow']);
    const bundle = await workflowBundle();
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
      assert.equal(result.error, undefined, `${result.workflowId}: ${result.error?.message}`);
      replayed += 1;
    }
    assert.equal(replayed, histories.length);
  });

  test('status of an unknown sweep is one line and exit 2', async () => {
    const cli = await runSgc(['sweep', 'status', 'no-such-sweep'], env());
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /no sweep named "no-such-sweep"/);
    const quick = await sweepStatus(client, basicSpec.name);
    assert.equal(quick.ended, 'completed');
  });
});
