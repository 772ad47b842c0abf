/**
 * What makes two sweep specs the same sweep, and how two specs differ, in the user's words.
 *
 * A sweep name holds one spec (issue 15): starting a changed spec under a stored name is refused
 * with the differences. Two specs are the same when they mean the same cells and runs however they
 * were written, so the identity is the spec as validated, with every default filled in (a default
 * written out is no change), its lists as sets (groups, encodings, k and models in another order
 * make the same cells) and without its name (the name is the key the identity is stored under, and a
 * renamed sweep keeps its identity). A width search's `guess` is left out too: it only says where each
 * cell's search starts (src/sweep/guess.ts).
 *
 * Pure and free of I/O (the hash, which needs node:crypto, is in specHash.ts).
 */
import { InputError } from '../errors.js';
import { canonicalJson, type Json } from './canonical.js';
import { encodingKey, groupKey, modelKey } from './keys.js';
import { parseSweepSpec } from './spec.js';

/** The spec's lists that make the cells: compared as sets of their entries' keys. */
export const SPEC_SETS = ['groups', 'encodings', 'k', 'models'] as const;

export type SpecIdentity = { [key: string]: Json };

const sortedUnique = (keys: string[]) => [...new Set(keys)].sort();

/**
 * The identity of a raw spec (the YAML data). A spec that no longer validates (stored by an older
 * sgc, say) is compared as written, less its name: it then differs from any valid spec, and the
 * differences still name its fields.
 */
export function specIdentity(raw: unknown): SpecIdentity {
  let spec: ReturnType<typeof parseSweepSpec>;
  try {
    spec = parseSweepSpec(raw, 'spec');
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const { name: _name, ...rest } = (raw ?? {}) as Record<string, unknown>;
    return JSON.parse(canonicalJson(rest)) as SpecIdentity;
  }
  const { mode, seeds, succeed, ...plan } = spec.width;
  // A search's guess is left out: it says where each cell's search starts, not which cells, runs or
  // H* definition the sweep holds, so a restart may move it (`npm run paper-scaling -- --run` does,
  // from the cells finished so far) without being refused as another spec.
  const { guess: _start, ...search } = plan as { guess?: unknown };
  const width =
    mode === 'search'
      ? { search, seeds, succeed }
      : { values: (plan as { values: number[] }).values, seeds, succeed };
  return JSON.parse(
    canonicalJson({
      groups: sortedUnique(spec.groups.map(groupKey)),
      encodings: sortedUnique(spec.encodings.map(encodingKey)),
      k: [...new Set(spec.k)].sort((a, b) => a - b),
      models: sortedUnique(spec.models.map(modelKey)),
      powersMismatch: spec.powersMismatch,
      width,
      train: spec.train,
      data: spec.data,
      order: spec.order,
      evaluation: spec.evaluation,
      engine: spec.engine,
    }),
  ) as SpecIdentity;
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

function shown(value: Json | undefined): string {
  if (value === undefined) return 'unset';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Leaf differences of two objects as `path: before → after`, fields in sorted order. */
function fieldDifferences(path: string, before: Json | undefined, after: Json | undefined, out: string[]) {
  if (isObject(before) && isObject(after)) {
    for (const key of sortedUnique([...Object.keys(before), ...Object.keys(after)]))
      fieldDifferences(path ? `${path}.${key}` : key, before[key], after[key], out);
    return;
  }
  if (JSON.stringify(before) !== JSON.stringify(after))
    out.push(`${path}: ${shown(before)} → ${shown(after)}`);
}

/** The entries of a set-like list as strings (k values are numbers). */
function entries(value: Json | undefined): string[] | undefined {
  return Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) : undefined;
}

/**
 * How the identity `after` differs from `before`, one item per field: `groups: +C5`, `k: -3 +4`
 * (removed, then added), `train.steps: 5000 → 8000`. Empty when they are the same.
 */
export function specDifferences(before: SpecIdentity, after: SpecIdentity): string[] {
  const out: string[] = [];
  for (const field of SPEC_SETS) {
    const was = entries(before[field]);
    const now = entries(after[field]);
    if (!was || !now) {
      fieldDifferences(field, before[field], after[field], out);
      continue;
    }
    const removed = was.filter((x) => !now.includes(x)).map((x) => `-${x}`);
    const added = now.filter((x) => !was.includes(x)).map((x) => `+${x}`);
    if (removed.length + added.length > 0) out.push(`${field}: ${[...removed, ...added].join(' ')}`);
  }
  const rest = (identity: SpecIdentity) =>
    Object.fromEntries(
      Object.entries(identity).filter(([key]) => !(SPEC_SETS as readonly string[]).includes(key)),
    );
  fieldDifferences('', rest(before), rest(after), out);
  return out;
}
