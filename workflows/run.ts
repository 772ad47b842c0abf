/**
 * RunWorkflow (id `run/<configHash>`): one (cell, H, seed). Looks the run up in the store (a final
 * result there is returned as it is: nothing is trained twice), trains it on the training queue of
 * its engine and backend (src/sweep/messages.ts names the queues), and records the result.
 *
 * The lookup and the record are store calls (workflows/storeCalls.ts): local activities within the
 * retry budget, in the worker that runs this workflow (an `sgc-io` worker, which owns the store), so
 * a run costs two workflow tasks and one activity task on the server. When the store cannot be
 * reached they wait for it, as long as it takes, and tell the cell that started the run (which shows
 * it): a trained result is never thrown away for want of a store. The lookup is skipped for a run
 * the cell's planProbes has already claimed (found idle, not cached, and marked started).
 *
 * Outcomes come only from training: it completes with succeeded, failed, diverged or invalid, the
 * results the same config would reproduce. Training attempts that time out (a worker died, or
 * stopped heartbeating) or fail for their worker's device (DEVICE_ERROR) are retried without limit; a training that keeps throwing ends the run
 * `error` after the retry budget's attempts, and the workflow fails, so that the cell records no
 * outcome for it and the id's reuse policy (allow duplicates of failed runs only) lets a later start
 * re-run exactly those. A cancelled run ends cancelled.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  sleep,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { TrainActivities } from '../activities/train.js';
import { messageStamps } from '../src/sweep/messageOrder.js';
import {
  DEFAULT_RETRY,
  DEVICE_ERROR,
  INVALID_RUN_CONFIG,
  type RunInput,
  type RunReport,
  type TrainedRun,
  trainQueueOf,
} from '../src/sweep/messages.js';
import { runWaitingSignal } from './definitions.js';
import { storeCalls } from './storeCalls.js';

export async function RunWorkflow(input: RunInput): Promise<RunReport> {
  const { ticket, options } = input;
  const retry = options.retry ?? DEFAULT_RETRY;
  const parent = workflowInfo().parent;
  const stamp = messageStamps(workflowInfo().runStartTime.getTime());
  const io = storeCalls({
    retry,
    first: 'local',
    // The cell shows the wait; a cell that has gone (its sweep was cancelled) cannot, and need not.
    onWaiting: (waiting) => {
      if (!parent) return;
      getExternalWorkflowHandle(parent.workflowId)
        .signal(runWaitingSignal, { configHash: ticket.configHash, waiting, order: stamp() })
        .catch(() => undefined);
    },
  });
  const train = proxyActivities<TrainActivities>({
    // The queue of the run's engine and backend: only workers that train those pick it up.
    taskQueue: trainQueueOf(ticket.config.engine.name, ticket.config.engine.backend),
    startToCloseTimeout: '30 days',
    heartbeatTimeout: `${options.heartbeatTimeoutSeconds} seconds`,
    retry: {
      maximumAttempts: retry.attempts,
      maximumInterval: `${retry.maxIntervalSeconds} seconds`,
      nonRetryableErrorTypes: [INVALID_RUN_CONFIG, DEVICE_ERROR],
    },
    // Wait for the activity to stop training before the workflow counts as cancelled, so a
    // cancelled sweep leaves no training running behind it.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });

  // planProbes claimed the run when it was idle: nothing could have stored a result since without
  // owning this workflow id, so there is nothing to look up.
  const cached = ticket.claimed ? null : await io.claimRun(ticket);
  if (cached) return cached;
  try {
    let trained: TrainedRun;
    for (;;) {
      try {
        trained = await train.trainRun({
          configHash: ticket.configHash,
          config: ticket.config,
          ...(ticket.together ? { together: ticket.together } : {}),
        });
        break;
      } catch (error) {
        // The last attempt timed out (its worker died or lost the server) or failed for its
        // worker's device (which then stops taking this backend's runs): no outcome and no error of
        // the run. Train it again, with the budget starting over: a run ends `error` only when its
        // last attempt threw for the run's own sake.
        if (!(error instanceof ActivityFailure)) throw error;
        const { cause } = error;
        if (cause instanceof TimeoutFailure) continue;
        if (!(cause instanceof ApplicationFailure && cause.type === DEVICE_ERROR)) throw error;
        // A pause before asking again, so that a worker that somehow keeps failing cannot spin.
        await sleep('1 second');
      }
    }
    return await io.recordRun(ticket, trained);
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(() => io.recordRunEnd(ticket, 'cancelled', 'cancelled'));
      throw error;
    }
    const cause = error instanceof ActivityFailure ? error.cause : undefined;
    const message = (cause ?? (error as Error)).message;
    if (cause instanceof ApplicationFailure && cause.type === INVALID_RUN_CONFIG)
      return io.recordRunEnd(ticket, 'invalid', message);
    // Training kept throwing (or a store call kept failing with an error other than the store's
    // absence): the run ends `error`, which the cell does not count as an outcome.
    await io.recordRunEnd(ticket, 'error', message);
    throw ApplicationFailure.nonRetryable(`run ${ticket.configHash} failed: ${message}`, 'RunError');
  }
}
