/**
 * The run figures are right, not just present: rendered through Vega in Node, their scenegraph
 * holds exactly the theory's plateau levels (plateauLevels of the encoding's power), the encoding's
 * power per irrep, the loss points and the acquisition events given, each at its scale's position.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { irrepsOf } from '../../../src/algebra/irreps/index.js';
import { parseGroup } from '../../../src/algebra/parse.js';
import { plateauLevels, predictedIrrepOrder } from '../../../src/learn/theory.js';
import {
  accuracySpec,
  lossSpec,
  powerSpec,
  type RunReportData,
  tiedDashes,
} from '../../../src/report/figures.js';
import { reportHtml } from '../../../src/report/html.js';
import { labelBox, overlapArea } from '../../../src/report/label-layout.js';
import { findMarks, renderFigure } from '../../../src/report/render.js';
import { type EncodingSpec, encode } from '../../../src/task/encoding.js';

/** A synthetic run on `group` with `encoding`: the loss walks down the theory's staircase. */
function makeRun(groupName: string, encoding: EncodingSpec): RunReportData {
  const group = parseGroup(groupName);
  const irreps = irrepsOf(group).map((r) => r.label);
  const power = Array.from(encode(group, encoding).power);
  const levels = plateauLevels(power, group.order);
  const order = predictedIrrepOrder(power);
  const steps = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
  const eventSteps = order.map((_, j) => 10 * 4 ** j);
  const learned = (step: number): number => eventSteps.filter((s) => s <= step).length;
  const loss = steps.map((step) => ({ step, loss: levels[learned(step)] * (1 + 0.01 / (step + 1)) }));
  // Values a log axis cannot show are left out of the line, not drawn at the edge.
  loss.push({ step: 6000, loss: 0 }, { step: 7000, loss: Number.NaN });
  const evaluations = steps.slice(1).map((step) => ({
    step,
    loss: levels[learned(step)],
    accuracy: Math.min(1, learned(step) / Math.max(1, order.length)),
    power: power.map((p, i) => (order.indexOf(i) >= 0 && learned(step) > order.indexOf(i) ? p : p * 1e-6)),
  }));
  return {
    title: `${groupName} </script><b>test</b>`,
    config: { group: groupName, k: 2, encoding, model: { kind: 'mlp', H: 64 } },
    groupOrder: group.order,
    result: {
      outcome: 'succeeded',
      reason: 'accuracy 1',
      steps: 5000,
      initialLoss: levels[0],
      finalLoss: levels.at(-1)!,
      finalAccuracy: 1,
      seconds: 1.5,
      predicted: { plateaus: levels, order: order.map((i) => irreps[i]) },
      engine: 'reference/cpu',
    },
    metrics: {
      irreps,
      loss,
      evaluations,
      events: order.map((irrep, j) => ({ step: eventSteps[j], irrep, label: irreps[irrep] })),
    },
    encodingPower: power,
  };
}

const runs: [string, EncodingSpec][] = [
  ['D3', { kind: 'powers', powers: [0, 30, 3000] }],
  ['C6', { kind: 'random', seed: 7 }],
  ['S4', { kind: 'onehot' }],
];

for (const [groupName, encoding] of runs) {
  describe(`figures of a ${groupName} run (${encoding.kind} encoding)`, () => {
    const data = makeRun(groupName, encoding);
    const group = parseGroup(groupName);
    const power = Array.from(encode(group, encoding).power);

    test('loss: the plateau rules sit exactly at plateauLevels of the encoding; the line is the loss', async () => {
      const { view, svg } = await renderFigure(lossSpec(data));
      const y = view.scale('y') as (v: number) => number;
      const x = view.scale('x') as (v: number) => number;
      const expected = plateauLevels(power, group.order).filter((l) => l > 0);
      assert.ok(expected.length >= 1);
      const [rules] = findMarks(view, 'plateaus_marks');
      assert.deepEqual(
        rules.items.map((i) => i.datum.level),
        expected,
      );
      for (const item of rules.items) assert.equal(item.y, y(item.datum.level as number));
      const [labels] = findMarks(view, 'plateau_labels_marks');
      assert.equal(labels.items.length, expected.length);
      assert.match(String(labels.items[0].text), /nothing learned/);

      const [line] = findMarks(view, 'loss_marks');
      const shown = data.metrics.loss.filter((p) => Number.isFinite(p.loss) && p.loss > 0);
      assert.deepEqual(
        line.items.map((i) => [i.datum.step, i.datum.loss]),
        shown.map((p) => [p.step, p.loss]),
      );
      for (const item of line.items) {
        assert.equal(item.x, x((item.datum.step as number) + 1), 'x is step + 1 on a log axis');
        assert.equal(item.y, y(item.datum.loss as number));
      }
      assert.equal(x(1), 0, 'step 0 (the init) sits at the left edge');

      const [events] = findMarks(view, 'events_marks');
      assert.deepEqual(
        events.items.map((i) => [i.datum.step, i.datum.label]),
        data.metrics.events.map((e) => [e.step, e.label]),
      );
      for (const item of events.items) assert.equal(item.x, x((item.datum.step as number) + 1));
      const [eventLabels] = findMarks(view, 'event_labels_marks');
      assert.deepEqual(
        eventLabels.items.map((i) => i.text),
        data.metrics.events.map((e) => e.label),
      );
      // The SVG carries the same rules: one dashed line per positive level.
      const group_ = svg.match(/class="mark-rule role-mark plateaus_marks"[\s\S]*?<\/g>/)?.[0] ?? '';
      assert.equal((group_.match(/<line /g) ?? []).length, expected.length);
      assert.match(group_, /stroke-dasharray/);
    });

    test("power: one dotted rule per powered irrep at the encoding's power, in that irrep's colour", async () => {
      const { view } = await renderFigure(powerSpec(data));
      const y = view.scale('y') as (v: number) => number;
      const order = predictedIrrepOrder(power);
      const [rules] = findMarks(view, 'targets_marks');
      assert.deepEqual(
        rules.items.map((i) => [i.datum.irrep, i.datum.power]),
        order.map((i) => [data.metrics.irreps[i], power[i]]),
      );
      for (const item of rules.items) {
        assert.equal(item.y, y(item.datum.power as number));
        assert.ok(item.strokeDash, 'dotted');
      }
      const lines = findMarks(view, 'power_marks');
      // One line per powered irrep (Vega groups a coloured line into one mark per series).
      const series = new Map<string, { stroke: unknown; values: number[] }>();
      for (const mark of lines)
        for (const item of mark.items) {
          const label = item.datum.irrep as string;
          const s = series.get(label) ?? { stroke: item.stroke, values: [] };
          s.values.push(item.datum.power as number);
          series.set(label, s);
        }
      assert.deepEqual([...series.keys()].sort(), order.map((i) => data.metrics.irreps[i]).sort());
      for (const i of order) {
        const label = data.metrics.irreps[i];
        assert.deepEqual(
          series.get(label)!.values,
          data.metrics.evaluations.map((e) => e.power[i]),
        );
        const rule = rules.items.find((r) => r.datum.irrep === label)!;
        assert.equal(rule.stroke, series.get(label)!.stroke, `${label}: rule and line share a colour`);
      }
    });

    test('accuracy: the evaluation accuracy over step + 1', async () => {
      const { view } = await renderFigure(accuracySpec(data));
      const [line] = findMarks(view, 'accuracy_marks');
      assert.deepEqual(
        line.items.map((i) => i.datum.accuracy),
        data.metrics.evaluations.map((e) => e.accuracy),
      );
    });
  });
}

describe('labels and rules that would hide each other', () => {
  test('acquisitions close in step stack above the plot; plateau labels sit right of it, apart', async () => {
    // S4 one-hot: several irreps acquired within a few steps of each other.
    const data = makeRun('S4', { kind: 'onehot' });
    data.metrics.events = data.metrics.events.map((e, j) => ({ ...e, step: 1000 + 5 * j }));
    const { view } = await renderFigure(lossSpec(data));
    const boxes = (name: string) =>
      findMarks(view, name)[0].items.map((i) => ({
        text: String(i.text),
        box: labelBox(String(i.text), i.x as number, i.y as number, 'left', i.fontSize as number),
      }));
    const events = boxes('event_labels_marks');
    const plateaus = boxes('plateau_labels_marks');
    assert.equal(events.length, data.metrics.events.length);
    const width = view.width();
    for (const e of events) assert.ok(e.box.bottom <= 0, `${e.text} is above the plot`);
    for (const p of plateaus) assert.ok(p.box.left >= width, `${p.text} is right of the plot`);
    const all = [...events, ...plateaus];
    for (let i = 0; i < all.length; i++)
      for (let j = i + 1; j < all.length; j++)
        assert.equal(overlapArea(all[i].box, all[j].box), 0, `${all[i].text} / ${all[j].text}`);
  });

  test('targets of equal power share the rule, each drawing its own segment of one dash', async () => {
    // C6 one-hot: freq1 and freq2 carry the same power (up to rounding).
    const data = makeRun('C6', { kind: 'onehot' });
    const dashed = tiedDashes([{ power: 1 }, { power: 2 }, { power: 1 }, { power: 1 + 1e-13 }]);
    assert.deepEqual(
      dashed.map((d) => [d.dash, d.dashOffset]),
      [
        [[5, 10], 0],
        [[2, 3], 0],
        [[5, 10], 5],
        [[5, 10], 10],
      ],
    );
    const { view } = await renderFigure(powerSpec(data));
    const [rules] = findMarks(view, 'targets_marks');
    const near = (a: unknown, b: unknown) => Math.abs((a as number) - (b as number)) < 1e-9;
    const atOnePower = rules.items.filter((i) => near(i.datum.power, rules.items[0].datum.power));
    assert.deepEqual(
      atOnePower.map((i) => i.datum.irrep),
      ['freq1', 'freq2'],
    );
    assert.equal(new Set(atOnePower.map((i) => i.stroke)).size, atOnePower.length, 'each its own colour');
    assert.equal(
      new Set(atOnePower.map((i) => i.strokeDashOffset)).size,
      atOnePower.length,
      'each its own segment',
    );
  });
});

describe('report.html', () => {
  test('self-contained: the figures and the data inline, nothing to load, text escaped', async () => {
    const data = makeRun('D3', { kind: 'powers', powers: [0, 30, 3000] });
    const svg = (await renderFigure(lossSpec(data))).svg;
    const html = reportHtml(data, { loss: svg, power: svg, accuracy: svg });
    assert.equal((html.match(/<figure id="figure-/g) ?? []).length, 3);
    assert.doesNotMatch(html, /<b>test<\/b>/, 'the title is escaped');
    assert.doesNotMatch(html, /\s(src|href)="(?!data:)/, 'no src/href other than data: URLs');
    assert.doesNotMatch(html, /<script(?! type="application\/json")/, 'no executable scripts');
    const json = html.match(/<script type="application\/json" id="sgc-run-data">(.*)<\/script>/)?.[1];
    assert.ok(json);
    assert.deepEqual(
      JSON.parse(json),
      JSON.parse(JSON.stringify(data)),
      'the inline data round-trips (including a title containing </script>)',
    );
    assert.match(html, /predicted irrep order<\/th><td>rot1, sign/);
    assert.match(html, /observed irrep order<\/th><td>rot1, sign \(as predicted\)/);
  });

  test('says the success rule the run was judged by (a config from before everyIrrep: without it)', () => {
    const data = makeRun('D3', { kind: 'powers', powers: [0, 30, 3000] });
    const judged = (train: Record<string, unknown>) =>
      reportHtml({ ...data, config: { ...data.config, train } as RunReportData['config'] }, {});
    assert.match(
      judged({ lossReduction: 0.98, everyIrrep: true }),
      /success rule<\/th><td>accuracy 1, loss ≤ 2% of the start, every irrep ≥ 90% of its power</,
    );
    assert.match(
      judged({ lossReduction: 0.9 }),
      /success rule<\/th><td>accuracy 1, loss ≤ 10% of the start</,
    );
    assert.doesNotMatch(reportHtml(data, {}), /success rule/);
  });
});

describe('power figure: values below the axis floor', () => {
  test('are marked ▽ on the bottom edge, per irrep, and the subtitle says so', async () => {
    const data = makeRun('D3', { kind: 'powers', powers: [0, 30, 3000] });
    const spec = powerSpec(data);
    const { view } = await renderFigure(spec);
    const floor = (view.scale('y') as { domain: () => number[] }).domain()[0];
    // The synthetic run has each irrep at 1e-6 of its power before it is learned; the floor is 1e-4
    // of the smallest power (30), 0.003: sign, at 3e-5 then, is below it.
    const clampedSteps = data.metrics.evaluations.filter((e) => e.power[1] < floor).map((e) => e.step);
    assert.ok(clampedSteps.length > 0);
    const markers = findMarks(view, 'clamped_0_marks').flatMap((m) => m.items);
    assert.ok(markers.length > 0 && markers.length <= clampedSteps.length);
    for (const item of markers) {
      assert.equal(item.datum.irrep, 'sign');
      assert.ok(clampedSteps.includes(item.datum.step as number));
      assert.equal(item.shape, 'triangle-down');
    }
    assert.match(JSON.stringify(spec.title), /▽ on the bottom edge: below 0\.003/);
    // Nothing below the floor: no markers, no note.
    const learned = {
      ...data,
      metrics: {
        ...data.metrics,
        evaluations: data.metrics.evaluations.map((e) => ({ ...e, power: [...data.encodingPower] })),
      },
    };
    const plain = powerSpec(learned);
    assert.doesNotMatch(JSON.stringify(plain), /clamped|▽/);
  });
});
