/**
 * The connection options every command that connects takes, defined once: the Temporal server
 * (spelled as Temporal's own CLI spells them, `temporal options`) and the results store. Each is
 * another spelling of an environment variable (src/temporal/connection.ts, src/store/target.ts), so
 * a flag overrides its variable by standing in for it while the command runs: whatever reads the
 * variable (the client, the worker, the store, `sgc doctor`) sees the flag's value, and nothing
 * downstream needs to know where a setting came from. Which commands take which set is said in
 * the command table (src/cli/commands/index.ts, `connects`).
 */
import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { Command, OptionSpecs } from './command.js';

/** What a command connects to: the Temporal server, the results store, or both. */
export type Connects = readonly ('temporal' | 'store')[];

export const TEMPORAL_OPTIONS = {
  address: { type: 'string' },
  namespace: { type: 'string' },
  tls: { type: 'boolean' },
  'no-tls': { type: 'boolean' },
  'tls-ca-path': { type: 'string' },
  'tls-server-name': { type: 'string' },
  'tls-cert-path': { type: 'string' },
  'tls-key-path': { type: 'string' },
  'api-key-file': { type: 'string' },
  'api-key': { type: 'string' },
} as const satisfies OptionSpecs;

export const STORE_OPTIONS = { 'database-url': { type: 'string' } } as const satisfies OptionSpecs;

const TEMPORAL_HELP = `Temporal connection (each overrides the environment variable named; \`temporal\`'s own CLI spells them alike):
  --address <host:port>     the Temporal server (TEMPORAL_ADDRESS; default: this folder's \`sgc up\`)
  --namespace <name>        its namespace (TEMPORAL_NAMESPACE; default \`default\`)
  --tls, --no-tls           TLS on or off (TEMPORAL_TLS; on when a TLS setting or an API key is given)
  --tls-ca-path <file>      the CA that signed the server's certificate (TEMPORAL_TLS_SERVER_CA_CERT_PATH)
  --tls-server-name <name>  the name to verify in the server's certificate (TEMPORAL_TLS_SERVER_NAME)
  --tls-cert-path <file>    client certificate, for mutual TLS (TEMPORAL_TLS_CLIENT_CERT_PATH)
  --tls-key-path <file>     its private key (TEMPORAL_TLS_CLIENT_KEY_PATH)
  --api-key-file <file>     a file holding the API key (or TEMPORAL_API_KEY)
  --api-key <key>           the API key itself: other users of the machine see it in \`ps\`;
                            prefer --api-key-file or TEMPORAL_API_KEY`;

const STORE_HELP = `Store connection:
  --database-url <url>      the results' PostgreSQL, postgresql://user@host:port/db?sslmode=…
                            (DATABASE_URL; default: the embedded store of the nearest .sgc/).
                            A password in it shows in \`ps\`: prefer PGPASSWORD or ~/.pgpass`;

/** A command with the connection options of `connects` added to its options and its help. */
export function withConnectionOptions(command: Command, connects: Connects | undefined): Command {
  if (!connects?.length) return command;
  const temporal = connects.includes('temporal');
  const store = connects.includes('store');
  return {
    ...command,
    usage: [command.usage.trimEnd(), temporal ? TEMPORAL_HELP : '', store ? STORE_HELP : '']
      .filter(Boolean)
      .join('\n\n'),
    options: {
      ...command.options,
      ...(temporal ? TEMPORAL_OPTIONS : {}),
      ...(store ? STORE_OPTIONS : {}),
    },
  };
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** A file a flag names, checked here so that the one line names the flag rather than a variable. */
function existingFile(flag: string, path: string): string {
  try {
    if (!statSync(path).isFile()) throw new InputError(`--${flag} ${path}: not a file`);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`--${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}`);
  }
  return path;
}

function text(values: Values, flag: string): string | undefined {
  const value = values[flag];
  if (value === undefined) return undefined;
  const trimmed = String(value).trim();
  if (!trimmed) throw new InputError(`--${flag} needs a value, not an empty one`);
  return trimmed;
}

/**
 * The environment variables the connection flags among `values` stand for: a name mapped to its
 * new value, or to undefined where the flag removes a variable that would contradict it (a CA
 * given as a path replaces one given as data). Contradictions among the flags, and files that are
 * not there, are one-line InputErrors naming the flags.
 */
export function connectionEnvironment(values: Values): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  const address = text(values, 'address');
  if (address !== undefined) env['TEMPORAL_ADDRESS'] = address;
  const namespace = text(values, 'namespace');
  if (namespace !== undefined) env['TEMPORAL_NAMESPACE'] = namespace;

  const tlsFiles = [
    ['tls-ca-path', 'TEMPORAL_TLS_SERVER_CA_CERT'],
    ['tls-cert-path', 'TEMPORAL_TLS_CLIENT_CERT'],
    ['tls-key-path', 'TEMPORAL_TLS_CLIENT_KEY'],
  ] as const;
  const tlsGiven: string[] = [];
  for (const [flag, base] of tlsFiles) {
    const path = text(values, flag);
    if (path === undefined) continue;
    env[`${base}_PATH`] = existingFile(flag, path);
    env[`${base}_DATA`] = undefined;
    tlsGiven.push(`--${flag}`);
  }
  const serverName = text(values, 'tls-server-name');
  if (serverName !== undefined) {
    env['TEMPORAL_TLS_SERVER_NAME'] = serverName;
    tlsGiven.push('--tls-server-name');
  }
  if (values['tls'] && values['no-tls']) throw new InputError('--tls and --no-tls: give one of them');
  if (values['no-tls'] && tlsGiven.length)
    throw new InputError(
      `--no-tls, but ${tlsGiven.join(' and ')} ${tlsGiven.length > 1 ? 'ask' : 'asks'} for TLS: give one or the other`,
    );
  if (values['tls']) env['TEMPORAL_TLS'] = 'true';
  if (values['no-tls']) env['TEMPORAL_TLS'] = 'false';
  if (Boolean(values['tls-cert-path']) !== Boolean(values['tls-key-path'])) {
    // A pair: one half by flag and the other from the environment would pair two strangers.
    const [given, missing] = values['tls-cert-path']
      ? ['--tls-cert-path', '--tls-key-path']
      : ['--tls-key-path', '--tls-cert-path'];
    throw new InputError(`${given} needs ${missing} too (mutual TLS takes a certificate and its key)`);
  }

  const apiKey = text(values, 'api-key');
  const apiKeyFile = text(values, 'api-key-file');
  if (apiKey !== undefined && apiKeyFile !== undefined)
    throw new InputError(
      '--api-key and --api-key-file: give one of them (--api-key-file keeps it out of `ps`)',
    );
  if (apiKey !== undefined) env['TEMPORAL_API_KEY'] = apiKey;
  if (apiKeyFile !== undefined) {
    const key = readFileSync(existingFile('api-key-file', apiKeyFile), 'utf8').trim();
    if (!key) throw new InputError(`--api-key-file ${apiKeyFile}: the file is empty`);
    env['TEMPORAL_API_KEY'] = key;
  }

  const databaseUrl = text(values, 'database-url');
  if (databaseUrl !== undefined) {
    // Never echoed: it may hold a password.
    if (!URL.canParse(databaseUrl) || !/^postgres(ql)?:$/.test(new URL(databaseUrl).protocol))
      throw new InputError(
        '--database-url is not a PostgreSQL URL (expected postgresql://user:password@host:port/database)',
      );
    env['DATABASE_URL'] = databaseUrl;
  }
  return env;
}

/**
 * Puts the connection flags among `values` into `env` (the process's environment) for the command
 * to read; returns what puts the environment back as it was (commands run in-process in tests).
 */
export function applyConnectionFlags(values: Values, env: NodeJS.ProcessEnv = process.env): () => void {
  const overrides = connectionEnvironment(values);
  const before = Object.fromEntries(Object.keys(overrides).map((name) => [name, env[name]]));
  const set = (name: string, value: string | undefined) => {
    if (value === undefined) delete env[name];
    else env[name] = value;
  };
  for (const [name, value] of Object.entries(overrides)) set(name, value);
  return () => {
    for (const [name, value] of Object.entries(before)) set(name, value);
  };
}
