/**
 * What the training-step benchmarks share: the sizes, timing one engine's step, and the PyTorch
 * reference (bench/reference/train_step_torch.py) measured in the same run.
 *
 * The step is the two-layer mlp's (degree k), per-neuron SGD with clipping, on one full batch of
 * B = min(|G|^k, 4096) sampled sequences. Times are medians: robust to a shared machine's spikes
 * (the PyTorch script reports its median too).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseGroup } from '../src/algebra/parse.js';
import type { TensorEngine } from '../src/learn/engine/engine.js';
import { initParameters, makeModelSpec } from '../src/learn/models/spec.js';
import { encode, encodingMatrix } from '../src/task/encoding.js';
import { sampledSequences } from '../src/task/sequences.js';

export interface StepSize {
  n: number;
  k: number;
  H: number;
  /** Sequences per step (default min(|G|^k, 4096)). */
  B?: number;
}

/** The sizes (|G|, k, H). */
export const DEFAULT_STEP_SIZES: StepSize[] = [
  { n: 10, k: 2, H: 512 },
  { n: 10, k: 3, H: 2048 },
  { n: 10, k: 4, H: 4096 },
  { n: 6, k: 5, H: 4096 },
  { n: 24, k: 3, H: 4096 },
  { n: 60, k: 2, H: 2048 },
];

/**
 * The sizes of the paper's recorded two-layer configurations (k = 2, batch as the paper's code
 * trains them): |G| = 11 on a full batch, |G| = 24 and 25 in batches of 128; and a mid-sized one.
 */
export const SMALL_STEP_SIZES: StepSize[] = [
  { n: 11, k: 2, H: 200, B: 121 },
  { n: 24, k: 2, H: 300, B: 128 },
  { n: 25, k: 2, H: 300, B: 128 },
  { n: 10, k: 2, H: 2048, B: 1000 },
];

/** `10,2,512;24,3,4096,128` → sizes (|G|, k, H, optional batch). */
export function parseSizes(text: string): StepSize[] {
  return text.split(/\s+|;/).flatMap((s) => {
    if (!s) return [];
    const [n, k, H, B] = s.split(',').map(Number);
    return [B === undefined ? { n, k, H } : { n, k, H, B }];
  });
}

export const stepBatchSize = ({ n, k, B }: StepSize): number => B ?? Math.min(n ** k, 4096);
export const sizeKey = (size: StepSize): string => `${size.n},${size.k},${size.H},${stepBatchSize(size)}`;

/** A group of each order the sizes use (any group of order n costs the same per step). */
const GROUPS: Record<number, string> = { 6: 'D3', 10: 'C10', 24: 'S4', 60: 'A5' };

export const STEP_OPTIMIZER = { kind: 'per-neuron', lr: 1e-3, clip: 1 } as const;
const INIT_SCALE = 0.01;

/** The batch (repeated `perCall` times) and the setups of `seeds` seeds (inits 1, 2, …) at `size`. */
function stepSetups(size: StepSize, perCall: number, seeds: number) {
  const { n, k, H } = size;
  const group = parseGroup(GROUPS[n] ?? `C${n}`);
  const B = stepBatchSize(size);
  const s = sampledSequences(group, k, B, 2);
  const batch = { elements: s.elements, targets: s.products, count: B };
  const batches = Array.from({ length: perCall }, () => batch);
  const model = makeModelSpec('mlp', n, k, H);
  const setups = Array.from({ length: seeds }, (_, j) => ({
    model,
    optimizer: STEP_OPTIMIZER,
    encodings: encodingMatrix(encode(group, { kind: 'random', seed: 1 })),
    batchSize: B,
    parameters: initParameters(model, 1 + j, INIT_SCALE),
  }));
  return { batch, batches, setups };
}

/**
 * Milliseconds per seed-step of `seeds` sessions of `engine` (one each, no seed group), each calling
 * steps() with `perCall` batches in a loop of its own for `seconds`, as a worker's concurrent runs
 * do: the wall time over all seed-steps, and the process's CPU time over them. (timeEngineSteps
 * with seeds starts their calls together and waits for all: a barrier no run of the native engine
 * has.)
 */
export async function timeFreeRunning(
  engine: TensorEngine,
  size: StepSize,
  seconds: number,
  perCall: number,
  seeds: number,
): Promise<{ ms: number; cpuMs: number }> {
  const { batches, setups } = stepSetups(size, perCall, seeds);
  const sessions = await Promise.all(setups.map((setup) => engine.open(setup)));
  try {
    for (const session of sessions) await session.steps!(batches);
    let steps = 0;
    const cpu = process.cpuUsage();
    const start = performance.now();
    await Promise.all(
      sessions.map(async (session) => {
        while (performance.now() - start < seconds * 1000) {
          await session.steps!(batches);
          steps += perCall;
        }
      }),
    );
    const wall = performance.now() - start;
    const used = process.cpuUsage(cpu);
    return { ms: wall / steps, cpuMs: (used.user + used.system) / 1000 / steps };
  } finally {
    for (const session of sessions) await session.dispose();
  }
}

/**
 * Median milliseconds per step of `engine` at `size`: two warm-up calls, then ≥ `seconds` and ≥ 5
 * calls. `perCall` steps go to each call: step() for 1, steps() (the trainer's way on onnx) above;
 * a call's time is divided by its steps. With `seeds` > 1, that many seeds (inits 1, 2, …) train
 * as one seed group (engine.openSeeds, each seed's steps() driven concurrently, as runSeeds does):
 * the time is per seed-step, a call's time divided by perCall × seeds.
 */
export async function timeEngineStep(
  engine: TensorEngine,
  size: StepSize,
  seconds: number,
  perCall = 1,
  seeds = 1,
): Promise<number> {
  return (await timeEngineSteps(engine, size, seconds, perCall, seeds)).ms;
}

/**
 * timeEngineStep's median, and the process's CPU milliseconds per step (per seed-step) over the
 * timed calls: steadier than wall time on a loaded machine, where a step waits for a core.
 */
export async function timeEngineSteps(
  engine: TensorEngine,
  size: StepSize,
  seconds: number,
  perCall = 1,
  seeds = 1,
): Promise<{ ms: number; cpuMs: number }> {
  const { batch, batches, setups } = stepSetups(size, perCall, seeds);
  // Seeds of an engine without seed groups (native): one session each, driven concurrently.
  const sessions =
    seeds === 1
      ? [await engine.open(setups[0])]
      : engine.openSeeds
        ? await engine.openSeeds(setups)
        : await Promise.all(setups.map((setup) => engine.open(setup)));
  const call = async () => {
    if (perCall === 1 && seeds === 1) await sessions[0].step(batch);
    else await Promise.all(sessions.map((session) => session.steps!(batches)));
  };
  try {
    for (let i = 0; i < 2; i++) await call();
    const times: number[] = [];
    const cpu = process.cpuUsage();
    const start = performance.now();
    while (performance.now() - start < seconds * 1000 || times.length < 5) {
      const t = performance.now();
      await call();
      times.push((performance.now() - t) / (perCall * seeds));
    }
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000 / (times.length * perCall * seeds);
    times.sort((a, b) => a - b);
    return { ms: times[Math.floor(times.length / 2)], cpuMs };
  } finally {
    for (const session of sessions) await session.dispose();
  }
}

const REFERENCE_SCRIPT = join(import.meta.dirname, 'reference', 'train_step_torch.py');

function hasTorch(python: string): boolean {
  return spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
}

/** A python with torch: $SGC_REF_PYTHON, .venv-ref/bin/python, or python3. */
export function torchPython(): string | undefined {
  const venv = join(import.meta.dirname, '..', '.venv-ref', 'bin', 'python');
  const candidates = [process.env.SGC_REF_PYTHON, existsSync(venv) ? venv : undefined, 'python3'];
  return candidates.find((p): p is string => !!p && hasTorch(p));
}

export interface TorchTimes {
  /** Median ms per step by sizeKey. */
  ms: Map<string, number>;
  /** What was measured (torch version, threads), or why nothing was. */
  note: string;
}

/**
 * PyTorch's median ms per step at each size, measured now. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are
 * unset for this command only (they slow OpenBLAS down on these machines); `threads` pins
 * OMP_NUM_THREADS, for a per-core comparison.
 */
export function measureTorchSteps(sizes: StepSize[], seconds: number, threads?: number): TorchTimes {
  const ms = new Map<string, number>();
  const python = torchPython();
  if (!python)
    return {
      ms,
      note: 'PyTorch reference unavailable: no python with torch (see bench/reference/README.md)',
    };
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (threads !== undefined) env.OMP_NUM_THREADS = env.MKL_NUM_THREADS = `${threads}`;
  const args = [
    REFERENCE_SCRIPT,
    ...sizes.map((s) => `${sizeKey(s)},${stepBatchSize(s)}`),
    '--seconds',
    `${seconds}`,
  ];
  const run = spawnSync(python, args, { encoding: 'utf8', env, maxBuffer: 1 << 24, timeout: 30 * 60 * 1000 });
  let note = 'PyTorch on CPU, measured in this run';
  for (const line of run.stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    const r = JSON.parse(line) as Required<StepSize> & {
      ms_per_step: number;
      torch: string;
      threads: number;
    };
    ms.set(sizeKey(r), r.ms_per_step);
    note = `PyTorch ${r.torch} on CPU (${r.threads} threads, ${python}), measured in this run`;
  }
  if (run.status !== 0) note = `PyTorch reference failed: ${run.stderr.trim().split('\n').at(-1)}`;
  return { ms, note };
}
