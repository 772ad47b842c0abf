/**
 * The one interface the store talks SQL through, whether the database is a PostgreSQL server (pg)
 * or the embedded PGlite. Prisma covers the object-style reads and writes; this covers what Prisma
 * does not do well: migration scripts, bulk ingest and users' own queries.
 */

/** Column names and rows as arrays, so that `SELECT 1 AS a, 2 AS a` keeps both columns. */
export interface TabularResult {
  columns: string[];
  /** PostgreSQL type OID of each column. */
  types: number[];
  rows: unknown[][];
}

export interface TabularOptions {
  /**
   * Values exactly as PostgreSQL printed them (text, or null), untouched by the driver's parsers:
   * what `sgc sql` shows, identical whichever driver ran the query.
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

export type DriverKind = 'postgres' | 'pglite';

export interface SqlDriver extends SqlSession {
  readonly kind: DriverKind;
  /** Where the data lives, for messages: a URL without its password, or the PGlite directory. */
  readonly location: string;
  /** Runs fn in one transaction on one connection: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>, options?: { readOnly?: boolean }): Promise<T>;
  /**
   * Runs fn in a read-only transaction that is always rolled back, whatever fn did, so nothing it
   * ran can change the database.
   */
  readOnly<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
