/**
 * The embedded stack on one machine (`sgc up`, `sgc run`): a Temporal dev server, the results store
 * (the embedded PostgreSQL of the sgc home, which other processes reach directly), a worker and the
 * metrics endpoint. What is already running is reused: this folder's Temporal server, the store's
 * running PostgreSQL, workers already polling. TEMPORAL_ADDRESS and DATABASE_URL select a cluster
 * and a database instead of the embedded ones.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { findHome, findOrCreateHome } from '../home.js';
import { waitForPort } from '../net.js';
import { grafanaEnvironment } from '../store/embedded/announce.js';
import { openStore, type Store } from '../store/index.js';
import { telemetry as processTelemetry, type Telemetry } from '../telemetry/metrics.js';
import { startMetricsServer } from '../telemetry/server.js';
import { attachStoreGauges } from '../telemetry/store-gauges.js';
import {
  connectClient,
  DEFAULT_TEMPORAL_ADDRESS,
  isTemporalReachable,
  resolveTemporal,
  type TemporalTarget,
} from './connection.js';
import { type DevServer, startDevServer } from './devServer.js';
import { createWorkers, type SgcWorkers } from './worker.js';

export interface StackOptions {
  /** Trainings at once in this process's worker; 0: no worker here. */
  concurrency: number;
  metricsHost: string;
  /** null: no metrics endpoint. */
  metricsPort: number | null;
  log?: (line: string) => void;
  telemetry?: Telemetry;
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
  stop(): Promise<void>;
}

/** Where a running `sgc up` announces its Temporal address. */
function stackFile(home: string): string {
  return join(home, 'stack.json');
}

/** The Temporal address a live `sgc up` or `sgc run` of the sgc home `home` announced, if one is running. */
function announcedTemporal(home: string | undefined): string | undefined {
  if (!home) return undefined;
  try {
    const announced = JSON.parse(readFileSync(stackFile(home), 'utf8')) as { pid: number; temporal: string };
    process.kill(announced.pid, 0);
    return announced.temporal;
  } catch {
    return undefined;
  }
}

/**
 * The Temporal server commands talk to: TEMPORAL_ADDRESS when set, else the server of a running
 * `sgc up` of the sgc home `home` (by default the one found from the current folder), else the
 * default address.
 */
export function resolveStackTemporal(
  env: NodeJS.ProcessEnv = process.env,
  home = findHome(env),
): TemporalTarget {
  const target = resolveTemporal(env);
  if (env['TEMPORAL_ADDRESS']?.trim()) return target;
  const announced = announcedTemporal(home);
  return announced ? { ...target, address: announced } : target;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  // The sgc home found from the current folder (like git's .git), or a new .sgc/ here.
  const home = findOrCreateHome();
  const log = options.log ?? ((line: string) => console.error(line));
  const telemetry = options.telemetry ?? processTelemetry;
  const started: string[] = [];
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    // --- Temporal -------------------------------------------------------------------------------------
    // A Temporal server is reused only when it is this folder's own (its stack.json) or named by
    // TEMPORAL_ADDRESS. Adopting whatever answers on the default port would let this folder's worker
    // take another folder's tasks and write their results into this folder's store.
    let temporal = resolveStackTemporal(process.env, home);
    const own = process.env['TEMPORAL_ADDRESS']?.trim() || announcedTemporal(home) !== undefined;
    let devServer: DevServer | undefined;
    if (!own || !(await isTemporalReachable(temporal))) {
      if (process.env['TEMPORAL_ADDRESS']?.trim())
        throw new InputError(`TEMPORAL_ADDRESS=${temporal.address}: no Temporal server answers there`);
      const defaultPort = Number(DEFAULT_TEMPORAL_ADDRESS.split(':')[1]);
      const portTaken = await waitForPort('127.0.0.1', defaultPort, 1);
      devServer = await startDevServer({
        port: portTaken ? 0 : defaultPort,
        uiPort: null,
        dbFile: join(home, 'temporal.db'),
        logFile: join(home, 'temporal.log'),
      });
      temporal = { ...temporal, address: devServer.address };
      stops.push(() => devServer!.stop());
      started.push(
        `Temporal dev server at ${devServer.address} (state in ${join(home, 'temporal.db')})`,
      );
      writeFileAtomic(stackFile(home), JSON.stringify({ pid: process.pid, temporal: devServer.address }));
      stops.push(async () => rmSync(stackFile(home), { force: true }));
    }
    const client = await connectClient(temporal);
    stops.push(() => client.connection.close());

    // --- store ------------------------------------------------------------------------------------------
    const store = await openStore({ create: true, command: 'sgc up', log });
    stops.push(() => store.close());
    let grafana: string | undefined;
    if (store.embedded) {
      const how = { created: 'created and started', started: 'started', running: 'running already' };
      started.push(
        `results store in ${store.embedded.home} (PostgreSQL, ${how[store.embedded.how]}) on 127.0.0.1:${store.embedded.port}`,
      );
      grafana = grafanaEnvironment(store.embedded);
    }

    // --- worker -----------------------------------------------------------------------------------------
    // Always one here, even when other workers poll: more workers only add throughput.
    let workers: SgcWorkers | undefined;
    if (options.concurrency > 0) {
      workers = await createWorkers({
        temporal,
        repository: store.repository(),
        telemetry,
        concurrency: options.concurrency,
        checkpointDir: join(home, 'checkpoints'),
      });
      const running = workers.run();
      running.catch((error) => log(`worker stopped: ${(error as Error).message}`));
      stops.push(async () => {
        workers!.shutdown();
        await running.catch(() => undefined);
      });
      started.push(`worker (${options.concurrency} training at once) on ${workers.queues.join(', ')}`);
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
    return { temporal, client, store, metricsUrl, grafana, workers, started, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
