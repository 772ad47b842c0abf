import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCsv, parseCsvRows } from '../../../src/report/csv.js';
import { geometricRatio, growthSeries, growthTable, type MinWidthRow } from '../../../src/report/growth.js';
import { betweenMarkers, replaceBetweenMarkers } from '../../../src/report/results-tables.js';

describe('growth of H* with k', () => {
  test('the fitted ratio is exact on geometric widths and 1 on constant ones', () => {
    const doubling = [2, 3, 4, 5].map((k) => ({ k, width: 3 * 2 ** k }));
    assert.ok(Math.abs((geometricRatio(doubling) as number) - 2) < 1e-12);
    const flat = [2, 3, 4, 5].map((k) => ({ k, width: 16 }));
    assert.ok(Math.abs((geometricRatio(flat) as number) - 1) < 1e-12);
    assert.equal(geometricRatio([{ k: 2, width: 4 }]), null);
    assert.equal(
      geometricRatio([
        { k: 2, width: 4 },
        { k: 2, width: 8 },
      ]),
      null,
    );
  });

  test('the fit is least squares on ln H*: (2, 4), (3, 16), (4, 32) gives e^{(ln 32 − ln 4)/2}', () => {
    const r = geometricRatio([
      { k: 2, width: 4 },
      { k: 3, width: 16 },
      { k: 4, width: 32 },
    ]) as number;
    // slope = Σ(k−3)(ln H − m) / Σ(k−3)² = (ln 32 − ln 4) / 2
    assert.ok(Math.abs(r - Math.sqrt(8)) < 1e-12);
  });

  test('series: cells without H* are – (none up to the maximum) or … (stopped), and left out of the fit; the guide is 2^(k−1)·|G|', () => {
    const rows: MinWidthRow[] = [
      { sweep: 's', group: 'C3', encoding: 'onehot', model: 'mlp', k: 3, minWidth: 24, finished: true },
      { sweep: 's', group: 'C3', encoding: 'onehot', model: 'mlp', k: 2, minWidth: 6, finished: true },
      { sweep: 's', group: 'C3', encoding: 'onehot', model: 'mlp', k: 4, minWidth: null, finished: true },
      { sweep: 's', group: 'D3', encoding: 'onehot', model: 'rnn', k: 2, minWidth: 11, finished: true },
      { sweep: 's', group: 'D3', encoding: 'onehot', model: 'rnn', k: 3, minWidth: null, finished: false },
    ];
    const series = growthSeries(rows, (g) => (g === 'C3' ? 3 : 6));
    assert.equal(series.length, 2);
    assert.deepEqual(
      series[0].widths.map((w) => w.k),
      [2, 3, 4],
    );
    assert.ok(Math.abs((series[0].ratio as number) - 4) < 1e-12);
    // H*/guide: 6/6 = 1 and 24/12 = 2, geometric mean √2.
    assert.ok(Math.abs((series[0].overGuide as number) - Math.SQRT2) < 1e-12);
    assert.equal(series[1].ratio, null);
    const table = growthTable(series, [2, 3, 4, 5]).split('\n');
    assert.equal(table[2], '| s | mlp | C3 | onehot | 6 | 24 | – |  | 4.00 | 1.41 |');
    assert.equal(table[3], '| s | rnn | D3 | onehot | 11 | … |  |  | – | 0.92 |');
  });
});

describe('CSV as sgc sql --csv writes it', () => {
  test('quoted fields, doubled quotes, CRLF and a missing final newline', () => {
    assert.deepEqual(parseCsvRows('a,b\r\n"x, y","say ""hi"""\r\n,3'), [
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['', '3'],
    ]);
    assert.deepEqual(parseCsv('k,min_width\n2,6\n3,\n'), [
      { k: '2', min_width: '6' },
      { k: '3', min_width: '' },
    ]);
    assert.throws(() => parseCsv('a,b\n1\n'), /row 2 has 1 fields; the header has 2/);
    assert.throws(() => parseCsvRows('"open'), /inside a quoted field/);
  });
});

describe('README sections between results markers', () => {
  test('replace keeps everything outside the markers', () => {
    const text = 'intro\n<!-- results:t -->\nold\n<!-- /results:t -->\nend\n';
    const next = replaceBetweenMarkers(text, 't', '| new |');
    assert.equal(next, 'intro\n<!-- results:t -->\n| new |\n<!-- /results:t -->\nend\n');
    assert.equal(betweenMarkers(next, 't'), '| new |');
    assert.throws(() => betweenMarkers(text, 'other'), /no <!-- results:other -->/);
  });
});
