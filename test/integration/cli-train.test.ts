/**
 * `sgc train` as a user runs it: a real process writing a real run folder, bad configs refused with
 * one line and exit 2, and --resume continuing a run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sgc } from '../helpers/sgc.js';

const good = `group: D3
encoding: {kind: powers, powers: [0, 30, 3000]}
k: 2
model: {kind: mlp, H: 32}
train: {optimizer: per-neuron, lr: 0.01, init: 1.0e-3, steps: 300, clip: 0.1, stopOnSuccess: false}
engine: {name: reference}
`;

describe('sgc train', () => {
  test('writes a run folder with config, CSVs, metrics, weights and a checkpoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgc-train-'));
    writeFileSync(join(dir, 'run.yaml'), good);
    const out = join(dir, 'run');
    const r = sgc('train', join(dir, 'run.yaml'), '--out', out);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /outcome: (succeeded|failed)/);
    assert.match(r.stdout, /predicted plateaus: 505 → 5 → 0/);
    assert.match(r.stderr, /step +300\/300 +loss/);
    for (const f of [
      'config.json',
      'result.json',
      'loss.csv',
      'evaluations.csv',
      'metrics.json',
      'weights.json',
      'checkpoint.bin',
    ])
      assert.ok(existsSync(join(out, f)), f);
    const loss = readFileSync(join(out, 'loss.csv'), 'utf8').trim().split('\n');
    assert.equal(loss[0], 'step,loss');
    assert.ok(Math.abs(Number(loss[1].split(',')[1]) - 505) < 1);
    assert.equal(
      readFileSync(join(out, 'evaluations.csv'), 'utf8').split('\n')[0],
      'step,loss,accuracy,power_trivial,power_sign,power_rot1',
    );
    const weights = JSON.parse(readFileSync(join(out, 'weights.json'), 'utf8'));
    assert.deepEqual([weights.W_in.rows, weights.W_in.cols, weights.W_in.values.length], [32, 12, 384]);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.equal(config.order, 'left', 'defaults are filled in');
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    assert.equal(result.steps, 300);
  });

  test('--resume continues from the checkpoint to the same budget', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgc-train-'));
    writeFileSync(join(dir, 'run.yaml'), good.replace('steps: 300', 'steps: 120'));
    const out = join(dir, 'run');
    assert.equal(sgc('train', join(dir, 'run.yaml'), '--out', out).code, 0);
    const straight = JSON.parse(readFileSync(join(out, 'weights.json'), 'utf8'));
    // Resuming a finished run: the checkpoint is at the end of the budget, so nothing more happens
    // and the weights stay identical.
    const r = sgc('train', '--resume', out);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'weights.json'), 'utf8')), straight);
  });

  test('epochLoss with minibatches that keep the short batch, on onnx in calls of 3 steps: epoch-loss.csv', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgc-train-'));
    const yaml = good
      .replace('stopOnSuccess: false}', 'stopOnSuccess: false, epochLoss: true}')
      .replace('steps: 300', 'steps: 40')
      .replace(
        'engine: {name: reference}',
        'engine: {name: onnx}\ndata: {kind: exhaustive, batch: 10, dropLast: false}',
      );
    writeFileSync(join(dir, 'run.yaml'), yaml);
    const out = join(dir, 'run');
    const r = sgc('train', join(dir, 'run.yaml'), '--out', out, '--steps-per-call', '3');
    assert.equal(r.code, 0, r.stderr);
    // 36 sequences in batches of 10, 10, 10, 6: an epoch every 4 steps.
    const rows = readFileSync(join(out, 'epoch-loss.csv'), 'utf8').trim().split('\n');
    assert.equal(rows[0], 'epoch,step,loss');
    assert.deepEqual(
      rows.slice(1).map((row) => row.split(',').slice(0, 2).join(',')),
      Array.from({ length: 10 }, (_, i) => `${i + 1},${4 * (i + 1)}`),
    );
    assert.ok(rows.slice(1).every((row) => Number(row.split(',')[2]) > 0));
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    assert.equal(metrics.epochLoss.length, 10);
    assert.equal(metrics.epochPartial, undefined, 'resume bookkeeping stays in the checkpoint');

    for (const [args, message] of [
      [['--steps-per-call', '0'], /--steps-per-call: "0" is not a positive integer/],
      [['--steps-per-call', 'many'], /--steps-per-call: "many" is not a positive integer/],
    ] as const) {
      const bad = sgc('train', join(dir, 'run.yaml'), '--out', join(dir, 'bad'), ...args);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, message);
      assert.ok(!existsSync(join(dir, 'bad')));
    }
  });

  test('bad configs: one line naming the field, the value and what is allowed; exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgc-train-'));
    const cases: [string, RegExp][] = [
      [good.replace('H: 32', 'H: -4'), /model\.H: -4 — Too small/],
      [
        good.replace('kind: mlp', 'kind: lstm'),
        /model\.kind: "lstm" — Invalid option: expected one of "mlp"\|"rnn"\|"tree"/,
      ],
      [good.replace('group: D3', 'group: D3x'), /empty factor in "D3x"/],
      [
        good.replace('powers: [0, 30, 3000]', 'powers: [0, 30]'),
        /D3 has 3 irreps \(trivial, sign, rot1\) but 2 powers were given/,
      ],
      [good.replace('lr: 0.01', 'lr: 0.01, momentum: 0.9'), /unknown field "momentum" in train/],
      [good.replace('k: 2', 'k: 1'), /k: 1 — Too small/],
      [
        `${good.replace('clip: 0.1,', 'clip: 0.1, epochLoss: true,')}data: {kind: online, batch: 8}\n`,
        /train.epochLoss: online data has no epochs/,
      ],
      [`${good}data: {kind: exhaustive, dropLast: maybe}\n`, /data\.dropLast: "maybe"/],
      [good.replace('optimizer: per-neuron', 'optimizer: hybrid'), /optimizer "hybrid" is for the rnn model/],
      [`${good}engine: {name: tpu}\n`, /duplicated mapping key|not valid YAML/],
      ['group: [unclosed', /not valid YAML/],
    ];
    cases.forEach(([text, message], i) => {
      const path = join(dir, `bad${i}.yaml`);
      writeFileSync(path, text);
      const r = sgc('train', path, '--out', join(dir, `out${i}`));
      assert.equal(r.code, 2, `case ${i}: ${r.stderr}`);
      assert.match(r.stderr, message, `case ${i}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `case ${i}: no stack trace`);
      assert.ok(!existsSync(join(dir, `out${i}`)), `case ${i}: no run folder for a bad config`);
    });
    const missing = sgc('train', join(dir, 'nope.yaml'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file/);
  });
});
