/**
 * A run stored by code with another results version is never a cache hit: the store activities of a
 * newer sgc (createIoActivities with another resultsVersion) plan the same probe under a new hash
 * and train it again, while the older run stays queryable with its identity. Real PostgreSQL, real
 * training on the onnx engine; Temporal is not needed, since the cache decision is planProbes's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createIoActivities, type IoActivities } from '../../../activities/io.js';
import { trainedRun } from '../../../activities/train.js';
import { createEngine } from '../../../src/learn/engine/index.js';
import { engineLibraries } from '../../../src/learn/engine/libraries.js';
import { RESULTS_VERSION } from '../../../src/learn/resultsVersion.js';
import { resolveRun, runTraining } from '../../../src/learn/trainer.js';
import { openStore, type Store } from '../../../src/store/index.js';
import type { RunTicket } from '../../../src/sweep/messages.js';
import { createTelemetry } from '../../../src/telemetry/metrics.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';

const SWEEP = 'identity';
const spec = {
  name: SWEEP,
  groups: ['C3'],
  encodings: [{ kind: 'onehot' }],
  k: [2],
  models: ['mlp'],
  width: { values: [6], seeds: 1 },
  train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, clip: 0.1, steps: 300 },
};
const PROBE = { H: 6, seed: 0 };

let postgres: PostgresServer;
let store: Store;

/** What RunWorkflow does with a ticket it has to train: the training activity's work, then recordRun. */
async function train(io: IoActivities, ticket: RunTicket) {
  const engine = await createEngine(ticket.config.engine.name);
  const setup = resolveRun(ticket.config);
  const result = await runTraining(ticket.config, engine, {}, setup);
  const where = {
    engine: engine.name,
    backend: engine.backend,
    worker: 'test',
    attempt: 1,
    attempts: 1,
    resumedFromStep: null,
  };
  return io.recordRun(ticket, trainedRun(result, setup, where));
}

/** One sweep registration and one probe planned by sgc at `resultsVersion`. */
async function plan(resultsVersion: number) {
  const io = createIoActivities({
    repository: store.repository(),
    telemetry: createTelemetry(),
    resultsVersion,
  });
  const [{ cell, cellId }] = (await io.registerCells(SWEEP, spec)).cells;
  return { io, cell, cellId, planned: await io.planProbes(cell, cellId, [PROBE], 'grid') };
}

describe('a run stored under another results version', () => {
  before(async () => {
    postgres = await startPostgres();
    // Through DATABASE_URL, as a user points sgc at an external server.
    process.env.DATABASE_URL = await postgres.createDatabase();
    store = await openStore({ migrate: true });
  });

  after(async () => {
    await store?.close();
    await postgres?.stop();
  });

  test('is not reused by a newer sgc: trained again under a new hash, the old run kept and labelled', async () => {
    const older = RESULTS_VERSION;
    const newer = RESULTS_VERSION + 1;

    const first = await plan(older);
    assert.equal(first.planned.tickets.length, 1, 'an empty store trains the probe');
    const oldTicket = first.planned.tickets[0];
    const oldReport = await train(first.io, oldTicket);
    assert.equal(oldReport.cached, false);

    // The same code asks again: a cache hit (so the assertions below can fail).
    const again = await plan(older);
    assert.equal(again.planned.tickets.length, 0);
    assert.deepEqual(
      again.planned.cached.map((r) => [r.configHash, r.cached]),
      [[oldTicket.configHash, true]],
    );

    // A newer results version: the stored run is not a hit; the probe gets a new hash and trains.
    const next = await plan(newer);
    assert.deepEqual(next.planned.cached, [], 'no cache hit from a run of another results version');
    assert.equal(next.planned.tickets.length, 1);
    const newTicket = next.planned.tickets[0];
    assert.notEqual(newTicket.configHash, oldTicket.configHash);
    assert.equal(newTicket.claimed, true, 'the new run is started, not awaited');
    const newReport = await train(next.io, newTicket);
    assert.equal(newReport.cached, false);

    // Both runs are in the store, each with the identity it was hashed with.
    const runs = await store.driver.query<{
      config_hash: string;
      results_version: number | null;
      libraries: Record<string, string> | null;
      status: string;
      metric_points: number;
    }>(
      `SELECT config_hash, results_version, libraries, status::text AS status, metric_points
         FROM run_summary WHERE sweep = $1 ORDER BY results_version`,
      [SWEEP],
    );
    const libraries = engineLibraries('onnx');
    assert.deepEqual(
      runs.map((r) => [r.config_hash, r.results_version, r.libraries, r.status]),
      [
        [oldTicket.configHash, older, libraries, 'done'],
        [newTicket.configHash, newer, libraries, 'done'],
      ],
    );
    assert.ok(
      runs.every((r) => r.metric_points > 0),
      'the older run keeps its curve',
    );

    // The cell shows the newest results version, and counts only the runs of that version.
    await store.repository().updateCell(next.cellId, { status: 'done', minWidth: PROBE.H });
    const [cell] = await store.driver.query<{ results_version: number; runs: number }>(
      'SELECT results_version, runs FROM min_width_by_k WHERE sweep = $1',
      [SWEEP],
    );
    assert.deepEqual(cell, { results_version: newer, runs: 1 });

    // And the newer sgc now finds its own run.
    const last = await plan(newer);
    assert.deepEqual(
      last.planned.cached.map((r) => r.configHash),
      [newTicket.configHash],
    );
  });
});
