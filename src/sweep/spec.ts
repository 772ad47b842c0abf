/**
 * The sweep spec (YAML), validated with zod: which cells to run and how to find each cell's
 * minimal width.
 *
 *   name: cyclic-width                     # letters, digits, . _ -; part of workflow ids
 *   groups: [C6, D3]
 *   encodings: [{kind: onehot}, {kind: powers, powers: [0, 30, 3000]}]
 *   powersMismatch: skip                   # error (default) | skip: see below
 *   k: [2, 3, 4]
 *   models: [mlp, rnn, tree]               # or objects without H: {kind: mlp, degree: 2}
 *   width: {search: {start: 8, max: 16384}, seeds: 3, succeed: 2}
 *                                          # search also takes perOctave (grid points per doubling,
 *                                          # default 1), recheck (default true) and guess (where
 *                                          # the search starts: a width, or theory = 2^(k−1)·|G|
 *                                          # per cell; only a starting point, in no run's identity);
 *                                          # or {values: [16, 32, 64], seeds: 3, succeed: 2}
 *                                          # seeds default 1, succeed defaults to seeds
 *   train: {optimizer: per-neuron, lr: 0.01, init: 1.0e-3, steps: 20000, clip: 0.1}
 *                                          # steps may also be one cap per k, every k of the
 *                                          # spec listed: {2: 20000, 3: 20000, 4: 1000000}
 *   engine: {name: onnx}
 *   data: …, order: …, evaluation: …       # optional, as in a run config
 *
 * The cells are groups × encodings × k × models. `train`, `data`, `order`, `evaluation` and
 * `engine` are a run config's blocks (src/learn/runConfig.ts), so every run of a sweep is a run
 * config `sgc train` accepts. `train.seed` is refused: each run's seed comes from the width search.
 *
 * A `powers` encoding lists one power per irrep, so it is written for the groups with that many
 * irreps. With `powersMismatch: error` (the default) a group with another irrep count is an error;
 * with `powersMismatch: skip` that (group, encoding) pair is left out and listed in the expansion's
 * `skipped`, with the reason. A spec that leaves no cell at all is an error either way.
 *
 * Every error names the field, the value and what is allowed (through parseWithSchema): the
 * schema's own, then the checks that need the groups (names, encodings, model and optimizer).
 */
import { z } from 'zod';
import { InputError } from '../errors.js';
import { engineModelProblem } from '../learn/engine/backends.js';
import { type ModelKind, makeModelSpec } from '../learn/models/spec.js';
import { type OptimizerKind, validateOptimizer } from '../learn/optimizers.js';
import {
  DataSchema,
  EncodingSpecSchema,
  EngineConfigSchema,
  ModelConfigSchema,
  type RunConfig,
  RunConfigSchema,
  TrainSchema,
} from '../learn/runConfig.js';
import type { EncodingSpec } from '../task/encoding.js';
import { parseWithSchema } from '../validation.js';
import { encodingFit } from './fit.js';
import { encodingKey, groupKey, type ModelChoice, modelKey } from './keys.js';
import { MAX_PER_OCTAVE, type WidthPlan } from './widthSearch.js';

/** Guards against typos and absurd values, not science limits. */
export const SWEEP_LIMITS = { maxK: 64, maxWidth: 2 ** 30, maxSeeds: 100, maxValues: 1000 } as const;

const widthValue = z.number().int().min(1).max(SWEEP_LIMITS.maxWidth);

const GUESS_MESSAGE = `give a width (a whole number from 1 to ${SWEEP_LIMITS.maxWidth}; outside start … max the search starts at the nearer end) or theory (2^(k−1)·|G| for each cell)`;

const WidthSchema = z.strictObject({
  search: z
    .strictObject({
      start: widthValue,
      max: widthValue,
      perOctave: z.number().int().min(1).max(MAX_PER_OCTAVE).default(1),
      recheck: z.boolean().default(true),
      guess: z
        .union([z.number(), z.literal('theory')], { error: GUESS_MESSAGE })
        .refine((g) => g === 'theory' || widthValue.safeParse(g).success, { error: GUESS_MESSAGE })
        .optional(),
    })
    .optional(),
  values: z.array(widthValue).min(1).max(SWEEP_LIMITS.maxValues).optional(),
  seeds: z.number().int().min(1).max(SWEEP_LIMITS.maxSeeds).default(1),
  succeed: z.number().int().min(1).optional(),
});

const STEPS_MESSAGE =
  'give a whole number of steps, or one per k of the spec, such as {2: 20000, 3: 20000, 4: 1000000}';

const StepsPerKSchema = z.record(z.string().regex(/^[0-9]+$/), TrainSchema.shape.steps);

/**
 * `train.steps` of a sweep: one cap, or one per k (YAML's `{2: 20000}` has the key "2"). Routed by
 * the value's type rather than a zod union, so that a bad cap at one k is named by its path
 * (`train.steps.4`) instead of a union's "invalid input".
 */
const SweepStepsSchema = z.unknown().transform((value, ctx): number | StepsPerK => {
  const perK = typeof value === 'object' && value !== null && !Array.isArray(value);
  const parsed = (perK ? StepsPerKSchema : TrainSchema.shape.steps).safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    ctx.addIssue({
      code: 'custom',
      path: issue.path,
      input: value,
      message:
        issue.code === 'invalid_key'
          ? 'is not a k: a cap per k is keyed by the k values of the spec'
          : perK || typeof value === 'number'
            ? issue.message
            : STEPS_MESSAGE,
    });
  return z.NEVER;
});

const SweepTrainSchema = TrainSchema.extend({
  steps: SweepStepsSchema,
  seed: z
    .never({
      error: 'a sweep sets each run’s seed itself (0, 1, … per width, from width.seeds); remove train.seed',
    })
    .optional(),
});

const SweepSpecShape = z.strictObject({
  name: z
    .string()
    .max(100)
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      'use letters, digits, ".", "_" and "-", starting with a letter or digit',
    ),
  groups: z.array(z.string().min(1)).min(1),
  encodings: z.array(EncodingSpecSchema).min(1),
  powersMismatch: z.enum(['error', 'skip']).default('error'),
  k: z.array(z.number().int().min(2).max(SWEEP_LIMITS.maxK)).min(1),
  models: z.array(ModelConfigSchema.omit({ H: true })).min(1),
  width: WidthSchema,
  train: SweepTrainSchema,
  data: DataSchema,
  order: RunConfigSchema.shape.order,
  evaluation: RunConfigSchema.shape.evaluation,
  engine: EngineConfigSchema,
});

type SweepSpecInput = z.infer<typeof SweepSpecShape>;

/** A cell's training block: a run config's, less the seed the width search gives each run. */
export type SweepTrain = Omit<RunConfig['train'], 'seed'>;

/** A step cap per k (keys: k as written in YAML, "2", "3", …). */
export type StepsPerK = Record<string, number>;

/** The spec's training block: a cell's, with the step cap given once or per k. */
export type SweepSpecTrain = Omit<SweepTrain, 'steps'> & { steps: number | StepsPerK };

/**
 * The step cap of the cells of `k`. A cap per k lets a spec give the wider k the longer training
 * they need (the paper's scaling sweep: 20,000 steps decide k = 2, 3, but k = 4, 5 need up to 10⁶),
 * without paying that cap on every failing run of the small k.
 */
export function stepsAt(train: { steps: number | StepsPerK }, k: number): number {
  if (typeof train.steps === 'number') return train.steps;
  const steps = train.steps[String(k)];
  if (steps === undefined) throw new Error(`train.steps has no cap for k = ${k}`);
  return steps;
}

/** The largest step cap of any k (what a budget for the whole spec must allow). */
export function maxSteps(train: { steps: number | StepsPerK }): number {
  return typeof train.steps === 'number' ? train.steps : Math.max(...Object.values(train.steps));
}

export interface SweepSpec {
  name: string;
  groups: string[];
  encodings: EncodingSpec[];
  powersMismatch: 'error' | 'skip';
  k: number[];
  models: ModelChoice[];
  width: WidthPlan;
  train: SweepSpecTrain;
  data: RunConfig['data'];
  order: RunConfig['order'];
  evaluation: RunConfig['evaluation'];
  engine: RunConfig['engine'];
}

type Issue = { path: (string | number)[]; message: string };

/** The model a spec entry means: `square: true` is degree 2. */
function modelChoice(model: SweepSpecInput['models'][number]): ModelChoice {
  const degree = model.square ? 2 : model.degree;
  return { kind: model.kind as ModelKind, ...(degree !== undefined ? { degree } : {}) };
}

/** Entries whose key repeats an earlier one's. */
function repeats<T>(items: readonly T[], key: (item: T) => string, field: string): Issue[] {
  const first = new Map<string, number>();
  const issues: Issue[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    const j = first.get(k);
    if (j === undefined) first.set(k, i);
    else issues.push({ path: [field, i], message: `repeats ${field}.${j}; each entry must be different` });
  });
  return issues;
}

function widthIssues(width: SweepSpecInput['width']): Issue[] {
  const issues: Issue[] = [];
  if (width.search && width.values)
    issues.push({ path: ['width', 'values'], message: 'give either width.search or width.values, not both' });
  if (!width.search && !width.values)
    issues.push({
      path: ['width', 'search'],
      message: 'give width.search: {start, max} (a width search) or width.values: [H, …] (a plain grid)',
    });
  if (width.search && width.search.start > width.search.max)
    issues.push({
      path: ['width', 'search', 'max'],
      message: `must be ≥ width.search.start (${width.search.start})`,
    });
  width.values?.forEach((v, i) => {
    if (width.values!.indexOf(v) < i)
      issues.push({ path: ['width', 'values', i], message: 'repeats an earlier value; values must differ' });
  });
  if (width.succeed !== undefined && width.succeed > width.seeds)
    issues.push({
      path: ['width', 'succeed'],
      message: `must be ≤ width.seeds (${width.seeds}): success means ≥ succeed of seeds runs succeed`,
    });
  return issues;
}

/** Model and optimizer problems: they do not depend on the group or k. */
function modelIssues(spec: SweepSpecInput): Issue[] {
  const issues: Issue[] = [];
  spec.models.forEach((model, i) => {
    if (model.square && model.degree !== undefined && model.degree !== 2) {
      issues.push({ path: ['models', i], message: `square: true means degree 2, not ${model.degree}` });
      return;
    }
    const choice = modelChoice(model);
    const unfit = engineModelProblem(spec.engine.name, choice.kind);
    if (unfit !== undefined) {
      issues.push({ path: ['models', i], message: unfit });
      return;
    }
    try {
      const shape = makeModelSpec(choice.kind, 2, 2, 1, choice.degree);
      try {
        validateOptimizer(shape, {
          kind: spec.train.optimizer as OptimizerKind,
          lr: spec.train.lr,
          ...(spec.train.clip !== undefined ? { clip: spec.train.clip } : {}),
          ...(spec.train.timeRescale ? { timeRescale: { initScale: spec.train.init } } : {}),
        });
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        issues.push({
          path: ['train'],
          message: `with model ${modelKey(choice)} (models.${i}): ${error.message}`,
        });
      }
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      issues.push({ path: ['models', i], message: error.message });
    }
  });
  return issues;
}

/** Group names, and every (group, encoding) pair: fits, skipped (powersMismatch: skip) or an error. */
function groupAndEncodingIssues(spec: SweepSpecInput): Issue[] {
  const issues: Issue[] = [];
  const groups: string[] = [];
  spec.groups.forEach((group, i) => {
    try {
      encodingFit(group, { kind: 'onehot' });
      groups.push(group);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      issues.push({ path: ['groups', i], message: error.message });
    }
  });
  let fitting = 0;
  spec.encodings.forEach((encoding, e) => {
    for (const group of groups) {
      const fit = encodingFit(group, encoding);
      if (fit.fits) fitting++;
      else if (!fit.mismatch)
        issues.push({ path: ['encodings', e], message: `with ${group}: ${fit.reason}` });
      else if (spec.powersMismatch === 'error')
        issues.push({
          path: ['encodings', e, 'powers'],
          message: `with ${group}: ${fit.reason} (or write powersMismatch: skip to leave such pairs out)`,
        });
    }
  });
  if (issues.length === 0 && fitting === 0)
    issues.push({
      path: ['encodings'],
      message: `no encoding fits any of the groups ${groups.join(', ')}, so the sweep has no cell`,
    });
  return issues;
}

/** A cap per k must name every k of the spec, and no other. */
function stepsIssues(spec: SweepSpecInput): Issue[] {
  const { steps } = spec.train;
  if (typeof steps === 'number') return [];
  const given = Object.keys(steps).map(Number);
  return [
    ...spec.k
      .filter((k) => !given.includes(k))
      .map((k) => ({
        path: ['train', 'steps'],
        message: `gives no cap for k = ${k}: list every k of the spec`,
      })),
    ...given
      .filter((k) => !spec.k.includes(k))
      .map((k) => ({
        path: ['train', 'steps', String(k)],
        message: `k = ${k} is not in the spec's k (${spec.k.join(', ')})`,
      })),
  ];
}

/**
 * The cap as the spec means it: one number when every k has the same (so `{2: 5000, 3: 5000}` and
 * `5000` are the same sweep), else the caps with their keys in k order.
 */
function normalSteps(steps: number | StepsPerK): number | StepsPerK {
  if (typeof steps === 'number') return steps;
  const caps = new Set(Object.values(steps));
  if (caps.size === 1) return [...caps][0];
  const ks = Object.keys(steps).sort((a, b) => Number(a) - Number(b));
  return Object.fromEntries(ks.map((k) => [String(Number(k)), steps[k]]));
}

function semanticIssues(spec: SweepSpecInput): Issue[] {
  return [
    ...widthIssues(spec.width),
    ...stepsIssues(spec),
    ...repeats(spec.groups, groupKey, 'groups'),
    ...repeats(spec.encodings, encodingKey, 'encodings'),
    ...repeats(spec.k, String, 'k'),
    ...repeats(spec.models, (m) => modelKey(modelChoice(m)), 'models'),
    ...modelIssues(spec),
    ...groupAndEncodingIssues(spec),
  ];
}

function toSweepSpec(spec: SweepSpecInput): SweepSpec {
  const { seeds } = spec.width;
  const succeed = spec.width.succeed ?? seeds;
  const search = spec.width.search;
  const width: WidthPlan = search
    ? { mode: 'search', ...search, seeds, succeed }
    : { mode: 'values', values: [...spec.width.values!].sort((a, b) => a - b), seeds, succeed };
  const { seed: _refused, ...train } = spec.train;
  train.steps = normalSteps(train.steps);
  return {
    name: spec.name,
    groups: spec.groups,
    encodings: spec.encodings,
    powersMismatch: spec.powersMismatch,
    k: spec.k,
    models: spec.models.map(modelChoice),
    width,
    train,
    data: spec.data,
    order: spec.order,
    evaluation: spec.evaluation,
    engine: spec.engine,
  };
}

// The semantic checks run only on a spec whose shape is valid: on a value the schema already refused
// (lr: -1, width.search.max: 0) they would only restate that problem in other words.
export const SweepSpecSchema = SweepSpecShape.superRefine(
  (spec, ctx) => {
    for (const issue of semanticIssues(spec)) ctx.addIssue({ code: 'custom', ...issue });
  },
  { when: (payload) => payload.issues.length === 0 },
  // Some issues (an unknown key) do not stop zod before the transform, which needs a valid shape.
).transform((spec, ctx) => (ctx.issues.length > 0 ? z.NEVER : toSweepSpec(spec)));

/** `models: [mlp, rnn]` is shorthand for `[{kind: mlp}, {kind: rnn}]`. */
function expandModelShorthand(data: unknown): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const models = (data as Record<string, unknown>).models;
  if (!Array.isArray(models)) return data;
  return { ...data, models: models.map((m) => (typeof m === 'string' ? { kind: m } : m)) };
}

/** Parses a sweep spec (YAML already parsed into `data`); throws one InputError naming every problem. */
export function parseSweepSpec(data: unknown, source: string): SweepSpec {
  return parseWithSchema(SweepSpecSchema, expandModelShorthand(data), source);
}
