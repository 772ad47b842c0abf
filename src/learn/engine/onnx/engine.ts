/**
 * The onnx engine: onnxruntime-node runs each training step as one graph (forward, backward, clip,
 * update; see graphs.ts). The weights and Adam's moments live in ort Tensors; each step's outputs are
 * the next step's inputs, so nothing is converted to or from JS number arrays between steps (only the
 * loss scalar is read). The step writes into pre-allocated output tensors, two sets used in turn, so
 * that it never writes over its own inputs. The batch's index arrays are wrapped, not copied.
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { DeviceError, InputError } from '../../../errors.js';
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
import type { EngineSession, EngineSetup, TensorEngine, TrainingState } from '../engine.js';
import { GraphBuilder } from './graph.js';
import { gradientsGraph, gradName, momentName, predictGraph, trainGraph, trainLoopGraph } from './graphs.js';
import { newMomentName, newName } from './update.js';
import { vulkanMissing } from './vulkan.js';

// ORT's own log of a provider that cannot load repeats, over several lines, the error that
// create() below throws as one: keep only fatal messages.
ort.env.logLevel = 'fatal';

/** Execution providers this engine accepts; which of them work depends on the installed binaries. */
export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'webgpu'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

export interface OnnxEngineOptions {
  /** `cpu` (default), or `cuda` / `webgpu` where the onnxruntime-node install has them. */
  executionProvider?: string;
  /** The GPU of the cuda provider (its device_id); default 0. */
  deviceId?: number;
  /** Threads for one op (ORT's intra-op pool); default: os.availableParallelism(). */
  threads?: number;
  /**
   * Whether idle pool threads spin between ops (ORT's default). Off by default: with other work on
   * the machine (parallel runs, a sweep's workers) spinning threads take the cores the busy ones
   * need; measured on 2 busy cores, steps took 1.4–1.8× longer with spinning on.
   */
  spinning?: boolean;
  /** Sequences per slice of the train graph's batch (default: about 2²⁰ / H; see graphs.ts). */
  sliceRows?: number;
  /** Largest count × H that one predict run computes at once (default 2²⁰): larger batches are sliced. */
  predictElements?: number;
}

let working: Promise<string[]> | undefined;

/** The providers that actually start a session here: each is tried once on a one-node graph. */
export function workingProviders(): Promise<string[]> {
  working ??= (async () => {
    const g = new GraphBuilder('probe');
    g.output(g.op('Identity', [g.input('x', 'float', [1])], {}, 'y'), 'float', [1]);
    const model = g.toModel();
    const ok: string[] = [];
    for (const provider of EXECUTION_PROVIDERS) {
      if (provider === 'webgpu' && vulkanMissing()) continue;
      try {
        const session = await ort.InferenceSession.create(model, {
          executionProviders: [provider],
          logSeverityLevel: 4,
        });
        await session.release();
        ok.push(provider);
      } catch {
        // Not usable here: that is what we are finding out.
      }
    }
    return ok;
  })();
  return working;
}

/**
 * Largest count × H of one predict run by default (4 MiB of Float32 per intermediate, so they stay in
 * cache between ops): all 10⁴ sequences of C10, k = 4, H = 4096 took 59 ms in runs of 2²⁰ elements,
 * 70 ms in one run of 2²⁴.
 */
const PREDICT_ELEMENTS = 1 << 20;

export function createOnnxEngine(options: OnnxEngineOptions = {}): TensorEngine {
  const provider = options.executionProvider ?? 'cpu';
  if (!(EXECUTION_PROVIDERS as readonly string[]).includes(provider))
    throw new InputError(
      `execution provider "${provider}" is not one the onnx engine supports (${EXECUTION_PROVIDERS.join(', ')})`,
    );
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [
      provider === 'cuda' && options.deviceId !== undefined
        ? { name: 'cuda', deviceId: options.deviceId }
        : provider,
    ],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // Errors only: ORT's warnings (e.g. about nodes it places on the CPU) are not the user's business.
    logSeverityLevel: 3,
    intraOpNumThreads: options.threads ?? availableParallelism(),
    extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } },
  };
  const create = async (model: Uint8Array): Promise<ort.InferenceSession> => {
    const noVulkan = provider === 'webgpu' ? vulkanMissing() : undefined;
    if (noVulkan) throw new DeviceError(`execution provider "webgpu" could not start here (${noVulkan})`);
    try {
      return await ort.InferenceSession.create(model, sessionOptions);
    } catch (error) {
      if (provider === 'cpu') throw error;
      const reason = (error as Error).message.split('\n')[0].slice(0, 200);
      const bundled = ort.listSupportedBackends().find((b) => b.name === provider)?.bundled;
      const hint = bundled
        ? `${provider} is part of this onnxruntime-node build but found no usable device (it needs a GPU adapter; on Linux, Vulkan drivers)`
        : provider === 'cuda'
          ? 'sgc gpu setup installs the CUDA provider and its libraries; sgc doctor says what this machine has'
          : `${provider} is an onnxruntime-node add-on that its install script downloads, which this project does not run (allowScripts in package.json)`;
      throw new DeviceError(`execution provider "${provider}" could not start here (${reason}). ${hint}`);
    }
  };
  return {
    name: 'onnx',
    backend: provider,
    open: (setup) => openSession(setup, create, options),
  };
}

const f32 = (data: ArrayLike<number>, dims: number[]) =>
  new ort.Tensor('float32', Float32Array.from(data), dims);
const f64 = (t: ort.Tensor) => Float64Array.from(t.data as Float32Array);

function batchFeeds(spec: ModelSpec, batch: Batch): Record<string, ort.Tensor> {
  if (batch.elements.length !== batch.count * spec.k)
    throw new InputError(
      `batch has ${batch.elements.length} element indices, expected count × k = ${batch.count * spec.k}`,
    );
  return {
    elements: new ort.Tensor('int32', batch.elements, [batch.count, spec.k]),
    targets: new ort.Tensor('int32', batch.targets, [batch.count]),
  };
}

/** The [1 − β₁ᵗ, 1 − β₂ᵗ] of step t (Float64, then rounded once). */
function biasCorrection(optimizer: OptimizerSpec, t: number): ort.Tensor {
  const { beta1, beta2 } = adamSettings(optimizer);
  return f32([1 - beta1 ** t, 1 - beta2 ** t], [2]);
}

async function openSession(
  setup: EngineSetup,
  create: (model: Uint8Array) => Promise<ort.InferenceSession>,
  options: OnnxEngineOptions,
): Promise<EngineSession> {
  const predictElements = options.predictElements ?? PREDICT_ELEMENTS;
  const { model: spec, optimizer, encodings, batchSize } = setup;
  validateOptimizer(spec, optimizer);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InputError(`batch size ${batchSize} must be a positive integer`);
  const shapes = parameterShapes(spec);
  const adam = adamParameters(spec, optimizer);
  // Every graph is compiled on first use: the trainer runs only trainLoop (steps()), tests and
  // benchmarks of single steps only train; evaluation adds predict.
  // The train graphs are compiled for one batch size each: the opened one, and another for the
  // short last batch of an epoch where the data keeps it (data.dropLast false).
  const train = new Map<number, Promise<ort.InferenceSession>>();
  const trainLoop = new Map<number, Promise<ort.InferenceSession>>();
  const compiled = (
    graphs: Map<number, Promise<ort.InferenceSession>>,
    count: number,
    build: typeof trainGraph,
  ): Promise<ort.InferenceSession> => {
    let session = graphs.get(count);
    if (!session)
      graphs.set(count, (session = create(build(spec, optimizer, encodings, count, options.sliceRows))));
    return session;
  };
  let gradients: ort.InferenceSession | undefined;
  let predict: ort.InferenceSession | undefined;

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
    for (const { name, rows, cols } of shapes) {
      next[name] = tensor(name, s.parameters[name], rows, cols);
      if (!adam.includes(name)) continue;
      next[momentName('m', name)] = tensor(`Adam m of ${name}`, s.optimizer.m[name], rows, cols);
      next[momentName('v', name)] = tensor(`Adam v of ${name}`, s.optimizer.v[name], rows, cols);
    }
    state = next;
    step = s.optimizer.step;
  };
  load({ parameters: setup.parameters, optimizer: initialOptimizerState(spec) });

  // Output name → the input it becomes next step.
  const carried: [string, string][] = [
    ...shapes.map((s): [string, string] => [newName(s.name), s.name]),
    ...adam.flatMap((p): [string, string][] => [
      [newMomentName('m', p), momentName('m', p)],
      [newMomentName('v', p), momentName('v', p)],
    ]),
  ];
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
      const session = await compiled(train, batch.count, trainGraph);
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
      const session = await compiled(trainLoop, B, trainLoopGraph);
      await session.run(feeds, { losses, ...outputs });
      swap();
      step += M;
      undoable = M;
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
      predict ??= await create(predictGraph(spec, encodings));
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
      gradients ??= await create(gradientsGraph(spec, encodings));
      const result = await gradients.run({ ...params(), ...batchFeeds(spec, batch) });
      const grads: Parameters = {};
      for (const s of shapes) grads[s.name] = f64(result[gradName(s.name)] as ort.Tensor);
      return { loss: (result.loss.data as Float32Array)[0], gradients: grads };
    },
    async getState(): Promise<TrainingState> {
      const parameters: Parameters = {};
      for (const s of shapes) parameters[s.name] = f64(state[s.name]);
      const optimizerState: OptimizerState = initialOptimizerState(spec);
      optimizerState.step = step;
      for (const p of adam) {
        optimizerState.m[p] = f64(state[momentName('m', p)]);
        optimizerState.v[p] = f64(state[momentName('v', p)]);
      }
      return { parameters, optimizer: optimizerState };
    },
    async setState(s) {
      load(s);
      outputs = spare();
      undoable = 0;
    },
    async dispose() {
      for (const session of [...train.values(), ...trainLoop.values()]) await (await session).release();
      await gradients?.release();
      await predict?.release();
    },
  };
}
