/**
 * What one training run will cost, from its config and |G| alone (no group tables, no irreps, no
 * engine): memory in bytes, term by term, and a rough time. Commands refuse a run that cannot fit
 * before anything is built, sent or stored (src/cli/runLimits.ts): an H = 10⁹ run used to die on
 * `RangeError: Invalid typed array length` halfway through setting up.
 *
 * Memory is an upper estimate of the peak of one run in one process, in the terms that grow:
 *  - the group: Cayley table (4|G|²) and irrep matrices (8|G|·ΣD² ≤ 16|G|²);
 *  - the encodings: X in Float64 and the engine's Float32 copy (12|G|²);
 *  - the parameters P: the trainer's Float64 init, the engine's Float32 weights and gradients (its
 *    step writes to a second set of outputs), the Float64 state a checkpoint copies and the
 *    checkpoint's buffers: 32 bytes per parameter, 72 with Adam's two moments (adam, hybrid);
 *  - activations of one slice of the batch (the onnx engine computes about 2²⁰/H sequences at a
 *    time): 12·rows·H·(k + 2) bytes;
 *  - the data: sequences and products (Int32) of the training and evaluation sets, and the
 *    evaluation's outputs (Float32 from the engine, Float64 for accuracy and power: 20·E·|G|);
 *  - a fixed base for Node and the engine's runtime.
 * Time counts multiply-adds per step as the onnx engine does them (encodings enter as gathered rows
 * of W·Xᵀ) at a rate measured on this project's 2-core machine; it is an order of magnitude, for
 * the user to read, and never a reason to refuse.
 */
import type { ModelKind } from './models/spec.js';
import type { RunConfig } from './runConfig.js';

/** Default largest exhaustive training set (src/task/sequences.ts DEFAULT_EXHAUSTIVE_CAP). */
export const EXHAUSTIVE_CAP_DEFAULT = 1_000_000;

/** The largest typed array V8 allocates, in elements: a longer parameter matrix cannot exist. */
export const MAX_ARRAY_ELEMENTS = 2 ** 32 - 1;

/** Node, onnxruntime and the modules loaded: what a run costs before its own arrays. */
const BASE_BYTES = 200 * 2 ** 20;

/** Floating-point operations per second of the onnx engine on 2 cores (docs/performance.md, training-step table). */
const FLOPS_PER_SECOND = 2e10;

/**
 * Seconds every step costs whatever its size (graph launch, batch, loss read, metrics): small runs
 * are all overhead (the D3 staircase example: 20,000 steps in 20 s).
 */
const SECONDS_PER_STEP = 1e-3;

/** The onnx engine's slice of a batch: about this many sequence × hidden values at a time. */
const SLICE_ELEMENTS = 2 ** 20;

/** Everything about a run that its cost depends on. */
export interface RunShape {
  model: ModelKind;
  /** |G|. */
  n: number;
  k: number;
  H: number;
  /** Sequences per training step. */
  batch: number;
  /** Sequences held for training (0 for online data, drawn per step). */
  trainCount: number;
  /** Sequences evaluated (all |G|^k where that fits under evaluation.maxExhaustive, else the sample). */
  evalCount: number;
  adam: boolean;
  steps: number;
}

export interface MemoryTerm {
  what: string;
  bytes: number;
}

export interface RunEstimate {
  shape: RunShape;
  /** Parameter count. */
  parameters: number;
  /** Elements of the largest parameter matrix. */
  largestMatrix: number;
  /** Peak bytes, the sum of `terms`. */
  bytes: number;
  /** The terms, largest first. */
  terms: MemoryTerm[];
  /** Rough seconds for the whole step budget on the onnx engine (2 cores); less when it stops on success. */
  seconds: number;
}

/** |G|^k, exact while it fits a double's integers (a count above any cap needs no more). */
export function sequenceCount(n: number, k: number): number {
  return n ** k;
}

/** The shape of `config`'s run on a group of order `n`. */
export function runShape(config: RunConfig, n: number): RunShape {
  const all = sequenceCount(n, config.k);
  const data = config.data;
  let trainCount: number;
  let batch: number;
  if (data.kind === 'exhaustive') {
    trainCount = all;
    batch = Math.min(data.batch ?? all, all);
  } else if (data.kind === 'sampled') {
    trainCount = data.count;
    batch = Math.min(data.batch ?? data.count, data.count);
  } else {
    trainCount = 0;
    batch = data.batch;
  }
  const evaluation = config.evaluation;
  return {
    model: config.model.kind as ModelKind,
    n,
    k: config.k,
    H: config.model.H,
    batch,
    trainCount,
    evalCount: all <= evaluation.maxExhaustive ? all : evaluation.sampled,
    adam: config.train.optimizer !== 'per-neuron',
    steps: config.train.steps + (config.train.warmStart?.steps ?? 0),
  };
}

/** The parameter matrices' sizes (src/learn/models/spec.ts parameterShapes, without building one). */
function matrixSizes(s: RunShape): number[] {
  const { n, k, H } = s;
  switch (s.model) {
    case 'mlp':
      return [H * k * n, n * H];
    case 'rnn':
      return [H * n, H * n, H * H, n * H];
    case 'tree':
      return [H * n, H * n, n * H, n * n];
  }
}

/** Floating-point operations of one training step (forward 1×, backward 2×). */
function flopsPerStep(s: RunShape): number {
  const { n, k, H, batch: B } = s;
  switch (s.model) {
    case 'mlp':
      return 3 * (2 * H * k * n * n + 2 * B * H * (k + n));
    case 'rnn':
      return 3 * (4 * H * n * n + 2 * B * H * (n + Math.max(0, k - 2) * H));
    case 'tree':
      return 3 * (4 * H * n * n + 6 * B * H * n * (k - 1) + 2 * B * n * n);
  }
}

export function estimateRun(shape: RunShape): RunEstimate {
  const { n, k, H, batch } = shape;
  const sizes = matrixSizes(shape);
  const parameters = sizes.reduce((a, b) => a + b, 0);
  const rows = Math.min(batch, Math.max(1, Math.floor(SLICE_ELEMENTS / H)));
  const terms: MemoryTerm[] = [
    { what: `parameters (${parameters.toLocaleString('en')})`, bytes: parameters * (shape.adam ? 72 : 32) },
    { what: 'group tables, irreps and encodings', bytes: 32 * n * n },
    { what: `activations (${rows} sequences × H at a time)`, bytes: 12 * rows * H * (k + 2) },
    {
      what: `evaluation outputs (${shape.evalCount.toLocaleString('en')} sequences × |G|)`,
      bytes: 20 * shape.evalCount * n,
    },
    {
      what: `sequences (${shape.trainCount.toLocaleString('en')} training, ${shape.evalCount.toLocaleString('en')} evaluation)`,
      bytes: 4 * (k + 1) * (shape.trainCount + shape.evalCount + batch),
    },
    { what: 'Node and the engine', bytes: BASE_BYTES },
  ];
  terms.sort((a, b) => b.bytes - a.bytes);
  const evaluations = Math.min(shape.steps, 250);
  const seconds =
    shape.steps * SECONDS_PER_STEP +
    (shape.steps * flopsPerStep(shape) +
      evaluations * (flopsPerStep({ ...shape, batch: shape.evalCount }) / 3)) /
      FLOPS_PER_SECOND;
  return {
    shape,
    parameters,
    largestMatrix: Math.max(...sizes),
    bytes: terms.reduce((a, t) => a + t.bytes, 0),
    terms,
    seconds,
  };
}

/** Bytes for people: 512 MiB, 3.2 GiB, 1.4 TiB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'more than any machine has';
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toPrecision(2)} ${units[unit]}`;
}

/** Seconds for people: 40 s, 12 min, 3.5 h, 9 days. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'forever';
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toPrecision(2)} h`;
  return `${Math.round(seconds / 86400).toLocaleString('en')} days`;
}
