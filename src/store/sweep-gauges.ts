/**
 * What the sweep, cell, bracket and H* gauges report, read from the store when Prometheus scrapes
 * (src/telemetry/metrics.ts). Every exporter (each worker, `sgc up`) reads the same rows, so they
 * all report the same values, and a sweep's series go away once it has been over for a while.
 *
 * One statement, so that the sweeps, their run counts and their cells are one snapshot of the
 * database (a statement sees one snapshot; two statements could straddle a cell's update). Only
 * reads: it runs on any connection, including a read-only role's.
 *
 * The cells' columns are read from the table `cell`, not from the view min_width_by_k: they are the
 * same columns (the view passes status, lo, hi and min_width through), and the view's per-cell
 * subqueries (seeds, runs) cost about a second per 6000 cells, which a scrape every few seconds
 * on every worker must not pay. Measured: 40 sweeps × 200 cells × 8 runs, 30 shown, in PostgreSQL
 * 16 on a shared 2-core machine.
 *
 *   const gauges = await readSweepGauges(store.driver, { endedWithinSeconds: 3600 });
 */

/** The one thing asked of the connection: the store's SqlDriver and a read-only session both fit. */
export interface GaugeQueryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}

/** The sweep states in which a sweep may still change. Any other state (done, stopped, failed, …) has ended. */
export const LIVE_SWEEP_STATES = ['pending', 'running', 'paused'] as const;

export interface SweepGaugeRow {
  name: string;
  status: string;
  /** Cells by status; every status of the schema's cell_status is present (0 when none). */
  cells: Record<string, number>;
  /** Distinct runs of the sweep's cells by status; every status of run_status is present. */
  runs: Record<string, number>;
}

export interface CellGaugeRow {
  sweep: string;
  group: string;
  encoding: string;
  model: string;
  k: number;
  status: string;
  lo: number | null;
  hi: number | null;
  minWidth: number | null;
}

export interface SweepGauges {
  sweeps: SweepGaugeRow[];
  cells: CellGaugeRow[];
}

export interface SweepGaugeOptions {
  /**
   * Sweeps that ended (a state outside LIVE_SWEEP_STATES) are reported for this many seconds after
   * their last update, so that dashboards show their final numbers, and then left out.
   */
  endedWithinSeconds: number;
}

const SQL = `
WITH "shown" AS (
  SELECT s."id", s."name", s."status"::text AS "status"
    FROM "sweep" s
   WHERE s."status"::text = ANY($1::text[])
      OR s."updated_at" >= now() - make_interval(secs => $2::double precision)
)
SELECT
  (SELECT coalesce(json_agg(json_build_object('name', "name", 'status', "status") ORDER BY "name"), '[]'::json)
     FROM "shown") AS "sweeps",
  (SELECT coalesce(json_agg(json_build_object('sweep', "sweep", 'status', "status", 'n', "n")), '[]'::json)
     FROM (SELECT sh."name" AS "sweep", r."status"::text AS "status", count(DISTINCT r."id")::integer AS "n"
             FROM "shown" sh
             JOIN "cell" c ON c."sweep_id" = sh."id"
             JOIN "cell_run" cr ON cr."cell_id" = c."id"
             JOIN "run" r ON r."id" = cr."run_id"
            GROUP BY sh."name", r."status") AS "counted") AS "runs",
  (SELECT coalesce(json_agg(json_build_object(
            'sweep', sh."name", 'group', c."group", 'encoding', c."encoding", 'model', c."model", 'k', c."k",
            'status', c."status"::text, 'lo', c."lo", 'hi', c."hi", 'minWidth', c."min_width")
            ORDER BY sh."name", c."group", c."encoding", c."model", c."k"), '[]'::json)
     FROM "shown" sh JOIN "cell" c ON c."sweep_id" = sh."id") AS "cells",
  array_to_json(enum_range(NULL::"cell_status")::text[]) AS "cell_states",
  array_to_json(enum_range(NULL::"run_status")::text[]) AS "run_states"`;

interface Row {
  sweeps: { name: string; status: string }[];
  runs: { sweep: string; status: string; n: number }[];
  cells: CellGaugeRow[];
  cell_states: string[];
  run_states: string[];
}

/** The gauges' rows: sweeps not ended, or ended within the window, with their cells and run counts. */
export async function readSweepGauges(db: GaugeQueryable, options: SweepGaugeOptions): Promise<SweepGauges> {
  if (!(options.endedWithinSeconds >= 0))
    throw new RangeError(`endedWithinSeconds ${options.endedWithinSeconds}: not a duration`);
  const [row] = await db.query<Row>(SQL, [LIVE_SWEEP_STATES, options.endedWithinSeconds]);
  // json columns arrive parsed from pg; a driver that hands back text gets it parsed here.
  const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
  const cells = json(row.cells);
  const runs = json(row.runs);
  const zeros = (states: string[]) => Object.fromEntries(states.map((s) => [s, 0]));
  const sweeps = json(row.sweeps).map(
    (s): SweepGaugeRow => ({
      ...s,
      cells: zeros(json(row.cell_states)),
      runs: zeros(json(row.run_states)),
    }),
  );
  const byName = new Map(sweeps.map((s) => [s.name, s]));
  for (const c of cells) {
    const s = byName.get(c.sweep);
    if (s) s.cells[c.status] = (s.cells[c.status] ?? 0) + 1;
  }
  for (const r of runs) {
    const s = byName.get(r.sweep);
    if (s) s.runs[r.status] = r.n;
  }
  return { sweeps, cells };
}
