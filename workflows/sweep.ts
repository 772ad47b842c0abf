/**
 * SweepWorkflow (id `sweep/<sweepId>`): a spec's cells, searched a sliding window at a time.
 *
 * The cells are registered by an activity (expanding needs the groups, which are not workflow
 * code), then started as CellWorkflows, at most `window` at once. Cells report progress and their
 * end by signal rather than through their result, so that the sweep can continue-as-new while cells
 * are running (they are started with parentClosePolicy ABANDON and carry on into the next run of
 * this workflow, which the signals reach by workflow id).
 *
 * Messages: `status` query; `pause` (cells start no new runs), `resume`, `stop` (running runs
 * finish, nothing new starts) signals; `extend` update (more groups, encodings, k or models).
 * Cancelling the sweep cancels its cells, and with them their running trainings.
 *
 * Its store calls wait for an unreachable store (workflows/storeCalls.ts); the status query shows
 * the earliest wait of the sweep and its running cells as `waiting`.
 */

import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  patched,
  setHandler,
  sleep,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { isNewer } from '../src/sweep/messageOrder.js';
import {
  type CellEntry,
  type CellState,
  type CellStatus,
  earliestWaiting,
  type RawSweepSpec,
  type SweepCarry,
  type SweepInput,
  type SweepState,
  type SweepStatus,
  type Waiting,
} from '../src/sweep/messages.js';
import { CellWorkflow } from './cell.js';
import {
  cellDoneSignal,
  cellProgressSignal,
  cellWorkflowId,
  EXTENSION_FIELDS,
  EXTENSION_LISTS,
  extendUpdate,
  pauseSignal,
  resumeSignal,
  type SweepExtension,
  statusQuery,
  stopSignal,
} from './definitions.js';
import { storeCalls } from './storeCalls.js';

const ENDED: readonly CellState[] = ['done', 'undecided', 'failed', 'stopped', 'cancelled'];
/** The patch (Temporal's `patched`) under which pause, resume and stop take turns. */
const ORDERS_IN_TURN = 'orders-in-turn';

export async function SweepWorkflow(input: SweepInput): Promise<SweepStatus> {
  const { sweepId, options } = input;
  /** The sweep's own wait for the store, if any (its cells tell theirs in their status). */
  let ownWait: Waiting | null = null;
  const io = storeCalls({
    retry: options.retry,
    // Activities, not local ones: registering a large spec's cells may take a while.
    first: 'activity',
    startToCloseTimeout: '5 minutes',
    onWaiting: (waiting) => {
      ownWait = waiting;
    },
  });
  let spec = input.spec;
  const carry: SweepCarry = input.carried ?? {
    startedAt: new Date().toISOString(),
    cells: [],
    skipped: [],
    paused: false,
    stopping: false,
    plan: null,
  };
  const cells = new Map<string, CellEntry>(carry.cells.map((c) => [c.cell.cellKey, c]));
  let cancelled = false;
  /** When this start ended (its status then stops the clock: elapsed and throughput end there). */
  let endedAt: string | null = null;
  /** Bumped by every message; the main loop sleeps until it moves. */
  let changes = 0;
  const tooLong = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > options.historyLimit;
  };

  const isRunning = (c: CellEntry) => !ENDED.includes(c.status.state) && c.status.state !== 'pending';
  const status = (): SweepStatus => {
    const list = [...cells.values()].map((c) => c.status);
    const cellsByState: SweepStatus['cellsByState'] = {};
    for (const c of list) cellsByState[c.state] = (cellsByState[c.state] ?? 0) + 1;
    const allEnded = list.every((c) => ENDED.includes(c.state));
    let state: SweepState = 'running';
    if (cancelled) state = 'cancelled';
    else if (allEnded && list.length > 0) state = carry.stopping ? 'stopped' : 'done';
    else if (carry.stopping) state = 'stopping';
    else if (carry.paused) state = 'paused';
    return {
      sweepId,
      state,
      startedAt: carry.startedAt,
      cells: list,
      cellsByState,
      runsDone: sum(list, (c) => c.runsDone),
      runsInFlight: sum(list, (c) => c.runsInFlight),
      cachedRuns: sum(list, (c) => c.cachedRuns),
      trainingSeconds: sum(list, (c) => c.trainingSeconds),
      skipped: carry.skipped,
      endedAt,
      waiting: earliestWaiting([
        ownWait,
        ...list.filter((c) => !ENDED.includes(c.state)).map((c) => c.waiting),
      ]),
    };
  };

  const tellCells = async (send: (handle: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>) => {
    for (const c of cells.values())
      if (isRunning(c)) await send(getExternalWorkflowHandle(cellWorkflowId(sweepId, c.cell.cellKey)));
  };
  setHandler(statusQuery, status);
  /**
   * Pause, resume and stop are carried out one at a time, in the order they came. Two at once (a
   * pause and a quick resume) would send their signals to a cell interleaved, and signals sent
   * together may arrive in either order: a cell could take the pause last and wait for ever; the
   * two store writes, too, could land in either order. An order that finds none under way starts
   * at once, in its signal's workflow task. Sweeps started before this rule (no ORDERS_IN_TURN
   * marker in their history) keep carrying out orders at once, as their histories say they did.
   */
  let ordering = false;
  const turns: (() => void)[] = [];
  const inOrder = async (carryOut: () => Promise<void>): Promise<void> => {
    if (!patched(ORDERS_IN_TURN)) return carryOut();
    if (ordering) await new Promise<void>((turn) => turns.push(turn));
    ordering = true;
    try {
      await carryOut();
    } finally {
      const next = turns.shift();
      if (next) next();
      else ordering = false;
    }
  };
  /** No order under way (none ever is for a sweep of before ORDERS_IN_TURN). */
  const ordersDone = () => !ordering;
  setHandler(pauseSignal, async () => {
    changes += 1;
    carry.paused = true;
    await inOrder(async () => {
      await io.recordSweep(sweepId, { status: 'paused' });
      await tellCells((h) => h.signal(pauseSignal));
    });
  });
  setHandler(resumeSignal, async () => {
    changes += 1;
    carry.paused = false;
    await inOrder(async () => {
      await io.recordSweep(sweepId, { status: 'running' });
      await tellCells((h) => h.signal(resumeSignal));
    });
  });
  setHandler(stopSignal, async () => {
    changes += 1;
    carry.stopping = true;
    for (const c of cells.values()) if (c.status.state === 'pending') c.status.state = 'stopped';
    await inOrder(() => tellCells((h) => h.signal(stopSignal)));
  });
  setHandler(cellProgressSignal, (progress, order) => {
    changes += 1;
    const entry = cells.get(progress.cellKey);
    // Only cellDone ends a cell: progress may overtake it, never the other way round. Nor may a
    // report overtake a newer one (a `running` arriving after the `paused` sent after it).
    if (!entry || ENDED.includes(entry.status.state) || ENDED.includes(progress.state)) return;
    if (!isNewer(entry.progressOrder, order)) return;
    entry.progressOrder = order;
    entry.status = progress;
  });
  setHandler(cellDoneSignal, (outcome) => {
    changes += 1;
    const entry = cells.get(outcome.cellKey);
    if (!entry) return;
    if (entry.restart === 'stopping') {
      // Stopped for a new width plan: searched again from the start.
      entry.restart = 'queued';
      entry.status = pendingStatus(entry.cell.cellKey);
    } else entry.status = { ...outcome.status, state: outcome.state, runsInFlight: 0 };
  });
  setHandler(
    extendUpdate,
    async (extension: SweepExtension) => {
      const merged = mergeExtension(spec, extension);
      const plan = carry.plan;
      const registered = await registerCells(merged);
      spec = merged;
      changes += 1;
      // A new width plan (more seeds): the cells searched so far are searched again with it.
      const researched: string[] = [];
      if (JSON.stringify(plan) !== JSON.stringify(registered.plan)) {
        for (const entry of cells.values()) {
          if (entry.status.state === 'pending') continue;
          researched.push(entry.cell.cellKey);
          if (ENDED.includes(entry.status.state)) {
            entry.restart = 'queued';
            entry.status = pendingStatus(entry.cell.cellKey);
          } else if (entry.restart !== 'stopping') {
            entry.restart = 'stopping';
            // A cell that has just ended cannot take the signal; its cellDone, on the way, restarts it.
            await getExternalWorkflowHandle(cellWorkflowId(sweepId, entry.cell.cellKey))
              .signal(stopSignal)
              .catch((error) => {
                if (isCancellation(error)) throw error;
              });
          }
        }
      }
      const added: string[] = [];
      for (const { cell, cellId } of registered.cells)
        if (!cells.has(cell.cellKey)) {
          cells.set(cell.cellKey, { cell, cellId, status: pendingStatus(cell.cellKey) });
          added.push(cell.cellKey);
        }
      carry.skipped = registered.skipped;
      return { added, researched };
    },
    {
      validator: (extension: SweepExtension) => {
        if (carry.stopping || cancelled)
          throw new Error(`sweep ${sweepId} is stopping: it takes no new cells`);
        const given = EXTENSION_FIELDS.filter((f) => extension[f] !== undefined);
        if (given.length === 0)
          throw new Error(`an extension adds at least one of ${EXTENSION_FIELDS.join(', ')}`);
        for (const f of EXTENSION_LISTS)
          if (extension[f] !== undefined && !Array.isArray(extension[f]))
            throw new Error(`extension.${f} must be a list`);
        if (extension.width !== undefined) validateWidth(extension.width, carry.plan);
      },
    },
  );

  try {
    if (!input.carried) {
      await io.recordSweep(sweepId, {
        status: 'running',
        workflowId: workflowInfo().workflowId,
        startedAt: carry.startedAt,
        endedAt: null,
      });
      const registered = await registerCells(spec);
      carry.skipped = registered.skipped;
      for (const { cell, cellId } of registered.cells)
        cells.set(cell.cellKey, { cell, cellId, status: pendingStatus(cell.cellKey) });
    }
    for (;;) {
      const entries = [...cells.values()];
      const running = entries.filter(isRunning).length;
      const next = entries.find((c) => c.status.state === 'pending');
      if (next && !carry.stopping && running < options.window) {
        if (!(await startCell(next))) await sleep('1 second');
        continue;
      }
      if (entries.every((c) => ENDED.includes(c.status.state))) break;
      if (tooLong()) {
        // An order under way finishes first: a new run would not tell the cells it had not told.
        if (!ordersDone()) await condition(ordersDone);
        await continueAsNew<typeof SweepWorkflow>({ ...input, spec, carried: snapshot() });
      }
      // Wake on any signal: a cell ended, progressed, or the sweep was extended or resumed.
      const version = changes;
      await condition(() => changes !== version || tooLong());
    }
    // An order's store write (a resume's `running`, say, with a stop) must not land after the end's.
    if (!ordersDone()) await condition(ordersDone);
    endedAt = new Date().toISOString();
    const final = status();
    await io.recordSweep(sweepId, { status: final.state === 'stopped' ? 'stopped' : 'done', endedAt });
    return final;
  } catch (error) {
    if (isCancellation(error)) {
      cancelled = true;
      endedAt = new Date().toISOString();
      await CancellationScope.nonCancellable(async () => {
        await tellCells((h) => h.cancel());
        await io.recordSweep(sweepId, { status: 'cancelled', endedAt });
      });
    } else if (!(error instanceof ContinueAsNew)) {
      // The workflow fails (a refused spec, a bug): the store says so, rather than `running` for ever.
      endedAt = new Date().toISOString();
      await io.recordSweep(sweepId, { status: 'failed', endedAt }).catch(() => undefined);
    }
    throw error;
  }

  /** Registers the spec's cells in the store; a spec the activity refuses fails the caller only. */
  async function registerCells(raw: RawSweepSpec) {
    try {
      const registered = await io.registerCells(sweepId, raw);
      carry.plan = registered.plan;
      return registered;
    } catch (error) {
      if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)
        throw ApplicationFailure.nonRetryable(error.cause.message, error.cause.type);
      throw error;
    }
  }

  function snapshot(): SweepCarry {
    return { ...carry, cells: [...cells.values()] };
  }

  /** Starts the cell's workflow; false when its previous execution has not closed yet (try again). */
  async function startCell(entry: CellEntry): Promise<boolean> {
    entry.status = { ...entry.status, state: carry.paused ? 'paused' : 'running' };
    try {
      await startChild(CellWorkflow, {
        workflowId: cellWorkflowId(sweepId, entry.cell.cellKey),
        args: [
          {
            sweepId,
            cell: entry.cell,
            cellId: entry.cellId,
            plan: planOf(carry),
            options,
            paused: carry.paused,
          },
        ],
        // Cells outlive this run of the sweep (continue-as-new); cancellation reaches them explicitly.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      // A cell searched again whose previous execution is still closing (it told its end just
      // before): start it again in a moment.
      if (entry.restart === 'queued') {
        entry.status = { ...entry.status, state: 'pending' };
        return false;
      }
      // Still running from before a continue-as-new whose snapshot missed its start: keep waiting for it.
    }
    delete entry.restart;
    return true;
  }
}

function planOf(carry: SweepCarry) {
  if (!carry.plan) throw ApplicationFailure.nonRetryable('a cell was started before the spec was registered');
  return carry.plan;
}

function pendingStatus(cellKey: string): CellStatus {
  return {
    cellKey,
    state: 'pending',
    phase: null,
    lo: null,
    hi: null,
    minWidth: null,
    runsDone: 0,
    runsInFlight: 0,
    cachedRuns: 0,
    trainingSeconds: 0,
    waiting: null,
    runErrors: 0,
  };
}

function sum<T>(items: T[], f: (item: T) => number): number {
  return items.reduce((total, item) => total + f(item), 0);
}

/**
 * The spec as written with the extension's lists appended (entries already there are not repeated).
 * It stays raw: the activity that registers it validates the whole, so an extension gets the same
 * checks and messages as a spec.
 */
function mergeExtension(spec: RawSweepSpec, extension: SweepExtension): RawSweepSpec {
  const merged: RawSweepSpec = { ...spec };
  if (extension.width)
    merged['width'] = { ...(spec['width'] as Record<string, unknown>), ...extension.width };
  for (const field of EXTENSION_LISTS) {
    const extra = extension[field];
    if (extra === undefined) continue;
    const base = Array.isArray(spec[field]) ? [...(spec[field] as unknown[])] : [];
    for (const item of extra)
      if (!base.some((x) => JSON.stringify(x) === JSON.stringify(item))) base.push(item);
    merged[field] = base;
  }
  return merged;
}

/**
 * An extension's width: seeds and succeed only, whole numbers, and seeds not below the plan's (more
 * seeds add runs to a search; fewer would drop runs it has decided on). The merged spec is then
 * validated as a whole (succeed ≤ seeds among the rest).
 */
function validateWidth(width: unknown, plan: SweepCarry['plan']): void {
  if (width === null || typeof width !== 'object' || Array.isArray(width))
    throw new Error('extension.width must be a mapping of seeds and succeed');
  for (const [key, value] of Object.entries(width)) {
    if (key !== 'seeds' && key !== 'succeed')
      throw new Error(`extension.width.${key}: an extension changes only width.seeds and width.succeed`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      throw new Error(`extension.width.${key}: expected a whole number ≥ 1, got ${JSON.stringify(value)}`);
  }
  const seeds = (width as { seeds?: number }).seeds;
  if (plan && seeds !== undefined && seeds < plan.seeds)
    throw new Error(
      `extension.width.seeds ${seeds}: an extension may only raise the seeds (now ${plan.seeds})`,
    );
}
