import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { InputError } from '../../../src/errors.js';
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
  it('is the server in DATABASE_URL when set, else the embedded store of the sgc home found like git finds .git', () => {
    const root = mkdtempSync(join(tmpdir(), 'sgc-target-'));
    try {
      const sub = join(root, 'a', 'b');
      mkdirSync(sub, { recursive: true });
      assert.deepEqual(resolveTarget({ env: { DATABASE_URL: 'postgresql://h/db' }, cwd: sub }), {
        kind: 'postgres',
        url: 'postgresql://h/db',
      });
      assert.throws(
        () => resolveTarget({ env: { DATABASE_URL: ' ' }, cwd: sub }),
        (e: unknown) =>
          e instanceof InputError && /no sgc results store in .*`sgc up` or `sgc db migrate`/.test(e.message),
      );
      assert.equal(existsSync(join(sub, '.sgc')), false, 'a reading command creates nothing');
      assert.deepEqual(resolveTarget({ env: {}, cwd: sub, create: true }), {
        kind: 'embedded',
        home: join(sub, '.sgc'),
      });
      mkdirSync(join(root, '.sgc'));
      rmSync(join(sub, '.sgc'), { recursive: true });
      assert.deepEqual(resolveTarget({ env: {}, cwd: sub }), { kind: 'embedded', home: join(root, '.sgc') });
      assert.deepEqual(
        resolveTarget({ env: { SGC_HOME: join(root, 'elsewhere') }, cwd: sub, create: true }),
        {
          kind: 'embedded',
          home: join(root, 'elsewhere'),
        },
      );
      assert.deepEqual(resolveTarget({ env: { SGC_HOME: '../../elsewhere' }, cwd: sub }), {
        kind: 'embedded',
        home: join(root, 'elsewhere'),
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
