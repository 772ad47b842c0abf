/**
 * SqlDriver over the embedded PGlite (PostgreSQL compiled to WebAssembly) in a local directory,
 * `.sgc/db` by default. One process at a time: the directory is locked while it is open.
 */
import { existsSync } from 'node:fs';
import { PGlite, type Results, type Transaction } from '@electric-sql/pglite';
import { InputError } from '../errors.js';
import { acquireDirLock, type DirLock } from './dir-lock.js';
import type { SqlDriver, SqlSession, TabularOptions, TabularResult } from './sql-driver.js';

type Queryable = PGlite | Transaction;

function tabular(result: Results<unknown[]>): TabularResult {
  return {
    columns: result.fields.map((f) => f.name),
    types: result.fields.map((f) => f.dataTypeID),
    rows: result.rows,
  };
}

/**
 * Identity parsers for every type PGlite would otherwise parse (built-in OIDs are below 10000;
 * array types of user types are registered on the instance), so raw results stay text.
 */
function rawParsers(db: Queryable): Record<number, (text: string) => string> {
  const identity = (text: string) => text;
  const parsers: Record<number, (text: string) => string> = {};
  for (let oid = 0; oid < 10_000; oid++) parsers[oid] = identity;
  const own = (db as { parsers?: Record<number, unknown> }).parsers ?? {};
  for (const oid of Object.keys(own)) parsers[Number(oid)] = identity;
  return parsers;
}

/** `parent` is the PGlite instance behind a transaction, which holds the registered parsers. */
function session(db: Queryable, parent: Queryable = db): SqlSession {
  return {
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await db.query<Row>(sql, params)).rows;
    },
    async queryTabular(sql: string, params: unknown[] = [], options: TabularOptions = {}) {
      const parsers = options.raw ? rawParsers(parent) : undefined;
      return tabular(
        await db.query<unknown[]>(sql, params, { rowMode: 'array', ...(parsers ? { parsers } : {}) }),
      );
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
  };
}

export class PGliteDriver implements SqlDriver {
  readonly kind = 'pglite' as const;
  private readonly base: SqlSession;

  private constructor(
    readonly db: PGlite,
    readonly location: string,
    readonly lock: DirLock,
  ) {
    this.base = session(db);
  }

  /** Opens (creating when absent) the database in `dir`; `command` names the holder in the lock. */
  static async open(dir: string, command = 'sgc'): Promise<PGliteDriver> {
    const lock = acquireDirLock(dir, command);
    const existed = existsSync(dir);
    let db: PGlite;
    try {
      db = await PGlite.create({ dataDir: dir });
      await db.query('SELECT 1');
    } catch (error) {
      lock.release();
      throw new InputError(
        `cannot open the embedded database ${dir}: ${(error as Error).message}. ` +
          (existed
            ? 'The directory may be corrupted or not a PGlite database; nothing in it was changed. ' +
              'Move it away to start with an empty database, or point SGC_DB_DIR elsewhere.'
            : 'It could not be created there.'),
      );
    }
    return new PGliteDriver(db, dir, lock);
  }

  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]) {
    return this.base.query<Row>(sql, params);
  }
  queryTabular(sql: string, params?: unknown[], options?: TabularOptions) {
    return this.base.queryTabular(sql, params, options);
  }
  exec(sql: string) {
    return this.base.exec(sql);
  }

  transaction<T>(fn: (tx: SqlSession) => Promise<T>, options: { readOnly?: boolean } = {}) {
    return this.db.transaction(async (tx) => {
      if (options.readOnly) await tx.exec('SET TRANSACTION READ ONLY');
      return fn(session(tx, this.db));
    });
  }

  readOnly<T>(fn: (tx: SqlSession) => Promise<T>) {
    return this.db.transaction(async (tx) => {
      await tx.exec('SET TRANSACTION READ ONLY');
      // Taking a snapshot first means a following `SET TRANSACTION READ WRITE` is refused.
      await tx.query('SELECT 1');
      try {
        return await fn(session(tx, this.db));
      } finally {
        if (!tx.closed) await tx.rollback();
      }
    });
  }

  async close() {
    try {
      if (!this.db.closed) await this.db.close();
    } finally {
      this.lock.release();
    }
  }
}
