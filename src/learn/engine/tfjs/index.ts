/**
 * The tfjs engine: the models of spec.ts as TensorFlow.js ops in float32, gradients by tfjs autodiff
 * (tf.variableGrads over the custom-gradient blocks of ops.ts), clipping and the optimizer update as
 * tf ops, weights and Adam moments kept in tf.Variables between steps. Every step runs inside one
 * tf.tidy, so the tensor count stays flat.
 *
 * On wasm, which computes on one thread under Node, a session with large enough steps splits each
 * batch over `threads` threads (slices.ts).
 *
 * Files: backend.ts (loading wasm / cpu / tensorflow), gradients.ts (the standard-kernel gradients
 * tfjs-core's Node bundle lacks), ops.ts (gathers, layers, transposes), models.ts (mlp, rnn, tree),
 * update.ts (clip, per-neuron, Adam), slices.ts and sliceWorker.ts (data-parallel wasm steps). Tested
 * against the reference engine in test/unit/learn/engine-tfjs.test.ts; timed by
 * bench/train-step-tfjs.bench.ts.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../../errors.js';
import type { Batch } from '../../models/reference.js';
import { type ModelSpec, type Parameters, parameterShapes } from '../../models/spec.js';
import { adamParameters, validateOptimizer } from '../../optimizers.js';
import type { EngineSession, EngineSetup, TensorEngine, TrainingState } from '../engine.js';
import {
  activateBackend,
  checkBackendName,
  DEFAULT_TFJS_BACKEND,
  registerBackend,
  type TfjsBackend,
} from './backend.js';
import { forward, lossAndGradients, type Weights } from './models.js';
import { chooseGatherMode, type GatherMode, type GatherPolicy } from './ops.js';
import { SliceWorkers, splitBatch, worthSplitting } from './slices.js';
import { applyUpdate } from './update.js';

export { TFJS_BACKENDS, type TfjsBackend } from './backend.js';

export interface TfjsEngineOptions {
  /** `wasm` (default), `cpu` or `tensorflow` (needs @tensorflow/tfjs-node-gpu or tfjs-node installed). */
  backend?: string;
  /** How first layers read rows of their tables; `auto` picks by backend and shape (for tests, benches). */
  gather?: GatherPolicy;
  /**
   * wasm: threads per session for steps large enough to split (slices.ts); default the machine's
   * available parallelism. The other backends run their own threads.
   */
  threads?: number;
}

/**
 * Loads the backend (an InputError saying what to install when `tensorflow` is asked for and absent)
 * and returns the engine.
 */
export async function createTfjsEngine(options: TfjsEngineOptions = {}): Promise<TensorEngine> {
  const backend = options.backend ?? DEFAULT_TFJS_BACKEND;
  checkBackendName(backend);
  await registerBackend(backend);
  const policy = options.gather ?? 'auto';
  const mode = policy === 'auto' ? chooseGatherMode(backend) : policy;
  const threads = backend === 'wasm' ? (options.threads ?? availableParallelism()) : 1;
  if (!Number.isInteger(threads) || threads < 1)
    throw new InputError(`tfjs threads must be a positive integer (got ${threads})`);
  return {
    name: 'tfjs',
    backend,
    open: (setup) => openSession(setup, backend, mode, threads),
  };
}

/** A tfjs session; `threads` says how many threads its steps are split over (1: not split). */
export interface TfjsSession extends EngineSession {
  readonly threads: number;
}

function checkParameters(model: ModelSpec, parameters: Parameters): void {
  for (const { name, rows, cols } of parameterShapes(model)) {
    const p = parameters[name];
    if (!p || p.length !== rows * cols)
      throw new InputError(
        `parameter ${name} must have ${rows}×${cols} = ${rows * cols} values (got ${p?.length ?? 'none'})`,
      );
  }
}

/** Shapes and index ranges: an index out of range would make the row gathers read garbage. */
function checkBatch(model: ModelSpec, batch: Batch): void {
  const { count, elements, targets } = batch;
  if (count < 1 || elements.length < count * model.k || targets.length < count)
    throw new InputError(
      `batch of ${count} sequences needs ${count * model.k} elements and ${count} targets`,
    );
  const inRange = (a: Int32Array, length: number) => {
    for (let i = 0; i < length; i++) if (!(a[i] >= 0 && a[i] < model.n)) return false;
    return true;
  };
  if (!inRange(elements, count * model.k) || !inRange(targets, count))
    throw new InputError(`batch elements and targets must be group elements 0 … ${model.n - 1}`);
}

async function readParameters(tensors: Map<string, tf.Tensor>): Promise<Parameters> {
  const out: Parameters = {};
  for (const [name, t] of tensors) out[name] = Float64Array.from(await t.data());
  return out;
}

async function openSession(
  setup: EngineSetup,
  backend: TfjsBackend,
  mode: GatherMode,
  threads: number,
): Promise<TfjsSession> {
  const { model, optimizer } = setup;
  validateOptimizer(model, optimizer);
  checkParameters(model, setup.parameters);
  if (setup.encodings.length !== model.n * model.n)
    throw new InputError(`encodings must be ${model.n}×${model.n} (got ${setup.encodings.length} values)`);
  await activateBackend(backend);
  const shapes = parameterShapes(model);
  const { n } = model;
  const X = tf.tensor2d(Float32Array.from(setup.encodings), [n, n]);
  const params = new Map<string, tf.Variable>(
    shapes.map(({ name, rows, cols }) => [
      name,
      tf.variable(tf.tensor2d(Float32Array.from(setup.parameters[name]), [rows, cols])),
    ]),
  );
  const adam = adamParameters(model, optimizer);
  const zeros = (name: string) => {
    const { rows, cols } = shapes.find((s) => s.name === name)!;
    return tf.variable(tf.zeros([rows, cols]));
  };
  const m = new Map(adam.map((name) => [name, zeros(name)]));
  const v = new Map(adam.map((name) => [name, zeros(name)]));
  // Moments of parameters Adam does not update: never touched, kept only for getState/setState.
  let idleMoments: { m: Parameters; v: Parameters } = { m: {}, v: {} };
  for (const { name, rows, cols } of shapes)
    if (!adam.includes(name)) {
      idleMoments.m[name] = new Float64Array(rows * cols);
      idleMoments.v[name] = new Float64Array(rows * cols);
    }
  let step = 0;
  let disposed = false;

  const weights = (): Weights => Object.fromEntries(params) as Weights;
  const slices = worthSplitting(model, setup.batchSize, threads)
    ? await SliceWorkers.start(threads - 1, model, setup.encodings, mode)
    : undefined;

  /** Loss and gradients on `batch` as kept tensors (the caller disposes them), split over the threads. */
  const gradients = async (batch: Batch): Promise<{ value: tf.Scalar; grads: Map<string, tf.Tensor> }> => {
    const own = (part: Batch) =>
      tf.tidy(() => {
        const { value, grads } = lossAndGradients(model, params, X, part, mode);
        return [value, ...[...params.keys()].map((name) => grads.get(name)!)];
      });
    const keep = ([value, ...grads]: tf.Tensor[]) => ({
      value: value as tf.Scalar,
      grads: new Map([...params.keys()].map((name, i) => [name, grads[i]])),
    });
    if (!slices || batch.count < 2 * slices.threads) return keep(own(batch));
    const [first, ...rest] = splitBatch(batch, model.k, slices.threads);
    const remote = slices.run(params, rest);
    let mine: tf.Tensor[];
    try {
      mine = own(first);
    } catch (error) {
      await remote.catch(() => undefined);
      throw error;
    }
    try {
      const others = await remote;
      // L = Σ_s (B_s / B)·L_s and ∇L = Σ_s (B_s / B)·∇L_s (slices.ts).
      const share = (count: number) => count / batch.count;
      return keep(
        tf.tidy(() => [
          tf.add(
            tf.mul(mine[0], share(first.count)),
            others.reduce((t, o) => t + share(o.count) * o.loss, 0),
          ),
          ...[...params].map(([name, variable], i) =>
            tf.addN([
              tf.mul(mine[i + 1], share(first.count)),
              ...others.map((o) => tf.mul(tf.tensor(o.grads.get(name)!, variable.shape), share(o.count))),
            ]),
          ),
        ]),
      );
    } finally {
      tf.dispose(mine);
    }
  };

  const ready = async (batch?: Batch) => {
    if (disposed) throw new Error('tfjs session used after dispose()');
    if (batch) checkBatch(model, batch);
    await activateBackend(backend);
  };

  return {
    threads: slices?.threads ?? 1,

    async step(batch) {
      await ready(batch);
      const { value, grads } = await gradients(batch);
      try {
        tf.tidy(() => applyUpdate(model, optimizer, params, grads, { step: step + 1, m, v }));
      } finally {
        tf.dispose([...grads.values()]);
      }
      step += 1;
      const [l] = await value.data();
      value.dispose();
      return l;
    },

    async predict(batch) {
      await ready(batch);
      const y = tf.tidy(() => forward(model, weights(), X, batch, mode));
      const out = Float64Array.from(await y.data());
      y.dispose();
      return out;
    },

    async lossAndGradients(batch) {
      await ready(batch);
      const { value, grads } = await gradients(batch);
      const out = await readParameters(grads);
      const [l] = await value.data();
      tf.dispose([value, ...grads.values()]);
      return { loss: l, gradients: out };
    },

    async getState(): Promise<TrainingState> {
      await ready();
      return {
        parameters: await readParameters(params),
        optimizer: {
          step,
          m: { ...(await readParameters(m)), ...copy(idleMoments.m) },
          v: { ...(await readParameters(v)), ...copy(idleMoments.v) },
        },
      };
    },

    async setState(state) {
      await ready();
      checkParameters(model, state.parameters);
      checkParameters(model, state.optimizer.m);
      checkParameters(model, state.optimizer.v);
      const write = (target: Map<string, tf.Variable>, source: Parameters) => {
        for (const [name, variable] of target)
          tf.tidy(() => variable.assign(tf.tensor(Float32Array.from(source[name]), variable.shape)));
      };
      write(params, state.parameters);
      write(m, state.optimizer.m);
      write(v, state.optimizer.v);
      idleMoments = {
        m: copy(pick(state.optimizer.m, Object.keys(idleMoments.m))),
        v: copy(pick(state.optimizer.v, Object.keys(idleMoments.v))),
      };
      step = state.optimizer.step;
    },

    async dispose() {
      if (disposed) return;
      disposed = true;
      tf.dispose([X, ...params.values(), ...m.values(), ...v.values()]);
      await slices?.terminate();
    },
  };
}

function copy(p: Parameters): Parameters {
  return Object.fromEntries(Object.entries(p).map(([k, x]) => [k, Float64Array.from(x)]));
}

function pick(p: Parameters, names: string[]): Parameters {
  return Object.fromEntries(names.map((name) => [name, p[name]]));
}
