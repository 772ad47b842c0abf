/**
 * The three graphs a session runs, for one (model spec, optimizer):
 *
 *   train      params, Adam moments, elements, targets, bias correction
 *              → loss, new params, new moments                     (forward, backward, clip, update)
 *   gradients  params, elements, targets → loss, grad_<p>           (tests and diagnostics)
 *   predict    params, elements → y                                 (forward only)
 *
 * The loss is L = (1/(B·n)) Σ‖y − x_target‖², so dy = (2/(B·n))·(y − x_target). The train graph has a
 * fixed batch size B (the constants fold); the other two take any B (a symbolic dimension, with
 * 1/(B·n) computed from the targets' shape).
 */
import type { ModelSpec } from '../../models/spec.js';
import { parameterShapes } from '../../models/spec.js';
import { adamParameters, type OptimizerSpec } from '../../optimizers.js';
import { type Dim, GraphBuilder } from './graph.js';
import { buildModel } from './models.js';
import { buildUpdate, newMomentName, newName } from './update.js';

export const gradName = (p: string) => `grad_${p}`;
export const momentName = (which: 'm' | 'v', p: string) => `${which}_${p}`;

interface Common {
  g: GraphBuilder;
  params: Record<string, string>;
  elements: string;
  X: string;
  B: Dim;
}

function common(name: string, spec: ModelSpec, encodings: Float64Array, B: Dim): Common {
  const g = new GraphBuilder(name);
  const params: Record<string, string> = {};
  for (const s of parameterShapes(spec)) params[s.name] = g.input(s.name, 'float', [s.rows, s.cols]);
  const elements = g.input('elements', 'int32', [B, spec.k]);
  const X = g.floats(encodings, [spec.n, spec.n], 'X');
  return { g, params, elements, X, B };
}

/** Adds the loss (output `loss`) and returns dy. */
function lossAndDy(c: Common, spec: ModelSpec, y: string): string {
  const { g, X, B } = c;
  const targets = g.input('targets', 'int32', [B]);
  const r = g.sub(y, g.gather(X, targets));
  let inverse: string;
  if (typeof B === 'number') inverse = g.scalar(1 / (B * spec.n));
  else {
    const count = g.op('Cast', [g.op('Shape', [targets])], { to: 1 });
    inverse = g.reshape(g.op('Reciprocal', [g.mul(count, g.scalar(spec.n))]), []);
  }
  g.output(g.mul(g.reduceSumSquare(r), inverse, 'loss'), 'float', []);
  return g.mul(r, g.mul(inverse, g.scalar(2)));
}

export function trainGraph(
  spec: ModelSpec,
  optimizer: OptimizerSpec,
  encodings: Float64Array,
  batchSize: number,
): Uint8Array {
  const c = common(`${spec.kind}_train`, spec, encodings, batchSize);
  const { g } = c;
  const model = buildModel(g, spec, c);
  const gradients = model.backward(lossAndDy(c, spec, model.y));
  const adam = adamParameters(spec, optimizer);
  const shapes = new Map(parameterShapes(spec).map((s) => [s.name, [s.rows, s.cols]]));
  const m: Record<string, string> = {};
  const v: Record<string, string> = {};
  for (const p of adam) {
    m[p] = g.input(momentName('m', p), 'float', shapes.get(p)!);
    v[p] = g.input(momentName('v', p), 'float', shapes.get(p)!);
  }
  const biasCorrection = adam.length > 0 ? g.input('bias_correction', 'float', [2]) : undefined;
  buildUpdate(g, spec, optimizer, { params: c.params, gradients, m, v, biasCorrection });
  for (const [p, dims] of shapes) g.output(newName(p), 'float', dims);
  for (const p of adam) {
    g.output(newMomentName('m', p), 'float', shapes.get(p)!);
    g.output(newMomentName('v', p), 'float', shapes.get(p)!);
  }
  return g.toModel();
}

export function gradientsGraph(spec: ModelSpec, encodings: Float64Array): Uint8Array {
  const c = common(`${spec.kind}_gradients`, spec, encodings, 'B');
  const { g } = c;
  const model = buildModel(g, spec, c);
  const gradients = model.backward(lossAndDy(c, spec, model.y));
  for (const s of parameterShapes(spec))
    g.output(g.op('Identity', [gradients[s.name]], {}, gradName(s.name)), 'float', [s.rows, s.cols]);
  return g.toModel();
}

export function predictGraph(spec: ModelSpec, encodings: Float64Array): Uint8Array {
  const c = common(`${spec.kind}_predict`, spec, encodings, 'B');
  const model = buildModel(c.g, spec, c);
  c.g.output(c.g.op('Identity', [model.y], {}, 'y'), 'float', ['B', spec.n]);
  return c.g.toModel();
}
