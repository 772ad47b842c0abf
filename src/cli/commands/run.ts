/**
 * `sgc run <spec.yaml>`: everything in one command — the embedded stack (reusing what runs), the
 * sweep started, followed live, and its minimal-width table at the end. Re-running it after an
 * interruption resumes: finished runs come from the store.
 */
import { InputError } from '../../errors.js';
import type { sweepStatus } from '../../temporal/sweeps.js';
import { defineCommand } from '../command.js';
import { seeHelp } from '../commandLine.js';
import { untilInterrupted } from '../interrupt.js';
import { limitFlags, limitFlagsUsage, runLimits } from '../runLimits.js';
import { SEED_GROUP_HELP } from '../seedGroupOption.js';
import { loadSweepSpecFile } from '../sweepSpecFile.js';
import { startCheckedSweep, sweepOptions } from './sweep.js';
import { stackFlags, stackOptions } from './up.js';

const usage = `usage: sgc run <spec.yaml> [--json] [--replace] [--concurrency N] [--seed-group S] [--window N] [--metrics-port P] [--memory-budget SIZE] [--allow-large]

Validates the spec, brings up the embedded stack (as \`sgc up\`; where this folder's \`sgc up\` is
running, its stack is used instead: its Temporal server, store, worker and metrics), starts the
sweep, follows it, and prints the minimal width H* of every cell. Interrupted (Ctrl-C), the sweep
keeps its place: run the same command again to carry on, or \`sgc sweep cancel <name>\`. A spec that
differs from the one stored under its name is refused with the differences (see \`sgc sweep start\`).

Options:
  --json              the final table's rows as JSON (as \`sgc results --json\`)
  --replace           archive the stored sweep of that name first (as <name>@<UTC time>), then start
  --concurrency <n>   trainings at once in this process's worker (default 1)
${SEED_GROUP_HELP}
  --window <n>        cells searched at once (default 16)
  --metrics-port <p>  Prometheus /metrics port (default 9464; 0 picks a free one)
  --metrics-host <h>  address the metrics endpoint listens on (default 127.0.0.1)
  --heartbeat-timeout <s>  seconds without a heartbeat before a training moves to another worker (default 15)
${limitFlagsUsage}`;

export const runCommand = defineCommand({
  usage,
  options: {
    ...stackFlags,
    window: { type: 'string' },
    'heartbeat-timeout': { type: 'string' },
    replace: { type: 'boolean' },
    json: { type: 'boolean' },
    ...limitFlags,
  },
  examples: ['sgc run examples/sweep-small.yaml', 'sgc run spec.yaml --concurrency 2 --replace'],
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new InputError(`give one sweep spec file (${seeHelp(usage)})`);
    const loaded = loadSweepSpecFile(positionals[0], runLimits(values));
    const options = sweepOptions(values);
    // Loaded here, not at the top: the Temporal SDK is slow to load for every other command.
    const { startStack } = await import('../../temporal/stack.js');
    const { describeStack } = await import('../../temporal/stackRecord.js');
    const { startSweep, sweepStatus } = await import('../../temporal/sweeps.js');
    const { minWidthJson, minWidthTable, successHeader, watchSweep } = await import('../sweepView.js');
    const stack = await startStack({ ...stackOptions(values), adopt: true, command: 'sgc run' });
    try {
      for (const line of stack.started) console.error(`started ${line}`);
      if (stack.adopted)
        console.error(`using the stack already running here: ${describeStack(stack.adopted)}`);
      const sweepId = loaded.spec.name;
      // Before following a running sweep too: one of another spec is not this file's sweep.
      await startCheckedSweep(stack.store, stack.client, loaded.raw, values.replace ?? false, async () => {
        const { running } = await isRunning(sweepStatus, stack.client, sweepId);
        if (running) console.error(`sweep ${sweepId} is already running: following it`);
        else {
          await startSweep(stack.client, loaded.raw, options);
          console.error(`started sweep ${sweepId}: ${loaded.expansion.cells.length} cells`);
        }
      });
      // Ctrl-C stops the stack (its worker first), after which the watch's queries cannot be answered:
      // end with one line, not with the failed query.
      // Counted from the store, as `sgc sweep watch` does (training apart from queued).
      const watched = watchSweep(stack.client, sweepId, {
        live: process.stderr.isTTY,
        ...(stack.store.schemaProblem ? {} : { store: stack.store.driver }),
      });
      const ended = await Promise.race([
        watched.then((status) => ({ status })),
        untilInterrupted().then((signal) => ({ signal })),
        stack.ownerGone.then(() => ({ gone: true as const })),
      ]);
      if ('gone' in ended) {
        watched.catch(() => undefined);
        console.error(
          `sgc run: the stack this run used (${stack.adopted?.command}, pid ${stack.adopted?.pid}) has stopped; ` +
            `the runs of sweep ${sweepId} that ended are stored, and \`sgc run ${positionals[0]}\` continues it`,
        );
        return 1;
      }
      if ('signal' in ended) {
        watched.catch(() => undefined);
        console.error(
          `sgc run: ${ended.signal}: stopped; the runs of sweep ${sweepId} that ended are stored, ` +
            `and \`sgc run ${positionals[0]}\` continues it`,
        );
        return 130;
      }
      // The table's first line says what H* and success mean (the JSON rows stay rows only).
      console.log(
        values.json
          ? minWidthJson(ended.status)
          : `${successHeader(loaded.spec)}\n${minWidthTable(ended.status)}`,
      );
      return 0;
    } finally {
      await stack.stop();
    }
  },
});

async function isRunning(
  status: typeof sweepStatus,
  client: Parameters<typeof sweepStatus>[0],
  sweepId: string,
): Promise<{ running: boolean }> {
  try {
    const { ended } = await status(client, sweepId);
    return { running: ended === null };
  } catch (error) {
    if (error instanceof InputError) return { running: false };
    throw error;
  }
}
