/**
 * The embedded PGlite database on the PostgreSQL wire protocol, so psql, Grafana, workers in other
 * processes and other sgc commands can use it while its owner runs. The URL is written into the
 * database's lock file, where resolveTarget() finds it.
 */
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { InputError } from '../errors.js';
import type { PGliteDriver } from './pglite-driver.js';

/** Clients connected at once (PGlite has one session; the server multiplexes clients onto it). */
const MAX_CLIENTS = 16;

export interface ServedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function serveEmbedded(
  driver: PGliteDriver,
  host: string,
  port: number,
): Promise<ServedDatabase> {
  const server = new PGLiteSocketServer({ db: driver.db, port, host, maxConnections: MAX_CLIENTS });
  try {
    await server.start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new InputError(`port ${port} on ${host} is in use; pick another with --port`);
    if (code === 'EADDRNOTAVAIL') throw new InputError(`cannot listen on ${host}: no such local address`);
    throw error;
  }
  const [bound, actualPort] = server.getServerConn().split(':');
  const shownHost = bound === '0.0.0.0' ? '127.0.0.1' : bound;
  const url = `postgresql://postgres@${shownHost}:${actualPort}/postgres?sslmode=disable`;
  driver.lock.update({ url });
  return {
    url,
    async stop() {
      driver.lock.update({ url: undefined });
      await server.stop();
    },
  };
}
