/**
 * TensorFlow.js backends for the tfjs engine. tfjs keeps one global engine per process, so a backend
 * is registered once and sessions switch to theirs before running (tensors move between backends on
 * first use, so mixing backends in one process is correct, only slower).
 *
 *  - `wasm` (default): XNNPACK kernels with SIMD. In Node the .wasm files are read from the
 *    package's dist folder. One thread per backend: tfjs turns its threaded build off under Node
 *    (flag WASM_HAS_MULTITHREAD_SUPPORT, tensorflow/tfjs#3830; its pthread workers start from Blob
 *    URLs, which worker_threads cannot load), so the engine splits large steps over worker threads
 *    of its own, each with its own wasm backend (slices.ts).
 *  - `cpu`: the plain-JavaScript kernels; slow, but always available.
 *  - `tensorflow`: libtensorflow through `@tensorflow/tfjs-node-gpu` (CUDA) or `@tensorflow/tfjs-node`.
 *    Not dependencies of sgc (their install downloads libtensorflow); loaded at run time when the
 *    user has installed one.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DeviceError, InputError } from '../../../errors.js';
import { registerGradients } from './gradients.js';

export type TfjsBackend = 'wasm' | 'cpu' | 'tensorflow';
export const TFJS_BACKENDS: readonly TfjsBackend[] = ['wasm', 'cpu', 'tensorflow'];
export const DEFAULT_TFJS_BACKEND: TfjsBackend = 'wasm';

/** The packages that provide the `tensorflow` backend, in order of preference. */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

const registered = new Map<TfjsBackend, Promise<void>>();

export function checkBackendName(name: string): asserts name is TfjsBackend {
  if (!TFJS_BACKENDS.includes(name as TfjsBackend))
    throw new InputError(`tfjs backend "${name}" is not one of ${TFJS_BACKENDS.join(', ')}`);
}

/** Registers the backend with tfjs (once per process); a failed attempt may be retried. */
export function registerBackend(name: TfjsBackend): Promise<void> {
  let pending = registered.get(name);
  if (!pending) {
    pending = register(name);
    registered.set(name, pending);
    pending.catch(() => registered.delete(name));
  }
  return pending;
}

async function register(name: TfjsBackend): Promise<void> {
  // Production mode: no debug checks, and no "install tfjs-node" banner from the cpu backend.
  tf.enableProdMode();
  registerGradients();
  switch (name) {
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return;
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(join(dirname(entry), '/'));
      return;
    }
    case 'tensorflow':
      await loadTensorflow();
      return;
  }
}

function isMissingPackage(error: unknown, pkg: string): boolean {
  const e = error as { code?: string; message?: string };
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') &&
    typeof e.message === 'string' &&
    e.message.includes(pkg)
  );
}

async function loadTensorflow(): Promise<void> {
  const failures: string[] = [];
  for (const pkg of TENSORFLOW_PACKAGES) {
    try {
      // A variable specifier: TypeScript must not try to resolve these optional packages.
      const specifier: string = pkg;
      await import(specifier);
    } catch (error) {
      if (!isMissingPackage(error, pkg)) failures.push(`${pkg} failed to load: ${(error as Error).message}`);
      continue;
    }
    // tfjs-core keeps its engine in a global, so a second copy of tfjs-core still registers here.
    if (tf.findBackendFactory('tensorflow')) return;
    failures.push(`${pkg} loaded but registered no "tensorflow" backend`);
  }
  if (failures.length === 0)
    throw new DeviceError(
      'the tfjs "tensorflow" backend needs @tensorflow/tfjs-node-gpu (NVIDIA GPU, CUDA) or ' +
        '@tensorflow/tfjs-node (CPU), and neither is installed: run `npm install @tensorflow/tfjs-node-gpu` ' +
        '(or `npm install @tensorflow/tfjs-node`) where sgc is installed; their install downloads ' +
        'libtensorflow. Without them use the tfjs backend wasm or cpu, or the onnx engine.',
    );
  throw new DeviceError(`the tfjs "tensorflow" backend could not be loaded: ${failures.join('; ')}`);
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/** Makes `name` the active tfjs backend, registering it first if needed. */
export async function activateBackend(name: TfjsBackend): Promise<void> {
  await registerBackend(name);
  if (tf.getBackend() === name) return;
  // The wasm module's Emscripten glue adds process handlers that rethrow every uncaught error from
  // inside itself (so a crash anywhere prints its whole minified source); take them off again.
  const emitter = process as unknown as EventEmitter;
  const before = PROCESS_EVENTS.map((event) => new Set(emitter.listeners(event)));
  const ok = await tf.setBackend(name);
  PROCESS_EVENTS.forEach((event, i) => {
    for (const listener of emitter.listeners(event))
      if (!before[i].has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
  });
  if (!ok) throw new Error(`tfjs could not initialise the "${name}" backend (see the messages above)`);
}
