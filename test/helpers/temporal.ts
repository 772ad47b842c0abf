/**
 * A real Temporal server for tests, and small waiting helpers for the things a sweep does
 * asynchronously.
 *
 * Under `npm test` (test/run.ts) one dev server serves every test file: SGC_TEST_TEMPORAL_ADDRESS
 * names it, and each startTemporal() gets a namespace of its own there, so that files running at
 * once never see each other's workflows, task queues or workflow ids (sgc's queue names and
 * workflow ids are fixed; a namespace is the unit Temporal isolates them by). A test file run on
 * its own starts a dev server of its own (`temporal server start-dev`, in memory, 127.0.0.1, free
 * ports) and uses its `default` namespace.
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { startDevServer } from '../../src/temporal/devServer.js';
import { addDiagnosis, describeOpenWorkflows, diagnose } from './diagnosis.js';

/** The env variable naming the dev server that test/run.ts shares among the test files. */
export const SHARED_TEMPORAL_ENV = 'SGC_TEST_TEMPORAL_ADDRESS';

export interface TestTemporal {
  /** host:port of the frontend, for TEMPORAL_ADDRESS. */
  address: string;
  /** This test's namespace, for TEMPORAL_NAMESPACE: only this test's workflows and workers use it. */
  namespace: string;
  /** Ends the server when it is this test's own; a shared one is left to test/run.ts. */
  stop(): Promise<void>;
}

let namespaces = 0;

/**
 * Registers a new namespace on the server at `address` and waits until it can be used: one no
 * worker polls unless the test starts one (a sweep started there stays as it was started).
 */
export async function addNamespace(address: string): Promise<string> {
  const namespace = `sgc-test-${process.pid}-${++namespaces}`;
  // A generous timeout: the shared server may be busy with several test files at once.
  const connection = await Connection.connect({ address, connectTimeout: 30_000 });
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    // Known to the frontend at once, to the history service a moment later: wait until a lookup in
    // it answers "no such workflow" rather than "no such namespace".
    await waitFor('the new namespace', async () => {
      try {
        await connection.workflowService.describeWorkflowExecution({
          namespace,
          execution: { workflowId: 'absent' },
        });
        return true;
      } catch (error) {
        return !/namespace/i.test((error as Error).message);
      }
    });
  } finally {
    await connection.close();
  }
  return namespace;
}

export async function startTemporal(): Promise<TestTemporal> {
  const shared = process.env[SHARED_TEMPORAL_ENV];
  const diagnosed = (address: string, namespace: string, stop: () => Promise<void>): TestTemporal => {
    const remove = addDiagnosis(`temporal ${address} namespace ${namespace}`, () =>
      describeOpenWorkflows(address, namespace),
    );
    const stopAndForget = async () => {
      remove();
      await stop();
    };
    return { address, namespace, stop: stopAndForget };
  };
  if (!shared) {
    const server = await startDevServer({ uiPort: null, startTimeoutMs: 90_000 });
    return diagnosed(server.address, 'default', () => server.stop());
  }
  return diagnosed(shared, await addNamespace(shared), async () => {});
}

/**
 * Polls `check` every `everyMs` until it returns a value other than undefined/false, or fails after
 * `timeoutMs` with what the registered sources (./diagnosis.ts) say of the system then.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${await diagnose()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
