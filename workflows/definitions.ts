/**
 * The messages a sweep and its cells take (signals, queries, updates), defined once so that the
 * workflows that handle them and the clients that send them agree on names and types.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { MessageOrder } from '../src/sweep/messageOrder.js';
import type { CellOutcome, CellStatus, SweepStatus, Waiting } from '../src/sweep/messages.js';

/** Start nothing new until `resume` (runs already training finish). */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Finish the runs that are training, start none, and end. */
export const stopSignal = defineSignal('stop');

export const statusQuery = defineQuery<SweepStatus>('status');

/**
 * More cells for a running sweep: the spec fields given (groups, encodings, k, models) are added to
 * the spec's, and the cells this creates are searched like the others.
 *
 * More seeds: `width: {seeds, succeed}` is merged into the spec's width (seeds may only rise;
 * succeed ≤ seeds, and when neither gives it, it is the seeds). That changes every cell's plan:
 * cells not started yet use the new one; cells running are stopped (their runs in flight finish)
 * and, like cells already ended, searched again from the start with the new plan as new
 * CellWorkflows. Their runs already in the store are cache hits, so only runs not in it train.
 */
export const EXTENSION_FIELDS = ['groups', 'encodings', 'k', 'models', 'width'] as const;
/** The list fields of an extension (appended to the spec's); `width` is merged instead. */
export const EXTENSION_LISTS = ['groups', 'encodings', 'k', 'models'] as const;
export interface SweepExtension {
  groups?: string[];
  encodings?: unknown[];
  k?: number[];
  models?: unknown[];
  width?: { seeds?: number; succeed?: number };
}
/** What an extension did: the new cells, and the cells searched again under a new width plan. */
export interface ExtensionResult {
  added: string[];
  researched: string[];
}
export const extendUpdate = defineUpdate<ExtensionResult, [SweepExtension]>('extend');

/**
 * A cell tells its sweep how its search is going (after every run) and that it has ended. Progress
 * is stamped (src/sweep/messageOrder.ts): the sweep takes only a report newer than the last it took.
 */
export const cellProgressSignal = defineSignal<[CellStatus, MessageOrder?]>('cellProgress');
export const cellDoneSignal = defineSignal<[CellOutcome]>('cellDone');
/**
 * A run tells the cell that started it that one of its store calls waits for the store (`waiting`
 * set) or no longer does (null), so that the cell, and through it the sweep, shows the wait.
 */
export const runWaitingSignal =
  defineSignal<[{ configHash: string; waiting: Waiting | null; order?: MessageOrder }]>('runWaiting');

export { cellWorkflowId, runWorkflowId, sweepWorkflowId } from '../src/sweep/workflowIds.js';
