/**
 * Benchmark: milliseconds per training step of the two-layer mlp (degree k, per-neuron SGD with
 * clipping, full batch of B = min(|G|^k, 4096) sampled sequences) on the tfjs engine, per backend,
 * beside the same step in PyTorch on CPU measured in the same run (bench/reference/train_step_torch.py)
 * and the ratio reference / sgc (above 1: sgc is faster).
 *
 *   npm run bench:train:tfjs                                # default sizes, wasm and cpu
 *   npm run bench:train:tfjs -- --sizes "10,3,2048;24,3,4096" --backends wasm --seconds 5 --rounds 3
 *
 * The reference runs when a python with torch is found (SGC_REF_PYTHON, .venv-ref/bin/python, or
 * python3), with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for that command only (they slow
 * OpenBLAS down on these machines); by default also with OMP_NUM_THREADS=1 (`--no-single-thread-ref`
 * to skip), since tfjs-wasm runs on one thread in Node: the first ratio is against PyTorch as a user
 * runs it, the second per core. The cpu backend runs only at the two smallest sizes unless `--cpu-all`:
 * its plain-JavaScript kernels take seconds per step above that.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseGroup } from '../src/algebra/parse.js';
import { formatTable } from '../src/cli/format.js';
import { createTfjsEngine } from '../src/learn/engine/tfjs/index.js';
import type { GatherPolicy } from '../src/learn/engine/tfjs/ops.js';
import { initParameters, makeModelSpec } from '../src/learn/models/spec.js';
import { encode, encodingMatrix } from '../src/task/encoding.js';
import { sampledSequences } from '../src/task/sequences.js';

interface Size {
  n: number;
  k: number;
  H: number;
}

const DEFAULT_SIZES: Size[] = [
  { n: 10, k: 2, H: 512 },
  { n: 10, k: 3, H: 2048 },
  { n: 10, k: 4, H: 4096 },
  { n: 6, k: 5, H: 4096 },
  { n: 24, k: 3, H: 4096 },
  { n: 60, k: 2, H: 2048 },
];
/** A group of each order the sizes use (any group of order n gives the same step cost). */
const GROUPS: Record<number, string> = { 6: 'D3', 10: 'C10', 24: 'S4', 60: 'A5' };
const CPU_SIZES = 2;
const LR = 1e-3;
const CLIP = 1;
const INIT_SCALE = 0.01;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function parseSizes(text: string): Size[] {
  return text.split(/\s+|;/).flatMap((s) => {
    if (!s) return [];
    const [n, k, H] = s.split(',').map(Number);
    return [{ n, k, H }];
  });
}

const batchSize = ({ n, k }: Size) => Math.min(n ** k, 4096);

/**
 * Milliseconds per step, the median (as the PyTorch script reports: robust to a shared machine's
 * spikes): two warm-up steps, then steps for at least `seconds` (and at least 5).
 */
async function timeTfjs(size: Size, backend: string, gather: GatherPolicy, seconds: number): Promise<number> {
  const { n, k, H } = size;
  const name = GROUPS[n] ?? `C${n}`;
  const group = parseGroup(name);
  const X = encodingMatrix(encode(group, { kind: 'random', seed: 1 }));
  const B = batchSize(size);
  const s = sampledSequences(group, k, B, 2);
  const batch = { elements: s.elements, targets: s.products, count: B };
  const model = makeModelSpec('mlp', n, k, H);
  const engine = await createTfjsEngine({ backend, gather });
  const session = await engine.open({
    model,
    optimizer: { kind: 'per-neuron', lr: LR, clip: CLIP },
    encodings: X,
    batchSize: B,
    parameters: initParameters(model, 3, INIT_SCALE),
  });
  try {
    for (let i = 0; i < 2; i++) await session.step(batch);
    const times: number[] = [];
    const start = performance.now();
    while (performance.now() - start < seconds * 1000 || times.length < 5) {
      const t = performance.now();
      await session.step(batch);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  } finally {
    await session.dispose();
  }
}

function hasTorch(python: string): boolean {
  return spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
}

function referencePython(): string | undefined {
  const venv = join(import.meta.dirname, '..', '.venv-ref', 'bin', 'python');
  const candidates = [process.env.SGC_REF_PYTHON, existsSync(venv) ? venv : undefined, 'python3'];
  return candidates.find((p): p is string => !!p && hasTorch(p));
}

const REFERENCE_SCRIPT = join(import.meta.dirname, 'reference', 'train_step_torch.py');

interface Reference {
  /** ms per step by `n,k,H`. */
  ms: Map<string, number>;
  /** What was measured (torch version, threads), or why nothing was. */
  note: string;
}

/** The PyTorch reference's ms per step for each size, measured now. */
function reference(sizes: Size[], seconds: number, threads?: number): Reference {
  const ms = new Map<string, number>();
  if (!existsSync(REFERENCE_SCRIPT))
    return { ms, note: 'reference pending (bench/reference/train_step_torch.py)' };
  const python = referencePython();
  if (!python)
    return { ms, note: 'reference unavailable: no python with torch (see bench/reference/README.md)' };
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (threads !== undefined) env.OMP_NUM_THREADS = env.MKL_NUM_THREADS = `${threads}`;
  const args = [
    REFERENCE_SCRIPT,
    ...sizes.map((s) => `${s.n},${s.k},${s.H},${batchSize(s)}`),
    '--seconds',
    `${seconds}`,
  ];
  const run = spawnSync(python, args, { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  let note = 'reference: PyTorch on CPU, measured in this run';
  for (const line of run.stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    const r = JSON.parse(line) as {
      n: number;
      k: number;
      H: number;
      ms_per_step: number;
      torch: string;
      threads: number;
    };
    ms.set(`${r.n},${r.k},${r.H}`, r.ms_per_step);
    note = `reference: PyTorch ${r.torch} on CPU (${r.threads} threads), measured in this run`;
  }
  if (run.status !== 0) note = `reference failed: ${run.stderr.trim().split('\n').at(-1)}`;
  return { ms, note };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sizes = option(args, '--sizes') ? parseSizes(option(args, '--sizes')!) : DEFAULT_SIZES;
  const backends = (option(args, '--backends') ?? 'wasm,cpu').split(',');
  const gather = (option(args, '--gather') ?? 'auto') as GatherPolicy;
  const seconds = Number(option(args, '--seconds') ?? 3);
  const rounds = Number(option(args, '--rounds') ?? 2);
  const cpuAll = args.includes('--cpu-all');
  // tfjs-wasm runs on one thread in Node: also time the reference on one thread, for the per-core ratio.
  const single = !args.includes('--no-single-thread-ref');

  console.log(
    `tfjs engine, mlp training step (per-neuron SGD, clip ${CLIP}), full batch B = min(|G|^k, 4096); ` +
      `median step, best of ${rounds} rounds, the reference measured just before sgc at each size`,
  );
  // The machine may be shared: interleave the reference and sgc size by size, round by round, and keep
  // each cell's best median, so that a burst of load does not land on one side only.
  const best = new Map<string, number>();
  const keep = (key: string, ms: number | undefined) => {
    if (ms !== undefined) best.set(key, Math.min(ms, best.get(key) ?? Number.POSITIVE_INFINITY));
  };
  let note = '';
  for (let round = 0; round < rounds; round++)
    for (const [i, size] of sizes.entries()) {
      const key = `${size.n},${size.k},${size.H}`;
      const ref = reference([size], seconds);
      note = ref.note;
      keep(`${key}/torch`, ref.ms.get(key));
      if (single) keep(`${key}/torch1`, reference([size], seconds, 1).ms.get(key));
      for (const backend of backends) {
        if (backend === 'cpu' && !cpuAll && i >= CPU_SIZES) continue;
        const ms = await timeTfjs(size, backend, gather, seconds);
        keep(`${key}/${backend}`, ms);
        process.stderr.write(
          `  round ${round + 1} ${key}: torch ${ref.ms.get(key)?.toFixed(1)} ${backend} ${ms.toFixed(1)} ms\n`,
        );
      }
    }
  const rows = sizes.map((size, i) => {
    const key = `${size.n},${size.k},${size.H}`;
    const [refMs, ref1Ms] = [best.get(`${key}/torch`), best.get(`${key}/torch1`)];
    const row = [`(${size.n}, ${size.k}, ${size.H})`, `${batchSize(size)}`, refMs?.toFixed(1) ?? '—'];
    if (single) row.push(ref1Ms?.toFixed(1) ?? '—');
    const ratio = (r: number | undefined, ms: number) => (r === undefined ? '—' : `${(r / ms).toFixed(2)}×`);
    for (const backend of backends) {
      const ms = best.get(`${key}/${backend}`);
      if (ms === undefined) {
        row.push(backend === 'cpu' && !cpuAll && i >= CPU_SIZES ? 'skipped' : '—', '');
        if (single) row.push('');
      } else {
        row.push(ms.toFixed(1), ratio(refMs, ms));
        if (single) row.push(ratio(ref1Ms, ms));
      }
    }
    return row;
  });
  const header = ['(|G|, k, H)', 'B', 'torch ms'];
  if (single) header.push('torch 1-thread ms');
  for (const b of backends) header.push(`tfjs-${b} ms`, `ref/${b}`, ...(single ? [`ref1/${b}`] : []));
  console.log(formatTable(header, rows));
  console.log(note);
  if (single)
    console.log('torch 1-thread: the same script with OMP_NUM_THREADS=1 (tfjs-wasm uses one thread in Node)');
  console.log(
    `load average at the end: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on ${availableParallelism()} CPUs`,
  );
}

await main();
