/**
 * Our own migration runner for Prisma's migration layout (prisma/migrations/<timestamp>_<name>/
 * migration.sql). Prisma's `migrate deploy` cannot run offline (it downloads its schema engine); this
 * runs the same files, recording them in a table with the columns of Prisma's
 * `_prisma_migrations`, so either tool can take over a database the other migrated.
 *
 * Rules: in name order, each once, each in its own transaction together with its record (a
 * migration that fails half-way leaves nothing applied and no record); an applied migration whose
 * file changed since is an error, not silently skipped.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../codeLocation.js';
import { InputError } from '../errors.js';
import { describePgError, isPgError } from './db-errors.js';
import type { SqlDriver, SqlSession } from './sql-driver.js';

export interface Migration {
  name: string;
  sql: string;
  /** SHA-256 of the file, hex: what Prisma stores in `checksum`. */
  checksum: string;
}

export interface AppliedMigration {
  name: string;
  checksum: string;
  finishedAt: Date | null;
}

export interface MigrationStatus {
  applied: AppliedMigration[];
  pending: Migration[];
}

/** The repository's prisma/migrations, found from this file so that any working directory works. */
export const defaultMigrationsDir = join(packageRoot, 'prisma/migrations');

/** Prisma's advisory lock key, so that concurrent `sgc db migrate` and `prisma migrate` wait for each other. */
const ADVISORY_LOCK_KEY = 72707369;

const MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export function loadMigrations(dir = defaultMigrationsDir): Migration[] {
  if (!existsSync(dir)) throw new InputError(`no migrations directory at ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const file = join(dir, name, 'migration.sql');
      if (!existsSync(file)) throw new InputError(`migration ${name} has no migration.sql (${file})`);
      const sql = readFileSync(file, 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

async function appliedMigrations(driver: SqlDriver): Promise<AppliedMigration[]> {
  const [{ exists }] = await driver.query<{ exists: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS exists`,
  );
  if (!exists) return [];
  const rows = await driver.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
    `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations"
      WHERE rolled_back_at IS NULL ORDER BY migration_name`,
  );
  return rows.map((r) => ({ name: r.migration_name, checksum: r.checksum, finishedAt: r.finished_at }));
}

function planPending(migrations: Migration[], applied: AppliedMigration[]): Migration[] {
  const byName = new Map(applied.map((a) => [a.name, a]));
  for (const a of applied) {
    const local = migrations.find((m) => m.name === a.name);
    if (!local)
      throw new InputError(
        `the database has migration ${a.name} applied, which is not in this checkout's prisma/migrations ` +
          '(is this checkout older than the database?)',
      );
    if (a.finishedAt === null)
      throw new InputError(
        `migration ${a.name} is recorded as started but not finished (left by another tool); ` +
          'inspect the database and resolve it before migrating',
      );
    if (a.checksum !== local.checksum)
      throw new InputError(
        `migration ${a.name} was changed after it was applied to this database; ` +
          'add a new migration instead of editing an applied one',
      );
  }
  return migrations.filter((m) => !byName.has(m.name));
}

/** What is applied and what would be; changes nothing. */
export async function migrationStatus(
  driver: SqlDriver,
  migrations = loadMigrations(),
): Promise<MigrationStatus> {
  const applied = await appliedMigrations(driver);
  return { applied, pending: planPending(migrations, applied) };
}

/**
 * Applies pending migrations in order and returns their names. Stops at the first failure, which
 * is reported as an InputError naming the migration; migrations before it stay applied.
 */
export async function migrate(
  driver: SqlDriver,
  options: { migrations?: Migration[]; onApplied?: (name: string) => void } = {},
): Promise<string[]> {
  const migrations = options.migrations ?? loadMigrations();
  const run = async () => {
    await driver.exec(MIGRATIONS_TABLE);
    const done: string[] = [];
    for (const migration of planPending(migrations, await appliedMigrations(driver))) {
      await applyOne(driver, migration);
      done.push(migration.name);
      options.onApplied?.(migration.name);
    }
    return done;
  };
  // Concurrent migrators (two workers starting) wait for each other, for the whole run, creating
  // the bookkeeping table included.
  return withSchemaLock(driver, run);
}

/**
 * Runs fn while holding the schema's advisory lock (Prisma's key), taken by a control transaction
 * that ends with fn: whoever changes the schema or its grants (migrations, grantReader) waits for
 * whoever does so already. fn gets the control transaction's session.
 */
export function withSchemaLock<T>(driver: SqlDriver, fn: (control: SqlSession) => Promise<T>): Promise<T> {
  return driver.transaction(async (control) => {
    await control.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK_KEY]);
    return fn(control);
  });
}

async function applyOne(driver: SqlDriver, migration: Migration): Promise<void> {
  try {
    await driver.transaction(async (tx) => {
      const started = new Date();
      await tx.exec(migration.sql);
      await tx.query(
        `INSERT INTO "_prisma_migrations"
           (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, now(), $3, $4, 1)`,
        [randomUUID(), migration.checksum, migration.name, started],
      );
    });
  } catch (error) {
    const reason = isPgError(error) ? describePgError(error, migration.sql) : (error as Error).message;
    throw new InputError(
      `migration ${migration.name} failed and was rolled back, nothing of it applied: ${reason}`,
    );
  }
}
