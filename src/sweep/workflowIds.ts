/**
 * The Temporal workflow ids of a sweep, its cells and its runs. A run's id is its config hash, so
 * two sweeps that need the same run share one RunWorkflow, and whoever finds it taken waits for it.
 */
export const sweepWorkflowId = (sweepId: string): string => `sweep/${sweepId}`;
export const cellWorkflowId = (sweepId: string, cellKey: string): string => `cell/${sweepId}/${cellKey}`;
export const runWorkflowId = (configHash: string): string => `run/${configHash}`;
