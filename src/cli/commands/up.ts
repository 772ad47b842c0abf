/**
 * `sgc up`: the embedded stack on one machine, in the foreground until Ctrl-C — a Temporal dev
 * server (state in .sgc/temporal.db), the results store served on the PostgreSQL protocol, a
 * worker, and the metrics endpoint. Other sgc commands in the same directory find all of it.
 */
import { InputError } from '../../errors.js';
import { parseInteger } from '../args.js';
import { defineCommand } from '../command.js';
import { seeHelp } from '../commandLine.js';
import { untilInterrupted } from '../interrupt.js';
import { parseSeedGroup, SEED_GROUP_FLAG, SEED_GROUP_HELP } from '../seedGroupOption.js';

const usage = `usage: sgc up [--concurrency N] [--seed-group S] [--metrics-port P] [--metrics-host H]

Starts what is not already running in this folder: a Temporal dev server (the \`temporal\` CLI from
PATH or SGC_TEMPORAL_CLI; state in .sgc/temporal.db; another folder's server, or one of your own on
the default port, is used only when TEMPORAL_ADDRESS names it), the results store (a PostgreSQL
server on 127.0.0.1 with its data in .sgc/pg, which other sgc commands, psql and Grafana reach
while it runs), a worker and the metrics endpoint. The .sgc/ folder is the nearest one in this
folder or a parent (SGC_HOME to name one), else a new one here. With TEMPORAL_ADDRESS or
DATABASE_URL set, uses that server or database instead. Prints the environment Grafana's
provisioned data sources read. Runs until Ctrl-C. One stack per .sgc/: a second \`sgc up\` there is
refused (exit 2, saying what runs); \`sgc run\` there uses the running one.

Options:
  --concurrency <n>   trainings at once in this worker (default 1; 0: no worker)
${SEED_GROUP_HELP}
  --metrics-port <p>  Prometheus /metrics port (default 9464; 0 picks a free one)
  --metrics-host <h>  address the metrics endpoint listens on (default 127.0.0.1)`;

export function stackOptions(values: {
  concurrency: string;
  'seed-group': string;
  'metrics-port': string;
  'metrics-host': string;
}) {
  const concurrency = parseInteger(values.concurrency, '--concurrency');
  if (concurrency < 0) throw new InputError(`--concurrency ${concurrency}: 0 or more`);
  const metricsPort = parseInteger(values['metrics-port'], '--metrics-port');
  if (metricsPort < 0 || metricsPort > 65535)
    throw new InputError(`--metrics-port ${metricsPort}: not a port`);
  const seedGroup = parseSeedGroup(values['seed-group']);
  return { concurrency, seedGroup, metricsPort, metricsHost: values['metrics-host'] };
}

export const stackFlags = {
  concurrency: { type: 'string', default: '1' },
  ...SEED_GROUP_FLAG,
  'metrics-port': { type: 'string', default: '9464' },
  'metrics-host': { type: 'string', default: '127.0.0.1' },
} as const;

export const upCommand = defineCommand({
  usage,
  options: stackFlags,
  examples: ['sgc up', 'sgc up --concurrency 2 --metrics-port 0'],
  async run({ values, positionals }) {
    if (positionals.length)
      throw new InputError(`unexpected argument "${positionals[0]}" (${seeHelp(usage)})`);
    // Listening from the start: Ctrl-C while the stack comes up stops it cleanly once it is up,
    // rather than killing this process with its children half-started.
    const interrupted = untilInterrupted();
    // Loaded here, not at the top: the Temporal SDK is slow to load for every other command.
    const { startStack } = await import('../../temporal/stack.js');
    const stack = await startStack({ ...stackOptions(values), command: 'sgc up' });
    for (const line of stack.started) console.error(`started ${line}`);
    if (stack.grafana) console.error(`Grafana: ${stack.grafana}`);
    console.error(`ready: TEMPORAL_ADDRESS=${stack.temporal.address} (Ctrl-C to stop)`);
    const signal = await interrupted;
    console.error(`${signal}: stopping`);
    await stack.stop();
    return 0;
  },
});
