/**
 * The figures of one run as Vega-Lite specs, built from a run's data (pure: no I/O, no rendering).
 *
 *  - loss:     training loss on log–log axes (x = step + 1, so the init at step 0 shows), the theory's
 *              plateau levels as dashed horizontal rules, each labelled, and the acquisition events as
 *              vertical rules labelled with the irrep — the staircase;
 *  - power:    the output power of each irrep the encoding carries, over steps (log y), with the
 *              encoding's power of that irrep as a dotted rule in the same colour;
 *  - accuracy: accuracy on the evaluation set over steps.
 *
 * Every layer has a `name`, so the rendered scenegraph (marks `<name>_marks`) and the SVG (class
 * `<name>_marks`) can be checked against the data: tests compare the rules with the theory functions.
 */
import type { TopLevelSpec } from 'vega-lite';
import { plateauLevels, predictedIrrepOrder } from '../learn/theory.js';

/** What a run folder holds that the figures and the report need. */
export interface RunReportData {
  /** A short name for titles (the folder's base name, or the config's name). */
  title: string;
  config: {
    group: string;
    k: number;
    encoding: unknown;
    model: { kind: string; H: number } & Record<string, unknown>;
  } & Record<string, unknown>;
  /** |G|: the plateau levels are (1/|G|)·Σ of the powers not yet learned. */
  groupOrder: number;
  result: {
    outcome: string;
    reason: string;
    steps: number;
    initialLoss: number;
    finalLoss: number;
    finalAccuracy: number;
    seconds: number;
    predicted: { plateaus: number[]; order: string[] };
    engine?: string;
  };
  metrics: {
    irreps: string[];
    loss: { step: number; loss: number }[];
    evaluations: { step: number; loss: number; accuracy: number; power: number[] }[];
    events: { step: number; irrep: number; label: string }[];
  };
  /** The encoding's power per irrep, in the order of metrics.irreps. */
  encodingPower: number[];
}

export type FigureName = 'loss' | 'power' | 'accuracy';
export const FIGURES: readonly FigureName[] = ['loss', 'power', 'accuracy'];

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const WIDTH = 560;

/** A number with at most `digits` significant digits, without trailing zeros. */
export function shortNumber(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return String(Number(x.toPrecision(digits)));
}

export interface PlateauRule {
  /** j: the number of irreps learned on this plateau. */
  j: number;
  level: number;
  label: string;
}

/**
 * The plateau levels to draw: level_j for every j whose level is positive (the last one, 0, cannot
 * sit on a log axis), from plateauLevels of the encoding's power.
 */
export function plateauRules(data: RunReportData): PlateauRule[] {
  const levels = plateauLevels(data.encodingPower, data.groupOrder);
  const order = predictedIrrepOrder(data.encodingPower).map((i) => data.metrics.irreps[i]);
  return levels
    .map((level, j) => ({
      j,
      level,
      label:
        j === 0
          ? `${shortNumber(level)}: nothing learned`
          : `${shortNumber(level)}: after ${order.slice(0, j).join(', ')}`,
    }))
    .filter((r) => r.level > 0);
}

/** The irreps the encoding gives power to, by decreasing power (the predicted order). */
export function poweredIrreps(data: RunReportData): { index: number; label: string; power: number }[] {
  return predictedIrrepOrder(data.encodingPower).map((index) => ({
    index,
    label: data.metrics.irreps[index],
    power: data.encodingPower[index],
  }));
}

const positive = (x: number): boolean => Number.isFinite(x) && x > 0;

/** A log x axis over step + 1, from 1 to the last step drawn (not rounded out to the next decade). */
function stepAxis(steps: number[]) {
  const last = Math.max(10, ...steps.map((s) => s + 1));
  return {
    field: 'x',
    type: 'quantitative',
    scale: { type: 'log', domain: [1, last] as number[], nice: false },
    title: 'step + 1',
  } as const;
}

export function lossSpec(data: RunReportData): TopLevelSpec {
  const points = data.metrics.loss.filter((p) => positive(p.loss)).map((p) => ({ ...p, x: p.step + 1 }));
  const plateaus = plateauRules(data);
  const events = data.metrics.events.map((e) => ({ ...e, x: e.step + 1 }));
  const x = stepAxis([...points.map((p) => p.step), ...events.map((e) => e.step)]);
  const y = { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'loss' } as const;
  return {
    $schema: SCHEMA,
    title: { text: 'Loss', subtitle: 'dashed: predicted plateaus; vertical: irrep acquired' },
    width: WIDTH,
    height: 300,
    layer: [
      {
        name: 'plateaus',
        data: { values: plateaus },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#888', strokeWidth: 1.2 },
        encoding: { y: { ...y, field: 'level' } },
      },
      {
        name: 'plateau_labels',
        data: { values: plateaus },
        mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -3, color: '#555', fontSize: 10 },
        encoding: { y: { ...y, field: 'level' }, x: { value: WIDTH - 4 }, text: { field: 'label' } },
      },
      {
        name: 'events',
        data: { values: events },
        mark: { type: 'rule', color: '#e45756', strokeWidth: 1, opacity: 0.8 },
        encoding: { x },
      },
      {
        name: 'event_labels',
        data: { values: events },
        mark: {
          type: 'text',
          align: 'left',
          baseline: 'bottom',
          dx: 3,
          dy: -3,
          color: '#e45756',
          fontSize: 11,
        },
        encoding: { x, y: { value: 300 }, text: { field: 'label' } },
      },
      {
        name: 'loss',
        data: { values: points },
        mark: { type: 'line', color: '#4c78a8', strokeWidth: 1.6, clip: true },
        encoding: { x, y },
      },
    ],
  } as TopLevelSpec;
}

export function powerSpec(data: RunReportData): TopLevelSpec {
  const irreps = poweredIrreps(data);
  const series = data.metrics.evaluations.flatMap((e) =>
    irreps
      .filter((r) => Number.isFinite(e.power[r.index]))
      .map((r) => ({ step: e.step, x: e.step + 1, irrep: r.label, power: e.power[r.index] })),
  );
  const targets = irreps.map((r) => ({ irrep: r.label, power: r.power }));
  // Log y from well below the smallest target to above everything: output power starts near 0 and
  // would otherwise stretch the axis over many decades; lower values are clamped to the bottom edge.
  const smallest = Math.min(...irreps.map((r) => r.power));
  const largest = Math.max(...irreps.map((r) => r.power), ...series.map((s) => s.power));
  const domain = irreps.length > 0 ? [smallest * 1e-4, largest * 2] : [1e-6, 1];
  const color = {
    field: 'irrep',
    type: 'nominal',
    scale: { domain: irreps.map((r) => r.label) },
    title: 'irrep',
  } as const;
  const y = {
    field: 'power',
    type: 'quantitative',
    scale: { type: 'log', domain, clamp: true },
    title: 'output power',
  } as const;
  return {
    $schema: SCHEMA,
    title: { text: 'Power per irrep', subtitle: "the model's output (lines) vs the encoding's (dotted)" },
    width: WIDTH,
    height: 300,
    layer: [
      {
        name: 'targets',
        data: { values: targets },
        mark: { type: 'rule', strokeDash: [2, 3], strokeWidth: 1.6 },
        encoding: { y, color },
      },
      {
        name: 'power',
        data: { values: series },
        mark: { type: 'line', strokeWidth: 1.6, clip: true },
        encoding: {
          x: stepAxis(series.map((s) => s.step)),
          y,
          color,
        },
      },
    ],
  } as TopLevelSpec;
}

export function accuracySpec(data: RunReportData): TopLevelSpec {
  const points = data.metrics.evaluations
    .filter((e) => Number.isFinite(e.accuracy))
    .map((e) => ({ step: e.step, x: e.step + 1, accuracy: e.accuracy }));
  return {
    $schema: SCHEMA,
    title: 'Accuracy',
    width: WIDTH,
    height: 120,
    layer: [
      {
        name: 'accuracy',
        data: { values: points },
        mark: { type: 'line', color: '#54a24b', strokeWidth: 1.6, point: false },
        encoding: {
          x: stepAxis(points.map((p) => p.step)),
          y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, title: 'accuracy' },
        },
      },
    ],
  } as TopLevelSpec;
}

export function figureSpec(name: FigureName, data: RunReportData): TopLevelSpec {
  switch (name) {
    case 'loss':
      return lossSpec(data);
    case 'power':
      return powerSpec(data);
    case 'accuracy':
      return accuracySpec(data);
  }
}
