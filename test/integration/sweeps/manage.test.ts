/**
 * One spec per sweep name, and managing sweeps (delete, rename, archive, tags, notes), through the
 * real `sgc` command on a real Temporal dev server and a real PostgreSQL, with workers in this
 * process. Sweeps are tiny (C3, k = 2 or 3, two widths, a few hundred steps) so the file stays fast.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import type { Store } from '../../../src/store/index.js';
import { grantReader, READER_ROLE } from '../../../src/store/reader-role.js';
import { specHash } from '../../../src/sweep/specHash.js';
import { connectClient } from '../../../src/temporal/connection.js';
import { cancelSweep, extendSweep, isSweepRunning, startSweep } from '../../../src/temporal/sweeps.js';
import { type CliResult, runSgc } from '../../helpers/sgc.js';
import { openSweepBed, type SweepBed } from '../../helpers/sweepBed.js';
import { c3GridSpec } from '../../helpers/sweepRuns.js';
import { addNamespace, type TestTemporal, waitFor } from '../../helpers/temporal.js';

const TRAIN = { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, clip: 0.1, steps: 300 };

/** Two widths at once on C3: two short runs per k. */
const tiny = (name: string, over: Record<string, unknown> = {}) => c3GridSpec(name, [4, 8], TRAIN, over);

let bed: SweepBed;
let temporal: TestTemporal;
let readerUrl: string;
let store: Store;
let client: Client;
let dir: string;

const sgc = (args: string[], extra: Record<string, string> = {}) =>
  runSgc(args, bed.env(extra), undefined, dir);

const writeSpec = (spec: object) => bed.writeSpec(spec);

/** A refusal: exit 2, one line on stderr, nothing on stdout. */
function assertRefused(r: CliResult, pattern: RegExp) {
  assert.equal(r.code, 2, `exit code ${r.code}\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.equal(r.stdout, '');
}

async function sweepRow(name: string) {
  const [row] = await store.driver.query<{
    id: number;
    spec_hash: string | null;
    updated_at: Date;
    archived_at: Date | null;
    spec: { name: string };
  }>('SELECT id, spec_hash, updated_at, archived_at, spec FROM sweep WHERE name = $1', [name]);
  return row;
}

/** The runs a sweep's cells use: hash → attempt. */
async function runsOf(name: string): Promise<Map<string, number>> {
  const rows = await store.driver.query<{ config_hash: string; attempt: number }>(
    `SELECT DISTINCT r.config_hash, r.attempt FROM run r JOIN cell_run cr ON cr.run_id = r.id
       JOIN cell c ON c.id = cr.cell_id JOIN sweep s ON s.id = c.sweep_id WHERE s.name = $1`,
    [name],
  );
  return new Map(rows.map((r) => [r.config_hash, r.attempt]));
}

async function executions(name: string): Promise<number> {
  let n = 0;
  for await (const _ of client.workflow.list({ query: `WorkflowId = 'sweep/${name}'` })) n++;
  return n;
}

/** Counts of every table, to show a refusal changed nothing. */
async function tableCounts() {
  const [row] = await store.driver.query(
    `SELECT (SELECT count(*) FROM sweep)::int AS sweeps, (SELECT count(*) FROM cell)::int AS cells,
            (SELECT count(*) FROM run)::int AS runs, (SELECT count(*) FROM cell_run)::int AS links,
            (SELECT count(*) FROM run_metric)::int AS metrics, (SELECT max(updated_at) FROM sweep) AS updated`,
  );
  return row;
}

describe('one spec per sweep name, and managing sweeps', { timeout: 600_000 }, () => {
  before(async () => {
    // Its own PostgreSQL server: it creates the reader role, and roles belong to the whole cluster.
    bed = await openSweepBed('sgc-manage-', { ownPostgres: true });
    ({ temporal, store, client, dir } = bed);
    // sgc sql refuses a superuser DATABASE_URL: it reads as sgc_reader through SGC_READER_URL.
    await store.driver.exec(`CREATE ROLE ${READER_ROLE} LOGIN`);
    await grantReader(store.driver);
    const url = new URL(bed.databaseUrl);
    url.username = READER_ROLE;
    readerUrl = url.toString();
    await bed.startWorkers({ concurrency: 2 });
  });

  after(async () => {
    // A sweep left running by a failed test would keep the workers' shutdown waiting on its trainings.
    if (client)
      for await (const w of client.workflow.list({ query: `ExecutionStatus = 'Running'` }))
        await client.workflow
          .getHandle(w.workflowId)
          .cancel()
          .catch(() => undefined);
    await bed?.close();
  });

  test('a started sweep is in the store at once: results and SQL find it before any worker took it', async () => {
    // A namespace no worker polls: the sweep's workflow never runs, so only the start can have stored it.
    const idle = await addNamespace(temporal.address);
    const spec = tiny('fresh');
    const started = await sgc(['sweep', 'start', writeSpec(spec)], { TEMPORAL_NAMESPACE: idle });
    try {
      assert.equal(started.code, 0, started.stderr);
      const results = await sgc(['results', 'fresh']);
      assert.equal(results.code, 0, results.stderr);
      assert.match(results.stdout, /Sweep "fresh" has no cells yet/);
      const [row] = await store.driver.query<{ status: string; spec_hash: string }>(
        'SELECT status::text, spec_hash FROM sweep WHERE name = $1',
        ['fresh'],
      );
      assert.deepEqual(row, { status: 'pending', spec_hash: specHash(spec) });
      // The spec stored at the start is the one the name rule compares with.
      assertRefused(
        await sgc(['sweep', 'start', writeSpec(tiny('fresh', { k: [3] }))], { TEMPORAL_NAMESPACE: idle }),
        /sweep fresh holds another spec/,
      );
    } finally {
      const other = await connectClient({ address: temporal.address, namespace: idle });
      await other.workflow
        .getHandle('sweep/fresh')
        .terminate('test over')
        .catch(() => undefined);
      await other.connection.close();
    }
  });

  test('a changed spec is refused with its differences; the same spec restarts from the cache; --replace archives the old sweep', async () => {
    const spec = tiny('rule');
    const first = await sgc(['sweep', 'start', writeSpec(spec), '--wait']);
    assert.equal(first.code, 0, first.stderr);
    const stored = await sweepRow('rule');
    assert.equal(stored.spec_hash, specHash(spec), 'the spec hash is stored with the sweep');
    const runs = await runsOf('rule');
    assert.equal(runs.size, 2);

    const changed = tiny('rule', { groups: ['C3', 'C4'], k: [3], train: { ...TRAIN, steps: 400 } });
    const counts = await tableCounts();
    const refused = await sgc(['sweep', 'start', writeSpec(changed)]);
    assertRefused(
      refused,
      /^sgc sweep start: sweep rule holds another spec \(groups: \+C4; k: -2 \+3; train\.steps: 300 → 400\)/,
    );
    assert.match(refused.stderr, /sgc sweep extend rule/);
    assert.match(refused.stderr, /another name/);
    assert.match(refused.stderr, /--replace/);
    assert.equal(await executions('rule'), 1, 'nothing sent to Temporal');
    assert.deepEqual(await tableCounts(), counts, 'nothing stored');
    assert.deepEqual(await sweepRow('rule'), stored);

    // The same spec, written otherwise (keys reordered, defaults written out): a restart whose runs
    // all come from the store.
    const rewritten = {
      train: { ...TRAIN, stopOnSuccess: true },
      width: { seeds: 1, succeed: 1, values: [8, 4] },
      powersMismatch: 'error',
      models: [{ kind: 'mlp' }],
      k: [2],
      encodings: spec.encodings,
      groups: spec.groups,
      name: 'rule',
    };
    const again = await sgc(['sweep', 'start', writeSpec(rewritten), '--wait']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await executions('rule'), 2);
    assert.deepEqual(await runsOf('rule'), runs, 'no run trained again (attempts unchanged)');
    assert.equal((await sweepRow('rule')).spec_hash, stored.spec_hash);

    const replaced = await sgc(['sweep', 'start', writeSpec(changed), '--wait', '--replace']);
    assert.equal(replaced.code, 0, replaced.stderr);
    const archivedAs = replaced.stderr.match(/archived the stored sweep rule as (rule@\d{8}T\d{6}Z)/)?.[1];
    assert.ok(archivedAs, replaced.stderr);
    const old = await sweepRow(archivedAs);
    assert.equal(old.id, stored.id, 'the old sweep, renamed');
    assert.notEqual(old.archived_at, null, 'and archived');
    assert.equal(old.spec.name, archivedAs);
    assert.deepEqual(await runsOf(archivedAs), runs, 'its runs stay, queryable under its new name');
    const now = await sweepRow('rule');
    assert.notEqual(now.id, stored.id);
    assert.equal(now.spec_hash, specHash(changed));
    assert.equal(now.archived_at, null);
    // The archived sweep is out of `sgc results` unless --all (or asked for by name).
    const results = await sgc(['results', '--csv']);
    assert.equal(results.code, 0, results.stderr);
    assert.doesNotMatch(results.stdout, /rule@/);
    assert.match(results.stdout, /^rule,C4,/m);
    const all = await sgc(['results', '--csv', '--all']);
    assert.match(all.stdout, new RegExp(`^${archivedAs},C3,`, 'm'));
    const byName = await sgc(['results', archivedAs, '--csv']);
    assert.match(byName.stdout, new RegExp(`^${archivedAs},C3,`, 'm'));
  });

  test('while a sweep runs, delete and rename are refused; an extended spec becomes the stored one', async () => {
    const spec = tiny('busy', { train: { ...TRAIN, steps: 2_000_000, stopOnSuccess: false } });
    await startSweep(client, spec);
    try {
      await waitFor('the busy sweep to be registered', async () => (await sweepRow('busy'))?.spec_hash);
      const { added } = await extendSweep(client, 'busy', { k: [3] });
      assert.equal(added.length, 1);
      const extended = { ...spec, k: [2, 3] };
      assert.equal((await sweepRow('busy')).spec_hash, specHash(extended), 'the extended spec is stored');
      // The running sweep registers runs meanwhile: what must not change is the sweeps themselves.
      const sweeps = () =>
        store.driver.query('SELECT id, name, spec_hash, archived_at, tags, note FROM sweep ORDER BY id');
      const before = await sweeps();
      assertRefused(await sgc(['sweep', 'delete', 'busy', '--yes']), /sweep busy is running: stop it first/);
      assertRefused(await sgc(['sweep', 'rename', 'busy', 'idle']), /sweep busy is running: stop it first/);
      assertRefused(
        await sgc(['sweep', 'start', writeSpec({ ...spec, k: [2, 4] }), '--replace']),
        /sweep busy is running: stop it first/,
      );
      assert.deepEqual(await sweeps(), before, 'nothing changed');
    } finally {
      await cancelSweep(client, 'busy');
    }
    await waitFor('the busy sweep to end', async () => !(await isSweepRunning(client, 'busy')));
    await waitFor('its cells to close', async () => {
      for await (const _ of client.workflow.list({
        query: `WorkflowType = 'CellWorkflow' AND ExecutionStatus = 'Running'`,
      }))
        return false;
      return true;
    });
    // The file as it was before the extension is now another spec than the stored one.
    assertRefused(await sgc(['sweep', 'start', writeSpec(spec)]), /sweep busy holds another spec \(k: -3\)/);
    const deleted = await sgc(['sweep', 'delete', 'busy', '--yes']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(await sweepRow('busy'), undefined);
  });

  test('delete removes the sweep, its cells and the runs only it used with their rows and checkpoints; shared runs stay', async () => {
    const a = tiny('del-a', { k: [2, 3] });
    const b = tiny('del-b');
    for (const spec of [a, b]) {
      const r = await sgc(['sweep', 'start', writeSpec(spec), '--wait']);
      assert.equal(r.code, 0, r.stderr);
    }
    const runsA = await runsOf('del-a');
    const shared = [...(await runsOf('del-b')).keys()];
    const own = [...runsA.keys()].filter((h) => !shared.includes(h));
    assert.equal(shared.length, 2, 'del-b uses the k = 2 runs of del-a');
    assert.equal(own.length, 2);
    // Checkpoint files: in SGC_CHECKPOINT_DIR, and at a path a run recorded.
    const checkpoints = join(dir, 'ckpt');
    const recorded = join(dir, 'recorded');
    mkdirSync(checkpoints, { recursive: true });
    mkdirSync(recorded, { recursive: true });
    // A run's folder (what workers write now), a legacy file, and a folder elsewhere that the run recorded.
    const files = {
      own: join(checkpoints, own[0], 'checkpoint.bin'),
      ownLegacy: join(checkpoints, `${own[1]}.json`),
      ownRecorded: join(recorded, own[1], 'checkpoint.bin'),
      shared: join(checkpoints, shared[0], 'checkpoint.bin'),
    };
    for (const file of Object.values(files)) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '{}');
    }
    await store.driver.query('UPDATE run SET checkpoint = $2 WHERE config_hash = $1', [
      own[1],
      files.ownRecorded,
    ]);

    const counts = await tableCounts();
    // Not a terminal (the test's stdin is a pipe): refused without --yes, saying what it would delete.
    assertRefused(
      await sgc(['sweep', 'delete', 'del-a']),
      /would delete sweep del-a: 2 cell\(s\) and 2 run\(s\) \(2 run\(s\) another sweep uses are kept\): add --yes/,
    );
    assertRefused(await sgc(['sweep', 'delete', 'nope', '--yes']), /no sweep named "nope"/);
    assert.deepEqual(await tableCounts(), counts, 'nothing changed');

    const deleted = await sgc(['sweep', 'delete', 'del-a', '--yes'], { SGC_CHECKPOINT_DIR: checkpoints });
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(
      deleted.stderr,
      /deleted sweep del-a: 2 cell\(s\), 2 run\(s\), 3 checkpoint file\(s\); kept 2 run\(s\)/,
    );
    assert.equal(await sweepRow('del-a'), undefined);
    const [left] = await store.driver.query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM cell c WHERE NOT EXISTS (SELECT 1 FROM sweep s WHERE s.id = c.sweep_id))::int AS cells,
              (SELECT count(*) FROM run WHERE config_hash = ANY($1::text[]))::int AS runs,
              (SELECT count(*) FROM run r WHERE NOT EXISTS (SELECT 1 FROM cell_run cr WHERE cr.run_id = r.id))::int AS orphans,
              (SELECT count(*) FROM run_metric m WHERE NOT EXISTS (SELECT 1 FROM run r WHERE r.id = m.run_id))::int AS metrics`,
      [own],
    );
    assert.deepEqual(left, { cells: 0, runs: 0, orphans: 0, metrics: 0 });
    assert.deepEqual([...(await runsOf('del-b')).keys()].sort(), [...shared].sort(), 'shared runs kept');
    const [kept] = await store.driver.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM run_metric m JOIN run r ON r.id = m.run_id WHERE r.config_hash = ANY($1::text[])`,
      [shared],
    );
    assert.ok(kept.n > 0, 'with their metrics');
    assert.equal(existsSync(dirname(files.own)), false, "the run's checkpoint folder is gone");
    assert.equal(existsSync(files.ownLegacy), false);
    assert.equal(existsSync(dirname(files.ownRecorded)), false);
    assert.equal(existsSync(recorded), true, 'only the folder named after the run');
    assert.equal(existsSync(files.shared), true, "a shared run's checkpoint stays");
  });

  test('rename, archive, tags and notes: refused on bad input, visible in list, results and SQL', async () => {
    const r = await sgc(['sweep', 'start', writeSpec(tiny('mine')), '--wait']);
    assert.equal(r.code, 0, r.stderr);
    await sgc(['sweep', 'start', writeSpec(tiny('other')), '--wait']);
    const counts = await tableCounts();
    assertRefused(await sgc(['sweep', 'rename', 'mine', 'other']), /a sweep named "other" exists already/);
    assertRefused(await sgc(['sweep', 'rename', 'mine', 'bad name']), /new name "bad name": use letters/);
    assertRefused(await sgc(['sweep', 'rename', 'ghost', 'ghost2']), /no sweep named "ghost"/);
    assertRefused(await sgc(['sweep', 'tag', 'mine', 'no-equals']), /tag "no-equals": write key=value/);
    assertRefused(await sgc(['sweep', 'tag', 'ghost', 'a=b']), /no sweep named "ghost"/);
    assertRefused(await sgc(['sweep', 'archive']), /give one sweep name/);
    assertRefused(await sgc(['sweep', 'note', 'mine', 'a', 'b']), /give a sweep name and the note/);
    assert.deepEqual(await tableCounts(), counts, 'nothing changed');

    const renamed = await sgc(['sweep', 'rename', 'mine', 'yours']);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.equal(await sweepRow('mine'), undefined);
    assert.equal((await sweepRow('yours')).spec.name, 'yours');
    const results = await sgc(['results', 'yours', '--csv']);
    assert.equal(results.code, 0, results.stderr);
    assert.match(results.stdout, /^yours,C3,onehot,mlp,/m);

    const listed = async (...flags: string[]) => {
      const l = await sgc(['sweep', 'list', ...flags]);
      assert.equal(l.code, 0, l.stderr);
      return l.stdout;
    };
    assert.match(await listed(), /^yours\s/m);
    assert.doesNotMatch(await listed(), /^mine\s/m, 'the old name is gone from the list');
    const archived = await sgc(['sweep', 'archive', 'yours']);
    assert.equal(archived.code, 0, archived.stderr);
    assert.doesNotMatch(await listed(), /^yours\s/m);
    assert.match(await listed('--all'), /^yours\s.*\syes\s*$/m);
    assert.doesNotMatch((await sgc(['results', '--csv'])).stdout, /^yours,/m);
    assert.match((await sgc(['results', '--csv', '--all'])).stdout, /^yours,/m);
    assert.equal((await sgc(['sweep', 'unarchive', 'yours'])).code, 0);
    assert.match(await listed(), /^yours\s/m);

    const tagged = await sgc(['sweep', 'tag', 'yours', 'lab=x', 'owner=me', 'note=with spaces']);
    assert.equal(tagged.code, 0, tagged.stderr);
    assert.equal(tagged.stdout.trim(), 'lab=x note=with spaces owner=me');
    const untagged = await sgc(['sweep', 'tag', 'yours', 'owner=']);
    assert.equal(untagged.stdout.trim(), 'lab=x note=with spaces');
    assert.match(await listed(), /^yours\s.*lab=x note=with spaces/m);
    assert.equal((await sgc(['sweep', 'note', 'yours', 'the first try, with the old lr'])).code, 0);
    assert.equal((await sgc(['sweep', 'note', 'yours'])).stdout, 'the first try, with the old lr\n');

    const sql = await sgc(
      ['sql', '--csv', "SELECT name, note, tags->>'lab' AS lab FROM sweep WHERE tags->>'lab' = 'x'"],
      { SGC_READER_URL: readerUrl },
    );
    assert.equal(sql.code, 0, sql.stderr);
    assert.equal(
      sql.stdout.replace(/\r\n/g, '\n').trim(),
      'name,note,lab\nyours,"the first try, with the old lr",x',
    );
    assert.equal((await sgc(['sweep', 'note', 'yours', ''])).code, 0);
    const [cleared] = await store.driver.query<{ note: string | null }>(
      "SELECT note FROM sweep WHERE name = 'yours'",
    );
    assert.equal(cleared.note, null);
  });

  test('every sweep management command answers --help', async () => {
    for (const word of ['delete', 'rename', 'archive', 'unarchive', 'tag', 'note', 'list', 'start']) {
      const r = await runSgc(['sweep', word, '--help']);
      assert.equal(r.code, 0, `${word}: ${r.stderr}`);
      assert.match(r.stdout + r.stderr, new RegExp(`usage: sgc sweep ${word}`));
    }
  });
});
