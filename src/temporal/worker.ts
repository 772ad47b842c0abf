/**
 * A worker process's Temporal workers: one per training queue it serves (each engine's any-backend
 * queue and each of its backends' queues, src/sweep/messages.ts; each training as many runs at once
 * as `concurrency`) and one polling `sgc-io` (the store activities and the workflows, which are
 * light). Any number of such processes on any number of machines share the work through the same
 * Temporal server and database.
 *
 * When a run fails for the device (DEVICE_ERROR), the workers of that engine and backend stop: this
 * process takes no more of its runs, and the run goes to another worker.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createIoActivities } from '../../activities/io.js';
import { DEFAULT_SEED_GROUP } from '../../activities/seedGroups.js';
import {
  createTrainActivities,
  DEFAULT_CHECKPOINT_DIR,
  type TrainDependencies,
} from '../../activities/train.js';
import { DEFAULT_BACKENDS, DEVICE_BACKENDS, ENGINE_BACKENDS } from '../learn/engine/backends.js';
import { ENGINE_NAMES, type EngineName } from '../learn/engine/index.js';
import type { ResultsRepository } from '../store/index.js';
import {
  IO_QUEUE,
  parseTrainQueue,
  QUEUES,
  type QueueName,
  STORE_UNAVAILABLE,
  TRAIN_QUEUES,
  trainQueueOf,
} from '../sweep/messages.js';
import type { Telemetry } from '../telemetry/metrics.js';
import { WantedRunsSlotSupplier } from './activitySlots.js';
import { connectionOptions, type TemporalTarget } from './connection.js';
import { workflowBundle } from './workflowBundle.js';

export interface WorkerSettings {
  temporal: TemporalTarget;
  repository: ResultsRepository;
  telemetry: Telemetry;
  /** Default: DEFAULT_WORKER_QUEUES. */
  queues?: readonly QueueName[];
  /** Trainings at once on each training queue this worker polls (with seed groups: in all). */
  concurrency?: number;
  /**
   * Up to this many runs that differ only in their seed train as one group (activities/seedGroups.ts);
   * default DEFAULT_SEED_GROUP; 1: every run alone.
   */
  seedGroup?: number;
  /** The backend each engine trains the runs that name none on (default DEFAULT_BACKENDS). */
  backends?: Partial<Record<EngineName, string>>;
  /** The GPU device backends train on (`sgc worker --device`). */
  device?: number;
  /** Makes engines; tests pass one that fails like a device. Default createEngine. */
  createEngine?: TrainDependencies['createEngine'];
  checkpointDir?: string;
  /** Names this worker in the store and in Temporal. */
  identity?: string;
}

export { QUEUES, type QueueName };

/** Every engine's any-backend queue and the queues of its backends that need no device, then `sgc-io`. */
export const DEFAULT_WORKER_QUEUES: readonly QueueName[] = [
  ...ENGINE_NAMES.flatMap((e) => [
    TRAIN_QUEUES[e],
    ...ENGINE_BACKENDS[e].filter((b) => !DEVICE_BACKENDS.includes(b)).map((b) => trainQueueOf(e, b)),
  ]),
  IO_QUEUE,
];

export interface SgcWorkers {
  /** Runs until shutdown(); rejects when a worker fails. */
  run(): Promise<void>;
  shutdown(): void;
  readonly queues: readonly QueueName[];
}

/** One line of the SDK runtime's log that sgc keeps (warnings and errors, less the filtered ones). */
export interface TemporalLogEntry {
  level: string;
  message: string;
  meta?: Record<string, unknown>;
}
export type TemporalLogSink = (entry: TemporalLogEntry) => void;

const toStderr: TemporalLogSink = ({ level, message, meta }) =>
  process.stderr.write(`temporal ${level}: ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}\n`);
let logSink: TemporalLogSink = toStderr;

/**
 * Sends the runtime's log lines to `sink` instead of stderr, until the returned function restores
 * the previous one. For tests: a failure they provoke on purpose is collected and asserted on, not
 * printed among the results.
 */
export function setTemporalLogSink(sink: TemporalLogSink): () => void {
  const previous = logSink;
  logSink = sink;
  return () => {
    logSink = previous;
  };
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
        logSink({ level, message, ...(meta ? { meta } : {}) });
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
  const queues = settings.queues ?? DEFAULT_WORKER_QUEUES;
  const connection = await NativeConnection.connect(connectionOptions(settings.temporal));
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
  const seedGroup = settings.seedGroup ?? DEFAULT_SEED_GROUP;
  const backendOf = (queue: QueueName) => {
    const trains = parseTrainQueue(queue);
    return trains && { engine: trains.engine, backend: trains.backend ?? backends[trains.engine] };
  };
  const backends = { ...DEFAULT_BACKENDS, ...settings.backends };
  const training = new Map<QueueName, Worker>();
  // One set of activities for every training queue: engines (compiled graphs) are shared.
  const { activities, seedGroups } = createTrainActivities({
    telemetry: settings.telemetry,
    checkpointDir: settings.checkpointDir ?? DEFAULT_CHECKPOINT_DIR,
    backends,
    seedGroup,
    slots: concurrency,
    ...(settings.device === undefined ? {} : { device: settings.device }),
    ...(settings.createEngine ? { createEngine: settings.createEngine } : {}),
    ...(settings.identity ? { worker: settings.identity } : {}),
    onDeviceError({ engine, backend, message }) {
      const dropped = [...training].filter(([queue, worker]) => {
        const serves = backendOf(queue);
        return serves?.engine === engine && serves.backend === backend && worker.getState() === 'RUNNING';
      });
      if (!dropped.length) return;
      console.error(
        `worker ${settings.identity ?? ''}: ${engine}/${backend} failed on the device (${message.split('\n')[0].slice(0, 200)}); ` +
          `no longer polling ${dropped.map(([q]) => q).join(', ')}: its runs go to other workers`,
      );
      // Let the failing attempt report first; then stop polling (trainings in hand finish).
      setImmediate(() => {
        for (const [, worker] of dropped) if (worker.getState() === 'RUNNING') worker.shutdown();
      });
    },
  });
  // With seed groups, every training queue takes activities only while the gatherer can use them
  // (whole groups for its free slots, nothing while all train): one supplier for all the queues.
  const slots: Partial<WorkerOptions> = seedGroups
    ? {
        tuner: {
          activityTaskSlotSupplier: new WantedRunsSlotSupplier(
            () => seedGroups.wanted(),
            (listener) => seedGroups.onChange(listener),
          ),
          workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
          localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
          nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
        },
        maxConcurrentActivityTaskPolls: Math.min(concurrency * seedGroup, 4),
      }
    : { maxConcurrentActivityTaskExecutions: concurrency };
  for (const taskQueue of queues) {
    if (taskQueue === IO_QUEUE) continue;
    if (!backendOf(taskQueue)) throw new Error(`${taskQueue} is not a training queue`);
    const worker = await Worker.create({ ...common, taskQueue, activities, ...slots });
    training.set(taskQueue, worker);
    workers.push(worker);
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
