/**
 * configHash: equal runs written differently hash equal; anything that changes the result changes
 * it, the code identity included (results version, library versions, engine and backend); the
 * package version does not.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { nativeKernelCompiler } from '../../../src/buildOutput.js';
import { type CodeIdentity, runCodeIdentity } from '../../../src/learn/codeIdentity.js';
import {
  enginePackages,
  NOT_INSTALLED,
  TFJS_TENSORFLOW_PACKAGES,
} from '../../../src/learn/engine/libraries.js';
import { NATIVE_KERNEL_VERSION } from '../../../src/learn/engine/native/kernelVersion.js';
import { TENSORFLOW_PACKAGES } from '../../../src/learn/engine/tfjs/backend.js';
import { RESULTS_VERSION } from '../../../src/learn/resultsVersion.js';
import { canonicalJson, canonicalRunConfig } from '../../../src/sweep/canonical.js';
import { configHash, isConfigHash } from '../../../src/sweep/configHash.js';
import { expandSweep, runConfig } from '../../../src/sweep/expand.js';
import { parseSweepSpec } from '../../../src/sweep/spec.js';

/** A code identity written out, so that these tests do not depend on what is installed. */
const VERSION: CodeIdentity = { resultsVersion: 3, libraries: { 'onnxruntime-node': '1.30.0' } };

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
      lossReduction: 0.98,
      everyIrrep: true,
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
  test("a width search's guess enters no run's hash: its runs stay cache hits", () => {
    const spec = (guess?: number | string) =>
      parseSweepSpec(
        {
          name: 'guessed',
          groups: ['D3'],
          encodings: [{ kind: 'powers', powers: [0, 30, 3000] }],
          k: [2],
          models: ['mlp'],
          width: { search: { start: 4, max: 512, perOctave: 4, ...(guess === undefined ? {} : { guess }) } },
          train: { optimizer: 'per-neuron', lr: 0.01, init: 1.0e-3, steps: 20000, clip: 0.1 },
        },
        'spec',
      );
    const hashes = [undefined, 180, 'theory'].map((guess) =>
      configHash(runConfig(expandSweep(spec(guess)).cells[0], 180, 0), VERSION),
    );
    assert.deepEqual(hashes, [hashes[0], hashes[0], hashes[0]]);
    // …and it is the run written by hand: the guess is nowhere in a run's config.
    assert.equal(hashes[0], configHash(terse(), VERSION));
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
    // A run judged under another success bar is another run: its outcome and its stopping step differ.
    ['success bar (the old default, 90 %)', (c) => (c.train.lossReduction = 0.9)],
    ['success rule (no every-irrep condition)', (c) => (c.train.everyIrrep = false)],
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

  test('changing the results version changes the hash', () => {
    assert.notEqual(configHash(terse(), { ...VERSION, resultsVersion: 4 }), base);
  });

  test("changing a library's version, or the set of libraries, changes the hash", () => {
    assert.notEqual(configHash(terse(), { ...VERSION, libraries: { 'onnxruntime-node': '1.30.1' } }), base);
    assert.notEqual(configHash(terse(), { ...VERSION, libraries: {} }), base);
  });

  test('all the variations are distinct from each other', () => {
    const hashes = changes.map(([, change]) => {
      const config = terse();
      change(config);
      return configHash(config, VERSION);
    });
    assert.equal(new Set([base, ...hashes]).size, hashes.length + 1);
  });

  test('an invalid run config or results version is refused', () => {
    assert.throws(() => configHash({ ...terse(), k: 1 }, VERSION), /k: 1/);
    assert.throws(() => configHash(terse(), { ...VERSION, resultsVersion: 0 }), /results version/);
    assert.throws(() => configHash(terse(), { ...VERSION, resultsVersion: 1.5 }), /results version/);
  });
});

describe('code identity', () => {
  const installed = (name: string) =>
    (
      JSON.parse(readFileSync(createRequire(import.meta.url).resolve(`${name}/package.json`), 'utf8')) as {
        version: string;
      }
    ).version;
  const onnx = terse();
  const tfjs = { ...terse(), engine: { name: 'tfjs', backend: 'cpu' } };

  test("is the results version and the installed versions of the run's engine's libraries only", () => {
    assert.deepEqual(runCodeIdentity(engineOf(onnx)), {
      resultsVersion: RESULTS_VERSION,
      libraries: { 'onnxruntime-node': installed('onnxruntime-node') },
    });
    const libraries = runCodeIdentity(engineOf(tfjs)).libraries;
    assert.deepEqual(Object.keys(libraries).sort(), [
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-core',
    ]);
    for (const [name, version] of Object.entries(libraries)) assert.equal(version, installed(name), name);
    // The reference engine is sgc's own Float64 code: the results version covers it.
    assert.deepEqual(runCodeIdentity({ engine: { name: 'reference' } }).libraries, {});
    // The native kernel is sgc's own C: the compiler that built it, and the kernel's own version.
    assert.deepEqual(runCodeIdentity({ engine: { name: 'native' } }).libraries, {
      cc: readFileSync(nativeKernelCompiler, 'utf8').trim(),
      kernel: String(NATIVE_KERNEL_VERSION),
    });
  });

  test('the tensorflow backend names its optional packages, installed or not', () => {
    assert.deepEqual([...TFJS_TENSORFLOW_PACKAGES], [...TENSORFLOW_PACKAGES]);
    const libraries = runCodeIdentity({ engine: { name: 'tfjs', backend: 'tensorflow' } }).libraries;
    assert.deepEqual(Object.keys(libraries), enginePackages('tfjs', 'tensorflow'));
    for (const name of TENSORFLOW_PACKAGES)
      assert.ok(libraries[name] === NOT_INSTALLED || /^\d/.test(libraries[name]));
  });

  test('a run on another engine hashes other libraries: upgrading tfjs leaves onnx runs as they are', () => {
    const onnxLibraries = runCodeIdentity(engineOf(onnx)).libraries;
    assert.ok(!Object.keys(onnxLibraries).some((name) => name.startsWith('@tensorflow/')));
    assert.ok(!('onnxruntime-node' in runCodeIdentity(engineOf(tfjs)).libraries));
  });

  test('the hash is of the config and the code identity, and nothing else (not the package version)', () => {
    const code = runCodeIdentity(engineOf(onnx));
    const expected = createHash('sha256')
      .update(canonicalJson({ code, run: canonicalRunConfig(onnx) }), 'utf8')
      .digest('hex');
    assert.equal(configHash(onnx, code), expected);
  });
});

/** A loose config's engine block, the schema's default filled in: what runCodeIdentity reads. */
function engineOf(config: Loose) {
  return { engine: config.engine ?? { name: 'onnx' } };
}
