/** configHash: equal runs written differently hash equal; anything that changes the result changes it. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalJson } from '../../../src/sweep/canonical.js';
import { configHash, isConfigHash } from '../../../src/sweep/configHash.js';
import { expandSweep, runConfig } from '../../../src/sweep/expand.js';
import { parseSweepSpec } from '../../../src/sweep/spec.js';

const VERSION = 'sgc@0.1.0+abc123';

/** A config as parsed YAML, free to be mutated into a bad one. */
// biome-ignore lint/suspicious/noExplicitAny: tests write wrong types into any field on purpose
type Loose = Record<string, any>;

/** A run config as a user might write it: few fields, defaults left out. */
function terse(): Loose {
  return {
    group: 'D3',
    encoding: { kind: 'powers', powers: [0, 30, 3000] },
    k: 2,
    model: { kind: 'mlp', H: 180 },
    train: { lr: 0.01, init: 1e-3, steps: 20000, clip: 0.1 },
  };
}

/** The same run with every default written out, keys in another order, and a name. */
function verbose(): Loose {
  return {
    engine: { name: 'onnx' },
    evaluation: { sampled: 20000, maxExhaustive: 100000 },
    data: { kind: 'exhaustive' },
    train: {
      stopOnSuccess: true,
      seed: 0,
      timeRescale: false,
      optimizer: 'per-neuron',
      clip: 0.1,
      steps: 20000,
      lossReduction: 0.9,
      init: 0.001,
      lr: 0.01,
      degree: 2,
    },
    model: { H: 180, degree: 2, kind: 'mlp' },
    order: 'left',
    k: 2,
    encoding: { powers: [0, 30, 3000], kind: 'powers' },
    group: 'D3',
    name: 'a label that does not change the result',
  };
}

describe('canonicalJson', () => {
  test('sorts keys recursively, keeps array order, drops undefined', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, 1], c: undefined, b: null } }),
      '{"a":{"b":null,"d":[3,1]},"b":1}',
    );
    assert.equal(canonicalJson({ x: -0 }), '{"x":0}');
    assert.throws(() => canonicalJson({ x: Number.NaN }), /no JSON form/);
  });
});

describe('configHash: stability', () => {
  test('is 64 hex digits and the same on every call', () => {
    const hash = configHash(terse(), VERSION);
    assert.ok(isConfigHash(hash));
    assert.equal(configHash(terse(), VERSION), hash);
  });

  test('key order, defaults written out or not, and the name do not matter', () => {
    assert.equal(configHash(verbose(), VERSION), configHash(terse(), VERSION));
  });

  test('model degree: square, the mlp default k and an explicit degree are the same model', () => {
    const base = configHash(terse(), VERSION);
    const square = { ...terse(), model: { kind: 'mlp', H: 180, square: true } };
    assert.equal(configHash(square, VERSION), base);
    const k3 = { ...terse(), k: 3 };
    const k3Explicit = { ...terse(), k: 3, model: { kind: 'mlp', H: 180, degree: 3 } };
    assert.equal(configHash(k3, VERSION), configHash(k3Explicit, VERSION));
  });

  test('encoding defaults: onehot index 1 and amplitude 10, random seed 0 and scale 1', () => {
    const onehot = (encoding: object) => configHash({ ...terse(), encoding }, VERSION);
    assert.equal(onehot({ kind: 'onehot' }), onehot({ kind: 'onehot', index: 1, amplitude: 10 }));
    assert.notEqual(onehot({ kind: 'onehot' }), onehot({ kind: 'onehot', index: 2 }));
    assert.equal(onehot({ kind: 'random' }), onehot({ kind: 'random', seed: 0, scale: 1 }));
  });

  test('a sweep run and the same run written by hand hash equal', () => {
    const spec = parseSweepSpec(
      {
        name: 'hand',
        groups: ['D3'],
        encodings: [{ kind: 'powers', powers: [0, 30, 3000] }],
        k: [2],
        models: ['mlp'],
        width: { values: [180] },
        train: { optimizer: 'per-neuron', lr: 0.01, init: 1.0e-3, steps: 20000, clip: 0.1 },
      },
      'spec',
    );
    const config = runConfig(expandSweep(spec).cells[0], 180, 0);
    assert.equal(configHash(config, VERSION), configHash(terse(), VERSION));
  });
});

describe('configHash: sensitivity', () => {
  const base = configHash(terse(), VERSION);
  const changes: [string, (c: Loose) => void][] = [
    ['H', (c) => (c.model.H = 181)],
    ['seed', (c) => (c.train.seed = 1)],
    ['steps', (c) => (c.train.steps = 20001)],
    ['lr', (c) => (c.train.lr = 0.02)],
    ['clip', (c) => delete c.train.clip],
    ['engine', (c) => (c.engine = { name: 'tfjs' })],
    ['engine backend', (c) => (c.engine = { name: 'tfjs', backend: 'wasm' })],
    ['group', (c) => (c.group = 'C4')],
    ['encoding', (c) => (c.encoding.powers = [0, 30, 3001])],
    ['k', (c) => (c.k = 3)],
    ['model kind', (c) => (c.model = { kind: 'rnn', H: 180 })],
    ['order', (c) => (c.order = 'right')],
    ['data', (c) => (c.data = { kind: 'online', batch: 32 })],
    ['evaluation', (c) => (c.evaluation = { maxExhaustive: 10 })],
  ];
  for (const [what, change] of changes) {
    test(`changing ${what} changes the hash`, () => {
      const config = terse();
      change(config);
      assert.notEqual(configHash(config, VERSION), base);
    });
  }

  test('changing the code version changes the hash', () => {
    assert.notEqual(configHash(terse(), 'sgc@0.1.0+def456'), base);
  });

  test('all the variations are distinct from each other', () => {
    const hashes = changes.map(([, change]) => {
      const config = terse();
      change(config);
      return configHash(config, VERSION);
    });
    assert.equal(new Set([base, ...hashes]).size, hashes.length + 1);
  });

  test('an invalid run config or an empty code version is refused', () => {
    assert.throws(() => configHash({ ...terse(), k: 1 }, VERSION), /k: 1/);
    assert.throws(() => configHash(terse(), ' '), /code version/);
  });
});
