/** `sgc db migrate`: applies the pending migrations in prisma/migrations to the results store. */
import { InputError } from '../../errors.js';
import { loadMigrations, migrate, migrationStatus } from '../../store/migrations.js';
import { openConnection } from '../../store/open-store.js';
import { grantReader, READER_ROLE } from '../../store/reader-role.js';
import { resolveTarget } from '../../store/target.js';
import { defineCommand } from '../command.js';
import { seeHelp } from '../commandLine.js';

const usage = `Usage: sgc db migrate [--status [--json]]

Applies the migrations in prisma/migrations that the results store does not have yet, in order,
each in its own transaction (a migration that fails leaves nothing of itself behind), then lets the
read-only role ${READER_ROLE} (where it exists) read every table and view. The store is the
PostgreSQL server in DATABASE_URL when set, otherwise the embedded store of the nearest .sgc/ folder
(SGC_HOME to name one), created here in .sgc/ when there is none; the embedded store also applies
migrations by itself whenever it is opened.

Options:
  --status   list applied and pending migrations, change nothing
  --json     with --status: the same as JSON {database, applied, pending}`;

export const dbMigrateCommand = defineCommand({
  usage,
  options: { status: { type: 'boolean' }, json: { type: 'boolean' } },
  examples: ['sgc db migrate', 'sgc db migrate --status', 'sgc db migrate --status --json'],
  async run({ values, positionals }) {
    if (positionals.length)
      throw new InputError(`unexpected argument "${positionals[0]}" (${seeHelp(usage)})`);
    if (values.json && !values.status) throw new InputError('--json goes with --status');
    const migrations = loadMigrations();
    // --status only reads, so it creates no store; migrating is how one makes a store on purpose.
    const target = resolveTarget({ create: !values.status });
    const { driver, embedded } = await openConnection(target, {
      create: !values.status,
      command: 'sgc db migrate',
      log: (line) => console.error(line),
    });
    if (embedded?.how === 'created') console.error(`created the results store in ${embedded.home}`);
    try {
      if (values.status) {
        const { applied, pending } = await migrationStatus(driver, migrations);
        if (values.json) {
          const names = (list: { name: string }[]) => list.map((m) => m.name);
          console.log(
            JSON.stringify(
              { database: driver.location, applied: names(applied), pending: names(pending) },
              null,
              2,
            ),
          );
          return 0;
        }
        console.log(`Database: ${driver.location}`);
        for (const a of applied) console.log(`  applied  ${a.name}`);
        for (const p of pending) console.log(`  pending  ${p.name}`);
        console.log(pending.length ? `${pending.length} pending` : 'Up to date.');
        return 0;
      }
      const done = await migrate(driver, {
        migrations,
        onApplied: (name) => console.log(`applied ${name}`),
      });
      if (!(await grantReader(driver)))
        console.error(
          `note: no role ${READER_ROLE} on this server, so \`sgc sql\` and Grafana have no read-only login yet ` +
            '(dashboards/provisioning/postgres-reader.sql creates one)',
        );
      console.log(
        done.length
          ? `${driver.location}: ${done.length} migration(s) applied, up to date.`
          : `${driver.location}: up to date (${migrations.length} migrations), nothing to do.`,
      );
    } finally {
      await driver.close();
    }
    return 0;
  },
});
