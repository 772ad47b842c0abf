/**
 * Reading a run folder (as `sgc train` writes it) into RunReportData, and writing its figures and
 * HTML report: loss/power/accuracy as SVG and PNG, and report.html.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseGroup } from '../algebra/parse.js';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { RunConfigSchema } from '../learn/runConfig.js';
import { type EncodingSpec, encode } from '../task/encoding.js';
import { parseWithSchema } from '../validation.js';
import { FIGURES, type FigureName, figureSpec, type RunReportData } from './figures.js';
import { reportHtml } from './html.js';
import { renderFigure, svgToPngAsync } from './render.js';

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Reads config.json, result.json and metrics.json; an InputError names what is missing or wrong. */
export function readRunFolder(folder: string): RunReportData {
  if (!existsSync(folder)) throw new InputError(`${folder}: no such run folder`);
  if (!statSync(folder).isDirectory()) throw new InputError(`${folder}: not a folder`);
  const missing = ['config.json', 'result.json', 'metrics.json'].filter((f) => !existsSync(join(folder, f)));
  if (missing.length > 0)
    throw new InputError(
      `${folder}: not a run folder (missing ${missing.join(', ')}; \`sgc train\` writes these)`,
    );
  const configPath = join(folder, 'config.json');
  const config = parseWithSchema(RunConfigSchema, readJson(configPath), configPath);
  const result = readJson(join(folder, 'result.json'));
  const metrics = readJson(join(folder, 'metrics.json'));
  if (
    !isRecord(result) ||
    typeof result.outcome !== 'string' ||
    typeof result.steps !== 'number' ||
    !isRecord(result.predicted)
  )
    throw new InputError(`${join(folder, 'result.json')}: not a run result (outcome, steps, predicted)`);
  if (
    !isRecord(metrics) ||
    !Array.isArray(metrics.irreps) ||
    !Array.isArray(metrics.loss) ||
    !Array.isArray(metrics.evaluations) ||
    !Array.isArray(metrics.events)
  )
    throw new InputError(
      `${join(folder, 'metrics.json')}: not run metrics (irreps, loss, evaluations, events)`,
    );
  let groupOrder: number;
  let encodingPower: number[];
  try {
    const group = parseGroup(config.group);
    groupOrder = group.order;
    encodingPower = Array.from(encode(group, config.encoding as EncodingSpec).power);
  } catch (error) {
    throw new InputError(`${configPath}: cannot resolve the encoding (${(error as Error).message})`);
  }
  if (encodingPower.length !== metrics.irreps.length)
    throw new InputError(
      `${folder}: metrics.json has ${metrics.irreps.length} irreps but ${config.group} has ${encodingPower.length}`,
    );
  return {
    title: config.name ?? basename(resolve(folder)),
    config: config as unknown as RunReportData['config'],
    groupOrder,
    result: result as unknown as RunReportData['result'],
    metrics: metrics as unknown as RunReportData['metrics'],
    encodingPower,
  };
}

/** Renders every figure (SVG + PNG) and report.html into `out`; returns the paths written. */
export async function writeRunReport(data: RunReportData, out: string): Promise<string[]> {
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  const svgs: Partial<Record<FigureName, string>> = {};
  const pngs: Promise<void>[] = [];
  for (const name of FIGURES) {
    const { svg } = await renderFigure(figureSpec(name, data));
    svgs[name] = svg;
    writeFileAtomic(join(out, `${name}.svg`), svg);
    pngs.push(svgToPngAsync(svg).then((png) => writeFileAtomic(join(out, `${name}.png`), png)));
    written.push(join(out, `${name}.svg`), join(out, `${name}.png`));
  }
  await Promise.all(pngs);
  writeFileAtomic(join(out, 'report.html'), reportHtml(data, svgs));
  written.push(join(out, 'report.html'));
  return written;
}
