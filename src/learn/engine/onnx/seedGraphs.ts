/**
 * The graphs of S seeds trained together (seeds.ts): M steps of each seed in one onnxruntime call, a
 * Loop as in trainLoopGraph. Both take and give each seed slot's state as tensors of its own (named
 * by slotName), so a seed's session keeps its state whichever graph stepped it:
 *
 *   trainSeedsLoopGraph         any model: the Loop body holds one copy of the step per seed
 *   trainStackedSeedsLoopGraph  the mlp's small steps (stackable): one step of all seeds with stacked
 *                               weights (stackedMlp.ts), each product one batched MatMul instead of
 *                               S Gemms, so each kernel of the step runs once for the S seeds
 *
 * Common inputs: elements (M × S × B × k), targets (M × S × B) and bias_correction (M × S × 2, when
 * any parameter is Adam's); outputs: each slot's state after the M steps and losses (M × S). Every
 * slot takes all M steps (seeds.ts asks each engine call for as many steps as every seed has left).
 * Every seed's numbers are those of training it alone, bit for bit
 * (test/unit/learn/engine-onnx-seeds.test.ts).
 */
import type { ModelSpec } from '../../models/spec.js';
import type { OptimizerSpec } from '../../optimizers.js';
import { GraphBuilder } from './graph.js';
import { batchInputs, buildStep, defaultSliceRows, stateInputs, stateValue, updatedName } from './graphs.js';
import { newMomentName, newName, stateTensors } from './stateTensors.js';
import type { UpdateNames } from './update.js';

/** The graph names of seed slot j's state: `s<j>_<name>` (inputs) and `s<j>_new_<name>` (outputs). */
export const slotName = (slot: number, name: string) => `s${slot}_${name}`;

/**
 * Largest S·B·max(H, n) for stacked weights: each stacked intermediate (S × B × H floats) then fits in
 * a core's cache. Above it the copies of the step were as fast or faster (they keep the train graph's
 * slices of the batch, which a stacked step makes S times larger): measured with S = 3 on 2 cores
 * (bench:train), stacked ÷ copies per seed-step 1.5 at (|G|, H, B) = (11, 200, 121) and (10, 512, 100),
 * 1.0–1.1 at (24/25, 300, 128), 0.9–1.0 at (10, 2048, 1000) and 0.7–0.9 at B = 3600–4096.
 */
export const STACKED_MAX_ELEMENTS = 1 << 18;

/** Whether S seeds of this model and batch size train with stacked weights (the mlp, small steps). */
export const stackable = (spec: ModelSpec, batchSize: number, seeds: number) =>
  spec.kind === 'mlp' && seeds * batchSize * Math.max(spec.H, spec.n) <= STACKED_MAX_ELEMENTS;

/**
 * What both seed graphs start with: the outer graph (X, each slot's state inputs, the batch inputs),
 * its Loop body with the iteration and condition inputs, `row` (a batch input's row of the current
 * step, in the body) and the Loop's trip count.
 */
function seedGraph(
  name: string,
  spec: ModelSpec,
  optimizer: OptimizerSpec,
  encodings: Float64Array,
  batchSize: number,
  seeds: number,
) {
  const g = new GraphBuilder(`${spec.kind}_${name}`);
  const X = g.floats(encodings, [spec.n, spec.n], 'X');
  const tensors = stateTensors(spec, optimizer);
  const slots = Array.from({ length: seeds }, (_, j) => j);
  const states = slots.map((j) => stateInputs(g, tensors, (s) => slotName(j, s)));
  const batch = batchInputs(g, spec, optimizer, batchSize, ['M', seeds]);
  const body = new GraphBuilder(`${spec.kind}_${name}_step`, 'step_');
  const iteration = body.input('step_iteration', 'int64', []);
  const condition = body.input('step_condition', 'bool', []);
  body.output(body.op('Identity', [condition], {}, 'step_condition_out'), 'bool', []);
  const row = (all: string) => body.gather(all, iteration);
  const count = g.op('Gather', [g.op('Shape', [batch.elements]), g.int64s([0], [])], { axis: 0 });
  return { g, X, tensors, slots, states, ...batch, body, row, count };
}

/** S seeds' steps in one Loop whose body holds S copies of the step, one per seed slot. */
export function trainSeedsLoopGraph(
  spec: ModelSpec,
  optimizer: OptimizerSpec,
  encodings: Float64Array,
  batchSize: number,
  seeds: number,
  sliceRows = defaultSliceRows(spec),
): Uint8Array {
  const { g, X, tensors, slots, states, elements, targets, biasCorrection, body, row, count } = seedGraph(
    'train_seeds',
    spec,
    optimizer,
    encodings,
    batchSize,
    seeds,
  );
  const inners = slots.map((j) => stateInputs(body, tensors, (s) => `step_${slotName(j, s)}`));
  const [elementRow, targetRow] = [row(elements), row(targets)];
  const biasRow = biasCorrection === undefined ? undefined : row(biasCorrection);
  const losses: string[] = [];
  for (const j of slots) {
    const slot = (all: string) => body.gather(all, body.int64s([j], []));
    // Named as the body's outputs: slot j's state after the step.
    const updated: UpdateNames = {
      param: (p) => `step_${slotName(j, newName(p))}`,
      moment: (which, p) => `step_${slotName(j, newMomentName(which, p))}`,
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
  }
  // The body's state outputs and the Loop's, slot by slot in stateTensors' order, as the inputs.
  const slotOutputs = (prefix: string) =>
    slots.flatMap((j) => tensors.map((t) => ({ name: `${prefix}${slotName(j, t.next)}`, t })));
  for (const { name, t } of slotOutputs('step_')) body.output(name, 'float', [t.rows, t.cols]);
  body.output(body.op('Concat', losses, { axis: 0 }, 'step_losses'), 'float', [seeds]);

  const carried = slots.flatMap((j) => tensors.map((t) => stateValue(states[j], t)));
  const finals = slotOutputs('');
  g.opN('Loop', [count, '', ...carried], [...finals.map((o) => o.name), 'losses'], {
    body: { graph: body.graph() },
  });
  for (const { name, t } of finals) g.output(name, 'float', [t.rows, t.cols]);
  g.output('losses', 'float', ['M', seeds]);
  return g.toModel();
}

/**
 * S seeds' steps of an mlp in one Loop whose body is one stacked step: the slots' states are stacked
 * (S × rows × cols, by Unsqueeze and Concat) before the Loop, carried stacked through it, and split
 * back into the slots' outputs after it.
 */
export function trainStackedSeedsLoopGraph(
  spec: ModelSpec,
  optimizer: OptimizerSpec,
  encodings: Float64Array,
  batchSize: number,
  seeds: number,
  sliceRows = defaultSliceRows(spec),
): Uint8Array {
  if (spec.kind !== 'mlp') throw new Error(`stacked seed graphs train the mlp, not the ${spec.kind}`);
  const { g, X, tensors, slots, states, elements, targets, biasCorrection, body, row, count } = seedGraph(
    'train_stacked_seeds',
    spec,
    optimizer,
    encodings,
    batchSize,
    seeds,
  );
  const first = g.int64s([0]);
  const stacked = tensors.map((t) =>
    g.concat(
      slots.map((j) => g.op('Unsqueeze', [stateValue(states[j], t), first])),
      0,
    ),
  );

  const inner = stateInputs(body, tensors, (s) => `step_stacked_${s}`, [seeds]);
  const updated: UpdateNames = {
    param: (p) => `step_stacked_${newName(p)}`,
    moment: (which, p) => `step_stacked_${newMomentName(which, p)}`,
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
      elements: row(elements),
      targets: row(targets),
      biasCorrection: biasCorrection === undefined ? undefined : row(biasCorrection),
    },
    'step_losses',
    updated,
    seeds,
  );
  for (const t of tensors) body.output(updatedName(updated, t), 'float', [seeds, t.rows, t.cols]);
  body.output('step_losses', 'float', [seeds]);

  const finals = tensors.map((t) => `stacked_${t.next}`);
  g.opN('Loop', [count, '', ...stacked], [...finals, 'losses'], { body: { graph: body.graph() } });
  tensors.forEach((t, i) => {
    const pieces = g.split(finals[i], 0, seeds);
    slots.forEach((j) => {
      const name = slotName(j, t.next);
      g.op('Squeeze', [pieces[j], first], {}, name);
      g.output(name, 'float', [t.rows, t.cols]);
    });
  });
  g.output('losses', 'float', ['M', seeds]);
  return g.toModel();
}
