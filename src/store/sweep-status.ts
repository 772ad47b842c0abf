/**
 * What the results store says about a sweep's progress, for `sgc sweep status`, `watch` and `list`.
 * The workflows' own counters live in memory and are rebuilt by signals, so after a restart (a
 * worker, `sgc up`, a continue-as-new) they can lag or disagree with what was recorded; the store is
 * written before any signal goes out (a cell records its end, then tells its sweep), so counting
 * here gives numbers that always equal the store's.
 */
import type { SqlSession } from './sql-driver.js';

/** Cell statuses of the store that end a cell's search. */
export const ENDED_CELL_STATUSES = ['done', 'undecided', 'failed', 'stopped'] as const;

/** One cell of a sweep, counted from its runs in the store. */
export interface StoredCellFigures {
  /** group/encoding/k<k>/model, as the workflows key cells. */
  cellKey: string;
  status: string;
  lo: number | null;
  hi: number | null;
  minWidth: number | null;
  /** Runs that ended (done, failed or cancelled). */
  runsDone: number;
  /** Runs the store has as running (claimed or training). */
  runsInFlight: number;
  /** Runs done that ended before `since` (this start of the sweep did not train them). */
  cachedRuns: number;
  /** Runs that ended in error (crashed after their retries). */
  runErrors: number;
  /** Training seconds of the runs that ended since `since`. */
  trainingSeconds: number;
}

export interface StoredSweepFigures {
  name: string;
  status: string;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  cells: StoredCellFigures[];
  /** The runs the store has as running, with the cell that asked for each. */
  runningRuns: { configHash: string; cellKey: string }[];
}

/**
 * The sweep's cells and runs as stored; null when the store has no sweep of that name. `since`: the
 * start of the sweep's current run (runs that ended before it count as cached); default the start
 * the store recorded.
 */
export async function storedSweepFigures(
  session: SqlSession,
  name: string,
  since?: Date,
): Promise<StoredSweepFigures | null> {
  const sweeps = await session.query<{
    id: number;
    name: string;
    status: string;
    createdAt: Date;
    startedAt: Date | null;
    endedAt: Date | null;
  }>(
    `SELECT id, name, status::text AS status, created_at AS "createdAt", started_at AS "startedAt",
            ended_at AS "endedAt"
       FROM sweep WHERE name = $1`,
    [name],
  );
  if (sweeps.length === 0) return null;
  const sweep = sweeps[0];
  const from = since ?? sweep.startedAt ?? sweep.createdAt;
  const cells = await session.query<StoredCellFigures>(
    `SELECT c."group" || '/' || c.encoding || '/k' || c.k || '/' || c.model AS "cellKey",
            c.status::text AS status, c.lo, c.hi, c.min_width AS "minWidth",
            count(r.id) FILTER (WHERE r.status IN ('done', 'failed', 'cancelled'))::integer AS "runsDone",
            count(r.id) FILTER (WHERE r.status = 'running')::integer AS "runsInFlight",
            count(r.id) FILTER (WHERE r.status = 'done' AND r.finished_at < $2)::integer AS "cachedRuns",
            count(r.id) FILTER (WHERE r.outcome = 'error' AND r.status <> 'running')::integer AS "runErrors",
            (coalesce(sum(r.duration_ms) FILTER (WHERE r.status = 'done' AND r.finished_at >= $2), 0)
              / 1000.0)::float8 AS "trainingSeconds"
       FROM cell c
       LEFT JOIN cell_run cr ON cr.cell_id = c.id
       LEFT JOIN run r ON r.id = cr.run_id
      WHERE c.sweep_id = $1
      GROUP BY c.id
      ORDER BY c.id`,
    [sweep.id, from],
  );
  const runningRuns = await session.query<{ configHash: string; cellKey: string }>(
    `SELECT r.config_hash AS "configHash",
            c."group" || '/' || c.encoding || '/k' || c.k || '/' || c.model AS "cellKey"
       FROM run r JOIN cell_run cr ON cr.run_id = r.id JOIN cell c ON c.id = cr.cell_id
      WHERE c.sweep_id = $1 AND r.status = 'running'
      ORDER BY r.id`,
    [sweep.id],
  );
  return { ...sweep, cells, runningRuns };
}

/** One line of `sgc sweep list`: a sweep's cells and runs as stored. */
export interface StoredSweepSummary {
  name: string;
  status: string;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  cells: number;
  cellsEnded: number;
  /** Cells that ended with a minimal width. */
  cellsWithMinWidth: number;
  runsDone: number;
  runsInFlight: number;
}

/** Every stored sweep's summary, in one statement (by name). */
export async function storedSweepSummaries(session: SqlSession): Promise<Map<string, StoredSweepSummary>> {
  const rows = await session.query<StoredSweepSummary>(
    `SELECT s.name, s.status::text AS status, s.created_at AS "createdAt", s.started_at AS "startedAt",
            s.ended_at AS "endedAt",
            coalesce(c.cells, 0)::integer AS cells,
            coalesce(c.ended, 0)::integer AS "cellsEnded",
            coalesce(c.solved, 0)::integer AS "cellsWithMinWidth",
            coalesce(r.done, 0)::integer AS "runsDone",
            coalesce(r.running, 0)::integer AS "runsInFlight"
       FROM sweep s
       LEFT JOIN (SELECT sweep_id, count(*) AS cells,
                         count(*) FILTER (WHERE status::text = ANY($1::text[])) AS ended,
                         count(*) FILTER (WHERE status = 'done' AND min_width IS NOT NULL) AS solved
                    FROM cell GROUP BY sweep_id) c ON c.sweep_id = s.id
       LEFT JOIN (SELECT c.sweep_id,
                         count(DISTINCT r.id) FILTER (WHERE r.status IN ('done', 'failed', 'cancelled')) AS done,
                         count(DISTINCT r.id) FILTER (WHERE r.status = 'running') AS running
                    FROM run r JOIN cell_run cr ON cr.run_id = r.id JOIN cell c ON c.id = cr.cell_id
                   GROUP BY c.sweep_id) r ON r.sweep_id = s.id`,
    [`{${ENDED_CELL_STATUSES.join(',')}}`],
  );
  return new Map(rows.map((r) => [r.name, r]));
}
