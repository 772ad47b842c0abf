/**
 * Benchmark: a fixed subset of examples/width-vs-k-mlp.yaml swept on the onnx engine (the
 * reference: what the example ran on before the native engine) and on the native engine, one after
 * the other in the same run, each on a real Temporal dev server and PostgreSQL with one in-process
 * worker (`--concurrency`, default 2). The subset (default): C2, C3, C4, C5 and D3, one-hot, k = 2
 * and 3: 10 cells with the example's width search and training (Adam 1e-3, up to 5,000 steps, stop
 * at success). Printed: sweep wall time, the worker process's CPU time, Σ stored training time,
 * runs, H* per cell on each engine (float32 both, rounded differently: a width at the edge of
 * success can go either way), and the ratios.
 *
 *   npm run bench:sweep-engines
 *   npm run bench:sweep-engines -- --groups C3,D3 --k 2,3,4 --concurrency 1
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { RawSweepSpec } from '../src/sweep/messages.js';
import { createTelemetry } from '../src/telemetry/metrics.js';
import { startSweep } from '../src/temporal/sweeps.js';
import { createWorkers } from '../src/temporal/worker.js';
import { markdown } from './markdown.js';
import { openBenchStack } from './sweepStack.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const GROUPS = (option('groups') ?? 'C2,C3,C4,C5,D3').split(',');
const KS = (option('k') ?? '2,3').split(',').map(Number);
const CONCURRENCY = Number(option('concurrency') ?? 2);
const log = (line: string) => process.stderr.write(`  ${line}\n`);

const example = parse(
  readFileSync(join(import.meta.dirname, '..', 'examples', 'width-vs-k-mlp.yaml'), 'utf8'),
) as RawSweepSpec;
const spec = (engine: string): RawSweepSpec => ({
  ...example,
  name: `width-vs-k-subset-${engine}`,
  groups: GROUPS,
  encodings: [{ kind: 'onehot' }],
  k: KS,
  engine: { name: engine },
});

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

const t0 = performance.now();
const stack = await openBenchStack('sgc-bench-engines-', log);
const { dir, store, client, temporal } = stack;
const telemetry = createTelemetry();

async function timeSweep(engine: string) {
  const workers = await createWorkers({
    temporal,
    repository: store.repository(),
    telemetry,
    concurrency: CONCURRENCY,
    checkpointDir: join(dir, 'checkpoints'),
  });
  const running = workers.run();
  try {
    const cpu = cpuSeconds();
    const started = performance.now();
    const name = spec(engine).name!;
    await (await startSweep(client, spec(engine))).result();
    const wall = (performance.now() - started) / 1000;
    const [stored] = await store.driver.query<{ runs: number; training: number; widths: string }>(
      `SELECT (SELECT count(*)::int FROM run r WHERE r.status = 'done' AND r.id IN
                 (SELECT cr.run_id FROM cell_run cr JOIN cell c ON c.id = cr.cell_id WHERE c.sweep_id = s.id)) AS runs,
              (SELECT coalesce(sum(r.duration_ms), 0)::float / 1000 FROM run r WHERE r.id IN
                 (SELECT cr.run_id FROM cell_run cr JOIN cell c ON c.id = cr.cell_id WHERE c.sweep_id = s.id)) AS training,
              (SELECT string_agg(coalesce(c.min_width::text, '—'), ',' ORDER BY c.id) FROM cell c WHERE c.sweep_id = s.id) AS widths
         FROM sweep s WHERE s.name = $1`,
      [name],
    );
    log(`${engine}: ${wall.toFixed(1)} s, ${stored.runs} runs, H* ${stored.widths}`);
    return { wall, cpu: cpuSeconds() - cpu, ...stored };
  } finally {
    workers.shutdown();
    await running;
  }
}

const rows: (string | number)[][] = [];
let widths: string[] = [];
try {
  const onnx = await timeSweep('onnx');
  const native = await timeSweep('native');
  for (const [label, r] of [
    ['onnx (reference)', onnx],
    ['native', native],
  ] as const)
    rows.push([
      label,
      r.runs,
      r.wall.toFixed(1),
      r.cpu.toFixed(1),
      r.training.toFixed(1),
      (onnx.wall / r.wall).toFixed(2),
      (onnx.cpu / r.cpu).toFixed(2),
    ]);
  const [a, b] = [onnx.widths.split(','), native.widths.split(',')];
  widths = a.map((w, i) => (w === b[i] ? w : `${w} / ${b[i]}`));
} finally {
  await stack.close();
}

console.log(
  `\nexamples/width-vs-k-mlp.yaml, cells ${GROUPS.join(', ')} × one-hot × k = ${KS.join(', ')} (${GROUPS.length * KS.length}),` +
    ` its width search and training; one in-process worker, concurrency ${CONCURRENCY}; ${availableParallelism()} CPUs.\n`,
);
console.log(
  markdown(
    [
      'engine',
      'runs',
      'sweep wall s',
      'worker CPU s',
      'Σ run training s',
      'onnx wall / wall',
      'onnx CPU / CPU',
    ],
    rows,
  ),
);
console.log(`\nH* per cell (onnx / native where they differ): ${widths.join(', ')}`);
console.log(`Whole bench ${((performance.now() - t0) / 1000).toFixed(0)} s.`);
