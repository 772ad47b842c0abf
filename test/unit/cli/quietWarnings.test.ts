/** src/cli/quietWarnings.ts: DEP0123 (grpc-js's SNI for an IP address) is dropped, every other warning kept. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

test('the IP-in-SNI deprecation is dropped; other warnings still reach stderr', () => {
  const script = `
    const { quietLibraryWarnings } = await import('./src/cli/quietWarnings.ts');
    quietLibraryWarnings();
    process.emitWarning('Setting the TLS ServerName to an IP address', 'DeprecationWarning', 'DEP0123');
    process.emitWarning('Setting the TLS ServerName again', { type: 'DeprecationWarning', code: 'DEP0123' });
    process.emitWarning('something else', 'DeprecationWarning', 'DEP0999');
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /ServerName/);
  assert.match(r.stderr, /DEP0999.*something else/);
});
