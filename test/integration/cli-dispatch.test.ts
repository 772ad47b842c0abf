/**
 * The command registry and its lazy loading: every entry loads the module of the command it names,
 * and the light commands start without loading the heavy libraries (that is what keeps `sgc --help`
 * and `sgc groups` near `node -e ''`; bench/cli-startup.bench.ts measures it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { commands } from '../../src/cli/commands/index.js';
import { packageRoot } from '../../src/codeLocation.js';
import { sgcBin } from '../helpers/sgc.js';

describe('the sgc command registry', () => {
  test('each entry loads its own command: the usage names the same words', async () => {
    const names = new Set<string>();
    for (const entry of commands) {
      const words = entry.name.join(' ');
      assert.ok(!names.has(words), `${words} is registered twice`);
      names.add(words);
      const command = await entry.load();
      assert.equal(typeof command?.run, 'function', `${words}: its loader gives no command`);
      assert.match(
        command.usage,
        new RegExp(`^usage: sgc ${words}\\b`, 'i'),
        `${words}: usage of another command`,
      );
      assert.ok(entry.summary.length > 0 && !entry.summary.includes('\n'), `${words}: one-line summary`);
    }
  });

  const HEAVY = ['@temporalio', 'onnxruntime-node', '@tensorflow', '@prisma', 'vega', '/pg/', 'zod', 'yaml'];
  const hook = pathToFileURL(join(packageRoot, 'test/helpers/loaded-modules-hook.mjs')).href;

  /** The package folders under node_modules that `sgc …args` resolved. */
  function librariesLoadedBy(...args: string[]): string[] {
    const dir = mkdtempSync(join(tmpdir(), 'sgc-loads-'));
    try {
      const trace = join(dir, 'loads.txt');
      const register = `data:text/javascript,import{register}from'node:module';register(${JSON.stringify(hook)})`;
      const r = spawnSync(process.execPath, ['--import', register, sgcBin, ...args], {
        encoding: 'utf8',
        env: { ...process.env, SGC_TRACE_LOADS: trace },
      });
      assert.equal(r.status, 0, r.stderr);
      const urls = readFileSync(trace, 'utf8').trim().split('\n');
      assert.ok(
        urls.some((u) => u.includes('/cli/commands/index.js')),
        'the trace saw sgc itself',
      );
      return [...new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []))];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  for (const args of [['--help'], ['groups'], ['group', 'D3']])
    test(`sgc ${args.join(' ')} loads none of the heavy libraries`, () => {
      const loaded = librariesLoadedBy(...args);
      const heavy = loaded.filter((name) => HEAVY.some((h) => `/${name}/`.includes(h) || name.startsWith(h)));
      assert.deepEqual(heavy, [], `loaded: ${loaded.join(', ')}`);
    });

  test('the trace does see a heavy library where a command needs one', () => {
    // sweep check validates its spec with zod and reads YAML: the check above can fail.
    const loaded = librariesLoadedBy('sweep', 'check', join(process.cwd(), 'examples/sweep-small.yaml'));
    assert.ok(loaded.includes('zod'), `loaded: ${loaded.join(', ')}`);
  });
});
