/**
 * Rolling upgrades: sweeps that are running when a fleet's workers upgrade continue on the new
 * workflow code, which replays their histories. Histories recorded from earlier releases
 * (test/fixtures/histories/<release>/, made by scripts/record-histories.ts: a width search paused,
 * resumed and extended, taken mid-way and at its end; a stopped sweep; their cells and runs) must
 * replay on this checkout's workflow code without a nondeterminism error. A change that fails here
 * would break running sweeps: guard it with `patched()` (CONTRIBUTING.md, "Changing workflow code").
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import temporalProto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { packageRoot } from '../../../src/codeLocation.js';
import { workflowBundle } from '../../../src/temporal/workflowBundle.js';

const root = join(packageRoot, 'test/fixtures/histories/');
const releases = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory());

describe('histories of earlier releases replay on this workflow code', { timeout: 300_000 }, () => {
  test('there is at least one recorded release, with every workflow type', () => {
    assert.ok(releases.length > 0);
    for (const release of releases) {
      const files = readdirSync(join(root, release.name));
      for (const kind of ['sweep_', 'cell_', 'run_'])
        assert.ok(
          files.some((f) => f.startsWith(kind)),
          `${release.name} has a ${kind}… history`,
        );
    }
  });

  for (const release of releases) {
    test(`release ${release.name}`, async () => {
      const dir = join(root, release.name);
      const histories = readdirSync(dir)
        .filter((f) => f.endsWith('.binpb'))
        .map((f) => {
          const history = temporalProto.temporal.api.history.v1.History.decode(readFileSync(join(dir, f)));
          // The workflow id is not in the history: the file name stands for it in messages.
          return { workflowId: f, history };
        });
      assert.ok(histories.length > 0);
      const bundle = await workflowBundle();
      const failures: string[] = [];
      let replayed = 0;
      for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
        replayed++;
        if (result.error) failures.push(`${result.workflowId}: ${result.error.message.split('\n')[0]}`);
      }
      assert.equal(replayed, histories.length);
      assert.deepEqual(
        failures,
        [],
        'a change to the workflow code would break sweeps running on this release',
      );
    });
  }
});
