/**
 * The workflow bundle `npm run build` makes (dist/workflow-bundle.js): it holds the three workflows,
 * and a process running from sources no newer than that build uses it instead of bundling again.
 * (That it runs the workflows is what every sweep test and the replay of recorded histories show.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { staleBuild, workflowBundleFile } from '../../../src/buildOutput.js';
import { workflowBundle } from '../../../src/temporal/workflowBundle.js';

test('the build bundles the workflows once; processes take that file while it holds the current code', async () => {
  assert.equal(staleBuild(), undefined, 'run `npm run build` first (npm test does)');
  const code = readFileSync(workflowBundleFile, 'utf8');
  for (const name of ['SweepWorkflow', 'CellWorkflow', 'RunWorkflow'])
    assert.match(code, new RegExp(`\\b${name}\\b`), `${name} in the bundle`);
  const bundle = await workflowBundle();
  assert.deepEqual(bundle, { codePath: workflowBundleFile });
  assert.equal(await workflowBundle(), bundle, 'one per process');
});
