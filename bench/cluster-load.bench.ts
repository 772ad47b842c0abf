/**
 * Benchmark: the load a sweep puts on a lab's Temporal server and PostgreSQL, per 1,000 runs
 * (issue 18, docs/deploy.md "Sizing"). A real sweep of a few hundred small runs (C3, k = 2, mlp, a
 * grid of widths × seeds, onnx) on a Temporal dev server and a PostgreSQL server of its own, with
 * one in-process worker (concurrency 2) and the store on that server, as a lab's worker has it.
 *
 * Measured:
 * - Temporal: every workflow of the namespace listed and its history fetched: events and encoded
 *   bytes (the protobuf History message, what Temporal stores), per workflow type; and the gRPC
 *   calls of the client and worker, counted per method by a counting front between them and the
 *   server (test/helpers/grpcFront.ts; long polls that time out count too).
 * - PostgreSQL: pg_stat_database (transactions committed, rows inserted, updated, deleted) and WAL
 *   bytes (pg_current_wal_lsn) before and after, and pg_total_relation_size per table. The store
 *   is closed before the second reading: backends flush their statistics when they exit.
 *
 * The reference, printed beside with the ratio, is what docs/deploy.md derived from the recorded
 * histories in test/fixtures/histories/ (1,500-step runs, the same default as here): 12 events and
 * ≈ 48 kB per run workflow, ≈ 20 events per run in a cell, ≈ 2 per run in the sweep; so 1,000 runs
 * ≈ 35,000 events and 70 MB. The runs here are on a grid (no width search): the cell's share is
 * what a grid costs.
 *
 *   npm run bench:cluster
 *   npm run bench:cluster -- --widths 10 --seeds 30 --steps 1500
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import temporalProto from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pg from 'pg';
import { openStore } from '../src/store/open-store.js';
import type { RawSweepSpec, SweepStatus } from '../src/sweep/messages.js';
import { createTelemetry } from '../src/telemetry/metrics.js';
import { connectClient } from '../src/temporal/connection.js';
import { startDevServer } from '../src/temporal/devServer.js';
import { startSweep } from '../src/temporal/sweeps.js';
import { createWorkers } from '../src/temporal/worker.js';
import { startGrpcFront } from '../test/helpers/grpcFront.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { markdown } from './markdown.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const WIDTHS = option('widths', 10);
const SEEDS = option('seeds', 30);
const STEPS = option('steps', 1500);
const CONCURRENCY = option('concurrency', 2);
const RUNS = WIDTHS * SEEDS;
const PER_1000 = 1000 / RUNS;

/** docs/deploy.md's figures derived from the recorded histories, per run of each kind. */
const REFERENCE = {
  RunWorkflow: { events: 12, bytes: 48_000 },
  CellWorkflow: { events: 20, bytes: undefined },
  SweepWorkflow: { events: 2, bytes: undefined },
  total: { events: 35, bytes: 70_000 },
} as const;

const log = (line: string) => process.stderr.write(`  ${line}\n`);
const kB = (bytes: number) => (bytes / 1000).toFixed(1);

Runtime.install({
  logger: new DefaultLogger('WARN', ({ level, message }) => {
    if (!message.startsWith('No workflows registered')) log(`temporal ${level}: ${message}`);
  }),
});

interface PgReading {
  xactCommit: number;
  inserted: number;
  updated: number;
  deleted: number;
  walBytes: number;
  tables: Map<string, number>;
}

/** The server's counters for `url`'s database, from a connection of its own. */
async function readPostgres(url: string): Promise<PgReading> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_stat_clear_snapshot()');
    const [db] = (
      await client.query(
        `SELECT xact_commit::float8 AS "xactCommit", tup_inserted::float8 AS inserted,
                tup_updated::float8 AS updated, tup_deleted::float8 AS deleted,
                pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS "walBytes"
           FROM pg_stat_database WHERE datname = current_database()`,
      )
    ).rows;
    const tables = await client.query<{ name: string; bytes: number }>(
      `SELECT relname AS name, pg_total_relation_size(relid)::float8 AS bytes FROM pg_stat_user_tables`,
    );
    return { ...db, tables: new Map(tables.rows.map((t) => [t.name, t.bytes])) };
  } finally {
    await client.end();
  }
}

function spec(): RawSweepSpec {
  return {
    name: 'cluster-load',
    groups: ['C3'],
    encodings: [{ kind: 'onehot' }],
    k: [2],
    models: ['mlp'],
    width: { values: Array.from({ length: WIDTHS }, (_, i) => i + 2), seeds: SEEDS },
    train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: STEPS, clip: 0.1 },
    engine: { name: 'onnx' },
  };
}

console.log(`uptime: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
const dir = mkdtempSync(join(tmpdir(), 'sgc-bench-cluster-'));
const [server, postgres] = await Promise.all([
  startDevServer({ uiPort: null }),
  startPostgres({ durable: true }),
]);
const front = await startGrpcFront({ target: server.address });
const temporal = { address: front.address, namespace: 'default' };
const url = await postgres.createDatabase();
const target = { kind: 'postgres' as const, url };
try {
  // The schema first, with its connections closed: their statistics are not the sweep's.
  await (await openStore({ target, migrate: true })).close();
  const store = await openStore({ target });
  const client = await connectClient(temporal);
  const workers = await createWorkers({
    temporal,
    repository: store.repository(),
    telemetry: createTelemetry(),
    concurrency: CONCURRENCY,
    checkpointDir: join(dir, 'checkpoints'),
  });
  const running = workers.run();
  const pgBefore = await readPostgres(url);
  const callsBefore = front.methods();
  const t0 = performance.now();
  const handle = await startSweep(client, spec());
  const status = (await handle.result()) as SweepStatus;
  const sweepSeconds = (performance.now() - t0) / 1000;
  if (status.state !== 'done') throw new Error(`the sweep ended ${status.state}`);
  const calls = new Map(
    [...front.methods()].map(([method, n]) => [method, n - (callsBefore.get(method) ?? 0)]),
  );
  workers.shutdown();
  await running;
  const [{ stored }] = await store.driver.query<{ stored: number }>(
    'SELECT count(*)::integer AS stored FROM run WHERE finished_at IS NOT NULL',
  );
  await store.close();
  const pgAfter = await readPostgres(url);
  if (stored !== RUNS) throw new Error(`${stored} runs stored, not ${RUNS}`);
  log(`sweep of ${RUNS} runs (${STEPS} steps at most) done in ${sweepSeconds.toFixed(1)} s`);

  // --- Temporal: every history of the namespace -----------------------------------------------------
  const byType = new Map<string, { workflows: number; events: number; bytes: number }>();
  for await (const info of client.workflow.list()) {
    const history = await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
    const bytes = temporalProto.temporal.api.history.v1.History.encode(history).finish().length;
    const row = byType.get(info.type) ?? { workflows: 0, events: 0, bytes: 0 };
    row.workflows++;
    row.events += history.events?.length ?? 0;
    row.bytes += bytes;
    byType.set(info.type, row);
  }
  await client.connection.close();
  const total = [...byType.values()].reduce(
    (a, r) => ({
      workflows: a.workflows + r.workflows,
      events: a.events + r.events,
      bytes: a.bytes + r.bytes,
    }),
    { workflows: 0, events: 0, bytes: 0 },
  );
  const ratio = (measured: number, reference: number | undefined) =>
    reference === undefined ? '' : (measured / reference).toFixed(2);
  const historyRow = (type: string, r: { workflows: number; events: number; bytes: number }) => {
    const ref = REFERENCE[type as keyof typeof REFERENCE];
    const eventsPerRun = r.events / RUNS;
    const bytesPerRun = r.bytes / RUNS;
    return [
      type,
      r.workflows,
      Math.round(r.events * PER_1000),
      kB(r.bytes * PER_1000),
      eventsPerRun.toFixed(1),
      ref?.events ?? '',
      ratio(eventsPerRun, ref?.events),
      kB(bytesPerRun),
      ref?.bytes === undefined ? '' : kB(ref.bytes),
      ratio(bytesPerRun, ref?.bytes),
    ];
  };
  console.log(
    `\nTemporal histories: ${RUNS} runs (C3, k = 2, ${WIDTHS} widths × ${SEEDS} seeds, ≤ ${STEPS} steps), sweep ${sweepSeconds.toFixed(0)} s\n`,
  );
  console.log(
    markdown(
      [
        'workflow',
        'workflows',
        'events /1000 runs',
        'kB /1000 runs',
        'events /run',
        'doc events /run',
        'ratio',
        'kB /run',
        'doc kB /run',
        'ratio',
      ],
      [
        ...[...byType].sort(([a], [b]) => a.localeCompare(b)).map(([type, r]) => historyRow(type, r)),
        historyRow('total', total),
      ],
    ),
  );

  // --- gRPC calls -------------------------------------------------------------------------------------
  const callTotal = [...calls.values()].reduce((a, b) => a + b, 0);
  console.log(`\ngRPC calls to Temporal during the sweep (client and worker): ${callTotal}\n`);
  console.log(
    markdown(
      ['method', 'calls', 'per 1000 runs'],
      [...calls]
        .filter(([, n]) => n > 0)
        .sort(([, a], [, b]) => b - a)
        .map(([method, n]) => [method, n, Math.round(n * PER_1000)])
        .concat([['total', callTotal, Math.round(callTotal * PER_1000)]]),
    ),
  );

  // --- PostgreSQL -------------------------------------------------------------------------------------
  const delta = (key: 'xactCommit' | 'inserted' | 'updated' | 'deleted' | 'walBytes') =>
    pgAfter[key] - pgBefore[key];
  console.log('\nPostgreSQL during the sweep\n');
  console.log(
    markdown(
      ['measure', 'sweep', 'per 1000 runs'],
      [
        ['transactions committed', delta('xactCommit'), Math.round(delta('xactCommit') * PER_1000)],
        ['rows inserted', delta('inserted'), Math.round(delta('inserted') * PER_1000)],
        ['rows updated', delta('updated'), Math.round(delta('updated') * PER_1000)],
        ['rows deleted', delta('deleted'), Math.round(delta('deleted') * PER_1000)],
        ['WAL MB', (delta('walBytes') / 1e6).toFixed(1), ((delta('walBytes') * PER_1000) / 1e6).toFixed(1)],
      ],
    ),
  );
  const grown = [...pgAfter.tables]
    .map(([name, bytes]) => [name, bytes - (pgBefore.tables.get(name) ?? 0)] as const)
    .filter(([, d]) => d > 0)
    .sort(([, a], [, b]) => b - a);
  console.log('\nPostgreSQL table growth (pg_total_relation_size, with indexes and TOAST)\n');
  console.log(
    markdown(
      ['table', 'kB', 'MB per 1000 runs'],
      grown
        .map(([name, d]) => [name, kB(d), ((d * PER_1000) / 1e6).toFixed(2)])
        .concat([
          [
            'total',
            kB(grown.reduce((a, [, d]) => a + d, 0)),
            ((grown.reduce((a, [, d]) => a + d, 0) * PER_1000) / 1e6).toFixed(2),
          ],
        ]),
    ),
  );
  console.log(`\nuptime: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
} finally {
  await front.stop();
  await server.stop();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}
