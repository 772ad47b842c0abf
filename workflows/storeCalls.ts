/**
 * How workflows call the store (the io activities): an unreachable store is waited out, never turned
 * into a failure.
 *
 * A call first runs within the retry budget (options.retry: `attempts`, backoff up to
 * `maxIntervalSeconds`), as a local activity for cells and runs (quick: within the workflow's own
 * task) or as an activity for the sweep. When its last attempt found the store unreachable
 * (STORE_UNAVAILABLE, or it hung past its timeout), it becomes an ordinary activity with no limit on
 * attempts (backoff up to `waitIntervalSeconds`, retried by the server: the history does not grow
 * while it waits), and the workflow is told it is waiting (`onWaiting`) until that returns. Local
 * activities cannot wait like that: they run inside a workflow task, and their retries are bounded
 * by the workflow's own timers and task timeouts.
 *
 * A waiting call that gets an answer with an error (IO_ERROR: the store is back, and refuses the
 * call) goes back to the budget, which decides whether it keeps failing; errors after the budget
 * fail the call, as before. So only errors that are not the store's absence reach the caller.
 */

import type { Duration } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { IoActivities } from '../activities/io.js';
import {
  DEFAULT_RETRY,
  earliestWaiting,
  IO_ERROR,
  IO_QUEUE,
  type RetryBudget,
  STORE_UNAVAILABLE,
  type Waiting,
} from '../src/sweep/messages.js';

/**
 * What an activity failed with: an activity's failure comes wrapped in an ActivityFailure, a local
 * activity's as it is (an ApplicationFailure, or a TimeoutFailure).
 */
function failureOf(error: unknown): unknown {
  return error instanceof ActivityFailure ? error.cause : error;
}

/** The store could not be reached on the call's last attempt (or the call hung past its timeout). */
export function storeUnreachable(error: unknown): boolean {
  const cause = failureOf(error);
  return (
    cause instanceof TimeoutFailure ||
    (cause instanceof ApplicationFailure && cause.type === STORE_UNAVAILABLE)
  );
}

function ioError(error: unknown): boolean {
  const cause = failureOf(error);
  return cause instanceof ApplicationFailure && cause.type === IO_ERROR;
}

export interface StoreCallOptions {
  retry?: RetryBudget | undefined;
  /** Where the budgeted attempts run: in the workflow's task (`local`) or as an activity. */
  first: 'local' | 'activity';
  startToCloseTimeout?: Duration;
  /** Told whenever the earliest call waiting for the store changes (null: none waits). */
  onWaiting(waiting: Waiting | null): void;
}

/** The io activities, called as above. */
export function storeCalls(options: StoreCallOptions): IoActivities {
  const retry = options.retry ?? DEFAULT_RETRY;
  const startToCloseTimeout = options.startToCloseTimeout ?? '2 minutes';
  const budget = {
    maximumAttempts: retry.attempts,
    maximumInterval: `${retry.maxIntervalSeconds} seconds`,
  } as const;
  const first =
    options.first === 'local'
      ? proxyLocalActivities<IoActivities>({ startToCloseTimeout, retry: budget })
      : proxyActivities<IoActivities>({ taskQueue: IO_QUEUE, startToCloseTimeout, retry: budget });
  const waiting = proxyActivities<IoActivities>({
    taskQueue: IO_QUEUE,
    startToCloseTimeout,
    // No maximumAttempts: as long as the store is away. An answer with an error stops it.
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: `${retry.waitIntervalSeconds} seconds`,
      nonRetryableErrorTypes: [IO_ERROR],
    },
  });

  /** When each waiting call began (its first attempt): the workflow shows the earliest. */
  const waits = new Map<number, string>();
  let nextWait = 0;
  let told: string | null = null;
  const tell = () => {
    const now = earliestWaiting([...waits.values()].map((since) => ({ reason: 'store unreachable', since })));
    const key = now?.since ?? null;
    if (key === told) return;
    told = key;
    options.onWaiting(now);
  };

  const call = async (name: keyof IoActivities, args: unknown[]): Promise<unknown> => {
    type Fn = (...a: unknown[]) => Promise<unknown>;
    for (;;) {
      const startedAt = new Date().toISOString();
      try {
        return await (first[name] as Fn)(...args);
      } catch (error) {
        if (!storeUnreachable(error)) throw error;
      }
      const id = nextWait++;
      waits.set(id, startedAt);
      tell();
      try {
        return await (waiting[name] as Fn)(...args);
      } catch (error) {
        if (!ioError(error)) throw error;
      } finally {
        waits.delete(id);
        tell();
      }
    }
  };

  return new Proxy({} as IoActivities, {
    get:
      (_target, name) =>
      (...args: unknown[]) =>
        call(name as keyof IoActivities, args),
  });
}
