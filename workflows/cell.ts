/**
 * CellWorkflow (id `cell/<sweepId>/<cellKey>`): one (group, encoding, k, model) searching its
 * minimal width. The search is the pure state machine of src/sweep/widthSearch.ts; this workflow
 * only carries it out: it asks the policy for probes, starts one RunWorkflow per probe (their
 * identities are computed by an activity, since hashing is I/O-free but not sandbox-free), feeds
 * every outcome back, writes the bracket to the store whenever it moves, and tells its sweep.
 *
 * pause: start no new runs until resume. stop: start no new runs, let the running ones finish, end
 * with the bracket reached. Cancelling the workflow cancels its runs.
 */

import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { IoActivities } from '../activities/io.js';
import type {
  CellInput,
  CellOutcome,
  CellState,
  CellStatus,
  RunReport,
  RunTicket,
} from '../src/sweep/messages.js';
import { IO_QUEUE } from '../src/sweep/messages.js';
import { initialSearch, nextProbes, record, type WidthSearchState } from '../src/sweep/widthSearch.js';
import {
  cellDoneSignal,
  cellProgressSignal,
  pauseSignal,
  resumeSignal,
  runWorkflowId,
  stopSignal,
} from './definitions.js';
import { RunWorkflow } from './run.js';

/** The store's reads and writes: quick, so local activities (in this workflow's own tasks, on its worker). */
/** Progress signals to the sweep at most this often (see `progress`). */
const PROGRESS_EVERY_MS = 1000;

const io = proxyLocalActivities<IoActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 20, maximumInterval: '10 seconds' },
});

/** Waiting on a run that another sweep's workflow is training: as long as that run takes. */
const awaitOther = proxyActivities<IoActivities>({
  taskQueue: IO_QUEUE,
  startToCloseTimeout: '30 days',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 20, maximumInterval: '30 seconds' },
});

export async function CellWorkflow(input: CellInput): Promise<CellOutcome> {
  const { cell, cellId, options } = input;
  let search: WidthSearchState = initialSearch(input.plan);
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
  };
  const parent = workflowInfo().parent;
  const sweep = parent ? getExternalWorkflowHandle(parent.workflowId) : undefined;
  let toldAt = Number.NEGATIVE_INFINITY;
  let flushing = false;
  const tell = async () => {
    status.phase = search.phase;
    toldAt = Date.now();
    await signalSweep((h) => h.signal(cellProgressSignal, { ...status }));
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
   * Runs started and not yet back (by `H/seed`), and those back but not yet taken. Runs that finish
   * together are taken as one batch with one progress signal: a signal costs a round trip, and on
   * short runs one per run would make the cell lag behind its runs.
   */
  const running = new Set<string>();
  const settled: RunReport[] = [];
  let failure: unknown;
  const key = (p: { H: number; seed: number }) => `${p.H}/${p.seed}`;
  const launch = (ticket: RunTicket) => {
    running.add(key(ticket));
    runOne(ticket, options).then(
      (report) => {
        running.delete(key(report));
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
      search = record(search, { H: report.H, seed: report.seed, succeeded: report.outcome === 'succeeded' });
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
    status: state === 'stopped' ? 'stopped' : 'done',
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
 * same config, or a finished RunWorkflow the reuse policy will not start again) is awaited instead.
 * A run that failed for good counts as a failure of its width, and is stored as `error`.
 */
async function runOne(ticket: RunTicket, options: CellInput['options']): Promise<RunReport> {
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
    if (error instanceof WorkflowExecutionAlreadyStartedError) return awaitOther.awaitRun(ticket);
    if (error instanceof ChildWorkflowFailure && !isCancellation(error))
      return {
        configHash: ticket.configHash,
        H: ticket.H,
        seed: ticket.seed,
        outcome: 'error',
        steps: 0,
        finalLoss: null,
        finalAccuracy: null,
        seconds: 0,
        cached: false,
      };
    throw error;
  }
}
