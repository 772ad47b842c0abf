/**
 * The width search of one cell without Temporal or a store: the sweep policy (src/sweep/widthSearch)
 * driven by a plain loop over runTraining. Runs are deterministic, so this is what any sweep of the
 * cell must find, however it was disturbed; the probes are the runs it must have stored.
 */
import { createEngine } from '../../src/learn/engine/index.js';
import { runTraining } from '../../src/learn/trainer.js';
import { runConfig, type SweepCell } from '../../src/sweep/expand.js';
import type { parseSweepSpec } from '../../src/sweep/spec.js';
import { initialSearch, nextProbes, record, type SearchResult } from '../../src/sweep/widthSearch.js';

export async function directSearch(
  cell: SweepCell,
  plan: ReturnType<typeof parseSweepSpec>['width'],
): Promise<SearchResult & { probes: { H: number; seed: number }[] }> {
  const engine = await createEngine('onnx');
  let state = initialSearch(plan);
  const probes: { H: number; seed: number }[] = [];
  while (!state.result) {
    const next = nextProbes(state);
    state = next.state;
    for (const probe of next.probes) {
      const result = await runTraining(runConfig(cell, probe.H, probe.seed), engine);
      probes.push({ H: probe.H, seed: probe.seed });
      state = record(state, { ...probe, succeeded: result.outcome === 'succeeded' });
    }
  }
  return { ...state.result, probes };
}
