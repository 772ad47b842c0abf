import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { InputError } from '../../../src/errors.js';
import {
  connectionProblem,
  describeTemporal,
  resolveTemporal,
  temporalNamed,
} from '../../../src/temporal/connection.js';

const dir = mkdtempSync(join(tmpdir(), 'sgc-temporal-env-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('Temporal connection settings from the environment', () => {
  test('nothing set: the default address and namespace, plain text, no server named', () => {
    assert.deepEqual(resolveTemporal({}), { address: '127.0.0.1:7233', namespace: 'default' });
    assert.equal(temporalNamed({}), false);
    assert.equal(temporalNamed({ TEMPORAL_ADDRESS: 'lab:7233' }), true);
  });

  test('a server CA and name turn TLS on; a client pair makes it mutual', () => {
    const ca = file('ca.pem', 'CA');
    const target = resolveTemporal({
      TEMPORAL_ADDRESS: 'lab.example:7233',
      TEMPORAL_NAMESPACE: 'sgc-lab',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.lab',
      TEMPORAL_TLS_CLIENT_CERT_DATA: 'CERT',
      TEMPORAL_TLS_CLIENT_KEY_PATH: file('key.pem', 'KEY'),
    });
    assert.equal(target.namespace, 'sgc-lab');
    assert.equal(target.tls?.serverRootCACertificate?.toString(), 'CA');
    assert.equal(target.tls?.serverNameOverride, 'temporal.lab');
    assert.equal(target.tls?.clientCertPair?.crt.toString(), 'CERT');
    assert.equal(target.tls?.clientCertPair?.key.toString(), 'KEY');
    assert.equal(describeTemporal(target), 'lab.example:7233 (namespace sgc-lab, mutual TLS)');
  });

  test('an API key turns TLS on with the system CAs, unless TEMPORAL_TLS=false', () => {
    const cloud = resolveTemporal({ TEMPORAL_ADDRESS: 'ns.tmprl.cloud:7233', TEMPORAL_API_KEY: 'k-123' });
    assert.deepEqual(cloud.tls, {});
    assert.equal(cloud.apiKey, 'k-123');
    assert.ok(!describeTemporal(cloud).includes('k-123'), 'the key is never shown');
    assert.equal(resolveTemporal({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).tls, undefined);
    assert.deepEqual(resolveTemporal({ TEMPORAL_TLS: 'true' }).tls, {});
  });

  test('contradictions and missing files are one clear InputError', () => {
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [{ TEMPORAL_TLS: 'maybe' }, /TEMPORAL_TLS=maybe: expected true or false/],
      [{ TEMPORAL_TLS_CLIENT_CERT_DATA: 'C' }, /mutual TLS needs both/],
      [{ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_NAME: 'x' }, /TEMPORAL_TLS=false \(--no-tls\), but/],
      [{ TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'missing.pem') }, /SERVER_CA_CERT_PATH=.*ENOENT/],
      [{ TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'a', TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'b' }, /not both/],
    ];
    for (const [env, message] of cases)
      assert.throws(
        () => resolveTemporal(env),
        (e: Error) => e instanceof InputError && message.test(e.message),
      );
  });

  test('failures are told apart: TLS, authorisation, namespace, reachability', () => {
    const target = resolveTemporal({ TEMPORAL_NAMESPACE: 'lab' });
    assert.match(
      connectionProblem(new Error('14 UNAVAILABLE: invalid peer certificate: UnknownIssuer'), target),
      /^a TLS problem/,
    );
    assert.match(
      connectionProblem(Object.assign(new Error('16 UNAUTHENTICATED: bad key'), { code: 16 }), target),
      /^not authorised/,
    );
    // The client's own words around the server's: its cause carries the status.
    const refused = Object.assign(new Error('16 UNAUTHENTICATED: Request unauthorized.'), {
      code: 16,
      details: 'Request unauthorized.',
    });
    assert.equal(
      connectionProblem(new Error('Failed to connect to Temporal server', { cause: refused }), target),
      'not authorised: Request unauthorized. Check the API key (TEMPORAL_API_KEY, --api-key-file) or the client certificate',
    );
    assert.match(
      connectionProblem(
        Object.assign(new Error('5 NOT_FOUND: Namespace lab is not found.'), { code: 5 }),
        target,
      ),
      /namespace lab does not exist/,
    );
    assert.match(
      connectionProblem(new Error('14 UNAVAILABLE: connection refused'), target),
      /Start one with `sgc up`/,
    );
  });
});
