/**
 * The stack a sweep benchmark runs on: a Temporal dev server and an embedded PostgreSQL store of its
 * own in a temporary folder, a client, and Temporal's log reduced to warnings on stderr.
 * `close()` stops both and removes the folder; a store that cannot open stops the server first.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { openStore, type Store } from '../src/store/index.js';
import { connectClient } from '../src/temporal/connection.js';
import { startDevServer } from '../src/temporal/devServer.js';

export interface BenchStack {
  dir: string;
  store: Store;
  client: Client;
  temporal: { address: string; namespace: string };
  close(): Promise<void>;
}

export async function openBenchStack(prefix: string, log: (line: string) => void): Promise<BenchStack> {
  Runtime.install({
    logger: new DefaultLogger('WARN', ({ level, message }) => {
      if (!message.startsWith('No workflows registered')) log(`temporal ${level}: ${message}`);
    }),
  });
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // The embedded PostgreSQL runs as its own user when this runs as root: it must reach the folder.
  chmodSync(dir, 0o755);
  const server = await startDevServer({ uiPort: null });
  const store = await openStore({ target: { kind: 'embedded', home: dir }, create: true }).catch(
    async (error) => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    },
  );
  const temporal = { address: server.address, namespace: 'default' };
  const client = await connectClient(temporal);
  return {
    dir,
    store,
    client,
    temporal,
    async close() {
      await store.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
