/**
 * Binary checkpoint files (src/learn/checkpoint.ts): a run stopped, written to a file, read back and
 * resumed ends bit-identical to the run straight through, on an engine that computes in float64 and
 * on one that computes in float32; H = 10⁶-sized weights are written without any string; files are
 * replaced atomically; old JSON checkpoints still load.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeCheckpoint, readCheckpointFile, writeCheckpointFile } from '../../../src/learn/checkpoint.js';
import { createEngine } from '../../../src/learn/engine/index.js';
import { type RunConfig, RunConfigSchema } from '../../../src/learn/runConfig.js';
import { type Checkpoint, runTraining } from '../../../src/learn/trainer.js';

const dir = mkdtempSync(join(tmpdir(), 'sgc-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const config: RunConfig = RunConfigSchema.parse({
  group: 'D3',
  encoding: { kind: 'onehot' },
  k: 2,
  model: { kind: 'mlp', H: 16 },
  train: { optimizer: 'adam', lr: 0.01, init: 0.1, steps: 60, stopOnSuccess: false, evalEvery: 41 },
  data: { kind: 'sampled', count: 30, seed: 3, batch: 8 },
});

describe('a run resumed from a checkpoint file ends as the run straight through', () => {
  for (const [engineName, backend, dtype] of [
    ['reference', undefined, 'float64'],
    ['onnx', 'cpu', 'float32'],
  ] as const)
    test(`${engineName}: weights, Adam's moments and the curve, bit for bit (arrays stored as ${dtype})`, async () => {
      const engine = await createEngine(engineName, backend);
      const straight = await runTraining(config, engine);
      const path = join(dir, `${engineName}.bin`);
      const controller = new AbortController();
      await runTraining(config, engine, {
        signal: controller.signal,
        checkpointDue: (step) => step === 40,
        // As the training activity does: the state at the cancelled end is not a checkpoint.
        finalCheckpoint: false,
        onCheckpoint: (c) => {
          writeCheckpointFile(path, c, { configHash: 'abc' });
          controller.abort();
        },
      });
      const { checkpoint, meta } = readCheckpointFile(path);
      assert.equal(checkpoint.step, 40);
      assert.deepEqual(meta, { configHash: 'abc' });
      // Step 41's window (steps 38–41) began before the checkpoint: its sums travel with it.
      assert.ok((checkpoint.lossLog?.open.length ?? 0) > 0, 'open windows in the checkpoint');
      // The header says how each array was stored: float32 only when that is exact.
      const bytes = readFileSync(path);
      const header = JSON.parse(bytes.subarray(12, 12 + bytes.readUInt32LE(8)).toString('utf8'));
      assert.deepEqual(new Set(header.arrays.map((a: { dtype: string }) => a.dtype)), new Set([dtype]));
      const resumed = await runTraining(config, engine, { resumeFrom: checkpoint });
      assert.equal(resumed.steps, 60);
      assert.deepEqual(resumed.state.parameters, straight.state.parameters);
      assert.deepEqual(resumed.state.optimizer, straight.state.optimizer);
      assert.deepEqual(resumed.metrics, straight.metrics);
      assert.equal(resumed.finalLoss, straight.finalLoss);
    });
});

/** A checkpoint with given parameter arrays and no optimizer moments. */
function syntheticCheckpoint(parameters: Record<string, Float64Array>, initialLoss = 1.5): Checkpoint {
  return {
    step: 7,
    initialLoss,
    state: { parameters, optimizer: { step: 7, m: {}, v: {} } },
    dataState: { kind: 'online', rng: [1, 2, 3, 4] } as unknown as Checkpoint['dataState'],
    metrics: { loss: [{ step: 0, loss: Number.NaN }], evaluations: [], events: [] },
  };
}

test('H = 10⁶ (18 million weights): written as buffers, 4 bytes a float32 weight, read back exactly', () => {
  const n = 18_000_000; // mlp on D3 with k = 2 at H = 10⁶: 10⁶ × 12 + 6 × 10⁶
  const W = new Float64Array(n);
  for (let i = 0; i < n; i++) W[i] = Math.fround(Math.sin(i) * 1e-3);
  const path = join(dir, 'large.bin');
  writeCheckpointFile(path, syntheticCheckpoint({ W }));
  const size = statSync(path).size;
  assert.ok(size >= 4 * n && size < 4 * n + 4096, `${size} bytes`);
  const { checkpoint } = readCheckpointFile(path);
  const back = checkpoint.state.parameters.W;
  assert.equal(back.length, n);
  let same = true;
  for (let i = 0; i < n && same; i++) same = back[i] === W[i];
  assert.ok(same, 'every weight read back exactly');
  rmSync(path);
});

test('float64 values that float32 would round stay float64; NaN and ±∞ survive the header', () => {
  const W = Float64Array.of(0.1, 1 / 3, -2, Number.NaN);
  const path = join(dir, 'f64.bin');
  writeCheckpointFile(path, syntheticCheckpoint({ W }, Number.POSITIVE_INFINITY));
  const { checkpoint } = readCheckpointFile(path);
  assert.deepEqual(checkpoint.state.parameters.W, W);
  assert.equal(checkpoint.initialLoss, Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(checkpoint.metrics.loss[0].loss));
});

test('writes are atomic: the old checkpoint stays until the new one is complete, no temporary file left', () => {
  const path = join(dir, 'atomic.bin');
  writeCheckpointFile(path, syntheticCheckpoint({ W: Float64Array.of(1, 2) }));
  writeCheckpointFile(path, syntheticCheckpoint({ W: Float64Array.of(3, 4) }));
  assert.deepEqual(readCheckpointFile(path).checkpoint.state.parameters.W, Float64Array.of(3, 4));
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('atomic')),
    ['atomic.bin'],
  );
});

test('a truncated or foreign file is refused with a message, not misread', () => {
  const path = join(dir, 'truncated.bin');
  writeCheckpointFile(path, syntheticCheckpoint({ W: new Float64Array(1000).fill(0.5) }));
  const bytes = readFileSync(path);
  assert.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 100)), /truncated checkpoint/);
  assert.throws(
    () => decodeCheckpoint(Buffer.from('hello world, not a checkpoint')),
    /not an sgc checkpoint/,
  );
});

test('a legacy JSON checkpoint (sgc-checkpoint/1, base64 Float64) still loads', () => {
  const W = Float64Array.of(0.1, -0.2);
  const b64 = (a: Float64Array) => Buffer.from(a.buffer).toString('base64');
  const path = join(dir, 'checkpoint.json');
  writeFileSync(
    path,
    JSON.stringify({
      format: 'sgc-checkpoint/1',
      step: 3,
      initialLoss: 2,
      parameters: { W: b64(W) },
      optimizer: { step: 3, m: { W: b64(W) }, v: {} },
      dataState: { kind: 'online' },
      metrics: { loss: [], evaluations: [], events: [] },
    }),
  );
  const { checkpoint } = readCheckpointFile(path);
  assert.deepEqual(checkpoint.state.parameters.W, W);
  assert.deepEqual(checkpoint.state.optimizer.m.W, W);
  assert.ok(existsSync(path));
});
