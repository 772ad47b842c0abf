/**
 * What the command line does with sweeps on Temporal: start one, find one, send it messages, follow
 * it. Errors a user can cause (no such sweep, already running, a refused extension) are InputErrors.
 */
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import {
  type ExtensionResult,
  extendUpdate,
  pauseSignal,
  resumeSignal,
  type SweepExtension,
  statusQuery,
  stopSignal,
  sweepWorkflowId,
} from '../../workflows/definitions.js';
import { InputError } from '../errors.js';
import {
  DEFAULT_SWEEP_OPTIONS,
  IO_QUEUE,
  type RawSweepSpec,
  type SweepOptions,
  type SweepStatus,
} from '../sweep/messages.js';

export type SweepHandle = WorkflowHandle;

/** Starts the sweep; a sweep of that name that is still running is an error (finished ones restart). */
export async function startSweep(
  client: Client,
  raw: RawSweepSpec,
  options: Partial<SweepOptions> = {},
): Promise<SweepHandle> {
  const sweepId = String(raw['name']);
  try {
    return await client.workflow.start('SweepWorkflow', {
      taskQueue: IO_QUEUE,
      workflowId: sweepWorkflowId(sweepId),
      args: [{ sweepId, spec: raw, options: { ...DEFAULT_SWEEP_OPTIONS, ...options } }],
      // A finished sweep may start again: its finished runs come from the store, failed ones re-run.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError)
      throw new InputError(
        `sweep ${sweepId} is already running: follow it with \`sgc sweep watch ${sweepId}\`, or stop it first`,
      );
    throw error;
  }
}

/** The sweep's workflow, or an InputError when there is none of that name. */
export async function findSweep(
  client: Client,
  sweepId: string,
): Promise<{ handle: SweepHandle; running: boolean }> {
  const handle = client.workflow.getHandle(sweepWorkflowId(sweepId));
  try {
    const description = await handle.describe();
    return { handle, running: description.status.name === 'RUNNING' };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      throw new InputError(`no sweep named "${sweepId}" on this Temporal server (see \`sgc sweep list\`)`);
    throw error;
  }
}

/** Whether the sweep's workflow (sweep/<sweepId>) is running now; false when there is none. */
export async function isSweepRunning(client: Client, sweepId: string): Promise<boolean> {
  try {
    const description = await client.workflow.getHandle(sweepWorkflowId(sweepId)).describe();
    return description.status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** Whether any of the workflows `ids` is running now (one that does not exist is not). */
export async function anyWorkflowRunning(client: Client, ids: readonly string[]): Promise<boolean> {
  for (const id of ids) {
    try {
      if ((await client.workflow.getHandle(id).describe()).status.name === 'RUNNING') return true;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  return false;
}

async function runningSweep(client: Client, sweepId: string): Promise<SweepHandle> {
  const { handle, running } = await findSweep(client, sweepId);
  if (!running) throw new InputError(`sweep ${sweepId} has already ended`);
  return handle;
}

/**
 * The sweep's status: by query while it runs, from its result once it has ended (a closed workflow
 * answers a query only when a worker replays it; the result needs none).
 */
export async function sweepStatus(
  client: Client,
  sweepId: string,
): Promise<{ status: SweepStatus; ended: string | null }> {
  const handle = client.workflow.getHandle(sweepWorkflowId(sweepId));
  let description: Awaited<ReturnType<SweepHandle['describe']>>;
  try {
    description = await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      throw new InputError(`no sweep named "${sweepId}" on this Temporal server (see \`sgc sweep list\`)`);
    throw error;
  }
  const state = description.status.name;
  if (state === 'RUNNING') return { status: await handle.query(statusQuery), ended: null };
  if (state === 'COMPLETED') return { status: (await handle.result()) as SweepStatus, ended: 'completed' };
  try {
    return { status: await handle.query(statusQuery), ended: state.toLowerCase() };
  } catch (error) {
    throw new InputError(
      `sweep ${sweepId} ended ${state.toLowerCase()}; its last status needs a running worker to replay it ` +
        `(${(error as Error).message.split('\n')[0]})`,
    );
  }
}

export async function pauseSweep(client: Client, sweepId: string): Promise<void> {
  await (await runningSweep(client, sweepId)).signal(pauseSignal);
}
export async function resumeSweep(client: Client, sweepId: string): Promise<void> {
  await (await runningSweep(client, sweepId)).signal(resumeSignal);
}
export async function stopSweep(client: Client, sweepId: string): Promise<void> {
  await (await runningSweep(client, sweepId)).signal(stopSignal);
}
export async function cancelSweep(client: Client, sweepId: string): Promise<void> {
  await (await runningSweep(client, sweepId)).cancel();
}

/**
 * Adds cells, or raises the seeds (cells already searched are searched again); the sweep validates
 * the extended spec as a whole and refuses it with the reason.
 */
export async function extendSweep(
  client: Client,
  sweepId: string,
  extension: SweepExtension,
): Promise<ExtensionResult> {
  const handle = await runningSweep(client, sweepId);
  try {
    return await handle.executeUpdate(extendUpdate, { args: [extension] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError)
      throw new InputError(`sweep ${sweepId} refused the extension: ${(error.cause ?? error).message}`);
    throw error;
  }
}

export interface SweepListing {
  sweepId: string;
  status: string;
  startTime: Date;
  closeTime: Date | undefined;
}

/** Every sweep the Temporal server knows, newest first (one line each for `sgc sweep list`). */
export async function listSweeps(client: Client): Promise<SweepListing[]> {
  const out: SweepListing[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowType = 'SweepWorkflow'` })) {
    out.push({
      sweepId: w.workflowId.replace(/^sweep\//, ''),
      status: w.status.name.toLowerCase(),
      startTime: w.startTime,
      closeTime: w.closeTime,
    });
  }
  // A restarted sweep lists each of its executions: keep the newest.
  const newest = new Map<string, SweepListing>();
  for (const w of out.sort((a, b) => b.startTime.getTime() - a.startTime.getTime()))
    if (!newest.has(w.sweepId)) newest.set(w.sweepId, w);
  return [...newest.values()];
}
