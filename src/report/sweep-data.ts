/**
 * What a sweep report shows, read from the results store into plain data (no rendering here): the
 * sweep, its cells (the search's bracket and H*), its runs, and for a few chosen runs everything the
 * run figures need, in the same shape a run folder gives them (RunReportData), so the sweep report
 * draws them with the run report's own figure specs.
 *
 * Chosen runs: for each cell with an H*, the run at H* with the lowest seed among those that
 * succeeded there (any run at H* when none did), cells in table order, at most `maxRuns` of them.
 */
import type { FiniteGroup } from '../algebra/group.js';
import { irrepsOf } from '../algebra/irreps/index.js';
import { parseGroup } from '../algebra/parse.js';
import { InputError } from '../errors.js';
import { RunConfigSchema } from '../learn/runConfig.js';
import { plateauLevels, predictedIrrepOrder } from '../learn/theory.js';
import { isPgError, SqlState } from '../store/db-errors.js';
import type { SqlDriver, SqlSession } from '../store/sql-driver.js';
import { type EncodingSpec, encode } from '../task/encoding.js';
import type { RunReportData } from './figures.js';

export interface SweepCellData {
  id: number;
  group: string;
  encoding: string;
  k: number;
  model: string;
  status: string;
  /** The bracket: lo failed (or 0 / null before any failure), hi succeeded. */
  lo: number | null;
  hi: number | null;
  minWidth: number | null;
  nonMonotone: boolean;
  /** All runs the cell's search used, and the distinct seeds that succeeded at H*. */
  runs: number;
  seeds: number;
  /** |G|, or null when the cell's group name does not parse (then no theory guide is drawn). */
  groupOrder: number | null;
}

export interface SweepRunData {
  runId: number;
  cellId: number;
  configHash: string;
  group: string;
  encoding: string;
  k: number;
  model: string;
  h: number;
  seed: number;
  status: string;
  outcome: string | null;
  steps: number | null;
  seconds: number | null;
  engine: string;
  backend: string | null;
  worker: string | null;
  finalLoss: number | null;
  finalAccuracy: number | null;
}

export interface ChosenRun {
  runId: number;
  cellId: number;
  /** The run's name in the report's file names and page ids (runFileStem). */
  stem: string;
  data: RunReportData;
}

/**
 * A run's name in file names: `C6-onehot-k3-mlp-H16-seed0`, from its cell (group, encoding, k, model),
 * width and seed; characters a file name should not carry become `_`.
 */
export function runFileStem(
  run: Pick<SweepRunData, 'group' | 'encoding' | 'k' | 'model' | 'h' | 'seed'>,
): string {
  return `${run.group}-${run.encoding}-k${run.k}-${run.model}-H${run.h}-seed${run.seed}`.replace(
    /[^A-Za-z0-9._-]/g,
    '_',
  );
}

export interface SweepReportData {
  sweep: { name: string; status: string; createdAt: string };
  cells: SweepCellData[];
  runs: SweepRunData[];
  chosen: ChosenRun[];
  /** Cells with an H* whose run was not drawn because of the cap, and runs that could not be drawn. */
  notes: string[];
}

/** Names a sweep spec allows (src/sweep/spec.ts): anything else given to `sgc report` is a path. */
export const SWEEP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The known sweep names, for messages. */
export async function sweepNames(session: SqlSession): Promise<string[]> {
  return (await session.query<{ name: string }>('SELECT name FROM sweep ORDER BY name')).map((r) => r.name);
}

/** The message for a sweep that is not in the store, naming the ones that are. */
export function unknownSweepMessage(name: string, known: string[]): string {
  return `no sweep named "${name}" (and no run folder of that name); ${
    known.length > 0 ? `sweeps: ${known.join(', ')}` : 'there are no sweeps yet'
  }`;
}

const groups = new Map<string, FiniteGroup | null>();

/** parseGroup, remembered (a report asks for the same few groups many times), or null. */
export function groupOf(name: string): FiniteGroup | null {
  if (!groups.has(name)) {
    try {
      groups.set(name, parseGroup(name));
    } catch {
      groups.set(name, null);
    }
  }
  return groups.get(name) ?? null;
}

/**
 * Reads a sweep from the store in one read-only transaction (one consistent snapshot even while a
 * sweep is writing). An unknown sweep is an InputError naming the known ones; a database without the
 * sgc tables is one too.
 */
export async function readSweepReport(
  driver: SqlDriver,
  name: string,
  options: { maxRuns?: number } = {},
): Promise<SweepReportData> {
  try {
    return await driver.transaction((tx) => readSweep(tx, name, options.maxRuns ?? 6), { readOnly: true });
  } catch (error) {
    if (isPgError(error) && error.code === SqlState.undefinedTable)
      throw new InputError(
        `the database at ${driver.location} has no sgc tables yet: run \`sgc db migrate\``,
      );
    throw error;
  }
}

async function readSweep(tx: SqlSession, name: string, maxRuns: number): Promise<SweepReportData> {
  const [sweep] = await tx.query<{ id: number; name: string; status: string; created_at: string }>(
    'SELECT id, name, status::text AS status, created_at::text AS created_at FROM sweep WHERE name = $1',
    [name],
  );
  if (!sweep) throw new InputError(unknownSweepMessage(name, await sweepNames(tx)));
  const cellRows = await tx.query<Omit<SweepCellData, 'groupOrder'>>(
    `SELECT c.id, c."group", c.encoding, c.k, c.model, c.status::text AS status, c.lo, c.hi,
            c.min_width AS "minWidth", c.non_monotone AS "nonMonotone",
            (SELECT count(*) FROM cell_run cr WHERE cr.cell_id = c.id)::integer AS runs,
            (SELECT count(DISTINCT r.seed) FROM run r JOIN cell_run cr ON cr.run_id = r.id
              WHERE cr.cell_id = c.id AND r.h = c.min_width AND r.outcome = 'succeeded')::integer AS seeds
       FROM cell c WHERE c.sweep_id = $1
      ORDER BY c."group", c.encoding, c.model, c.k`,
    [sweep.id],
  );
  const cells = cellRows.map((c) => ({ ...c, groupOrder: groupOf(c.group)?.order ?? null }));
  const runs = await tx.query<SweepRunData>(
    `SELECT r.id AS "runId", c.id AS "cellId", r.config_hash AS "configHash", c."group", c.encoding, c.k,
            c.model, r.h, r.seed, r.status::text AS status, r.outcome::text AS outcome, r.steps,
            (r.duration_ms / 1000.0)::float8 AS seconds, r.engine, r.backend, r.worker,
            r.final_loss AS "finalLoss", r.final_accuracy AS "finalAccuracy"
       FROM run r JOIN cell_run cr ON cr.run_id = r.id JOIN cell c ON c.id = cr.cell_id
      WHERE c.sweep_id = $1
      ORDER BY c."group", c.encoding, c.model, c.k, r.h, r.seed`,
    [sweep.id],
  );

  const { candidates, notes } = runsToDraw(cells, runs, maxRuns);
  const chosen: ChosenRun[] = [];
  for (const run of candidates) {
    const data = await runReportData(tx, run);
    if (typeof data === 'string') notes.push(data);
    else chosen.push({ runId: run.runId, cellId: run.cellId, stem: runFileStem(run), data });
  }
  return {
    sweep: { name: sweep.name, status: sweep.status, createdAt: sweep.created_at },
    cells,
    runs,
    chosen,
    notes,
  };
}

/**
 * The runs to draw, at most `maxRuns`, and a note when the cap left some out: per cell, the run at H*
 * with the lowest seed that succeeded (any run at H* when none did); for a cell without an H*, its
 * widest run with the lowest seed, the nearest it came (a staircase whose run did not acquire every
 * irrep still has its curves to show). `runs` are sorted by seed within a width.
 */
export function runsToDraw(
  cells: readonly SweepCellData[],
  runs: readonly SweepRunData[],
  maxRuns: number,
): { candidates: SweepRunData[]; notes: string[] } {
  const notes: string[] = [];
  const candidates: SweepRunData[] = [];
  for (const cell of cells) {
    const ofCell = runs.filter((r) => r.cellId === cell.id);
    if (ofCell.length === 0) continue;
    const H = cell.minWidth ?? Math.max(...ofCell.map((r) => r.h));
    const atWidth = ofCell.filter((r) => r.h === H);
    const run = atWidth.find((r) => r.outcome === 'succeeded') ?? atWidth[0];
    if (run) candidates.push(run);
  }
  if (candidates.length > maxRuns)
    notes.push(
      `${candidates.length} cells have runs; those of the first ${maxRuns} are drawn (--runs to change)`,
    );
  return { candidates: candidates.slice(0, Math.max(0, maxRuns)), notes };
}

/**
 * One run as the run figures want it, from its stored config, metrics, irrep powers and events; or
 * a sentence saying why it cannot be drawn (a config this checkout cannot resolve).
 */
async function runReportData(tx: SqlSession, run: SweepRunData): Promise<RunReportData | string> {
  const [{ config }] = await tx.query<{ config: unknown }>('SELECT config FROM run WHERE id = $1', [
    run.runId,
  ]);
  const metrics = await tx.query<RunRows['metrics'][number]>(
    'SELECT step, loss, accuracy FROM run_metric WHERE run_id = $1 ORDER BY step',
    [run.runId],
  );
  const powers = await tx.query<RunRows['powers'][number]>(
    'SELECT step, irrep, power FROM run_irrep_power WHERE run_id = $1 ORDER BY step, irrep',
    [run.runId],
  );
  const events = await tx.query<RunRows['events'][number]>(
    `SELECT step, irrep FROM run_event WHERE run_id = $1 AND kind = 'irrep_acquired' ORDER BY step, irrep`,
    [run.runId],
  );
  return runReportFromRows(run, config, { metrics, powers, events });
}

/** A run's recorded curves as rows, the way the store's tables (and the results' CSVs) hold them. */
export interface RunRows {
  metrics: { step: number; loss: number; accuracy: number | null }[];
  powers: { step: number; irrep: string; power: number }[];
  events: { step: number; irrep: string }[];
}

/**
 * One run as the run figures want it, from its config and recorded rows (sorted by step); or a
 * sentence saying why it cannot be drawn (a config this checkout cannot resolve).
 */
export function runReportFromRows(run: SweepRunData, raw: unknown, rows: RunRows): RunReportData | string {
  const parsed = RunConfigSchema.safeParse(raw);
  const what = `run ${run.runId} (${run.group} ${run.encoding} k=${run.k} ${run.model} H=${run.h} seed ${run.seed})`;
  if (!parsed.success) return `${what}: its stored config is not a run config this version reads`;
  const config = parsed.data;
  const group = groupOf(config.group);
  if (!group) return `${what}: group ${config.group} does not parse`;
  let encodingPower: number[];
  try {
    encodingPower = Array.from(encode(group, config.encoding as EncodingSpec).power);
  } catch (error) {
    return `${what}: cannot resolve its encoding (${(error as Error).message})`;
  }
  const irreps = irrepsOf(group).map((r) => r.label);
  const { metrics: metricRows, powers: powerRows, events: eventRows } = rows;

  // An evaluation is a step with an accuracy or irrep powers; what a step lacks is NaN (not drawn).
  const byStep = new Map<number, { step: number; loss: number; accuracy: number; power: number[] }>();
  const evaluation = (step: number) => {
    let e = byStep.get(step);
    if (!e)
      byStep.set(
        step,
        (e = { step, loss: Number.NaN, accuracy: Number.NaN, power: irreps.map(() => Number.NaN) }),
      );
    return e;
  };
  for (const m of metricRows)
    if (m.accuracy !== null) Object.assign(evaluation(m.step), { loss: m.loss, accuracy: m.accuracy });
  for (const p of powerRows) {
    const i = irreps.indexOf(p.irrep);
    if (i >= 0) evaluation(p.step).power[i] = p.power;
  }
  for (const m of metricRows) if (byStep.has(m.step)) byStep.get(m.step)!.loss = m.loss;

  const order = predictedIrrepOrder(encodingPower).map((i) => irreps[i]);
  return {
    title: `${run.group} ${run.encoding} k=${run.k} ${run.model} H=${run.h} seed ${run.seed}`,
    config: config as unknown as RunReportData['config'],
    groupOrder: group.order,
    result: {
      outcome: run.outcome ?? run.status,
      reason: run.status,
      steps: run.steps ?? metricRows.at(-1)?.step ?? 0,
      initialLoss: metricRows[0]?.loss ?? Number.NaN,
      finalLoss: run.finalLoss ?? metricRows.at(-1)?.loss ?? Number.NaN,
      finalAccuracy: run.finalAccuracy ?? Number.NaN,
      seconds: run.seconds ?? Number.NaN,
      predicted: { plateaus: plateauLevels(encodingPower, group.order), order },
      engine: run.backend ? `${run.engine}/${run.backend}` : run.engine,
    },
    metrics: {
      irreps,
      loss: metricRows.map((m) => ({ step: m.step, loss: m.loss })),
      evaluations: [...byStep.values()].sort((a, b) => a.step - b.step),
      events: eventRows.map((e) => ({ step: e.step, irrep: irreps.indexOf(e.irrep), label: e.irrep })),
    },
    encodingPower,
  };
}
