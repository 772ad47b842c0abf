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
import { type RunResult, type RunSetup, resolveRun, runTraining } from '../src/learn/trainer.js';
import {
  DEVICE_ERROR,
  INVALID_RUN_CONFIG,
  type TrainedRun,
  type TrainHeartbeat,
} from '../src/sweep/messages.js';
import type { Telemetry } from '../src/telemetry/metrics.js';
import { RunCheckpoints } from './runCheckpoints.js';

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

  return {
    async trainRun(input: { configHash: string; config: RunConfig }): Promise<TrainedRun> {
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
      const last = info.heartbeatDetails as TrainHeartbeat | undefined;
      const legacy = join(checkpointDir, `${configHash}.json`);
      if (!resumeFrom && last?.checkpoint === legacy && existsSync(legacy))
        resumeFrom = readCheckpointFile(legacy).checkpoint;
      let checkpoint: string | null = resumeFrom ? folder.checkpointPath : null;
      let lastStep = resumeFrom?.step ?? 0;
      let lastTime = performance.now();
      const trainingStarted = performance.now();
      const trainedSeconds = () => (performance.now() - trainingStarted) / 1000;
      let nextCheckpoint = FIRST_CHECKPOINT_SECONDS;
      let nextLedger = 0;
      const labels = { engine: engine.name, backend: engine.backend };
      deps.telemetry.runStarted(labels);

      let result: RunResult;
      try {
        result = await runTraining(
          config,
          engine,
          {
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
          },
          setup,
        );
      } catch (error) {
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
      });
    },
  };
}

export type TrainActivities = ReturnType<typeof createTrainActivities>;

/** The trainer's result as rows for the store's per-step tables (what recordRun stores). */
export function trainedRun(
  result: RunResult,
  setup: RunSetup,
  where: Pick<TrainedRun, 'engine' | 'backend' | 'worker' | 'attempt' | 'attempts' | 'resumedFromStep'>,
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
