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
import { type Dim, GraphBuilder } from './graph.js';
import { buildModel } from './models.js';
import { stackedMlp } from './stackedMlp.js';
import { momentName, newMomentName, newName, type StateTensor, stateTensors } from './stateTensors.js';
import { buildUpdate, UPDATE_NAMES, type UpdateNames } from './update.js';

export const gradName = (p: string) => `grad_${p}`;

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

/** The values one training step reads (with `seeds`, each with a leading seed axis). */
export interface StepInputs {
  params: Record<string, string>;
  m: Record<string, string>;
  v: Record<string, string>;
  elements: string;
  targets: string;
  biasCorrection: string | undefined;
}

/**
 * Forward, backward (in slices of the batch), clip and update of one step, reading `inputs`; the loss
 * is named `loss`, the updated values by `out`. With `seeds` = S, the step of S seeds of an mlp with
 * stacked weights (stackedMlp.ts): every input has a leading seed axis, the loss is S losses.
 */
export function buildStep(
  g: GraphBuilder,
  spec: ModelSpec,
  optimizer: OptimizerSpec,
  X: string,
  batchSize: number,
  sliceRows: number,
  inputs: StepInputs,
  loss: string,
  out: UpdateNames,
  seeds?: number,
): void {
  const sizes = sliceSizes(batchSize, sliceRows);
  const batchAxis = seeds === undefined ? 0 : 1;
  const elementSlices = g.splitSizes(inputs.elements, batchAxis, sizes);
  const targetSlices = g.splitSizes(inputs.targets, batchAxis, sizes);
  const inverse = 1 / (batchSize * spec.n);
  const losses: string[] = [];
  const parts: Record<string, string[]> = {};
  // dy = (2/(B·n))·r. Stacked, the factor is a row of n equal values rather than a scalar: ORT's
  // MatMulScaleFusion would fold a scalar into the alpha of the MatMuls that read dy, which rounds
  // otherwise than the seed's own graph (where dy feeds Gemms and is computed as here).
  const dyScale =
    seeds === undefined
      ? g.scalar(2 * inverse)
      : g.floats(new Array(spec.n).fill(2 * inverse), [1, 1, spec.n]);
  const modelInputs = { params: inputs.params, X };
  const model =
    seeds === undefined ? buildModel(g, spec, modelInputs) : stackedMlp(g, spec, seeds, modelInputs);
  sizes.forEach((_, i) => {
    const slice = model.slice(elementSlices[i]);
    const r = g.sub(slice.y, g.gather(X, targetSlices[i]));
    losses.push(
      seeds === undefined ? g.reduceSumSquare(r) : g.reshape(g.reduceSumSquareEach(r, seeds), [seeds]),
    );
    for (const [name, piece] of Object.entries(slice.backward(g.mul(r, dyScale))))
      (parts[name] ??= []).push(piece);
  });
  g.mul(g.sum(losses), g.scalar(inverse), loss);
  const gradients = model.gradients(
    Object.fromEntries(Object.entries(parts).map(([name, pieces]) => [name, g.sum(pieces)])),
  );
  const { params, m, v, biasCorrection } = inputs;
  buildUpdate(g, spec, optimizer, { params, gradients, m, v, biasCorrection }, out, seeds);
}

/** The graph value names of the state tensors: parameters, and Adam's moments by parameter. */
export interface StateValues {
  params: Record<string, string>;
  m: Record<string, string>;
  v: Record<string, string>;
}

/** The value that holds tensor `t` of a state. */
export const stateValue = (state: StateValues, t: StateTensor) =>
  t.which === 'param' ? state.params[t.param] : state[t.which][t.param];

/** The name `out` gives tensor `t` after the step. */
export const updatedName = (out: UpdateNames, t: StateTensor) =>
  t.which === 'param' ? out.param(t.param) : out.moment(t.which, t.param);

/**
 * The training state's graph inputs (stateTensors' order), named as `name` says; `lead` dimensions
 * (a stacked graph's seeds) before each tensor's rows and columns.
 */
export function stateInputs(
  g: GraphBuilder,
  tensors: StateTensor[],
  name = (s: string) => s,
  lead: Dim[] = [],
): StateValues {
  const state: StateValues = { params: {}, m: {}, v: {} };
  for (const t of tensors) {
    const value = g.input(name(t.name), 'float', [...lead, t.rows, t.cols]);
    if (t.which === 'param') state.params[t.param] = value;
    else state[t.which][t.param] = value;
  }
  return state;
}

/** Declares the updated state (named by `out`) outputs of `g`. */
export function stateOutputs(g: GraphBuilder, tensors: StateTensor[], out: UpdateNames): void {
  for (const t of tensors) g.output(updatedName(out, t), 'float', [t.rows, t.cols]);
}

/**
 * A training graph's batch inputs, with the leading dimensions `lead` ([] for one step, ['M'] for a
 * Loop's M steps, ['M', S] for S seeds too): elements (… × B × k), targets (… × B) and, when any
 * parameter is Adam's, bias_correction (… × 2).
 */
export function batchInputs(
  g: GraphBuilder,
  spec: ModelSpec,
  optimizer: OptimizerSpec,
  batchSize: number,
  lead: Dim[],
) {
  const elements = g.input('elements', 'int32', [...lead, batchSize, spec.k]);
  const targets = g.input('targets', 'int32', [...lead, batchSize]);
  const biasCorrection =
    adamParameters(spec, optimizer).length > 0
      ? g.input('bias_correction', 'float', [...lead, 2])
      : undefined;
  return { elements, targets, biasCorrection };
}

/** One training step: params, moments, elements (B × k), targets (B), bias_correction (2) → loss, new state. */
export function trainGraph(
  spec: ModelSpec,
  optimizer: OptimizerSpec,
  encodings: Float64Array,
  batchSize: number,
  sliceRows = defaultSliceRows(spec),
): Uint8Array {
  const g = new GraphBuilder(`${spec.kind}_train`);
  const X = g.floats(encodings, [spec.n, spec.n], 'X');
  const tensors = stateTensors(spec, optimizer);
  const state = stateInputs(g, tensors);
  const batch = batchInputs(g, spec, optimizer, batchSize, []);
  buildStep(g, spec, optimizer, X, batchSize, sliceRows, { ...state, ...batch }, 'loss', UPDATE_NAMES);
  g.output('loss', 'float', []);
  stateOutputs(g, tensors, UPDATE_NAMES);
  return g.toModel();
}

/**
 * M training steps in one run: an ONNX Loop whose body is the step of trainGraph, the state carried
 * from one iteration to the next. Inputs: params, moments, elements (M × B × k), targets (M × B),
 * bias_correction (M × 2) with M free; outputs: losses (M, the loss of each step before its update)
 * and the state after the M steps. Step i reads row i of the batch inputs (a Gather by the
 * iteration number), so one call feeds all M batches at once. The body is the same nodes as
 * trainGraph's, so the numbers are the same as M calls of it (test/unit/learn/engine-onnx.test.ts).
 */
export function trainLoopGraph(
  spec: ModelSpec,
  optimizer: OptimizerSpec,
  encodings: Float64Array,
  batchSize: number,
  sliceRows = defaultSliceRows(spec),
): Uint8Array {
  const g = new GraphBuilder(`${spec.kind}_train_loop`);
  const X = g.floats(encodings, [spec.n, spec.n], 'X');
  const tensors = stateTensors(spec, optimizer);
  const state = stateInputs(g, tensors);
  const { elements, targets, biasCorrection } = batchInputs(g, spec, optimizer, batchSize, ['M']);

  // The body: (iteration, condition, state) → (condition, new state, loss); it reads the batch
  // inputs and X from the outer graph.
  const body = new GraphBuilder(`${spec.kind}_step`, 'step_');
  const iteration = body.input('step_iteration', 'int64', []);
  const condition = body.input('step_condition', 'bool', []);
  const inner = stateInputs(body, tensors, (s) => `step_${s}`);
  const pick = (all: string) => body.gather(all, iteration);
  const bodyNames: UpdateNames = {
    param: (p) => `step_${newName(p)}`,
    moment: (which, p) => `step_${newMomentName(which, p)}`,
  };
  buildStep(
    body,
    spec,
    optimizer,
    X,
    batchSize,
    sliceRows,
    {
      ...inner,
      elements: pick(elements),
      targets: pick(targets),
      biasCorrection: biasCorrection === undefined ? undefined : pick(biasCorrection),
    },
    'step_loss',
    bodyNames,
  );
  body.output(body.op('Identity', [condition], {}, 'step_condition_out'), 'bool', []);
  stateOutputs(body, tensors, bodyNames);
  body.output('step_loss', 'float', []);

  const count = g.op('Gather', [g.op('Shape', [elements]), g.int64s([0], [])], { axis: 0 });
  const carried = tensors.map((t) => stateValue(state, t));
  const finals = tensors.map((t) => t.next);
  g.opN('Loop', [count, '', ...carried], [...finals, 'losses'], { body: { graph: body.graph() } });
  stateOutputs(g, tensors, UPDATE_NAMES);
  g.output('losses', 'float', ['M']);
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
