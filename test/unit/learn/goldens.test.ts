/**
 * Golden trajectories (test/fixtures/goldens.ts): each model on each engine trains a few dozen steps
 * and must reproduce the numbers stored in test/fixtures/goldens.json. They guard run identity: a
 * change that moves any number must come with a bump of the results version (which is in every run's
 * hash), or runs trained by the old code would be served as cache hits of the new one.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { engineLibraries } from '../../../src/learn/engine/libraries.js';
import { RESULTS_VERSION } from '../../../src/learn/resultsVersion.js';
import {
  engineLabel,
  GOLDEN_CASES,
  GOLDEN_RUNS,
  GOLDENS_FILE,
  type GoldensFile,
  goldensPath,
  NATIVE_KERNEL_VERSION_FILE,
  REGENERATE,
  RESULTS_VERSION_FILE,
  TOLERANCE,
  type Trajectory,
  trajectory,
  trajectoryDifference,
} from '../../fixtures/goldens.js';

const goldens: GoldensFile | undefined = existsSync(GOLDENS_FILE)
  ? (JSON.parse(readFileSync(GOLDENS_FILE, 'utf8')) as GoldensFile)
  : undefined;

/** What to do when a trajectory moved: regenerate only, for a library upgrade; else bump and regenerate. */
function advice(engine: string, libraries: GoldensFile['libraries'], made: GoldensFile['libraries']): string {
  const upgraded = Object.entries(libraries).filter(([name, version]) => made[name] !== version);
  if (upgraded.length > 0) {
    const which = upgraded.map(
      ([name, version]) => `${name} is ${version} here, ${made[name] ?? 'absent'} in the goldens`,
    );
    return (
      `${which.join('; ')}. Library versions are part of every run's hash already, so no results-version ` +
      `bump is needed: regenerate the goldens with \`${REGENERATE}\`.`
    );
  }
  const bump =
    engine === 'native'
      ? `NATIVE_KERNEL_VERSION in ${NATIVE_KERNEL_VERSION_FILE} if only the native kernel changed, else ` +
        `RESULTS_VERSION in ${RESULTS_VERSION_FILE}`
      : `RESULTS_VERSION in ${RESULTS_VERSION_FILE}`;
  return (
    `This code computes other numbers than the code that made the goldens. If that is intended, bump ` +
    `${bump} (so that no run of the old code is reused as a cache hit) and regenerate the goldens ` +
    `with \`${REGENERATE}\`. If it is not, the change has a bug.`
  );
}

describe('golden trajectories', () => {
  test(`${goldensPath()} exists and was made by this results version`, () => {
    assert.ok(goldens, `${goldensPath()} is missing: make it with \`${REGENERATE}\``);
    assert.equal(
      goldens.resultsVersion,
      RESULTS_VERSION,
      `RESULTS_VERSION is ${RESULTS_VERSION} but the goldens were made at ${goldens.resultsVersion}: ` +
        `regenerate them with \`${REGENERATE}\``,
    );
  });

  test('cover every model and engine', () => {
    const expected = GOLDEN_RUNS.map((r) => `${r.name} on ${engineLabel(r.engine)}`);
    const stored = Object.entries(goldens?.trajectories ?? {}).flatMap(([c, byEngine]) =>
      Object.keys(byEngine).map((e) => `${c} on ${e}`),
    );
    assert.deepEqual(
      stored.sort(),
      expected.sort(),
      `cases changed: regenerate the goldens with \`${REGENERATE}\``,
    );
  });

  for (const { name, config, engine } of GOLDEN_RUNS) {
    const label = engineLabel(engine);
    test(`${name} on ${label}`, async () => {
      const golden = goldens?.trajectories[name]?.[label];
      assert.ok(golden, `no golden for ${name} on ${label}: regenerate the goldens with \`${REGENERATE}\``);
      const difference = trajectoryDifference(await trajectory(config, engine), golden);
      assert.equal(
        difference,
        undefined,
        `golden trajectory ${name} on ${label} changed: ${difference}.\n` +
          advice(engine.name, engineLibraries(engine.name, engine.backend), goldens?.libraries ?? {}),
      );
    });
  }
});

describe('the golden comparison', () => {
  const [name, config] = Object.entries(GOLDEN_CASES)[0];
  const reference = { name: 'reference' as const };
  let base: Promise<Trajectory> | undefined;
  const baseline = () => (base ??= trajectory(config, reference));

  test('sees a change of a loss, a weight or an accuracy beyond the tolerance, and not below it', async () => {
    const t = await baseline();
    assert.equal(trajectoryDifference(structuredClone(t), t), undefined);
    const nudged = (factor: number) => {
      const copy = structuredClone(t);
      copy.losses[5] *= 1 + factor;
      return copy;
    };
    assert.equal(trajectoryDifference(nudged(TOLERANCE / 10), t), undefined);
    assert.match(trajectoryDifference(nudged(TOLERANCE * 10), t) ?? '', /^losses\[5\]/);
    const weights = structuredClone(t);
    const [first] = Object.keys(weights.parameters);
    weights.parameters[first].samples[3] += 1e-4;
    assert.match(trajectoryDifference(weights, t) ?? '', new RegExp(`parameters.${first}.samples\\[3\\]`));
    const accuracy = structuredClone(t);
    accuracy.accuracies[2] += 1 / 36;
    assert.match(trajectoryDifference(accuracy, t) ?? '', /^accuracies/);
  });

  test(`sees a small change to the training (${name}: learning rate × (1 + 1e-5))`, async () => {
    const changed = await trajectory(
      { ...config, train: { ...config.train, lr: config.train.lr * (1 + 1e-5) } },
      reference,
    );
    assert.ok(trajectoryDifference(changed, await baseline()));
  });

  test('tells to regenerate only, when a library was upgraded; else to bump the results version too', () => {
    const upgrade = advice('onnx', { 'onnxruntime-node': '9.9.9' }, { 'onnxruntime-node': '1.30.0' });
    assert.match(upgrade, /onnxruntime-node is 9\.9\.9 here, 1\.30\.0 in the goldens/);
    assert.match(upgrade, /no results-version bump/);
    const code = advice('onnx', { 'onnxruntime-node': '1.30.0' }, { 'onnxruntime-node': '1.30.0' });
    assert.ok(code.includes(`bump RESULTS_VERSION in ${RESULTS_VERSION_FILE}`));
    assert.ok(code.includes(REGENERATE));
    // The native engine's kernel has a version of its own, in its identity beside its compiler.
    const kernel = advice('native', { cc: 'cc 12', kernel: '2' }, { cc: 'cc 12', kernel: '2' });
    assert.ok(
      kernel.includes(
        `bump NATIVE_KERNEL_VERSION in ${NATIVE_KERNEL_VERSION_FILE} if only the native kernel`,
      ),
    );
    const bumped = advice('native', { cc: 'cc 12', kernel: '3' }, { cc: 'cc 12', kernel: '2' });
    assert.match(bumped, /kernel is 3 here, 2 in the goldens/);
  });
});
