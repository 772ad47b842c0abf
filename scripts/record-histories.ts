/**
 * Records workflow histories of this checkout's workflow code into test/fixtures/histories/<label>/,
 * for the replay test (test/integration/sweeps/replay-previous.test.ts) of later releases: a change
 * to the workflow code that would break sweeps running on this release then fails CI, and needs
 * `patched()` (see CONTRIBUTING.md, "Changing workflow code").
 *
 *   npm run record-histories -- <label>      # e.g. the release being recorded
 *
 * It starts a Temporal dev server and a throwaway PostgreSQL of its own, runs small sweeps through
 * what a running fleet sees (a width search, a pause and resume, an extend, a stop), and
 * keeps each workflow's history: some taken mid-way (a sweep running when workers upgrade), the
 * rest at the end.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import temporalProto from '@temporalio/proto';
import { openStore } from '../src/store/index.js';
import { createTelemetry } from '../src/telemetry/metrics.js';
import { connectClient } from '../src/temporal/connection.js';
import { startDevServer } from '../src/temporal/devServer.js';
import { extendSweep, pauseSweep, resumeSweep, startSweep, stopSweep } from '../src/temporal/sweeps.js';
import { createWorkers } from '../src/temporal/worker.js';
import { startPostgres } from '../test/helpers/postgres.js';

const label = process.argv[2];
if (!label || !/^[\w.-]+$/.test(label)) {
  console.error('usage: npx tsx scripts/record-histories.ts <label>   (letters, digits, . _ -)');
  process.exit(2);
}
const out = join(import.meta.dirname, '..', 'test', 'fixtures', 'histories', label);

const TRAIN = { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: 1500, clip: 0.1 };
const search = (name: string, groups: string[]) => ({
  name,
  groups,
  encodings: [{ kind: 'onehot' }],
  k: [2],
  models: ['mlp'],
  width: { search: { start: 2, max: 32 }, seeds: 1 },
  train: TRAIN,
  engine: { name: 'onnx' },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'sgc-record-'));
const [temporal, postgres] = await Promise.all([
  startDevServer({ uiPort: null }),
  startPostgres({ own: true }),
]);
const url = await postgres.createDatabase();
const store = await openStore({ target: { kind: 'postgres', url }, migrate: true });
const client = await connectClient({ address: temporal.address, namespace: 'default' });
const workers = await createWorkers({
  temporal: { address: temporal.address, namespace: 'default' },
  repository: store.repository(),
  telemetry: createTelemetry(),
  concurrency: 1,
  checkpointDir: join(dir, 'checkpoints'),
});
const running = workers.run();
mkdirSync(out, { recursive: true });
let written = 0;
const save = async (workflowId: string, tag: string) => {
  // Binary protobuf, decoded by the same @temporalio/proto the replay test uses. (The SDK's JSON
  // helpers need the protobuf classes of the same package copy as the client's, which npm does not
  // share here.)
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const file = `${workflowId.replace(/[^\w.-]+/g, '_')}-${tag}.binpb`;
  writeFileSync(join(out, file), temporalProto.temporal.api.history.v1.History.encode(history).finish());
  written++;
  console.error(`recorded ${file} (${history.events?.length ?? 0} events)`);
};
const allWorkflows = async () => {
  const ids: string[] = [];
  for await (const w of client.workflow.list()) ids.push(w.workflowId);
  return [...new Set(ids)];
};

try {
  // A width search with a pause and a resume, recorded mid-way and at its end; extended by a k.
  const a = await startSweep(client, search('record-search', ['C3', 'C4']));
  await sleep(4000);
  await pauseSweep(client, 'record-search');
  await save(a.workflowId, 'paused');
  await resumeSweep(client, 'record-search');
  await extendSweep(client, 'record-search', { k: [3] }).catch((e) => console.error(`extend: ${e}`));
  await sleep(3000);
  await save(a.workflowId, 'running');
  await a.result();
  // A sweep stopped, and one cancelled, mid-way.
  const b = await startSweep(client, search('record-stop', ['C5', 'C6', 'D3']));
  await sleep(2000);
  await stopSweep(client, 'record-stop').catch((e) => console.error(`stop: ${e}`));
  await b.result().catch(() => undefined);
  for (const id of await allWorkflows()) await save(id, 'final');
} finally {
  workers.shutdown();
  await running;
  await client.connection.close();
  await store.close();
  await temporal.stop();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.error(`${written} histories in ${out}`);
