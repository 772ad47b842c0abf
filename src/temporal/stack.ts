/**
 * The embedded stack of an sgc home (`sgc up`, `sgc run`): a Temporal dev server, the results store
 * (the home's embedded PostgreSQL, which other processes reach directly), a worker and the metrics
 * endpoint. One stack per home, claimed in `.sgc/stack.json` (stackRecord.ts): a second `sgc up`
 * is refused, and `sgc run` beside a running `sgc up` uses that stack (its Temporal server, store,
 * worker and metrics) instead of starting another. TEMPORAL_ADDRESS and DATABASE_URL select a
 * cluster and a database instead of the embedded ones. The dev server is a child in this process's
 * group: killing the group ends it, and one left by a killed owner is stopped by the next stack.
 */

import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { DEFAULT_SEED_GROUP } from '../../activities/seedGroups.js';
import { InputError } from '../errors.js';
import { findOrCreateHome } from '../home.js';
import { waitForPort } from '../net.js';
import { isAlive } from '../processes.js';
import { grafanaEnvironment } from '../store/embedded/announce.js';
import { openStore, type Store } from '../store/index.js';
import { telemetry as processTelemetry, type Telemetry } from '../telemetry/metrics.js';
import { startMetricsServer } from '../telemetry/server.js';
import { attachStoreGauges } from '../telemetry/store-gauges.js';
import {
  connectClient,
  DEFAULT_TEMPORAL_ADDRESS,
  resolveTemporal,
  type TemporalTarget,
  temporalNamed,
} from './connection.js';
import { type DevServer, startDevServer } from './devServer.js';
import { claimStack, describeStack, liveStack, type StackRecord } from './stackRecord.js';
import { resolveStackTemporal } from './stackTemporal.js';
// Types only: the worker (and the Temporal worker SDK under it) loads when a stack starts one.
import type { SgcWorkers } from './worker.js';

export interface StackOptions {
  /** Trainings at once in this process's worker; 0: no worker here. */
  concurrency: number;
  /** Runs per seed group in that worker (WorkerSettings.seedGroup). */
  seedGroup?: number;
  metricsHost: string;
  /** null: no metrics endpoint. */
  metricsPort: number | null;
  log?: (line: string) => void;
  telemetry?: Telemetry;
  /**
   * `sgc run`: when the home's stack is running already (an `sgc up`), use it rather than refuse.
   * `sgc up` leaves this off: a second stack in one home is an error.
   */
  adopt?: boolean;
  /** Who this stack is, in stack.json and messages. */
  command?: string;
}

export interface Stack {
  temporal: TemporalTarget;
  client: Client;
  store: Store;
  metricsUrl: string | undefined;
  /** For the embedded store: the environment Grafana's provisioned data source reads. */
  grafana: string | undefined;
  workers: SgcWorkers | undefined;
  /** What this stack started, for the user (`started Temporal dev server at …`). */
  started: string[];
  /** Set when this process uses another's stack (sgc run beside sgc up): that stack's record. */
  adopted: StackRecord | undefined;
  /** Resolves if the adopted stack's owner goes away (never for a stack of one's own). */
  ownerGone: Promise<void>;
  stop(): Promise<void>;
}

/** Resolves when `pid` is gone (checked every second; the timer does not keep the process alive). */
function whenGone(pid: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (!isAlive(pid)) {
        clearInterval(timer);
        resolve();
      }
    }, 1000);
    timer.unref();
  });
}

/** The running stack of another process, used as it is: a client and the store, nothing started. */
async function adoptStack(record: StackRecord, log: (line: string) => void): Promise<Stack> {
  const temporal = resolveStackTemporal(process.env);
  const client = await connectClient(temporal);
  try {
    const store = await openStore({ create: true, command: 'sgc run', log });
    return {
      temporal,
      client,
      store,
      metricsUrl: record.metricsUrl,
      grafana: undefined,
      workers: undefined,
      started: [],
      adopted: record,
      ownerGone: whenGone(record.pid),
      async stop() {
        await client.connection.close().catch(() => undefined);
        await store.close().catch(() => undefined);
      },
    };
  } catch (error) {
    await client.connection.close().catch(() => undefined);
    throw error;
  }
}

/** Waits for a stack that is still starting to be ready, or to go away. */
async function readyStack(home: string): Promise<StackRecord | undefined> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const record = liveStack(home);
    if (!record || record.state === 'ready') return record;
    if (Date.now() > deadline) return record;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startStack(options: StackOptions): Promise<Stack> {
  // The sgc home found from the current folder (like git's .git), or a new .sgc/ here.
  const home = findOrCreateHome();
  const log = options.log ?? ((line: string) => console.error(line));
  const telemetry = options.telemetry ?? processTelemetry;
  const command = options.command ?? 'sgc up';
  const claim = await claimStack(home, command, log);
  if ('running' in claim) {
    const running = options.adopt ? await readyStack(home) : claim.running;
    if (options.adopt && running?.state === 'ready') return adoptStack(running, log);
    throw new InputError(
      `a stack is already running in ${home}: ${describeStack(running ?? claim.running)}. ` +
        'Stop it first (Ctrl-C where it runs), or use it: `sgc run <spec>`, `sgc sweep …`',
    );
  }
  const record = claim.claimed;
  const started: string[] = [];
  const stops: (() => Promise<void>)[] = [async () => record.release()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    // --- Temporal -------------------------------------------------------------------------------------
    // TEMPORAL_ADDRESS names a server to use; otherwise this stack starts its own dev server, with its
    // state in the home. Whatever answers on the default port is never adopted: its worker would take
    // another folder's tasks and write their results into this folder's store.
    let temporal = resolveTemporal(process.env);
    let devServer: DevServer | undefined;
    // A named server that cannot be used: connectClient below says why, in one line.
    if (!temporalNamed(process.env)) {
      const defaultPort = Number(DEFAULT_TEMPORAL_ADDRESS.split(':')[1]);
      const portTaken = await waitForPort('127.0.0.1', defaultPort, 1);
      devServer = await startDevServer({
        port: portTaken ? 0 : defaultPort,
        uiPort: null,
        dbFile: join(home, 'temporal.db'),
        logFile: join(home, 'temporal.log'),
      });
      // Our own dev server listens on loopback in plain text: TLS settings are for named servers.
      temporal = { address: devServer.address, namespace: temporal.namespace };
      stops.push(() => devServer!.stop());
      started.push(`Temporal dev server at ${devServer.address} (state in ${join(home, 'temporal.db')})`);
      record.update({ temporalPid: devServer.pid });
    }
    record.update({ temporal: temporal.address });
    const client = await connectClient(temporal);
    stops.push(() => client.connection.close());

    // --- store ------------------------------------------------------------------------------------------
    const store = await openStore({ create: true, command, log });
    stops.push(() => store.close());
    let grafana: string | undefined;
    if (store.embedded) {
      const how = { created: 'created and started', started: 'started', running: 'running already' };
      started.push(
        `results store in ${store.embedded.home} (PostgreSQL, ${how[store.embedded.how]}) on 127.0.0.1:${store.embedded.port}`,
      );
      grafana = grafanaEnvironment(store.embedded);
      record.update({ storePort: store.embedded.port });
      store.embedded.keepRunning(log);
    }

    // --- worker -----------------------------------------------------------------------------------------
    // Always one here, even when other workers poll: more workers only add throughput.
    let workers: SgcWorkers | undefined;
    if (options.concurrency > 0) {
      const { createWorkers } = await import('./worker.js');
      const seedGroup = options.seedGroup ?? DEFAULT_SEED_GROUP;
      workers = await createWorkers({
        temporal,
        repository: store.repository(),
        telemetry,
        concurrency: options.concurrency,
        seedGroup,
        checkpointDir: join(home, 'checkpoints'),
      });
      const running = workers.run();
      running.catch((error) => log(`worker stopped: ${(error as Error).message}`));
      stops.push(async () => {
        workers!.shutdown();
        await running.catch(() => undefined);
      });
      const groups = seedGroup > 1 ? `, seed groups of up to ${seedGroup}` : '';
      started.push(
        `worker (${options.concurrency} training at once${groups}) on ${workers.queues.join(', ')}`,
      );
    }

    // --- metrics ----------------------------------------------------------------------------------------
    let metricsUrl: string | undefined;
    if (options.metricsPort !== null) {
      // Sweep and cell gauges from the store at each scrape (SGC_METRICS_SWEEP_WINDOW, _STORE_TIMEOUT).
      attachStoreGauges(telemetry, store.driver);
      const metrics = await startMetricsServer({
        host: options.metricsHost,
        port: options.metricsPort,
        telemetry,
      });
      stops.push(() => metrics.close());
      metricsUrl = metrics.url;
      started.push(`metrics at ${metrics.url}`);
    }
    record.update({ metricsUrl, state: 'ready' });
    return {
      temporal,
      client,
      store,
      metricsUrl,
      grafana,
      workers,
      started,
      adopted: undefined,
      ownerGone: new Promise(() => {}),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
