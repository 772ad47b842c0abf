/**
 * The H*(k) figure from plain cell data: each cell lands in the right layer (an H*, a bracket, no H*
 * yet or none at all), the theory guide is 2^(k−1)·|G| for two-layer cells only, and the rendered
 * scenegraph puts every H* at its value on the log axis. The sweep page escapes what it shows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { labelBox, overlapArea, placeLabels } from '../../../src/report/label-layout.js';
import { findMarks, renderFigure } from '../../../src/report/render.js';
import type { SweepCellData, SweepReportData } from '../../../src/report/sweep-data.js';
import { minWidthFigureData, minWidthLayout, minWidthSpec } from '../../../src/report/sweep-figures.js';
import { sweepReportHtml } from '../../../src/report/sweep-html.js';
import { theoryWidth } from '../../../src/sweep/guess.js';

function cell(fields: Partial<SweepCellData> & Pick<SweepCellData, 'group' | 'k' | 'model'>): SweepCellData {
  return {
    id: 1,
    encoding: 'onehot',
    status: 'done',
    lo: null,
    hi: null,
    minWidth: null,
    nonMonotone: false,
    runs: 1,
    seeds: 1,
    groupOrder: 6,
    ...fields,
  };
}

const cells: SweepCellData[] = [
  cell({ group: 'D3', k: 2, model: 'mlp', lo: 6, hi: 12, minWidth: 12 }),
  cell({ group: 'D3', k: 3, model: 'mlp-d2', status: 'searching', lo: 12, hi: 48 }),
  cell({ group: 'D3', k: 4, model: 'mlp', status: 'searching' }),
  cell({ group: 'D3', k: 2, model: 'rnn', hi: 3, minWidth: 3 }),
  cell({ group: 'D3', k: 3, model: 'tree', status: 'failed', lo: 96 }),
  cell({ group: 'X?', k: 2, model: 'mlp', groupOrder: null, lo: 4, hi: 8, minWidth: 8 }),
];

describe('the H*(k) figure', () => {
  test('an undecided cell (a run ended in error) is labelled so, never "no H* ≤ lo"', () => {
    const data = minWidthFigureData([cell({ group: 'C3', k: 2, model: 'mlp', status: 'undecided', lo: 8 })]);
    assert.deepEqual(
      data.unresolved.map((u) => [u.at, u.label]),
      [[8, 'undecided: run errors']],
    );
  });

  test('cells go to the layer that fits them', () => {
    const data = minWidthFigureData(cells);
    assert.deepEqual(
      data.points.map((p) => [p.series, p.k, p.minWidth]),
      [
        ['D3 · onehot · mlp', 2, 12],
        ['D3 · onehot · rnn', 2, 3],
        ['X? · onehot · mlp', 2, 8],
      ],
    );
    assert.deepEqual(
      data.brackets.map((b) => [b.series, b.k, b.lo, b.hi]),
      [
        ['D3 · onehot · mlp', 2, 6, 12],
        ['D3 · onehot · mlp-d2', 3, 12, 48],
        ['X? · onehot · mlp', 2, 4, 8],
      ],
    );
    // Still searching: at the bracket's top; ended without one: at the widest failure; no width
    // tried yet: nowhere to draw (the table shows it).
    assert.deepEqual(
      data.unresolved.map((u) => [u.series, u.k, u.at, u.label]),
      [
        ['D3 · onehot · mlp-d2', 3, 48, 'searching'],
        ['D3 · onehot · tree', 3, 96, 'no H* ≤ 96'],
      ],
    );
    // Two-layer cells of a group that parses: mlp at any degree; not rnn or tree.
    assert.deepEqual(
      data.theory.map((t) => [t.groups, t.k, t.width]),
      [
        ['D3', 2, 12],
        ['D3', 3, 24],
        ['D3', 4, 48],
      ],
    );
    assert.deepEqual(
      [2, 3, 4, 5].map((k) => theoryWidth(k, 8)),
      [16, 32, 64, 128],
    );
    // Series at the same k are drawn side by side, never more than 0.2 away from it.
    const xs = data.points.filter((p) => p.k === 2).map((p) => p.kx);
    assert.equal(new Set(xs).size, xs.length);
    for (const p of [...data.points, ...data.brackets, ...data.unresolved])
      assert.ok(Math.abs(p.kx - p.k) <= 0.2 + 1e-12);
  });

  test('rendered: every H* sits at its value on the log axis; the guide too', async () => {
    const { view } = await renderFigure(minWidthSpec(cells, 'unit'));
    const y = view.scale('y') as (v: number) => number;
    const [points] = findMarks(view, 'width_points_marks');
    assert.equal(points.items.length, 3);
    for (const item of points.items)
      assert.ok(Math.abs((item.y as number) - y(item.datum.minWidth as number)) < 1e-6);
    const guide = findMarks(view, 'theory_marks').flatMap((m) => m.items);
    assert.deepEqual(
      guide.map((i) => i.datum.width),
      [12, 24, 48],
    );
    for (const item of guide) assert.ok(Math.abs((item.y as number) - y(item.datum.width as number)) < 1e-6);
    assert.equal(findMarks(view, 'unresolved_marks')[0].items.length, 2);
  });
});

describe('labels that avoid each other', () => {
  test('groups of the same order share one guide, labelled with all of them', () => {
    const same = [
      cell({ group: 'C6', k: 2, model: 'mlp', hi: 12, minWidth: 12 }),
      cell({ group: 'D3', k: 2, model: 'mlp', hi: 12, minWidth: 12 }),
      cell({ group: 'D3', k: 3, model: 'mlp', hi: 24, minWidth: 24 }),
      cell({ group: 'C4', k: 2, model: 'mlp', groupOrder: 4, hi: 8, minWidth: 8 }),
      cell({ group: 'C4', k: 3, model: 'mlp', groupOrder: 4, hi: 16, minWidth: 16 }),
      // A single k has no slope to compare with: no guide.
      cell({ group: 'C7', k: 3, model: 'mlp', groupOrder: 7, hi: 32, minWidth: 32 }),
    ];
    const data = minWidthFigureData(same);
    assert.deepEqual(
      data.theory.map((t) => [t.order, t.groups, t.k, t.width]),
      [
        [4, 'C4', 2, 8],
        [4, 'C4', 3, 16],
        [6, 'C6, D3', 2, 12],
        [6, 'C6, D3', 3, 24],
      ],
    );
    const layout = minWidthLayout(data, [2, 3]);
    assert.deepEqual(
      layout.labels.filter((l) => l.kind === 'guide').map((l) => l.text),
      ['2^(k−1)·6: C6, D3', '2^(k−1)·4: C4'],
    );
  });

  test('guide labels of close orders are moved apart, and clear of the points', () => {
    // Six orders a little apart at k = 5: their guide ends lie within a few pixels of each other.
    const crowded = [2, 3, 4, 5, 6, 7].flatMap((order) =>
      [2, 3, 4, 5].map((k) =>
        cell({
          group: `G${order}`,
          k,
          model: 'mlp',
          groupOrder: order,
          hi: 2 ** (k - 1) * order,
          minWidth: 2 ** (k - 1) * order,
        }),
      ),
    );
    crowded.push(cell({ group: 'G7', k: 5, model: 'rnn', groupOrder: 7, status: 'done', lo: 112 }));
    const layout = minWidthLayout(minWidthFigureData(crowded), [2, 3, 4, 5]);
    const boxes = layout.labels.map((l) => labelBox(l.text, l.x, l.y, 'left', 11));
    assert.equal(boxes.length, 7);
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++)
        assert.equal(
          overlapArea(boxes[i], boxes[j]),
          0,
          `${layout.labels[i].text} / ${layout.labels[j].text}`,
        );
  });

  test('placeLabels takes the first candidate that is clear, and reports the least bad one otherwise', () => {
    const bounds = { left: 0, top: 0, right: 100, bottom: 100 };
    const right = { dx: 5, dy: 0, align: 'left' as const };
    const below = { dx: 0, dy: 20, align: 'center' as const };
    const [a, b] = placeLabels(
      [
        { text: 'one', x: 20, y: 20, fontSize: 10, candidates: [right, below] },
        { text: 'two', x: 20, y: 20, fontSize: 10, candidates: [right, below] },
      ],
      [],
      bounds,
    );
    assert.deepEqual([a.x, a.y, a.align], [25, 20, 'left']);
    assert.deepEqual([b.x, b.y, b.align], [20, 40, 'center'], 'the second moves below the first');
    const [c] = placeLabels([{ text: 'x', x: 0, y: 0, fontSize: 10, candidates: [right] }], [a.box], bounds);
    assert.ok(c, 'no clear candidate: still placed');
  });
});

describe('the sweep page', () => {
  test('escapes what it shows and keeps its inline JSON inside its script element', () => {
    const data: SweepReportData = {
      sweep: { name: 'unit', status: 'done', createdAt: '2026-01-01' },
      cells: [cell({ group: '<b>G</b>', k: 2, model: 'mlp', minWidth: 8, hi: 8 })],
      runs: [],
      chosen: [],
      notes: ['a </script> note'],
    };
    const html = sweepReportHtml(data, []);
    assert.ok(!html.includes('<b>G</b>'));
    assert.match(html, /&lt;b&gt;G&lt;\/b&gt;/);
    assert.equal(html.split('</script>').length, 2, 'one closing script tag');
    assert.match(html, /<p>No runs drawn\.<\/p>/);
  });
});
