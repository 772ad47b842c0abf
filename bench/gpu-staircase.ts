/**
 * The D3 staircase example (examples/train-d3-staircase.yaml) on the onnx engine's cuda backend and
 * on its cpu backend: the same plateaus (the loss midway between acquisitions, within 1% relative),
 * the same irreps acquired in the same order (steps within 2%), and final losses within 1e-3
 * relative. Exit code 1 when they differ; without a working cuda backend it says so ("no device"),
 * trains on the cpu alone and exits 0.
 *
 *   npx tsx bench/gpu-staircase.ts [--steps N] [--device N]
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { formatTable } from '../src/cli/format.js';
import { createEngine } from '../src/learn/engine/index.js';
import { checkBackend } from '../src/learn/engine/selfCheck.js';
import { RunConfigSchema } from '../src/learn/runConfig.js';
import { type RunResult, runTraining } from '../src/learn/trainer.js';
import { parseWithSchema } from '../src/validation.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const file = new URL('../examples/train-d3-staircase.yaml', import.meta.url);
const config = parseWithSchema(
  RunConfigSchema,
  parseYaml(readFileSync(file, 'utf8')),
  'train-d3-staircase.yaml',
);
if (option('steps')) config.train.steps = Number(option('steps'));
const device = option('device') === undefined ? undefined : Number(option('device'));

async function train(backend: string): Promise<RunResult & { wall: number }> {
  const started = performance.now();
  const engine = await createEngine('onnx', backend, device);
  const result = await runTraining({ ...config, engine: { name: 'onnx', backend } }, engine);
  return { ...result, wall: (performance.now() - started) / 1000 };
}

/** The loss midway between successive acquisitions (and the start and the end): the plateaus. */
function plateaus(result: RunResult): number[] {
  const bounds = [0, ...result.metrics.events.map((e) => e.step), result.steps];
  const loss = result.metrics.loss;
  return bounds.slice(1).map((end, i) => {
    const middle = (bounds[i] + end) / 2;
    let best = loss[0];
    for (const p of loss) if (Math.abs(p.step - middle) < Math.abs(best.step - middle)) best = p;
    return best.loss;
  });
}

const describe = (r: RunResult) => ({
  order: r.metrics.events.map((e) => `${e.label}@${e.step}`).join(' '),
  plateaus: plateaus(r)
    .map((p) => p.toPrecision(4))
    .join(' → '),
});

const check = await checkBackend('onnx', 'cuda', device);
const cpu = await train('cpu');
if (!check.ok) {
  console.log(`cuda: no device (${check.error})`);
  console.log(
    `cpu: ${cpu.steps} steps in ${cpu.wall.toFixed(1)} s, acquisitions ${describe(cpu).order}, plateaus ${describe(cpu).plateaus}, final loss ${cpu.finalLoss}`,
  );
  process.exit(0);
}
const cuda = await train('cuda');
const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
const problems: string[] = [];
const [ec, eg] = [cpu.metrics.events, cuda.metrics.events];
if (ec.map((e) => e.label).join() !== eg.map((e) => e.label).join())
  problems.push(`acquisition order differs: cpu ${describe(cpu).order}, cuda ${describe(cuda).order}`);
else
  ec.forEach((e, i) => {
    if (Math.abs(e.step - eg[i].step) > Math.max(5, 0.02 * e.step))
      problems.push(`${e.label} acquired at step ${e.step} on cpu, ${eg[i].step} on cuda`);
  });
const [pc, pg] = [plateaus(cpu), plateaus(cuda)];
if (pc.length === pg.length)
  pc.forEach((p, i) => {
    if (relative(pg[i], p) > 1e-2) problems.push(`plateau ${i + 1}: cpu ${p}, cuda ${pg[i]}`);
  });
const finalRelative = relative(cuda.finalLoss, cpu.finalLoss);
if (!(finalRelative <= 1e-3))
  problems.push(
    `final loss: cpu ${cpu.finalLoss}, cuda ${cuda.finalLoss} (${finalRelative.toExponential(2)} relative)`,
  );

console.log(
  formatTable(
    ['backend', 'steps', 'seconds', 'acquisitions (irrep@step)', 'plateaus', 'final loss'],
    [cpu, cuda].map((r, i) => [
      i === 0 ? 'cpu' : 'cuda',
      r.steps,
      r.wall.toFixed(1),
      describe(r).order,
      describe(r).plateaus,
      r.finalLoss.toPrecision(6),
    ]),
  ),
);
console.log(`final loss, cuda vs cpu: ${finalRelative.toExponential(2)} relative (limit 1e-3)`);
if (problems.length) {
  console.log(`DIFFERENT: ${problems.join('; ')}`);
  process.exit(1);
}
console.log('same plateaus and acquisition order on cuda and cpu');
