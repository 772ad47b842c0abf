/**
 * A worker process's Temporal workers: one per training queue it serves (`sgc-train` for onnx,
 * `sgc-train-<engine>` for the other engines; each training as many runs at once as
 * `concurrency`) and one polling `sgc-io` (the store activities and the workflows, which are
 * light). Any number of such processes on any number of machines share the work through the same
 * Temporal server and database.
 */
import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
  type WorkflowBundle,
} from '@temporalio/worker';
import { createIoActivities } from '../../activities/io.js';
import { createTrainActivities, DEFAULT_CHECKPOINT_DIR } from '../../activities/train.js';
import { moduleExtension } from '../codeLocation.js';
import { ENGINE_NAMES, type EngineName } from '../learn/engine/index.js';
import type { ResultsRepository } from '../store/index.js';
import { IO_QUEUE, QUEUES, type QueueName, STORE_UNAVAILABLE, TRAIN_QUEUES } from '../sweep/messages.js';
import type { Telemetry } from '../telemetry/metrics.js';
import type { TemporalTarget } from './connection.js';

export interface WorkerSettings {
  temporal: TemporalTarget;
  repository: ResultsRepository;
  telemetry: Telemetry;
  /** Default: every queue (all engines' training and `sgc-io`). */
  queues?: readonly QueueName[];
  /** Trainings at once on each training queue this worker polls. */
  concurrency?: number;
  /** Backend for the runs of one engine whose config names none (e.g. onnx on cuda). */
  backend?: { engine: EngineName; name: string };
  checkpointDir?: string;
  /** Names this worker in the store and in Temporal. */
  identity?: string;
}

export { QUEUES, type QueueName };

export const workflowsPath = fileURLToPath(
  new URL(`../../workflows/index${moduleExtension}`, import.meta.url),
);

let bundle: Promise<WorkflowBundle> | undefined;
/** The workflow code, bundled once per process (bundling takes seconds). */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  return bundle;
}

const quietLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn(message: string) {
    console.error(`temporal: ${message}`);
  },
  error(message: string) {
    console.error(`temporal: ${message}`);
  },
};

export interface SgcWorkers {
  /** Runs until shutdown(); rejects when a worker fails. */
  run(): Promise<void>;
  shutdown(): void;
  readonly queues: readonly QueueName[];
}

let runtimeInstalled = false;
/**
 * The SDK's runtime, once per process: warnings and errors only in the log (it logs every worker
 * state change at INFO), and its own Prometheus metrics (poll latencies, task slots, sticky cache)
 * on a second address when asked for — kept apart from sgc's, whose names and labels we own.
 */
export function installRuntime(sdkMetricsAddress?: string): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      // Less the warning every training-only worker gives (it polls no workflow tasks, by design).
      logger: new DefaultLogger('WARN', ({ level, message, meta }) => {
        if (message.startsWith('No workflows registered')) return;
        // An attempt that found the store unreachable: the outage is logged once, when it begins
        // and when it ends (activities/storeOutage.ts), not once per attempt of every waiting call.
        if (
          message === 'Activity failed' &&
          (meta?.['error'] as { type?: unknown } | undefined)?.type === STORE_UNAVAILABLE
        )
          return;
        process.stderr.write(`temporal ${level}: ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}\n`);
      }),
      ...(sdkMetricsAddress
        ? { telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsAddress } } } }
        : {}),
    });
  } catch {
    // Already installed (by a test or an embedding program): keep theirs.
  }
}

export async function createWorkers(settings: WorkerSettings): Promise<SgcWorkers> {
  installRuntime();
  const queues = settings.queues ?? QUEUES;
  const connection = await NativeConnection.connect({ address: settings.temporal.address });
  const common: Partial<WorkerOptions> = {
    connection,
    namespace: settings.temporal.namespace,
    ...(settings.identity ? { identity: settings.identity } : {}),
    // Heartbeats carry cancellation back to the training loop: send them often, not every 30 s.
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
  };
  const workers: Worker[] = [];
  const concurrency = settings.concurrency ?? 1;
  for (const engine of ENGINE_NAMES) {
    const taskQueue = TRAIN_QUEUES[engine];
    if (!queues.includes(taskQueue)) continue;
    const backend = settings.backend?.engine === engine ? settings.backend.name : undefined;
    workers.push(
      await Worker.create({
        ...common,
        taskQueue,
        activities: createTrainActivities({
          telemetry: settings.telemetry,
          checkpointDir: settings.checkpointDir ?? DEFAULT_CHECKPOINT_DIR,
          ...(backend ? { backend } : {}),
          ...(settings.identity ? { worker: settings.identity } : {}),
        }),
        maxConcurrentActivityTaskExecutions: concurrency,
        maxConcurrentActivityTaskPolls: Math.min(concurrency, 4),
      }),
    );
  }
  if (queues.includes(IO_QUEUE)) {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: IO_QUEUE,
        workflowBundle: await workflowBundle(),
        activities: createIoActivities({ repository: settings.repository, telemetry: settings.telemetry }),
      }),
    );
  }
  return {
    queues,
    async run() {
      try {
        await Promise.all(workers.map((w) => w.run()));
      } finally {
        await connection.close();
      }
    },
    shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
