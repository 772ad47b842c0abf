/**
 * Bad sweep specs through the real command line: 1,000 seeded mutations of the example specs
 * (test/helpers/specMutations.ts), written as YAML files and run through `sgc sweep check`. Every
 * invalid one exits 2 with one line naming the field (or the file's line and column), nothing ever
 * escapes `main`, and every valid one exits 0.
 *
 * The 1,000 run in-process through `main` from src/cli/run.ts, the same function bin/sgc.js runs
 * (a process per spec would take ~0.7 s each). A sample also runs as real processes against an
 * embedded store, to show what in-process runs cannot: the exit status and stderr a user sees, and a
 * store left byte for byte as it was. Commands that start sweeps join `commandsUnderTest` when they
 * exist; the loop and the checks stay the same.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { format } from 'node:util';
import { main } from '../../src/cli/run.js';
import { InputError } from '../../src/errors.js';
import { openDriver } from '../../src/store/open-store.js';
import { expandSweep, runConfig } from '../../src/sweep/expand.js';
import { parseSweepSpec } from '../../src/sweep/spec.js';
import { runSgc } from '../helpers/sgc.js';
import {
  assertRefusal,
  mutationFileName,
  type SpecMutation,
  specMutations,
} from '../helpers/specMutations.js';
import { storeChecksum } from '../helpers/storeChecksum.js';

const COUNT = 1000;
const SEED = 5;

/** The sgc commands that load a spec file; each gets every mutation. */
const commandsUnderTest: string[][] = [['sweep', 'check']];

interface Captured {
  code: number | undefined;
  /** Set when main threw: it must never do so for a spec. */
  thrown?: unknown;
  stdout: string;
  stderr: string;
}

/** `main(argv)` in this process, with console.log and console.error captured. */
async function runInProcess(argv: string[]): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...args: unknown[]) => void out.push(`${format(...args)}\n`);
  console.error = (...args: unknown[]) => void err.push(`${format(...args)}\n`);
  try {
    return { code: await main(argv), stdout: out.join(''), stderr: err.join('') };
  } catch (thrown) {
    return { code: undefined, thrown, stdout: out.join(''), stderr: err.join('') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/**
 * Whether the spec is valid, decided without the command line: the sweep core's own validation,
 * expansion and run configs. (undefined: not decided here.)
 */
function validInCore(m: SpecMutation): boolean | undefined {
  // A huge expansion is refused by its size before validation; validating it would take minutes.
  if (m.data === undefined || m.kind === 'huge-expansion') return undefined;
  try {
    const spec = parseSweepSpec(m.data, 'spec.yaml');
    const H = spec.width.mode === 'search' ? spec.width.start : spec.width.values[0];
    for (const cell of expandSweep(spec).cells) runConfig(cell, H, 0);
    return true;
  } catch (error) {
    if (error instanceof InputError) return false;
    throw error;
  }
}

describe('bad sweep specs through the sgc command line', () => {
  let dir: string;
  let mutations: SpecMutation[];
  const files = new Map<number, string>();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sgc-spec-mutations-'));
    chmodSync(dir, 0o755); // the embedded PostgreSQL runs as the postgres user, which must reach .sgc/pg
    mkdirSync(join(dir, 'specs'));
    mutations = specMutations(COUNT, SEED);
    for (const m of mutations) {
      const file = join(dir, 'specs', mutationFileName(m));
      writeFileSync(file, m.text);
      files.set(m.index, file);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const command of commandsUnderTest) {
    const name = command.join(' ');
    test(`sgc ${name}: ${COUNT} mutations, in-process: exit 2 with one line naming the field, or exit 0`, async () => {
      const refusedByKind = new Map<string, number>();
      let refused = 0;
      for (const m of mutations) {
        const file = files.get(m.index)!;
        const where = `mutation ${m.index} (${m.kind}: ${m.description}, from ${m.base})`;
        const r = await runInProcess([...command, file]);
        assert.equal(r.thrown, undefined, `${where}: main threw ${(r.thrown as Error)?.stack}`);
        const core = validInCore(m);
        if (r.code === 0) {
          assert.ok(!m.invalid, `${where}: accepted an invalid spec\n${r.stdout}`);
          assert.notEqual(core, false, `${where}: accepted a spec the sweep core refuses`);
          assert.equal(r.stderr, '', `${where}: nothing on stderr when valid`);
          continue;
        }
        assert.equal(r.code, 2, `${where}: exit code ${r.code}\n${r.stderr}`);
        assert.notEqual(core, true, `${where}: refused a spec the sweep core accepts: ${r.stderr}`);
        assertRefusal(m, file, r.stderr, name);
        refused++;
        refusedByKind.set(m.kind, (refusedByKind.get(m.kind) ?? 0) + 1);
      }
      // If mutations stopped mutating, everything would pass as valid: most must be refused.
      assert.ok(refused >= 0.6 * COUNT, `at least 60% refused, got ${refused}: ${[...refusedByKind]}`);
      assert.ok(refused < COUNT, 'some mutations stay valid (a width changed, a default removed)');
    });
  }

  test(`sgc sweep start: the ${COUNT} mutations' refusals come before any server is contacted`, async () => {
    // A port nothing listens on: a spec that got past validation would fail there, with another
    // message, after the connect timeout. Refusals must name the field at once, as for check.
    const previous = process.env['TEMPORAL_ADDRESS'];
    process.env['TEMPORAL_ADDRESS'] = '127.0.0.1:9';
    try {
      let refused = 0;
      for (const m of mutations) {
        if (!m.invalid) continue;
        const file = files.get(m.index)!;
        const where = `mutation ${m.index} (${m.kind}: ${m.description}, from ${m.base})`;
        const r = await runInProcess(['sweep', 'start', file]);
        assert.equal(r.thrown, undefined, `${where}: main threw ${(r.thrown as Error)?.stack}`);
        assert.equal(r.code, 2, `${where}: exit code ${r.code}\n${r.stderr}`);
        assert.doesNotMatch(r.stderr, /Temporal server/, `${where}: got as far as the server`);
        assertRefusal(m, file, r.stderr, 'sweep start');
        refused++;
      }
      // Only the mutations known to be invalid run here (the others would wait on the connect timeout).
      assert.ok(refused >= 0.5 * COUNT, `at least half certainly invalid, got ${refused}`);
    } finally {
      if (previous === undefined) delete process.env['TEMPORAL_ADDRESS'];
      else process.env['TEMPORAL_ADDRESS'] = previous;
    }
  });

  test('a sample of refusals as real processes: exit 2, one line, no stack trace, the store unchanged', async () => {
    const store = join(dir, '.sgc');
    const env = { SGC_HOME: store };
    const migrated = await runSgc(['db', 'migrate'], env);
    assert.equal(migrated.code, 0, migrated.stderr);
    const contents = async () => {
      const driver = await openDriver({ kind: 'embedded', home: store });
      try {
        return await storeChecksum(driver);
      } finally {
        await driver.close();
      }
    };
    const digest = await contents();
    // Invalid mutations of every kind, a few at a time so the spawns overlap.
    const invalid = mutations.filter((m) => m.invalid);
    const kinds = [...new Set(invalid.map((m) => m.kind))];
    const sample = Array.from({ length: 15 }, (_, i) => {
      const ofKind = invalid.filter((m) => m.kind === kinds[i % kinds.length]);
      return ofKind[Math.floor(i / kinds.length) % ofKind.length];
    });
    for (const command of commandsUnderTest) {
      for (let i = 0; i < sample.length; i += 5) {
        const batch = sample.slice(i, i + 5);
        const results = await Promise.all(batch.map((m) => runSgc([...command, files.get(m.index)!], env)));
        batch.forEach((m, j) => {
          const r = results[j];
          const where = `mutation ${m.index} (${m.kind}: ${m.description}) as a process`;
          assert.equal(r.code, 2, `${where}: exit code ${r.code}\n${r.stderr}`);
          assert.doesNotMatch(r.stderr, /^ {4}at /m, `${where}: a stack trace`);
          assertRefusal(m, files.get(m.index)!, r.stderr, command.join(' '));
        });
      }
    }
    assert.equal(await contents(), digest, 'every row of the store as before');
  });
});
