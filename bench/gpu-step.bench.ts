/**
 * Benchmark: one training step (bench/trainStep.ts says which) on the onnx engine's cuda backend,
 * beside its cpu backend and PyTorch on the CPU, measured in the same run, at the three largest
 * sizes of bench/train-step (H = 4096, batch 4096). Ratios: cpu ÷ cuda and PyTorch ÷ cuda (> 1: cuda
 * faster). Without a working cuda backend (no driver, no device, no `sgc gpu setup`), the cuda column
 * says why and the cpu and PyTorch columns are still measured.
 *
 *   npm run bench:gpu                       # the three largest sizes, 3 s per measurement
 *   npm run bench:gpu -- --sizes "10,2,512" --seconds 1
 */
import { availableParallelism, loadavg } from 'node:os';
import { formatTable } from '../src/cli/format.js';
import { createOnnxEngine } from '../src/learn/engine/onnx/index.js';
import { checkBackend } from '../src/learn/engine/selfCheck.js';
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

/** The three of bench/train-step's sizes with the most work per step (batch × H × k). */
const LARGEST = [...DEFAULT_STEP_SIZES]
  .sort((a, b) => stepBatchSize(b) * b.H * b.k - stepBatchSize(a) * a.H * a.k)
  .slice(0, 3);
const sizes = option('sizes') ? parseSizes(option('sizes') as string) : LARGEST;
const seconds = Number(option('seconds') ?? 3);
const device = option('device') === undefined ? undefined : Number(option('device'));
console.log(
  `load average at the start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
);

const cudaCheck = await checkBackend('onnx', 'cuda', device);
const cuda = cudaCheck.ok
  ? createOnnxEngine({ executionProvider: 'cuda', ...(device === undefined ? {} : { deviceId: device }) })
  : undefined;
if (!cuda) console.log(`cuda: no device (${cudaCheck.error})`);
const cpu = createOnnxEngine();
const us = (ms: number) => (1000 * ms).toFixed(0);
const rows: (string | number)[][] = [];
let note = '';
for (const size of sizes) {
  const cudaMs = cuda ? await timeEngineStep(cuda, size, seconds) : undefined;
  const cpuMs = await timeEngineStep(cpu, size, seconds);
  const torch = measureTorchSteps([size], seconds);
  note = torch.note;
  const torchMs = torch.ms.get(sizeKey(size));
  rows.push([
    size.n,
    size.k,
    size.H,
    stepBatchSize(size),
    cudaMs === undefined ? 'no device' : us(cudaMs),
    us(cpuMs),
    torchMs === undefined ? '—' : us(torchMs),
    cudaMs === undefined ? '' : (cpuMs / cudaMs).toFixed(1),
    cudaMs === undefined || torchMs === undefined ? '' : (torchMs / cudaMs).toFixed(1),
  ]);
  process.stderr.write(`  ${sizeKey(size)} done\n`);
}
console.log(
  formatTable(
    ['|G|', 'k', 'H', 'batch', 'onnx cuda µs', 'onnx cpu µs', 'torch cpu µs', 'cpu/cuda', 'torch/cuda'],
    rows,
  ),
);
console.log(
  `\nMedian time of one step (forward, backward, clip, per-neuron update; Float32), one step per engine call. ` +
    `${availableParallelism()} CPUs. ${note}.`,
);
