/**
 * `sgc worker`: polls the sweep task queues of a Temporal server and trains, writing results to the
 * store. Start one per machine (or several); they share the work through the server and database.
 */
import { hostname } from 'node:os';
import { InputError } from '../../errors.js';
import {
  DEFAULT_BACKENDS,
  ENGINE_BACKENDS,
  isBackendOf,
  trainsOnMainThread,
} from '../../learn/engine/backends.js';
import { ENGINE_NAMES, type EngineName } from '../../learn/engine/index.js';
import {
  DEFAULT_CHECKPOINT_DIR,
  IO_QUEUE,
  parseTrainQueue,
  type QueueName,
  TRAIN_QUEUE,
  TRAIN_QUEUES,
  trainQueueOf,
} from '../../sweep/messages.js';
import { parseInteger } from '../args.js';
import { defineCommand } from '../command.js';
import { seeHelp } from '../commandLine.js';
import { untilInterrupted } from '../interrupt.js';
import { parseSeedGroup, SEED_GROUP_FLAG, SEED_GROUP_HELP } from '../seedGroupOption.js';

const usage = `usage: sgc worker [--concurrency N] [--seed-group S] [--engine ${ENGINE_NAMES.join('|')}] [--backend B[,B…]] [--device N]
                  [--queues Q[,Q…]] [--serve-io]
                  [--metrics-port P | --no-metrics] [--metrics-host H] [--metrics-sweep-window D]
                  [--checkpoints DIR]

Trains the runs of sweeps on the Temporal server at TEMPORAL_ADDRESS, or else the one this folder's
running \`sgc up\` started (never whatever answers on the default port), and stores results in
DATABASE_URL, or else the embedded store of the nearest .sgc/ folder (SGC_HOME to name one). Runs
until Ctrl-C, finishing the trainings in hand.

Routing: a run whose spec names a backend (engine: {name: onnx, backend: cuda}) is trained only by
workers that run that backend (queue sgc-train-<engine>-<backend>, e.g. sgc-train-onnx-cuda); a run
that names none, or backend: any, by any worker of its engine (${ENGINE_NAMES.map((e) => TRAIN_QUEUES[e]).join(', ')}), on that
worker's backend. Backends: ${ENGINE_NAMES.map((e) => `${e} ${ENGINE_BACKENDS[e].join('/')}`).join(', ')}.

Self-check: before polling, the worker runs one tiny training step on every engine × backend it
would serve (what \`sgc doctor\` shows). It drops those that fail and says which; when none passes
it prints one line and exits with code 2. A run that fails for the device (out of memory, a lost
device) is given back: this worker stops polling that backend and another worker trains the run,
without counting the attempt against the run's retries.

Workflows: a worker serves sgc-io (the workflows and the store calls) too, except one started with
--engine tfjs or --engine reference, whose training runs on the JavaScript thread (tfjs's wasm and
cpu kernels, the reference engine's loops) and would hold up workflow tasks: those serve sgc-io only
with --serve-io (or sgc-io in --queues). Keep at least one other worker (or \`sgc up\`) for sgc-io.

Options:
  --concurrency <n>   trainings at once (default 1; about one per 2 cores suits the onnx engine;
                      with --seed-group 1, on each training queue polled)
${SEED_GROUP_HELP}
  --engine <e>        train only this engine's runs
  --backend <list>    with --engine: the backends to serve (default: each of the engine's backends
                      that passes the self-check); the first trains the runs that name none
  --device <n>        the GPU of device backends (onnx cuda); start one worker per GPU
  --queues <list>     task queues to poll instead (sgc-io, ${TRAIN_QUEUE}, sgc-train-<engine>[-<backend>])
  --serve-io          with --engine tfjs or reference: serve sgc-io too
  --metrics-port <p>  Prometheus /metrics port (default 9464; 0 picks a free one)
  --no-metrics        serve no metrics endpoint
  --sdk-metrics-port <p>  also serve the Temporal SDK's own metrics (task slots, poll latency) on this port
  --metrics-host <h>  address the metrics endpoint listens on (default 127.0.0.1)
  --metrics-sweep-window <d>  how long an ended sweep stays in the sweep and cell gauges, which are
                      read from the store at each scrape (default 1h, or SGC_METRICS_SWEEP_WINDOW;
                      0: leave at once); SGC_METRICS_STORE_TIMEOUT bounds a scrape's wait (default 2s)
  --checkpoints <dir> where training checkpoints go (default ${DEFAULT_CHECKPOINT_DIR}; share it between
                      machines for resumes to cross them)`;

/** One engine and backend a worker may serve. */
export interface Serving {
  engine: EngineName;
  backend: string;
}

/**
 * What a worker would serve before its self-check: the engines and backends to check (for each
 * engine, in order of preference for its runs that name no backend), the training queues given by
 * --queues (undefined: derived from what passes), and whether it serves sgc-io.
 */
export interface WorkerPlan {
  candidates: Serving[];
  queues?: QueueName[];
  serveIo: boolean;
}

export function workerPlan(options: {
  engine?: string;
  backend?: string;
  queues?: string;
  serveIo?: boolean;
}): WorkerPlan {
  const { engine } = options;
  if (engine !== undefined && !(ENGINE_NAMES as readonly string[]).includes(engine))
    throw new InputError(`--engine: "${engine}" is not one of ${ENGINE_NAMES.join(', ')}`);
  if (options.backend !== undefined && engine === undefined)
    throw new InputError(
      `--backend ${options.backend}: give --engine too (a backend belongs to one engine: ${ENGINE_NAMES.join(', ')})`,
    );
  const engines = engine === undefined ? [...ENGINE_NAMES] : [engine as EngineName];
  const listed = options.backend?.split(',').map((b) => b.trim());
  for (const b of listed ?? [])
    if (!isBackendOf(engines[0], b))
      throw new InputError(
        `--backend: "${b}" is not a backend of ${engine} (${ENGINE_BACKENDS[engines[0]].join(', ')})`,
      );
  // Each engine's default backend first: it trains the runs that name none unless --backend says.
  const preferred = (e: EngineName) =>
    listed ?? [DEFAULT_BACKENDS[e], ...ENGINE_BACKENDS[e].filter((b) => b !== DEFAULT_BACKENDS[e])];
  const mainThread = engine !== undefined && trainsOnMainThread(engine, preferred(engine as EngineName)[0]);
  if (options.queues === undefined)
    return {
      candidates: engines.flatMap((e) => preferred(e).map((backend) => ({ engine: e, backend }))),
      serveIo: !mainThread || options.serveIo === true,
    };
  const queues = [...new Set(options.queues.split(',').map((q) => q.trim()))];
  const candidates: Serving[] = [];
  for (const q of queues) {
    if (q === IO_QUEUE) continue;
    const trains = parseTrainQueue(q);
    if (!trains || (trains.backend !== undefined && !isBackendOf(trains.engine, trains.backend)))
      throw new InputError(
        `--queues: "${q}" is not a task queue (${IO_QUEUE}, ${TRAIN_QUEUE}, sgc-train-<engine>, sgc-train-<engine>-<backend>)`,
      );
    if (engine !== undefined && trains.engine !== engine)
      throw new InputError(`--queues: ${q} is not a queue of --engine ${engine}`);
    const backend = trains.backend ?? preferred(trains.engine)[0];
    if (!candidates.some((c) => c.engine === trains.engine && c.backend === backend))
      candidates.push({ engine: trains.engine, backend });
  }
  return { candidates, queues, serveIo: queues.includes(IO_QUEUE) || options.serveIo === true };
}

/**
 * The queues to poll once the self-check has passed `passed` (a subset of plan.candidates): for
 * each engine with a passing backend its any-backend queue and each passing backend's queue, or
 * the --queues whose backend passed; the backend that trains each engine's runs that name none.
 */
export function servedQueues(
  plan: WorkerPlan,
  passed: readonly Serving[],
): { queues: QueueName[]; backends: Partial<Record<EngineName, string>> } {
  const backends: Partial<Record<EngineName, string>> = {};
  for (const c of plan.candidates)
    if (
      backends[c.engine] === undefined &&
      passed.some((p) => p.engine === c.engine && p.backend === c.backend)
    )
      backends[c.engine] = c.backend;
  const ok = (engine: EngineName, backend: string | undefined) =>
    passed.some((p) => p.engine === engine && p.backend === (backend ?? backends[engine]));
  let queues: QueueName[];
  if (plan.queues) {
    queues = plan.queues.filter((q) => {
      const trains = parseTrainQueue(q);
      return !trains || ok(trains.engine, trains.backend);
    });
    if (!plan.serveIo) queues = queues.filter((q) => q !== IO_QUEUE);
    else if (!queues.includes(IO_QUEUE)) queues.push(IO_QUEUE);
  } else {
    queues = [];
    for (const engine of ENGINE_NAMES) {
      if (backends[engine] === undefined) continue;
      queues.push(trainQueueOf(engine));
      for (const p of passed) if (p.engine === engine) queues.push(trainQueueOf(engine, p.backend));
    }
    if (plan.serveIo) queues.push(IO_QUEUE);
  }
  return { queues, backends };
}

export const workerCommand = defineCommand({
  usage,
  options: {
    concurrency: { type: 'string', default: '1' },
    ...SEED_GROUP_FLAG,
    engine: { type: 'string' },
    backend: { type: 'string' },
    device: { type: 'string' },
    queues: { type: 'string' },
    'serve-io': { type: 'boolean' },
    'metrics-port': { type: 'string', default: '9464' },
    'no-metrics': { type: 'boolean' },
    'sdk-metrics-port': { type: 'string' },
    'metrics-host': { type: 'string', default: '127.0.0.1' },
    'metrics-sweep-window': { type: 'string' },
    checkpoints: { type: 'string', default: DEFAULT_CHECKPOINT_DIR },
  },
  examples: ['sgc worker --concurrency 4', 'TEMPORAL_ADDRESS=host:7233 sgc worker --engine tfjs'],
  async run({ values, positionals }) {
    if (positionals.length)
      throw new InputError(`unexpected argument "${positionals[0]}" (${seeHelp(usage)})`);
    const concurrency = parseInteger(values.concurrency, '--concurrency');
    if (concurrency < 1) throw new InputError(`--concurrency ${concurrency}: at least 1`);
    const seedGroup = parseSeedGroup(values['seed-group']);
    const plan = workerPlan({ ...values, serveIo: values['serve-io'] });
    let device: number | undefined;
    if (values.device !== undefined) {
      device = parseInteger(values.device, '--device');
      if (device < 0) throw new InputError(`--device ${device}: a GPU number, 0 or more`);
    }
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
      import('../../temporal/stackTemporal.js'),
      import('../../temporal/worker.js'),
    ]);
    const { createWorkers, installRuntime } = worker;
    if (values['sdk-metrics-port'] !== undefined) {
      const sdkPort = parseInteger(values['sdk-metrics-port'], '--sdk-metrics-port');
      if (sdkPort < 1 || sdkPort > 65535) throw new InputError(`--sdk-metrics-port ${sdkPort}: not a port`);
      installRuntime(`${values['metrics-host']}:${sdkPort}`);
    }
    // The self-check, before anything connects: a worker that can train nothing says so at once.
    const { checkBackend } = await import('../../learn/engine/selfCheck.js');
    const passed: Serving[] = [];
    const failed: string[] = [];
    for (const c of plan.candidates) {
      const check = await checkBackend(c.engine, c.backend, device);
      if (check.ok) passed.push(c);
      else failed.push(`${c.engine}/${c.backend} (${check.error})`);
    }
    const { queues, backends } = servedQueues(plan, passed);
    if (!queues.some((q) => q !== IO_QUEUE) && plan.candidates.length > 0)
      throw new InputError(`sgc worker: nothing to train here: ${failed.join('; ')}`);
    if (failed.length) console.error(`worker: not serving ${failed.join('; ')}`);
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
      seedGroup,
      checkpointDir: values.checkpoints,
      identity,
      backends,
      ...(device === undefined ? {} : { device }),
    });
    // The sweep and cell gauges come from the store at each scrape, the same on every worker.
    storeGauges.attachStoreGauges(telemetry, store.driver, gaugeSettings);
    const metrics = !values['no-metrics']
      ? await startMetricsServer({ host: values['metrics-host'], port: metricsPort, telemetry })
      : undefined;
    console.error(
      `worker ${identity}: ${queues.join(', ')} on ${temporal.address}` +
        (queues.some((q) => q !== IO_QUEUE)
          ? seedGroup > 1
            ? `, ${concurrency} training at once (seed groups of up to ${seedGroup} runs)`
            : `, ${concurrency} training at once per training queue`
          : '') +
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
});
