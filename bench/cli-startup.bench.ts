/**
 * Benchmark: what `sgc` costs before it does anything, beside `node -e ''` measured in the same run
 * (these machines are noisy; read the ratios). Issue 19's target: `sgc --help` and `sgc groups`
 * within 3× of `node -e ''`.
 *
 * - the compiled CLI (bin/sgc.js → dist/, what users and the tests run): `--help`, `groups`, and
 *   `train` on a tiny config (onnx, 50 steps), whose time outside training is its wall time minus
 *   the training time it reports in result.json (start-up, run folder, report.html);
 * - the same through tsx from the sources (`npm run sgc`, no build step), for comparison;
 * - the workflow code a worker of `sgc-io` needs (`sgc up`, `sgc run`, `sgc worker`): the bundle
 *   `npm run build` made (dist/workflow-bundle.js) against bundling it in the process, as every
 *   such process did before the build made it (both with the Temporal worker SDK loaded).
 *
 *   npm run bench:cli-startup            # 7 repeats of each
 *   npm run bench:cli-startup -- 11      # 11 repeats
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleBuild } from '../src/buildOutput.js';
import { printTimes, timedNode } from './processTiming.js';

const REPEATS = Number(process.argv[2] ?? 7);
const sgcBin = fileURLToPath(new URL('../bin/sgc.js', import.meta.url));
const sources = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const tsx = import.meta.resolve('tsx'); // the runs below start in a temporary folder

const stale = staleBuild();
if (stale !== undefined) throw new Error(`${stale}: run \`npm run build\` first`);

const dir = mkdtempSync(join(tmpdir(), 'sgc-bench-cli-'));
const runYaml = join(dir, 'run.yaml');
writeFileSync(
  runYaml,
  `group: C5
encoding: {kind: powers, powers: [0, 30, 3000]}
k: 2
model: {kind: mlp, H: 16}
train: {optimizer: per-neuron, lr: 0.01, init: 1.0e-3, steps: 50, clip: 0.1, stopOnSuccess: false}
engine: {name: onnx}
`,
);

const timed = (args: string[]) => timedNode(args, dir);

const bundleModule = new URL('../dist/src/temporal/workflowBundle.js', import.meta.url).href;
/** A process that gets the workflow code as a worker would: `built` or bundled in the process. */
const workflowCode = (how: 'built' | 'bundled') =>
  timed([
    '--input-type=module',
    '-e',
    how === 'built'
      ? `const m = await import('${bundleModule}'); const b = await m.workflowBundle(); if (!b.codePath) process.exit(3);`
      : `const m = await import('${bundleModule}'); await m.bundleCompiledWorkflows();`,
  ]);

/** `sgc train` on the tiny config: its wall time and the part outside the training loop. */
function timedTrain(repeat: number): { wall: number; outside: number } {
  const out = join(dir, `run-${repeat}`);
  const wall = timed([sgcBin, 'train', runYaml, '--out', out]);
  const { seconds } = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { seconds: number };
  return { wall, outside: wall - 1000 * seconds };
}

try {
  const rows: [string, number[]][] = [
    ["node -e ''", []],
    ['sgc --help', []],
    ['sgc groups', []],
    ['sgc train (tiny, onnx, 50 steps): whole', []],
    ['sgc train: outside training', []],
    ['tsx sources: sgc --help', []],
    ['tsx sources: sgc groups', []],
    ['workflow code: bundled in the process (before)', []],
    ["workflow code: the build's bundle", []],
  ];
  for (let i = 0; i < REPEATS; i++) {
    // Interleaved, so that a burst of load on the machine hits every row alike.
    rows[0][1].push(timed(['-e', '']));
    rows[1][1].push(timed([sgcBin, '--help']));
    rows[2][1].push(timed([sgcBin, 'groups']));
    const train = timedTrain(i);
    rows[3][1].push(train.wall);
    rows[4][1].push(train.outside);
    rows[5][1].push(timed(['--import', tsx, sources, '--help']));
    rows[6][1].push(timed(['--import', tsx, sources, 'groups']));
    rows[7][1].push(workflowCode('bundled'));
    rows[8][1].push(workflowCode('built'));
  }
  printTimes(rows, REPEATS);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
