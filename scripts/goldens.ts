/**
 * `npx tsx scripts/goldens.ts`: recomputes the golden trajectories (test/fixtures/goldens.ts) with
 * this code and rewrites test/fixtures/goldens.json, recording the results version and library
 * versions they were computed with.
 *
 * Run it after a change that moves the numbers, together with a bump of RESULTS_VERSION in
 * src/learn/resultsVersion.ts (runs of the old code must not be reused), or after upgrading
 * onnxruntime-node or tfjs (their versions are already in every run's hash: no bump needed).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { RESULTS_VERSION } from '../src/learn/resultsVersion.js';
import {
  engineLabel,
  GOLDEN_RUNS,
  type GoldensFile,
  goldenLibraries,
  goldensPath,
  REGENERATE,
  type Trajectory,
  trajectory,
} from '../test/fixtures/goldens.js';

const trajectories: Record<string, Record<string, Trajectory>> = {};
for (const { name, config, engine } of GOLDEN_RUNS) {
  trajectories[name] ??= {};
  trajectories[name][engineLabel(engine)] = await trajectory(config, engine);
  console.log(`${name} on ${engineLabel(engine)}`);
}
const file: GoldensFile = {
  regenerate: REGENERATE,
  resultsVersion: RESULTS_VERSION,
  libraries: goldenLibraries(),
  trajectories,
};
const path = goldensPath();
writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
// In the repository's format, so that `npm run lint` passes on the file as written.
const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
const formatted = spawnSync(process.execPath, [biome, 'format', '--write', path], { stdio: 'inherit' });
if (formatted.status !== 0) process.exitCode = 1;
console.log(`wrote ${path} (results version ${RESULTS_VERSION})`);
// The tfjs wasm backend keeps the event loop alive; the work is done.
process.exit();
