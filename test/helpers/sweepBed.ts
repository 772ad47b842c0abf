/**
 * What the sweep integration tests stand on: a Temporal namespace, a PostgreSQL database migrated
 * for sgc, a client, a temporary folder, and sgc workers in this process, started and stopped by
 * the test. One place for the setup and the teardown that every such file needs, in that order.
 *
 *   const bed = await openSweepBed('sgc-sweeps-');
 *   const workers = await bed.startWorkers({ concurrency: 1 });
 *   await runSgc(['sweep', 'start', bed.writeSpec(spec), '--wait'], bed.env());
 *   await bed.close(); // workers still running are stopped first
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { openStore, type Store } from '../../src/store/index.js';
import { createTelemetry } from '../../src/telemetry/metrics.js';
import { connectClient } from '../../src/temporal/connection.js';
import { createWorkers, type SgcWorkers, type WorkerSettings } from '../../src/temporal/worker.js';
import { addDiagnosis, describeSessions } from './diagnosis.js';
import { type PostgresServer, startPostgres } from './postgres.js';
import { startTemporal, type TestTemporal } from './temporal.js';

/** In-process workers of a bed; `stop` shuts them down and waits until they have. */
export interface BedWorkers {
  workers: SgcWorkers;
  stop(): Promise<void>;
}

export interface SweepBed {
  temporal: TestTemporal;
  postgres: PostgresServer;
  databaseUrl: string;
  store: Store;
  client: Client;
  dir: string;
  /** The environment of an `sgc` command on this bed, with `extra` on top. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Workers on this bed's namespace and store (checkpoints under dir), `settings` on top. */
  startWorkers(settings?: Partial<WorkerSettings>): Promise<BedWorkers>;
  /** Writes `spec` as YAML into dir under a name of its own; returns the path. */
  writeSpec(spec: object): string;
  /** Stops the workers still running, then closes and removes everything else. */
  close(): Promise<void>;
}

/**
 * Opens a bed. `ownPostgres`: a PostgreSQL server of the file's own, for tests that create roles
 * (roles belong to the whole cluster) or stop the server.
 */
export async function openSweepBed(
  prefix: string,
  options: { ownPostgres?: boolean } = {},
): Promise<SweepBed> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const [temporal, postgres] = await Promise.all([
    startTemporal(),
    startPostgres(options.ownPostgres ? { own: true } : {}),
  ]);
  const databaseUrl = await postgres.createDatabase();
  const store = await openStore({ target: { kind: 'postgres', url: databaseUrl }, migrate: true });
  const client = await connectClient({ address: temporal.address, namespace: temporal.namespace });
  const undiagnose = addDiagnosis('postgres sessions', () =>
    describeSessions((sql) => store.driver.query(sql)),
  );
  const running = new Set<BedWorkers>();
  let specs = 0;
  return {
    temporal,
    postgres,
    databaseUrl,
    store,
    client,
    dir,
    env: (extra = {}) => ({
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      DATABASE_URL: databaseUrl,
      ...extra,
    }),
    async startWorkers(settings = {}) {
      const workers = await createWorkers({
        temporal: { address: temporal.address, namespace: temporal.namespace },
        repository: store.repository(),
        telemetry: createTelemetry(),
        checkpointDir: join(dir, 'checkpoints'),
        ...settings,
      });
      const done = workers.run();
      const entry: BedWorkers = {
        workers,
        async stop() {
          if (!running.delete(entry)) return;
          workers.shutdown();
          await done;
        },
      };
      running.add(entry);
      return entry;
    },
    writeSpec(spec) {
      const file = join(dir, `${(spec as { name: string }).name}-${++specs}.yaml`);
      writeFileSync(file, stringify(spec));
      return file;
    },
    async close() {
      for (const entry of [...running]) await entry.stop();
      undiagnose();
      await client.connection.close();
      await store.close();
      await temporal.stop();
      await postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
