/**
 * RunWorkflow (id `run/<configHash>`): one (cell, H, seed). Looks the run up in the store (a final
 * result there is returned as it is: nothing is trained twice), trains it on the training queue of
 * its engine (`sgc-train` for onnx, `sgc-train-<engine>` for the others), and records the result.
 *
 * The lookup and the record are local activities: they run in the worker that runs this workflow
 * (an `sgc-io` worker, which owns the store) within the workflow's own tasks, so a run costs two
 * workflow tasks and one activity task on the server (it was four and three with ordinary
 * activities). They are the same idempotent io activities; a worker that dies during one makes
 * the workflow task time out, and the next worker repeats it. The lookup is skipped for a run the
 * cell's planProbes has already claimed (found idle, not cached, and marked started).
 *
 * It completes only with a final outcome (succeeded, failed, diverged, invalid): results the same
 * config would reproduce. A run that crashed after its retries, or was cancelled, ends the workflow
 * failed or cancelled, and the id's reuse policy (allow duplicates of failed runs only) lets a later
 * start re-run exactly those.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { IoActivities } from '../activities/io.js';
import type { TrainActivities } from '../activities/train.js';
import { INVALID_RUN_CONFIG, type RunInput, type RunReport, trainQueueOf } from '../src/sweep/messages.js';

const io = proxyLocalActivities<IoActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 20, maximumInterval: '10 seconds' },
});

export async function RunWorkflow(input: RunInput): Promise<RunReport> {
  const { ticket, options } = input;
  const train = proxyActivities<TrainActivities>({
    // The queue of the run's engine: only workers that serve that engine pick it up.
    taskQueue: trainQueueOf(ticket.config.engine.name),
    startToCloseTimeout: '30 days',
    heartbeatTimeout: `${options.heartbeatTimeoutSeconds} seconds`,
    retry: { maximumAttempts: 5, nonRetryableErrorTypes: [INVALID_RUN_CONFIG] },
    // Wait for the activity to stop training before the workflow counts as cancelled, so a
    // cancelled sweep leaves no training running behind it.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });

  // planProbes claimed the run when it was idle: nothing could have stored a result since without
  // owning this workflow id, so there is nothing to look up.
  const cached = ticket.claimed ? null : await io.claimRun(ticket);
  if (cached) return cached;
  try {
    const trained = await train.trainRun({ configHash: ticket.configHash, config: ticket.config });
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
    await io.recordRunEnd(ticket, 'error', message);
    throw ApplicationFailure.nonRetryable(`run ${ticket.configHash} failed: ${message}`, 'RunError');
  }
}
