/**
 * The embedded store's roles and database, created once by the cluster's superuser right after
 * initdb. What each may do is PostgreSQL's to enforce, not sgc's to guess from SQL text:
 *
 * - sgc_owner owns the database `sgc` (and so every table the migrations create) and is not a
 *   superuser: nothing sgc writes with can run programs or read server files.
 * - sgc_reader may CONNECT to `sgc` and SELECT (granted table by table after each migration, see
 *   grantReader in ../reader-role.ts); its sessions are read-only by default and time out.
 * - PUBLIC loses CONNECT and TEMPORARY everywhere, so no role can create even a temporary table
 *   where it was not given the right to.
 */
import pg from 'pg';
import { loginUrl, type StoreCredentials } from './credentials.js';

const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

async function asAdmin(credentials: StoreCredentials, database: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: loginUrl(credentials.admin, credentials.port, database) });
  client.on('error', () => {}); // a failure surfaces through the query that meets it
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createRoles(credentials: StoreCredentials): Promise<void> {
  const { owner, reader, database } = credentials;
  await asAdmin(credentials, 'postgres', [
    `CREATE ROLE ${owner.user} LOGIN PASSWORD ${quoteLiteral(owner.password)}`,
    `CREATE ROLE ${reader.user} LOGIN PASSWORD ${quoteLiteral(reader.password)}`,
    `ALTER ROLE ${reader.user} SET default_transaction_read_only = on`,
    // Grafana and psql sessions too: a runaway query cannot hold the server for long.
    `ALTER ROLE ${reader.user} SET statement_timeout = '60s'`,
    `CREATE DATABASE ${database} OWNER ${owner.user} ENCODING 'UTF8' TEMPLATE template0`,
    `REVOKE ALL ON DATABASE ${database} FROM PUBLIC`,
    `REVOKE ALL ON DATABASE postgres FROM PUBLIC`,
    `REVOKE ALL ON DATABASE template1 FROM PUBLIC`,
    `GRANT CONNECT ON DATABASE ${database} TO ${reader.user}`,
  ]);
  await asAdmin(credentials, database, [
    // Tables the owner creates later (migrations) are readable by the reader without a new grant.
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner.user} IN SCHEMA public GRANT SELECT ON TABLES TO ${reader.user}`,
    `GRANT USAGE ON SCHEMA public TO ${reader.user}`,
  ]);
}
