/** The store suite on a real PostgreSQL server (Debian's postgresql, started for this file). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadMigrations, migrate } from '../../../src/store/migrations.js';
import { openDriver, openStore } from '../../../src/store/open-store.js';
import { grantReader } from '../../../src/store/reader-role.js';
import { postgresBackend } from './fixtures.js';
import { storeSuite } from './suite.js';

describe('store on PostgreSQL', () => storeSuite(postgresBackend));

describe('migrations on PostgreSQL, concurrently', () => {
  let backend: Awaited<ReturnType<typeof postgresBackend>>;
  before(async () => {
    backend = await postgresBackend();
  });
  after(async () => {
    await backend?.dispose();
  });

  it('refuses to write into a server database whose schema is behind, but still reads it', async () => {
    const target = await backend.freshTarget();
    const behind = await openStore({ target });
    try {
      assert.match(behind.schemaProblem ?? '', /lacks \d+ migration\(s\) .*run `sgc db migrate`/);
      assert.throws(() => behind.repository(), /run `sgc db migrate`/);
      assert.deepEqual(await behind.driver.query('SELECT 1 AS one'), [{ one: 1 }]);
    } finally {
      await behind.close();
    }
    const migrated = await openStore({ target, migrate: true });
    await migrated.close();
    const current = await openStore({ target });
    try {
      assert.equal(current.schemaProblem, undefined);
      assert.ok(current.repository());
    } finally {
      await current.close();
    }
  });

  it('two migrators starting together apply each migration once', async () => {
    const target = await backend.freshTarget();
    const [a, b] = await Promise.all([openDriver(target), openDriver(target)]);
    try {
      const [doneA, doneB] = await Promise.all([migrate(a), migrate(b)]);
      const all = loadMigrations().map((m) => m.name);
      assert.deepEqual([...doneA, ...doneB].sort(), all, 'between them, each migration applied once');
      const [{ n }] = await a.query<{ n: number }>('SELECT count(*)::integer AS n FROM _prisma_migrations');
      assert.equal(n, all.length);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('grants to sgc_reader from several sessions at once never collide, and the reader reads', async () => {
    // Every store open that migrates grants the reader its SELECTs (a fleet's workers and commands
    // start together); concurrent GRANTs on the same tables collide in the catalog ("tuple
    // concurrently updated") unless they wait for each other.
    const target = await backend.freshTarget();
    const readerEnv = await backend.readerEnv(target);
    const store = await openStore({ target, migrate: true });
    await store.close();
    const drivers = await Promise.all(Array.from({ length: 6 }, () => openDriver(target)));
    try {
      for (let round = 0; round < 20; round++) await Promise.all(drivers.map((d) => grantReader(d)));
    } finally {
      await Promise.all(drivers.map((d) => d.close()));
    }
    const reader = await openDriver({ kind: 'postgres', url: readerEnv['SGC_READER_URL'] as string });
    try {
      assert.deepEqual(await reader.query('SELECT count(*)::integer AS n FROM sweep'), [{ n: 0 }]);
    } finally {
      await reader.close();
    }
  });
});

describe('metric ingest into PostgreSQL', () => {
  let backend: Awaited<ReturnType<typeof postgresBackend>>;
  before(async () => {
    backend = await postgresBackend();
  });
  after(async () => {
    await backend?.dispose();
  });

  // Throughput (≥ 20,000 rows/s) is measured by `npm run bench:store`, not here: benchmarks are not
  // timed tests. This checks that a bulk write of many batches lands every row exactly once.
  it('writes tens of thousands of metric rows in bulk, each once, even when retried', async () => {
    const store = await openStore({ target: await backend.freshTarget(), migrate: true });
    try {
      const repo = store.repository();
      const run = await repo.upsertRun({ configHash: 'ingest', h: 1, seed: 0, config: {}, engine: 'test' });
      const points = Array.from({ length: 60_000 }, (_, step) => ({
        runId: run.id,
        step,
        loss: 1 / (step + 1),
      }));
      assert.equal(await repo.writeMetrics(points), 60_000);
      assert.equal(await repo.writeMetrics(points.slice(30_000)), 0, 'a retry writes nothing twice');
      const [{ n, last }] = await store.driver.query<{ n: number; last: number }>(
        'SELECT count(*)::integer AS n, max(step)::integer AS last FROM run_metric WHERE run_id = $1',
        [run.id],
      );
      assert.deepEqual([n, last], [60_000, 59_999]);
    } finally {
      await store.close();
    }
  });
});
