/**
 * A native-engine session: the mlp's weights and Adam's moments as Float32Arrays in the kernel's
 * layout (kernel.ts), converted from and to the spec's layout (W_in H × k·n, W_out n × H, Float64)
 * only at open, getState, setState and lossAndGradients. Calls into the kernel are queued, one at a
 * time per session: the kernel updates the arrays in place on another thread.
 */
import { InputError } from '../../../errors.js';
import type { Parameters } from '../../models/spec.js';
import {
  adamSettings,
  effectiveLearningRate,
  initialOptimizerState,
  perNeuronDegree,
  validateOptimizer,
} from '../../optimizers.js';
import {
  type Batch,
  checkBatchShape,
  type EngineSession,
  type EngineSetup,
  type TrainingState,
} from '../engine.js';
import { type KernelCall, KernelMode, KernelOptimizer, type KernelState, runKernel } from './kernel.js';

/** Rows padded to a multiple of 8 floats: the kernel's vectors (kernel.ts). */
function paddedWidth(H: number): number {
  return Math.ceil(H / 8) * 8;
}

export async function openNativeSession(setup: EngineSetup): Promise<EngineSession> {
  const { model, optimizer, encodings, batchSize } = setup;
  if (model.kind !== 'mlp')
    throw new InputError(`the native engine trains the mlp only, not the ${model.kind}`);
  validateOptimizer(model, optimizer);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InputError(`batch size ${batchSize} must be a positive integer`);
  const { n, k, H } = model;
  const Hp = paddedWidth(H);
  const rows = k * n;

  // Spec layout ↔ kernel layout: A[r·Hp + i] = W_in[i·k·n + r], O[u·Hp + i] = W_out[u·H + i].
  const toA = (W: Float64Array | undefined, what: string) => {
    if (W?.length !== H * rows)
      throw new InputError(`${what} has ${W?.length ?? 'no'} values; the model needs ${H} × ${rows}`);
    const A = new Float32Array(rows * Hp);
    for (let i = 0; i < H; i++) for (let r = 0; r < rows; r++) A[r * Hp + i] = W[i * rows + r];
    return A;
  };
  const fromA = (A: Float32Array) => {
    const W = new Float64Array(H * rows);
    for (let i = 0; i < H; i++) for (let r = 0; r < rows; r++) W[i * rows + r] = A[r * Hp + i];
    return W;
  };
  const toO = (W: Float64Array | undefined, what: string) => {
    if (W?.length !== n * H)
      throw new InputError(`${what} has ${W?.length ?? 'no'} values; the model needs ${n} × ${H}`);
    const O = new Float32Array(n * Hp);
    for (let u = 0; u < n; u++) for (let i = 0; i < H; i++) O[u * Hp + i] = W[u * H + i];
    return O;
  };
  const fromO = (O: Float32Array) => {
    const W = new Float64Array(n * H);
    for (let u = 0; u < n; u++) for (let i = 0; i < H; i++) W[u * H + i] = O[u * Hp + i];
    return W;
  };

  const kernelState = (s: TrainingState): KernelState => {
    const { m, v } = s.optimizer;
    return {
      A: toA(s.parameters.W_in, 'W_in'),
      O: toO(s.parameters.W_out, 'W_out'),
      mA: toA(m.W_in, 'Adam m of W_in'),
      vA: toA(v.W_in, 'Adam v of W_in'),
      mO: toO(m.W_out, 'Adam m of W_out'),
      vO: toO(v.W_out, 'Adam v of W_out'),
    };
  };
  let state = kernelState({ parameters: setup.parameters, optimizer: initialOptimizerState(model) });
  let step = 0;
  // What rewind() puts back: the state before the last steps() call, copied into buffers kept for it
  // (a copy per call, thousands per run, allocated anew kept the garbage collector busy).
  let spare = kernelState({ parameters: setup.parameters, optimizer: initialOptimizerState(model) });
  // Only what a step changes: the per-neuron rule leaves Adam's moments as they are (in both buffers).
  const changed: (keyof KernelState)[] =
    optimizer.kind === 'adam' ? ['A', 'O', 'mA', 'vA', 'mO', 'vO'] : ['A', 'O'];
  const save = () => {
    for (const key of changed) spare[key].set(state[key]);
  };

  const { beta1, beta2, epsilon } = adamSettings(optimizer);
  const X = Float32Array.from(encodings);
  const call = (
    B: number,
    count: number,
    elements: Int32Array,
    targets: Int32Array,
    out: Float32Array,
  ): KernelCall => ({
    n,
    k,
    H,
    Hp,
    degree: model.degree,
    B,
    count,
    optimizer: optimizer.kind === 'adam' ? KernelOptimizer.adam : KernelOptimizer.perNeuron,
    step0: step,
    lr: optimizer.kind === 'adam' ? optimizer.lr : effectiveLearningRate(optimizer),
    clip: optimizer.clip,
    beta1,
    beta2,
    epsilon,
    neuronDegree: perNeuronDegree(model, optimizer),
    X,
    state,
    elements,
    targets,
    out,
  });

  // The kernel checks that every index is inside the group (an InputError from runKernel).
  const check = (batch: Batch) => checkBatchShape(k, batch);

  // A call's batches, one after another, in arrays kept between calls (the kernel reads them only
  // while its call runs, and calls run one at a time).
  let elementsKept = new Int32Array(0);
  let targetsKept = new Int32Array(0);
  const gather = (batches: Batch[]) => {
    let total = 0;
    for (const batch of batches) {
      check(batch);
      total += batch.count;
    }
    if (targetsKept.length < total) {
      elementsKept = new Int32Array(total * k);
      targetsKept = new Int32Array(total);
    }
    let offset = 0;
    for (const batch of batches) {
      elementsKept.set(batch.elements, offset * k);
      targetsKept.set(batch.targets, offset);
      offset += batch.count;
    }
    return { elements: elementsKept.subarray(0, total * k), targets: targetsKept.subarray(0, total) };
  };

  // One kernel call at a time: each runs on the kernel's threads, in place on `state`.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  /** The step count before the last steps() call while rewind() may still undo it (`spare` holds its state). */
  let undoStep: number | undefined;

  const steps = (batches: Batch[]) =>
    serial(async () => {
      const M = batches.length;
      const losses = new Float32Array(M);
      undoStep = undefined;
      if (M === 0) return losses;
      const counts = Int32Array.from(batches, (batch) => batch.count);
      const { elements, targets } = gather(batches);
      save();
      await runKernel(KernelMode.train, { ...call(0, M, elements, targets, losses), counts });
      undoStep = step;
      step += M;
      return losses;
    });

  return {
    async step(batch) {
      const losses = await steps([batch]);
      undoStep = undefined;
      return losses[0];
    },
    steps,
    mixedCounts: true,
    rewind() {
      if (undoStep === undefined) throw new Error('rewind() is only valid once, right after steps()');
      [state, spare] = [spare, state];
      step = undoStep;
      undoStep = undefined;
    },
    predict: (batch) =>
      serial(async () => {
        check(batch);
        if (batch.count === 0) return new Float64Array(0);
        const y = new Float32Array(batch.count * n);
        await runKernel(KernelMode.predict, call(batch.count, 1, batch.elements, batch.targets, y));
        return Float64Array.from(y);
      }),
    lossAndGradients: (batch) =>
      serial(async () => {
        check(batch);
        const out = new Float32Array(1);
        const dA = new Float32Array(rows * Hp);
        const dO = new Float32Array(n * Hp);
        await runKernel(KernelMode.gradients, {
          ...call(batch.count, 1, batch.elements, batch.targets, out),
          dA,
          dO,
        });
        const gradients: Parameters = { W_in: fromA(dA), W_out: fromO(dO) };
        return { loss: out[0], gradients };
      }),
    getState: () =>
      serial(
        async (): Promise<TrainingState> => ({
          parameters: { W_in: fromA(state.A), W_out: fromO(state.O) },
          optimizer: {
            step,
            m: { W_in: fromA(state.mA), W_out: fromO(state.mO) },
            v: { W_in: fromA(state.vA), W_out: fromO(state.vO) },
          },
        }),
      ),
    setState: (s) =>
      serial(async () => {
        state = kernelState(s);
        spare = kernelState(s);
        step = s.optimizer.step;
        undoStep = undefined;
      }),
    async dispose() {
      await queue;
    },
  };
}
