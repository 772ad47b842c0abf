/** The store suite on a real PostgreSQL server (Debian's postgresql, started for this file). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadMigrations, migrate } from '../../../src/store/migrations.js';
import { openDriver, openStore } from '../../../src/store/open-store.js';
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
});

describe('metric ingest into PostgreSQL', () => {
  let backend: Awaited<ReturnType<typeof postgresBackend>>;
  before(async () => {
    backend = await postgresBackend();
  });
  after(async () => {
    await backend?.dispose();
  });

  // The requirement is 20,000 rows/s from one process; `npm run bench:store` measures it properly
  // (durable server, beside Prisma's createMany). This is a tripwire against a regression of an
  // order of magnitude: the bench measures several times the target here.
  it('takes at least 20,000 metric rows per second', async () => {
    const store = await openStore({ target: await backend.freshTarget(), migrate: true });
    try {
      const repo = store.repository();
      const run = await repo.upsertRun({ configHash: 'ingest', h: 1, seed: 0, config: {}, engine: 'test' });
      const points = Array.from({ length: 60_000 }, (_, step) => ({
        runId: run.id,
        step,
        loss: 1 / (step + 1),
      }));
      await repo.writeMetrics(points.slice(0, 1_000)); // warm-up
      const start = performance.now();
      assert.equal(await repo.writeMetrics(points.slice(1_000)), 59_000);
      const rowsPerSecond = 59_000 / ((performance.now() - start) / 1000);
      assert.ok(rowsPerSecond >= 20_000, `${Math.round(rowsPerSecond)} rows/s`);
    } finally {
      await store.close();
    }
  });
});
