/**
 * The canonical form of a run: what configHash hashes. Two configs that train the same run must
 * give the same canonical JSON however they were written, so:
 *   - objects are written with their keys sorted (recursively), undefined fields left out;
 *   - every default is filled in: the run config schema's, the encoding's (as `encode` resolves it:
 *     onehot index 1 and amplitude 10, random seed 0 and scale 1), the model's degree (square → 2;
 *     mlp: k when not given; rnn and tree: 2) and the per-neuron degree (the model's);
 *   - `name` is left out: it labels a run and does not change its result.
 * Pure and free of I/O (no crypto here), so workflow code may import it.
 */
import { type ModelKind, makeModelSpec } from '../learn/models/spec.js';
import { RunConfigSchema } from '../learn/runConfig.js';
import { parseWithSchema } from '../validation.js';
import { resolvedEncoding } from './fit.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function canonicalValue(value: unknown, where: string): Json | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${where}: ${value} has no JSON form`);
    return Object.is(value, -0) ? 0 : value;
  }
  if (Array.isArray(value)) return value.map((v, i) => canonicalValue(v, `${where}[${i}]`) ?? null);
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const v = canonicalValue((value as Record<string, unknown>)[key], `${where}.${key}`);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  throw new Error(`${where}: a ${typeof value} has no JSON form`);
}

/** JSON with object keys sorted recursively and undefined fields dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalValue(value, '(value)') ?? null);
}

/** A run config reduced to what determines its result, every default filled in (see the header). */
export function canonicalRunConfig(config: unknown): Json {
  const run = parseWithSchema(RunConfigSchema, config, 'run config');
  const { name: _label, ...rest } = run;
  const degree = run.model.square ? 2 : run.model.degree;
  const model = makeModelSpec(run.model.kind as ModelKind, 1, run.k, run.model.H, degree);
  return canonicalValue(
    {
      ...rest,
      encoding: resolvedEncoding(run.group, run.encoding),
      model: { kind: model.kind, H: model.H, degree: model.degree },
      train: { ...run.train, degree: run.train.degree ?? model.degree },
    },
    'run config',
  )!;
}
