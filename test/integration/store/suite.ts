/**
 * The store's integration suite, run unchanged on the embedded PostgreSQL (embedded.test.ts) and on
 * an external PostgreSQL server (postgres.test.ts): migrations and drift, the repository's
 * idempotent writes, the views, and users' queries as the read-only role.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import wasm from '@prisma/prisma-schema-wasm';
import { packageRoot } from '../../../src/codeLocation.js';
import { InputError } from '../../../src/errors.js';
import {
  defaultMigrationsDir,
  loadMigrations,
  migrate,
  migrationStatus,
} from '../../../src/store/migrations.js';
import { openDriver, openStore, type Store } from '../../../src/store/open-store.js';
import { runReadOnlyQuery } from '../../../src/store/read-only-query.js';
import { openReader, type ReaderConnection } from '../../../src/store/reader-role.js';
import {
  type DmmfDatamodel,
  diffFacts,
  factsFromDatabase,
  factsFromDmmf,
} from '../../../src/store/schema-drift.js';
import type { SqlDriver } from '../../../src/store/sql-driver.js';
import { storeChecksum } from '../../helpers/storeChecksum.js';
import { type Backend, scratchDir } from './fixtures.js';

const schemaPath = join(packageRoot, 'prisma/schema.prisma');

function schemaFacts() {
  const dmmf = JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: readFileSync(schemaPath, 'utf8') })));
  return factsFromDmmf(dmmf.datamodel as DmmfDatamodel);
}

/** prisma/migrations copied, plus extra migrations, in a scratch directory. */
function migrationsWith(extra: Record<string, string>): string {
  const dir = join(scratchDir(), 'migrations');
  cpSync(defaultMigrationsDir, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

async function count(driver: SqlDriver, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await driver.query<{ n: number }>(`SELECT (${sql})::integer AS n`, params);
  return row.n;
}

async function tableExists(driver: SqlDriver, name: string): Promise<boolean> {
  return (await count(driver, 'SELECT count(*) FROM pg_class WHERE relname = $1', [name])) > 0;
}

export function storeSuite(makeBackend: () => Promise<Backend> | Backend) {
  let backend: Backend;
  before(async () => {
    backend = await makeBackend();
  });
  after(async () => {
    await backend?.dispose();
  });

  describe('migrations', () => {
    it('applies every migration once, in order, recorded like Prisma does', async () => {
      const driver = await openDriver(await backend.freshTarget());
      try {
        const names = loadMigrations().map((m) => m.name);
        assert.ok(names.length >= 2);
        const status = await migrationStatus(driver);
        assert.deepEqual(
          status.pending.map((m) => m.name),
          names,
        );
        assert.equal(
          await tableExists(driver, '_prisma_migrations'),
          false,
          'a status check changes nothing',
        );
        assert.deepEqual(await migrate(driver), names);
        assert.deepEqual(await migrate(driver), [], 'a second run applies nothing');
        const rows = await driver.query<{
          migration_name: string;
          checksum: string;
          finished_at: Date | null;
        }>(
          'SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY started_at, migration_name',
        );
        assert.deepEqual(
          rows.map((r) => r.migration_name),
          names,
        );
        assert.ok(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum) && r.finished_at !== null));
        assert.deepEqual((await migrationStatus(driver)).pending, []);
      } finally {
        await driver.close();
      }
    });

    it('builds a database that matches schema.prisma (no drift), and the check sees drift', async () => {
      const driver = await openDriver(await backend.freshTarget());
      try {
        await migrate(driver);
        const expected = schemaFacts();
        assert.ok(expected.size > 50, 'the schema yields facts to compare');
        assert.deepEqual(diffFacts(expected, await factsFromDatabase(driver)), []);
        await driver.exec(
          'DROP INDEX run_status_idx; ALTER TABLE run_metric ALTER COLUMN accuracy SET NOT NULL',
        );
        const drift = diffFacts(expected, await factsFromDatabase(driver));
        assert.equal(drift.length, 2, drift.join('\n'));
        assert.match(drift.join('\n'), /index run_status_idx: missing/);
        assert.match(
          drift.join('\n'),
          /column run_metric.accuracy: database has "double precision not null"/,
        );
      } finally {
        await driver.close();
      }
    });

    it('rolls back a migration that fails half-way: nothing of it applied, earlier ones kept', async () => {
      const dir = migrationsWith({
        '29990101000000_broken': `CREATE TABLE half_done (id integer);
          INSERT INTO half_done VALUES (1);
          ALTER TABLE run ADD COLUMN should_vanish integer;
          SELECT 1 / 0;`,
      });
      const driver = await openDriver(await backend.freshTarget());
      try {
        await assert.rejects(
          migrate(driver, { migrations: loadMigrations(dir) }),
          (error: unknown) =>
            error instanceof InputError &&
            /migration 29990101000000_broken failed and was rolled back/.test(error.message) &&
            /division by zero/.test(error.message),
        );
        assert.equal(await tableExists(driver, 'half_done'), false);
        assert.equal(
          await count(
            driver,
            `SELECT count(*) FROM information_schema.columns WHERE column_name = 'should_vanish'`,
          ),
          0,
        );
        assert.equal(await count(driver, 'SELECT count(*) FROM _prisma_migrations'), loadMigrations().length);
        assert.equal(await tableExists(driver, 'run_metric'), true);
        // Fixed, it applies on the next run.
        writeFileSync(
          join(dir, '29990101000000_broken', 'migration.sql'),
          'CREATE TABLE half_done (id integer);',
        );
        assert.deepEqual(await migrate(driver, { migrations: loadMigrations(dir) }), [
          '29990101000000_broken',
        ]);
        assert.equal(await tableExists(driver, 'half_done'), true);
      } finally {
        await driver.close();
      }
    });

    it('refuses to go on when an applied migration was edited or is unknown here', async () => {
      const driver = await openDriver(await backend.freshTarget());
      try {
        await migrate(driver);
        const edited = migrationsWith({});
        const first = loadMigrations()[0].name;
        writeFileSync(join(edited, first, 'migration.sql'), '-- edited\n');
        await assert.rejects(
          migrate(driver, { migrations: loadMigrations(edited) }),
          /changed after it was applied/,
        );
        await assert.rejects(
          migrate(driver, { migrations: loadMigrations().slice(1) }),
          /not in this checkout's prisma\/migrations/,
        );
      } finally {
        await driver.close();
      }
    });
  });

  describe('repository', () => {
    let store: Store;
    before(async () => {
      store = await openStore({ target: await backend.freshTarget(), migrate: true });
    });
    after(async () => {
      await store?.close();
    });

    async function seedRun(name: string, configHash: string, h = 8, seed = 0) {
      const repo = store.repository();
      const sweep = await repo.upsertSweep({ name });
      const cell = await repo.upsertCell({
        sweepId: sweep.id,
        group: 'C6',
        encoding: 'onehot',
        k: 3,
        model: 'mlp',
      });
      const run = await repo.upsertRun({
        configHash,
        h,
        seed,
        config: { group: 'C6', k: 3, h, seed },
        engine: 'onnx',
        cellId: cell.id,
      });
      return { sweep, cell, run };
    }

    it('upserts sweeps, cells and runs by their keys, without duplicates', async () => {
      const repo = store.repository();
      const a = await seedRun('upserts', 'hash-upsert');
      const b = await seedRun('upserts', 'hash-upsert');
      assert.equal(a.sweep.id, b.sweep.id);
      assert.equal(a.cell.id, b.cell.id);
      assert.equal(a.run.id, b.run.id);
      assert.equal(a.run.status, 'pending');
      const d = store.driver;
      assert.equal(await count(d, `SELECT count(*) FROM sweep WHERE name = 'upserts'`), 1);
      assert.equal(await count(d, 'SELECT count(*) FROM cell WHERE sweep_id = $1', [a.sweep.id]), 1);
      assert.equal(await count(d, 'SELECT count(*) FROM cell_run WHERE run_id = $1', [a.run.id]), 1);
      const updated = await repo.upsertSweep({ name: 'upserts', status: 'running', specHash: 'abc' });
      assert.equal(updated.status, 'running');
      const cell = await repo.upsertCell(
        { sweepId: a.sweep.id, group: 'C6', encoding: 'onehot', k: 3, model: 'mlp' },
        { status: 'searching', lo: 4, hi: 16 },
      );
      assert.deepEqual([cell.id, cell.status, cell.lo, cell.hi], [a.cell.id, 'searching', 4, 16]);
    });

    it('a second sweep reuses a finished run instead of training it again', async () => {
      const repo = store.repository();
      const { run } = await seedRun('first-sweep', 'hash-shared');
      await repo.startRun('hash-shared', { worker: 'w1', backend: 'cpu' });
      await repo.finishRun('hash-shared', {
        status: 'done',
        outcome: 'succeeded',
        finalAccuracy: 1,
        steps: 100,
      });
      const other = await seedRun('second-sweep', 'hash-shared');
      assert.equal(other.run.id, run.id);
      assert.equal(other.run.status, 'done', 'the cache lookup sees it finished');
      const again = await repo.startRun('hash-shared', { worker: 'w2' });
      assert.deepEqual(
        [again.status, again.worker, again.attempt],
        ['done', 'w1', 1],
        'finished work is not redone',
      );
      assert.equal(await count(store.driver, 'SELECT count(*) FROM cell_run WHERE run_id = $1', [run.id]), 2);
    });

    it('writes metrics idempotently by (run, step), NaN losses included', async () => {
      const repo = store.repository();
      const { run } = await seedRun('metrics', 'hash-metrics');
      const points = Array.from({ length: 25_000 }, (_, step) => ({
        runId: run.id,
        step,
        loss: step === 7 ? Number.NaN : 1 / (step + 1),
        accuracy: step % 2 ? null : step / 25_000,
      }));
      assert.equal(await repo.writeMetrics(points), 25_000, 'spans two batches');
      // A retried activity writes the tail again plus new steps: only the new ones land.
      const retry = points.slice(24_000).concat([{ runId: run.id, step: 25_000, loss: 0, accuracy: 1 }]);
      assert.equal(await repo.writeMetrics(retry), 1);
      assert.equal(await repo.writeMetrics([]), 0);
      const d = store.driver;
      assert.equal(await count(d, 'SELECT count(*) FROM run_metric WHERE run_id = $1', [run.id]), 25_001);
      const [nan] = await d.query<{ loss: number; accuracy: number | null }>(
        'SELECT loss, accuracy FROM run_metric WHERE run_id = $1 AND step = 7',
        [run.id],
      );
      assert.ok(Number.isNaN(nan.loss));
      assert.equal(nan.accuracy, null);
      assert.equal(await repo.writeIrrepPowers([{ runId: run.id, step: 1, irrep: 'ρ1', power: 0.5 }]), 1);
      assert.equal(await repo.writeIrrepPowers([{ runId: run.id, step: 1, irrep: 'ρ1', power: 0.5 }]), 0);
      assert.equal(await repo.writeEvents([{ runId: run.id, step: 10, kind: 'plateau' }]), 1);
      assert.equal(await repo.writeEvents([{ runId: run.id, step: 10, kind: 'plateau' }]), 0);
    });

    it('records a run result all or nothing', async () => {
      const repo = store.repository();
      await seedRun('atomic', 'hash-atomic');
      await repo.startRun('hash-atomic', { worker: 'w1' });
      const bad = {
        metrics: [{ step: 1, loss: 0.5 }],
        // A NULL kind violates NOT NULL after the metrics went in: all of it must roll back.
        events: [{ step: 1, kind: null as unknown as string }],
        finish: { status: 'done' as const, outcome: 'succeeded' as const, finalAccuracy: 1 },
      };
      await assert.rejects(repo.recordRunResult('hash-atomic', bad));
      const run = await repo.findRun('hash-atomic');
      assert.equal(run?.status, 'running');
      assert.equal(
        await count(store.driver, 'SELECT count(*) FROM run_metric WHERE run_id = $1', [run?.id]),
        0,
      );
      await repo.recordRunResult('hash-atomic', {
        metrics: [{ step: 1, loss: 0.5 }],
        events: [{ step: 1, kind: 'irrep_acquired', irrep: 'ρ1' }],
        finish: { status: 'done', outcome: 'succeeded', finalAccuracy: 1, finalLoss: 0.5, steps: 1 },
      });
      const done = await repo.findRun('hash-atomic');
      assert.deepEqual([done?.status, done?.outcome, done?.finalLoss], ['done', 'succeeded', 0.5]);
    });

    it('answers the views: min_width_by_k, run_summary, loss_curve, irrep_power_curve', async () => {
      const repo = store.repository();
      const sweep = await repo.upsertSweep({ name: 'views' });
      const key = { sweepId: sweep.id, group: 'D3', encoding: 'onehot', model: 'mlp' };
      const c2 = await repo.upsertCell({ ...key, k: 2 });
      const c3 = await repo.upsertCell({ ...key, k: 3 });
      const runs: [number, number, number, boolean][] = [
        // cell, H, seed, success
        [c2.id, 4, 0, false],
        [c2.id, 8, 0, true],
        [c2.id, 8, 1, true],
        [c3.id, 16, 0, true],
      ];
      for (const [cellId, h, seed, ok] of runs) {
        const configHash = `views-${cellId}-${h}-${seed}`;
        await repo.upsertRun({ configHash, h, seed, config: { h, seed }, engine: 'onnx', cellId });
        await repo.startRun(configHash, { worker: 'w' });
        await repo.recordRunResult(configHash, {
          metrics: [
            { step: 0, loss: 1, accuracy: 0 },
            { step: 10, loss: ok ? 0 : 0.5, accuracy: ok ? 1 : 0.5 },
          ],
          irrepPowers: [
            { step: 10, irrep: 'trivial', power: 0 },
            { step: 10, irrep: 'sign', power: 0.25 },
          ],
          events: ok ? [{ step: 5, kind: 'irrep_acquired', irrep: 'sign' }] : [],
          finish: { status: 'done', outcome: ok ? 'succeeded' : 'failed', steps: 10, durationMs: 1500 },
        });
      }
      await repo.updateCell(c2.id, { status: 'done', minWidth: 8, lo: 4, hi: 8 });
      await repo.updateCell(c3.id, { status: 'searching', hi: 16 });

      const widths = await store.driver.query(
        `SELECT sweep, group_name, encoding, model, k, min_width, seeds, runs, status
           FROM min_width_by_k WHERE sweep = 'views' ORDER BY k`,
      );
      assert.deepEqual(widths, [
        {
          sweep: 'views',
          group_name: 'D3',
          encoding: 'onehot',
          model: 'mlp',
          k: 2,
          min_width: 8,
          seeds: 2,
          runs: 3,
          status: 'done',
        },
        {
          sweep: 'views',
          group_name: 'D3',
          encoding: 'onehot',
          model: 'mlp',
          k: 3,
          min_width: null,
          seeds: 0,
          runs: 1,
          status: 'searching',
        },
      ]);
      const summary = await store.driver.query<Record<string, unknown>>(
        `SELECT k, h, seed, outcome, final_loss, metric_points, irreps_acquired, duration_s::float8 AS duration_s
           FROM run_summary WHERE sweep = 'views' ORDER BY k, h, seed`,
      );
      assert.equal(summary.length, 4);
      assert.deepEqual(summary[0], {
        k: 2,
        h: 4,
        seed: 0,
        outcome: 'failed',
        final_loss: null,
        metric_points: 2,
        irreps_acquired: 0,
        duration_s: 1.5,
      });
      const curve = await store.driver.query<{ step: number; loss: number }>(
        `SELECT step, loss FROM loss_curve WHERE sweep = 'views' AND k = 2 AND h = 4 ORDER BY step`,
      );
      assert.deepEqual(curve, [
        { step: 0, loss: 1 },
        { step: 10, loss: 0.5 },
      ]);
      const power = await store.driver.query<{ irrep: string; power: number }>(
        `SELECT irrep, power FROM irrep_power_curve WHERE sweep = 'views' AND k = 3 ORDER BY irrep`,
      );
      assert.deepEqual(power, [
        { irrep: 'sign', power: 0.25 },
        { irrep: 'trivial', power: 0 },
      ]);
    });

    it("lists a cell's runs for the width search, and a sweep's progress", async () => {
      const repo = store.repository();
      const sweep = await repo.upsertSweep({ name: 'progress' });
      const cell = await repo.upsertCell({
        sweepId: sweep.id,
        group: 'Q8',
        encoding: 'onehot',
        k: 2,
        model: 'rnn',
      });
      for (const [h, seed] of [
        [16, 0],
        [4, 1],
        [4, 0],
      ]) {
        const configHash = `progress-${h}-${seed}`;
        await repo.upsertRun({ configHash, h, seed, config: {}, engine: 'onnx', cellId: cell.id });
        if (h === 4) await repo.finishRun(configHash, { status: 'failed', outcome: 'failed' });
      }
      const runs = await repo.runsOfCell(cell.id);
      assert.deepEqual(
        runs.map((r) => [r.h, r.seed, r.status]),
        [
          [4, 0, 'failed'],
          [4, 1, 'failed'],
          [16, 0, 'pending'],
        ],
      );
      assert.deepEqual(await repo.sweepProgress('progress'), {
        cells: { pending: 1 },
        runs: { failed: 2, pending: 1 },
      });
      assert.deepEqual(await repo.sweepProgress('no-such-sweep'), { cells: {}, runs: {} });
    });

    it('works through Prisma as well (both adapters share the connection)', async () => {
      const prisma = store.prisma();
      const { run } = await seedRun('prisma', 'hash-prisma');
      await prisma.runMetric.createMany({
        data: [{ runId: run.id, step: 1, loss: 0.25 }],
        skipDuplicates: true,
      });
      const rows = await prisma.runMetric.findMany({ where: { runId: run.id } });
      assert.deepEqual(
        rows.map((r) => [r.step, r.loss]),
        [[1, 0.25]],
      );
      assert.equal((await prisma.sweep.findUnique({ where: { name: 'prisma' } }))?.name, 'prisma');
    });
  });

  describe('read-only queries', () => {
    let store: Store;
    let reader: ReaderConnection;
    before(async () => {
      const target = await backend.freshTarget();
      store = await openStore({ target, migrate: true });
      const repo = store.repository();
      const sweep = await repo.upsertSweep({ name: 'kept' });
      const run = await repo.upsertRun({ configHash: 'kept-run', h: 4, seed: 0, config: {}, engine: 'test' });
      await repo.writeMetrics([{ runId: run.id, step: 1, loss: 0.5 }]);
      assert.ok(sweep);
      reader = await openReader(target, await backend.readerEnv(target));
    });
    after(async () => {
      await reader?.driver.close();
      await store?.close();
    });

    const sweeps = () => store.driver.query<{ name: string }>('SELECT name FROM sweep ORDER BY name');

    const checksum = () => storeChecksum(store.driver);

    it('runs as sgc_reader, never as the role sgc writes with', async () => {
      const result = await runReadOnlyQuery(reader, 'SELECT current_user::text AS who');
      assert.deepEqual(result.rows, [['sgc_reader']]);
    });

    it('returns rows as PostgreSQL prints them, with column names and types', async () => {
      const result = await runReadOnlyQuery(
        reader,
        `SELECT name, 1::int8 AS n, 'NaN'::float8 AS x, NULL AS nothing, true AS yes FROM sweep`,
      );
      assert.deepEqual(result.columns, ['name', 'n', 'x', 'nothing', 'yes']);
      assert.deepEqual(result.types, [25, 20, 701, 25, 16]);
      assert.deepEqual(result.rows, [['kept', '1', 'NaN', null, 't']]);
    });

    for (const [what, sql, message] of [
      ['an INSERT', `INSERT INTO sweep (name) VALUES ('sneaky')`, /refused: queries run read-only/],
      ['a DELETE', 'DELETE FROM sweep', /refused: queries run read-only/],
      ['DDL', 'DROP TABLE run_metric', /refused: queries run read-only/],
      [
        'a write hidden in a CTE',
        `WITH x AS (INSERT INTO sweep (name) VALUES ('cte') RETURNING 1) SELECT * FROM x`,
        /refused/,
      ],
      ['a second statement', `SELECT 1; DELETE FROM sweep`, /one statement per query/],
      ['COMMIT then a write', `COMMIT; INSERT INTO sweep (name) VALUES ('c')`, /one statement per query/],
      [
        'switching to read-write',
        'SET TRANSACTION READ WRITE',
        /read-write mode must be set before any query/,
      ],
      ['a syntax error', 'SELEC name FROM sweep', /syntax error at or near "SELEC" \(at character 1/],
      ['an unknown table', 'SELECT * FROM nope', /relation "nope" does not exist.*Tables: sweep/],
      ['an UPDATE', `UPDATE sweep SET status = 'failed'`, /refused: queries run read-only/],
      ['a TRUNCATE', 'TRUNCATE run_metric CASCADE', /refused: queries run read-only/],
      ['a CREATE TABLE', 'CREATE TABLE t (x int)', /refused: queries run read-only/],
      ['a temporary table', 'CREATE TEMP TABLE t (x int)', /refused/],
      [
        'reading a server file',
        `SELECT pg_read_file('/etc/passwd')`,
        /refused: .*sgc_reader.*permission denied/,
      ],
      ['importing a server file', `SELECT lo_import('/etc/passwd')`, /refused/],
      ['running a program', `COPY (SELECT 1) TO PROGRAM 'id'`, /refused/],
      [
        'turning read-only off',
        `SELECT set_config('transaction_read_only', 'off', true)`,
        /read-write mode must be set before any query/,
      ],
      ['becoming another role', 'SET ROLE sgc_owner', /refused|permission denied|does not exist/],
      ['a query past its timeout', 'SELECT pg_sleep(5)', /longer than 0.5 s and was stopped/],
    ] as const) {
      it(`refuses ${what} with a clear message and changes nothing`, async () => {
        const before = await checksum();
        await assert.rejects(
          runReadOnlyQuery(reader, sql, 500),
          (error: unknown) => error instanceof InputError && message.test(error.message),
        );
        assert.deepEqual(await sweeps(), [{ name: 'kept' }]);
        assert.ok(await tableExists(store.driver, 'run_metric'));
        assert.equal(await checksum(), before);
      });
    }

    it('shows the command tag of a statement without a result set, and changes nothing', async () => {
      const before = await checksum();
      const result = await runReadOnlyQuery(reader, 'COMMIT');
      assert.deepEqual(result.columns, []);
      assert.equal(result.command, 'COMMIT');
      assert.equal(await checksum(), before);
    });
  });
}
