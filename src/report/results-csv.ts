/**
 * A sweep report from the results' CSVs (docs/results/, written by `npm run results` from the store)
 * and the sweep's spec, instead of from a store: the same SweepReportData `sgc report` reads, so the
 * committed figures and reports can be redrawn on a checkout without the store that produced them
 * (`npm run results -- --from-csv`). What the CSVs do not hold (worker, backend) is left empty.
 */
import { expandSweep, runConfig } from '../sweep/expand.js';
import { encodingKey, groupKey, modelKey } from '../sweep/keys.js';
import type { SweepSpec } from '../sweep/spec.js';
import { parseCsv } from './csv.js';
import {
  type ChosenRun,
  groupOf,
  type RunRows,
  runFileStem,
  runReportFromRows,
  runsToDraw,
  type SweepCellData,
  type SweepReportData,
  type SweepRunData,
} from './sweep-data.js';

/** The CSVs' text, as `npm run results` writes them. */
export interface ResultsCsv {
  minWidthByK: string;
  runs: string;
  /** The staircase runs' curves: loss_curve, irrep_power_curve and the acquisition events. */
  loss: string;
  power: string;
  events: string;
}

const width = (x: string): number | null => (x === '' ? null : Number(x));

/** One row of min_width_by_k.csv as a report's cell. */
export function cellFromCsvRow(r: Record<string, string>, id: number): SweepCellData {
  return {
    id,
    group: r.group,
    encoding: r.encoding,
    k: Number(r.k),
    model: r.model,
    status: r.status,
    lo: width(r.lo),
    hi: width(r.hi),
    minWidth: width(r.min_width),
    nonMonotone: r.non_monotone === 'true',
    runs: Number(r.runs),
    seeds: Number(r.seeds),
    groupOrder: groupOf(r.group)?.order ?? null,
  };
}

export function sweepReportFromCsv(csv: ResultsCsv, spec: SweepSpec, maxRuns: number): SweepReportData {
  const mine = (rows: Record<string, string>[]) => rows.filter((r) => r.sweep === spec.name);
  const cells: SweepCellData[] = mine(parseCsv(csv.minWidthByK)).map((r, i) => cellFromCsvRow(r, i + 1));
  const cellOf = (r: Record<string, string>) =>
    cells.find(
      (c) => c.group === r.group && c.encoding === r.encoding && c.model === r.model && c.k === Number(r.k),
    );
  const runs: SweepRunData[] = mine(parseCsv(csv.runs)).flatMap((r, i) => {
    const cell = cellOf(r);
    if (!cell) return [];
    return [
      {
        runId: i + 1,
        cellId: cell.id,
        configHash: r.config_hash,
        group: r.group,
        encoding: r.encoding,
        k: Number(r.k),
        model: r.model,
        h: Number(r.h),
        seed: Number(r.seed),
        status: 'done',
        outcome: r.outcome || null,
        steps: width(r.steps),
        seconds: width(r.duration_s),
        engine: spec.engine.name,
        backend: null,
        worker: null,
        finalLoss: width(r.final_loss),
        finalAccuracy: width(r.final_accuracy),
      },
    ];
  });
  const { candidates, notes } = runsToDraw(cells, runs, maxRuns);
  const specCells = expandSweep(spec).cells;
  const chosen: ChosenRun[] = [];
  for (const run of candidates) {
    const cell = specCells.find(
      (c) =>
        groupKey(c.group) === run.group &&
        encodingKey(c.encoding) === run.encoding &&
        modelKey(c.model) === run.model &&
        c.k === run.k,
    );
    if (!cell) {
      notes.push(
        `run ${run.runId} (${run.group} ${run.encoding} k=${run.k} ${run.model}): not a cell of the spec`,
      );
      continue;
    }
    // The curves' CSVs hold the staircase runs: one run per (sweep, group, encoding, width).
    const same = (r: Record<string, string>) =>
      r.sweep === spec.name &&
      r.group === run.group &&
      r.encoding === run.encoding &&
      (r.h ?? String(run.h)) === String(run.h);
    const rows: RunRows = {
      metrics: parseCsv(csv.loss)
        .filter(same)
        .map((r) => ({ step: Number(r.step), loss: Number(r.loss), accuracy: width(r.accuracy) })),
      powers: parseCsv(csv.power)
        .filter(same)
        .map((r) => ({ step: Number(r.step), irrep: r.irrep, power: Number(r.power) })),
      events: parseCsv(csv.events)
        .filter(same)
        .map((r) => ({ step: Number(r.step), irrep: r.irrep })),
    };
    const data = runReportFromRows(run, runConfig(cell, run.h, run.seed), rows);
    if (typeof data === 'string') notes.push(data);
    else chosen.push({ runId: run.runId, cellId: run.cellId, stem: runFileStem(run), data });
  }
  return { sweep: { name: spec.name, status: 'done', createdAt: '' }, cells, runs, chosen, notes };
}
