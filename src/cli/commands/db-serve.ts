/**
 * `sgc db serve`: puts the embedded PGlite database on the PostgreSQL wire protocol, so psql,
 * Grafana or any PostgreSQL client can read it while it runs. Clients are served one query at a
 * time (PGlite has a single connection); up to 16 may be connected, in turn or at once.
 */
import { InputError } from '../../errors.js';
import { openStore } from '../../store/open-store.js';
import type { PGliteDriver } from '../../store/pglite-driver.js';
import { serveEmbedded } from '../../store/serve.js';
import { resolveTarget } from '../../store/target.js';
import { parseOptions } from '../args.js';
import type { Command } from '../command.js';
import { untilInterrupted } from '../interrupt.js';

const usage = `Usage: sgc db serve [--port 5432] [--host 127.0.0.1]

Serves the embedded results database (.sgc/db, or SGC_DB_DIR) on the PostgreSQL protocol until
interrupted (Ctrl-C). Prints the connection string, e.g. for psql:
  psql "postgresql://postgres@127.0.0.1:5432/postgres?sslmode=disable"
While it runs, other sgc commands reach the same data with DATABASE_URL set to that string.

Options:
  --port <n>     TCP port (default 5432; 0 picks a free one)
  --host <addr>  address to listen on (default 127.0.0.1; 0.0.0.0 exposes it to the network)`;

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InputError(`--port: "${text}" is not a port number (0-65535)`);
  return port;
}

export const dbServeCommand: Command = {
  name: ['db', 'serve'],
  summary: 'serve the embedded database to psql/Grafana on the PostgreSQL protocol',
  usage,
  async run(args) {
    const { values, positionals } = parseOptions(
      args,
      { port: { type: 'string', default: '5432' }, host: { type: 'string', default: '127.0.0.1' } },
      usage,
    );
    if (positionals.length) throw new InputError(`unexpected argument "${positionals[0]}"\n${usage}`);
    const port = parsePort(values.port);
    const target = resolveTarget();
    if (target.kind === 'postgres')
      throw new InputError(
        'DATABASE_URL is set, so the results are on a PostgreSQL server already: connect to it directly ' +
          '(unset DATABASE_URL to serve the embedded database)',
      );
    const store = await openStore({ target, command: 'sgc db serve' });
    const driver = store.driver as PGliteDriver;
    for (const name of store.applied) console.error(`applied migration ${name}`);
    let served: Awaited<ReturnType<typeof serveEmbedded>>;
    try {
      served = await serveEmbedded(driver, values.host, port);
    } catch (error) {
      await store.close();
      throw error;
    }
    const url = served.url;
    console.log(url);
    console.error(`Serving ${driver.location} (Ctrl-C to stop)`);
    const signal = await untilInterrupted();
    console.error(`${signal}: stopping`);
    await served.stop();
    await store.close();
    return 0;
  },
};
