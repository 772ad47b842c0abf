/**
 * The training activity on `sgc-train`: one run, on the engine its config names, with progress
 * heartbeats and checkpoints so that a worker that dies costs only the steps since the last one.
 *
 * - Checkpoints live in the run's own folder, `<checkpointDir>/<configHash>/` (runCheckpoints.ts): a
 *   retry (its worker died, or the heartbeat timed out) finds the latest one from the run's identity
 *   alone, so a kill at any time after the first checkpoint resumes from it. The first is written
 *   within the first second of training, then one every `checkpointSeconds`. The run then ends with
 *   the weights it would have reached straight through (the trainer's checkpoints are exact).
 * - Heartbeats carry {step, loss, accuracy, checkpoint} for people and tools to see progress.
 * - Every attempt keeps a ledger of its training time there; the attempt that finishes reports the
 *   time of all of them and how many there were (run.duration_ms, run.attempts).
 * - Cancellation arrives with a heartbeat's response; the trainer checks the abort signal every step,
 *   so the loop stops within a step of it.
 * - A config that cannot run (InputError while resolving it) is a non-retryable InvalidRunConfig.
 * - A failure of the worker's device (deviceErrors.ts) is a non-retryable DeviceError: the worker
 *   stops taking that backend's runs and the RunWorkflow gives the run to another, uncounted.
 *   Divergence is an outcome, not an error.
 *
 * The checkpoint directory (SGC_CHECKPOINT_DIR, default .sgc/checkpoints) must be shared by the
 * workers for resumes to cross machines; without that a retry elsewhere starts the run over, which
 * gives the same result (and its duration counts only the attempts it can see).
 */
import { existsSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { InputError } from '../src/errors.js';
import { readCheckpointFile } from '../src/learn/checkpoint.js';
import { DEFAULT_BACKENDS } from '../src/learn/engine/backends.js';
import { isDeviceFailure } from '../src/learn/engine/deviceErrors.js';
import type { TensorEngine } from '../src/learn/engine/engine.js';
import { createEngine } from '../src/learn/engine/index.js';
import type { RunConfig } from '../src/learn/runConfig.js';
import { runSeeds, seedGroupShape } from '../src/learn/seeds.js';
import {
  type RunCallbacks,
  type RunResult,
  type RunSetup,
  resolveRun,
  runTraining,
} from '../src/learn/trainer.js';
import {
  DEVICE_ERROR,
  INVALID_RUN_CONFIG,
  type TrainedRun,
  type TrainHeartbeat,
  type WaitingHeartbeat,
} from '../src/sweep/messages.js';
import type { Telemetry } from '../src/telemetry/metrics.js';
import { RunCheckpoints } from './runCheckpoints.js';
import { CancelledWhileWaiting, type GroupedResult, SeedGroups, Slots } from './seedGroups.js';

/** What the training activity is asked: one run. */
export interface TrainRunInput {
  configHash: string;
  config: RunConfig;
  /**
   * The runs its cell started with it at its width, itself included (equal but for the seed): the
   * seed group a grouping worker waits for. Absent (a workflow from before it): the worker's S.
   */
  together?: number;
}

/** A run as the seed gatherer holds it: what runSeeds needs to train it. */
interface SeedJob {
  config: RunConfig;
  callbacks: RunCallbacks;
  setup: RunSetup;
}

/** The first checkpoint comes this soon into training, whatever the checkpoint interval. */
const FIRST_CHECKPOINT_SECONDS = 1;
/** A training attempt's ledger (its time so far) is rewritten at most this often. */
const LEDGER_SECONDS = 1;

/**
 * SGC_STEPS_PER_CALL in the worker's environment fixes the training steps per engine call (default:
 * the trainer chooses; the numbers are the same either way, so it is no part of a run's identity).
 */
export function stepsPerCallSetting(env: NodeJS.ProcessEnv = process.env): { stepsPerCall?: number } {
  const value = env.SGC_STEPS_PER_CALL?.trim();
  if (!value) return {};
  const stepsPerCall = Number(value);
  if (!Number.isInteger(stepsPerCall) || stepsPerCall < 1)
    throw new InputError(`SGC_STEPS_PER_CALL: "${value}" is not a positive integer`);
  return { stepsPerCall };
}

export interface TrainDependencies {
  telemetry: Telemetry;
  checkpointDir: string;
  /** The backend of each engine for runs whose config names none (e.g. onnx: `cuda` on a GPU worker). */
  backends?: Partial<Record<string, string>>;
  /** Seconds between checkpoint files (a checkpoint costs a copy of the weights and a write). */
  checkpointSeconds?: number;
  /** How this worker is named in the store. */
  worker?: string;
  /** The GPU to train on, for device backends (onnx cuda's device id). */
  device?: number;
  /**
   * Called when an attempt failed for the device (isDeviceFailure): the worker stops taking that
   * engine and backend's runs. The attempt fails with DEVICE_ERROR, which the RunWorkflow schedules
   * again without counting it.
   */
  onDeviceError?: (failure: { engine: string; backend: string; message: string }) => void;
  /** Makes engines (tests pass one that fails like a device would); default createEngine. */
  createEngine?: typeof createEngine;
  /**
   * Up to this many runs that differ only in their seed train as one group (seedGroups.ts); 1 or
   * absent: every run alone, its concurrency left to Temporal's activity slots.
   */
  seedGroup?: number;
  /** With seed groups: trainings (groups or lone runs) at once. */
  slots?: number;
}

export { DEFAULT_CHECKPOINT_DIR } from '../src/sweep/messages.js';

export function createTrainActivities(deps: TrainDependencies) {
  const checkpointDir = resolve(deps.checkpointDir);
  const worker = deps.worker ?? `${hostname()}:${process.pid}`;
  const checkpointMs = (deps.checkpointSeconds ?? 2) * 1000;
  // Read once, when the worker starts: a bad value stops it there, not every run.
  const stepsPerCall = stepsPerCallSetting();
  // Engines hold compiled graphs and sessions' caches: one per (name, backend) for the worker's life.
  const engines = new Map<string, Promise<TensorEngine>>();
  const engineFor = (name: string, backend: string | undefined) => {
    const key = `${name}/${backend ?? ''}`;
    let engine = engines.get(key);
    if (!engine) {
      engine = (deps.createEngine ?? createEngine)(name, backend, deps.device);
      engines.set(key, engine);
      engine.catch(() => engines.delete(key));
    }
    return engine;
  };

  // Seed groups (deps.seedGroup ≥ 2): the worker's trainings go through one gatherer, whose slots
  // keep it to `slots` trainings at once (its Temporal workers take runs only as it can use them,
  // src/temporal/activitySlots.ts).
  const seedGroups =
    (deps.seedGroup ?? 1) > 1
      ? new SeedGroups<SeedJob, RunResult>(deps.seedGroup!, new Slots(deps.slots ?? 1))
      : undefined;

  /**
   * A run trained through the gatherer: in a group of runs equal to it but for the seed when its
   * engine trains seed groups and it starts from step 0 (a resumed run is at another step than its
   * seeds), else alone once a slot is free. It heartbeats while it waits, so that the server keeps
   * it and a cancellation reaches it.
   */
  const trainWithSeeds = async (
    groups: SeedGroups<SeedJob, RunResult>,
    job: SeedJob,
    engine: TensorEngine,
    together: number | undefined,
    begin: () => void,
  ): Promise<GroupedResult<RunResult>> => {
    const context = Context.current();
    const groupable = engine.openSeeds !== undefined && !job.callbacks.resumeFrom;
    const key = groupable ? JSON.stringify([engine.name, engine.backend, seedGroupShape(job.config)]) : null;
    const beat: WaitingHeartbeat = { waiting: groupable ? 'seed group' : 'training slot' };
    context.heartbeat(beat);
    const waiting = setInterval(() => context.heartbeat(beat), 1000);
    const train = (jobs: SeedJob[]) =>
      runSeeds(
        jobs.map((j) => j.config),
        engine,
        jobs.map((j) => j.callbacks),
        jobs.map((j) => j.setup),
      );
    try {
      return await groups.run(key, job, train, context.cancellationSignal, {
        together,
        onStart: () => {
          clearInterval(waiting);
          begin();
        },
      });
    } finally {
      clearInterval(waiting);
    }
  };

  const activities = {
    async trainRun(input: TrainRunInput): Promise<TrainedRun> {
      const context = Context.current();
      const { configHash, config } = input;
      let setup: RunSetup;
      let engine: TensorEngine;
      const backend =
        config.engine.backend ?? deps.backends?.[config.engine.name] ?? DEFAULT_BACKENDS[config.engine.name];
      const deviceFailure = (error: unknown) => {
        const message = (error as Error).message;
        deps.onDeviceError?.({ engine: config.engine.name, backend, message });
        return ApplicationFailure.nonRetryable(
          `${config.engine.name}/${backend} on ${worker}: ${message}`,
          DEVICE_ERROR,
        );
      };
      try {
        setup = resolveRun(config);
        engine = await engineFor(config.engine.name, backend);
      } catch (error) {
        if (isDeviceFailure(error, backend)) throw deviceFailure(error);
        if (error instanceof InputError)
          throw ApplicationFailure.nonRetryable(error.message, INVALID_RUN_CONFIG);
        throw error;
      }

      const { info } = context;
      const folder = new RunCheckpoints(
        checkpointDir,
        configHash,
        `${info.workflowExecution?.runId ?? 'activity'}-${info.attempt}`,
      );
      const warn = (message: string) => context.log.warn(message);
      let resumeFrom = folder.latest(warn);
      // A checkpoint named by the last heartbeat of a worker from before the run folders (a JSON
      // file at <checkpointDir>/<configHash>.json) still resumes.
      const last = info.heartbeatDetails as Partial<TrainHeartbeat> | undefined;
      const legacy = join(checkpointDir, `${configHash}.json`);
      if (!resumeFrom && last?.checkpoint === legacy && existsSync(legacy))
        resumeFrom = readCheckpointFile(legacy).checkpoint;
      let checkpoint: string | null = resumeFrom ? folder.checkpointPath : null;
      let lastStep = resumeFrom?.step ?? 0;
      let lastTime = performance.now();
      let trainingStarted = performance.now();
      const trainedSeconds = () => (performance.now() - trainingStarted) / 1000;
      let nextCheckpoint = FIRST_CHECKPOINT_SECONDS;
      let nextLedger = 0;
      const labels = { engine: engine.name, backend: engine.backend };
      // Training starts now, or when the run's seed group does (time spent waiting for it is no
      // part of the run's time, nor of the first checkpoint's).
      const begin = () => {
        trainingStarted = lastTime = performance.now();
        deps.telemetry.runStarted(labels);
      };

      const callbacks: RunCallbacks = {
        signal: context.cancellationSignal,
        ...(resumeFrom ? { resumeFrom } : {}),
        ...stepsPerCall,
        checkpointDue: () => trainedSeconds() >= nextCheckpoint,
        finalCheckpoint: false,
        onCheckpoint: (c) => {
          folder.write(c);
          checkpoint = folder.checkpointPath;
          nextCheckpoint = trainedSeconds() + checkpointMs / 1000;
        },
        onProgress: (p) => {
          const now = performance.now();
          if (trainedSeconds() >= nextLedger) {
            folder.recordAttempt({ worker, seconds: trainedSeconds(), step: p.step });
            nextLedger = trainedSeconds() + LEDGER_SECONDS;
          }
          // The pair warm start counts its own steps; the run's count starts from 0 after it.
          const steps = p.step >= lastStep ? p.step - lastStep : p.step;
          deps.telemetry.trainingSteps(labels, steps, (now - lastTime) / 1000);
          lastStep = p.step;
          lastTime = now;
          const beat: TrainHeartbeat = {
            step: p.step,
            loss: p.loss,
            accuracy: p.accuracy ?? null,
            checkpoint,
          };
          context.heartbeat(beat);
        },
      };

      let result: RunResult;
      let groupSize = 1;
      try {
        if (seedGroups) {
          ({ result, groupSize } = await trainWithSeeds(
            seedGroups,
            { config, callbacks, setup },
            engine,
            input.together,
            begin,
          ));
        } else {
          begin();
          result = await runTraining(config, engine, callbacks, setup);
        }
      } catch (error) {
        if (error instanceof CancelledWhileWaiting) throw new CancelledFailure('training cancelled');
        deps.telemetry.runFinished({ ...labels, outcome: 'error' }, 0, true);
        if (isDeviceFailure(error, engine.backend)) throw deviceFailure(error);
        throw error;
      }
      deps.telemetry.runFinished({ ...labels, outcome: result.outcome }, result.seconds, true);
      if (result.outcome === 'cancelled') {
        folder.recordAttempt({ worker, seconds: result.seconds, step: result.steps });
        throw new CancelledFailure('training cancelled');
      }
      // Every attempt's time: the others' ledgers, and this attempt's own measure.
      const others = folder.otherAttempts();
      const seconds = others.reduce((total, a) => total + a.seconds, result.seconds);
      folder.remove();
      rmSync(legacy, { force: true });
      return trainedRun({ ...result, seconds }, setup, {
        engine: engine.name,
        backend: engine.backend,
        worker,
        attempt: info.attempt,
        attempts: others.length + 1,
        resumedFromStep: resumeFrom?.step ?? null,
        seedGroup: groupSize > 1 ? groupSize : null,
      });
    },
  };
  return { activities, seedGroups };
}

export type TrainActivities = ReturnType<typeof createTrainActivities>['activities'];

/** The trainer's result as rows for the store's per-step tables (what recordRun stores). */
export function trainedRun(
  result: RunResult,
  setup: RunSetup,
  where: Pick<
    TrainedRun,
    'engine' | 'backend' | 'worker' | 'attempt' | 'attempts' | 'resumedFromStep' | 'seedGroup'
  >,
): TrainedRun {
  const accuracyAt = new Map(result.metrics.evaluations.map((e) => [e.step, e.accuracy]));
  const labels = setup.irreps.map((irrep) => irrep.label);
  return {
    outcome: result.outcome,
    reason: result.reason,
    steps: result.steps,
    // JSON (Temporal's payloads) has no NaN or ∞: a diverged run's last loss travels as null.
    finalLoss: Number.isFinite(result.finalLoss) ? result.finalLoss : null,
    finalAccuracy: result.finalAccuracy,
    seconds: result.seconds,
    ...where,
    metrics: result.metrics.loss
      .filter((p) => Number.isFinite(p.loss))
      .map((p) => ({ step: p.step, loss: p.loss, accuracy: accuracyAt.get(p.step) ?? null })),
    irrepPowers: result.metrics.evaluations.flatMap((e) =>
      e.power.map((power, i) => ({ step: e.step, irrep: labels[i], power })),
    ),
    events: result.metrics.events.map((e) => ({
      step: e.step,
      kind: 'irrep_acquired',
      irrep: e.label,
      value: null,
    })),
  };
}
