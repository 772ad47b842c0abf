/**
 * The backends each engine has, by name only (no engine code is loaded here, so the run-config
 * schema, the task-queue names and workflow code can use them).
 *
 * A run config names a backend, or none: a run that names none ("any backend"; `backend: any` says
 * so explicitly) may be trained by any worker of its engine, on that worker's backend. A run that
 * names one is trained only by workers that run that backend (src/sweep/messages.ts routes it).
 */
export const ENGINE_BACKENDS = {
  onnx: ['cpu', 'cuda', 'webgpu'],
  tfjs: ['wasm', 'cpu', 'tensorflow'],
  reference: ['js-f64'],
  native: ['cpu'],
} as const;

export type BackendEngine = keyof typeof ENGINE_BACKENDS;

/** What a worker of each engine trains on unless told otherwise (`sgc worker --backend`). */
export const DEFAULT_BACKENDS: Record<BackendEngine, string> = {
  onnx: 'cpu',
  tfjs: 'wasm',
  reference: 'js-f64',
  native: 'cpu',
};

/** Engines that train only some models (the others train all three). */
export const ENGINE_MODELS: Partial<Record<BackendEngine, readonly string[]>> = { native: ['mlp'] };

/** Why `engine` cannot train `model`, or undefined when it can. */
export function engineModelProblem(engine: string, model: string): string | undefined {
  const models = ENGINE_MODELS[engine as BackendEngine];
  return models === undefined || models.includes(model)
    ? undefined
    : `the ${engine} engine trains the ${models.join(', ')} only, not the ${model} (use engine onnx)`;
}

/** Written in a spec or config for "any worker of the engine may train it, on its own backend". */
export const ANY_BACKEND = 'any';

/** Backends that need a device (a GPU): their failures can be the machine's, not the run's. */
export const DEVICE_BACKENDS: readonly string[] = ['cuda', 'webgpu', 'tensorflow'];

/**
 * Backends that train on the JavaScript thread of the worker (tfjs's wasm and cpu kernels, the
 * reference engine's loops): a long step there delays every workflow task the same process runs.
 */
export function trainsOnMainThread(engine: string, backend: string): boolean {
  return engine === 'reference' || (engine === 'tfjs' && backend !== 'tensorflow');
}

export function isBackendOf(engine: string, backend: string): boolean {
  return Object.hasOwn(ENGINE_BACKENDS, engine)
    ? (ENGINE_BACKENDS[engine as BackendEngine] as readonly string[]).includes(backend)
    : false;
}
