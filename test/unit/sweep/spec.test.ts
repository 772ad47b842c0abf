/** The sweep spec: a good spec parses; every kind of bad input is one InputError naming the field. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../../src/errors.js';
import { groupFacts } from '../../../src/sweep/fit.js';
import { maxSteps, parseSweepSpec, stepsAt } from '../../../src/sweep/spec.js';
import { issueSweepSpec } from '../../fixtures/sweepSpecs.js';

/** A config as parsed YAML, free to be mutated into a bad one. */
// biome-ignore lint/suspicious/noExplicitAny: tests write wrong types into any field on purpose
type Loose = Record<string, any>;

const issueSpec = issueSweepSpec;

/** Asserts that parsing `data` throws an InputError whose message contains every one of `parts`. */
function rejects(data: unknown, ...parts: string[]): string {
  try {
    parseSweepSpec(data, 'spec.yaml');
  } catch (error) {
    assert.ok(error instanceof InputError, `not an InputError: ${error}`);
    for (const part of parts) assert.ok(error.message.includes(part), `"${part}" not in: ${error.message}`);
    return error.message;
  }
  assert.fail(`accepted: ${JSON.stringify(data)}`);
}

function withChange(change: (spec: Loose) => void): Record<string, unknown> {
  const spec = issueSpec();
  change(spec);
  return spec;
}

describe('parseSweepSpec: good specs', () => {
  test("the issue's spec parses, with defaults filled in", () => {
    const spec = parseSweepSpec(issueSpec(), 'spec.yaml');
    assert.equal(spec.name, 'cyclic-width');
    assert.deepEqual(spec.models, [{ kind: 'mlp' }, { kind: 'rnn' }, { kind: 'tree' }]);
    assert.deepEqual(spec.width, {
      mode: 'search',
      start: 8,
      max: 16384,
      perOctave: 1,
      recheck: true,
      seeds: 3,
      succeed: 2,
    });
    assert.equal(spec.train.optimizer, 'per-neuron');
    assert.equal('seed' in spec.train, false);
    assert.deepEqual(spec.data, { kind: 'exhaustive' });
    assert.deepEqual(spec.engine, { name: 'onnx' });
  });

  test('plain grid: values sorted, seeds default 1, succeed defaults to seeds', () => {
    const spec = parseSweepSpec(
      withChange((s) => (s.width = { values: [64, 16, 32] })),
      'spec.yaml',
    );
    assert.deepEqual(spec.width, { mode: 'values', values: [16, 32, 64], seeds: 1, succeed: 1 });
    const three = parseSweepSpec(
      withChange((s) => (s.width = { values: [16], seeds: 3 })),
      'spec.yaml',
    );
    assert.deepEqual(three.width, { mode: 'values', values: [16], seeds: 3, succeed: 3 });
  });

  test('width.search.guess: a width or theory, absent unless given', () => {
    for (const guess of [24, 1, 2 ** 30, 'theory']) {
      const spec = parseSweepSpec(
        withChange((s) => (s.width.search.guess = guess)),
        'spec.yaml',
      );
      assert.equal(spec.width.mode === 'search' && spec.width.guess, guess);
    }
    assert.equal('guess' in parseSweepSpec(issueSpec(), 'spec.yaml').width, false);
  });

  test('train.steps: one cap, or one per k; the same cap for every k is that one number', () => {
    assert.equal(parseSweepSpec(issueSpec(), 'spec.yaml').train.steps, 20000);
    const perK = parseSweepSpec(
      withChange((s) => (s.train.steps = { 4: 1_000_000, 2: 20_000, 3: 30_000 })),
      'spec.yaml',
    );
    assert.deepEqual(perK.train.steps, { 2: 20_000, 3: 30_000, 4: 1_000_000 });
    assert.deepEqual(
      [2, 3, 4].map((k) => stepsAt(perK.train, k)),
      [20_000, 30_000, 1_000_000],
    );
    assert.equal(maxSteps(perK.train), 1_000_000);
    const same = parseSweepSpec(
      withChange((s) => (s.train.steps = { 2: 5000, 3: 5000, 4: 5000 })),
      'spec.yaml',
    );
    assert.equal(same.train.steps, 5000);
  });

  test('model objects: square means degree 2', () => {
    const spec = parseSweepSpec(
      withChange(
        (s) => (s.models = [{ kind: 'mlp', square: true }, { kind: 'mlp' }, { kind: 'rnn', degree: 2 }]),
      ),
      'spec.yaml',
    );
    assert.deepEqual(spec.models, [{ kind: 'mlp', degree: 2 }, { kind: 'mlp' }, { kind: 'rnn', degree: 2 }]);
  });
});

describe('parseSweepSpec: bad input names the field', () => {
  test('not an object, missing fields', () => {
    rejects(null, '(top level)');
    rejects([], '(top level)');
    for (const field of ['name', 'groups', 'encodings', 'k', 'models', 'width', 'train'])
      rejects(
        withChange((s) => delete s[field]),
        `${field}: missing`,
      );
    rejects(
      withChange((s) => delete s.train.lr),
      'train.lr: missing',
    );
    rejects(
      withChange((s) => (s.width = { seeds: 3 })),
      'width.search: missing',
      'width.values',
    );
    rejects(
      withChange((s) => delete s.width.search.max),
      'width.search.max: missing',
    );
  });

  test('wrong types', () => {
    rejects(
      withChange((s) => (s.groups = 'C6')),
      'groups: "C6"',
      'expected array',
    );
    rejects(
      withChange((s) => (s.k = [2, '3'])),
      'k.1: "3"',
      'expected number',
    );
    rejects(
      withChange((s) => (s.k = [2.5])),
      'k.0: 2.5',
    );
    rejects(
      withChange((s) => (s.models = [42])),
      'models.0',
    );
    rejects(
      withChange((s) => (s.width.seeds = 'three')),
      'width.seeds: "three"',
    );
    rejects(
      withChange((s) => (s.train.steps = '20000')),
      'train.steps: "20000"',
    );
    rejects(
      withChange((s) => (s.encodings = [{ kind: 'powers', powers: 'big' }])),
      'encodings.0.powers: "big"',
    );
    rejects(
      withChange((s) => (s.name = 'has space')),
      'name: "has space"',
      'letters, digits',
    );
    rejects(
      withChange((s) => (s.width.search.recheck = 'yes')),
      'width.search.recheck: "yes"',
    );
  });

  test('unknown keys and unknown kinds', () => {
    rejects(
      withChange((s) => (s.colour = 'blue')),
      'unknown field "colour"',
    );
    rejects(
      withChange((s) => (s.train.momentum = 0.9)),
      'unknown field "momentum" in train',
    );
    rejects(
      withChange((s) => (s.width.search.min = 1)),
      'unknown field "min" in width.search',
    );
    rejects(
      withChange((s) => (s.models = [{ kind: 'mlp', H: 8 }])),
      'unknown field "H" in models.0',
    );
    rejects(
      withChange((s) => (s.models = ['cnn'])),
      'models.0.kind: "cnn"',
      '"mlp"|"rnn"|"tree"',
    );
    rejects(
      withChange((s) => (s.encodings = [{ kind: 'fourier' }])),
      'encodings.0.kind: "fourier"',
      'onehot',
    );
    rejects(
      withChange((s) => (s.train.optimizer = 'sgd')),
      'train.optimizer: "sgd"',
      'per-neuron',
    );
    rejects(
      withChange((s) => (s.engine = { name: 'cuda' })),
      'engine.name: "cuda"',
    );
    rejects(
      withChange((s) => (s.powersMismatch = 'ignore')),
      'powersMismatch: "ignore"',
      '"error"|"skip"',
    );
  });

  test('unknown groups name the entry and the accepted forms', () => {
    rejects(
      withChange((s) => (s.groups = ['C6', 'Z7'])),
      'groups.1: "Z7"',
      'unknown group "Z7"',
      'accepted',
    );
    rejects(
      withChange((s) => (s.groups = ['S9'])),
      'groups.0: "S9"',
    );
    rejects(
      withChange((s) => (s.groups = [''])),
      'groups.0: ""',
    );
  });

  test('k < 2, huge k, empty lists, repeats', () => {
    rejects(
      withChange((s) => (s.k = [1, 2])),
      'k.0: 1',
      '>=2',
    );
    rejects(
      withChange((s) => (s.k = [0])),
      'k.0: 0',
    );
    rejects(
      withChange((s) => (s.k = [1e9])),
      'k.0: 1000000000',
      '<=64',
    );
    rejects(
      withChange((s) => (s.k = [])),
      'k: []',
    );
    rejects(
      withChange((s) => (s.groups = [])),
      'groups: []',
    );
    rejects(
      withChange((s) => (s.k = [2, 3, 2])),
      'k.2: 2',
      'repeats k.0',
    );
    rejects(
      withChange((s) => (s.groups = ['D3', 'D 3'])),
      'groups.1',
      'repeats groups.0',
    );
    rejects(
      withChange((s) => (s.models = ['mlp', { kind: 'mlp' }])),
      'models.1',
      'repeats models.0',
    );
    rejects(
      withChange((s) => (s.encodings = [{ kind: 'onehot' }, { kind: 'onehot' }])),
      'encodings.1',
      'repeats encodings.0',
    );
  });

  test('widths: negative, zero, fractional, huge; start > max; repeated values', () => {
    rejects(
      withChange((s) => (s.width.search.start = -8)),
      'width.search.start: -8',
      '>=1',
    );
    rejects(
      withChange((s) => (s.width.search.max = 0)),
      'width.search.max: 0',
    );
    rejects(
      withChange((s) => (s.width.search.start = 8.5)),
      'width.search.start: 8.5',
    );
    rejects(
      withChange((s) => (s.width.search.max = 2 ** 40)),
      'width.search.max',
    );
    rejects(
      withChange((s) => (s.width.search = { start: 64, max: 8 })),
      'width.search.max: 8',
      'start (64)',
    );
    rejects(
      withChange((s) => (s.width = { values: [16, -32] })),
      'width.values.1: -32',
    );
    rejects(
      withChange((s) => (s.width = { values: [16, 32, 16] })),
      'width.values.2: 16',
      'repeats',
    );
    rejects(
      withChange((s) => (s.width = { values: [] })),
      'width.values: []',
    );
    rejects(
      withChange((s) => (s.width = { search: { start: 8, max: 64 }, values: [16] })),
      'width.values',
      'not both',
    );
    rejects(
      withChange((s) => (s.width.search.perOctave = 0)),
      'width.search.perOctave: 0',
    );
    for (const [guess, shown] of [
      [0, '0'],
      [-3, '-3'],
      [2.5, '2.5'],
      [2 ** 31, '2147483648'],
      ['theroy', '"theroy"'],
      [null, 'null'],
      [[24], '[24]'],
    ] as const) {
      const message = rejects(
        withChange((s) => (s.width.search.guess = guess)),
        `width.search.guess: ${shown} — give a width (a whole number from 1 to`,
        'or theory (2^(k−1)·|G| for each cell)',
      );
      assert.equal(message.split('\n').filter((line) => line.includes('guess')).length, 1, message);
    }
  });

  test('succeed > seeds, seeds < 1', () => {
    rejects(
      withChange((s) => (s.width.succeed = 4)),
      'width.succeed: 4',
      'seeds (3)',
    );
    rejects(
      withChange((s) => (s.width.seeds = 0)),
      'width.seeds: 0',
    );
    rejects(
      withChange((s) => (s.width.succeed = 0)),
      'width.succeed: 0',
    );
  });

  test('train.steps per k: every k of the spec, no other, each a whole number of steps', () => {
    rejects(
      withChange((s) => (s.train.steps = { 2: 20000, 3: 20000 })),
      'train.steps',
      'gives no cap for k = 4',
    );
    rejects(
      withChange((s) => (s.train.steps = { 2: 1, 3: 1, 4: 1, 6: 1 })),
      'train.steps.6',
      "k = 6 is not in the spec's k (2, 3, 4)",
    );
    rejects(
      withChange((s) => (s.train.steps = { 2: 1, 3: 1.5, 4: 1 })),
      'train.steps.3: 1.5',
    );
    rejects(
      withChange((s) => (s.train.steps = { two: 1, 3: 1, 4: 1 })),
      'train.steps',
    );
    rejects(
      withChange((s) => (s.train.steps = [20000])),
      'train.steps',
      'one per k of the spec',
    );
  });

  test('train.seed is refused: the search sets seeds', () => {
    rejects(
      withChange((s) => (s.train.seed = 3)),
      'train.seed: 3',
      'width.seeds',
    );
  });

  test('model and optimizer problems', () => {
    rejects(
      withChange((s) => (s.models = [{ kind: 'rnn', degree: 3 }])),
      'models.0',
      'square (degree 2)',
    );
    rejects(
      withChange((s) => (s.models = [{ kind: 'mlp', square: true, degree: 3 }])),
      'models.0',
      'degree 2, not 3',
    );
    rejects(
      withChange((s) => (s.train.optimizer = 'hybrid')),
      'train',
      'models.0',
      'hybrid',
    );
    rejects(
      withChange((s) => {
        s.models = [{ kind: 'mlp' }, { kind: 'tree' }];
        s.engine = { name: 'native' };
      }),
      'models.1',
      'the native engine trains the mlp only, not the tree',
    );
  });

  test('encodings that do not fit a group: errors other than the irrep count are never skipped', () => {
    rejects(
      withChange((s) => (s.encodings = [{ kind: 'vector', values: [1, 2, 3] }])),
      'encodings.0',
      'with C6',
      '3 values',
    );
    rejects(
      withChange((s) => (s.encodings = [{ kind: 'powers', powers: [5, 30, 3000] }])),
      'encodings.0',
      'trivial irrep',
    );
    rejects(
      withChange((s) => (s.encodings = [{ kind: 'onehot', index: 6 }])),
      'encodings.0',
      'not an element of C6',
    );
  });

  test('powers of the wrong length, for every group: an error unless powersMismatch: skip', () => {
    for (const group of ['C2', 'C5', 'C6', 'D3', 'D4', 'C2xC2', 'S3', 'S4', 'A4', 'Q8', 'O', 'C3xD4']) {
      const count = groupFacts(group).irrepLabels.length;
      for (const length of [count - 1, count + 1]) {
        if (length < 1) continue;
        const powers = Array.from({ length }, (_, i) => (i === 0 ? 0 : 10 * i));
        const spec = withChange((s) => {
          s.groups = [group];
          s.encodings = [{ kind: 'powers', powers }];
          delete s.powersMismatch;
        });
        rejects(
          spec,
          'encodings.0.powers',
          `${count} irreps`,
          `but ${length} powers`,
          'powersMismatch: skip',
        );
        // Skipping the only pair leaves no cell: still an error, naming why.
        rejects({ ...spec, powersMismatch: 'skip' }, 'encodings', 'no cell');
      }
    }
  });

  test('every problem is reported at once', () => {
    const message = rejects(
      withChange((s) => {
        s.k = [1];
        s.width.succeed = 9;
        s.colour = 'red';
      }),
      'k.0',
      'unknown field "colour"',
    );
    assert.ok(message.split('\n').length >= 3, message);
  });
});
