/** Expanding sweep specs into cells, their keys, and the run configs of (cell, H, seed). */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { packageRoot } from '../../../src/codeLocation.js';
import { InputError } from '../../../src/errors.js';
import { resolveRun } from '../../../src/learn/trainer.js';
import { expandSweep, runConfig } from '../../../src/sweep/expand.js';
import { parseSweepSpec } from '../../../src/sweep/spec.js';
import { initialSearch } from '../../../src/sweep/widthSearch.js';
import { issueSweepSpec } from '../../fixtures/sweepSpecs.js';

const issueSpec = issueSweepSpec();

describe('expandSweep', () => {
  test("the issue's spec: (2 groups × 2 encodings − 1 skipped pair) × 3 k × 3 models = 27 cells", () => {
    const { cells, skipped } = expandSweep(parseSweepSpec(issueSpec, 'spec'));
    assert.equal(cells.length, 27);
    assert.deepEqual(skipped, [
      {
        group: 'C6',
        encoding: 'powers-0-30-3000',
        reason: 'C6 has 4 irreps (trivial, freq1, freq2, sign) but 3 powers were given',
      },
    ]);
    assert.deepEqual(
      cells.slice(0, 4).map((c) => c.cellKey),
      ['C6/onehot/k2/mlp', 'C6/onehot/k2/rnn', 'C6/onehot/k2/tree', 'C6/onehot/k3/mlp'],
    );
    assert.ok(cells.some((c) => c.cellKey === 'D3/powers-0-30-3000/k3/mlp'));
    assert.equal(new Set(cells.map((c) => c.cellKey)).size, cells.length, 'keys are unique');
    for (const cell of cells) assert.match(cell.cellKey, /^[A-Za-z0-9._/-]+$/);
  });

  test('count = groups × encodings × k × models when everything fits', () => {
    const spec = parseSweepSpec(
      {
        ...issueSpec,
        groups: ['C4', 'D3', 'C2 × C2'],
        encodings: [{ kind: 'onehot' }, { kind: 'random', seed: 3 }],
        k: [2, 5],
        models: ['mlp', { kind: 'mlp', degree: 2 }],
      },
      'spec',
    );
    const { cells, skipped } = expandSweep(spec);
    assert.equal(cells.length, 3 * 2 * 2 * 2);
    assert.deepEqual(skipped, []);
    assert.deepEqual(
      cells.filter((c) => c.group === 'C2 × C2' && c.k === 5).map((c) => c.cellKey),
      [
        'C2xC2/onehot/k5/mlp',
        'C2xC2/onehot/k5/mlp-d2',
        'C2xC2/random-s3/k5/mlp',
        'C2xC2/random-s3/k5/mlp-d2',
      ],
    );
  });

  test('keys of every encoding kind are distinct and readable', () => {
    const spec = parseSweepSpec(
      {
        ...issueSpec,
        groups: ['C4'],
        encodings: [
          { kind: 'onehot' },
          { kind: 'onehot', index: 2, amplitude: 0.5 },
          { kind: 'powers', powers: [0, 1e-7, 3] },
          { kind: 'powers', powers: [0, 1, 3e21] },
          { kind: 'random', seed: 1, scale: 2 },
          { kind: 'vector', values: [1, 2, 3, 4] },
          { kind: 'vector', values: [1, 2, 4, 3] },
        ],
        k: [2],
        models: ['mlp'],
      },
      'spec',
    );
    const keys = expandSweep(spec).cells.map((c) => c.cellKey.split('/')[1]);
    assert.deepEqual(keys.slice(0, 5), [
      'onehot',
      'onehot-i2-a0.5',
      'powers-0-1e-7-3',
      'powers-0-1-3e21',
      'random-s1-x2',
    ]);
    const vectors = keys.slice(5);
    for (const key of vectors) assert.match(key, /^vector-[0-9a-f]{14}$/);
    assert.notEqual(vectors[0], vectors[1]);
  });

  test('expansion is deterministic and plain JSON', () => {
    const spec = parseSweepSpec(issueSpec, 'spec');
    const a = expandSweep(spec);
    assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
    assert.deepEqual(expandSweep(spec), a);
  });

  test('an unparsed spec with a misfit it does not allow to skip is an InputError', () => {
    const spec = parseSweepSpec(issueSpec, 'spec');
    assert.throws(() => expandSweep({ ...spec, powersMismatch: 'error' }), InputError);
  });
});

describe('runConfig', () => {
  test("a cap per k: each cell's runs train for its k's cap", () => {
    const train = { ...(issueSpec.train as object), steps: { 2: 300, 3: 7000 } };
    const spec = parseSweepSpec({ ...issueSpec, groups: ['C4'], k: [2, 3], train }, 'spec');
    for (const cell of expandSweep(spec).cells)
      assert.equal(runConfig(cell, 8, 0).train.steps, cell.k === 2 ? 300 : 7000);
  });

  test('every cell of a sweep gives a valid run config that resolveRun accepts', () => {
    const spec = parseSweepSpec({ ...issueSpec, groups: ['C4', 'D3'], k: [2, 3] }, 'spec');
    const { cells } = expandSweep(spec);
    assert.equal(cells.length, 2 * 2 * 2 * 3);
    for (const cell of cells) {
      const config = runConfig(cell, 24, 5);
      assert.equal(config.model.H, 24);
      assert.equal(config.train.seed, 5);
      assert.equal(config.train.steps, 20000);
      assert.equal(config.k, cell.k);
      assert.equal(config.name, `cyclic-width/${cell.cellKey}/H24/seed5`);
      const setup = resolveRun(config);
      assert.equal(setup.model.H, 24);
      assert.equal(setup.model.kind, cell.model.kind);
    }
  });

  test('the spec’s data, order, evaluation and engine reach the run', () => {
    const spec = parseSweepSpec(
      {
        ...issueSpec,
        groups: ['D3'],
        encodings: [{ kind: 'onehot' }],
        models: [{ kind: 'mlp', degree: 2 }],
        data: { kind: 'online', batch: 64 },
        order: 'right',
        evaluation: { maxExhaustive: 50, sampled: 10 },
        engine: { name: 'tfjs', backend: 'cpu' },
      },
      'spec',
    );
    const config = runConfig(expandSweep(spec).cells[0], 8, 0);
    assert.deepEqual(config.data, { kind: 'online', batch: 64, seed: 0 });
    assert.equal(config.order, 'right');
    assert.deepEqual(config.evaluation, { maxExhaustive: 50, sampled: 10 });
    assert.deepEqual(config.engine, { name: 'tfjs', backend: 'cpu' });
    assert.equal(config.model.degree, 2);
  });

  test('bad widths and seeds are InputErrors naming the field', () => {
    const cell = expandSweep(parseSweepSpec(issueSpec, 'spec')).cells[0];
    assert.throws(() => runConfig(cell, 0, 0), /model\.H: 0/);
    assert.throws(() => runConfig(cell, 8.5, 0), /model\.H: 8\.5/);
    assert.throws(() => runConfig(cell, 8, -1), /train\.seed: -1/);
  });
});

test('examples/sweep-*.yaml parse, expand, and their width plans start', () => {
  const folder = join(packageRoot, 'examples');
  const files = readdirSync(folder).filter((f) => f.startsWith('sweep-') && f.endsWith('.yaml'));
  assert.ok(files.length > 0);
  for (const file of files) {
    const spec = parseSweepSpec(parse(readFileSync(join(folder, file), 'utf8')), file);
    const { cells } = expandSweep(spec);
    assert.ok(cells.length > 0, file);
    for (const cell of cells)
      resolveRun(runConfig(cell, spec.width.mode === 'search' ? spec.width.start : 1, 0));
    assert.equal(initialSearch(spec.width).result, null);
  }
});
