/**
 * `sgc_reader`, the role users' own queries run as (`sgc sql`, Grafana, psql): CONNECT and SELECT,
 * nothing else. On the embedded store it is a login created with the store (embedded/roles.ts). On
 * an external server it is whatever the DBA made of it (dashboards/provisioning/postgres-reader.sql
 * makes one); sgc reaches it by logging in as it (SGC_READER_URL) or, where the DATABASE_URL role is
 * a plain member of it, with SET ROLE inside the query's transaction.
 *
 * A superuser session never runs a user's query, not even after SET ROLE: within its statement a
 * query can call set_config('role', …) and be the superuser again, and a superuser can run programs
 * (COPY … TO PROGRAM) and read the server's files, read-only transaction or not.
 */
import { InputError } from '../errors.js';
import { attachEmbedded } from './embedded/attach.js';
import { READER_ROLE } from './embedded/credentials.js';
import { withSchemaLock } from './migrations.js';
import { PgDriver } from './pg-driver.js';
import type { SqlDriver } from './sql-driver.js';
import type { StoreTarget } from './target.js';

export { READER_ROLE };

/**
 * Makes every table and view readable by sgc_reader, where that role exists. Run after migrations.
 * Every store open that migrates calls this, often several processes at once (a fleet starting):
 * concurrent GRANTs on one table collide in the catalog ("tuple concurrently updated"), so they
 * wait for each other on the schema's lock, and an open that finds the grants in place writes none.
 */
export async function grantReader(driver: SqlDriver): Promise<boolean> {
  return withSchemaLock(driver, async (tx) => {
    const [{ exists }] = await tx.query<{ exists: boolean }>(
      'SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1) AS exists',
      [READER_ROLE],
    );
    if (!exists) return false;
    const [{ missing }] = await tx.query<{ missing: boolean }>(
      `SELECT NOT has_schema_privilege($1, 'public', 'USAGE')
              OR EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
                            AND NOT has_table_privilege($1, c.oid, 'SELECT')) AS missing`,
      [READER_ROLE],
    );
    if (missing)
      await tx.exec(
        `GRANT USAGE ON SCHEMA public TO ${READER_ROLE}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${READER_ROLE}`,
      );
    return true;
  });
}

export interface ReaderConnection {
  driver: PgDriver;
  /** The role to SET inside each query's transaction, when the login is not sgc_reader itself. */
  setRole: string | undefined;
}

interface SessionPowers {
  user: string;
  superuser: boolean;
  /** Roles that read or run things on the server, which a user's query must never hold. */
  serverRoles: string[];
  readerExists: boolean;
  memberOfReader: boolean;
}

async function sessionPowers(driver: PgDriver): Promise<SessionPowers> {
  const [row] = await driver.query<SessionPowers>(
    `SELECT current_user AS "user",
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
            ARRAY(SELECT r FROM unnest(ARRAY['pg_read_server_files', 'pg_write_server_files',
                                             'pg_execute_server_program']) AS r
                   WHERE pg_has_role(current_user, r, 'MEMBER')) AS "serverRoles",
            EXISTS (SELECT FROM pg_roles WHERE rolname = $1) AS "readerExists",
            EXISTS (SELECT FROM pg_roles WHERE rolname = $1)
              AND pg_has_role(current_user, $1, 'MEMBER') AS "memberOfReader"`,
    [READER_ROLE],
  );
  return row;
}

function tooPowerful(powers: SessionPowers): string | undefined {
  if (powers.superuser) return `a superuser (${powers.user})`;
  if (powers.serverRoles.length) return `${powers.user}, a member of ${powers.serverRoles.join(', ')}`;
  return undefined;
}

const howToReader =
  `set SGC_READER_URL to a login of the read-only role ${READER_ROLE} ` +
  '(dashboards/provisioning/postgres-reader.sql creates it; give it a password with ALTER ROLE), ' +
  `or use a DATABASE_URL role that is not a superuser and is a member of ${READER_ROLE}`;

/**
 * A connection on which users' queries run as sgc_reader: the embedded store's reader login,
 * SGC_READER_URL, or DATABASE_URL with SET ROLE; an InputError where none of these is safe.
 */
export async function openReader(
  target: StoreTarget,
  env: NodeJS.ProcessEnv = process.env,
  command = 'sgc sql',
): Promise<ReaderConnection> {
  if (target.kind === 'embedded') {
    const embedded = await attachEmbedded(target.home, { create: false, command });
    const driver = await PgDriver.connect(embedded.readerUrl, {
      onClose: () => embedded.release(),
      location: `the embedded store in ${target.home} (127.0.0.1:${embedded.port})`,
      max: 1,
    });
    return { driver, setRole: undefined };
  }
  const readerUrl = env['SGC_READER_URL']?.trim();
  const driver = await PgDriver.connect(readerUrl || target.url, { max: 1 });
  try {
    const powers = await sessionPowers(driver);
    const risky = tooPowerful(powers);
    if (readerUrl) {
      if (risky)
        throw new InputError(
          `SGC_READER_URL logs in as ${risky}; sgc sql runs queries only as a read-only role`,
        );
      return { driver, setRole: undefined };
    }
    if (powers.user === READER_ROLE && !risky) return { driver, setRole: undefined };
    if (risky)
      throw new InputError(
        `DATABASE_URL logs in as ${risky}, and sgc sql never runs a query with those powers: ${howToReader}`,
      );
    if (!powers.readerExists || !powers.memberOfReader)
      throw new InputError(
        `DATABASE_URL's role ${powers.user} cannot act as ${READER_ROLE} ` +
          `(${powers.readerExists ? 'not a member of it' : 'no such role on that server'}): ${howToReader}`,
      );
    return { driver, setRole: READER_ROLE };
  } catch (error) {
    await driver.close();
    throw error;
  }
}
