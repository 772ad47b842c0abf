/**
 * Seeded mutations of the example sweep specs, as the YAML files a user could write: wrong types,
 * unknown groups, k < 2, negative widths, powers of the wrong length, missing and unknown fields,
 * huge values and expansions, broken YAML, empty files and files that are not a mapping.
 *
 * Any command that loads a sweep spec (`sgc sweep check`, `sweep start`, `sgc run`) can be fuzzed
 * with them: `specMutations(n, seed)` gives the same n mutations for the same seed, each with what
 * a refusal must name, and `assertRefusal` checks such a refusal. The mutations are written against
 * the spec's YAML text, so they also reach what the schema never sees (syntax, empty files).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { Random } from '../../src/algebra/random.js';
import { packageRoot } from '../../src/codeLocation.js';
import { issueSweepSpec } from '../fixtures/sweepSpecs.js';

export type MutationKind =
  | 'wrong-type'
  | 'unknown-group'
  | 'k-too-small'
  | 'negative-width'
  | 'powers-wrong-length'
  | 'missing-field'
  | 'unknown-field'
  | 'huge-value'
  | 'huge-expansion'
  | 'yaml-syntax'
  | 'empty'
  | 'not-a-mapping';

export interface SpecMutation {
  /** Index in the sequence: also a stable file name. */
  index: number;
  kind: MutationKind;
  /** The spec it started from. */
  base: string;
  /** What was changed, for failure messages. */
  description: string;
  /** The YAML text to write to the spec file. */
  text: string;
  /** The parsed data (undefined for text the YAML parser refuses or that is not a mapping). */
  data?: unknown;
  /**
   * true: the spec is certainly invalid, whatever else holds. false: it may stay valid (a number
   * set to another number, a field with a default removed); the command then must accept it.
   */
  invalid: boolean;
  /**
   * What a refusal must name: a field (the first key of the changed path, or the unknown key added),
   * `yaml-position` (file:line:column) or `file` (the file alone: empty, not a mapping).
   */
  names: { field: string } | 'yaml-position' | 'file';
}

type Path = (string | number)[];
type Json = Record<string, unknown>;

const examplesDir = join(packageRoot, 'examples');

/** The specs mutations start from: examples/sweep-*.yaml, then the issue's spec (test/fixtures). */
export function baseSpecs(): { name: string; data: Json }[] {
  const examples = readdirSync(examplesDir)
    .filter((f) => f.startsWith('sweep-') && f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: `examples/${f}`, data: parse(readFileSync(join(examplesDir, f), 'utf8')) as Json }));
  return [...examples, { name: 'fixtures/issueSweepSpec', data: issueSweepSpec() }];
}

/** Every path to a value in a JSON tree. */
function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function pick<T>(rng: Random, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

function parentOf(root: unknown, path: Path): Record<string | number, unknown> {
  let parent = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  return parent;
}

/** A value of another JSON type than `value`. */
function otherType(value: unknown, rng: Random): unknown {
  const byType: Record<string, unknown[]> = {
    string: ['text', '', 'C6'],
    number: [-1, 0, 1.5, 7],
    boolean: [true, false],
    null: [null],
    array: [[], [1, 2], ['C6']],
    object: [{}, { x: 1 }],
  };
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  const others = Object.keys(byType).filter((t) => t !== type);
  return pick(rng, byType[pick(rng, others)]);
}

function dataMutation(
  kind: MutationKind,
  data: Json,
  description: string,
  invalid: boolean,
  field: string,
): Omit<SpecMutation, 'index' | 'base'> {
  return { kind, description, data, text: stringify(data), invalid, names: { field } };
}

const unknownGroups = ['Z9', 'C0', 'C1', 'S9', 'C5000', 'D3x', 'Foo', 'A0', 'D1', 'C4xZ2'];
const hugeNumbers = [1e308, Number.MAX_SAFE_INTEGER, 2 ** 31, 1e12, -1e12];

const mutators: Record<MutationKind, (spec: Json, rng: Random) => Omit<SpecMutation, 'index' | 'base'>> = {
  'wrong-type'(spec, rng) {
    const path = pick(rng, paths(spec));
    const parent = parentOf(spec, path);
    const last = path[path.length - 1];
    const before = parent[last];
    parent[last] = otherType(before, rng);
    // models: [mlp] and models: [{kind: mlp}] are both right, so a string ↔ object swap may pass.
    return dataMutation(
      'wrong-type',
      spec,
      `${path.join('.')}: ${JSON.stringify(before)} → ${JSON.stringify(parent[last])}`,
      false,
      String(path[0]),
    );
  },
  'unknown-group'(spec, rng) {
    const groups = spec.groups as string[];
    const i = rng.int(groups.length);
    groups[i] = pick(rng, unknownGroups);
    return dataMutation('unknown-group', spec, `groups.${i} = ${groups[i]}`, true, 'groups');
  },
  'k-too-small'(spec, rng) {
    const k = spec.k as number[];
    const i = rng.int(k.length);
    k[i] = pick(rng, [1, 0, -1, -7]);
    return dataMutation('k-too-small', spec, `k.${i} = ${k[i]}`, true, 'k');
  },
  'negative-width'(spec, rng) {
    const width = spec.width as Json;
    const value = pick(rng, [-1, -8, -16384, 0]);
    if (width.search) {
      const key = pick(rng, ['start', 'max']);
      (width.search as Json)[key] = value;
      return dataMutation('negative-width', spec, `width.search.${key} = ${value}`, true, 'width');
    }
    const values = width.values as number[];
    const i = rng.int(values.length);
    values[i] = value;
    return dataMutation('negative-width', spec, `width.values.${i} = ${value}`, true, 'width');
  },
  'powers-wrong-length'(spec, rng) {
    // No base spec has a group with 1, 2, 7 or 9 irreps (C6: 4, D3: 3), so this encoding fits none.
    const length = pick(rng, [1, 2, 7, 9]);
    const powers = Array.from({ length }, (_, i) => (i === 0 ? 0 : 10 * i));
    (spec.encodings as unknown[]).push({ kind: 'powers', powers });
    const skip = rng.int(3) === 0;
    if (skip) spec.powersMismatch = 'skip';
    else delete spec.powersMismatch;
    // Under powersMismatch: skip the pair is left out, and the other encodings still make cells.
    return dataMutation(
      'powers-wrong-length',
      spec,
      `encodings += powers of length ${length}${skip ? ' (powersMismatch: skip)' : ''}`,
      !skip,
      'encodings',
    );
  },
  'missing-field'(spec, rng) {
    const path = pick(
      rng,
      paths(spec).filter((p) => typeof p[p.length - 1] === 'string'),
    );
    delete parentOf(spec, path)[path[path.length - 1]];
    // Required top-level fields are certain; nested ones may have defaults (width.seeds, clip).
    const required = ['name', 'groups', 'encodings', 'k', 'models', 'width', 'train'];
    const invalid = path.length === 1 && required.includes(String(path[0]));
    return dataMutation('missing-field', spec, `${path.join('.')} deleted`, invalid, String(path[0]));
  },
  'unknown-field'(spec, rng) {
    const objects = [[], ...paths(spec)].filter((p) => {
      const v = p.length === 0 ? spec : (parentOf(spec, p)[p[p.length - 1]] as unknown);
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    });
    const path = pick(rng, objects);
    const target = (path.length === 0 ? spec : parentOf(spec, path)[path[path.length - 1]]) as Json;
    const key = `bogus${rng.int(1000)}`;
    target[key] = pick(rng, [1, 'x', true, [1]]);
    return dataMutation('unknown-field', spec, `${[...path, key].join('.')} added`, true, key);
  },
  'huge-value'(spec, rng) {
    const numeric = paths(spec).filter((p) => typeof parentOf(spec, p)[p[p.length - 1]] === 'number');
    const path = pick(rng, numeric);
    const value = pick(rng, hugeNumbers);
    parentOf(spec, path)[path[path.length - 1]] = value;
    // Some numbers have no upper limit (lr, a power), so a huge one can be valid.
    return dataMutation('huge-value', spec, `${path.join('.')} = ${value}`, false, String(path[0]));
  },
  'huge-expansion'(spec, rng) {
    // Distinct groups and k values, so that the cell count is what is wrong, not a repeat; ≥ 600 × 63 × 3
    // is over the 100,000 cells allowed even with a single encoding.
    const groups = 600 + rng.int(300);
    spec.groups = Array.from({ length: groups }, (_, i) => `C${i + 2}`);
    spec.k = Array.from({ length: 63 }, (_, i) => i + 2);
    spec.models = ['mlp', 'rnn', 'tree'];
    return dataMutation('huge-expansion', spec, `${groups} groups × 63 k × 3 models`, true, 'groups');
  },
  'yaml-syntax'(spec, rng) {
    const lines = stringify(spec).trimEnd().split('\n');
    const at = 1 + rng.int(lines.length - 1);
    const breakages: [string, (ls: string[]) => void][] = [
      ['an unclosed flow sequence', (ls) => ls.splice(at, 0, 'extra: [1, 2')],
      ['a tab as indentation', (ls) => ls.splice(at, 0, '\tbroken: 1')],
      ['a repeated key', (ls) => ls.push(ls[0])],
      ['an unclosed quote', (ls) => ls.splice(at, 0, 'quoted: "no end')],
      ['a stray flow-map end', (ls) => ls.splice(at, 0, 'x: {a: 1}}')],
      ['a nested compact mapping', (ls) => ls.splice(at, 0, 'a: b: c')],
    ];
    const [what, apply] = pick(rng, breakages);
    apply(lines);
    return {
      kind: 'yaml-syntax',
      description: `${what} at line ${at + 1}`,
      text: `${lines.join('\n')}\n`,
      invalid: true,
      names: 'yaml-position',
    };
  },
  empty(_spec, rng) {
    const text = pick(rng, ['', '\n', '# nothing but a comment\n', '   \n\n', '---\n', 'null\n', '~\n']);
    return { kind: 'empty', description: `file ${JSON.stringify(text)}`, text, invalid: true, names: 'file' };
  },
  'not-a-mapping'(spec, rng) {
    const text = pick(rng, [
      stringify([spec]),
      '- C6\n- D3\n',
      'just some words\n',
      '42\n',
      'true\n',
      `"${String(spec.name)}"\n`,
    ]);
    return {
      kind: 'not-a-mapping',
      description: `file ${JSON.stringify(text.slice(0, 30))}`,
      text,
      invalid: true,
      names: 'file',
    };
  },
};

/** Kinds weighted by how many distinct problems each can reach. */
const weights: [MutationKind, number][] = [
  ['wrong-type', 20],
  ['unknown-group', 7],
  ['k-too-small', 6],
  ['negative-width', 6],
  ['powers-wrong-length', 7],
  ['missing-field', 14],
  ['unknown-field', 10],
  ['huge-value', 12],
  ['huge-expansion', 3],
  ['yaml-syntax', 9],
  ['empty', 3],
  ['not-a-mapping', 3],
];

/** `count` mutations, the same for the same seed: the i-th starts from base spec i mod #bases. */
export function specMutations(count: number, seed: number): SpecMutation[] {
  const rng = new Random(seed);
  const bases = baseSpecs();
  const total = weights.reduce((s, [, w]) => s + w, 0);
  return Array.from({ length: count }, (_, index) => {
    const base = bases[index % bases.length];
    let r = rng.int(total);
    const [kind] = weights.find(([, w]) => (r -= w) < 0)!;
    return { index, base: base.name, ...mutators[kind](structuredClone(base.data), rng) };
  });
}

/** The file name a mutation is written to. */
export function mutationFileName(m: SpecMutation): string {
  return `m${String(m.index).padStart(4, '0')}-${m.kind}.yaml`;
}

/**
 * A refusal as the command line gives it: exactly one line on stderr, `sgc <command>: <file>…`, that
 * names the field (or the file's line and column for broken YAML), with no stack trace.
 */
export function assertRefusal(m: SpecMutation, file: string, stderr: string, command: string): void {
  const where = `mutation ${m.index} (${m.kind}: ${m.description}, from ${m.base})`;
  assert.doesNotMatch(stderr, /^ {4}at /m, `${where}: a stack trace\n${stderr}`);
  const lines = stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `${where}: one line on stderr, got\n${stderr}`);
  const [line] = lines;
  assert.ok(line.startsWith(`sgc ${command}: ${file}`), `${where}: names the command and file: ${line}`);
  const text = line.slice(`sgc ${command}: ${file}`.length);
  if (m.names === 'yaml-position') assert.match(text, /^:\d+:\d+: /, `${where}: names line:column: ${line}`);
  else if (m.names === 'file')
    assert.match(text, /^: (empty|a sweep spec is a YAML mapping)/, `${where}: ${line}`);
  else {
    // A field is named as a whole word of a dotted path (`width.search.start:`), as a list in the
    // size check (`groups (400) ×`), as the model a train problem concerns (`(models.1)`) or as the
    // unknown key itself.
    const f = m.names.field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const names = new RegExp(`(^|[\\s"(])${f}([.:\\s")]|$)|unknown fields? .*"${f}"`);
    assert.match(text, names, `${where}: the message does not name ${m.names.field}: ${line}`);
  }
}
