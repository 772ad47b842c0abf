import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultMigrationsDir, loadMigrations } from '../../../src/store/migrations.js';
import { resolveTarget } from '../../../src/store/target.js';

describe('migration files', () => {
  const root = mkdtempSync(join(tmpdir(), 'sgc-migrations-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('are read in name order, with the SHA-256 checksum Prisma records', () => {
    for (const name of ['20260102000000_second', '20260101000000_first']) {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, 'migration.sql'), `-- ${name}\n`);
    }
    writeFileSync(join(root, 'migration_lock.toml'), 'provider = "postgresql"\n');
    const migrations = loadMigrations(root);
    assert.deepEqual(
      migrations.map((m) => m.name),
      ['20260101000000_first', '20260102000000_second'],
    );
    assert.equal(
      migrations[0].checksum,
      createHash('sha256').update('-- 20260101000000_first\n').digest('hex'),
    );
  });

  it('a migration folder without migration.sql is an error', () => {
    mkdirSync(join(root, '20260103000000_empty'));
    assert.throws(() => loadMigrations(root), /20260103000000_empty has no migration.sql/);
  });

  it('the repository has its migrations in Prisma layout', () => {
    const migrations = loadMigrations(defaultMigrationsDir);
    assert.ok(migrations.every((m) => /^\d{14}_[a-z0-9_]+$/.test(m.name)));
    assert.match(
      readFileSync(join(defaultMigrationsDir, 'migration_lock.toml'), 'utf8'),
      /provider = "postgresql"/,
    );
  });
});

describe('store target', () => {
  it('is the server in DATABASE_URL when set, else PGlite in .sgc/db or SGC_DB_DIR', () => {
    assert.deepEqual(resolveTarget({ DATABASE_URL: 'postgresql://h/db' }, '/w'), {
      kind: 'postgres',
      url: 'postgresql://h/db',
    });
    assert.deepEqual(resolveTarget({}, '/w'), { kind: 'pglite', dir: '/w/.sgc/db' });
    assert.deepEqual(resolveTarget({ DATABASE_URL: ' ', SGC_DB_DIR: 'data/db' }, '/w'), {
      kind: 'pglite',
      dir: '/w/data/db',
    });
  });
});
