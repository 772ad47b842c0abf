/**
 * What the orchestrator and the trainer call to record a sweep: sweeps, cells and runs upserted by
 * their natural keys (sweep name; sweep + group + encoding + k + model; config hash), run lifecycle
 * transitions, and batched idempotent per-step writes. Every method is safe to repeat: a retried
 * Temporal activity calling it again changes nothing it already wrote.
 */
import {
  type IrrepPowerPoint,
  insertIrrepPowers,
  insertMetrics,
  insertRunEvents,
  type MetricPoint,
  type RunEventPoint,
} from './bulk-insert.js';
import type {
  Cell,
  CellStatus,
  Prisma,
  PrismaClient,
  Run,
  RunOutcome,
  RunStatus,
  Sweep,
  SweepStatus,
} from './generated/client.js';
import type { SqlDriver } from './sql-driver.js';

export type {
  Cell,
  CellStatus,
  IrrepPowerPoint,
  MetricPoint,
  Run,
  RunEventPoint,
  RunOutcome,
  RunStatus,
  Sweep,
  SweepStatus,
};

export interface SweepInput {
  name: string;
  spec?: Prisma.InputJsonValue;
  specHash?: string;
  status?: SweepStatus;
  workflowId?: string;
  /** When the sweep's newest start began; ended (null while it runs). */
  startedAt?: Date;
  endedAt?: Date | null;
}

export interface CellKey {
  sweepId: number;
  group: string;
  encoding: string;
  k: number;
  model: string;
}

/** The search state of a cell; only the fields given are changed. */
export interface CellProgress {
  status?: CellStatus;
  lo?: number | null;
  hi?: number | null;
  minWidth?: number | null;
  nonMonotone?: boolean;
  workflowId?: string | null;
}

export interface RunInput {
  configHash: string;
  h: number;
  seed: number;
  /** Everything hashed into configHash, as JSON. */
  config: Prisma.InputJsonValue;
  engine: string;
  backend?: string;
  /** The code identity hashed into configHash (src/learn/codeIdentity.ts). */
  resultsVersion?: number;
  /** {package: version} of the numerical libraries of the run's engine. */
  libraries?: Prisma.InputJsonValue;
  /** The cell whose search asked for this run; linked (once) when given. */
  cellId?: number;
}

export interface RunStart {
  worker: string;
  backend?: string;
  checkpoint?: string;
}

export interface RunFinish {
  status: Extract<RunStatus, 'done' | 'failed' | 'cancelled'>;
  /** Who trained it and on what, when known only at the end (a sweep's worker). */
  worker?: string;
  backend?: string;
  outcome?: RunOutcome;
  error?: string;
  steps?: number;
  /** null: not a number (a diverged run's last loss). */
  finalLoss?: number | null;
  finalAccuracy?: number;
  durationMs?: number;
  /** Training attempts the result took (duration_ms sums them all). */
  attempts?: number;
}

/** The fields of a run that a claim reports (a cached result is built from them). */
export type ClaimedRun = Pick<
  Run,
  | 'configHash'
  | 'h'
  | 'seed'
  | 'engine'
  | 'backend'
  | 'outcome'
  | 'steps'
  | 'finalLoss'
  | 'finalAccuracy'
  | 'durationMs'
>;

export interface SweepProgress {
  cells: Partial<Record<CellStatus, number>>;
  runs: Partial<Record<RunStatus, number>>;
}

export class ResultsRepository {
  constructor(
    private readonly driver: SqlDriver,
    readonly prisma: PrismaClient,
  ) {}

  /** Creates the sweep or updates the fields given; the name is its key. */
  upsertSweep(input: SweepInput): Promise<Sweep> {
    const { name, ...fields } = input;
    return this.prisma.sweep.upsert({ where: { name }, create: input, update: fields });
  }

  findSweep(name: string): Promise<Sweep | null> {
    return this.prisma.sweep.findUnique({ where: { name } });
  }

  listSweeps(): Promise<Sweep[]> {
    return this.prisma.sweep.findMany({ orderBy: { createdAt: 'asc' } });
  }

  setSweepStatus(name: string, status: SweepStatus): Promise<Sweep> {
    return this.prisma.sweep.update({ where: { name }, data: { status } });
  }

  /** Creates the cell or applies the progress given to the existing one. */
  upsertCell(key: CellKey, progress: CellProgress = {}): Promise<Cell> {
    return this.prisma.cell.upsert({
      where: { sweepId_group_encoding_k_model: key },
      create: { ...key, ...progress },
      update: progress,
    });
  }

  updateCell(id: number, progress: CellProgress): Promise<Cell> {
    return this.prisma.cell.update({ where: { id }, data: progress });
  }

  /**
   * Registers a run by its config hash (a no-op for its fields when it exists: the hash fixes them)
   * and links it to the cell given. Returns the stored run, whose status tells a caller whether it
   * is already done (a cache hit).
   */
  async upsertRun(input: RunInput): Promise<Run> {
    const { cellId, ...fields } = input;
    const run = await this.prisma.run.upsert({
      where: { configHash: input.configHash },
      create: fields,
      update: {},
    });
    if (cellId !== undefined)
      await this.prisma.cellRun.createMany({ data: [{ cellId, runId: run.id }], skipDuplicates: true });
    return run;
  }

  /**
   * Registers many runs at once (existing ones are left as they are) and links them to the cell:
   * three statements whatever the number of runs. Returns the stored runs, in the order given.
   */
  async upsertRuns(inputs: readonly Omit<RunInput, 'cellId'>[], cellId: number): Promise<Run[]> {
    if (inputs.length === 0) return [];
    await this.prisma.run.createMany({ data: [...inputs], skipDuplicates: true });
    const runs = await this.prisma.run.findMany({
      where: { configHash: { in: inputs.map((i) => i.configHash) } },
    });
    await this.prisma.cellRun.createMany({
      data: runs.map((run) => ({ cellId, runId: run.id })),
      skipDuplicates: true,
    });
    const byHash = new Map(runs.map((run) => [run.configHash, run]));
    return inputs.map((i) => byHash.get(i.configHash)!);
  }

  /**
   * Starts an attempt of a run unless it already has one of the `final` outcomes, in one statement
   * (the check and the start cannot interleave with another claimer's). Returns whether it was
   * started and the run as it was before; null when no such run is registered.
   */
  async claimRun(
    configHash: string,
    final: readonly RunOutcome[],
    worker: string,
  ): Promise<{ started: boolean; run: ClaimedRun } | null> {
    const rows = await this.driver.query<ClaimedRun & { started: number }>(
      `WITH started AS (
         UPDATE run SET status = 'running', attempt = attempt + 1, worker = $2, started_at = now(),
                heartbeat_at = now(), finished_at = NULL, error = NULL
          WHERE config_hash = $1
            AND (status = 'running' OR outcome IS NULL OR outcome <> ALL($3::run_outcome[]))
         RETURNING id)
       SELECT r.config_hash AS "configHash", r.h, r.seed, r.engine, r.backend, r.outcome::text AS outcome,
              r.steps, r.final_loss AS "finalLoss", r.final_accuracy AS "finalAccuracy",
              r.duration_ms AS "durationMs", (SELECT count(*) FROM started)::integer AS started
         FROM run r WHERE r.config_hash = $1`,
      // An array literal rather than an array parameter: PGlite's driver does not serialise arrays.
      [configHash, worker, `{${final.join(',')}}`],
    );
    if (rows.length === 0) return null;
    const { started, ...run } = rows[0];
    return { started: started > 0, run };
  }

  /**
   * claimRun for many runs in one statement, but only for runs nobody is running: those without a
   * `final` outcome whose status is not `running`. Returns the config hashes it started. A run
   * that is `running` (another sweep's, or one left behind by a crash) is left for claimRun.
   */
  async claimIdleRuns(configHashes: readonly string[], final: readonly RunOutcome[], worker: string) {
    if (configHashes.length === 0) return new Set<string>();
    const rows = await this.driver.query<{ configHash: string }>(
      `UPDATE run SET status = 'running', attempt = attempt + 1, worker = $2, started_at = now(),
              heartbeat_at = now(), finished_at = NULL, error = NULL
        WHERE config_hash = ANY($1::text[]) AND status <> 'running'
          AND (outcome IS NULL OR outcome <> ALL($3::run_outcome[]))
       RETURNING config_hash AS "configHash"`,
      // Array literals rather than array parameters: PGlite's driver does not serialise arrays (a
      // config hash is hex, so it needs no quoting).
      [`{${configHashes.join(',')}}`, worker, `{${final.join(',')}}`],
    );
    return new Set(rows.map((r) => r.configHash));
  }

  findRun(configHash: string): Promise<Run | null> {
    return this.prisma.run.findUnique({ where: { configHash } });
  }

  /**
   * Marks an attempt as started. A run that already finished successfully is left as it is and
   * returned unchanged: finished work is never redone or overwritten.
   */
  async startRun(configHash: string, start: RunStart): Promise<Run> {
    const now = new Date();
    const updated = await this.prisma.run.updateMany({
      where: { configHash, NOT: { status: 'done', outcome: 'succeeded' } },
      data: {
        status: 'running',
        attempt: { increment: 1 },
        worker: start.worker,
        backend: start.backend,
        checkpoint: start.checkpoint,
        startedAt: now,
        heartbeatAt: now,
        finishedAt: null,
        error: null,
      },
    });
    const run = await this.prisma.run.findUnique({ where: { configHash } });
    if (!run) throw new Error(`startRun: no run with config hash ${configHash} (call upsertRun first)`);
    if (updated.count === 0 && run.status !== 'done')
      throw new Error(`startRun: run ${configHash} could not be started`);
    return run;
  }

  /** Records progress: the heartbeat time and, when given, the latest checkpoint. */
  async heartbeat(configHash: string, checkpoint?: string): Promise<void> {
    await this.prisma.run.update({
      where: { configHash },
      data: { heartbeatAt: new Date(), ...(checkpoint === undefined ? {} : { checkpoint }) },
    });
  }

  finishRun(configHash: string, finish: RunFinish): Promise<Run> {
    return this.prisma.run.update({
      where: { configHash },
      data: { ...finish, finishedAt: new Date() },
    });
  }

  /** The runs a cell's search has used, narrowest first: what the width search decides from. */
  async runsOfCell(cellId: number): Promise<Run[]> {
    const links = await this.prisma.cellRun.findMany({
      where: { cellId },
      include: { run: true },
    });
    return links.map((l) => l.run).sort((a, b) => a.h - b.h || a.seed - b.seed);
  }

  /** How many cells and runs of a sweep are in each status (for `sgc sweep status` and gauges). */
  async sweepProgress(name: string): Promise<SweepProgress> {
    const rows = await this.driver.query<{ what: 'cell' | 'run'; status: string; n: number }>(
      `SELECT 'cell' AS what, c.status::text AS status, count(*)::integer AS n
         FROM cell c JOIN sweep s ON s.id = c.sweep_id WHERE s.name = $1 GROUP BY c.status
       UNION ALL
       SELECT 'run', r.status::text, count(DISTINCT r.id)::integer
         FROM run r JOIN cell_run cr ON cr.run_id = r.id JOIN cell c ON c.id = cr.cell_id
         JOIN sweep s ON s.id = c.sweep_id WHERE s.name = $1 GROUP BY r.status`,
      [name],
    );
    const progress: SweepProgress = { cells: {}, runs: {} };
    for (const r of rows) {
      const counts: Record<string, number> = r.what === 'cell' ? progress.cells : progress.runs;
      counts[r.status] = r.n;
    }
    return progress;
  }

  /** Stores metric points; a (run, step) already stored is skipped. Returns how many were new. */
  writeMetrics(points: readonly MetricPoint[]): Promise<number> {
    return insertMetrics(this.driver, points);
  }

  /** Stores irrep powers; a (run, step, irrep) already stored is skipped. Returns how many were new. */
  writeIrrepPowers(points: readonly IrrepPowerPoint[]): Promise<number> {
    return insertIrrepPowers(this.driver, points);
  }

  /** Stores run events; a (run, step, kind, irrep) already stored is skipped. Returns how many were new. */
  writeEvents(events: readonly RunEventPoint[]): Promise<number> {
    return insertRunEvents(this.driver, events);
  }

  /**
   * Everything a finished training attempt produced, in one transaction: its curves, its events and
   * its final numbers. Either all of it is stored or none, so a crash between writes leaves no run
   * marked done with half a curve.
   */
  async recordRunResult(
    configHash: string,
    result: {
      metrics: readonly Omit<MetricPoint, 'runId'>[];
      irrepPowers?: readonly Omit<IrrepPowerPoint, 'runId'>[];
      events?: readonly Omit<RunEventPoint, 'runId'>[];
      finish: RunFinish;
    },
  ): Promise<void> {
    const run = await this.findRun(configHash);
    if (!run) throw new Error(`recordRunResult: no run with config hash ${configHash}`);
    const runId = run.id;
    await this.driver.transaction(async (tx) => {
      await insertMetrics(
        tx,
        result.metrics.map((m) => ({ ...m, runId })),
      );
      await insertIrrepPowers(
        tx,
        (result.irrepPowers ?? []).map((p) => ({ ...p, runId })),
      );
      await insertRunEvents(
        tx,
        (result.events ?? []).map((e) => ({ ...e, runId })),
      );
      const f = result.finish;
      await tx.query(
        `UPDATE run SET status = $2::run_status, outcome = $3::run_outcome, error = $4, steps = $5,
                final_loss = $6, final_accuracy = $7, duration_ms = $8, finished_at = now(),
                worker = coalesce($9, worker), backend = coalesce($10, backend),
                attempts = coalesce($11, attempts)
          WHERE id = $1`,
        [
          runId,
          f.status,
          f.outcome ?? null,
          f.error ?? null,
          f.steps ?? null,
          f.finalLoss ?? null,
          f.finalAccuracy ?? null,
          f.durationMs ?? null,
          f.worker ?? null,
          f.backend ?? null,
          f.attempts ?? null,
        ],
      );
    });
  }
}
