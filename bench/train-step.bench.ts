/**
 * Benchmark: time per training step of the two-layer mlp (bench/trainStep.ts says which step) on the
 * onnx engine — and on the reference engine at the smallest size only, as it is plain Float64
 * TypeScript — beside the same step in PyTorch on CPU measured right after each size in the same run,
 * and the ratio PyTorch time / sgc time.
 *
 *   npm run bench:train                                   # the sizes
 *   npm run bench:train -- --sizes "10,2,512;24,3,4096"   # chosen (|G|, k, H)
 *   npm run bench:train -- --seconds 5                    # longer timing per size (default 3)
 */
import { availableParallelism } from 'node:os';
import { formatTable } from '../src/cli/format.js';
import { createOnnxEngine } from '../src/learn/engine/onnx/index.js';
import { referenceEngine } from '../src/learn/engine/reference.js';
import {
  DEFAULT_STEP_SIZES,
  measureTorchSteps,
  parseSizes,
  sizeKey,
  stepBatchSize,
  timeEngineStep,
} from './trainStep.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const sizes = option('sizes') ? parseSizes(option('sizes')!) : DEFAULT_STEP_SIZES;
const seconds = Number(option('seconds') ?? 3);

// Each size: the onnx engine, then PyTorch right after, so both see the same machine load.
const onnx = createOnnxEngine();
const rows: (string | number)[][] = [];
let note = '';
for (const [index, size] of sizes.entries()) {
  const ms = await timeEngineStep(onnx, size, seconds);
  const reference = index === 0 ? (await timeEngineStep(referenceEngine, size, seconds)).toFixed(1) : '';
  const torch = measureTorchSteps([size], seconds);
  note = torch.note;
  const torchMs = torch.ms.get(sizeKey(size));
  rows.push([
    size.n,
    size.k,
    size.H,
    stepBatchSize(size),
    ms.toFixed(2),
    reference,
    torchMs?.toFixed(2) ?? '—',
    torchMs === undefined ? '' : (torchMs / ms).toFixed(1),
  ]);
  process.stderr.write(
    `  ${sizeKey(size)}: onnx ${ms.toFixed(2)} ms, torch ${torchMs?.toFixed(2) ?? '—'} ms\n`,
  );
}

console.log(
  formatTable(['|G|', 'k', 'H', 'batch', 'onnx ms', 'reference ms', 'torch ms', 'torch/onnx'], rows),
);
console.log(
  `\nMedian time of one step = forward, backward, global-norm clip, per-neuron update; mlp with degree k, Float32` +
    ` (reference engine: Float64, smallest size only). ${availableParallelism()} CPUs.\n${note}.`,
);
