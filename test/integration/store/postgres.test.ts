/** The store suite on a real PostgreSQL server (Debian's postgresql, started for this file). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadMigrations, migrate } from '../../../src/store/migrations.js';
import { openDriver } from '../../../src/store/open-store.js';
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
