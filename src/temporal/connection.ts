/**
 * Where the Temporal server is and how to talk to it, from the environment variables of Temporal's
 * own client environment configuration (the names its CLI and SDKs read, so a shell set up for
 * `temporal` works for sgc too):
 *
 *   TEMPORAL_ADDRESS                      host:port (default 127.0.0.1:7233)
 *   TEMPORAL_NAMESPACE                    (default `default`)
 *   TEMPORAL_API_KEY                      sent as a bearer token; turns TLS on unless TEMPORAL_TLS=false
 *   TEMPORAL_TLS                          true/false: TLS with the system's CAs
 *   TEMPORAL_TLS_SERVER_CA_CERT_PATH      CA that signed the server's certificate (or _DATA: the PEM)
 *   TEMPORAL_TLS_SERVER_NAME              name to verify in the server's certificate (SNI)
 *   TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH   mutual TLS (or _DATA: the PEMs)
 *
 * Every command that connects takes the same settings as flags (--address, --tls-ca-path, …;
 * src/cli/connectionFlags.ts), which override these. Any TLS setting turns TLS on. Connections that fail say in one line why: unreachable, a
 * certificate problem, or unauthorised.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { grpcStatus, InputError } from '../errors.js';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** TLS (with mTLS when it holds a client certificate pair); absent for a plaintext connection. */
  tls?: TLSConfig;
  apiKey?: string;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return undefined;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new InputError(`${name}=${env[name]}: expected true or false`);
}

/** A PEM from `<base>_PATH` (a file) or `<base>_DATA` (the text itself); undefined when neither. */
function pem(env: NodeJS.ProcessEnv, base: string): Buffer | undefined {
  const data = env[`${base}_DATA`]?.trim();
  const path = env[`${base}_PATH`]?.trim();
  if (data && path) throw new InputError(`set ${base}_PATH or ${base}_DATA, not both`);
  if (data) return Buffer.from(data);
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InputError(`${base}_PATH=${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

export function resolveTemporal(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const target: TemporalTarget = {
    address: env['TEMPORAL_ADDRESS']?.trim() || DEFAULT_TEMPORAL_ADDRESS,
    namespace: env['TEMPORAL_NAMESPACE']?.trim() || 'default',
  };
  const apiKey = env['TEMPORAL_API_KEY']?.trim();
  if (apiKey) target.apiKey = apiKey;

  const serverCa = pem(env, 'TEMPORAL_TLS_SERVER_CA_CERT');
  const clientCert = pem(env, 'TEMPORAL_TLS_CLIENT_CERT');
  const clientKey = pem(env, 'TEMPORAL_TLS_CLIENT_KEY');
  const serverName = env['TEMPORAL_TLS_SERVER_NAME']?.trim();
  if (Boolean(clientCert) !== Boolean(clientKey))
    throw new InputError(
      'mutual TLS needs both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or their _DATA forms; flags --tls-cert-path, --tls-key-path)',
    );
  const configured = Boolean(serverCa || clientCert || serverName);
  const enabled = flag(env, 'TEMPORAL_TLS') ?? (configured || Boolean(apiKey));
  if (!enabled && configured)
    throw new InputError(
      'TEMPORAL_TLS=false (--no-tls), but TLS certificates or a server name are set: unset one of them',
    );
  if (enabled) {
    target.tls = {
      ...(serverCa ? { serverRootCACertificate: serverCa } : {}),
      ...(serverName ? { serverNameOverride: serverName } : {}),
      ...(clientCert && clientKey ? { clientCertPair: { crt: clientCert, key: clientKey } } : {}),
    };
  }
  return target;
}

/** Whether the environment names a Temporal server (rather than leaving it to this folder's stack). */
export function temporalNamed(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env['TEMPORAL_ADDRESS']?.trim());
}

/** The options both the client's Connection and the worker's NativeConnection take. */
export function connectionOptions(target: TemporalTarget) {
  return {
    address: target.address,
    ...(target.tls ? { tls: target.tls } : {}),
    ...(target.apiKey ? { apiKey: target.apiKey } : {}),
  };
}

/** How a target is reached, for messages; never a key or a certificate. */
export function describeTemporal(target: TemporalTarget): string {
  const how = [
    `namespace ${target.namespace}`,
    target.tls ? (target.tls.clientCertPair ? 'mutual TLS' : 'TLS') : undefined,
    target.apiKey ? 'API key' : undefined,
  ].filter(Boolean);
  return `${target.address} (${how.join(', ')})`;
}

/**
 * One line for a failed connection. gRPC reports certificate problems as UNAVAILABLE with the TLS
 * library's words inside, and a refused key or client certificate as UNAUTHENTICATED or
 * PERMISSION_DENIED; the namespace check adds NOT_FOUND.
 */
export function connectionProblem(error: unknown, target: TemporalTarget): string {
  // The client wraps what the server said ("Failed to connect to Temporal server"): its cause holds
  // the gRPC status and the server's words.
  const status = grpcStatus(error);
  const message = String(status?.details ?? (error as Error)?.message ?? error);
  const first = (message.split('\n')[0] ?? message).replace(/\.+$/, '');
  const text = message.toLowerCase();
  const code = status?.code;
  if (/certificate|handshake|ssl|tls|unknown ca|x509|alert/.test(text))
    return `a TLS problem: ${first}. Check TEMPORAL_TLS_SERVER_CA_CERT_PATH (--tls-ca-path), TEMPORAL_TLS_SERVER_NAME (--tls-server-name) and the client certificate`;
  if (code === 16 || code === 7 || /unauthenticated|permission denied|unauthori[sz]ed/.test(text))
    return `not authorised: ${first}. Check the API key (TEMPORAL_API_KEY, --api-key-file) or the client certificate`;
  if (code === 5 || /namespace .*not found/.test(text))
    return `namespace ${target.namespace} does not exist there: ${first}`;
  return `${first}. Start one with \`sgc up\`, or set TEMPORAL_ADDRESS (--address)`;
}

/** The TLS library's words for a failed handshake, said as what to change. */
function explainTls(message: string): string {
  if (/certificate required/i.test(message))
    return 'the server requires a client certificate (mutual TLS): set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (--tls-cert-path, --tls-key-path)';
  if (/alert (unknown ca|bad certificate|certificate unknown|decrypt error)/i.test(message))
    return 'the server refused the client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH, --tls-cert-path): it is not signed by a CA the server trusts';
  if (/self[- ]signed|unable to (verify|get local issuer)/i.test(message))
    return "the server's certificate is not signed by a CA trusted here: set TEMPORAL_TLS_SERVER_CA_CERT_PATH (--tls-ca-path) to the CA that signed it";
  if (/altnames|does not match/i.test(message))
    return `the server's certificate is not for this name (${message.replace(/^.*?: /, '')}): set TEMPORAL_TLS_SERVER_NAME (--tls-server-name) to a name it holds`;
  if (/wrong version number|packet length too long|unexpected eof/i.test(message))
    return 'the server does not speak TLS: unset TEMPORAL_TLS and the TEMPORAL_TLS_* settings (or --no-tls)';
  return `a TLS problem: ${message}`;
}

/**
 * Why a connection failed where the gRPC client says only that it could not connect before the
 * deadline: a TLS handshake of our own, as configured, says what the TLS library saw; for a
 * plain-text target, a handshake that succeeds means the server wants TLS. Undefined when the
 * handshake tells nothing (nothing answers, or it succeeds as configured).
 */
export function handshakeProblem(target: TemporalTarget, timeoutMs = 3000): Promise<string | undefined> {
  const tlsConfig = target.tls;
  const [host, port] = splitAddress(target.address);
  return new Promise((resolve) => {
    let settled = false;
    const done = (problem: string | undefined) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(problem);
    };
    const socket = tlsConnect({
      host,
      port,
      ALPNProtocols: ['h2'],
      ...(tlsConfig
        ? {
            servername: tlsConfig.serverNameOverride ?? (isIP(host) ? undefined : host),
            ...(tlsConfig.serverRootCACertificate
              ? { ca: Buffer.from(tlsConfig.serverRootCACertificate) }
              : {}),
            ...(tlsConfig.clientCertPair
              ? {
                  cert: Buffer.from(tlsConfig.clientCertPair.crt),
                  key: Buffer.from(tlsConfig.clientCertPair.key),
                }
              : {}),
          }
        : { rejectUnauthorized: false }),
    });
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.on('secureConnect', () => {
      if (!tlsConfig)
        done(
          'the server speaks TLS: set TEMPORAL_TLS=true or --tls (and TEMPORAL_TLS_SERVER_CA_CERT_PATH or --tls-ca-path for a private CA)',
        );
      // TLS 1.3 servers refuse a missing or foreign client certificate after the handshake: wait for it.
      else setTimeout(() => done(undefined), 300);
    });
    socket.on('error', (error: NodeJS.ErrnoException) =>
      done(!tlsConfig || error.code === 'ECONNREFUSED' ? undefined : explainTls(error.message)),
    );
  });
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))];
}

/** A client, or an InputError saying which server could not be reached and why. */
export async function connectClient(
  target: TemporalTarget = resolveTemporal(),
  timeoutMs = 5000,
): Promise<Client> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ ...connectionOptions(target), connectTimeout: timeoutMs });
    await connection.workflowService.describeNamespace({ namespace: target.namespace });
  } catch (error) {
    await connection?.close().catch(() => undefined);
    const problem = (await handshakeProblem(target)) ?? connectionProblem(error, target);
    throw new InputError(`cannot use the Temporal server at ${describeTemporal(target)}: ${problem}`);
  }
  return new Client({ connection, namespace: target.namespace });
}

/** True when a Temporal frontend answers at the address within the timeout. */
export async function isTemporalReachable(target: TemporalTarget, timeoutMs = 2000): Promise<boolean> {
  try {
    const client = await connectClient(target, timeoutMs);
    await client.connection.close();
    return true;
  } catch {
    return false;
  }
}
