/**
 * Benchmark: milliseconds per training step of the two-layer mlp (degree k, per-neuron SGD with
 * clipping, full batch of B = min(|G|^k, 4096) sampled sequences) on the tfjs engine, per backend,
 * beside the same step in PyTorch on CPU measured in the same run (bench/reference/train_step_torch.py)
 * and the ratio reference / sgc (above 1: sgc is faster).
 *
 *   npm run bench:train:tfjs                                # default sizes, wasm and cpu
 *   npm run bench:train:tfjs -- --sizes "10,3,2048;24,3,4096" --backends wasm --seconds 5 --rounds 3
 *   npm run bench:train:tfjs -- --threads 1     # wasm on one thread (no split steps)
 *
 * The reference runs when a python with torch is found (SGC_REF_PYTHON, .venv-ref/bin/python, or
 * python3), with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for that command only (they slow
 * OpenBLAS down on these machines). tfjs-wasm splits large steps over `--threads` threads (default:
 * every CPU, as the engine does; src/learn/engine/tfjs/slices.ts), so the reference runs with its own
 * default threads too; `--single-thread-ref` adds PyTorch on one thread (OMP_NUM_THREADS=1), for a
 * per-core ratio with `--threads 1`. The cpu backend runs only at the two smallest sizes unless
 * `--cpu-all`: its plain-JavaScript kernels take seconds per step above that.
 */
import { availableParallelism, loadavg } from 'node:os';
import { formatTable } from '../src/cli/format.js';
import { createTfjsEngine } from '../src/learn/engine/tfjs/index.js';
import type { GatherPolicy } from '../src/learn/engine/tfjs/ops.js';
import {
  DEFAULT_STEP_SIZES,
  measureTorchSteps,
  parseSizes,
  STEP_OPTIMIZER,
  sizeKey,
  stepBatchSize,
  timeEngineStep,
} from './trainStep.js';

const CPU_SIZES = 2;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sizes = option(args, '--sizes') ? parseSizes(option(args, '--sizes')!) : DEFAULT_STEP_SIZES;
  const backends = (option(args, '--backends') ?? 'wasm,cpu').split(',');
  const gather = (option(args, '--gather') ?? 'auto') as GatherPolicy;
  const seconds = Number(option(args, '--seconds') ?? 3);
  const rounds = Number(option(args, '--rounds') ?? 2);
  const cpuAll = args.includes('--cpu-all');
  const threads = Number(option(args, '--threads') ?? availableParallelism());
  const single = args.includes('--single-thread-ref');

  console.log(
    `tfjs engine, mlp training step (per-neuron SGD, clip ${STEP_OPTIMIZER.clip}), full batch B = min(|G|^k, 4096); ` +
      `median step, best of ${rounds} rounds, the reference measured just before sgc at each size; ` +
      `wasm on up to ${threads} thread(s)`,
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
      const key = sizeKey(size);
      const ref = measureTorchSteps([size], seconds);
      note = ref.note;
      keep(`${key}/torch`, ref.ms.get(key));
      if (single) keep(`${key}/torch1`, measureTorchSteps([size], seconds, 1).ms.get(key));
      for (const backend of backends) {
        if (backend === 'cpu' && !cpuAll && i >= CPU_SIZES) continue;
        const ms = await timeEngineStep(await createTfjsEngine({ backend, gather, threads }), size, seconds);
        keep(`${key}/${backend}`, ms);
        process.stderr.write(
          `  round ${round + 1} ${key}: torch ${ref.ms.get(key)?.toFixed(1)} ${backend} ${ms.toFixed(1)} ms\n`,
        );
      }
    }
  const rows = sizes.map((size, i) => {
    const key = sizeKey(size);
    const [refMs, ref1Ms] = [best.get(`${key}/torch`), best.get(`${key}/torch1`)];
    const row = [`(${size.n}, ${size.k}, ${size.H})`, `${stepBatchSize(size)}`, refMs?.toFixed(1) ?? '—'];
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
  if (single) console.log('torch 1-thread: the same script with OMP_NUM_THREADS=1');
  console.log(
    `load average at the end: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on ${availableParallelism()} CPUs`,
  );
}

await main();
