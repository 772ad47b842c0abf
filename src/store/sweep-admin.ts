/**
 * Managing stored sweeps (`sgc sweep delete|rename|archive|unarchive|tag|note`, and the name rule of
 * `sweep start`): plain SQL on the sweep table and, for a delete, on the runs only that sweep used.
 * Each change is one transaction, so a command that fails halfway changes nothing. Whether a sweep is
 * running is Temporal's to say: the callers ask it before calling here.
 */
import { InputError } from '../errors.js';
import { isPgError, SqlState } from './db-errors.js';
import type { SqlDriver, SqlSession } from './sql-driver.js';

export interface SweepRecord {
  id: number;
  name: string;
  spec: unknown;
  specHash: string | null;
  status: string;
  workflowId: string | null;
  archivedAt: Date | null;
  tags: Record<string, string>;
  note: string | null;
  createdAt: Date;
  updatedAt: Date;
  cells: number;
}

export interface DeletionPlan {
  cells: number;
  /** Runs only this sweep used: deleted with their metrics, irrep powers and events. */
  runs: number;
  /** Runs another sweep uses too: kept. */
  shared: number;
}

export interface DeletedRun {
  configHash: string;
  checkpoint: string | null;
}

const SELECT_SWEEP = `SELECT s.id, s.name, s.spec, s.spec_hash AS "specHash", s.status::text AS status,
       s.workflow_id AS "workflowId", s.archived_at AS "archivedAt", s.tags, s.note,
       s.created_at AS "createdAt", s.updated_at AS "updatedAt",
       (SELECT count(*) FROM cell c WHERE c.sweep_id = s.id)::integer AS cells
  FROM sweep s`;

/** The runs linked to the sweep's cells, split by whether a cell of another sweep links them too. */
const RUNS_OF_SWEEP = `SELECT DISTINCT cr.run_id,
       EXISTS (SELECT 1 FROM cell_run o JOIN cell oc ON oc.id = o.cell_id
                WHERE o.run_id = cr.run_id AND oc.sweep_id <> $1) AS shared
  FROM cell_run cr JOIN cell c ON c.id = cr.cell_id WHERE c.sweep_id = $1`;

export function noSuchSweep(name: string): InputError {
  return new InputError(`no sweep named "${name}" in the results store (see \`sgc sweep list --all\`)`);
}

export class SweepAdmin {
  constructor(private readonly driver: SqlDriver) {}

  async find(name: string, session: SqlSession = this.driver): Promise<SweepRecord | null> {
    const rows = await session.query<SweepRecord>(`${SELECT_SWEEP} WHERE s.name = $1`, [name]);
    return rows[0] ?? null;
  }

  async require(name: string, session: SqlSession = this.driver): Promise<SweepRecord> {
    const sweep = await this.find(name, session);
    if (!sweep) throw noSuchSweep(name);
    return sweep;
  }

  /**
   * The keys (group/encoding/k<k>/model, as the workflows name cells) of the sweep's cells whose
   * search the store does not have as ended: the cell workflows that may still be running.
   */
  async openCellKeys(name: string): Promise<string[]> {
    const rows = await this.driver.query<{ key: string }>(
      `SELECT c."group" || '/' || c.encoding || '/k' || c.k || '/' || c.model AS key
         FROM cell c JOIN sweep s ON s.id = c.sweep_id
        WHERE s.name = $1 AND c.status IN ('pending', 'searching') ORDER BY c.id`,
      [name],
    );
    return rows.map((r) => r.key);
  }

  /** Every stored sweep, oldest first; archived ones only when `all`. */
  list(options: { all?: boolean } = {}): Promise<SweepRecord[]> {
    return this.driver.query<SweepRecord>(
      `${SELECT_SWEEP} ${options.all ? '' : 'WHERE s.archived_at IS NULL'} ORDER BY s.created_at, s.id`,
    );
  }

  /**
   * Makes a just-started sweep known to the store, with the spec it was started with, unless its
   * workflow (or an earlier start) wrote it already. Without this, `sgc results <name>` right after
   * `sgc sweep start` said the sweep did not exist until the workflow's first store call.
   */
  async registerStarted(name: string, spec: unknown, specHash: string): Promise<void> {
    await this.driver.query(
      `INSERT INTO sweep (name, spec, spec_hash) VALUES ($1, $2::jsonb, $3) ON CONFLICT (name) DO NOTHING`,
      [name, JSON.stringify(spec), specHash],
    );
  }

  /**
   * Renames a sweep (and the name inside its stored spec, so that the spec stored under a name
   * always carries that name). Refused when `to` is taken.
   */
  async rename(from: string, to: string, options: { archive?: boolean } = {}): Promise<void> {
    const taken = () => new InputError(`a sweep named "${to}" exists already: choose another name`);
    await this.driver
      .transaction(async (tx) => {
        const sweep = await this.locked(tx, from);
        if (await this.find(to, tx)) throw taken();
        await tx.query(
          `UPDATE sweep SET name = $2, updated_at = now(),
                spec = CASE WHEN jsonb_typeof(spec) = 'object' THEN jsonb_set(spec, '{name}', to_jsonb($2::text))
                            ELSE spec END,
                archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) ELSE archived_at END
          WHERE id = $1`,
          [sweep.id, to, options.archive ?? false],
        );
      })
      // A sweep of that name created meanwhile (a start registering it) is caught by the unique key.
      .catch((error: unknown) => {
        throw isPgError(error) && error.code === SqlState.uniqueViolation ? taken() : error;
      });
  }

  /** Archives (or unarchives) a sweep; returns whether that changed anything. */
  async setArchived(name: string, archived: boolean): Promise<boolean> {
    const sweep = await this.require(name);
    if ((sweep.archivedAt !== null) === archived) return false;
    await this.driver.query(
      `UPDATE sweep SET archived_at = ${archived ? 'now()' : 'NULL'}, updated_at = now() WHERE id = $1`,
      [sweep.id],
    );
    return true;
  }

  /** Sets the tags in `set` and removes those in `remove`, in one statement; returns the sweep's tags. */
  async tag(
    name: string,
    set: Record<string, string>,
    remove: readonly string[],
  ): Promise<Record<string, string>> {
    const rows = await this.driver.query<{ tags: Record<string, string> }>(
      `UPDATE sweep SET tags = (tags || $2::jsonb) - $3::text[], updated_at = now()
        WHERE name = $1 RETURNING tags`,
      [name, JSON.stringify(set), remove],
    );
    if (rows.length === 0) throw noSuchSweep(name);
    return rows[0].tags;
  }

  /** Sets the sweep's note; null clears it. */
  async setNote(name: string, note: string | null): Promise<void> {
    const rows = await this.driver.query(
      'UPDATE sweep SET note = $2, updated_at = now() WHERE name = $1 RETURNING id',
      [name, note],
    );
    if (rows.length === 0) throw noSuchSweep(name);
  }

  /** What deleting the sweep would remove, for the confirmation. */
  async deletionPlan(name: string): Promise<DeletionPlan> {
    const sweep = await this.require(name);
    const runs = await this.driver.query<{ shared: boolean }>(RUNS_OF_SWEEP, [sweep.id]);
    const shared = runs.filter((r) => r.shared).length;
    return { cells: sweep.cells, runs: runs.length - shared, shared };
  }

  /**
   * Deletes the sweep, its cells and their links, and the runs no other sweep uses with everything
   * recorded about them (metrics, irrep powers and events go with their run: ON DELETE CASCADE).
   * Returns the deleted runs, whose checkpoint files the caller removes once this has committed.
   */
  async delete(name: string): Promise<{ plan: DeletionPlan; runs: DeletedRun[] }> {
    return this.driver.transaction(async (tx) => {
      const sweep = await this.locked(tx, name);
      const linked = await tx.query<{ run_id: number; shared: boolean }>(RUNS_OF_SWEEP, [sweep.id]);
      const own = linked.filter((r) => !r.shared).map((r) => r.run_id);
      // Another sweep linking one of these runs meanwhile waits on the run's row lock, then fails its
      // foreign key and its activity retries, registering the run anew: no link to a deleted run.
      const runs = await tx.query<DeletedRun>(
        `DELETE FROM run WHERE id = ANY($1::integer[])
         RETURNING config_hash AS "configHash", checkpoint`,
        [own],
      );
      await tx.query('DELETE FROM sweep WHERE id = $1', [sweep.id]);
      return { plan: { cells: sweep.cells, runs: runs.length, shared: linked.length - own.length }, runs };
    });
  }

  /** The sweep, its row locked for the transaction (two commands on one sweep take turns). */
  private async locked(tx: SqlSession, name: string): Promise<SweepRecord> {
    const rows = await tx.query<{ id: number }>('SELECT id FROM sweep WHERE name = $1 FOR UPDATE', [name]);
    if (rows.length === 0) throw noSuchSweep(name);
    return this.require(name, tx);
  }
}
