/**
 * The one-command path a new user takes: `sgc run <spec>` in an empty folder brings up the embedded
 * stack (Temporal dev server, embedded PostgreSQL store, worker), runs the sweep and prints H* per cell; running
 * it again is all cache hits, and Ctrl-C ends it with one line. `sgc up` serves the same stack to
 * other commands until interrupted.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { freePort, waitForPort } from '../../../src/net.js';
import { isAlive } from '../../../src/processes.js';
import { DEFAULT_TEMPORAL_ADDRESS } from '../../../src/temporal/connection.js';
import { type DevServer, startDevServer } from '../../../src/temporal/devServer.js';
import { sgcBin } from '../../helpers/sgc.js';
import { waitFor } from '../../helpers/temporal.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `sgc …` run in `cwd`, as a user in that folder would, without any server settings. */
function sgcIn(cwd: string, args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env['DATABASE_URL'];
    delete env['TEMPORAL_ADDRESS'];
    const child = spawn(process.execPath, [sgcBin, ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function startUp(cwd: string, args: string[]) {
  const env = { ...process.env };
  delete env['DATABASE_URL'];
  delete env['TEMPORAL_ADDRESS'];
  const child = spawn(process.execPath, [sgcBin, 'up', ...args], { cwd, env });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  child.stdout.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, log: () => log, exited };
}

/** Waits for `sgc up`'s ready line; if it exits first, fails with what it printed. */
function untilReady(up: ReturnType<typeof startUp>, what = 'sgc up to be ready') {
  return waitFor(
    what,
    () => {
      if (up.child.exitCode !== null)
        throw new Error(`sgc up exited with ${up.child.exitCode}:\n${up.log()}`);
      return up.log().includes('ready:');
    },
    120_000,
  );
}

const spec = {
  name: 'stack-tiny',
  groups: ['C3'],
  encodings: [{ kind: 'onehot' }],
  k: [2],
  models: ['mlp'],
  width: { search: { start: 2, max: 32 }, seeds: 1 },
  train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: 2500, clip: 0.1 },
};

describe('sgc run and sgc up on the embedded stack', { timeout: 900_000 }, () => {
  let dir: string;
  /** A Temporal server on the default port that belongs to someone else (when the port was free). */
  let foreign: DevServer | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sgc-stack-'));
    chmodSync(dir, 0o755); // as root, the embedded PostgreSQL runs as the postgres user
    writeFileSync(join(dir, 'spec.yaml'), stringify(spec));
    const defaultPort = Number(DEFAULT_TEMPORAL_ADDRESS.split(':')[1]);
    if (!(await waitForPort('127.0.0.1', defaultPort, 1)))
      foreign = await startDevServer({ port: defaultPort, uiPort: null, startTimeoutMs: 90_000 });
  });
  after(async () => {
    await foreign?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('sgc run: stack up, sweep run, H* printed; results in the store; a second run is all cache hits', async () => {
    const first = await sgcIn(dir, ['run', 'spec.yaml', '--metrics-port', '0']);
    assert.equal(first.code, 0, first.stderr);
    // A server answering on the default port is not this folder's: its worker would take that
    // server's tasks into this folder's store. The stack starts its own.
    const own = /started Temporal dev server at (\S+)/.exec(first.stderr);
    assert.ok(own, first.stderr);
    assert.notEqual(own[1], DEFAULT_TEMPORAL_ADDRESS);
    // The H* table: sweep, group, encoding, model, then H* for k = 2.
    const row = first.stdout.split('\n').find((l) => l.trim().split(/\s+/)[1] === 'C3');
    assert.ok(row, first.stdout);
    const hStar = Number(row.trim().split(/\s+/)[4]);
    assert.ok(Number.isInteger(hStar) && hStar >= 2 && hStar <= 32, row);
    assert.ok(existsSync(join(dir, '.sgc', 'temporal.db')), 'the dev server keeps its state in .sgc/');

    const stored = await sgcIn(dir, [
      'sql',
      `SELECT min_width FROM min_width_by_k WHERE sweep = 'stack-tiny'`,
    ]);
    assert.equal(stored.code, 0, stored.stderr);
    assert.match(stored.stdout, new RegExp(`\\b${hStar}\\b`));

    const second = await sgcIn(dir, ['run', 'spec.yaml', '--metrics-port', '0']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /runs (\d+) done \(\1 cached\)/, 'every run a cache hit');
    assert.ok(second.stdout.includes(row), `the same table:\n${second.stdout}`);
  });

  test('sgc up serves the stack: sweep list, sql and sgc run from other processes; a second sgc up is refused; Ctrl-C stops it', async () => {
    const metricsPort = await freePort();
    const up = startUp(dir, ['--metrics-port', String(metricsPort)]);
    try {
      await untilReady(up);
      const list = await sgcIn(dir, ['sweep', 'list']);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /stack-tiny\s+done/);
      const sql = await sgcIn(dir, ['sql', 'SELECT count(*) AS n FROM sweep']);
      assert.equal(sql.code, 0, `the store is reachable beside sgc up: ${sql.stderr}`);

      // sgc run with the same metrics port: it uses the running stack, so it starts no second
      // Temporal server, store or metrics endpoint (which would fail on that port).
      const run = await sgcIn(dir, ['run', 'spec.yaml', '--metrics-port', String(metricsPort)]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /using the stack already running here: sgc up \(pid \d+/);
      assert.doesNotMatch(run.stderr, /started Temporal dev server/);
      assert.match(run.stdout, /^\S+ +C3 /m, 'the H* table, a row for C3 after its sweep column');

      const second = await sgcIn(dir, ['up', '--metrics-port', '0']);
      assert.equal(second.code, 2, second.stderr);
      assert.match(
        second.stderr.trim(),
        /^sgc up: a stack is already running in .*\.sgc: sgc up \(pid \d+, since .*\), Temporal at 127\.0\.0\.1:\d+, results store on 127\.0\.0\.1:\d+, metrics at http:\/\/127\.0\.0\.1:\d+\/metrics\. Stop it first/,
      );
      assert.equal(second.stderr.trim().split('\n').length, 1);
    } finally {
      up.child.kill('SIGINT');
    }
    assert.equal(await up.exited, 0, up.log());
    assert.match(up.log(), /SIGINT: stopping/);
    assert.equal(existsSync(join(dir, '.sgc', 'stack.json')), false, 'the stack record goes with its stack');
  });

  test('no stack here: sweep commands say so in one line, never using the server on the default port', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sgc-nostack-'));
    try {
      const list = await sgcIn(empty, ['sweep', 'list']);
      assert.equal(list.code, 2, list.stderr);
      assert.match(
        list.stderr.trim(),
        /^sgc sweep list: no Temporal server for this folder: start the stack with `sgc up`/,
      );
      assert.deepEqual(readdirSync(empty), [], 'nothing created');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('two sgc up at once: one runs, the other exits 2; a Temporal server left by a killed sgc up is stopped, never doubled', async () => {
    const a = startUp(dir, ['--metrics-port', '0', '--concurrency', '0']);
    const b = startUp(dir, ['--metrics-port', '0', '--concurrency', '0']);
    const first = await Promise.race([
      a.exited.then((code) => ({ loser: a, winner: b, code })),
      b.exited.then((code) => ({ loser: b, winner: a, code })),
    ]);
    assert.equal(first.code, 2, first.loser.log());
    assert.match(first.loser.log(), /a stack is already running in /);
    const { winner } = first;
    await untilReady(winner, 'the other sgc up to be ready');
    const record = JSON.parse(readFileSync(join(dir, '.sgc', 'stack.json'), 'utf8')) as {
      temporalPid: number;
    };
    assert.ok(record.temporalPid > 0);
    // SIGKILL of sgc up alone: its Temporal dev server (a child) is left running on .sgc/temporal.db.
    winner.child.kill('SIGKILL');
    await winner.exited;
    assert.ok(isAlive(record.temporalPid), 'the orphaned dev server runs on');
    const again = startUp(dir, ['--metrics-port', '0', '--concurrency', '0']);
    try {
      await untilReady(again, 'sgc up to be ready again');
      assert.match(again.log(), /stopping the Temporal dev server \(pid \d+\) left running by sgc up/);
      assert.equal(isAlive(record.temporalPid), false, 'the orphan was stopped, not doubled');
      const list = await sgcIn(dir, ['sweep', 'list']);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /stack-tiny\s+done/, 'the same Temporal state, on the new server');
    } finally {
      again.child.kill('SIGINT');
    }
    assert.equal(await again.exited, 0, again.log());
  });

  test('sgc run: Ctrl-C stops the stack and ends with one line, exit 130', async () => {
    writeFileSync(
      join(dir, 'long.yaml'),
      stringify({ ...spec, name: 'stack-long', train: { ...spec.train, steps: 10_000_000 } }),
    );
    const env = { ...process.env };
    delete env['DATABASE_URL'];
    delete env['TEMPORAL_ADDRESS'];
    const run = spawn(process.execPath, [sgcBin, 'run', 'long.yaml', '--metrics-port', '0'], {
      cwd: dir,
      env,
    });
    let log = '';
    run.stderr.on('data', (d) => (log += d));
    const exited = new Promise<number | null>((resolve) => run.on('close', resolve));
    try {
      await waitFor(
        'the sweep to start training',
        () => /runs \d+ done.*[1-9]\d* training/.test(log),
        120_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; sgc run printed:\n${log}`);
      });
    } finally {
      run.kill('SIGINT');
    }
    assert.equal(await exited, 130, log);
    assert.match(log, /sgc run: SIGINT: stopped; the runs of sweep stack-long that ended are stored/);
    assert.doesNotMatch(log, /ServiceError|\n\s+at /, 'no stack trace');
  });
});
