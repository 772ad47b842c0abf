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

/** The values one training step reads. */
interface StepInputs {
  params: Record<string, string>;
  m: Record<string, string>;
  v: Record<string, string>;
  elements: string;
  targets: string;
  biasCorrection: string | undefined;
}

/**
 * Forward, backward (in slices of the batch), clip and update of one step, reading `inputs`; the loss
 * is named `loss`, the updated values by `out`.
 */
function buildStep(
  g: GraphBuilder,
  spec: ModelSpec,
  optimizer: OptimizerSpec,
  X: string,
  batchSize: number,
  sliceRows: number,
  inputs: StepInputs,
  loss: string,
  out: UpdateNames,
): void {
  const sizes = sliceSizes(batchSize, sliceRows);
  const elementSlices = g.splitSizes(inputs.elements, 0, sizes);
  const targetSlices = g.splitSizes(inputs.targets, 0, sizes);
  const inverse = 1 / (batchSize * spec.n);
  const losses: string[] = [];
  const parts: Record<string, string[]> = {};
  const model = buildModel(g, spec, { params: inputs.params, X });
  sizes.forEach((_, i) => {
    const slice = model.slice(elementSlices[i]);
    const r = g.sub(slice.y, g.gather(X, targetSlices[i]));
    losses.push(g.reduceSumSquare(r));
    for (const [name, piece] of Object.entries(slice.backward(g.mul(r, g.scalar(2 * inverse)))))
      (parts[name] ??= []).push(piece);
  });
  g.mul(g.sum(losses), g.scalar(inverse), loss);
  const gradients = model.gradients(
    Object.fromEntries(Object.entries(parts).map(([name, pieces]) => [name, g.sum(pieces)])),
  );
  const { params, m, v, biasCorrection } = inputs;
  buildUpdate(g, spec, optimizer, { params, gradients, m, v, biasCorrection }, out);
}

/** The graph value names of the state tensors: parameters, and Adam's moments by parameter. */
interface StateValues {
  params: Record<string, string>;
  m: Record<string, string>;
  v: Record<string, string>;
}

/** The value that holds tensor `t` of a state. */
const stateValue = (state: StateValues, t: StateTensor) =>
  t.which === 'param' ? state.params[t.param] : state[t.which][t.param];

/** The name `out` gives tensor `t` after the step. */
const updatedName = (out: UpdateNames, t: StateTensor) =>
  t.which === 'param' ? out.param(t.param) : out.moment(t.which, t.param);

/** The training state's graph inputs (stateTensors' order), named as `name` says. */
function stateInputs(g: GraphBuilder, tensors: StateTensor[], name = (s: string) => s): StateValues {
  const state: StateValues = { params: {}, m: {}, v: {} };
  for (const t of tensors) {
    const value = g.input(name(t.name), 'float', [t.rows, t.cols]);
    if (t.which === 'param') state.params[t.param] = value;
    else state[t.which][t.param] = value;
  }
  return state;
}

/** Declares the updated state (named by `out`) outputs of `g`. */
function stateOutputs(g: GraphBuilder, tensors: StateTensor[], out: UpdateNames): void {
  for (const t of tensors) g.output(updatedName(out, t), 'float', [t.rows, t.cols]);
}

/**
 * A training graph's batch inputs, with the leading dimensions `lead` ([] for one step, ['M'] for a
 * Loop's M steps, ['M', S] for S seeds too): elements (… × B × k), targets (… × B) and, when any
 * parameter is Adam's, bias_correction (… × 2).
 */
function batchInputs(
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

/** The graph names of seed slot j's state: `s<j>_<name>` (inputs) and `s<j>_new_<name>` (outputs). */
export const slotName = (slot: number, name: string) => `s${slot}_${name}`;

/**
 * S seeds' training steps in one run: the Loop of trainLoopGraph whose body holds S copies of the
 * step, one per seed slot, each with its own state. Inputs: slot j's params and moments (named by
 * slotName), elements (M × S × B × k), targets (M × S × B), bias_correction (M × S × 2) and active
 * (M × S, bool); outputs: each slot's state after the M steps and losses (M × S).
 *
 * Step i of slot j updates its state only where active[i][j]: a Where picks the updated or the old
 * tensor, so an inactive step leaves the state bit for bit as it was (its step is computed and
 * dropped). That is how seeds whose calls ask for fewer steps than others ride along. Each slot's
 * step is the same nodes as trainGraph's, so every seed's numbers are those of training it alone
 * (test/unit/learn/engine-onnx-seeds.test.ts).
 */
export function trainSeedsLoopGraph(
  spec: ModelSpec,
  optimizer: OptimizerSpec,
  encodings: Float64Array,
  batchSize: number,
  seeds: number,
  sliceRows = defaultSliceRows(spec),
): Uint8Array {
  const g = new GraphBuilder(`${spec.kind}_train_seeds`);
  const X = g.floats(encodings, [spec.n, spec.n], 'X');
  const tensors = stateTensors(spec, optimizer);
  const slots = Array.from({ length: seeds }, (_, j) => j);
  const states = slots.map((j) => stateInputs(g, tensors, (s) => slotName(j, s)));
  const { elements, targets, biasCorrection } = batchInputs(g, spec, optimizer, batchSize, ['M', seeds]);
  const active = g.input('active', 'bool', ['M', seeds]);

  const body = new GraphBuilder(`${spec.kind}_seeds_step`, 'step_');
  const iteration = body.input('step_iteration', 'int64', []);
  const condition = body.input('step_condition', 'bool', []);
  const inners = slots.map((j) => stateInputs(body, tensors, (s) => `step_${slotName(j, s)}`));
  const row = (all: string) => body.gather(all, iteration);
  const [elementRow, targetRow, activeRow] = [row(elements), row(targets), row(active)];
  const biasRow = biasCorrection === undefined ? undefined : row(biasCorrection);
  const losses: string[] = [];
  for (const j of slots) {
    const slot = (all: string) => body.gather(all, body.int64s([j], []));
    const updated: UpdateNames = {
      param: (p) => `step_${slotName(j, `updated_${p}`)}`,
      moment: (which, p) => `step_${slotName(j, `updated_${momentName(which, p)}`)}`,
    };
    const loss = `step_${slotName(j, 'loss')}`;
    buildStep(
      body,
      spec,
      optimizer,
      X,
      batchSize,
      sliceRows,
      {
        ...inners[j],
        elements: slot(elementRow),
        targets: slot(targetRow),
        biasCorrection: biasRow === undefined ? undefined : slot(biasRow),
      },
      loss,
      updated,
    );
    losses.push(body.op('Unsqueeze', [loss, body.int64s([0])]));
    const on = slot(activeRow);
    for (const t of tensors)
      body.op(
        'Where',
        [on, updatedName(updated, t), stateValue(inners[j], t)],
        {},
        `step_${slotName(j, t.next)}`,
      );
  }
  body.output(body.op('Identity', [condition], {}, 'step_condition_out'), 'bool', []);
  // The body's state outputs and the Loop's, slot by slot in stateTensors' order, as the inputs.
  const slotOutputs = (prefix: string) =>
    slots.flatMap((j) => tensors.map((t) => ({ name: `${prefix}${slotName(j, t.next)}`, t })));
  for (const { name, t } of slotOutputs('step_')) body.output(name, 'float', [t.rows, t.cols]);
  body.output(body.op('Concat', losses, { axis: 0 }, 'step_losses'), 'float', [seeds]);

  const count = g.op('Gather', [g.op('Shape', [elements]), g.int64s([0], [])], { axis: 0 });
  const carried = slots.flatMap((j) => tensors.map((t) => stateValue(states[j], t)));
  const finals = slotOutputs('');
  g.opN('Loop', [count, '', ...carried], [...finals.map((o) => o.name), 'losses'], {
    body: { graph: body.graph() },
  });
  for (const { name, t } of finals) g.output(name, 'float', [t.rows, t.cols]);
  g.output('losses', 'float', ['M', seeds]);
  return g.toModel();
}
