/**
 * `sgc db serve`: keeps the embedded store's PostgreSQL running for psql, Grafana or any PostgreSQL
 * client until interrupted, and prints how to connect as the read-only role sgc_reader.
 */
import { isIP } from 'node:net';
import { InputError } from '../../errors.js';
import { findOrCreateHome } from '../../home.js';
import { grafanaEnvironment, readerUrl } from '../../store/embedded/announce.js';
import { attachEmbedded, embeddedPaths } from '../../store/embedded/attach.js';
import { runningServer } from '../../store/embedded/postmaster.js';
import { defineCommand } from '../command.js';
import { seeHelp } from '../commandLine.js';
import { untilInterrupted } from '../interrupt.js';

const usage = `Usage: sgc db serve [--port <n>] [--host <addr> --expose]

Keeps the embedded results store (the PostgreSQL of the nearest .sgc/ folder, SGC_HOME to name
one; created here when there is none) running until interrupted (Ctrl-C), and prints the URL of the
read-only role sgc_reader on standard output (for psql: psql "<that URL>") and the environment Grafana's provisioned data source reads (dashboards/provisioning). Other sgc
commands in this folder use the same server meanwhile. Every login needs its password
(scram-sha-256); the passwords are in .sgc/store.json (mode 0600).

Options:
  --port <n>       TCP port to start on (default: the store's own, chosen when it was created);
                   refused while other sgc commands use the server on another port
  --host <addr>    also listen on this address (default: 127.0.0.1 only); needs --expose
  --expose         confirm --host: other machines can then log in as sgc_reader (read-only) with its
                   password; the owner role stays loopback-only`;

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InputError(`--port: "${text}" is not a port number (1-65535)`);
  return port;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export const dbServeCommand = defineCommand({
  usage,
  options: { port: { type: 'string' }, host: { type: 'string' }, expose: { type: 'boolean' } },
  examples: ['sgc db serve', 'sgc db serve --port 5433'],
  async run({ values, positionals }) {
    if (positionals.length)
      throw new InputError(`unexpected argument "${positionals[0]}" (${seeHelp(usage)})`);
    if (process.env['DATABASE_URL']?.trim())
      throw new InputError(
        'DATABASE_URL is set, so the results are on a PostgreSQL server already: connect to it directly ' +
          '(unset DATABASE_URL to serve the embedded store)',
      );
    const port = values.port === undefined ? undefined : parsePort(values.port);
    const host = values.host?.trim();
    const exposed = host !== undefined && !LOOPBACK.has(host);
    if (exposed && !values.expose)
      throw new InputError(
        `--host ${host} would let other machines connect to the results store: add --expose to confirm ` +
          '(they can log in as the read-only sgc_reader with its password)',
      );
    if (exposed && host !== '0.0.0.0' && host !== '::' && isIP(host) === 0)
      throw new InputError(`--host ${host}: not an IP address of this machine (or 0.0.0.0 for all)`);
    if (values.expose && !exposed)
      throw new InputError('--expose needs --host <addr> (an address other than loopback)');
    const home = findOrCreateHome();
    const store = await attachEmbedded(home, {
      create: true,
      command: 'sgc db serve',
      port,
      extraAddresses: exposed ? [host] : undefined,
      log: (line) => console.error(line),
    });
    try {
      console.log(readerUrl(store));
      const state = {
        created: 'created and started',
        started: 'started',
        running: 'already running, now kept up',
      };
      console.error(
        `results store in ${home}: ${state[store.how]} on 127.0.0.1:${store.port} (Ctrl-C to stop)`,
      );
      if (exposed)
        console.error(
          `exposed: listening on ${host}:${store.port} too; any host that reaches it can log in as sgc_reader (read-only) with its password`,
        );
      console.error(`Grafana: ${grafanaEnvironment(store)}`);
      // Watching the server also keeps this process alive (signal listeners alone do not).
      const { dataDir } = embeddedPaths(home);
      let watch: NodeJS.Timeout | undefined;
      const lost = new Promise<'lost'>((resolve) => {
        watch = setInterval(() => {
          if (!runningServer(dataDir)) resolve('lost');
        }, 2000);
      });
      const ended = await Promise.race([untilInterrupted(), lost]);
      clearInterval(watch);
      if (ended === 'lost') {
        console.error(`the results store's PostgreSQL stopped (see ${embeddedPaths(home).logFile})`);
        return 1;
      }
      console.error(`${ended}: stopping`);
    } finally {
      await store.release();
    }
    return 0;
  },
});
