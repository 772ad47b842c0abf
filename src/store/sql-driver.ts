/**
 * The one interface the store talks SQL through (a PostgreSQL server, embedded or external, over a
 * pg pool). Prisma covers the object-style reads and writes; this covers what Prisma does not do
 * well: migration scripts, bulk ingest and users' own queries.
 */

/** Column names and rows as arrays, so that `SELECT 1 AS a, 2 AS a` keeps both columns. */
export interface TabularResult {
  columns: string[];
  /** PostgreSQL type OID of each column. */
  types: number[];
  rows: unknown[][];
  /** PostgreSQL's command tag (`SELECT`, `COMMIT`, …), for statements that return no columns. */
  command?: string;
}

export interface TabularOptions {
  /**
   * Values exactly as PostgreSQL printed them (text, or null), untouched by the driver's parsers:
   * what `sgc sql` shows, exactly as psql would.
   */
  raw?: boolean;
}

export interface SqlSession {
  /** One statement, with $1… parameters (extended protocol: several statements are refused). */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Like query, rows as arrays. */
  queryTabular(sql: string, params?: unknown[], options?: TabularOptions): Promise<TabularResult>;
  /** A script of several statements, no parameters (simple protocol), e.g. a migration file. */
  exec(sql: string): Promise<void>;
}

export interface ReadOnlyOptions {
  /** A role to become for the transaction (SET LOCAL ROLE), e.g. sgc_reader on an external server. */
  role?: string;
  /** statement_timeout for the transaction, in milliseconds. */
  statementTimeoutMs?: number;
}

export interface SqlDriver extends SqlSession {
  /** Where the data lives, for messages: a URL without its password. */
  readonly location: string;
  /** Runs fn in one transaction on one connection: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>, options?: { readOnly?: boolean }): Promise<T>;
  /**
   * Runs fn in a read-only transaction that is always rolled back, whatever fn did, so nothing it
   * ran can change the database.
   */
  readOnly<T>(fn: (tx: SqlSession) => Promise<T>, options?: ReadOnlyOptions): Promise<T>;
  close(): Promise<void>;
}
