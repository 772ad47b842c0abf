/**
 * The onnx engine: onnxruntime-node runs each training step as one graph (forward, backward, clip,
 * update; see graphs.ts), N steps as one Loop graph, and the steps of S seeds of one shape as one
 * Loop graph with S copies of the step (seeds.ts). A session (session.ts) holds its state in ort
 * Tensors.
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { DeviceError, InputError } from '../../../errors.js';
import type { TensorEngine } from '../engine.js';
import { GraphBuilder } from './graph.js';
import { openSeedSessions } from './seeds.js';
import { CompiledGraphs, openSession } from './session.js';
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
  /**
   * Whether a seed group of mlps trains with stacked weights (seedGraphs.ts; default true), or with
   * one copy of the step per seed as the other models do. The numbers are the same either way.
   */
  stackedSeeds?: boolean;
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
    open: (setup) => openSession(setup, new CompiledGraphs(create), options),
    openSeeds: (setups) => openSeedSessions(setups, new CompiledGraphs(create), options),
  };
}
