/**
 * The run estimator (src/learn/resources.ts) and the limits the command line applies with it
 * (src/cli/runLimits.ts): parameter counts as the models have them, memory growing with H and with
 * the data, each kind of refusal naming its field, and the memory budget's sources.
 */
import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { describe, test } from 'node:test';
import { checkRun, MEMORY_BUDGET_ENV, parseBytes, runLimits } from '../../../src/cli/runLimits.js';
import { makeModelSpec, parameterShapes } from '../../../src/learn/models/spec.js';
import { estimateRun, formatBytes, runShape } from '../../../src/learn/resources.js';
import { type RunConfig, RunConfigSchema } from '../../../src/learn/runConfig.js';

const config = (overrides: Record<string, unknown> = {}): RunConfig =>
  RunConfigSchema.parse({
    group: 'C6',
    encoding: { kind: 'onehot' },
    k: 2,
    model: { kind: 'mlp', H: 64 },
    train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: 1000 },
    ...overrides,
  });

const limits = (memoryBytes: number) => ({
  memoryBytes,
  memorySource: 'test',
  maxRuns: 100_000,
  allowLarge: false,
});

describe('estimateRun', () => {
  test('parameter counts are the models’ own (parameterShapes) for mlp, rnn and tree', () => {
    for (const kind of ['mlp', 'rnn', 'tree'] as const)
      for (const [n, k, H] of [
        [6, 2, 64],
        [24, 5, 300],
        [4096, 3, 8],
      ]) {
        const c = config({ k, model: { kind, H }, data: { kind: 'online', batch: 32 } });
        const expected = parameterShapes(makeModelSpec(kind, n, k, H)).reduce(
          (a, s) => a + s.rows * s.cols,
          0,
        );
        assert.equal(estimateRun(runShape(c, n)).parameters, expected, `${kind} n=${n} k=${k} H=${H}`);
      }
  });

  test('memory grows with H and with the data; Adam costs more than per-neuron SGD', () => {
    const at = (overrides: Record<string, unknown>, n = 6) =>
      estimateRun(runShape(config(overrides), n)).bytes;
    assert.ok(at({ model: { kind: 'mlp', H: 10_000 } }) > at({ model: { kind: 'mlp', H: 100 } }));
    assert.ok(at({ k: 6 }) > at({ k: 3 }), 'exhaustive data: 6^6 sequences against 6^3');
    const adam = {
      train: { optimizer: 'adam', lr: 0.01, init: 1e-3, steps: 1000 },
      model: { kind: 'mlp', H: 10_000 },
    };
    assert.ok(at(adam) > at({ model: { kind: 'mlp', H: 10_000 } }));
    // The evaluation's outputs on C64xC64: 20,000 sampled sequences × 4096 values.
    const big = estimateRun(runShape(config({ data: { kind: 'online', batch: 64 } }), 4096));
    assert.equal(big.shape.evalCount, 20_000);
    assert.ok(big.bytes > 20 * 20_000 * 4096);
  });

  test('the terms add up and come largest first; time grows with steps', () => {
    const e = estimateRun(runShape(config({ model: { kind: 'rnn', H: 512 }, k: 4 }), 24));
    assert.equal(
      e.terms.reduce((a, t) => a + t.bytes, 0),
      e.bytes,
    );
    assert.deepEqual(
      e.terms.map((t) => t.bytes),
      [...e.terms.map((t) => t.bytes)].sort((a, b) => b - a),
    );
    const longer = estimateRun(
      runShape(
        config({ model: { kind: 'rnn', H: 512 }, k: 4, train: { lr: 0.01, init: 1e-3, steps: 10_000 } }),
        24,
      ),
    );
    assert.ok(longer.seconds > e.seconds);
  });

  test('formatBytes', () => {
    assert.equal(formatBytes(512), '512 bytes');
    assert.equal(formatBytes(1.5 * 2 ** 30), '1.5 GiB');
    assert.equal(formatBytes(99.6 * 2 ** 20), '100 MiB');
  });
});

describe('checkRun and the limits', () => {
  test('exhaustive data above the cap: field k, with the count and the cap', () => {
    const { problem } = checkRun(config({ k: 50 }), 'C6', 6, limits(2 ** 40));
    assert.equal(problem?.field, 'k');
    assert.match(problem!.reason, /6\^50 = 8\.1e\+38 sequences, above the cap of 1,000,000 \(data\.cap\)/);
    assert.equal(
      checkRun(config({ k: 50, data: { kind: 'online', batch: 64 } }), 'C6', 6, limits(2 ** 40)).problem,
      undefined,
    );
  });

  test('H = 10⁹: field H, the estimate, the budget and the widths that fit', () => {
    const { problem } = checkRun(config({ model: { kind: 'mlp', H: 1e9 } }), 'C6', 6, limits(8 * 2 ** 30));
    assert.equal(problem?.field, 'H');
    assert.match(
      problem!.reason,
      /a run needs about \d+ GiB of memory .* above the memory budget of 8\.0 GiB \(test\); widths up to H = [\d,]+ fit/,
    );
    const fits = Number(/widths up to H = ([\d,]+) fit/.exec(problem!.reason)![1].replace(/,/g, ''));
    assert.equal(
      checkRun(config({ model: { kind: 'mlp', H: fits } }), 'C6', 6, limits(8 * 2 ** 30)).problem,
      undefined,
    );
    assert.ok(
      checkRun(config({ model: { kind: 'mlp', H: fits + 1 } }), 'C6', 6, limits(8 * 2 ** 30)).problem,
    );
  });

  test('a weight matrix no typed array can hold is refused whatever the budget', () => {
    const { problem } = checkRun(
      config({ model: { kind: 'mlp', H: 2 ** 30 } }),
      'C6',
      6,
      limits(Number.MAX_VALUE),
    );
    assert.match(problem?.reason ?? '', /largest weight matrix would have 12,884,901,888 entries/);
  });

  test('the budget: half of this machine by default, SGC_MEMORY_BUDGET, then --memory-budget', () => {
    assert.equal(runLimits({}, {}).memoryBytes, totalmem() / 2);
    assert.match(runLimits({}, {}).memorySource, /half of this machine's/);
    assert.equal(runLimits({}, { [MEMORY_BUDGET_ENV]: '8GiB' }).memoryBytes, 8 * 2 ** 30);
    assert.equal(runLimits({ 'memory-budget': '512MB' }, { [MEMORY_BUDGET_ENV]: '8GiB' }).memoryBytes, 512e6);
    assert.equal(parseBytes('2e9', 'x'), 2e9);
    assert.throws(() => parseBytes('lots', '--memory-budget'), /--memory-budget "lots" is not a size/);
    assert.throws(() => runLimits({}, { [MEMORY_BUDGET_ENV]: '-1' }), /SGC_MEMORY_BUDGET "-1" is not a size/);
  });
});
