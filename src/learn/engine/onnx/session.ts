/**
 * One onnx training session (see engine.ts): the weights and Adam's moments live in ort Tensors; each
 * step's outputs are the next step's inputs, so nothing is converted to or from JS number arrays
 * between steps (only the losses are read). A call writes into pre-allocated output tensors, two sets
 * used in turn, so that it never writes over its own inputs. The batch's index arrays are wrapped,
 * not copied.
 */
import * as ort from 'onnxruntime-node';
import { InputError } from '../../../errors.js';
import type { Batch } from '../../models/reference.js';
import { type ModelSpec, type Parameters, parameterShapes } from '../../models/spec.js';
import {
  adamParameters,
  adamSettings,
  initialOptimizerState,
  type OptimizerSpec,
  type OptimizerState,
  validateOptimizer,
} from '../../optimizers.js';
import { checkBatchShape, type EngineSession, type EngineSetup, type TrainingState } from '../engine.js';
import type { OnnxEngineOptions } from './engine.js';
import { gradientsGraph, gradName, predictGraph, trainGraph, trainLoopGraph } from './graphs.js';
import { stateTensors } from './stateTensors.js';

/**
 * Largest count × H of one predict run by default (4 MiB of Float32 per intermediate, so they stay in
 * cache between ops): all 10⁴ sequences of C10, k = 4, H = 4096 took 59 ms in runs of 2²⁰ elements,
 * 70 ms in one run of 2²⁴.
 */
const PREDICT_ELEMENTS = 1 << 20;

const f32 = (data: ArrayLike<number>, dims: number[]) =>
  new ort.Tensor('float32', Float32Array.from(data), dims);
const f64 = (t: ort.Tensor) => Float64Array.from(t.data as Float32Array);

export function batchFeeds(spec: ModelSpec, batch: Batch): Record<string, ort.Tensor> {
  checkBatchShape(spec.k, batch);
  return {
    elements: new ort.Tensor('int32', batch.elements, [batch.count, spec.k]),
    targets: new ort.Tensor('int32', batch.targets, [batch.count]),
  };
}

/** The [1 − β₁ᵗ, 1 − β₂ᵗ] of step t (Float64, then rounded once). */
export function biasCorrection(optimizer: OptimizerSpec, t: number): ort.Tensor {
  const { beta1, beta2 } = adamSettings(optimizer);
  return f32([1 - beta1 ** t, 1 - beta2 ** t], [2]);
}

/**
 * The graphs of one session, or of the sessions of one seed group (which share them), each compiled
 * on first use: the trainer runs only the Loop graphs (steps()), tests and benchmarks of single
 * steps only train; evaluation adds predict. The train graphs are compiled for one batch size each:
 * the opened one, and another for the short last batch of an epoch where the data keeps it
 * (data.dropLast false).
 */
export class CompiledGraphs {
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  constructor(private readonly create: (model: Uint8Array) => Promise<ort.InferenceSession>) {}

  get(key: string, build: () => Uint8Array): Promise<ort.InferenceSession> {
    let session = this.sessions.get(key);
    if (!session) this.sessions.set(key, (session = this.create(build())));
    return session;
  }

  async release(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of sessions) await (await session).release();
  }
}

/**
 * What a seed group (seeds.ts) needs of a session besides EngineSession: its state tensors (graph
 * input name → tensor), the pre-allocated outputs the next call writes (output name → tensor), and
 * a way to say that a call has written them.
 */
export interface SessionSlot {
  state(): Record<string, ort.Tensor>;
  outputs(): Record<string, ort.Tensor>;
  /** Optimizer steps taken so far (Adam's bias correction counts from it). */
  stepCount(): number;
  /** A call wrote `outputs()` with `steps` steps: they become the state, undoable by rewind(). */
  advanced(steps: number): void;
  /** A copy of the state, for restore(). */
  save(): Record<string, Float32Array>;
  /** Puts back a saved state, `steps` steps back: what rewind() does for steps over several calls. */
  restore(saved: Record<string, Float32Array>, steps: number): void;
}

export type OnnxSession = EngineSession & { slot: SessionSlot };

export async function openSession(
  setup: EngineSetup,
  graphs: CompiledGraphs,
  options: OnnxEngineOptions,
  /** Whether dispose() releases `graphs` (not when a seed group shares them). */
  ownsGraphs = true,
): Promise<OnnxSession> {
  const predictElements = options.predictElements ?? PREDICT_ELEMENTS;
  const { model: spec, optimizer, encodings, batchSize } = setup;
  validateOptimizer(spec, optimizer);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InputError(`batch size ${batchSize} must be a positive integer`);
  const shapes = parameterShapes(spec);
  const adam = adamParameters(spec, optimizer);
  const tensors = stateTensors(spec, optimizer);
  const compiled = (count: number, build: typeof trainGraph, key: string) =>
    graphs.get(`${key}:${count}`, () => build(spec, optimizer, encodings, count, options.sliceRows));

  // The state: weights and Adam's moments as ort Tensors (graph input names → tensors).
  let state: Record<string, ort.Tensor> = {};
  let step = 0;
  /** Steps of the last steps() call while rewind() may still undo them, else 0. */
  let undoable = 0;
  const load = (s: TrainingState) => {
    const tensor = (what: string, data: Float64Array | undefined, rows: number, cols: number) => {
      if (data?.length !== rows * cols)
        throw new InputError(`${what} has ${data?.length ?? 'no'} values; the model needs ${rows} × ${cols}`);
      return f32(data, [rows, cols]);
    };
    const next: Record<string, ort.Tensor> = {};
    for (const t of tensors)
      next[t.name] =
        t.which === 'param'
          ? tensor(t.param, s.parameters[t.param], t.rows, t.cols)
          : tensor(`Adam ${t.which} of ${t.param}`, s.optimizer[t.which][t.param], t.rows, t.cols);
    state = next;
    step = s.optimizer.step;
  };
  load({ parameters: setup.parameters, optimizer: initialOptimizerState(spec) });

  // Output name → the input it becomes next step.
  const carried = tensors.map((t): [string, string] => [t.next, t.name]);
  // Two pre-allocated sets of outputs: the step reads one set (as inputs) and writes the other.
  const spare = (): Record<string, ort.Tensor> =>
    Object.fromEntries(
      carried.map(([out, input]) => [out, f32(new Float32Array(state[input].size), [...state[input].dims])]),
    );
  let outputs = spare();
  const lossOutput = new ort.Tensor('float32', new Float32Array(1), []);

  const params = (): Record<string, ort.Tensor> =>
    Object.fromEntries(shapes.map((s) => [s.name, state[s.name]]));

  // ORT wrote the new state into `outputs` (the binding also returns copies, which we drop): they
  // become the state, and the old state's tensors receive the next call's outputs.
  const swap = () => {
    const previous = state;
    state = {};
    for (const [out, input] of carried) state[input] = outputs[out];
    outputs = Object.fromEntries(carried.map(([out, input]) => [out, previous[input]]));
  };
  const advanced = (steps: number) => {
    swap();
    step += steps;
    undoable = steps;
  };
  const checkCount = (batch: Batch, count: number) => {
    if (batch.count !== count)
      throw new InputError(
        `the batches of one steps() call must have one size (got ${batch.count} and ${count})`,
      );
  };

  return {
    async step(batch) {
      const feeds: Record<string, ort.Tensor> = { ...state, ...batchFeeds(spec, batch) };
      if (adam.length > 0) feeds.bias_correction = biasCorrection(optimizer, step + 1);
      const session = await compiled(batch.count, trainGraph, 'train');
      await session.run(feeds, { loss: lossOutput, ...outputs });
      swap();
      step += 1;
      undoable = 0;
      return (lossOutput.data as Float32Array)[0];
    },
    async steps(batches) {
      const M = batches.length;
      if (M === 0) return new Float32Array(0);
      // The M batches stacked: elements (M × B × k), targets (M × B).
      const B = batches[0].count;
      const k = spec.k;
      const elements = new Int32Array(M * B * k);
      const targets = new Int32Array(M * B);
      batches.forEach((batch, i) => {
        checkCount(batch, B);
        batchFeeds(spec, batch);
        elements.set(batch.elements, i * B * k);
        targets.set(batch.targets, i * B);
      });
      const feeds: Record<string, ort.Tensor> = {
        ...state,
        elements: new ort.Tensor('int32', elements, [M, B, k]),
        targets: new ort.Tensor('int32', targets, [M, B]),
      };
      if (adam.length > 0) {
        const corrections = new Float32Array(2 * M);
        for (let i = 0; i < M; i++)
          corrections.set(biasCorrection(optimizer, step + 1 + i).data as Float32Array, 2 * i);
        feeds.bias_correction = new ort.Tensor('float32', corrections, [M, 2]);
      }
      const losses = new ort.Tensor('float32', new Float32Array(M), [M]);
      const session = await compiled(B, trainLoopGraph, 'loop');
      await session.run(feeds, { losses, ...outputs });
      advanced(M);
      return losses.data as Float32Array;
    },
    rewind() {
      if (undoable === 0) throw new Error('rewind() is only valid once, right after steps()');
      // The state before the call is intact in `outputs`: swapping back restores it.
      swap();
      step -= undoable;
      undoable = 0;
    },
    async predict(batch) {
      const predict = await graphs.get('predict', () => predictGraph(spec, encodings));
      batchFeeds(spec, batch);
      // In slices of at most predictElements / H sequences: an evaluation set of all |G|^k
      // sequences would otherwise need count × H floats per intermediate at once.
      const rows = Math.max(1, Math.floor(predictElements / Math.max(spec.H, spec.n)));
      const out = new Float64Array(batch.count * spec.n);
      for (let start = 0; start < batch.count; start += rows) {
        const count = Math.min(rows, batch.count - start);
        const slice = batch.elements.subarray(start * spec.k, (start + count) * spec.k);
        const elements = new ort.Tensor('int32', slice, [count, spec.k]);
        const result = await predict.run({ ...params(), elements });
        out.set(result.y.data as Float32Array, start * spec.n);
      }
      return out;
    },
    async lossAndGradients(batch) {
      const gradients = await graphs.get('gradients', () => gradientsGraph(spec, encodings));
      const result = await gradients.run({ ...params(), ...batchFeeds(spec, batch) });
      const grads: Parameters = {};
      for (const s of shapes) grads[s.name] = f64(result[gradName(s.name)] as ort.Tensor);
      return { loss: (result.loss.data as Float32Array)[0], gradients: grads };
    },
    async getState(): Promise<TrainingState> {
      const parameters: Parameters = {};
      const optimizerState: OptimizerState = initialOptimizerState(spec);
      optimizerState.step = step;
      for (const t of tensors) {
        if (t.which === 'param') parameters[t.param] = f64(state[t.name]);
        else optimizerState[t.which][t.param] = f64(state[t.name]);
      }
      return { parameters, optimizer: optimizerState };
    },
    async setState(s) {
      load(s);
      outputs = spare();
      undoable = 0;
    },
    async dispose() {
      if (ownsGraphs) await graphs.release();
    },
    slot: {
      state: () => state,
      outputs: () => outputs,
      stepCount: () => step,
      advanced,
      save: () =>
        Object.fromEntries(
          Object.entries(state).map(([name, t]) => [name, Float32Array.from(t.data as Float32Array)]),
        ),
      restore(saved, steps) {
        for (const [name, data] of Object.entries(saved)) (state[name].data as Float32Array).set(data);
        step -= steps;
        undoable = 0;
      },
    },
  };
}
