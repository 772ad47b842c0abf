/**
 * The committed results (docs/results/, written by `npm run results`) parse, agree with the README's
 * tables, and show what the README says they show.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { irrepsOf } from '../../src/algebra/irreps/index.js';
import { parseGroup } from '../../src/algebra/parse.js';
import { packageRoot } from '../../src/codeLocation.js';
import { predictedIrrepOrder } from '../../src/learn/theory.js';
import { parseCsv } from '../../src/report/csv.js';
import {
  betweenMarkers,
  RESULT_KS,
  resultSections,
  staircaseTable,
} from '../../src/report/results-tables.js';

const root = packageRoot;
const results = join(root, 'docs', 'results');
const read = (file: string) => readFileSync(join(results, file), 'utf8');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const example = (name: string) => parse(readFileSync(join(root, 'examples', `${name}.yaml`), 'utf8'));

/** The width sweeps' specs by sweep name (read from their example files, as the results are). */
const WIDTH_FILES = ['width-vs-k-mlp', 'width-vs-k-rnn', 'width-vs-k-tree', 'width-vs-k-deep-scratch'];
const specs = new Map(
  [...WIDTH_FILES, 'width-budget-check'].map((file) => [example(file).name as string, example(file)]),
);
const WIDTH_SWEEPS = WIDTH_FILES.map((file) => example(file).name as string);
const BASE = example('width-vs-k-mlp');
const BUDGET = example('width-budget-check');
const STAIRCASES = ['staircase-d3', 'staircase-d5', 'staircase-o', 'staircase-i', 'staircase-c5xc5'];

/** The body rows of a Markdown table, as arrays of trimmed cells. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .slice(2)
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
}

describe('docs/results', () => {
  const minWidth = parseCsv(read('min_width_by_k.csv'));

  test('min_width_by_k.csv holds every cell of every width sweep, each with a consistent bracket', () => {
    for (const [sweep, spec] of specs) {
      const rows = minWidth.filter((r) => r.sweep === sweep);
      assert.ok(rows.length > 0, `${sweep} has no rows`);
      assert.deepEqual([...new Set(rows.map((r) => Number(r.k)))].sort(), [...spec.k].sort(), sweep);
      for (const r of rows) {
        if (r.min_width === '') continue;
        assert.equal(r.status, 'done', `${sweep} ${r.group} ${r.encoding} k=${r.k}: ${r.status}`);
        const h = Number(r.min_width);
        assert.ok(Number.isInteger(h) && h > 0, `min_width ${r.min_width}`);
        if (r.lo !== '') assert.ok(Number(r.lo) < h, `${sweep} ${r.group} k=${r.k}: lo ${r.lo} ≥ H* ${h}`);
        assert.ok(Number(r.runs) >= 1);
      }
    }
  });

  test('the README tables are the ones the CSV gives, number for number', () => {
    const sections = resultSections(
      read('min_width_by_k.csv'),
      { width: WIDTH_SWEEPS, base: BASE.name, budget: BUDGET.name },
      { base: BASE.train.steps, budget: BUDGET.train.steps },
    );
    assert.equal(betweenMarkers(readme, 'min-width'), sections.minWidth);
    assert.equal(betweenMarkers(readme, 'budget'), sections.budget);

    // And read back independently: each README row's H* is the CSV's min_width.
    const rows = tableRows(betweenMarkers(readme, 'min-width'));
    assert.equal(
      rows.length,
      new Set(
        minWidth
          .filter((r) => WIDTH_SWEEPS.includes(r.sweep))
          .map((r) => `${r.sweep}/${r.model}/${r.group}/${r.encoding}`),
      ).size,
    );
    for (const [sweep, model, group, encoding, ...rest] of rows) {
      assert.ok(WIDTH_SWEEPS.includes(sweep), `${sweep} is not a width sweep`);
      RESULT_KS.forEach((k, i) => {
        const row = minWidth.find(
          (r) =>
            r.sweep === sweep &&
            r.model === model &&
            r.group === group &&
            r.encoding === encoding &&
            Number(r.k) === k,
        );
        // "": k not in the sweep; "–": no width up to the search's maximum; "…": stopped before deciding.
        const shown = !row ? '' : row.min_width !== '' ? row.min_width : row.status === 'done' ? '–' : '…';
        assert.equal(rest[i], shown, `${sweep} ${model} ${group} ${encoding} k=${k}`);
      });
    }
  });

  test('growth.csv is the README ratio column', () => {
    const growth = parseCsv(read('growth.csv'));
    const rows = tableRows(betweenMarkers(readme, 'min-width'));
    assert.equal(growth.length, rows.length);
    for (const [sweep, model, group, encoding, ...rest] of rows) {
      const g = growth.find(
        (r) => r.sweep === sweep && r.model === model && r.group === group && r.encoding === encoding,
      );
      assert.ok(g, `${sweep} ${model} ${group} ${encoding} missing from growth.csv`);
      assert.equal(rest[RESULT_KS.length], g.ratio_per_k);
      assert.equal(rest[RESULT_KS.length + 1], g.over_guide);
    }
  });

  test('the README claims hold in the data: warm-started deep models flat, from scratch growing', () => {
    const growth = parseCsv(read('growth.csv'));
    const series = (sweep: string) => growth.filter((r) => r.sweep === sweep);
    for (const sweep of ['width-vs-k-rnn-warm', 'width-vs-k-tree-warm']) {
      const rows = series(sweep);
      assert.equal(rows.length, 12, sweep);
      // Flat: at most one grid step of noise over k = 2..5 (C2 one-hot's RNN: 4, 8, 6, 4).
      for (const r of rows)
        assert.ok(Number(r.ratio_per_k) <= 1.05, `${sweep} ${r.group} ${r.encoding}: ${r.ratio_per_k}`);
    }
    for (const r of series('width-vs-k-deep-scratch'))
      assert.ok(
        Number(r.ratio_per_k) >= 2,
        `from scratch ${r.model} ${r.group}: ratio ${r.ratio_per_k} per step of k`,
      );
  });

  test('runs.csv has every run each search used', () => {
    const runs = parseCsv(read('runs.csv'));
    for (const cell of minWidth) {
      const used = runs.filter(
        (r) =>
          r.sweep === cell.sweep &&
          r.group === cell.group &&
          r.encoding === cell.encoding &&
          r.model === cell.model &&
          r.k === cell.k,
      );
      assert.equal(
        used.length,
        Number(cell.runs),
        `${cell.sweep} ${cell.group} ${cell.encoding} k=${cell.k}`,
      );
      if (cell.min_width !== '')
        assert.ok(
          used.some((r) => r.h === cell.min_width && r.outcome === 'succeeded'),
          'a success at H*',
        );
    }
  });

  test('the README staircase table is the one staircase_events.csv gives', () => {
    assert.equal(
      betweenMarkers(readme, 'staircases'),
      staircaseTable(read('staircase_events.csv'), STAIRCASES),
    );
  });

  test('every staircase learns its strongest irrep first, one irrep at a time, and leaves the first plateau', () => {
    const events = parseCsv(read('staircase_events.csv'));
    const loss = parseCsv(read('staircase_loss.csv'));
    for (const name of STAIRCASES) {
      const spec = example(name);
      const group = parseGroup(spec.groups[0]);
      const labels = irrepsOf(group).map((r) => r.label);
      const predicted = predictedIrrepOrder(spec.encodings[0].powers).map((i) => labels[i]);
      const acquired = events.filter((e) => e.sweep === name);
      assert.ok(acquired.length >= 2, `${name}: ${acquired.length} irreps acquired`);
      assert.equal(acquired[0].irrep, predicted[0], `${name}: the strongest irrep comes first`);
      assert.ok(
        acquired.every((e) => predicted.includes(e.irrep)),
        `${name}: only irreps the encoding has power on`,
      );
      assert.ok(
        betweenMarkers(readme, 'staircases').includes(`| ${name} | ${spec.groups[0]} |`),
        `${name} is in the README's staircase table`,
      );
      // One at a time: no two irreps in the same step.
      assert.equal(new Set(acquired.map((e) => e.step)).size, acquired.length, name);
      const curve = loss.filter((r) => r.sweep === name).map((r) => Number(r.loss));
      assert.ok(curve.at(-1)! < curve[0] / 10, `${name}: loss ${curve[0]} → ${curve.at(-1)}`);
    }
  });
});
