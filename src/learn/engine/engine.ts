/**
 * The tensor-engine interface: everything the trainer asks of an engine. An engine compiles a
 * training session for one model shape, optimizer and batch size; the session holds the weights and
 * optimizer state (on the device, where it has one) and runs steps.
 *
 * Inputs are element indices, never dense vectors: each input block is one of |G| encodings, so
 * engines compute W·x as a gather of W·Xᵀ (src/learn/models/spec.ts has the equations).
 */
import { InputError } from '../../errors.js';
import type { Batch } from '../models/reference.js';
import type { ModelSpec, Parameters } from '../models/spec.js';
import type { OptimizerSpec, OptimizerState } from '../optimizers.js';

export type { Batch };

export interface EngineSetup {
  model: ModelSpec;
  optimizer: OptimizerSpec;
  /** n × n, row g = x_g (the encoding of element g). */
  encodings: Float64Array;
  /**
   * The number of sequences of a step's batch (engines may compile for it). A step may also get
   * another count, the short last batch of an epoch when the data keeps it (data.dropLast false);
   * one steps() call's batches all have one count. predict() takes any count.
   */
  batchSize: number;
  /** Initial weights (from initParameters). */
  parameters: Parameters;
}

/** Weights plus optimizer state: what a checkpoint stores. */
export interface TrainingState {
  parameters: Parameters;
  optimizer: OptimizerState;
}

export interface EngineSession {
  /** One optimizer step (clip, then update) on the batch; returns the loss before the update. */
  step(batch: Batch): Promise<number>;
  /**
   * Optional: one optimizer step per batch, in order, in one engine call; returns each step's loss
   * before its update. The same numbers as step() on each batch in turn: it saves the per-call
   * overhead that dominates small steps.
   */
  steps?(batches: Batch[]): Promise<Float32Array>;
  /**
   * Whether one steps() call may mix batch sizes (an epoch's short last batch among full ones);
   * otherwise the trainer gives each size a call of its own.
   */
  readonly mixedCounts?: boolean;
  /**
   * With steps(): back to the state before the last steps() call, undoing all of it (the trainer
   * stops mid-call, at a divergence or a plateau, by rewinding and taking fewer steps). Only right
   * after steps(), once.
   */
  rewind?(): void;
  /** Model outputs for `batch` (targets unused), count × n, with the current weights. */
  predict(batch: Batch): Promise<Float64Array>;
  /** Loss and gradients at the current weights, without updating: for tests and diagnostics. */
  lossAndGradients(batch: Batch): Promise<{ loss: number; gradients: Parameters }>;
  getState(): Promise<TrainingState>;
  setState(state: TrainingState): Promise<void>;
  dispose(): Promise<void>;
}

export interface TensorEngine {
  /** `onnx`, `tfjs` or `reference`. */
  readonly name: string;
  /** The backend or execution provider in use, e.g. `cpu`, `wasm`, `cuda`. */
  readonly backend: string;
  open(setup: EngineSetup): Promise<EngineSession>;
  /**
   * Optional: sessions for S seeds of one shape (the setups differ only in their parameters) whose
   * steps() calls run together, as one engine call for all of them, each with its own numbers: the
   * same as a session of its own would give. A call waits until every session of the group that is
   * not disposed has one waiting, so the sessions must be driven concurrently (one async loop each,
   * as runSeeds does); disposing a session takes it out of the group.
   */
  openSeeds?(setups: EngineSetup[]): Promise<EngineSession[]>;
}

/** Throws an InputError when a batch's arrays do not hold `count` sequences of k elements. */
export function checkBatchShape(k: number, batch: Batch): void {
  if (batch.elements.length !== batch.count * k)
    throw new InputError(
      `batch has ${batch.elements.length} element indices, expected count × k = ${batch.count * k}`,
    );
  if (batch.targets.length !== batch.count)
    throw new InputError(`batch has ${batch.targets.length} targets, expected ${batch.count}`);
}
