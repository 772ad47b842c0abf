/**
 * SqlDriver over a PostgreSQL server, through a pg connection pool (shared with Prisma's adapter).
 * A server that restarts, fails over or terminates our sessions must not take the process with it:
 * every pooled connection has an error listener for its whole life (pg emits 'error' on a client
 * whose connection drops, and an 'error' event with no listener ends the process), the broken
 * connection leaves the pool, and the next query opens a new one; what was in flight fails and is
 * retried by its caller.
 */
import pg from 'pg';
import { InputError } from '../errors.js';
import { describePgError, isPgError } from './db-errors.js';
import { mayFallBackToPlain, pgConnectionConfig, tlsProblem } from './pg-connection.js';
import type { ReadOnlyOptions, SqlDriver, SqlSession, TabularOptions, TabularResult } from './sql-driver.js';

const INT8_OID = 20;

/**
 * bigint (count(*), sums) as a JS number where it is exact; values beyond 2^53 stay strings rather
 * than silently round.
 */
function parseInt8(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return parseInt8;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

const rawText = { getTypeParser: () => (text: string) => text } as unknown as pg.CustomTypesConfig;

/** The URL with its password replaced, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

function connectionProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused (is the server running, and on that port?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unknown host';
  if (code === 'ETIMEDOUT' || /timeout/i.test((error as Error).message)) return 'timed out';
  if (isPgError(error)) return describePgError(error);
  if (/client password must be a string/.test((error as Error).message))
    return 'the server asks for a password and none was given (in the URL, PGPASSWORD or ~/.pgpass)';
  return tlsProblem(error) ?? (error as Error).message;
}

type Queryable = pg.Pool | pg.PoolClient;

function session(client: Queryable): SqlSession {
  return {
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await client.query({
        text: sql,
        values: params,
        queryMode: 'extended',
      } as pg.QueryConfig);
      return result.rows as Row[];
    },
    async queryTabular(
      sql: string,
      params: unknown[] = [],
      options: TabularOptions = {},
    ): Promise<TabularResult> {
      const result = await client.query({
        text: sql,
        values: params,
        rowMode: 'array',
        queryMode: 'extended',
        ...(options.raw ? { types: rawText } : {}),
      } as pg.QueryArrayConfig);
      return {
        columns: result.fields.map((f) => f.name),
        types: result.fields.map((f) => f.dataTypeID),
        rows: result.rows,
        command: result.command,
      };
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

export interface ConnectOptions {
  /** Runs after the pool has ended (the embedded store releases its server). */
  onClose?: () => Promise<void>;
  /** Connections at once (default 4). */
  max?: number;
  /** Where the data lives, for messages, when the URL's host would mislead (the embedded store). */
  location?: string;
}

export class PgDriver implements SqlDriver {
  readonly location: string;
  private readonly base: SqlSession;

  private constructor(
    readonly pool: pg.Pool,
    url: string,
    private readonly onClose: (() => Promise<void>) | undefined,
    location: string | undefined,
  ) {
    this.location = location ?? redactUrl(url);
    this.base = session(pool);
  }

  /** Connects and checks the connection, so that an unreachable server is reported here, once. */
  static async connect(url: string, options: ConnectOptions = {}): Promise<PgDriver> {
    try {
      return await PgDriver.open(url, pgConnectionConfig(url), options);
    } catch (error) {
      // libpq's allow/prefer: TLS when the server offers it, plain text otherwise.
      if (!mayFallBackToPlain(url, (error as { cause?: unknown }).cause)) throw error;
      return PgDriver.open(url, pgConnectionConfig(url, process.env, { plain: true }), options);
    }
  }

  private static async open(url: string, config: pg.PoolConfig, options: ConnectOptions): Promise<PgDriver> {
    const pool = new pg.Pool({
      ...config,
      max: options.max ?? 4,
      connectionTimeoutMillis: 10_000,
      types: typeParsers,
    });
    // Idle clients report through the pool, checked-out ones (Prisma's transactions, ours) through
    // their own listener: either way the query that meets the broken connection fails instead.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const driver = new PgDriver(pool, url, options.onClose, options.location);
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      await pool.end().catch(() => {});
      await options.onClose?.();
      throw new InputError(
        `cannot connect to PostgreSQL at ${driver.location}: ${connectionProblem(error)}`,
        {
          cause: error,
        },
      );
    }
    return driver;
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

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>, options: { readOnly?: boolean } = {}) {
    const client = await this.pool.connect();
    try {
      await client.query(options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
      try {
        const result = await fn(session(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    } finally {
      client.release();
    }
  }

  async readOnly<T>(fn: (tx: SqlSession) => Promise<T>, options: ReadOnlyOptions = {}) {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      if (options.role) await client.query(`SET LOCAL ROLE ${pg.escapeIdentifier(options.role)}`);
      if (options.statementTimeoutMs !== undefined)
        await client.query(
          `SET LOCAL statement_timeout = ${Math.max(1, Math.round(options.statementTimeoutMs))}`,
        );
      // Taking a snapshot first means a following `SET TRANSACTION READ WRITE` is refused.
      await client.query('SELECT 1');
      try {
        return await fn(session(client));
      } finally {
        await client.query('ROLLBACK').catch(() => {});
      }
    } finally {
      client.release();
    }
  }

  async close() {
    try {
      await this.pool.end();
    } finally {
      await this.onClose?.();
    }
  }
}
