import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCsv, formatJson, formatTable, typedValue } from '../../../src/cli/commands/sql-format.js';
import { pivotByK } from '../../../src/cli/widthTable.js';

const INT4 = 23;
const TEXT = 25;
const FLOAT8 = 701;
const JSONB = 3802;
const BOOL = 16;
const NUMERIC = 1700;

describe('query output', () => {
  const result = {
    columns: ['name', 'n', 'x'],
    types: [TEXT, INT4, FLOAT8],
    rows: [
      ['alpha', '1', '0.5'],
      ['b', '200', null],
    ],
  };

  it('aligns a table as every sgc table: text left, numbers right, NULL blank', () => {
    assert.equal(
      formatTable(result),
      ['name     n    x', '-----  ---  ---', 'alpha    1  0.5', 'b      200', '(2 rows)'].join('\n'),
    );
    assert.equal(formatTable({ columns: ['a'], types: [TEXT], rows: [] }), ['a', '-', '(0 rows)'].join('\n'));
  });

  it('spans multi-line values over several lines, and says when there is no result set', () => {
    const table = formatTable({ columns: ['x', 'n'], types: [TEXT, INT4], rows: [['multi\nline', '2']] });
    assert.equal(table, ['x      n', '-----  -', 'multi  2', 'line', '(1 row)'].join('\n'));
    assert.equal(formatTable({ columns: [], types: [], rows: [] }), '(no result set)');
  });

  it('shortens decimals in the table only: CSV and JSON keep every digit', () => {
    const decimals = {
      columns: ['v', 'big', 'tiny', 'whole', 'odd'],
      types: [NUMERIC, FLOAT8, FLOAT8, NUMERIC, FLOAT8],
      rows: [['0.20600000000000000000', '1234567.891', '7.0000000000001e-15', '12.000', 'NaN']],
    };
    assert.equal(formatTable(decimals).split('\n')[2], '0.206  1234568  7e-15     12  NaN');
    assert.equal(
      formatCsv(decimals),
      'v,big,tiny,whole,odd\r\n0.20600000000000000000,1234567.891,7.0000000000001e-15,12.000,NaN',
    );
    assert.deepEqual(JSON.parse(formatJson(decimals)), [
      { v: 0.206, big: 1234567.891, tiny: 7.0000000000001e-15, whole: 12, odd: 'NaN' },
    ]);
  });

  it('quotes CSV fields that need it (RFC 4180)', () => {
    const csv = formatCsv({
      columns: ['a', 'b'],
      types: [TEXT, TEXT],
      rows: [
        ['x,y', 'say "hi"'],
        [' pad', null],
      ],
    });
    assert.equal(csv, 'a,b\r\n"x,y","say ""hi"""\r\n" pad",');
  });

  it('gives JSON values their column type; NaN stays a string, big integers stay exact', () => {
    assert.equal(typedValue('12', INT4), 12);
    assert.equal(typedValue('NaN', FLOAT8), 'NaN');
    assert.equal(typedValue('-Infinity', FLOAT8), '-Infinity');
    assert.equal(typedValue('9007199254740993', 20), '9007199254740993');
    assert.equal(typedValue('t', BOOL), true);
    assert.deepEqual(typedValue('{"a": [1]}', JSONB), { a: [1] });
    assert.equal(typedValue('2026-01-01', 1082), '2026-01-01');
    assert.equal(typedValue(null, INT4), null);
    assert.deepEqual(JSON.parse(formatJson(result)), [
      { name: 'alpha', n: 1, x: 0.5 },
      { name: 'b', n: 200, x: null },
    ]);
  });
});

describe('sgc results table', () => {
  it('puts k across, one row per (sweep, group, encoding, model), marking open and odd cells, with the results versions', () => {
    const row = (
      model: string,
      k: number,
      min_width: number | null,
      status: string,
      non_monotone = false,
      results_version: number | null = 2,
    ) => ({
      sweep: 's',
      group_name: 'C6',
      encoding: 'onehot',
      model,
      k,
      min_width,
      status,
      non_monotone,
      results_version,
    });
    const table = pivotByK([
      row('mlp', 2, 8, 'done'),
      row('mlp', 3, null, 'searching'),
      row('rnn', 2, 4, 'done', true),
      row('rnn', 4, null, 'failed', false, 1),
      row('rnn', 5, null, 'pending', false, null),
      row('tree', 2, null, 'undecided', false, 2),
    ]);
    assert.deepEqual(table.columns, [
      'sweep',
      'group',
      'encoding',
      'model',
      'k=2',
      'k=3',
      'k=4',
      'k=5',
      'results_version',
    ]);
    assert.deepEqual(table.rows, [
      ['s', 'C6', 'onehot', 'mlp', '8', '…', null, null, '2'],
      ['s', 'C6', 'onehot', 'rnn', '4*', null, '-', '…', '1, 2'],
      ['s', 'C6', 'onehot', 'tree', '?', null, null, null, '2'],
    ]);
  });
});
