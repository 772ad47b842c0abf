/**
 * Benchmark: time per training step of the two-layer mlp (degree k, per-neuron optimizer with
 * clipping, one full batch of min(|G|^k, 4096) sampled sequences), for the onnx engine (and the
 * reference engine at the smallest size only: it is plain Float64 TypeScript), beside the same step in
 * PyTorch on CPU measured in the same run (bench/reference/train_step_torch.py: dense inputs,
 * autograd, per-neuron update), and the ratio PyTorch time / sgc time.
 *
 *   npm run bench:train                                   # the sizes
 *   npm run bench:train -- --sizes "10,2,512;24,3,4096"   # chosen (|G|, k, H)
 *   npm run bench:train -- --seconds 5                    # longer timing per size (default 3)
 *
 * The PyTorch reference runs with .venv-ref/bin/python when it exists (or $SGC_REF_PYTHON), else
 * python3 if it has torch, else the column says "reference unavailable". OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE are unset for that command only (they slow OpenBLAS down on these machines).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseGroup } from '../src/algebra/parse.js';
import { formatTable } from '../src/cli/format.js';
import type { EngineSession, TensorEngine } from '../src/learn/engine/engine.js';
import { createOnnxEngine } from '../src/learn/engine/onnx/index.js';
import { referenceEngine } from '../src/learn/engine/reference.js';
import { initParameters, makeModelSpec } from '../src/learn/models/spec.js';
import { encode, encodingMatrix } from '../src/task/encoding.js';
import { sampledSequences } from '../src/task/sequences.js';

const DEFAULT_SIZES = '10,2,512;10,3,2048;10,4,4096;6,5,4096;24,3,4096;60,2,2048';
const MAX_BATCH = 4096;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const sizes = (option('sizes') ?? DEFAULT_SIZES).split(';').map((s) => s.split(',').map(Number));
const seconds = Number(option('seconds') ?? 3);

/**
 * Milliseconds per step, the median (robust to the spikes of a shared machine; PyTorch's script
 * reports its median too): two warm-up steps, then steps until `budget` seconds (at least 5).
 */
async function timeSteps(engine: TensorEngine, n: number, k: number, H: number, budget: number) {
  const group = parseGroup(`C${n}`);
  const encodings = encodingMatrix(encode(group, { kind: 'random', seed: 1 }));
  const model = makeModelSpec('mlp', n, k, H);
  const B = Math.min(n ** k, MAX_BATCH);
  const s = sampledSequences(group, k, B, 2);
  const batch = { elements: s.elements, targets: s.products, count: B };
  const session: EngineSession = await engine.open({
    model,
    optimizer: { kind: 'per-neuron', lr: 1e-3, clip: 1 },
    encodings,
    batchSize: B,
    parameters: initParameters(model, 1, 0.01),
  });
  for (let i = 0; i < 2; i++) await session.step(batch);
  const times: number[] = [];
  const started = performance.now();
  while (performance.now() - started < budget * 1000 || times.length < 5) {
    const t0 = performance.now();
    await session.step(batch);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  await session.dispose();
  return { ms, B };
}

function hasTorch(python: string): boolean {
  return spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
}

function referencePython(): string | undefined {
  const venv = join(import.meta.dirname, '..', '.venv-ref', 'bin', 'python');
  const candidates = [process.env.SGC_REF_PYTHON, existsSync(venv) ? venv : undefined, 'python3'];
  return candidates.find((p): p is string => !!p && hasTorch(p));
}

/** PyTorch's ms per step at one size, or why not. */
function measureTorch(python: string, size: number[]): number | string {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const script = join(import.meta.dirname, 'reference', 'train_step_torch.py');
  const args = [script, size.join(','), '--seconds', String(seconds)];
  const result = spawnSync(python, args, { encoding: 'utf8', env, timeout: 30 * 60 * 1000 });
  const line = result.stdout.split('\n').find((l) => l.trim().startsWith('{'));
  if (result.status !== 0 || line === undefined) return `failed: ${result.stderr.trim().split('\n').at(-1)}`;
  return (JSON.parse(line) as { ms_per_step: number }).ms_per_step;
}

// Each size: the onnx engine, then PyTorch right after, so both see the same machine load.
const python = referencePython();
process.stderr.write(`PyTorch reference: ${python ?? 'unavailable'}\n`);
const onnx = createOnnxEngine();
const rows: (string | number)[][] = [];
for (const [index, size] of sizes.entries()) {
  const [n, k, H] = size;
  const { ms, B } = await timeSteps(onnx, n, k, H, seconds);
  const reference = index === 0 ? (await timeSteps(referenceEngine, n, k, H, seconds)).ms.toFixed(1) : '';
  const torch = python ? measureTorch(python, size) : 'reference unavailable';
  const ratio = typeof torch === 'number' ? (torch / ms).toFixed(1) : '';
  rows.push([
    n,
    k,
    H,
    B,
    ms.toFixed(2),
    reference,
    typeof torch === 'number' ? torch.toFixed(2) : torch,
    ratio,
  ]);
  process.stderr.write(`  ${size.join(',')}: onnx ${ms.toFixed(2)} ms, torch ${rows.at(-1)![6]} ms\n`);
}

console.log(
  formatTable(['|G|', 'k', 'H', 'batch', 'onnx ms', 'reference ms', 'torch ms', 'torch/onnx'], rows),
);
console.log(
  `\nMedian time of one step = forward, backward, global-norm clip, per-neuron update; mlp with degree k, Float32` +
    ` (reference engine: Float64, smallest size only). ${availableParallelism()} CPUs.` +
    `\nPyTorch: ${python ?? 'reference unavailable (no python with torch; see bench/reference/train_step_torch.py)'}.`,
);
