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
 *
 * The train graph runs the batch in slices of about SLICE_ELEMENTS / H sequences, each through its own
 * copy of the forward and backward, and sums the slices' gradients: every B × H intermediate then
 * stays in cache between the ops that use it (ORT runs one op at a time over the whole tensor, so on
 * the full batch each elementwise op is a trip through main memory). Measured at B = H = 4096
 * (2 cores): slices of 256 rows took 25–35% less time per step than the whole batch; 128 rows no
 * better than 256.
 */
import type { ModelSpec } from '../../models/spec.js';
import { parameterShapes } from '../../models/spec.js';
import { adamParameters, type OptimizerSpec } from '../../optimizers.js';
import { GraphBuilder } from './graph.js';
import { buildModel } from './models.js';
import { buildUpdate, newMomentName, newName } from './update.js';

export const gradName = (p: string) => `grad_${p}`;
export const momentName = (which: 'm' | 'v', p: string) => `${which}_${p}`;

interface Common {
  g: GraphBuilder;
  params: Record<string, string>;
  elements: string;
  X: string;
}

function common(name: string, spec: ModelSpec, encodings: Float64Array, B: number | 'B'): Common {
  const g = new GraphBuilder(name);
  const params: Record<string, string> = {};
  for (const s of parameterShapes(spec)) params[s.name] = g.input(s.name, 'float', [s.rows, s.cols]);
  const elements = g.input('elements', 'int32', [B, spec.k]);
  const X = g.floats(encodings, [spec.n, spec.n], 'X');
  return { g, params, elements, X };
}

/** Target B × H elements of one slice of the train graph's batch (4 MiB of Float32). */
export const SLICE_ELEMENTS = 1 << 20;
const MIN_SLICE_ROWS = 64;

/** Sequences per slice: SLICE_ELEMENTS / H, at least 64. */
export function defaultSliceRows(spec: ModelSpec): number {
  return Math.max(MIN_SLICE_ROWS, Math.floor(SLICE_ELEMENTS / Math.max(spec.H, spec.n)));
}

/** `total` split into the fewest near-equal parts of at most `most`. */
export function sliceSizes(total: number, most: number): number[] {
  const parts = Math.ceil(total / most);
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}

/** Adds the loss (output `loss`) for any batch count and returns dy. */
function lossAndDy(c: Common, spec: ModelSpec, y: string): string {
  const { g, X } = c;
  const targets = g.input('targets', 'int32', ['B']);
  const r = g.sub(y, g.gather(X, targets));
  const count = g.op('Cast', [g.op('Shape', [targets])], { to: 1 });
  const inverse = g.reshape(g.op('Reciprocal', [g.mul(count, g.scalar(spec.n))]), []);
  g.output(g.mul(g.reduceSumSquare(r), inverse, 'loss'), 'float', []);
  return g.mul(r, g.mul(inverse, g.scalar(2)));
}

export function trainGraph(
  spec: ModelSpec,
  optimizer: OptimizerSpec,
  encodings: Float64Array,
  batchSize: number,
  sliceRows = defaultSliceRows(spec),
): Uint8Array {
  const c = common(`${spec.kind}_train`, spec, encodings, batchSize);
  const { g, X } = c;
  const targets = g.input('targets', 'int32', [batchSize]);
  const sizes = sliceSizes(batchSize, sliceRows);
  const elementSlices = g.splitSizes(c.elements, 0, sizes);
  const targetSlices = g.splitSizes(targets, 0, sizes);
  const inverse = 1 / (batchSize * spec.n);
  const losses: string[] = [];
  const parts: Record<string, string[]> = {};
  const model = buildModel(g, spec, c);
  sizes.forEach((_, i) => {
    const slice = model.slice(elementSlices[i]);
    const r = g.sub(slice.y, g.gather(X, targetSlices[i]));
    losses.push(g.reduceSumSquare(r));
    for (const [name, piece] of Object.entries(slice.backward(g.mul(r, g.scalar(2 * inverse)))))
      (parts[name] ??= []).push(piece);
  });
  g.output(g.mul(g.sum(losses), g.scalar(inverse), 'loss'), 'float', []);
  const gradients = model.gradients(
    Object.fromEntries(Object.entries(parts).map(([name, pieces]) => [name, g.sum(pieces)])),
  );
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
  const slice = model.slice(c.elements);
  const gradients = model.gradients(slice.backward(lossAndDy(c, spec, slice.y)));
  for (const s of parameterShapes(spec))
    g.output(g.op('Identity', [gradients[s.name]], {}, gradName(s.name)), 'float', [s.rows, s.cols]);
  return g.toModel();
}

export function predictGraph(spec: ModelSpec, encodings: Float64Array): Uint8Array {
  const c = common(`${spec.kind}_predict`, spec, encodings, 'B');
  const { y } = buildModel(c.g, spec, c).slice(c.elements);
  c.g.output(c.g.op('Identity', [y], {}, 'y'), 'float', ['B', spec.n]);
  return c.g.toModel();
}
