/**
 * What the sweep tests on a real Temporal server share: their training settings, a spec whose runs
 * train for seconds, and reads of a sweep's runs (from the store) and of its final status (from
 * its workflow).
 */
import type { Client } from '@temporalio/client';
import type { Store } from '../../src/store/index.js';
import type { SweepStatus } from '../../src/sweep/messages.js';
import { sweepWorkflowId } from '../../workflows/definitions.js';

export const TRAIN = { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, clip: 0.1 };

/**
 * The cheapest cell there is, C3 at k = 2 (one-hot, mlp), on a plain grid of `values`, one seed per
 * width: the spec the sweep tests and benchmarks build theirs from (`extra` adds or replaces keys).
 */
export function c3GridSpec(
  name: string,
  values: number[],
  train: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    name,
    groups: ['C3'],
    encodings: [{ kind: 'onehot' }],
    k: [2],
    models: ['mlp'],
    width: { values, seeds: 1 },
    train,
    ...extra,
  };
}

/** Runs that train for a few seconds each (no early stop), on a grid so they are all started at once. */
export function slowSpec(name: string, values: number[], steps: number) {
  return c3GridSpec(name, values, { ...TRAIN, steps, stopOnSuccess: false });
}

/** The runs of a sweep's cells, one row each, by width and seed. */
export function sweepRunRows(store: Store, sweep: string) {
  return store.driver.query<{
    config_hash: string;
    h: number;
    seed: number;
    status: string;
    outcome: string | null;
    attempt: number;
    worker: string | null;
  }>(
    `SELECT DISTINCT r.config_hash, r.h, r.seed, r.status::text AS status, r.outcome::text AS outcome, r.attempt, r.worker
       FROM run r JOIN cell_run cr ON cr.run_id = r.id JOIN cell c ON c.id = cr.cell_id JOIN sweep s ON s.id = c.sweep_id
      WHERE s.name = $1 ORDER BY r.h, r.seed`,
    [sweep],
  );
}

/** The status a sweep's workflow ended with (waits for it to end). */
export async function finalSweepStatus(client: Client, sweep: string): Promise<SweepStatus> {
  return (await client.workflow.getHandle(sweepWorkflowId(sweep)).result()) as SweepStatus;
}
