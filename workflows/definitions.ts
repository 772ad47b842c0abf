/**
 * The messages a sweep and its cells take (signals, queries, updates), defined once so that the
 * workflows that handle them and the clients that send them agree on names and types.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CellOutcome, CellStatus, SweepStatus } from '../src/sweep/messages.js';

/** Start nothing new until `resume` (runs already training finish). */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Finish the runs that are training, start none, and end. */
export const stopSignal = defineSignal('stop');

export const statusQuery = defineQuery<SweepStatus>('status');

/**
 * More cells for a running sweep: the spec fields given (groups, encodings, k, models) are added to
 * the spec's, and the cells this creates are searched like the others. Returns the new cell keys.
 */
export const EXTENSION_FIELDS = ['groups', 'encodings', 'k', 'models'] as const;
export interface SweepExtension {
  groups?: string[];
  encodings?: unknown[];
  k?: number[];
  models?: unknown[];
}
export const extendUpdate = defineUpdate<string[], [SweepExtension]>('extend');

/** A cell tells its sweep how its search is going (after every run) and that it has ended. */
export const cellProgressSignal = defineSignal<[CellStatus]>('cellProgress');
export const cellDoneSignal = defineSignal<[CellOutcome]>('cellDone');

export const sweepWorkflowId = (sweepId: string): string => `sweep/${sweepId}`;
export const cellWorkflowId = (sweepId: string, cellKey: string): string => `cell/${sweepId}/${cellKey}`;
export const runWorkflowId = (configHash: string): string => `run/${configHash}`;
