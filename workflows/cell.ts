/**
 * CellWorkflow (id `cell/<sweepId>/<cellKey>`): one (group, encoding, k, model) searching its
 * minimal width. The search is the pure state machine of src/sweep/widthSearch.ts; this workflow
 * only carries it out: it asks the policy for probes, starts one RunWorkflow per probe (their
 * identities are computed by an activity, since hashing is I/O-free but not sandbox-free), feeds
 * every outcome back, writes the bracket to the store whenever it moves, and tells its sweep.
 *
 * pause: start no new runs until resume. stop: start no new runs, let the running ones finish, end
 * with the bracket reached. Cancelling the workflow cancels its runs.
 *
 * Only outcomes decided by training enter the search. Store calls (its own and its runs') wait for
 * an unreachable store (workflows/storeCalls.ts) and the cell shows `waiting` meanwhile. A run that
 * ends in error (it crashed after its retries) is recorded as such (recordError), never as a
 * failed width: the search stops and the cell ends `undecided`.
 */

import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { IoActivities } from '../activities/io.js';
import { cellSearchPlan } from '../src/sweep/guess.js';
import { isNewer, type MessageOrder, messageStamps } from '../src/sweep/messageOrder.js';
import {
  type CellInput,
  type CellOutcome,
  type CellState,
  type CellStatus,
  DEFAULT_RETRY,
  earliestWaiting,
  FINAL_OUTCOMES,
  IO_ERROR,
  IO_QUEUE,
  type RunReport,
  type RunTicket,
  type Waiting,
} from '../src/sweep/messages.js';
import {
  initialSearch,
  nextProbes,
  record,
  recordError,
  type WidthSearchState,
} from '../src/sweep/widthSearch.js';
import {
  cellDoneSignal,
  cellProgressSignal,
  pauseSignal,
  resumeSignal,
  runWaitingSignal,
  runWorkflowId,
  stopSignal,
} from './definitions.js';
import { RunWorkflow } from './run.js';
import { storeCalls } from './storeCalls.js';

/** Progress signals to the sweep at most this often (see `progress`). */
const PROGRESS_EVERY_MS = 1000;

export async function CellWorkflow(input: CellInput): Promise<CellOutcome> {
  const { cell, cellId, options } = input;
  const retry = options.retry ?? DEFAULT_RETRY;
  /**
   * The store's reads and writes: quick, so local activities (in this workflow's own tasks, on its
   * worker) within the retry budget; waiting as activities while the store is unreachable.
   */
  let ownWait: Waiting | null = null;
  const io = storeCalls({
    retry,
    first: 'local',
    onWaiting: (waiting) => {
      ownWait = waiting;
      showWaiting();
    },
  });
  /** Waiting on a run that another sweep's workflow is training: as long as that run takes. */
  const awaitOther = proxyActivities<IoActivities>({
    taskQueue: IO_QUEUE,
    startToCloseTimeout: '30 days',
    heartbeatTimeout: '1 minute',
    // No limit on attempts: its failures are an unreachable store or Temporal server, waited out.
    // An error that is neither (IO_ERROR) ends it, and the run counts as one in error.
    retry: { maximumInterval: `${retry.waitIntervalSeconds} seconds`, nonRetryableErrorTypes: [IO_ERROR] },
  });
  // The sweep's plan with this cell's guess resolved (`theory`: 2^(k−1)·|G|); without a guess, as is.
  let search: WidthSearchState = initialSearch(cellSearchPlan(input.plan, cell));
  let paused = input.paused;
  let stopping = false;
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(stopSignal, () => void (stopping = true));

  const status: CellStatus = {
    cellKey: cell.cellKey,
    state: 'running',
    phase: search.phase,
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
  const parent = workflowInfo().parent;
  const sweep = parent ? getExternalWorkflowHandle(parent.workflowId) : undefined;
  let toldAt = Number.NEGATIVE_INFINITY;
  let flushing = false;
  // Tells may be under way together (a flush, a change of state, a wait): stamped, so that the
  // sweep keeps the newest whatever order they arrive in.
  const stamp = messageStamps(workflowInfo().runStartTime.getTime());
  const tell = async () => {
    status.phase = search.phase;
    toldAt = Date.now();
    await signalSweep((h) => h.signal(cellProgressSignal, { ...status }, stamp()));
  };
  /**
   * Progress (runs done, in flight, the bracket) at most once per PROGRESS_EVERY_MS: a signal costs
   * the sweep a workflow task and this cell another, which on short runs would be most of a run's
   * cost. What is held back goes out when the interval is over (one timer), so the sweep's view is
   * never more than that behind. Changes of state (paused, running, the end) are told at once.
   */
  const progress = async () => {
    const since = Date.now() - toldAt;
    if (since >= PROGRESS_EVERY_MS) return tell();
    if (flushing) return;
    flushing = true;
    sleep(PROGRESS_EVERY_MS - since)
      .then(() => {
        flushing = false;
        return tell();
      })
      // Cancelled with the cell: its end is told by cellDone.
      .catch(() => undefined);
  };
  /** A sweep that has gone (terminated, or ended while this cell was cancelled) is not an error here. */
  const signalSweep = async (send: (h: NonNullable<typeof sweep>) => Promise<void>) => {
    if (!sweep) return;
    try {
      await send(sweep);
    } catch (error) {
      if (isCancellation(error)) throw error;
    }
  };

  /**
   * Runs started and not yet back (by config hash), and those back but not yet taken. Runs that
   * finish together are taken as one batch with one progress signal: a signal costs a round trip,
   * and on short runs one per run would make the cell lag behind its runs.
   */
  const running = new Set<string>();
  const settled: RunReport[] = [];
  let failure: unknown;
  /**
   * The earliest wait for the store, of this cell's own calls and its runs' (they signal theirs); a
   * change is told to the sweep at once. `tell` is not awaited: this runs in handlers.
   */
  const runWaits = new Map<string, Waiting>();
  /** The newest stamp taken from each run in flight (a run's begin and end of a wait may cross). */
  const runWaitOrders = new Map<string, MessageOrder | undefined>();
  setHandler(runWaitingSignal, ({ configHash, waiting, order }) => {
    if (!isNewer(runWaitOrders.get(configHash), order)) return;
    runWaitOrders.set(configHash, order);
    if (waiting && running.has(configHash)) runWaits.set(configHash, waiting);
    else runWaits.delete(configHash);
    showWaiting();
  });
  function showWaiting() {
    const waiting = earliestWaiting([ownWait, ...runWaits.values()]);
    if ((waiting?.since ?? null) === (status.waiting?.since ?? null)) return;
    status.waiting = waiting;
    tell().catch(() => undefined);
  }
  const launch = (ticket: RunTicket) => {
    running.add(ticket.configHash);
    runOne(ticket, options, awaitOther).then(
      (report) => {
        running.delete(ticket.configHash);
        runWaitOrders.delete(ticket.configHash);
        // A run that is back waits for nothing (its last signal may not have come yet).
        if (runWaits.delete(ticket.configHash)) showWaiting();
        settled.push(report);
      },
      (error) => {
        failure ??= error;
      },
    );
  };

  /** Feeds finished runs to the search; while it searches, the store follows the bracket as it moves. */
  const take = async (reports: RunReport[]) => {
    const before = { lo: status.lo, hi: status.hi };
    for (const report of reports) {
      status.runsDone += 1;
      if (report.cached) status.cachedRuns += 1;
      else status.trainingSeconds += report.seconds;
      // Only what training decided is an outcome; a run in error (or cancelled by another sweep
      // that owned it) is none, and stops the search undecided.
      if (FINAL_OUTCOMES.includes(report.outcome))
        search = record(search, {
          H: report.H,
          seed: report.seed,
          succeeded: report.outcome === 'succeeded',
        });
      else {
        status.runErrors = (status.runErrors ?? 0) + 1;
        search = recordError(search, {
          H: report.H,
          seed: report.seed,
          reason: report.reason ?? `run ended ${report.outcome}`,
        });
      }
      const bracket = search.result ?? { lo: search.lo, hi: search.hi, minWidth: null };
      status.lo = bracket.lo;
      status.hi = bracket.hi;
      status.minWidth = bracket.minWidth;
    }
    // The end is written once, below.
    if ((before.lo !== status.lo || before.hi !== status.hi) && !search.result)
      await io.recordCell(cell, cellId, { status: 'searching', lo: status.lo, hi: status.hi });
  };

  let state: CellState = 'done';
  try {
    await io.recordCell(cell, cellId, { status: 'searching', workflowId: workflowInfo().workflowId });
    await tell();
    for (;;) {
      if (!paused && !stopping && !search.result) {
        const next = nextProbes(search);
        search = next.state;
        if (next.probes.length > 0) {
          const planned = await io.planProbes(cell, cellId, next.probes, search.phase);
          await take(planned.cached);
          for (const ticket of planned.tickets) launch(ticket);
          status.runsInFlight = running.size;
          await progress();
          continue;
        }
      }
      if (running.size === 0 && settled.length === 0) {
        if (search.result) break;
        if (stopping) {
          state = 'stopped';
          break;
        }
        if (paused) {
          status.state = 'paused';
          await tell();
          await condition(() => !paused || stopping);
          status.state = 'running';
          await tell();
          continue;
        }
        // Not paused, nothing running, no result, and no probe to start: the policy is stuck.
        throw ApplicationFailure.nonRetryable(`cell ${cell.cellKey}: the width search asked for no run`);
      }
      await condition(() => settled.length > 0 || failure !== undefined);
      if (failure !== undefined) throw failure;
      await take(settled.splice(0));
      status.runsInFlight = running.size;
      await progress();
    }
    if (search.result?.undecided) state = 'undecided';
  } catch (error) {
    state = isCancellation(error) ? 'cancelled' : 'failed';
    await CancellationScope.nonCancellable(async () => {
      await io.recordCell(cell, cellId, { status: state === 'cancelled' ? 'stopped' : 'failed' });
      status.state = state;
      status.runsInFlight = 0;
      await signalSweep((h) =>
        h.signal(cellDoneSignal, { cellKey: cell.cellKey, state, result: null, status }),
      );
    });
    throw error;
  }
  status.state = state;
  status.runsInFlight = 0;
  await io.recordCell(cell, cellId, {
    status: state === 'stopped' ? 'stopped' : state === 'undecided' ? 'undecided' : 'done',
    lo: status.lo,
    hi: status.hi,
    minWidth: status.minWidth,
    nonMonotone: (search.result?.nonMonotone.length ?? 0) > 0,
  });
  status.phase = search.phase;
  const outcome: CellOutcome = { cellKey: cell.cellKey, state, result: search.result, status };
  await signalSweep((h) => h.signal(cellDoneSignal, outcome));
  return outcome;
}

/**
 * One run as a child workflow. A run that another workflow already owns (another sweep training the
 * same config, or a finished RunWorkflow the reuse policy will not start again) is awaited instead;
 * when that one ended without an outcome (it crashed, or was cancelled), the run is started here
 * again, up to the retry budget's attempts. A run that failed for good (its RunWorkflow failed:
 * training kept throwing) comes back with outcome `error`, which the search does not count as an
 * outcome; the store has it as `error`.
 */
async function runOne(
  ticket: RunTicket,
  options: CellInput['options'],
  awaitOther: Pick<IoActivities, 'awaitRun'>,
): Promise<RunReport> {
  const inError = (reason: string): RunReport => ({
    configHash: ticket.configHash,
    H: ticket.H,
    seed: ticket.seed,
    outcome: 'error',
    steps: 0,
    finalLoss: null,
    finalAccuracy: null,
    seconds: 0,
    cached: false,
    reason,
  });
  const attempts = (options.retry ?? DEFAULT_RETRY).attempts;
  for (let awaited = 1; ; awaited++) {
    try {
      const child = await startChild(RunWorkflow, {
        workflowId: runWorkflowId(ticket.configHash),
        args: [{ ticket, options }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        // A run shared with another sweep must not die with this cell: cancellation is explicit.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      });
      return await child.result();
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        let report: RunReport;
        try {
          report = await awaitOther.awaitRun(ticket);
        } catch (awaitError) {
          if (isCancellation(awaitError) || !(awaitError instanceof ActivityFailure)) throw awaitError;
          return inError((awaitError.cause ?? awaitError).message);
        }
        if (FINAL_OUTCOMES.includes(report.outcome) || awaited >= attempts) return report;
        continue;
      }
      if (error instanceof ChildWorkflowFailure && !isCancellation(error))
        return inError((error.cause ?? error).message);
      throw error;
    }
  }
}
