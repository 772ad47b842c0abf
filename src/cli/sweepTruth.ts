/**
 * A sweep's true status, for `sgc sweep status`, `watch` and `list`: the state from Temporal (the
 * workflow's answer while it runs, how its execution closed once it has ended, and when), the
 * counts of cells and runs from the results store, and which runs in flight are training now from
 * Temporal's pending activities (a run the store has as running may only be claimed, waiting for a
 * worker: that is `queued`, not `training`).
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { runWorkflowId, statusQuery, sweepWorkflowId } from '../../workflows/definitions.js';
import { InputError } from '../errors.js';
import type { SqlSession } from '../store/sql-driver.js';
import {
  ENDED_CELL_STATUSES,
  type StoredSweepFigures,
  type StoredSweepSummary,
  storedSweepFigures,
} from '../store/sweep-status.js';
import type { CellState, CellStatus, SweepState, SweepStatus } from '../sweep/messages.js';
import type { SweepListing } from '../temporal/sweeps.js';
import { formatTable } from './format.js';
import { formatTags, type SweepListRow } from './sweepListing.js';

/** Temporal's PendingActivityState: STARTED (a worker has it) and CANCEL_REQUESTED (still running). */
const ACTIVITY_STARTED = 2;
const ACTIVITY_CANCEL_REQUESTED = 3;

const ENDED_CELLS: readonly CellState[] = ['done', 'undecided', 'failed', 'stopped', 'cancelled'];

/** How a closed execution of a sweep's workflow ended, as a sweep state (COMPLETED: its result says). */
export function closedState(execution: string): SweepState | undefined {
  switch (execution) {
    case 'CANCELLED':
      return 'cancelled';
    case 'FAILED':
    case 'TERMINATED':
    case 'TIMED_OUT':
      return 'failed';
    default:
      return undefined;
  }
}

/** `waiting` for a running sweep whose store calls wait for the store; the workflow's state otherwise. */
export function shownState(status: Pick<SweepStatus, 'state' | 'waiting' | 'endedAt'>): SweepState {
  if (status.waiting && (status.state === 'running' || status.state === 'stopping') && !status.endedAt)
    return 'waiting';
  return status.state;
}

/**
 * The config hashes whose RunWorkflow's training activity has started on a worker. Asked of each
 * run's workflow (its pending activities), a few at a time; a run whose workflow has gone is not
 * training.
 */
export async function trainingRuns(client: Client, configHashes: readonly string[]): Promise<Set<string>> {
  const training = new Set<string>();
  const queue = [...configHashes];
  const ask = async () => {
    for (let hash = queue.shift(); hash !== undefined; hash = queue.shift()) {
      let description: WorkflowExecutionDescription;
      try {
        description = await client.workflow.getHandle(runWorkflowId(hash)).describe();
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) continue;
        throw error;
      }
      if (description.status.name !== 'RUNNING') continue;
      const started = (description.raw.pendingActivities ?? []).some(
        (a) =>
          a.activityType?.name === 'trainRun' &&
          (a.state === ACTIVITY_STARTED || a.state === ACTIVITY_CANCEL_REQUESTED),
      );
      if (started) training.add(hash);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, queue.length) }, ask));
  return training;
}

/**
 * The cells as the store has them, with what only the workflows know (phase, paused, a wait for
 * the store) taken from the workflow's answer where it has the cell.
 */
export function mergeCells(
  stored: StoredSweepFigures,
  workflowCells: readonly CellStatus[],
  training: ReadonlySet<string>,
): CellStatus[] {
  const byKey = new Map(workflowCells.map((c) => [c.cellKey, c]));
  const trainingByCell = new Map<string, number>();
  for (const r of stored.runningRuns)
    if (training.has(r.configHash)) trainingByCell.set(r.cellKey, (trainingByCell.get(r.cellKey) ?? 0) + 1);
  const cells = stored.cells.map((s): CellStatus => {
    const w = byKey.get(s.cellKey);
    byKey.delete(s.cellKey);
    const storeEnded = (ENDED_CELL_STATUSES as readonly string[]).includes(s.status);
    let state: CellState;
    // The store is written before the workflows are told, so it decides whether a cell has ended;
    // the workflow adds how (cancelled is stored as stopped) or why it waits (paused).
    if (storeEnded) state = w && ENDED_CELLS.includes(w.state) ? w.state : (s.status as CellState);
    else state = w?.state ?? (s.status === 'searching' ? 'running' : 'pending');
    return {
      cellKey: s.cellKey,
      state,
      phase: w?.phase ?? null,
      lo: s.lo,
      hi: s.hi,
      // A cell searched again (an extension) keeps its old H* in the store until it ends again.
      minWidth: storeEnded ? s.minWidth : null,
      runsDone: s.runsDone,
      runsInFlight: s.runsInFlight,
      runsTraining: trainingByCell.get(s.cellKey) ?? 0,
      cachedRuns: s.cachedRuns,
      trainingSeconds: s.trainingSeconds,
      waiting: w?.waiting ?? null,
      runErrors: s.runErrors,
    };
  });
  // A cell the workflow has and the store not yet (registered a moment ago): as the workflow says.
  return [...cells, ...byKey.values()];
}

function totals(status: SweepStatus, cells: CellStatus[]): SweepStatus {
  const cellsByState: SweepStatus['cellsByState'] = {};
  for (const c of cells) cellsByState[c.state] = (cellsByState[c.state] ?? 0) + 1;
  const sum = (f: (c: CellStatus) => number) => cells.reduce((n, c) => n + f(c), 0);
  return {
    ...status,
    cells,
    cellsByState,
    runsDone: sum((c) => c.runsDone),
    runsInFlight: sum((c) => c.runsInFlight),
    runsTraining: sum((c) => c.runsTraining ?? 0),
    cachedRuns: sum((c) => c.cachedRuns),
    trainingSeconds: sum((c) => c.trainingSeconds),
    counts: 'store',
  };
}

/** A status built from the store alone: a sweep Temporal does not know (renamed, or run elsewhere). */
function storedOnly(stored: StoredSweepFigures): SweepStatus {
  const state = stored.status === 'pending' ? 'running' : (stored.status as SweepState);
  return {
    sweepId: stored.name,
    state,
    startedAt: (stored.startedAt ?? stored.createdAt).toISOString(),
    endedAt: stored.endedAt?.toISOString() ?? null,
    cells: [],
    cellsByState: {},
    runsDone: 0,
    runsInFlight: 0,
    cachedRuns: 0,
    trainingSeconds: 0,
    skipped: [],
    waiting: null,
  };
}

/**
 * The sweep's true status. `ended`: how its workflow closed (completed, cancelled, failed, …), or
 * null while it runs. With `store` (this folder's results store), the counts are the store's;
 * without, the workflow's own.
 */
export async function trueSweepStatus(
  client: Client,
  sweepId: string,
  store?: SqlSession,
): Promise<{ status: SweepStatus; ended: string | null }> {
  const handle = client.workflow.getHandle(sweepWorkflowId(sweepId));
  let description: WorkflowExecutionDescription | undefined;
  try {
    description = await handle.describe();
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  if (!description) {
    const stored = store ? await storedOrNone(store, sweepId) : null;
    if (!stored)
      throw new InputError(`no sweep named "${sweepId}" on this Temporal server (see \`sgc sweep list\`)`);
    const status = storedOnly(stored);
    const training = await trainingRuns(
      client,
      stored.runningRuns.map((r) => r.configHash),
    );
    return {
      status: totals(status, mergeCells(stored, [], training)),
      // No workflow to follow: as the store last recorded it (watch has nothing to wait for).
      ended: status.state,
    };
  }
  const execution = description.status.name;
  let status: SweepStatus | undefined;
  if (execution === 'RUNNING') status = await handle.query(statusQuery);
  else if (execution === 'COMPLETED') status = (await handle.result()) as SweepStatus;
  else status = await handle.query(statusQuery).catch(() => undefined); // needs a worker to replay it
  const ended = execution === 'RUNNING' ? null : execution.toLowerCase();
  const stored = store
    ? await storedOrNone(store, sweepId, status ? new Date(status.startedAt) : undefined)
    : null;
  if (!status) {
    if (!stored)
      throw new InputError(
        `sweep ${sweepId} ended ${ended}; its last status needs a running worker to replay it, or the results store`,
      );
    status = storedOnly(stored);
  }
  const closed = closedState(execution);
  status = {
    ...status,
    ...(closed ? { state: closed } : {}),
    // The end: the workflow's own (a sweep that ended itself or was cancelled), else its close time.
    endedAt: status.endedAt ?? description.closeTime?.toISOString() ?? null,
  };
  if (ended) status.waiting = null;
  if (!stored) return { status: { ...status, state: shownState(status), counts: 'workflow' }, ended };
  const training = await trainingRuns(
    client,
    stored.runningRuns.map((r) => r.configHash),
  );
  const merged = totals(status, mergeCells(stored, status.cells, training));
  return { status: { ...merged, state: shownState(merged) }, ended };
}

/**
 * The store's figures, or null when the store does not answer: a sweep waiting out a store outage
 * is still shown (`waiting`), with the workflow's own counts.
 */
async function storedOrNone(store: SqlSession, sweepId: string, since?: Date) {
  try {
    return await storedSweepFigures(store, sweepId, since);
  } catch {
    return null;
  }
}

/** `promise`, or a rejection after `seconds` (a query no worker answers would wait much longer). */
function withinSeconds<T>(seconds: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The sweeps of Temporal's list with their true states: a running one is asked (paused, stopping,
 * waiting), a completed one's result says done or stopped, the others say how they closed.
 */
export async function withTrueStates(
  client: Client,
  sweeps: readonly SweepListing[],
): Promise<SweepListing[]> {
  return Promise.all(
    sweeps.map(async (s) => {
      const handle = client.workflow.getHandle(sweepWorkflowId(s.sweepId));
      let state: SweepState | undefined = closedState(s.status.toUpperCase());
      try {
        if (s.status === 'running') state = shownState(await withinSeconds(5, handle.query(statusQuery)));
        else if (s.status === 'completed') state = ((await handle.result()) as SweepStatus).state;
      } catch {
        // No worker to answer (or the execution moved on meanwhile): Temporal's own word for it.
      }
      return { ...s, status: state ?? s.status };
    }),
  );
}

/**
 * Runs `work` with this folder's results store (or DATABASE_URL's) when there is one, else with
 * none: sweep commands then show the workflow's own counts. A store whose schema lags this checkout
 * lacks what is counted here: it is left out too, said once on stderr.
 */
export async function withFoundStore<T>(
  command: string,
  work: (store: SqlSession | undefined) => Promise<T>,
): Promise<T> {
  const { resolveTarget } = await import('../store/target.js');
  try {
    resolveTarget();
  } catch (error) {
    if (error instanceof InputError) return work(undefined);
    throw error;
  }
  const { openStore } = await import('../store/open-store.js');
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore({ command });
  } catch (error) {
    // The store is down (a sweep then waits for it, and says so): the workflow's counts still are.
    process.stderr.write(
      `counts from the workflow, not the store: ${(error as Error).message.split('\n')[0]}\n`,
    );
    return work(undefined);
  }
  try {
    if (store.schemaProblem) {
      process.stderr.write(`counts from the workflow, not the store: ${store.schemaProblem}\n`);
      return await work(undefined);
    }
    return await work(store.driver);
  } finally {
    await store.close();
  }
}

/** One sweep of `sgc sweep list` (also its --json form). Counts are null where there is no store. */
export interface SweepListLine {
  sweep: string;
  state: string;
  cells: number | null;
  cellsEnded: number | null;
  /** Cells that ended with a minimal width H*. */
  cellsWithMinWidth: number | null;
  runsDone: number | null;
  runsInFlight: number | null;
  started: string;
  /** Null while the sweep runs. */
  ended: string | null;
  tags: Record<string, string>;
  archived: boolean;
}

const ENDED_STATES = new Set([
  'done',
  'stopped',
  'cancelled',
  'failed',
  'completed',
  'terminated',
  'timed_out',
]);

/**
 * The listing's rows with the store's counts and times: the store records each start and end of a
 * sweep, so they hold for a sweep Temporal no longer knows (renamed, or on another server).
 */
export function sweepListLines(
  rows: readonly SweepListRow[],
  summaries: ReadonlyMap<string, StoredSweepSummary> | undefined,
): SweepListLine[] {
  return rows.map((r) => {
    const s = summaries?.get(r.sweep);
    const ended = ENDED_STATES.has(r.status);
    return {
      sweep: r.sweep,
      state: r.status,
      cells: s?.cells ?? null,
      cellsEnded: s?.cellsEnded ?? null,
      cellsWithMinWidth: s?.cellsWithMinWidth ?? null,
      runsDone: s?.runsDone ?? null,
      runsInFlight: s?.runsInFlight ?? null,
      started: (s?.startedAt ?? r.started).toISOString(),
      ended: ended ? ((s?.endedAt ?? r.ended)?.toISOString() ?? null) : null,
      tags: r.tags,
      archived: r.archived,
    };
  });
}

/** The table of `sgc sweep list`: cells as ended/total, runs as done (+ in flight). */
export function sweepListTable(lines: readonly SweepListLine[], all: boolean): string {
  const known = (n: number | null) => (n === null ? '' : String(n));
  return formatTable(
    ['sweep', 'state', 'cells', 'H*', 'runs', 'started', 'ended', 'tags', ...(all ? ['archived'] : [])],
    lines.map((l) => [
      l.sweep,
      l.state,
      l.cells === null ? '' : `${l.cellsEnded}/${l.cells}`,
      known(l.cellsWithMinWidth),
      l.runsDone === null ? '' : `${l.runsDone}${l.runsInFlight ? ` +${l.runsInFlight}` : ''}`,
      l.started,
      l.ended ?? '',
      formatTags(l.tags),
      ...(all ? [l.archived ? 'yes' : ''] : []),
    ]),
  );
}
