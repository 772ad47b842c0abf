/**
 * `sgc sweep start|list|status|watch|pause|resume|stop|cancel|extend`: sweeps on the Temporal server
 * of TEMPORAL_ADDRESS (or of a running `sgc up`). Specs are validated here, before anything is sent:
 * a bad spec costs nothing and changes nothing. `start` also checks the spec against the one stored
 * under its name (src/cli/sweepName.ts). Managing stored sweeps is in sweep-manage.ts.
 */
import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { parse as parseYaml } from 'yaml';
import { EXTENSION_FIELDS, EXTENSION_LISTS, type SweepExtension } from '../../../workflows/definitions.js';
import { InputError } from '../../errors.js';
import type { Store } from '../../store/open-store.js';
import { DEFAULT_RETRY, type RetryBudget } from '../../sweep/messages.js';
import { parseInteger } from '../args.js';
import { type Command, defineCommand } from '../command.js';
import { seeHelp } from '../commandLine.js';
import { limitFlags, limitFlagsUsage, runLimits } from '../runLimits.js';
import { sweepListRows } from '../sweepListing.js';
import { claimSweepName } from '../sweepName.js';
import { loadSweepSpecFile } from '../sweepSpecFile.js';

/**
 * The Temporal client and what the commands do with it, loaded only when a sweep command runs: the
 * SDK takes most of a second to load, which every other `sgc` command would otherwise pay.
 */
async function loadSweepApi() {
  const [connection, stack, sweeps, view] = await Promise.all([
    import('../../temporal/connection.js'),
    import('../../temporal/stackTemporal.js'),
    import('../../temporal/sweeps.js'),
    import('../sweepView.js'),
  ]);
  return { ...connection, ...stack, ...sweeps, ...view };
}
type SweepApi = Awaited<ReturnType<typeof loadSweepApi>>;

export async function withClient<T>(work: (client: Client, api: SweepApi) => Promise<T>): Promise<T> {
  const api = await loadSweepApi();
  const client = await api.connectClient(api.resolveStackTemporal());
  try {
    return await work(client, api);
  } finally {
    await client.connection.close();
  }
}

/**
 * The results store of this folder (or DATABASE_URL), open for `work`. Loaded on use, like the
 * Temporal SDK. A store whose schema lags this checkout is refused: its sweep table lacks the
 * columns the commands read and write.
 */
export async function withStore<T>(command: string, work: (store: Store) => Promise<T>): Promise<T> {
  const { openStore } = await import('../../store/open-store.js');
  const store = await openStore({ command });
  try {
    if (store.schemaProblem) throw new InputError(store.schemaProblem);
    return await work(store);
  } finally {
    await store.close();
  }
}

/**
 * Starts the sweep of `raw` under the name rule (`sgc sweep start`, `sgc run`): refused when the name
 * holds another spec; with `replace`, the stored sweep is archived first (and that is said on
 * stderr). Once started, the sweep is in the store, so that reading commands find it at once.
 */
export async function startCheckedSweep(
  store: Store,
  client: Client,
  raw: Record<string, unknown>,
  replace: boolean,
  start: () => Promise<unknown>,
): Promise<void> {
  const [{ SweepAdmin }, { isSweepRunning }, { specHash }] = await Promise.all([
    import('../../store/sweep-admin.js'),
    import('../../temporal/sweeps.js'),
    import('../../sweep/specHash.js'),
  ]);
  const admin = new SweepAdmin(store.driver);
  const name = String(raw['name']);
  const { archivedAs } = await claimSweepName(admin, raw, {
    replace,
    isRunning: (sweep) => isSweepRunning(client, sweep),
  });
  if (archivedAs) console.error(`archived the stored sweep ${name} as ${archivedAs}`);
  await start();
  await admin.registerStarted(name, raw, specHash(raw));
}

function oneSweepId(positionals: string[], usage: string): string {
  if (positionals.length !== 1)
    throw new InputError(`give one sweep id (the spec's name) (${seeHelp(usage)})`);
  return positionals[0];
}

const startUsage = `usage: sgc sweep start <spec.yaml> [--wait] [--replace] [--window N] [--heartbeat-timeout S] [--retries N]

Validates the spec, then starts its sweep (workflow sweep/<name>) and returns; with --wait, follows
it to the end and prints the minimal-width table. Starting a finished sweep again trains only what
is not in the store (runs that failed or were cancelled); everything else is a cache hit.

A sweep name holds one spec: a spec that differs from the one stored under its name (other groups,
k, budget, …; defaults written out and list order do not count) is refused with the differences,
and nothing is started. Add to a sweep with \`sgc sweep extend\`, or give the spec another name.

Options:
  --wait                  follow the sweep until it ends
  --json                  with --wait: the final table's rows as JSON (as \`sgc results --json\`)
  --replace               archive the stored sweep of that name first (renamed <name>@<UTC time>,
                          its runs kept and queryable), then start this spec under the name
  --window <n>            cells searched at once (default 16)
  --heartbeat-timeout <s> seconds without a heartbeat before a training moves to another worker (default 15)
  --retries <n>           attempts of a store call before it waits for an unreachable store (the sweep
                          shows waiting), and of a training that throws before its run ends error (default 5)
${limitFlagsUsage}`;

export const sweepStartCommand = defineCommand({
  usage: startUsage,
  options: {
    wait: { type: 'boolean' },
    json: { type: 'boolean' },
    replace: { type: 'boolean' },
    window: { type: 'string' },
    'heartbeat-timeout': { type: 'string' },
    retries: { type: 'string' },
    ...limitFlags,
  },
  examples: [
    'sgc sweep start examples/sweep-small.yaml --wait',
    'sgc sweep start spec.yaml --replace --window 8',
  ],
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new InputError(`give one sweep spec file (${seeHelp(startUsage)})`);
    const loaded = loadSweepSpecFile(positionals[0], runLimits(values));
    const options = sweepOptions(values);
    return withClient(
      async (client, { startSweep, watchSweep, minWidthTable, minWidthJson, successHeader }) => {
        await withStore('sgc sweep start', (store) =>
          startCheckedSweep(store, client, loaded.raw, values.replace ?? false, () =>
            startSweep(client, loaded.raw, options),
          ),
        );
        console.error(`started sweep ${loaded.spec.name}: ${loaded.expansion.cells.length} cells`);
        if (!values.wait) {
          console.log(loaded.spec.name);
          return 0;
        }
        const status = await watchSweep(client, loaded.spec.name, { live: process.stderr.isTTY });
        console.log(
          values.json ? minWidthJson(status) : `${successHeader(loaded.spec)}\n${minWidthTable(status)}`,
        );
        return 0;
      },
    );
  },
});

/** --window, --heartbeat-timeout and --retries, checked. */
export function sweepOptions(values: { window?: string; 'heartbeat-timeout'?: string; retries?: string }) {
  const options: { window?: number; heartbeatTimeoutSeconds?: number; retry?: RetryBudget } = {};
  if (values.window !== undefined) {
    options.window = parseInteger(values.window, '--window');
    if (options.window < 1) throw new InputError(`--window ${values.window}: at least 1 cell at once`);
  }
  if (values['heartbeat-timeout'] !== undefined) {
    options.heartbeatTimeoutSeconds = parseInteger(values['heartbeat-timeout'], '--heartbeat-timeout');
    if (options.heartbeatTimeoutSeconds < 2)
      throw new InputError(`--heartbeat-timeout ${values['heartbeat-timeout']}: at least 2 seconds`);
  }
  if (values.retries !== undefined) {
    const attempts = parseInteger(values.retries, '--retries');
    if (attempts < 1) throw new InputError(`--retries ${values.retries}: at least 1 attempt`);
    options.retry = { ...DEFAULT_RETRY, attempts };
  }
  return options;
}

const listUsage = `usage: sgc sweep list [--all] [--json]

Every sweep of the results store, newest first, with the state of its Temporal workflow (the store's
last recorded state where Temporal has none, e.g. after a rename), and its tags. Archived sweeps
(\`sgc sweep archive\`) are left out unless --all, which adds an archived column. Where no results
store can be found, the sweeps on the Temporal server.

State: running, waiting (for an unreachable store), paused, stopping, done, stopped, cancelled or
failed. cells: ended/total; H*: cells that ended with a minimal width; runs: done (+ in flight),
all counted in the store; started and ended: the sweep's latest start (ended empty while it runs).

Options:
  --all   archived sweeps too
  --json  the same as a JSON list`;
export const sweepListCommand = defineCommand({
  usage: listUsage,
  options: { all: { type: 'boolean' }, json: { type: 'boolean' } },
  examples: ['sgc sweep list', 'sgc sweep list --all --json'],
  async run({ values, positionals }) {
    if (positionals.length)
      throw new InputError(`unexpected argument "${positionals[0]}" (${seeHelp(listUsage)})`);
    const all = values.all ?? false;
    const { sweepListLines, sweepListTable, withTrueStates } = await import('../sweepTruth.js');
    return withClient(async (client, { listSweeps }) => {
      // Temporal's word for a workflow (running, completed) is not the sweep's state: paused,
      // stopped and the like come from the workflow itself.
      const temporal = await withTrueStates(client, await listSweeps(client));
      const stored = await storedSweeps(all);
      const lines = sweepListLines(sweepListRows(temporal, stored?.records), stored?.summaries);
      console.log(values.json ? JSON.stringify(lines, null, 2) : sweepListTable(lines, all));
      return 0;
    });
  },
});

/**
 * The store's sweeps and their cell and run counts, or undefined where this folder has no store
 * (Temporal's list is then all).
 */
async function storedSweeps(all: boolean) {
  const { resolveTarget } = await import('../../store/target.js');
  try {
    resolveTarget();
  } catch (error) {
    if (error instanceof InputError) return undefined;
    throw error;
  }
  const [{ SweepAdmin }, { storedSweepSummaries }] = await Promise.all([
    import('../../store/sweep-admin.js'),
    import('../../store/sweep-status.js'),
  ]);
  return withStore('sgc sweep list', async (store) => ({
    records: await new SweepAdmin(store.driver).list({ all }),
    summaries: await storedSweepSummaries(store.driver),
  }));
}

const statusUsage = `usage: sgc sweep status <id> [--json]

The sweep's state (running, waiting, paused, stopping, done, stopped, cancelled, failed), its cells,
brackets and runs, once. Cells and runs are counted from the results store (the workflow's own
counts where no store can be found); \`training\` counts runs a worker is training now, \`queued\`
runs claimed or scheduled that wait for one. Elapsed time and runs/min stop at the sweep's end.`;
export const sweepStatusCommand = defineCommand({
  usage: statusUsage,
  options: { json: { type: 'boolean' } },
  examples: ['sgc sweep status small-width', 'sgc sweep status small-width --json'],
  async run({ values, positionals }) {
    const sweepId = oneSweepId(positionals, statusUsage);
    const { trueSweepStatus, withFoundStore } = await import('../sweepTruth.js');
    return withClient(async (client, { summaryLine, cellsTable }) => {
      const { status } = await withFoundStore('sgc sweep status', (store) =>
        trueSweepStatus(client, sweepId, store),
      );
      if (values.json) console.log(JSON.stringify(status, null, 2));
      else console.log(`${summaryLine(status)}\n${cellsTable(status.cells)}`);
      return 0;
    });
  },
});

const watchUsage = `usage: sgc sweep watch <id> [--json]

Follows a sweep live until it ends (state, cells solved, runs done, training and queued, brackets
per cell, throughput, ETA), then prints the minimal-width table. Counts come from the results store,
as in \`sgc sweep status\`.

Options:
  --json   the final table's rows as JSON (as \`sgc results --json\`)`;
export const sweepWatchCommand = defineCommand({
  usage: watchUsage,
  options: { json: { type: 'boolean' } },
  examples: ['sgc sweep watch small-width', 'sgc sweep watch small-width --json'],
  async run({ values, positionals }) {
    const sweepId = oneSweepId(positionals, watchUsage);
    const { withFoundStore } = await import('../sweepTruth.js');
    return withClient(async (client, { watchSweep, minWidthTable, minWidthJson }) => {
      const status = await withFoundStore('sgc sweep watch', (store) =>
        watchSweep(client, sweepId, { live: process.stderr.isTTY, ...(store ? { store } : {}) }),
      );
      console.log(values.json ? minWidthJson(status) : minWidthTable(status));
      return 0;
    });
  },
});

/** pause, resume, stop and cancel: one message to a running sweep. */
function messageCommand(
  word: 'pause' | 'resume' | 'stop' | 'cancel',
  /** The usage text's sentence (index.ts has the same as the summary `sgc --help` lists). */
  description: string,
  send: (api: SweepApi) => (client: Client, sweepId: string) => Promise<void>,
): Command {
  const usage = `usage: sgc sweep ${word} <id>\n\n${description}.`;
  return defineCommand({
    usage,
    options: {},
    examples: [`sgc sweep ${word} small-width`],
    async run({ positionals }) {
      const sweepId = oneSweepId(positionals, usage);
      await withClient((client, api) => send(api)(client, sweepId));
      console.error(`sweep ${sweepId}: ${word} sent`);
      return 0;
    },
  });
}

export const sweepPauseCommand = messageCommand(
  'pause',
  'Start no new runs until resumed',
  (a) => a.pauseSweep,
);
export const sweepResumeCommand = messageCommand('resume', 'Carry on after a pause', (a) => a.resumeSweep);
export const sweepStopCommand = messageCommand(
  'stop',
  'Let running runs finish, start none, end',
  (a) => a.stopSweep,
);
export const sweepCancelCommand = messageCommand(
  'cancel',
  'Stop running trainings now and end',
  (a) => a.cancelSweep,
);

const extendUsage = `usage: sgc sweep extend <id> <extra.yaml>

Extends a running sweep. extra.yaml gives any of ${EXTENSION_LISTS.join(', ')} (lists, written as in a
spec: they are added to the sweep's, and the cells they create are searched like the others) and
width: {seeds, succeed} (merged into the spec's width). The sweep validates the extended spec as a
whole and refuses it, changing nothing, with the reason.
  k: [5]
  groups: [C7]
  width: {seeds: 3, succeed: 2}

More seeds: width.seeds may only rise, and succeed must stay ≤ seeds (when neither the spec nor the
extension gives succeed, it is the seeds). The new plan applies to every cell: cells not started yet
use it; cells running are stopped (their runs in flight finish) and, like cells already finished,
searched again from the start with it, as new cell workflows. Runs already in the store are cache
hits, so only the runs the new plan adds are trained. Prints the new cells, one per line; the cells
searched again are counted on stderr.`;
export const sweepExtendCommand = defineCommand({
  usage: extendUsage,
  options: {},
  examples: ['sgc sweep extend small-width extra.yaml'],
  async run({ positionals }) {
    if (positionals.length !== 2)
      throw new InputError(`give a sweep id and an extension file (${seeHelp(extendUsage)})`);
    const [sweepId, file] = positionals;
    const extension = readExtension(file);
    return withClient(async (client, { extendSweep }) => {
      const { added, researched } = await extendSweep(client, sweepId, extension);
      console.error(
        `sweep ${sweepId}: ${added.length} new cell(s)` +
          (extension.width ? `, ${researched.length} cell(s) searched again with the new width plan` : ''),
      );
      for (const key of added) console.log(key);
      return 0;
    });
  },
});

function readExtension(file: string): SweepExtension {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      `${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message.split('\n')[0]}`,
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new InputError(`${file}: an extension is a YAML mapping of ${EXTENSION_FIELDS.join(', ')}`);
  const record = data as Record<string, unknown>;
  const extension: SweepExtension = {};
  for (const [field, value] of Object.entries(record)) {
    if (!(EXTENSION_FIELDS as readonly string[]).includes(field))
      throw new InputError(`${file}: ${field}: an extension adds only ${EXTENSION_FIELDS.join(', ')}`);
    if (field === 'width') {
      extension.width = readWidth(file, value);
      continue;
    }
    if (!Array.isArray(value) || value.length === 0)
      throw new InputError(`${file}: ${field}: expected a non-empty list, got ${JSON.stringify(value)}`);
    (extension as Record<string, unknown[]>)[field] = value;
  }
  if (Object.keys(extension).length === 0)
    throw new InputError(`${file}: an extension adds at least one of ${EXTENSION_FIELDS.join(', ')}`);
  return extension;
}

/** An extension's width: {seeds, succeed}, whole numbers ≥ 1 (the sweep checks them against its plan). */
function readWidth(file: string, value: unknown): NonNullable<SweepExtension['width']> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InputError(`${file}: width: expected a mapping {seeds, succeed}, got ${JSON.stringify(value)}`);
  const width: NonNullable<SweepExtension['width']> = {};
  for (const [key, n] of Object.entries(value)) {
    if (key !== 'seeds' && key !== 'succeed')
      throw new InputError(`${file}: width.${key}: an extension changes only width.seeds and width.succeed`);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
      throw new InputError(`${file}: width.${key}: expected a whole number ≥ 1, got ${JSON.stringify(n)}`);
    width[key] = n;
  }
  if (Object.keys(width).length === 0) throw new InputError(`${file}: width: give seeds, succeed or both`);
  return width;
}
