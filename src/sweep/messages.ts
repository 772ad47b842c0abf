/**
 * What workflows and activities hand each other: plain JSON only (Temporal serialises it into the
 * workflow history), and types only, so workflow code can import this file without pulling
 * anything that touches I/O into its sandbox.
 */
import type { EngineName } from '../learn/engine/index.js';
import type { RunConfig } from '../learn/runConfig.js';
import type { SweepCell } from './expand.js';
import type { MessageOrder } from './messageOrder.js';
import type { Probe, SearchPhase, SearchResult, WidthPlan } from './widthSearch.js';

/**
 * Task queues: training is CPU-heavy and scales with workers; store I/O is light and quick.
 * Training has queues per engine and backend, so that a worker takes only the runs it can train:
 *
 *   sgc-train-<engine>-<backend>  runs whose config names that backend (e.g. sgc-train-onnx-cuda):
 *                                 only workers running that backend poll it
 *   sgc-train / sgc-train-<engine>  runs that name no backend ("any"): every worker of the engine
 *                                 polls it and trains them on its own backend (onnx, the default
 *                                 engine, keeps `sgc-train`)
 */
export const TRAIN_QUEUE = 'sgc-train';
export const IO_QUEUE = 'sgc-io';
/** Each engine's any-backend queue. */
export const TRAIN_QUEUES = {
  onnx: TRAIN_QUEUE,
  tfjs: 'sgc-train-tfjs',
  reference: 'sgc-train-reference',
  native: 'sgc-train-native',
} as const satisfies Record<EngineName, string>;

/** The queues a worker polls by default: each engine's any-backend queue, then `sgc-io`. */
export const QUEUES = [...Object.values(TRAIN_QUEUES), IO_QUEUE] as const;
/** A task queue name: one of QUEUES or a backend's queue, `sgc-train-<engine>-<backend>`. */
export type QueueName = string;

/**
 * The training queue of a run: its engine's any-backend queue when it names no backend, else the
 * backend's own. (An engine name no engine has goes to onnx's queue, whose workers refuse it.)
 */
export function trainQueueOf(engine: string, backend?: string): string {
  if (!Object.hasOwn(TRAIN_QUEUES, engine)) return TRAIN_QUEUE;
  return backend === undefined ? TRAIN_QUEUES[engine as EngineName] : `${TRAIN_QUEUE}-${engine}-${backend}`;
}

/** The engine and backend (undefined: any) of a training queue; undefined for any other name. */
export function parseTrainQueue(queue: string): { engine: EngineName; backend?: string } | undefined {
  for (const [engine, any] of Object.entries(TRAIN_QUEUES) as [EngineName, string][]) {
    if (queue === any) return { engine };
    const prefix = `${TRAIN_QUEUE}-${engine}-`;
    if (queue.startsWith(prefix) && queue.length > prefix.length)
      return { engine, backend: queue.slice(prefix.length) };
  }
  return undefined;
}

/** Failure types that retrying cannot help: a run config that cannot run, a spec that is refused. */
export const INVALID_RUN_CONFIG = 'InvalidRunConfig';
export const INVALID_SPEC = 'InvalidSpec';
/**
 * A training attempt failed for its worker's device (out of device memory, a lost device, a
 * provider that cannot start): the machine's fault, not the run's. The attempt fails at once
 * (non-retryable, so this worker does not take it again through Temporal's retry), the worker stops
 * polling that backend's queues, and the RunWorkflow schedules the training again without counting
 * it against the run's retries, for another worker to take.
 */
export const DEVICE_ERROR = 'DeviceError';

/**
 * Failure types of the store activities (activities/io.ts). STORE_UNAVAILABLE: the store could not
 * be reached (refused or lost connection, server shutting down, timeout): infrastructure, waited
 * out, never an outcome. IO_ERROR: anything else (a bug, a constraint): retried within the retry
 * budget, then it fails the caller.
 */
export const STORE_UNAVAILABLE = 'StoreUnavailable';
export const IO_ERROR = 'IoError';

/** Where workers write training checkpoints unless told otherwise (shared between workers of a machine). */
export const DEFAULT_CHECKPOINT_DIR = '.sgc/checkpoints';

/** How a finished run ended, as stored. `error`: it crashed after all retries. */
export type RunOutcomeName = 'succeeded' | 'failed' | 'diverged' | 'cancelled' | 'invalid' | 'error';

/** Outcomes that the same config would reproduce: a cached result with one of these is final. */
export const FINAL_OUTCOMES: readonly RunOutcomeName[] = ['succeeded', 'failed', 'diverged', 'invalid'];

/** One run a cell asked for, with its identity computed outside workflow code. */
export interface RunTicket {
  configHash: string;
  H: number;
  seed: number;
  config: RunConfig;
  /** The store id of the cell that asked (links the run to it). */
  cellId: number;
  /** The cell's search phase when it asked (a metrics label). */
  phase: SearchPhase;
  /**
   * Set when planProbes has already started the run in the store (it was idle): its RunWorkflow
   * then skips the claim. Absent: the RunWorkflow claims it (and finds a result stored meanwhile).
   */
  claimed?: boolean;
  /**
   * How many runs of this cell at this width planProbes starts with it (itself included; they are
   * equal but for the seed): a worker with seed groups trains them together.
   */
  together?: number;
}

/** A run's result as the search and the status query see it. */
export interface RunReport {
  configHash: string;
  H: number;
  seed: number;
  outcome: RunOutcomeName;
  steps: number;
  finalLoss: number | null;
  finalAccuracy: number | null;
  seconds: number;
  /** True when the result came from the store without training. */
  cached: boolean;
  /** Why a run with outcome `error` (or `cancelled`) has none the search can use. */
  reason?: string;
}

/** What the training activity produced: the report plus the curves that recordRun stores. */
export interface TrainedRun {
  outcome: RunOutcomeName;
  reason: string;
  steps: number;
  finalLoss: number | null;
  finalAccuracy: number;
  /** Training seconds of every attempt together (what duration_ms stores). */
  seconds: number;
  engine: string;
  backend: string;
  worker: string;
  /** The training activity's attempt that finished it (Temporal's count, from 1). */
  attempt: number;
  /** Training attempts whose time `seconds` sums (1 + attempts before this one, found on disk). */
  attempts: number;
  resumedFromStep: number | null;
  /**
   * How many runs trained with this one as a seed group (sgc worker --seed-group); null: alone. Absent
   * from results recorded before seed groups.
   */
  seedGroup?: number | null;
  metrics: { step: number; loss: number; accuracy: number | null }[];
  irrepPowers: { step: number; irrep: string; power: number }[];
  events: { step: number; kind: string; irrep: string; value: number | null }[];
}

/** Heartbeat details of the training activity: progress, and where to resume from. */
export interface TrainHeartbeat {
  step: number;
  loss: number;
  accuracy: number | null;
  /** Path of the latest checkpoint file, when one was written (informative: a retry finds the
   * checkpoint from the run's identity, `<checkpointDir>/<configHash>/`, not from here). */
  checkpoint: string | null;
}

/** Heartbeat details of a training activity that waits for its seed group or a training slot. */
export interface WaitingHeartbeat {
  waiting: 'seed group' | 'training slot';
}

export interface PlannedProbes {
  /** Runs to start (their results are not in the store yet). */
  tickets: RunTicket[];
  /** Runs whose final result is already stored: the search uses them directly. */
  cached: RunReport[];
}

/**
 * `undecided`: the search stopped because a run ended in error (crashed after its retries): no H*,
 * and no bracket built on that run. Starting the sweep again re-runs the runs in error.
 */
export type CellState =
  | 'pending'
  | 'running'
  | 'paused'
  | 'done'
  | 'undecided'
  | 'failed'
  | 'stopped'
  | 'cancelled';

/** Work held up by infrastructure, not failed: shown by status and watch until it resumes. */
export interface Waiting {
  reason: 'store unreachable';
  /** When the first call still waiting began (ISO time). */
  since: string;
}

/** The wait that began first (ISO times compare as strings); null when none. */
export function earliestWaiting(waits: readonly (Waiting | null | undefined)[]): Waiting | null {
  let first: Waiting | null = null;
  for (const w of waits) if (w && (first === null || w.since < first.since)) first = w;
  return first;
}

/** A cell as the sweep's status query shows it. */
export interface CellStatus {
  cellKey: string;
  state: CellState;
  phase: SearchPhase | null;
  lo: number | null;
  hi: number | null;
  minWidth: number | null;
  runsDone: number;
  runsInFlight: number;
  cachedRuns: number;
  trainingSeconds: number;
  /** Set while a store call of the cell or of one of its runs waits for the store (absent: none). */
  waiting?: Waiting | null;
  /** Runs that ended in error (crashed after their retries); any makes the cell undecided. */
  runErrors?: number;
  /** Of its runs in flight, those training on a worker (see SweepStatus.runsTraining). */
  runsTraining?: number;
}

/**
 * A sweep's state, as `sgc sweep list`, `status`, `watch` and the store's sweep.status say it. The
 * workflow says running, paused, stopping, done, stopped or cancelled; the command line adds
 * `waiting` (a running sweep whose store calls wait for an unreachable store) and `failed` (its
 * workflow failed, or was terminated).
 */
export type SweepState =
  | 'running'
  | 'waiting'
  | 'paused'
  | 'stopping'
  | 'done'
  | 'stopped'
  | 'cancelled'
  | 'failed';

export interface SweepStatus {
  sweepId: string;
  state: SweepState;
  startedAt: string;
  cells: CellStatus[];
  cellsByState: Partial<Record<CellState, number>>;
  runsDone: number;
  runsInFlight: number;
  cachedRuns: number;
  /** Seconds of training summed over finished runs (cached ones excluded). */
  trainingSeconds: number;
  skipped: { group: string; encoding: string; reason: string }[];
  /** The earliest wait for the store among the sweep and its running cells; null when none waits. */
  waiting?: Waiting | null;
  /** When this start of the sweep ended (ISO time); absent or null while it runs. */
  endedAt?: string | null;
  /**
   * Of the runs in flight, those whose training activity has started on a worker (the rest are
   * queued: claimed or scheduled, waiting for a worker). Set by the command line from Temporal's
   * pending activities; absent in the workflow's own answer.
   */
  runsTraining?: number;
  /** Where the counts come from: `store` when they were read from the results store. */
  counts?: 'store' | 'workflow';
}

export interface SweepOptions {
  /** Cells searched at once. */
  window: number;
  /** Continue-as-new once the history has this many events (Temporal's own suggestion also counts). */
  historyLimit: number;
  /** A training attempt whose heartbeats stop for this long is retried (on another worker). */
  heartbeatTimeoutSeconds: number;
  /** How errors are retried (absent in sweeps started before it existed: the defaults). */
  retry?: RetryBudget;
}

/**
 * The retry budget. A store call is tried `attempts` times, `maxIntervalSeconds` apart at most
 * (backoff from 1 s, doubling). When the last attempt found the store unreachable, the call waits
 * for the store as long as it takes (the sweep shows `waiting`), trying again at most
 * `waitIntervalSeconds` apart; any other error fails it. A training attempt that throws is retried
 * the same way, and the run ends `error` after `attempts`; attempts that time out (a worker died)
 * never use up the budget.
 */
export interface RetryBudget {
  attempts: number;
  maxIntervalSeconds: number;
  waitIntervalSeconds: number;
}

export const DEFAULT_RETRY: RetryBudget = { attempts: 5, maxIntervalSeconds: 10, waitIntervalSeconds: 30 };

/** The longest a call spends in its budget's backoff before it is given up or starts to wait. */
export function retryBudgetSeconds(retry: RetryBudget): number {
  let total = 0;
  for (let i = 0; i < retry.attempts - 1; i++) total += Math.min(2 ** i, retry.maxIntervalSeconds);
  return total;
}

export const DEFAULT_SWEEP_OPTIONS: SweepOptions = {
  window: 16,
  historyLimit: 10_000,
  heartbeatTimeoutSeconds: 15,
  retry: DEFAULT_RETRY,
};

/** A sweep spec as the user wrote it (YAML data): validated by the activities, never in workflow code. */
export type RawSweepSpec = Record<string, unknown>;

export interface SweepInput {
  sweepId: string;
  spec: RawSweepSpec;
  options: SweepOptions;
  /** State carried across continue-as-new; absent on the first run. */
  carried?: SweepCarry;
}

export interface SweepCarry {
  startedAt: string;
  cells: CellEntry[];
  skipped: SweepStatus['skipped'];
  paused: boolean;
  stopping: boolean;
  /** The spec's width plan, once an activity has validated the spec. */
  plan: WidthPlan | null;
}

export interface CellEntry {
  cell: SweepCell;
  cellId: number;
  status: CellStatus;
  /**
   * Searched again under a new width plan (an extension with more seeds). `stopping`: it was
   * running and has been told to stop; once it has ended it is searched again. `queued`: to be
   * started again (its previous execution may still be closing).
   */
  restart?: 'stopping' | 'queued';
  /** The stamp of the newest progress report taken from the cell (absent: none stamped yet). */
  progressOrder?: MessageOrder;
}

export interface CellInput {
  sweepId: string;
  cell: SweepCell;
  cellId: number;
  plan: WidthPlan;
  options: SweepOptions;
  /** Start paused (the sweep was paused when the cell started). */
  paused: boolean;
}

export interface CellOutcome {
  cellKey: string;
  state: CellState;
  result: SearchResult | null;
  /** The cell's last status (the sweep's view of it from then on). */
  status: CellStatus;
}

export interface RunInput {
  ticket: RunTicket;
  options: SweepOptions;
}

/** The cells a spec (or an extension) adds, registered in the store. */
export interface RegisteredCells {
  plan: WidthPlan;
  cells: { cell: SweepCell; cellId: number }[];
  skipped: SweepStatus['skipped'];
}

export type { Probe };
