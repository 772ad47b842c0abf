/**
 * The training state as the onnx graphs see it: one tensor per parameter, and Adam's m and v of each
 * parameter Adam updates. Every graph declares these inputs, carries them through a Loop and outputs
 * their updated values in one order, and the session feeds and swaps them in that order: this list.
 */
import type { ModelSpec } from '../../models/spec.js';
import { parameterShapes } from '../../models/spec.js';
import { adamParameters, type OptimizerSpec } from '../../optimizers.js';

/** Input names: `<p>`, `m_<p>`, `v_<p>`. */
export const momentName = (which: 'm' | 'v', p: string) => `${which}_${p}`;
/** Output names: `new_<p>`, `new_m_<p>`, `new_v_<p>`. */
export const newName = (p: string) => `new_${p}`;
export const newMomentName = (which: 'm' | 'v', p: string) => `new_${which}_${p}`;

export interface StateTensor {
  /** The parameter it belongs to. */
  param: string;
  /** The parameter itself, or one of Adam's moments of it. */
  which: 'param' | 'm' | 'v';
  /** Its graph input name. */
  name: string;
  /** The graph output name of its value after the step. */
  next: string;
  rows: number;
  cols: number;
}

/** The state in its one order: every parameter, then m and v of each Adam parameter. */
export function stateTensors(spec: ModelSpec, optimizer: OptimizerSpec): StateTensor[] {
  const shapes = parameterShapes(spec);
  const adam = adamParameters(spec, optimizer);
  return [
    ...shapes.map(({ name, rows, cols }) => ({
      param: name,
      which: 'param' as const,
      name,
      next: newName(name),
      rows,
      cols,
    })),
    ...shapes
      .filter((s) => adam.includes(s.name))
      .flatMap(({ name, rows, cols }) =>
        (['m', 'v'] as const).map((which) => ({
          param: name,
          which,
          name: momentName(which, name),
          next: newMomentName(which, name),
          rows,
          cols,
        })),
      ),
  ];
}
