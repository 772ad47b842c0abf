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

/** Milliseconds per step: two warm-up steps, then steps until `budget` seconds (at least 3 steps). */
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
  let steps = 0;
  const started = performance.now();
  while (performance.now() - started < budget * 1000 || steps < 3) {
    await session.step(batch);
    steps++;
  }
  const ms = (performance.now() - started) / steps;
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

function measureTorch(python: string): Map<string, number | string> {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const script = join(import.meta.dirname, 'reference', 'train_step_torch.py');
  const args = [script, ...sizes.map((s) => s.join(',')), '--seconds', String(seconds)];
  const result = spawnSync(python, args, { encoding: 'utf8', env, timeout: 60 * 60 * 1000 });
  const out = new Map<string, number | string>();
  for (const line of result.stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    const row = JSON.parse(line) as { n: number; k: number; H: number; ms_per_step: number };
    out.set(`${row.n},${row.k},${row.H}`, row.ms_per_step);
  }
  if (result.status !== 0) process.stderr.write(`PyTorch reference failed: ${result.stderr.slice(-500)}\n`);
  return out;
}

const onnx = createOnnxEngine();
const rows: (string | number)[][] = [];
const ours = new Map<string, number>();
for (const [index, [n, k, H]] of sizes.entries()) {
  const key = `${n},${k},${H}`;
  const { ms, B } = await timeSteps(onnx, n, k, H, seconds);
  ours.set(key, ms);
  const reference = index === 0 ? (await timeSteps(referenceEngine, n, k, H, seconds)).ms.toFixed(1) : '';
  rows.push([n, k, H, B, ms.toFixed(2), reference]);
  process.stderr.write(`  onnx ${key}: ${ms.toFixed(2)} ms/step\n`);
}

const python = referencePython();
if (python) process.stderr.write(`measuring the PyTorch reference with ${python} …\n`);
const torch = python ? measureTorch(python) : new Map<string, number | string>();
for (const row of rows) {
  const key = row.slice(0, 3).join(',');
  const t = torch.get(key);
  if (typeof t === 'number') row.push(t.toFixed(2), (t / ours.get(key)!).toFixed(1));
  else row.push(python ? 'failed' : 'reference unavailable', '');
}

console.log(
  formatTable(['|G|', 'k', 'H', 'batch', 'onnx ms', 'reference ms', 'torch ms', 'torch/onnx'], rows),
);
console.log(
  `\nOne step = forward, backward, global-norm clip, per-neuron update; mlp with degree k, Float32` +
    ` (reference engine: Float64, smallest size only). ${availableParallelism()} CPUs.` +
    `\nPyTorch: ${python ?? 'reference unavailable (no python with torch; see bench/reference/train_step_torch.py)'}.`,
);
