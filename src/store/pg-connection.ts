/**
 * DATABASE_URL as libpq reads it. node-postgres's own reading of `sslmode` differs from libpq's
 * (`require` verifies the certificate there, so a self-signed server fails); with
 * `uselibpqcompat=true` it follows libpq, which is what the PostgreSQL documentation, and every
 * other client a researcher uses, promise:
 *
 *   disable      no TLS
 *   allow/prefer TLS if the server offers it, without verification; plain otherwise
 *   require      TLS, not verified (verified against `sslrootcert` when one is given)
 *   verify-ca    TLS, certificate signed by `sslrootcert` (default ~/.postgresql/root.crt)
 *   verify-full  verify-ca, and the host name matches the certificate
 *
 * (https://www.postgresql.org/docs/current/libpq-ssl.html, table "SSL Mode Descriptions".)
 * The password comes from the URL, else PGPASSWORD, else the password file (PGPASSFILE or
 * ~/.pgpass, `host:port:database:user:password` lines with `*` wildcards, ignored unless 0600 as
 * libpq does).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { InputError } from '../errors.js';

const SSL_MODES = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']);

/** The sslmode the URL asks for (PGSSLMODE when the URL says none), or undefined for libpq's default. */
export function sslMode(url: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const mode = url.searchParams.get('sslmode') ?? env['PGSSLMODE'] ?? undefined;
  if (mode !== undefined && !SSL_MODES.has(mode))
    throw new InputError(`sslmode=${mode}: expected one of ${[...SSL_MODES].join(', ')}`);
  return mode;
}

/** Pool settings for a DATABASE_URL: libpq's sslmode, and its password sources. */
export function pgConnectionConfig(
  urlText: string,
  env: NodeJS.ProcessEnv = process.env,
  { plain = false }: { plain?: boolean } = {},
): pg.PoolConfig {
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new InputError(
      'DATABASE_URL is not a valid URL (expected postgresql://user:password@host:port/database)',
    );
  }
  const mode = plain ? 'disable' : sslMode(url, env);
  if (mode) {
    url.searchParams.set('sslmode', mode);
    url.searchParams.set('uselibpqcompat', 'true');
    const defaultRoot = join(homedir(), '.postgresql', 'root.crt');
    if (mode.startsWith('verify-') && !url.searchParams.get('sslrootcert')) {
      if (!existsSync(defaultRoot))
        throw new InputError(
          `sslmode=${mode} needs the CA that signed the server's certificate: add sslrootcert=<file> to DATABASE_URL (or put it in ${defaultRoot})`,
        );
      url.searchParams.set('sslrootcert', defaultRoot);
    }
    const rootCert = url.searchParams.get('sslrootcert');
    if (rootCert && !existsSync(rootCert)) throw new InputError(`sslrootcert=${rootCert}: no such file`);
  }
  // node-postgres reads PGPASSWORD itself. The file's password goes into the URL: a `password`
  // option beside `connectionString` is dropped when node-postgres merges the two.
  if (!url.password && !env['PGPASSWORD']) {
    const password = passwordFromFile(url, env);
    if (password !== undefined) url.password = encodeURIComponent(password);
  }
  return { connectionString: url.toString() };
}

/** Whether a connection should be tried again without TLS, as libpq does for allow/prefer. */
export function mayFallBackToPlain(urlText: string, error: unknown, env: NodeJS.ProcessEnv = process.env) {
  // Only a server that refused TLS; a URL that does not parse never got as far as connecting.
  if (!/does not support SSL/i.test(String((error as Error)?.message))) return false;
  const mode = sslMode(new URL(urlText), env);
  return mode === 'prefer' || mode === 'allow';
}

function unescapeField(field: string): string {
  return field.replace(/\\(.)/g, '$1');
}

/** Splits a .pgpass line on unescaped colons. */
function fields(line: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      current += c + line[++i];
    } else if (c === ':') {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** The password file's entry for this URL's host, port, database and user (libpq's rules). */
export function passwordFromFile(url: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env['PGPASSFILE'] || join(homedir(), '.pgpass');
  let text: string;
  try {
    // libpq ignores a password file that others may read.
    if ((statSync(file).mode & 0o077) !== 0) return undefined;
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const wanted = [
    url.hostname || 'localhost',
    url.port || '5432',
    decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username),
    decodeURIComponent(url.username) || env['PGUSER'] || env['USER'] || '',
  ];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const parts = fields(line);
    if (parts.length < 5) continue;
    const pattern = parts.slice(0, 4);
    if (pattern.every((p, i) => p === '*' || unescapeField(p) === wanted[i]))
      return unescapeField(parts.slice(4).join(':'));
  }
  return undefined;
}

/** One line for a TLS failure, or undefined when the error is about something else. */
export function tlsProblem(error: unknown): string | undefined {
  const e = error as NodeJS.ErrnoException;
  const message = String(e?.message ?? '');
  if (/does not support SSL/i.test(message))
    return 'the server does not accept TLS (sslmode asks for it): use sslmode=prefer or disable, or enable ssl on the server';
  if (
    /self[- ]signed|unable to (verify|get local issuer)|certificate/i.test(message) ||
    /CERT|SELF_SIGNED|ERR_TLS/.test(e?.code ?? '')
  )
    return `its TLS certificate was not accepted (${message}): with sslmode=verify-ca or verify-full, sslrootcert must name the CA that signed it; sslmode=require encrypts without verifying`;
  return undefined;
}
