/**
 * The one piece of code every sgc command goes through (src/cli/commandLine.ts, src/cli/run.ts):
 * each command's help lists every option it takes and an example; an unknown option, a missing
 * value or a value given to a flag is one line naming the problem; groups answer --help.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { defineCommand } from '../../../src/cli/command.js';
import {
  commandGroups,
  commandHelp,
  groupHelp,
  loadCommand,
  parseCommandLine,
  seeHelp,
  wantsHelp,
} from '../../../src/cli/commandLine.js';
import { bashScript, completionWords } from '../../../src/cli/commands/completion.js';
import { commands } from '../../../src/cli/commands/index.js';
import { main } from '../../../src/cli/run.js';
import { InputError } from '../../../src/errors.js';

/** Runs `sgc …args` in this process, capturing what it prints. */
async function sgc(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void (stdout += `${a.join(' ')}\n`);
  console.error = (...a: unknown[]) => void (stderr += `${a.join(' ')}\n`);
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('every command’s help', () => {
  for (const entry of commands) {
    const words = entry.name.join(' ');
    test(`sgc ${words}: usage, every option, an example`, async () => {
      const command = await loadCommand(entry);
      const help = commandHelp(command);
      assert.match(help, new RegExp(`^usage: sgc ${words}\\b`, 'i'));
      for (const option of Object.keys(command.options))
        assert.match(help, new RegExp(`--${option}\\b`), `sgc ${words} --help does not list --${option}`);
      assert.ok(command.examples.length > 0, `sgc ${words} has no example`);
      for (const example of command.examples)
        assert.match(
          example,
          new RegExp(`^([A-Z_]+=\\S+ )*sgc ${words}\\b`),
          `an example of another command: ${example}`,
        );
      assert.match(help, /\nExamples:\n {2}sgc|\nExamples:\n {2}[A-Z_]+=/);
      // The examples are the help's only ones: no second, hand-written list in the usage text.
      assert.equal(help.match(/^Examples?:/gm)?.length, 1, `sgc ${words}: two example sections`);
    });
  }
});

describe('parsing a command line', () => {
  const command = defineCommand({
    usage: 'usage: sgc demo [--json] [--out <dir>]',
    options: { json: { type: 'boolean' }, out: { type: 'string' } },
    examples: ['sgc demo --json'],
    run: () => 0,
  });
  const refusal = (args: string[]): string => {
    try {
      parseCommandLine(command, ['demo'], args);
    } catch (error) {
      assert.ok(error instanceof InputError, String(error));
      assert.doesNotMatch(error.message, /\n/, 'one line');
      return error.message;
    }
    assert.fail(`${args.join(' ')} was accepted`);
  };

  test('options and positionals come back typed', () => {
    const { values, positionals } = parseCommandLine(command, ['demo'], ['x', '--json', '--out', 'd']);
    assert.deepEqual({ ...values }, { json: true, out: 'd' });
    assert.deepEqual(positionals, ['x']);
  });

  test('an unknown option is one line that names it and the options there are', () => {
    assert.equal(refusal(['--jsn']), 'unknown option --jsn (--json, --out; see `sgc demo --help`)');
    assert.equal(refusal(['-x']), 'unknown option -x (--json, --out; see `sgc demo --help`)');
  });

  test('a missing value and a value given to a flag are one line each', () => {
    assert.equal(refusal(['--out']), '--out needs a value (see `sgc demo --help`)');
    assert.equal(refusal(['--json=yes']), '--json is a flag and takes no value (see `sgc demo --help`)');
  });

  test('--help is asked for before a --, not after it', () => {
    assert.equal(wantsHelp(['x', '-h']), true);
    assert.equal(wantsHelp(['--', '--help']), false);
    assert.equal(seeHelp('usage: sgc sweep start <spec.yaml>'), 'see `sgc sweep start --help`');
  });
});

describe('sgc, its groups and its commands answer --help; unknown words are one line', () => {
  test('the groups are gpu, sweep, db and dashboards, and each lists its commands', () => {
    assert.deepEqual(new Set(commandGroups(commands)), new Set(['gpu', 'sweep', 'db', 'dashboards']));
    const help = groupHelp(commands, 'db');
    assert.match(help, /^usage: sgc db <command>/);
    assert.match(help, /sgc db migrate .*\n.*sgc db serve /);
  });

  for (const args of [['sweep', '--help'], ['db', '-h'], ['dashboards', '--help'], ['sweep']])
    test(`sgc ${args.join(' ')}`, async () => {
      const r = await sgc(...args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^usage: sgc ${args[0]} <command>`));
    });

  test('sgc train --help lists the run keys and the true run folder', async () => {
    const r = await sgc('train', '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /runs\/<name>-<timestamp>/);
    for (const key of [
      'name',
      'group',
      'encoding',
      'k',
      'order',
      'model',
      'train',
      'data',
      'evaluation',
      'engine',
    ])
      assert.match(r.stdout, new RegExp(`\\n {2}${key}\\b`), `the run key ${key}`);
  });

  test('unknown commands, subcommands and options are one line, exit 2', async () => {
    for (const [args, message] of [
      [['frobnicate'], /^sgc: unknown command "frobnicate" \(see `sgc --help`\)\n$/],
      [['sweep', 'bogus'], /^sgc sweep: unknown command "bogus" \(one of check, start, .*\)\n$/],
      [
        ['groups', '--json', '--bogus'],
        /^sgc groups: unknown option --bogus \(--json; see `sgc groups --help`\)\n$/,
      ],
      [['--bogus'], /^sgc: unknown option --bogus/],
    ] as const) {
      const r = await sgc(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  });

  test('sgc --version names sgc, the results version and the engine libraries', async () => {
    const r = await sgc('--version');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^sgc \d+\.\d+\.\d+\nresults version \d+\nnode /);
    assert.match(r.stdout, /onnxruntime-node {2,}\d/);
    assert.match(r.stdout, /@tensorflow\/tfjs-core {2,}\d/);
  });
});

describe('shell completion', () => {
  /** What bash offers after `sgc …words` (the last word being completed), from the script sourced in bash. */
  function complete(script: string, ...words: string[]): string[] {
    const line = ['sgc', ...words].map((w) => `'${w}'`).join(' ');
    const r = spawnSync(
      'bash',
      [
        '-c',
        `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=${words.length}; _sgc; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    return r.stdout.split('\n').filter(Boolean);
  }

  test('bash: commands, a group’s commands, a command’s options, past its positionals', async () => {
    const script = bashScript(await completionWords());
    assert.deepEqual(complete(script, 'gr'), ['groups', 'group']);
    assert.deepEqual(complete(script, 'sweep', 'st'), ['start', 'status', 'stop']);
    assert.deepEqual(complete(script, 'sweep', 'start', 'spec.yaml', '--w'), ['--wait', '--window']);
    assert.deepEqual(complete(script, 'sql', '--'), [
      '--json',
      '--csv',
      '--file',
      '--timeout',
      '--database-url',
      '--help',
    ]);
    assert.deepEqual(complete(script, 'sweep', 'list', '--tls-c'), ['--tls-ca-path', '--tls-cert-path']);
    assert.deepEqual(complete(script, 'db', ''), ['migrate', 'serve', '--help']);
    assert.deepEqual(complete(script, '--v'), ['--version']);
  });
});
