/**
 * The configuration of one training run (`sgc train run.yaml`), validated with zod. The `train`
 * block has the same keys as a sweep spec's, so a run can be lifted out of a sweep and back.
 *
 *   group: D3
 *   encoding: {kind: powers, powers: [0, 30, 3000]}
 *   k: 2
 *   model: {kind: mlp, H: 180}                 # degree: 2 or square: true for the mlp
 *   train: {optimizer: per-neuron, lr: 0.01, init: 1.0e-3, steps: 20000, clip: 0.1, seed: 0}
 *   data: {kind: exhaustive}                   # or {kind: sampled, count, seed} / {kind: online, batch}
 *                                              # batch, dropLast: minibatches of a fixed set
 *   engine: {name: onnx}                       # onnx (default), tfjs, reference, native; backend: cuda, …, any
 */
import { z } from 'zod';
import { ANY_BACKEND, ENGINE_BACKENDS, isBackendOf } from './engine/backends.js';
import { MODEL_KINDS } from './models/spec.js';
import { OPTIMIZER_KINDS } from './optimizers.js';
import { DEFAULT_LOSS_REDUCTION } from './success.js';

const positiveInt = z.number().int().positive();

export const EncodingSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('onehot'),
    index: z.number().int().nonnegative().optional(),
    amplitude: z.number().optional(),
  }),
  z.strictObject({ kind: z.literal('powers'), powers: z.array(z.number().nonnegative()).min(1) }),
  z.strictObject({
    kind: z.literal('random'),
    seed: z.number().int().optional(),
    scale: z.number().positive().optional(),
  }),
  z.strictObject({ kind: z.literal('vector'), values: z.array(z.number()).min(1) }),
]);

export const ModelConfigSchema = z.strictObject({
  kind: z.enum(MODEL_KINDS as [string, ...string[]]),
  H: positiveInt,
  /** mlp: the power of the activation (default k). */
  degree: positiveInt.optional(),
  /** mlp: shorthand for degree 2. */
  square: z.boolean().optional(),
});

export const TrainSchema = z.strictObject({
  optimizer: z.enum(OPTIMIZER_KINDS as [string, ...string[]]).default('per-neuron'),
  lr: z.number().positive(),
  /** Init scale s (α): weights ~ s·N(0,1)/√fan-in. */
  init: z.number().nonnegative(),
  steps: positiveInt,
  clip: z.number().positive().optional(),
  seed: z.number().int().nonnegative().default(0),
  /** per-neuron: exponent degree (default: the model's activation degree). */
  degree: positiveInt.optional(),
  /** per-neuron: multiply lr by log(1/init). */
  timeRescale: z.boolean().default(false),
  /** Success needs accuracy 1 and loss ≤ (1 − lossReduction)·min(initial loss, zero output's loss). */
  lossReduction: z.number().gt(0).lt(1).default(DEFAULT_LOSS_REDUCTION),
  /** Success also needs every irrep of nonzero power at ≥ 90 % of its power (src/learn/success.ts). */
  everyIrrep: z.boolean().default(true),
  /** Stop as soon as the run has succeeded. */
  stopOnSuccess: z.boolean().default(true),
  /** Optional plateau detection: fail when the loss improves by less than `tolerance` (relative) over `window` steps. */
  plateau: z.strictObject({ window: positiveInt, tolerance: z.number().positive() }).optional(),
  /**
   * rnn and tree: first train the same model at k = 2 for up to `steps` steps, then start the k-step
   * network from that pair solution (src/learn/warmStart.ts); `steps` above is the budget after it.
   */
  warmStart: z.strictObject({ steps: positiveInt }).optional(),
  /** Evaluate accuracy and irrep power every this many steps (besides log-spaced early steps). */
  evalEvery: positiveInt.optional(),
  /**
   * Also log the mean training loss of each epoch (a pass through a fixed training set): the mean
   * of its batches' losses, as a PyTorch loop that averages loss.item() over its DataLoader does.
   */
  epochLoss: z.boolean().optional(),
});

/**
 * Minibatches (batch < the set's size): drop the short last batch of each pass through the set (true,
 * the default when absent) or train on it too (false, as PyTorch's DataLoader does by default). Absent
 * rather than defaulted, so configs without it keep their configHash.
 */
const dropLast = z.boolean().optional();

export const DataSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('exhaustive'),
      batch: positiveInt.optional(),
      cap: positiveInt.optional(),
      dropLast,
    }),
    z.strictObject({
      kind: z.literal('sampled'),
      count: positiveInt,
      seed: z.number().int().default(0),
      batch: positiveInt.optional(),
      dropLast,
    }),
    z.strictObject({
      kind: z.literal('online'),
      batch: positiveInt,
      seed: z.number().int().default(0),
      /**
       * Draw each run's batches from seed + train.seed, so the seeds of a sweep differ in their data
       * as well as their init (as one torch.manual_seed per run does). Absent rather than defaulted,
       * so configs without it keep their configHash.
       */
      perRun: z.boolean().optional(),
    }),
  ])
  .default({ kind: 'exhaustive' });

/**
 * The engine block. `backend` names where the run must train (only workers running that backend
 * take it); none, or `any`, lets any worker of the engine train it on its own backend. `any` is
 * dropped here, so that both spellings are one config (and one config hash).
 */
export const EngineConfigSchema = z
  .strictObject({
    name: z.enum(['onnx', 'tfjs', 'reference', 'native']).default('onnx'),
    backend: z.string().optional(),
  })
  .superRefine((engine, ctx) => {
    const { name, backend } = engine;
    if (backend !== undefined && backend !== ANY_BACKEND && !isBackendOf(name, backend))
      ctx.addIssue({
        code: 'custom',
        path: ['backend'],
        message: `"${backend}" is not a backend of the ${name} engine (${ENGINE_BACKENDS[name].join(', ')}, or ${ANY_BACKEND})`,
      });
  })
  .transform(({ name, backend }) =>
    backend === undefined || backend === ANY_BACKEND ? { name } : { name, backend },
  )
  .default({ name: 'onnx' });

export const RunConfigSchema = z.strictObject({
  name: z.string().optional(),
  group: z.string().min(1),
  encoding: EncodingSpecSchema,
  k: z.number().int().min(2),
  order: z.enum(['left', 'right']).default('left'),
  model: ModelConfigSchema,
  train: TrainSchema,
  data: DataSchema,
  /** Sequences to evaluate on when |G|^k is above the exhaustive cap. */
  evaluation: z
    .strictObject({ maxExhaustive: positiveInt.default(100_000), sampled: positiveInt.default(20_000) })
    .default({
      maxExhaustive: 100_000,
      sampled: 20_000,
    }),
  engine: EngineConfigSchema,
});

export type RunConfig = z.infer<typeof RunConfigSchema>;
