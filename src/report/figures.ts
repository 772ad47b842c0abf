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
import { FIGURE_CONFIG, SCHEMA } from './figure-style.js';
import { placeLabels, verticalCandidates } from './label-layout.js';

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

const WIDTH = 640;
const HEIGHT = 320;
const LABEL_FONT = 11;

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
        // Each plateau is named by the irrep whose acquisition leads to it (the staircase's order).
        j === 0 ? `${shortNumber(level)}: nothing learned` : `${shortNumber(level)}: after ${order[j - 1]}`,
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

/** The x domain: step + 1 from 1 to the last step drawn (not rounded out to the next decade). */
function stepDomain(steps: number[]): [number, number] {
  return [1, Math.max(10, ...steps.map((s) => s + 1))];
}

/** A log x axis over step + 1. */
function stepAxis(steps: number[]) {
  return {
    field: 'x',
    type: 'quantitative',
    scale: { type: 'log', domain: stepDomain(steps) as number[], nice: false },
    title: 'step + 1',
  } as const;
}

/** Whole decades around the values (a log scale drawn exactly as given, so labels can be placed). */
function decades(values: number[]): [number, number] {
  const shown = values.filter(positive);
  if (shown.length === 0) return [1e-3, 1];
  const lo = 10 ** Math.floor(Math.log10(Math.min(...shown)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...shown)));
  return [lo, hi > lo ? hi : lo * 10];
}

/** Pixel position on a log scale of `domain` over `range` pixels (Vega's own mapping). */
function logPixel(domain: [number, number], range: number, value: number): number {
  return (range * (Math.log(value) - Math.log(domain[0]))) / (Math.log(domain[1]) - Math.log(domain[0]));
}

/**
 * The loss figure's labels, in pixels, outside the plot where the curve never goes: each plateau's
 * label in a column right of the plot at its level (moved up or down to clear the others), each
 * acquisition's label above the plot at its step (stacked upwards where steps are close).
 */
export function lossLabels(
  plateaus: PlateauRule[],
  events: { x: number; label: string }[],
  xDomain: [number, number],
  yDomain: [number, number],
) {
  const lineHeight = LABEL_FONT * 1.25;
  const far = 10_000;
  const plateauLabels = placeLabels(
    [...plateaus]
      .sort((a, b) => b.level - a.level)
      .map((p) => ({
        text: p.label,
        x: WIDTH + 6,
        y: HEIGHT - logPixel(yDomain, HEIGHT, p.level),
        fontSize: LABEL_FONT,
        candidates: verticalCandidates('left', 0, lineHeight / 2, 40),
      })),
    [],
    { left: WIDTH, top: -far, right: far, bottom: HEIGHT + far },
  );
  const eventLabels = placeLabels(
    [...events]
      .sort((a, b) => a.x - b.x)
      .map((e) => ({
        text: e.label,
        x: logPixel(xDomain, WIDTH, e.x) - 2,
        y: -lineHeight / 2 - 2,
        fontSize: LABEL_FONT,
        candidates: Array.from({ length: 30 }, (_, row) => ({
          dx: 0,
          dy: -row * lineHeight,
          align: 'left' as const,
        })),
      })),
    [],
    { left: -far, top: -far, right: far, bottom: 0 },
  );
  // Drawn left-aligned at each box's left edge.
  const pixels = (l: { text: string; y: number; box: { left: number } }) => ({
    text: l.text,
    x: l.box.left,
    y: l.y,
  });
  return { plateaus: plateauLabels.map(pixels), events: eventLabels.map(pixels) };
}

export function lossSpec(data: RunReportData): TopLevelSpec {
  const points = data.metrics.loss.filter((p) => positive(p.loss)).map((p) => ({ ...p, x: p.step + 1 }));
  const plateaus = plateauRules(data);
  const events = data.metrics.events.map((e) => ({ ...e, x: e.step + 1 }));
  const steps = [...points.map((p) => p.step), ...events.map((e) => e.step)];
  const x = stepAxis(steps);
  const yDomain = decades([...points.map((p) => p.loss), ...plateaus.map((p) => p.level)]);
  const y = {
    field: 'loss',
    type: 'quantitative',
    scale: { type: 'log', domain: yDomain, nice: false },
    title: 'loss',
  } as const;
  const labels = lossLabels(plateaus, events, stepDomain(steps), yDomain);
  const pixel = (field: string) => ({ field, type: 'quantitative', scale: null }) as const;
  const text = { type: 'text', align: 'left', baseline: 'middle', fontSize: LABEL_FONT } as const;
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title: {
      text: 'Loss',
      subtitle: 'dashed: predicted plateau after each irrep; red: irrep acquired',
    },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        name: 'plateaus',
        data: { values: plateaus },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#888', strokeWidth: 1.2 },
        encoding: { y: { ...y, field: 'level' } },
      },
      {
        name: 'plateau_labels',
        data: { values: labels.plateaus },
        mark: { ...text, color: '#555' },
        encoding: { x: pixel('x'), y: pixel('y'), text: { field: 'text' } },
      },
      {
        name: 'events',
        data: { values: events },
        mark: { type: 'rule', color: '#e45756', strokeWidth: 1, opacity: 0.8 },
        encoding: { x },
      },
      {
        name: 'event_labels',
        data: { values: labels.events },
        mark: { ...text, color: '#d62728' },
        encoding: { x: pixel('x'), y: pixel('y'), text: { field: 'text' } },
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

const DOT = [2, 3];
const TIE_SEGMENT = 5;

/**
 * The dash of each target rule: dotted, except where several irreps have the same power (their
 * rules would lie on top of each other, and only the last colour would show): there the n rules
 * share one dash of n segments, each rule drawing its own segment, so every colour shows along it.
 */
export function tiedDashes<T extends { power: number }>(
  targets: T[],
): (T & { dash: number[]; dashOffset: number })[] {
  const same = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  return targets.map((t) => {
    const tied = targets.filter((u) => same(u.power, t.power));
    if (tied.length === 1) return { ...t, dash: DOT, dashOffset: 0 };
    const place = tied.indexOf(t);
    return { ...t, dash: [TIE_SEGMENT, TIE_SEGMENT * (tied.length - 1)], dashOffset: place * TIE_SEGMENT };
  });
}

export function powerSpec(data: RunReportData): TopLevelSpec {
  const irreps = poweredIrreps(data);
  const series = data.metrics.evaluations.flatMap((e) =>
    irreps
      .filter((r) => Number.isFinite(e.power[r.index]))
      .map((r) => ({ step: e.step, x: e.step + 1, irrep: r.label, power: e.power[r.index] })),
  );
  const targets = tiedDashes(irreps.map((r) => ({ irrep: r.label, power: r.power })));
  // Log y from well below the smallest target to above everything: output power starts near 0 and
  // would otherwise stretch the axis over many decades; lower values are clamped to the bottom edge,
  // and marked there (clampedMarkers) so that a flat line on the axis is not read as a value.
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
  const x = stepAxis(series.map((s) => s.step));
  const clamped = clampedMarkers(
    series,
    domain[0],
    irreps.map((r) => r.label),
  );
  const subtitle = [
    "the model's output (lines) vs the encoding's (dotted)",
    ...(clamped.length > 0
      ? [`▽ on the bottom edge: below ${shortFloor(domain[0])}, drawn at the edge`]
      : []),
  ];
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
    title: { text: 'Power per irrep', subtitle },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        name: 'targets',
        data: { values: targets },
        // Each rule's own dash (tiedDashes): rules at the same power interleave their colours.
        mark: {
          type: 'rule',
          strokeDash: { expr: 'datum.dash' },
          strokeDashOffset: { expr: 'datum.dashOffset' },
          strokeWidth: 1.8,
        },
        encoding: { y, color },
      },
      {
        name: 'power',
        data: { values: series },
        mark: { type: 'line', strokeWidth: 1.6, clip: true },
        encoding: { x, y, color },
      },
      // One layer per irrep, each lifted a little more, so that markers of several irreps clamped
      // at the same steps stay apart.
      ...clamped.map((points, i) => ({
        name: `clamped_${i}`,
        data: { values: points },
        mark: {
          type: 'point',
          shape: 'triangle-down',
          filled: false,
          size: 36,
          strokeWidth: 1.2,
        },
        // Lifted off the axis, each irrep a row higher (a point mark has no dy: a yOffset in pixels).
        encoding: { x, y: { ...y, field: 'floor' }, yOffset: { value: -5 - 8 * i }, color },
      })),
    ],
  } as TopLevelSpec;
}

/** The floor as a short number for the subtitle: 0.003, 5e-6. */
function shortFloor(value: number): string {
  return value >= 1e-3 ? String(Number(value.toPrecision(1))) : value.toExponential(0);
}

/**
 * The points below the axis floor, per irrep (irreps without any left out), thinned to at most one
 * per tenth of a decade of steps so that a long clamped stretch is a row of markers, not a smear.
 */
function clampedMarkers(
  series: readonly { step: number; x: number; irrep: string; power: number }[],
  floor: number,
  labels: readonly string[],
): { step: number; x: number; irrep: string; power: number; floor: number }[][] {
  const out: { step: number; x: number; irrep: string; power: number; floor: number }[][] = [];
  for (const label of labels) {
    let lastBucket = Number.NEGATIVE_INFINITY;
    const points = [];
    for (const s of series) {
      if (s.irrep !== label || !(s.power < floor)) continue;
      const bucket = Math.floor(10 * Math.log10(s.x));
      if (bucket === lastBucket) continue;
      lastBucket = bucket;
      points.push({ ...s, floor });
    }
    if (points.length > 0) out.push(points);
  }
  return out;
}

export function accuracySpec(data: RunReportData): TopLevelSpec {
  const points = data.metrics.evaluations
    .filter((e) => Number.isFinite(e.accuracy))
    .map((e) => ({ step: e.step, x: e.step + 1, accuracy: e.accuracy }));
  return {
    $schema: SCHEMA,
    config: FIGURE_CONFIG,
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
