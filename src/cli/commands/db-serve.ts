/**
 * `sgc db serve`: puts the embedded PGlite database on the PostgreSQL wire protocol, so psql,
 * Grafana or any PostgreSQL client can read it while it runs. Clients are served one query at a
 * time (PGlite has a single connection); up to 16 may be connected, in turn or at once.
 */
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { InputError } from '../../errors.js';
import { openStore } from '../../store/open-store.js';
import type { PGliteDriver } from '../../store/pglite-driver.js';
import { resolveTarget } from '../../store/target.js';
import { parseOptions } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: sgc db serve [--port 5432] [--host 127.0.0.1]

Serves the embedded results database (.sgc/db, or SGC_DB_DIR) on the PostgreSQL protocol until
interrupted (Ctrl-C). Prints the connection string, e.g. for psql:
  psql "postgresql://postgres@127.0.0.1:5432/postgres?sslmode=disable"
While it runs, other sgc commands reach the same data with DATABASE_URL set to that string.

Options:
  --port <n>     TCP port (default 5432; 0 picks a free one)
  --host <addr>  address to listen on (default 127.0.0.1; 0.0.0.0 exposes it to the network)`;

const MAX_CLIENTS = 16;

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InputError(`--port: "${text}" is not a port number (0-65535)`);
  return port;
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilInterrupted(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
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
    // PGlite has one session; the socket server multiplexes clients onto it, keeping each client's
    // transaction to itself. Its default of a single client would refuse a second psql or Grafana.
    const server = new PGLiteSocketServer({
      db: driver.db,
      port,
      host: values.host,
      maxConnections: MAX_CLIENTS,
    });
    try {
      await server.start();
    } catch (error) {
      await store.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        throw new InputError(`port ${port} on ${values.host} is in use; pick another with --port`);
      if (code === 'EADDRNOTAVAIL')
        throw new InputError(`cannot listen on ${values.host}: no such local address`);
      throw error;
    }
    const [host, actualPort] = server.getServerConn().split(':');
    const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host;
    const url = `postgresql://postgres@${shownHost}:${actualPort}/postgres?sslmode=disable`;
    driver.lock.update({ url });
    console.log(url);
    console.error(`Serving ${driver.location} (Ctrl-C to stop)`);
    const signal = await untilInterrupted();
    console.error(`${signal}: stopping`);
    await server.stop();
    await store.close();
    return 0;
  },
};
