/**
 * Idempotent bulk inserts for the per-step tables. One statement per batch, whatever its size:
 * the rows travel as one array parameter per column and `unnest` turns them back into rows, so there
 * is no 65,535-parameter ceiling and no per-row round trip. `ON CONFLICT DO NOTHING` on the table's
 * key makes a retried write (an activity retried after a crash) a no-op for rows already there.
 */
import type { SqlSession } from './sql-driver.js';

export interface MetricPoint {
  runId: number;
  step: number;
  loss: number;
  accuracy?: number | null;
}

export interface IrrepPowerPoint {
  runId: number;
  step: number;
  irrep: string;
  power: number;
}

export interface RunEventPoint {
  runId: number;
  step: number;
  kind: string;
  /** '' (the default) for events about no particular irrep. */
  irrep?: string;
  value?: number | null;
}

/** Rows per statement: large enough to amortise a round trip, small enough to bound memory. */
export const BATCH_ROWS = 20_000;

async function inBatches<T>(rows: readonly T[], write: (batch: readonly T[]) => Promise<number>) {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += BATCH_ROWS) inserted += await write(rows.slice(i, i + BATCH_ROWS));
  return inserted;
}

async function insertCount(db: SqlSession, sql: string, params: unknown[]): Promise<number> {
  const [row] = await db.query<{ inserted: number }>(sql, params);
  return Number(row?.inserted ?? 0);
}

/** Inserts metric points not yet stored; returns how many were new. */
export function insertMetrics(db: SqlSession, points: readonly MetricPoint[]): Promise<number> {
  return inBatches(points, (batch) =>
    insertCount(
      db,
      `WITH inserted AS (
         INSERT INTO run_metric (run_id, step, loss, accuracy)
         SELECT * FROM unnest($1::integer[], $2::integer[], $3::double precision[], $4::double precision[])
         ON CONFLICT (run_id, step) DO NOTHING
         RETURNING 1)
       SELECT count(*)::integer AS inserted FROM inserted`,
      [
        batch.map((p) => p.runId),
        batch.map((p) => p.step),
        batch.map((p) => p.loss),
        batch.map((p) => p.accuracy ?? null),
      ],
    ),
  );
}

export function insertIrrepPowers(db: SqlSession, points: readonly IrrepPowerPoint[]): Promise<number> {
  return inBatches(points, (batch) =>
    insertCount(
      db,
      `WITH inserted AS (
         INSERT INTO run_irrep_power (run_id, step, irrep, power)
         SELECT * FROM unnest($1::integer[], $2::integer[], $3::text[], $4::double precision[])
         ON CONFLICT (run_id, step, irrep) DO NOTHING
         RETURNING 1)
       SELECT count(*)::integer AS inserted FROM inserted`,
      [
        batch.map((p) => p.runId),
        batch.map((p) => p.step),
        batch.map((p) => p.irrep),
        batch.map((p) => p.power),
      ],
    ),
  );
}

export function insertRunEvents(db: SqlSession, events: readonly RunEventPoint[]): Promise<number> {
  return inBatches(events, (batch) =>
    insertCount(
      db,
      `WITH inserted AS (
         INSERT INTO run_event (run_id, step, kind, irrep, value)
         SELECT * FROM unnest($1::integer[], $2::integer[], $3::text[], $4::text[], $5::double precision[])
         ON CONFLICT (run_id, step, kind, irrep) DO NOTHING
         RETURNING 1)
       SELECT count(*)::integer AS inserted FROM inserted`,
      [
        batch.map((e) => e.runId),
        batch.map((e) => e.step),
        batch.map((e) => e.kind),
        batch.map((e) => e.irrep ?? ''),
        batch.map((e) => e.value ?? null),
      ],
    ),
  );
}
