/**
 * The embedded store's logins, generated when the store is created and kept in `.sgc/store.json`
 * (mode 0600, like an ssh key: whoever can read it can write the results):
 *
 * - admin  — the cluster's superuser; sgc uses it only to create the roles and the database.
 * - owner  — what sgc writes with: owns the database `sgc`, not a superuser.
 * - reader — `sgc sql`, Grafana, psql: CONNECT and SELECT, nothing else; read-only by default.
 *
 * The port is chosen once and kept, so the URLs a user gave Grafana stay valid across restarts.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../errors.js';

export interface Login {
  user: string;
  password: string;
}

export interface StoreCredentials {
  format: typeof CREDENTIALS_FORMAT;
  port: number;
  database: string;
  admin: Login;
  owner: Login;
  reader: Login;
}

export const CREDENTIALS_FORMAT = 'sgc-store/1';
export const DATABASE_NAME = 'sgc';
export const OWNER_ROLE = 'sgc_owner';
export const READER_ROLE = 'sgc_reader';
const ADMIN_ROLE = 'sgc_admin';

export function credentialsPath(home: string): string {
  return join(home, 'store.json');
}

/** URL-safe random passwords: nothing to quote in a connection string or a shell. */
function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

export function newCredentials(port: number): StoreCredentials {
  return {
    format: CREDENTIALS_FORMAT,
    port,
    database: DATABASE_NAME,
    admin: { user: ADMIN_ROLE, password: newPassword() },
    owner: { user: OWNER_ROLE, password: newPassword() },
    reader: { user: READER_ROLE, password: newPassword() },
  };
}

export function readCredentials(home: string): StoreCredentials | undefined {
  const path = credentialsPath(home);
  if (!existsSync(path)) return undefined;
  let parsed: StoreCredentials;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as StoreCredentials;
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (parsed?.format !== CREDENTIALS_FORMAT)
    throw new InputError(`${path} is not an sgc store file (format ${JSON.stringify(parsed?.format)})`);
  return parsed;
}

/** Written 0600 from the first byte (never briefly world-readable), then renamed into place. */
export function writeCredentials(home: string, credentials: StoreCredentials): void {
  const path = credentialsPath(home);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function loginUrl(login: Login, port: number, database: string, host = '127.0.0.1'): string {
  return `postgresql://${login.user}:${login.password}@${host}:${port}/${database}?sslmode=disable`;
}
