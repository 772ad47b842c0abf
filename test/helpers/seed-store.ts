/**
 * Sweeps, cells and runs written into a real store with plain SQL, naming only the columns that
 * have no default: what any writer (a worker, an older or newer sgc) would have left, for tests of
 * the readers (gauges, dashboards) that need a store in a given state without running a sweep.
 *
 *   await seedSweep(store.driver, { name: 's1', status: 'running' }, [
 *     { group: 'C3', k: 2, status: 'done', lo: 4, hi: 6, minWidth: 6, runs: [{ h: 6, outcome: 'succeeded' }] },
 *   ]);
 */
import type { GaugeQueryable } from '../../src/store/sweep-gauges.js';

export interface SeedRun {
  h: number;
  seed?: number;
  /** Default done. */
  status?: string;
  outcome?: string | null;
}

export interface SeedCell {
  group: string;
  encoding?: string;
  k: number;
  model?: string;
  status: string;
  lo?: number;
  hi?: number;
  minWidth?: number;
  runs?: SeedRun[];
}

let hashes = 0;

/** Inserts a sweep (last updated `age` ago, a PostgreSQL interval) with its cells and runs. */
export async function seedSweep(
  db: GaugeQueryable,
  sweep: { name: string; status: string; age?: string },
  cells: SeedCell[],
): Promise<void> {
  const [{ id }] = await db.query<{ id: number }>(
    `INSERT INTO sweep (name, status, updated_at) VALUES ($1, $2::sweep_status, now() - $3::interval) RETURNING id`,
    [sweep.name, sweep.status, sweep.age ?? '0 s'],
  );
  for (const c of cells) {
    const [cell] = await db.query<{ id: number }>(
      `INSERT INTO cell (sweep_id, "group", encoding, k, model, status, lo, hi, min_width, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::cell_status, $7, $8, $9, now()) RETURNING id`,
      [
        id,
        c.group,
        c.encoding ?? 'onehot',
        c.k,
        c.model ?? 'mlp',
        c.status,
        c.lo ?? null,
        c.hi ?? null,
        c.minWidth ?? null,
      ],
    );
    for (const r of c.runs ?? []) {
      const [run] = await db.query<{ id: number }>(
        `INSERT INTO run (config_hash, h, seed, config, engine, status, outcome)
         VALUES ($1, $2, $3, '{}'::jsonb, 'onnx', $4::run_status, $5::run_outcome) RETURNING id`,
        [`seed-${process.pid}-${++hashes}`, r.h, r.seed ?? 0, r.status ?? 'done', r.outcome ?? null],
      );
      await db.query(`INSERT INTO cell_run (cell_id, run_id) VALUES ($1, $2)`, [cell.id, run.id]);
    }
  }
}
