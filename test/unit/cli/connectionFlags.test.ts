/**
 * The connection flags every connecting command takes (src/cli/connectionFlags.ts): defined once
 * in the command table, shown in each such command's help and in completion, overriding the
 * environment variables they stand for, and refusing contradictions and missing files in one line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { commandHelp, loadCommand } from '../../../src/cli/commandLine.js';
import { completionWords } from '../../../src/cli/commands/completion.js';
import { commands } from '../../../src/cli/commands/index.js';
import {
  applyConnectionFlags,
  connectionEnvironment,
  STORE_OPTIONS,
  TEMPORAL_OPTIONS,
} from '../../../src/cli/connectionFlags.js';
import { main } from '../../../src/cli/run.js';
import { InputError } from '../../../src/errors.js';
import { resolveTarget } from '../../../src/store/target.js';
import { resolveTemporal } from '../../../src/temporal/connection.js';

const dir = mkdtempSync(join(tmpdir(), 'sgc-connection-flags-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** The Temporal target and store a command sees with these flags over this environment. */
function seen(values: Record<string, string | boolean>, env: NodeJS.ProcessEnv) {
  const environment = { ...env };
  const restore = applyConnectionFlags(values, environment);
  const result = { temporal: resolveTemporal(environment), store: resolveTarget({ env: environment }) };
  restore();
  assert.deepEqual(environment, env, 'the environment is put back as it was');
  return result;
}

function refusal(values: Record<string, string | boolean>): string {
  try {
    connectionEnvironment(values);
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return error.message;
  }
  assert.fail(`${JSON.stringify(values)} was accepted`);
}

describe('connection flags override the environment', () => {
  const ca = file('ca.pem', 'FLAG-CA');
  const cert = file('client.pem', 'FLAG-CERT');
  const key = file('client.key', 'FLAG-KEY');
  const lab: NodeJS.ProcessEnv = {
    TEMPORAL_ADDRESS: 'env-host:7233',
    TEMPORAL_NAMESPACE: 'env-ns',
    TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'ENV-CA',
    TEMPORAL_API_KEY: 'env-key',
    DATABASE_URL: 'postgresql://env@env-db/results',
    SGC_HOME: dir,
  };

  test('no flags: the environment as it is', () => {
    const { temporal, store } = seen({}, lab);
    assert.equal(temporal.address, 'env-host:7233');
    assert.equal(temporal.namespace, 'env-ns');
    assert.equal(temporal.tls?.serverRootCACertificate?.toString(), 'ENV-CA');
    assert.equal(temporal.apiKey, 'env-key');
    assert.deepEqual(store, { kind: 'postgres', url: 'postgresql://env@env-db/results' });
  });

  test('each flag wins over its variable; a path flag replaces the variable’s _DATA form', () => {
    const { temporal, store } = seen(
      {
        address: 'flag-host:7233',
        namespace: 'flag-ns',
        'tls-ca-path': ca,
        'tls-server-name': 'temporal.lab',
        'tls-cert-path': cert,
        'tls-key-path': key,
        'api-key-file': file('api.key', 'flag-key\n'),
        'database-url': 'postgresql://flag@flag-db/results?sslmode=require',
      },
      lab,
    );
    assert.equal(temporal.address, 'flag-host:7233');
    assert.equal(temporal.namespace, 'flag-ns');
    assert.equal(temporal.tls?.serverRootCACertificate?.toString(), 'FLAG-CA');
    assert.equal(temporal.tls?.serverNameOverride, 'temporal.lab');
    assert.equal(temporal.tls?.clientCertPair?.crt.toString(), 'FLAG-CERT');
    assert.equal(temporal.tls?.clientCertPair?.key.toString(), 'FLAG-KEY');
    assert.equal(temporal.apiKey, 'flag-key', 'the file’s key, without its newline');
    assert.deepEqual(store, { kind: 'postgres', url: 'postgresql://flag@flag-db/results?sslmode=require' });
  });

  test('--no-tls turns off the TLS an API key would turn on; --tls turns it on alone', () => {
    const bare = { SGC_HOME: dir };
    assert.equal(seen({ 'no-tls': true }, { ...bare, TEMPORAL_API_KEY: 'k' }).temporal.tls, undefined);
    assert.deepEqual(seen({ tls: true }, bare).temporal.tls, {});
    assert.equal(seen({ 'api-key': 'on-the-line' }, bare).temporal.apiKey, 'on-the-line');
  });

  test('flags and variables that contradict each other are one line from the variables’ side', () => {
    const environment: NodeJS.ProcessEnv = { TEMPORAL_TLS_SERVER_NAME: 'x' };
    const restore = applyConnectionFlags({ 'no-tls': true }, environment);
    assert.throws(() => resolveTemporal(environment), /TEMPORAL_TLS=false \(--no-tls\), but/);
    restore();
  });

  test('contradictions among the flags and missing files are one line naming the flag', () => {
    const missing = join(dir, 'missing.pem');
    assert.equal(refusal({ 'tls-ca-path': missing }), `--tls-ca-path ${missing}: no such file`);
    assert.equal(refusal({ 'tls-ca-path': dir }), `--tls-ca-path ${dir}: not a file`);
    assert.match(refusal({ tls: true, 'no-tls': true }), /^--tls and --no-tls: give one/);
    assert.match(refusal({ 'no-tls': true, 'tls-ca-path': ca }), /^--no-tls, but --tls-ca-path asks for TLS/);
    assert.match(refusal({ 'tls-cert-path': cert }), /^--tls-cert-path needs --tls-key-path too/);
    assert.match(refusal({ 'tls-key-path': key }), /^--tls-key-path needs --tls-cert-path too/);
    assert.match(refusal({ 'api-key': 'k', 'api-key-file': key }), /^--api-key and --api-key-file: give one/);
    assert.match(refusal({ 'api-key-file': file('empty.key', '\n') }), /the file is empty/);
    assert.match(refusal({ address: '  ' }), /^--address needs a value/);
  });

  test('a malformed --database-url is refused without echoing it (it may hold a password)', () => {
    for (const url of ['not a url s3cret', 'mysql://u:s3cret@h/db']) {
      const message = refusal({ 'database-url': url });
      assert.match(message, /^--database-url is not a PostgreSQL URL/);
      assert.ok(!message.includes('s3cret'));
    }
  });
});

describe('one option set, in the command table', () => {
  const temporalFlags = Object.keys(TEMPORAL_OPTIONS);
  const storeFlags = Object.keys(STORE_OPTIONS);

  test('every command that connects takes and shows its set; the others take none', async () => {
    const completion = await completionWords();
    for (const entry of commands) {
      const command = await loadCommand(entry);
      const help = commandHelp(command);
      const words = completion.get(entry.name.join('/')) ?? [];
      const wanted = [
        ...(entry.connects?.includes('temporal') ? temporalFlags : []),
        ...(entry.connects?.includes('store') ? storeFlags : []),
      ];
      for (const flag of [...temporalFlags, ...storeFlags]) {
        const name = `sgc ${entry.name.join(' ')}`;
        const takes = wanted.includes(flag);
        assert.equal(flag in command.options, takes, `${name} --${flag}`);
        assert.equal(words.includes(`--${flag}`), takes, `${name}: completion of --${flag}`);
        assert.equal(new RegExp(`--${flag}\\b`).test(help), takes, `${name} --help: --${flag}`);
      }
    }
    for (const words of [['sweep', 'start'], ['sweep', 'list'], ['worker'], ['up'], ['run'], ['doctor']])
      assert.deepEqual(commands.find((c) => c.name.join(' ') === words.join(' '))?.connects, [
        'temporal',
        'store',
      ]);
    for (const words of [['results'], ['sql'], ['report'], ['db', 'migrate']])
      assert.deepEqual(commands.find((c) => c.name.join(' ') === words.join(' '))?.connects, ['store']);
  });

  test('the help warns that --api-key shows in ps', async () => {
    const help = commandHelp(await loadCommand(commands.find((c) => c.name[0] === 'worker')!));
    assert.match(help, /--api-key <key> .*see it in `ps`;\n.*prefer --api-key-file or TEMPORAL_API_KEY/);
  });

  test('through sgc itself: a bad flag is one line, exit 2, and leaves the environment alone', async () => {
    const before = { ...process.env };
    let stderr = '';
    const error = console.error;
    console.error = (...a: unknown[]) => void (stderr += `${a.join(' ')}\n`);
    try {
      const code = await main(['sweep', 'list', '--tls-ca-path', join(dir, 'nope.pem')]);
      assert.equal(code, 2);
      assert.equal(stderr, `sgc sweep list: --tls-ca-path ${join(dir, 'nope.pem')}: no such file\n`);
    } finally {
      console.error = error;
    }
    assert.deepEqual({ ...process.env }, before);
  });
});
