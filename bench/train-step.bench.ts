/**
 * Benchmark: the two-layer mlp's training (bench/trainStep.ts says which step) on the onnx engine
 * beside PyTorch on CPU, measured in the same run, with the ratio PyTorch / sgc.
 *
 * 1. Time per step at each size: onnx with one step per engine call, onnx with N steps per call (N
 *    chosen as the trainer chooses it: a call of about CALL_MILLISECONDS), onnx with S = 3 seeds in
 *    one graph (time per seed-step; S = 1 is the N-per-call column, as a seed group of one runs its
 *    session's own Loop graph), with stacked weights and with one copy of the step per seed, the
 *    reference engine at the first size only (plain Float64
 *    TypeScript), the native engine (the C kernel) with N steps per call and with S = 3 sessions
 *    training at once (time per seed-step: their calls started and awaited together, and each
 *    session calling in a loop of its own), and PyTorch's step right after each size.
 * 2. Whole runs of the paper's three recorded configurations, process start to result: `sgc train`
 *    (the compiled CLI, `npm run build`) on the onnx and on the native engine against bench/reference/train_run_torch.py (the paper's
 *    per-batch DataLoader loop), each run as a fresh process timed from outside.
 *
 *   npm run bench:train                                   # the issue's sizes and runs
 *   npm run bench:train -- --sizes "10,2,512;24,3,4096"   # chosen (|G|, k, H[, batch])
 *   npm run bench:train -- --seconds 5                    # longer timing per size (default 3)
 *   npm run bench:train -- --run-steps 2000               # shorter whole runs (default 10,000; 0: none)
 *   npm run bench:train -- --sizes ""                     # whole runs only
 */
import { execSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable } from '../src/cli/format.js';
import { createNativeEngine } from '../src/learn/engine/native/index.js';
import { createOnnxEngine } from '../src/learn/engine/onnx/index.js';
import { referenceEngine } from '../src/learn/engine/reference.js';
import { CALL_MILLISECONDS, MAX_STEPS_PER_CALL } from '../src/learn/trainer.js';
import {
  DEFAULT_STEP_SIZES,
  measureTorchSteps,
  parseSizes,
  SMALL_STEP_SIZES,
  sizeKey,
  stepBatchSize,
  timeEngineStep,
  timeEngineSteps,
  timeFreeRunning,
  torchPython,
} from './trainStep.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const sizesOption = option('sizes');
const sizes =
  sizesOption !== undefined ? parseSizes(sizesOption) : [...SMALL_STEP_SIZES, ...DEFAULT_STEP_SIZES];
const seconds = Number(option('seconds') ?? 3);
const runSteps = Number(option('run-steps') ?? 10_000);
const uptime = () => execSync('uptime', { encoding: 'utf8' }).trim();
console.log(`uptime at the start: ${uptime()}`);

// Each size: the onnx engine (1, then N steps per call), then PyTorch right after, so all see the
// same machine load.
const onnx = createOnnxEngine();
/** The same seed groups with one copy of the step per seed (what the rnn and tree get): the reference of the S column. */
const copies = createOnnxEngine({ stackedSeeds: false });
const native = createNativeEngine();
/** Seeds per graph in the S column. */
const SEEDS = 3;
const rows: (string | number)[][] = [];
let note = '';
const us = (ms: number) => (1000 * ms).toFixed(0);
for (const [index, size] of sizes.entries()) {
  const oneTimes = await timeEngineSteps(onnx, size, seconds);
  const one = oneTimes.ms;
  const perCall = Math.max(1, Math.min(MAX_STEPS_PER_CALL, Math.round(CALL_MILLISECONDS / one)));
  const manyTimes = perCall === 1 ? oneTimes : await timeEngineSteps(onnx, size, seconds, perCall);
  const many = manyTimes.ms;
  // S seeds' calls of M steps each take about S·M steps' time: M as the trainer would choose it.
  const seedCall = Math.max(1, Math.min(MAX_STEPS_PER_CALL, Math.round(CALL_MILLISECONDS / (SEEDS * many))));
  const seededTimes = await timeEngineSteps(onnx, size, seconds, seedCall, SEEDS);
  const seeded = seededTimes.ms;
  const copied = (await timeEngineSteps(copies, size, seconds, seedCall, SEEDS)).ms;
  // The native engine's calls sized as the trainer sizes them, from its own single-step time.
  const nativeOne = (await timeEngineSteps(native, size, seconds / 3)).ms;
  const nativeCall = Math.max(1, Math.min(MAX_STEPS_PER_CALL, Math.round(CALL_MILLISECONDS / nativeOne)));
  const nativeMany = (await timeEngineSteps(native, size, seconds, nativeCall)).ms;
  const nativeSeeded = (await timeEngineSteps(native, size, seconds, nativeCall, SEEDS)).ms;
  const nativeFree = (await timeFreeRunning(native, size, seconds, nativeCall, SEEDS)).ms;
  const reference = index === 0 ? us(await timeEngineStep(referenceEngine, size, seconds)) : '';
  const torch = measureTorchSteps([size], seconds);
  note = torch.note;
  const torchMs = torch.ms.get(sizeKey(size));
  rows.push([
    size.n,
    size.k,
    size.H,
    stepBatchSize(size),
    us(one),
    perCall,
    us(many),
    (one / many).toFixed(1),
    seedCall,
    us(seeded),
    (many / seeded).toFixed(1),
    us(copied),
    (copied / seeded).toFixed(1),
    us(manyTimes.cpuMs),
    us(seededTimes.cpuMs),
    (manyTimes.cpuMs / seededTimes.cpuMs).toFixed(1),
    reference,
    us(nativeMany),
    us(nativeSeeded),
    us(nativeFree),
    torchMs === undefined ? '—' : us(torchMs),
    torchMs === undefined ? '' : (torchMs / many).toFixed(1),
    torchMs === undefined ? '' : (torchMs / seeded).toFixed(1),
    torchMs === undefined ? '' : (torchMs / nativeMany).toFixed(1),
    torchMs === undefined ? '' : (torchMs / nativeSeeded).toFixed(1),
  ]);
  process.stderr.write(
    `  ${sizeKey(size)}: onnx ${us(one)} µs, ${perCall}/call ${us(many)} µs, S = ${SEEDS} ${us(seeded)} µs/seed-step (copies ${us(copied)}), native ${us(nativeMany)} µs, S = ${SEEDS} ${us(nativeSeeded)} µs/seed-step (free ${us(nativeFree)}), torch ${torchMs === undefined ? '—' : us(torchMs)} µs\n`,
  );
}

if (rows.length > 0) {
  console.log(
    formatTable(
      [
        '|G|',
        'k',
        'H',
        'batch',
        'onnx 1/call µs',
        'N',
        'onnx N/call µs',
        'gain',
        `S=${SEEDS} M`,
        `S=${SEEDS} µs/seed-step`,
        `gain S=${SEEDS}`,
        `S=${SEEDS} copies µs`,
        'copies/stacked',
        'CPU µs N/call',
        `CPU µs S=${SEEDS}`,
        `CPU gain S=${SEEDS}`,
        'reference µs',
        'native N/call µs',
        `native S=${SEEDS} µs/seed-step`,
        `native S=${SEEDS} free µs/seed-step`,
        'torch µs',
        'torch/onnx N',
        `torch/S=${SEEDS}`,
        'torch/native',
        `torch/native S=${SEEDS}`,
      ],
      rows,
    ),
  );
  console.log(
    `\nMedian time of one step = forward, backward, global-norm clip, per-neuron update; mlp with degree k, Float32` +
      ` (reference engine: Float64, first size only). N steps per call: chosen as the trainer does (a call of about` +
      ` ${CALL_MILLISECONDS} ms); gain = 1/call ÷ N/call. S = ${SEEDS}: ${SEEDS} seeds (inits 1–${SEEDS}) in one graph,` +
      ` M steps per seed per call, time per seed-step, with stacked weights; copies: the same group with one copy of the step per seed; gain S=${SEEDS} = N/call ÷ S=${SEEDS}.` +
      ` native: the native engine (the step in C on its compute threads, one per core, shared by the sessions; a step's parts of 256 sequences on all cores from 2^21 sequences × n × H), calls sized the same way; native S=${SEEDS}: ${SEEDS} sessions training at once, their calls started together and awaited together (time per seed-step); free: the ${SEEDS} sessions each calling in a loop of its own, as a worker's concurrent runs do (wall time over all seed-steps).` +
      ` CPU µs: the process's CPU time (all threads) per step or seed-step over the timed calls, steadier than wall time under load. ${availableParallelism()} CPUs.\n${note}.`,
  );
}

/** The paper's three recorded configurations as sgc run configs and as train_run_torch.py arguments. */
const RUNS = [
  {
    label: '|G| = 11, H = 200, full batch of 121',
    group: 'C11',
    n: 11,
    H: 200,
    B: 121,
    count: 121,
    data: '{kind: exhaustive}',
  },
  {
    label: '|G| = 24, H = 300, batches of 128 from 1,000 pairs',
    group: 'S4',
    n: 24,
    H: 300,
    B: 128,
    count: 1000,
    data: '{kind: sampled, count: 1000, seed: 1, batch: 128, dropLast: false}',
  },
  {
    label: '|G| = 25, H = 300, batches of 128 from 625 pairs',
    group: 'C5xC5',
    n: 25,
    H: 300,
    B: 128,
    count: 625,
    data: '{kind: exhaustive, batch: 128, dropLast: false}',
  },
];

function wall(command: string, args: string[]): { seconds: number; ok: boolean; stderr: string } {
  const started = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { seconds: (performance.now() - started) / 1000, ok: r.status === 0, stderr: r.stderr };
}

if (runSteps > 0) {
  const dir = mkdtempSync(join(tmpdir(), 'sgc-bench-runs-'));
  const python = torchPython();
  const runRows: (string | number)[][] = [];
  try {
    for (const run of RUNS) {
      // One `sgc train` per engine: the run folder, figures and report included.
      const sgcRun = (engine: string) => {
        const config = join(dir, `${run.group}-${engine}.yaml`);
        writeFileSync(
          config,
          `group: ${run.group}\nencoding: {kind: random, seed: 1}\nk: 2\nmodel: {kind: mlp, H: ${run.H}}\n` +
            `train: {optimizer: per-neuron, lr: 0.001, init: 0.001, clip: 1, steps: ${runSteps}, stopOnSuccess: false}\n` +
            `data: ${run.data}\nengine: {name: ${engine}}\n`,
        );
        const out = join(dir, `${run.group}-${engine}`);
        const timed = wall(process.execPath, [
          join(import.meta.dirname, '..', 'bin', 'sgc.js'),
          'train',
          config,
          '--out',
          out,
        ]);
        if (!timed.ok) throw new Error(`sgc train (${engine}) failed: ${timed.stderr}`);
        // The trainer's own time (result.json): the rest is start-up, the run folder and its figures.
        const training = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).seconds as number;
        return { seconds: timed.seconds, training };
      };
      const onnxRun = sgcRun('onnx');
      const nativeRun = sgcRun('native');
      const theirs = python
        ? wall(python, [
            join(import.meta.dirname, 'reference', 'train_run_torch.py'),
            `${run.n},${run.H},${run.B},${run.count},${runSteps}`,
          ])
        : undefined;
      const ratio = (ours: number) => (theirs?.ok ? (theirs.seconds / ours).toFixed(1) : '');
      runRows.push([
        run.label,
        onnxRun.seconds.toFixed(2),
        onnxRun.training.toFixed(2),
        nativeRun.seconds.toFixed(2),
        nativeRun.training.toFixed(2),
        theirs?.ok ? theirs.seconds.toFixed(2) : 'unavailable',
        ratio(onnxRun.seconds),
        ratio(nativeRun.seconds),
      ]);
      process.stderr.write(
        `  ${run.label}: sgc onnx ${onnxRun.seconds.toFixed(2)} s, native ${nativeRun.seconds.toFixed(2)} s, torch ${theirs?.seconds.toFixed(2) ?? '—'} s\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nWhole runs of ${runSteps} steps, process start to result (wall seconds):`);
  console.log(
    formatTable(
      [
        'run',
        'onnx: sgc train s',
        'of it training s',
        'native: sgc train s',
        'of it training s',
        'PyTorch loop s',
        'PyTorch/onnx',
        'PyTorch/native',
      ],
      runRows,
    ),
  );
  console.log(
    `\nsgc: the compiled CLI (bin/sgc.js; \`npm run build\`), onnx or native engine, evaluations and the run folder included.` +
      ` PyTorch: bench/reference/train_run_torch.py, interpreter start and import included` +
      `${python ? ` (${python})` : ': unavailable, no python with torch'}.`,
  );
}
console.log(`uptime at the end: ${uptime()}`);
