/**
 * The compiled kernel (mlpKernel.c, built by `npm run build` into dist/native/mlpKernel.node) and the
 * one call it exposes. The layout it works in: W_in transposed, A = W_inᵀ (k·n × Hp), and W_out as
 * O (n × Hp), each row padded from H to Hp = the next multiple of 8 with zeros, so every inner loop
 * runs along H in whole 8-float vectors.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { nativeKernelError, nativeKernelFile } from '../../../buildOutput.js';
import { DeviceError, InputError } from '../../../errors.js';

export const KernelMode = {
  /** `count` optimizer steps in place; out[s] = the loss of step s. */
  train: 0,
  /** Loss and gradients of one batch: out[0] = loss, ∂A and ∂O written, nothing updated. */
  gradients: 1,
  /** Forward only: out = y (B × n). */
  predict: 2,
} as const;
export type KernelMode = (typeof KernelMode)[keyof typeof KernelMode];

/** The kernel's optimizer codes. */
export const KernelOptimizer = { adam: 0, perNeuron: 1 } as const;
export type KernelOptimizer = (typeof KernelOptimizer)[keyof typeof KernelOptimizer];

/** The state the kernel updates in place, in its layout. */
export interface KernelState {
  A: Float32Array;
  O: Float32Array;
  mA: Float32Array;
  vA: Float32Array;
  mO: Float32Array;
  vO: Float32Array;
}

export interface KernelCall {
  n: number;
  k: number;
  H: number;
  Hp: number;
  degree: number;
  /** Sequences of the batch (gradients and predict modes). */
  B: number;
  /** Batches (train mode). */
  count: number;
  optimizer: KernelOptimizer;
  /** Optimizer steps already taken (Adam's bias correction counts from them). */
  step0: number;
  /** η (the per-neuron rule's effective rate). */
  lr: number;
  clip: number | undefined;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** The per-neuron rule's degree d. */
  neuronDegree: number;
  X: Float32Array;
  state: KernelState;
  /** The batches' element indices (Σ counts × k) and targets (Σ counts), one batch after another. */
  elements: Int32Array;
  targets: Int32Array;
  /** Train mode: each step's sequences (batches may differ in size). */
  counts?: Int32Array;
  out: Float32Array;
  /** Gradients mode: where ∂A and ∂O go. */
  dA?: Float32Array;
  dO?: Float32Array;
}

type MlpFunction = (
  mode: number,
  ints: Int32Array,
  floats: Float64Array,
  buffers: ArrayBufferView[],
) => Promise<void>;

let loaded: MlpFunction | undefined;

/** The kernel's function; a DeviceError (this machine lacks it, not the run's fault) where it was not built. */
function kernel(): MlpFunction {
  if (loaded) return loaded;
  if (!existsSync(nativeKernelFile)) {
    const why = existsSync(nativeKernelError)
      ? readFileSync(nativeKernelError, 'utf8').trim()
      : 'npm run build has not compiled it';
    throw new DeviceError(`the native engine is not built on this machine: ${why}`);
  }
  loaded = (createRequire(import.meta.url)(nativeKernelFile) as { mlp: MlpFunction }).mlp;
  return loaded;
}

const NO_BUFFER = new Float32Array(0);
const NO_COUNTS = new Int32Array(0);

/** Runs the kernel; the buffers must not be touched until the promise settles. */
export function runKernel(mode: KernelMode, c: KernelCall): Promise<void> {
  const ints = Int32Array.from([
    c.n,
    c.k,
    c.H,
    c.Hp,
    c.degree,
    c.B,
    c.count,
    c.optimizer,
    c.clip === undefined ? 0 : 1,
    c.step0,
  ]);
  const floats = Float64Array.from([c.lr, c.clip ?? 0, c.beta1, c.beta2, c.epsilon, c.neuronDegree]);
  const { A, O, mA, vA, mO, vO } = c.state;
  const buffers = [
    c.X,
    A,
    O,
    mA,
    vA,
    mO,
    vO,
    c.elements,
    c.targets,
    c.out,
    c.dA ?? NO_BUFFER,
    c.dO ?? NO_BUFFER,
    c.counts ?? NO_COUNTS,
  ];
  try {
    return kernel()(mode, ints, floats, buffers);
  } catch (error) {
    // The kernel checks the call before queuing it: an index outside the group is bad input (the
    // other checks, of the arrays' lengths, guard against a caller's bug).
    if (error instanceof RangeError && (error as { code?: string }).code === 'SGC_ELEMENT_INDEX')
      throw new InputError(error.message);
    throw error;
  }
}
