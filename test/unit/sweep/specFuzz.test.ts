/**
 * 1,000 seeded mutations of the example sweep specs (wrong types, unknown groups, k < 2, negative or
 * huge widths, powers of the wrong length, missing and unknown fields): each either still describes a
 * valid sweep or is refused with one InputError that names the field — never another exception.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { Random } from '../../../src/algebra/random.js';
import { packageRoot } from '../../../src/codeLocation.js';
import { InputError } from '../../../src/errors.js';
import { expandSweep, runConfig } from '../../../src/sweep/expand.js';
import { parseSweepSpec } from '../../../src/sweep/spec.js';

const folder = join(packageRoot, 'examples');
const examples: unknown[] = readdirSync(folder)
  .filter((f) => f.startsWith('sweep-') && f.endsWith('.yaml'))
  .map((f) => parse(readFileSync(join(folder, f), 'utf8')));
// One richer spec beside the examples, so that every kind of field is there to mutate.
examples.push({
  name: 'rich',
  groups: ['D3', 'C4xC2'],
  encodings: [
    { kind: 'onehot', index: 1, amplitude: 5 },
    { kind: 'powers', powers: [0, 30, 3000] },
    { kind: 'random', seed: 2 },
  ],
  powersMismatch: 'skip',
  k: [2, 3],
  models: ['mlp', { kind: 'rnn' }, 'tree'],
  width: { search: { start: 8, max: 1024 }, seeds: 3, succeed: 2 },
  train: { optimizer: 'adam', lr: 0.01, init: 0.1, steps: 100, clip: 1 },
  engine: { name: 'reference' },
});

type Path = (string | number)[];

/** Every path to a value in a JSON tree. */
function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

const replacements: unknown[] = [
  'text',
  '',
  -1,
  0,
  1,
  1.5,
  -1e9,
  1e308,
  Number.MAX_SAFE_INTEGER,
  true,
  null,
  [],
  [1, 2],
  {},
  { x: 1 },
  'Z9',
  'C0',
  'S9',
  'C5000',
  'D3x',
  [0, 1],
  [0, -5, 3],
];

function mutate(spec: unknown, rng: Random): { spec: unknown; path: Path; what: string } {
  const copy = structuredClone(spec) as Record<string, unknown>;
  const all = paths(copy);
  const path = all[rng.int(all.length)];
  let parent: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  const kind = rng.int(3);
  if (kind === 0 && !Array.isArray(parent)) {
    delete parent[last];
    return { spec: copy, path, what: 'deleted' };
  }
  if (kind === 1 && !Array.isArray(parent)) {
    parent[`bogus${rng.int(100)}`] = 1;
    return { spec: copy, path: path.slice(0, -1), what: 'unknown key added' };
  }
  parent[last] = replacements[rng.int(replacements.length)];
  return { spec: copy, path, what: `set to ${JSON.stringify(parent[last])}` };
}

test('1,000 seeded mutations of the example specs: valid, or one InputError naming the field', () => {
  const rng = new Random(1000);
  let refused = 0;
  for (let i = 0; i < 1000; i++) {
    const base = examples[i % examples.length];
    const { spec, path, what } = mutate(base, rng);
    const where = `mutation ${i} (${path.join('.') || 'top level'} ${what})`;
    try {
      const expansion = expandSweep(parseSweepSpec(spec, 'spec.yaml'));
      for (const cell of expansion.cells.slice(0, 3)) runConfig(cell, 8, 0);
    } catch (error) {
      refused++;
      assert.ok(error instanceof InputError, `${where}: ${(error as Error).stack}`);
      assert.match(error.message, /^spec\.yaml: /, where);
      assert.doesNotMatch(error.message, /\n\s+at /, `${where}: no stack trace`);
      // The message names the field: the mutated path's first key, or the unknown key it added.
      // A field is named as a whole word of a dotted path (`width.search.start:`), or as the unknown
      // key itself; a semantic check may name the group or encoding it concerns instead.
      const first = String(path[0] ?? '');
      const names = new RegExp(`(^|[\\s"(])(${first}([.:\\s"]|$)|bogus\\d+|\\(top level\\))`, 'm');
      assert.match(error.message, names, `${where}: the message does not name the field`);
    }
  }
  assert.ok(refused > 600, `most mutations are invalid (${refused} refused)`);
  assert.ok(refused < 1000, 'some mutations leave a valid spec (e.g. another valid width)');
});
