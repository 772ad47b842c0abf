/**
 * `sgc train <run.yaml>`: one training run without any server. Shows a live progress line, then the
 * outcome, and writes a run folder:
 *   config.json       the resolved config (every default filled in)
 *   result.json       outcome, reason, steps, final loss and accuracy, timings, predicted vs observed
 *   loss.csv          step, loss (log-spaced, plus the final value)
 *   epoch-loss.csv    epoch, step, mean training loss of the epoch (with train.epochLoss)
 *   evaluations.csv   step, loss, accuracy, and the output power of each irrep
 *   metrics.json      all of the above as JSON, with the acquisition events
 *   weights.json      the final weights (name → row-major numbers, with shapes)
 *   checkpoint.bin    weights, optimizer and data-stream state (binary, src/learn/checkpoint.ts):
 *                     `--resume <folder>` continues from it (or from a checkpoint.json of older folders)
 *   loss, power, accuracy .svg/.png and report.html   the figures and the HTML report (`sgc report`),
 *                     rendered last: a figure that fails to render loses none of the data above
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../errors.js';
import { writeFileAtomic } from '../../files.js';
import { readCheckpointFile, writeCheckpointFile } from '../../learn/checkpoint.js';
import { createEngine } from '../../learn/engine/index.js';
import { type ModelSpec, parameterShapes } from '../../learn/models/spec.js';
import { type RunConfig, RunConfigSchema } from '../../learn/runConfig.js';
import {
  type Checkpoint,
  type Progress,
  type RunResult,
  resolveRun,
  runTraining,
} from '../../learn/trainer.js';
import { groupFacts } from '../../sweep/fit.js';
import { parseWithSchema } from '../../validation.js';
import { defineCommand } from '../command.js';
import { seeHelp } from '../commandLine.js';
import { formatNumber } from '../format.js';
import { checkRun, limitFlags, limitFlagsUsage, runLimits } from '../runLimits.js';

const usage = `usage: sgc train <run.yaml> [--out <folder>] [--engine onnx|tfjs|reference|native] [--backend B]
                 [--memory-budget SIZE] [--steps-per-call N]
       sgc train --resume <folder> [--steps-per-call N]

Trains one network without any server, showing progress (the last line shows the final loss and
accuracy), and writes a run folder, by default runs/<name>-<timestamp> (name: the run's name, else
<group>-<model>-k<k>-H<H>; timestamp: UTC, e.g. 20261203T101500), with the config, loss and
evaluation CSVs, metrics, final weights, a checkpoint, the figures and report.html. A run that
cannot fit this machine (its estimated memory above the budget, exhaustive data above data.cap) is
refused before anything is built, with one line naming the field and the limit.

Options:
  --out <folder>         the run folder (default runs/<name>-<timestamp>)
  --resume <folder>      continue a run folder from its checkpoint
  --engine <name>        onnx (default), tfjs, reference or native (the mlp only): overrides the
                         run's engine.name
  --backend <B>          the engine's backend (tfjs: wasm, cpu, tensorflow; onnx: cpu, cuda, webgpu)
${limitFlagsUsage.split('\n').slice(0, 2).join('\n')}
  --steps-per-call N     training steps per engine call (onnx, native; default: chosen so a call takes
                         about 5 ms; the numbers do not depend on it)

run.yaml keys (defaults in brackets; src/learn/runConfig.ts has them all):
  name        the run folder's name [<group>-<model>-k<k>-H<H>]
  group       a group name (\`sgc groups\`) or a JSON file
  encoding    {kind: onehot, index, amplitude} | {kind: powers, powers: [...]} |
              {kind: random, seed, scale} | {kind: vector, values: [...]}
  k           sequence length, ≥ 2
  order       left (g_k ⋯ g_1) | right (g_1 ⋯ g_k): the order of the product [left]
  model       {kind: mlp | rnn | tree, H, degree [k], square}
  train       {optimizer: per-neuron | adam | hybrid [per-neuron], lr, init, steps, clip,
               seed [0], lossReduction [0.98] and everyIrrep [true] (the success rule: accuracy 1,
               that share of the loss gone, every irrep at ≥ 90% of its power), stopOnSuccess [true],
               plateau: {window, tolerance}, warmStart: {steps}, evalEvery, epochLoss,
               timeRescale, degree}
  data        {kind: exhaustive, batch, cap, dropLast} [exhaustive] | {kind: sampled, count, seed,
               batch, dropLast} | {kind: online, batch, seed, perRun}
  evaluation  {maxExhaustive [100000], sampled [20000]}
  engine      {name: onnx | tfjs | reference | native [onnx], backend}

For example (examples/train-d3-staircase.yaml):
  group: D3
  encoding: {kind: powers, powers: [0, 30, 3000]}
  k: 2
  model: {kind: mlp, H: 180}
  train: {optimizer: per-neuron, lr: 0.01, init: 1.0e-3, steps: 20000, clip: 0.1}`;

function readConfig(path: string): RunConfig {
  if (!existsSync(path)) throw new InputError(`${path}: no such file`);
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`${path}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  return parseWithSchema(RunConfigSchema, data, path);
}

function defaultFolder(config: RunConfig): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const name = config.name ?? `${config.group}-${config.model.kind}-k${config.k}-H${config.model.H}`;
  return join('runs', `${name}-${stamp}`);
}

function progressLine(p: Progress): string {
  const acc = p.accuracy === undefined ? '  –  ' : `${(100 * p.accuracy).toFixed(1)}%`;
  return `${p.warmStart ? 'pair warm start (k = 2): ' : ''}step ${String(p.step).padStart(String(p.steps).length)}/${p.steps}  loss ${formatNumber(p.loss, 4).padEnd(9)}  acc ${acc}  irreps ${p.acquired}/${p.irrepCount}  ${p.stepsPerSecond.toFixed(0)} steps/s`;
}

function writeRunFolder(
  folder: string,
  model: ModelSpec,
  result: RunResult,
  irrepLabels: string[],
  engine: string,
): void {
  const m = result.metrics;
  writeFileAtomic(
    join(folder, 'loss.csv'),
    `step,loss\n${m.loss.map((p) => `${p.step},${p.loss}`).join('\n')}\n`,
  );
  writeFileAtomic(
    join(folder, 'evaluations.csv'),
    `step,loss,accuracy,${irrepLabels.map((l) => `power_${l}`).join(',')}\n${m.evaluations
      .map((e) => [e.step, e.loss, e.accuracy, ...e.power].join(','))
      .join('\n')}\n`,
  );
  if (m.epochLoss)
    writeFileAtomic(
      join(folder, 'epoch-loss.csv'),
      `epoch,step,loss\n${m.epochLoss.map((e) => `${e.epoch},${e.step},${e.loss}`).join('\n')}\n`,
    );
  // epochPartial is resume bookkeeping, in the checkpoint; not a result.
  const { epochPartial: _partial, ...recorded } = m;
  writeFileAtomic(
    join(folder, 'metrics.json'),
    JSON.stringify({ irreps: irrepLabels, ...recorded }, null, 1),
  );
  const { state, metrics: _metrics, ...summary } = result;
  writeFileAtomic(join(folder, 'result.json'), JSON.stringify({ ...summary, engine }, null, 2));
  const shapes = parameterShapes(model);
  writeFileAtomic(
    join(folder, 'weights.json'),
    JSON.stringify(
      Object.fromEntries(
        shapes.map((s) => [
          s.name,
          { rows: s.rows, cols: s.cols, values: Array.from(state.parameters[s.name]) },
        ]),
      ),
    ),
  );
}

export const trainCommand = defineCommand({
  usage,
  options: {
    out: { type: 'string' },
    resume: { type: 'string' },
    engine: { type: 'string' },
    backend: { type: 'string' },
    'memory-budget': limitFlags['memory-budget'],
    'steps-per-call': { type: 'string' },
  },
  examples: [
    'sgc train examples/train-d3-staircase.yaml',
    'sgc train run.yaml --out runs/d3 --engine tfjs',
    'sgc train --resume runs/d3',
  ],
  async run({ values, positionals }) {
    const limits = runLimits(values);
    const stepsPerCall =
      values['steps-per-call'] === undefined ? undefined : Number(values['steps-per-call']);
    if (stepsPerCall !== undefined && !(Number.isInteger(stepsPerCall) && stepsPerCall >= 1))
      throw new InputError(`--steps-per-call: "${values['steps-per-call']}" is not a positive integer`);
    let config: RunConfig;
    let folder: string;
    let resumeFrom: Checkpoint | undefined;
    let source: string;
    if (values.resume) {
      folder = values.resume;
      const configPath = join(folder, 'config.json');
      // checkpoint.json: a run folder written before checkpoints were binary.
      const checkpointPath = [join(folder, 'checkpoint.bin'), join(folder, 'checkpoint.json')].find((p) =>
        existsSync(p),
      );
      if (!existsSync(configPath) || !checkpointPath)
        throw new InputError(`${folder}: not a run folder with config.json and checkpoint.bin`);
      config = parseWithSchema(RunConfigSchema, JSON.parse(readFileSync(configPath, 'utf8')), configPath);
      source = configPath;
      try {
        resumeFrom = readCheckpointFile(checkpointPath).checkpoint;
      } catch (error) {
        throw new InputError(`${checkpointPath}: unreadable checkpoint (${(error as Error).message})`);
      }
    } else {
      if (positionals.length !== 1) throw new InputError(`give one run.yaml (${seeHelp(usage)})`);
      config = readConfig(positionals[0]);
      source = positionals[0];
      if (values.engine)
        config.engine = { ...config.engine, name: values.engine as RunConfig['engine']['name'] };
      if (values.backend) config.engine = { ...config.engine, backend: values.backend };
      folder = values.out ?? defaultFolder(config);
    }
    // Before the group's irreps, the datasets or the weights exist: a run that cannot fit is one line.
    const { problem } = checkRun(config, config.group, groupFacts(config.group).order, limits);
    if (problem)
      throw new InputError(
        `${source}: ${problem.field === 'k' ? 'k' : 'model.H'}: ${problem.value}: ${problem.reason}`,
      );
    const setup = resolveRun(config);
    const engine = await createEngine(config.engine.name, config.engine.backend);
    const newFolder = !existsSync(folder);
    mkdirSync(folder, { recursive: true });
    writeFileAtomic(join(folder, 'config.json'), JSON.stringify(config, null, 2));

    const interactive = process.stderr.isTTY;
    let lastLine = 0;
    const onProgress = (p: Progress): void => {
      if (interactive) process.stderr.write(`\r${progressLine(p)}\x1b[K`);
      // Without a terminal: a line every 5 s, and the final one (the numbers the summary prints).
      else if (p.final || performance.now() - lastLine > 5000) {
        lastLine = performance.now();
        process.stderr.write(`${progressLine(p)}\n`);
      }
    };
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once('SIGINT', stop);
    console.error(
      `${config.group}, ${config.model.kind} k=${config.k} H=${config.model.H}, ${config.train.steps} steps on ${engine.name}/${engine.backend} → ${folder}`,
    );
    // Rendering (Vega, resvg) takes a few hundred ms to load: it loads while the engine trains (the
    // onnx and native engines compute off the JavaScript thread) and is used after. A failure to
    // load is reported where it is used.
    const reportModule = import('../../report/run-folder.js');
    reportModule.catch(() => undefined);
    let result: RunResult;
    try {
      result = await runTraining(
        config,
        engine,
        {
          onProgress,
          signal: controller.signal,
          ...(resumeFrom ? { resumeFrom } : {}),
          ...(stepsPerCall !== undefined ? { stepsPerCall } : {}),
          onCheckpoint: (c) => writeCheckpointFile(join(folder, 'checkpoint.bin'), c),
        },
        setup,
      );
    } catch (error) {
      // A run that could not start (say, an execution provider missing here) leaves no folder behind.
      if (error instanceof InputError && newFolder) rmSync(folder, { recursive: true, force: true });
      throw error;
    } finally {
      process.off('SIGINT', stop);
    }
    if (interactive) process.stderr.write('\n');
    writeRunFolder(
      folder,
      setup.model,
      result,
      setup.irreps.map((r) => r.label),
      `${engine.name}/${engine.backend}`,
    );
    let reportLine = `report: ${join(folder, 'report.html')}`;
    try {
      const { readRunFolder, writeRunReport } = await reportModule;
      await writeRunReport(readRunFolder(folder), folder);
    } catch (error) {
      reportLine = `report: not written (${(error as Error).message.split('\n')[0]}); the run's data is saved`;
    }
    const observed = result.metrics.events.map((e) => `${e.label}@${e.step}`).join(', ') || 'none';
    console.log(
      [
        `outcome: ${result.outcome} (${result.reason})`,
        `steps: ${result.steps}, ${result.seconds.toFixed(1)} s`,
        `loss: ${formatNumber(result.initialLoss)} → ${formatNumber(result.finalLoss)}; accuracy ${(100 * result.finalAccuracy).toFixed(2)}%`,
        `predicted plateaus: ${result.predicted.plateaus.map((x) => formatNumber(x, 4)).join(' → ')}`,
        `predicted order: ${result.predicted.order.join(', ') || 'none'}; acquired (irrep@step): ${observed}`,
        `run folder: ${folder}`,
        reportLine,
      ].join('\n'),
    );
    return 0;
  },
});
