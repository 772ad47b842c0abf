/**
 * The command line as a user meets it, in real processes (bin/sgc.js): a sample of commands and
 * groups answer --help with their options and an example; an unknown option is one line and exit 2;
 * --json prints JSON; --version names what computed the results; output into a closed pipe ends
 * quietly. The table of every command's help is checked in-process by test/unit/cli.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { sgc, sgcBin } from '../helpers/sgc.js';

describe('sgc in a real process', () => {
  for (const [args, options] of [
    [
      ['sweep', 'list'],
      ['--all', '--json'],
    ],
    [['sql'], ['--json', '--csv', '--file', '--timeout']],
    [['train'], ['--out', '--resume', '--engine', '--memory-budget']],
    [['groups'], ['--json']],
  ] as const)
    test(`sgc ${args.join(' ')} --help lists its options and an example`, () => {
      const r = sgc(...args, '--help');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^usage: sgc ${args.join(' ')}`, 'i'));
      for (const option of options) assert.match(r.stdout, new RegExp(`${option}\\b`));
      assert.match(r.stdout, new RegExp(`\\nExamples:\\n {2}sgc ${args.join(' ')}`));
    });

  for (const group of ['sweep', 'db', 'dashboards'])
    test(`sgc ${group} --help lists the group's commands`, () => {
      const r = sgc(group, '--help');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^usage: sgc ${group} <command>`));
      assert.match(r.stdout, new RegExp(`\\n {2}sgc ${group} \\w+ +\\w`));
    });

  test('an unknown option is one line and exit 2, for a command that has options and one that has none', () => {
    for (const args of [
      ['sweep', 'list', '--bogus'],
      ['groups', '--bogus'],
      ['sweep', 'watch', 'x', '--bogus'],
    ]) {
      const r = sgc(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^sgc [a-z ]+: unknown option --bogus \([^\n]*see `sgc [a-z ]+ --help`\)\n$/);
    }
  });

  test('--json prints JSON', () => {
    for (const args of [
      ['groups', '--json'],
      ['group', 'D3', '--json'],
      ['--version', '--json'],
    ]) {
      const r = sgc(...args);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotThrow(() => JSON.parse(r.stdout), `${args.join(' ')} printed ${r.stdout.slice(0, 200)}`);
    }
    const groups = JSON.parse(sgc('groups', '--json').stdout) as { example: string; order: number }[];
    assert.ok(groups.length > 5 && groups.every((g) => g.example.length > 0 && Number.isInteger(g.order)));
  });

  test('sgc --version: sgc, the results version, the engine libraries', () => {
    const r = sgc('--version');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^sgc \d+\.\d+\.\d+\nresults version \d+\n/);
    assert.match(r.stdout, /onnxruntime-node +\d/);
  });

  test('output into a closed pipe ends quietly: no EPIPE trace, exit 0', () => {
    // head exits after one line; sgc's later writes then fail with EPIPE.
    const r = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${sgcBin}" group S4 | head -1; echo "status \${PIPESTATUS[0]}" >&2`],
      { encoding: 'utf8' },
    );
    assert.equal(r.stdout, 'S4: order 24, 5 conjugacy classes\n');
    assert.equal(r.stderr, 'status 0\n');
  });
});
