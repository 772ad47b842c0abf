/**
 * `sgc worker`: polls the sweep task queues of a Temporal server and trains, writing results to the
 * store. Start one per machine (or several); they share the work through the server and database.
 */
import { hostname } from 'node:os';
import { InputError } from '../../errors.js';
import { ENGINE_NAMES, type EngineName } from '../../learn/engine/index.js';
import {
  DEFAULT_CHECKPOINT_DIR,
  IO_QUEUE,
  QUEUES,
  type QueueName,
  TRAIN_QUEUES,
} from '../../sweep/messages.js';
import { parseInteger, parseOptions } from '../args.js';
import type { Command } from '../command.js';
import { untilInterrupted } from '../interrupt.js';

const usage = `usage: sgc worker [--concurrency N] [--engine ${ENGINE_NAMES.join('|')}] [--backend B]
                  [--queues ${QUEUES.join(',')}]
                  [--metrics-port P | --no-metrics] [--metrics-host H] [--metrics-sweep-window D]
                  [--checkpoints DIR]

Trains the runs of sweeps on the Temporal server at TEMPORAL_ADDRESS, or else the one this folder's
running \`sgc up\` started (never whatever answers on the default port), and stores results in
DATABASE_URL, or else the embedded store of the nearest .sgc/ folder (SGC_HOME to name one). Runs
until Ctrl-C, finishing the trainings in hand.

Runs are trained on the task queue of their engine (spec.engine): ${ENGINE_NAMES.map((e) => `${e} on ${TRAIN_QUEUES[e]}`).join(', ')}.
Without --engine a worker polls them all (each engine is loaded when its first run arrives).

Options:
  --concurrency <n>   trainings at once on each training queue polled (default 1; about one per 2
                      cores suits the onnx engine); with --engine, the worker's total
  --engine <e>        train only this engine's runs (poll only its queue, and sgc-io)
  --backend <b>       with --engine: backend for that engine's runs whose spec names none (e.g. cuda)
  --queues <list>     task queues to poll (default: every engine's and sgc-io; with --engine, its own
                      and sgc-io)
  --metrics-port <p>  Prometheus /metrics port (default 9464; 0 picks a free one)
  --no-metrics        serve no metrics endpoint
  --sdk-metrics-port <p>  also serve the Temporal SDK's own metrics (task slots, poll latency) on this port
  --metrics-host <h>  address the metrics endpoint listens on (default 127.0.0.1)
  --metrics-sweep-window <d>  how long an ended sweep stays in the sweep and cell gauges, which are
                      read from the store at each scrape (default 1h, or SGC_METRICS_SWEEP_WINDOW;
                      0: leave at once); SGC_METRICS_STORE_TIMEOUT bounds a scrape's wait (default 2s)
  --checkpoints <dir> where training checkpoints go (default ${DEFAULT_CHECKPOINT_DIR}; share it between
                      machines for resumes to cross them)`;

/**
 * The queues a worker polls: --queues as given (each a known queue), by default every queue; with
 * --engine, only that engine's training queue (a training queue of another engine is refused).
 */
export function workerQueues(options: { engine?: string; queues?: string }): {
  engine: EngineName | undefined;
  queues: QueueName[];
} {
  const { engine } = options;
  if (engine !== undefined && !(ENGINE_NAMES as readonly string[]).includes(engine))
    throw new InputError(`--engine: "${engine}" is not one of ${ENGINE_NAMES.join(', ')}`);
  const own = engine === undefined ? undefined : TRAIN_QUEUES[engine as EngineName];
  if (options.queues === undefined)
    return { engine: engine as EngineName | undefined, queues: own ? [own, IO_QUEUE] : [...QUEUES] };
  const queues = options.queues.split(',').map((q) => q.trim());
  for (const q of queues) {
    if (!(QUEUES as readonly string[]).includes(q))
      throw new InputError(`--queues: "${q}" is not one of ${QUEUES.join(', ')}`);
    if (own && q !== own && q !== IO_QUEUE)
      throw new InputError(`--queues: ${q} is not the queue of --engine ${engine} (${own})`);
  }
  return { engine: engine as EngineName | undefined, queues: queues as QueueName[] };
}

export const workerCommand: Command = {
  usage,
  async run(args) {
    const { values, positionals } = parseOptions(
      args,
      {
        concurrency: { type: 'string', default: '1' },
        engine: { type: 'string' },
        backend: { type: 'string' },
        queues: { type: 'string' },
        'metrics-port': { type: 'string', default: '9464' },
        'no-metrics': { type: 'boolean' },
        'sdk-metrics-port': { type: 'string' },
        'metrics-host': { type: 'string', default: '127.0.0.1' },
        'metrics-sweep-window': { type: 'string' },
        checkpoints: { type: 'string', default: DEFAULT_CHECKPOINT_DIR },
      },
      usage,
    );
    if (positionals.length) throw new InputError(`unexpected argument "${positionals[0]}"\n${usage}`);
    const concurrency = parseInteger(values.concurrency, '--concurrency');
    if (concurrency < 1) throw new InputError(`--concurrency ${concurrency}: at least 1`);
    const { engine, queues } = workerQueues(values);
    if (values.backend !== undefined && engine === undefined)
      throw new InputError(
        `--backend ${values.backend}: give --engine too (a backend belongs to one engine: ${ENGINE_NAMES.join(', ')})`,
      );
    const metricsPort = parseInteger(values['metrics-port'], '--metrics-port');
    if (metricsPort < 0 || metricsPort > 65535)
      throw new InputError(`--metrics-port ${metricsPort}: not a port`);
    const storeGauges = await import('../../telemetry/store-gauges.js');
    const gaugeSettings = storeGauges.storeGaugeSettings(process.env, values['metrics-sweep-window']);

    // Loaded here rather than at the top: the SDK and the store are slow to load for other commands.
    const [
      { openStore },
      { telemetry },
      { startMetricsServer },
      { connectClient },
      { resolveStackTemporal },
      worker,
    ] = await Promise.all([
      import('../../store/index.js'),
      import('../../telemetry/metrics.js'),
      import('../../telemetry/server.js'),
      import('../../temporal/connection.js'),
      import('../../temporal/stack.js'),
      import('../../temporal/worker.js'),
    ]);
    const { createWorkers, installRuntime } = worker;
    if (values['sdk-metrics-port'] !== undefined) {
      const sdkPort = parseInteger(values['sdk-metrics-port'], '--sdk-metrics-port');
      if (sdkPort < 1 || sdkPort > 65535) throw new InputError(`--sdk-metrics-port ${sdkPort}: not a port`);
      installRuntime(`${values['metrics-host']}:${sdkPort}`);
    }
    const temporal = resolveStackTemporal();
    (await connectClient(temporal)).connection.close();
    const store = await openStore({ command: 'sgc worker' });
    // A worker lives long: if the embedded store's server stops under it, it starts it again.
    store.embedded?.keepRunning((line) => console.error(line));
    const identity = `${hostname()}:${process.pid}`;
    const workers = await createWorkers({
      temporal,
      repository: store.repository(),
      telemetry,
      queues,
      concurrency,
      checkpointDir: values.checkpoints,
      identity,
      ...(values.backend && engine ? { backend: { engine, name: values.backend } } : {}),
    });
    // The sweep and cell gauges come from the store at each scrape, the same on every worker.
    storeGauges.attachStoreGauges(telemetry, store.driver, gaugeSettings);
    const metrics = !values['no-metrics']
      ? await startMetricsServer({ host: values['metrics-host'], port: metricsPort, telemetry })
      : undefined;
    console.error(
      `worker ${identity}: ${queues.join(', ')} on ${temporal.address}` +
        (queues.some((q) => q !== IO_QUEUE) ? `, ${concurrency} training at once per training queue` : '') +
        (metrics ? `, metrics at ${metrics.url}` : ''),
    );
    const running = workers.run();
    const stopped = await Promise.race([untilInterrupted(), running.then(() => 'ended')]);
    console.error(`worker ${identity}: ${stopped}, finishing`);
    workers.shutdown();
    await running;
    await metrics?.close();
    await store.close();
    return 0;
  },
};
