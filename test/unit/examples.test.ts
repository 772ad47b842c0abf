/** Every example a user starts from must be valid: the run configs parse and resolve, the sweep specs expand. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { packageRoot } from '../../src/codeLocation.js';
import { RunConfigSchema } from '../../src/learn/runConfig.js';
import { resolveRun } from '../../src/learn/trainer.js';
import { expandSweep } from '../../src/sweep/expand.js';
import { parseSweepSpec } from '../../src/sweep/spec.js';
import { parseWithSchema } from '../../src/validation.js';

const folder = join(packageRoot, 'examples');

test('examples/train-*.yaml are valid run configs', () => {
  const files = readdirSync(folder).filter((f) => f.startsWith('train-') && f.endsWith('.yaml'));
  assert.ok(files.length > 0);
  for (const file of files) {
    const config = parseWithSchema(RunConfigSchema, parse(readFileSync(join(folder, file), 'utf8')), file);
    const setup = resolveRun(config);
    assert.ok(setup.model.H > 0, file);
  }
});

test('every other example is a sweep spec that expands into cells and says what it costs', () => {
  const files = readdirSync(folder).filter((f) => !f.startsWith('train-') && f.endsWith('.yaml'));
  assert.ok(files.length >= 9, files.join(', '));
  for (const file of files) {
    const text = readFileSync(join(folder, file), 'utf8');
    const spec = parseSweepSpec(parse(text), file);
    assert.ok(expandSweep(spec).cells.length > 0, file);
    assert.match(text, /^# .*(Cost here|it took|took)/ms, `${file}: say in a comment what it costs here`);
  }
});
