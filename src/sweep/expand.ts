/**
 * A sweep spec expanded into its cells, one per (group, encoding, k, model) in the spec's order
 * (groups outermost, models innermost), and the run config of any (cell, width, seed).
 *
 * A cell is plain JSON and carries everything its runs need (the spec's train, data, order,
 * evaluation and engine blocks), so a CellWorkflow needs nothing but its cell and width plan.
 */
import { InputError } from '../errors.js';
import { type RunConfig, RunConfigSchema } from '../learn/runConfig.js';
import type { EncodingSpec } from '../task/encoding.js';
import { parseWithSchema } from '../validation.js';
import { encodingFit } from './fit.js';
import { type CellKey, cellKey, encodingKey, groupKey, type ModelChoice } from './keys.js';
import { type SweepSpec, type SweepTrain, stepsAt } from './spec.js';

export interface SweepCell {
  cellKey: CellKey;
  sweep: string;
  group: string;
  encoding: EncodingSpec;
  k: number;
  model: ModelChoice;
  train: SweepTrain;
  data: RunConfig['data'];
  order: RunConfig['order'];
  evaluation: RunConfig['evaluation'];
  engine: RunConfig['engine'];
}

/** A (group, encoding) pair left out under `powersMismatch: skip`, and why. */
export interface SkippedPair {
  group: string;
  encoding: string;
  reason: string;
}

export interface SweepExpansion {
  cells: SweepCell[];
  skipped: SkippedPair[];
}

export function expandSweep(spec: SweepSpec): SweepExpansion {
  const cells: SweepCell[] = [];
  const skipped: SkippedPair[] = [];
  for (const group of spec.groups) {
    for (const encoding of spec.encodings) {
      const fit = encodingFit(group, encoding);
      if (!fit.fits) {
        if (!(fit.mismatch && spec.powersMismatch === 'skip'))
          throw new InputError(
            `sweep ${spec.name}: ${groupKey(group)} with ${encodingKey(encoding)}: ${fit.reason}`,
          );
        skipped.push({ group: groupKey(group), encoding: encodingKey(encoding), reason: fit.reason });
        continue;
      }
      for (const k of spec.k) {
        for (const model of spec.models) {
          cells.push({
            cellKey: cellKey(group, encoding, k, model),
            sweep: spec.name,
            group,
            encoding,
            k,
            model,
            train: { ...spec.train, steps: stepsAt(spec.train, k) },
            data: spec.data,
            order: spec.order,
            evaluation: spec.evaluation,
            engine: spec.engine,
          });
        }
      }
    }
  }
  // Cells share the spec's blocks; a JSON copy gives every cell its own.
  return JSON.parse(JSON.stringify({ cells, skipped })) as SweepExpansion;
}

/** The run config of width H and training seed `seed` in `cell`, validated as `sgc train` would. */
export function runConfig(cell: SweepCell, H: number, seed: number): RunConfig {
  const name = `${cell.sweep}/${cell.cellKey}/H${H}/seed${seed}`;
  const config = {
    name,
    group: cell.group,
    encoding: cell.encoding,
    k: cell.k,
    order: cell.order,
    model: { ...cell.model, H },
    train: { ...cell.train, seed },
    data: cell.data,
    evaluation: cell.evaluation,
    engine: cell.engine,
  };
  return parseWithSchema(RunConfigSchema, config, `run ${name}`);
}
