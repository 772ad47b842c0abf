/**
 * The `sgc groups | group | encode` commands as a user runs them: a real process, real output,
 * exit codes. Bad input must give one clear line on stderr, exit 2 and no stack trace.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runSgc, sgc } from '../helpers/sgc.js';

describe('sgc groups / group / encode', () => {
  test('groups lists every family with its example', () => {
    const r = sgc('groups');
    assert.equal(r.code, 0, r.stderr);
    for (const example of ['C10', 'D5', 'S4', 'A5', 'Q8', 'O', 'I', 'C3xD4'])
      assert.match(r.stdout, new RegExp(`\\b${example}\\b`));
    assert.match(r.stdout, /I\s+60\s+1 3 3 4 5/);
  });

  test('group O shows classes, irreps, characters and passing checks', () => {
    const r = sgc('group', 'O');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /O: order 24, 5 conjugacy classes/);
    assert.match(r.stdout, /3'\s+3\s+real\s+3/);
    assert.doesNotMatch(r.stdout, /FAIL/);
    assert.match(r.stdout, /Σ d² = 24 = \|G\| = 24/);
  });

  test('group --json is machine-readable', () => {
    const r = sgc('group', 'C3xQ8', '--json');
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout);
    assert.equal(data.order, 24);
    assert.equal(data.checks.ok, true);
    assert.deepEqual(
      data.irreps
        .filter((i: { type: string }) => i.type === 'quaternionic')
        .map((i: { label: string }) => i.label),
      ['trivial⊗4'],
    );
  });

  test('encode D3 --powers 0,30,3000 --json gives the template, powers and levels', () => {
    const r = sgc('encode', 'D3', '--powers', '0,30,3000', '--json');
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout);
    assert.ok(Math.abs(data.template[0] - 46.9574) < 1e-4);
    assert.deepEqual(
      data.plateauLevels.map((x: number) => +x.toFixed(9)),
      [505, 5, 0],
    );
    assert.deepEqual(data.predictedOrder, ['rot1', 'sign']);
  });

  test('encode C10 --onehot 0 --amplitude 1 prints the staircase', () => {
    const r = sgc('encode', 'C10', '--onehot', '0', '--amplitude', '1');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1\s+freq1\s+0\.2\s+0\.07/);
    assert.match(r.stdout, /5\s+sign\s+0\.1\s+0$/m);
  });

  test('an encoding outside the theory assumption warns on stderr', () => {
    const r = sgc('encode', 'D3', '--powers', '0,1,0');
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^warning: .*share their encoding/m);
  });

  test('theory prints the predicted plateaus and order; --agf adds the simulated activations', () => {
    const r = sgc('theory', 'D3', '--powers', '0,30,3000', '--k', '2');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /predicted plateaus: 505 → 5 → 0/);
    assert.match(r.stdout, /predicted order: rot1, sign/);
    const agf = sgc('theory', 'D3', '--powers', '0,30,3000', '--agf', '--width', '4', '--json');
    assert.equal(agf.code, 0, agf.stderr);
    const data = JSON.parse(agf.stdout);
    assert.equal(data.agf.events.length, 4);
    assert.equal(data.agf.events[0].irrep, 'rot1');
    assert.match(agf.stderr, /AGF activation 4\/4: τ .*, loss .*, rot1/, 'progress, one line per activation');
    const bad = sgc('theory', 'D3', '--k', '1');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--k 1: sequences have length ≥ 2/);
  });

  test('a group from a JSON file: Cayley table and generators', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgc-cli-'));
    writeFileSync(
      join(dir, 'v4.json'),
      JSON.stringify({
        name: 'V4',
        table: [
          [0, 1, 2, 3],
          [1, 0, 3, 2],
          [2, 3, 0, 1],
          [3, 2, 1, 0],
        ],
      }),
    );
    writeFileSync(
      join(dir, 's3.json'),
      JSON.stringify({
        generators: [
          [1, 0, 2],
          [1, 2, 0],
        ],
      }),
    );
    const v4 = sgc('group', join(dir, 'v4.json'));
    assert.equal(v4.code, 0, v4.stderr);
    assert.match(v4.stdout, /V4: order 4, abelian, 4 conjugacy classes/);
    const s3 = sgc('group', join(dir, 's3.json'), '--json');
    assert.equal(JSON.parse(s3.stdout).order, 6);
  });

  test('bad input: one clear line, exit code 2, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgc-cli-'));
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        table: [
          [0, 1],
          [1, 1],
        ],
      }),
    );
    writeFileSync(join(dir, 'broken.json'), '{"table": [[0,');
    const cases: [string[], RegExp][] = [
      [['group', 'X5'], /unknown group "X5"; accepted: Cn, Dn, Sn, An, Q8, O, I/],
      [['group', 'S9'], /S_n is built for 2 ≤ n ≤ 6/],
      [['group', 'C100xC100'], /order 10000 is above 4096/],
      [['group', join(dir, 'bad.json')], /no inverse: element 1/],
      [['group', join(dir, 'broken.json')], /not valid JSON/],
      [['group', join(dir, 'missing.json')], /no such file/],
      [['group'], /name a group/],
      [
        ['encode', 'D3', '--powers', '0,30'],
        /D3 has 3 irreps \(trivial, sign, rot1\) but 2 powers were given/,
      ],
      [['encode', 'D3', '--powers', '0,-30,3'], /powers must be finite and ≥ 0/],
      [['encode', 'D3', '--powers', '0,x,3'], /--powers: entry 2 \("x"\) is not a number/],
      [['encode', 'D3', '--onehot', '9'], /onehot index 9 is not an element of D3/],
      [
        ['encode', 'D3', '--onehot', '1', '--powers', '0,1,1'],
        /give one encoding, not --onehot and --powers/,
      ],
      [['encode', 'D3', '--bogus'], /^sgc encode: unknown option --bogus \(--onehot, [^\n]*\)\n$/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    // Started all at once: each process mostly waits on its own start-up, so they overlap.
    const results = await Promise.all(cases.map(([args]) => runSgc(args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = results[i];
      assert.equal(r.code, 2, `sgc ${args.join(' ')} exits 2 (stderr: ${r.stderr})`);
      assert.match(r.stderr, message, `sgc ${args.join(' ')}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `sgc ${args.join(' ')}: no stack trace`);
    }
  });
});
