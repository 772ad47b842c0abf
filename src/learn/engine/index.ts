/**
 * Engines by name. Each engine module is loaded only when asked for, so a missing optional
 * dependency (a GPU build of onnxruntime, @tensorflow/tfjs-node-gpu) affects only the runs that use
 * that engine.
 *
 *   onnx       onnxruntime-node, the whole training step as one ONNX graph (default; backends cpu,
 *              cuda, webgpu where the install has them)
 *   tfjs       TensorFlow.js with autodiff (backends wasm (default), cpu, tensorflow)
 *   reference  plain Float64 TypeScript: slow, exact, the ground truth the others are tested against
 *   native     the mlp's step in C, compiled on the machine by the build (cpu; the mlp only)
 */
import { InputError } from '../../errors.js';
import type { TensorEngine } from './engine.js';

export const ENGINE_NAMES = ['onnx', 'tfjs', 'reference', 'native'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
export const DEFAULT_ENGINE: EngineName = 'onnx';

/** `device`: which GPU a device backend trains on (onnx cuda's device id); default the first. */
export async function createEngine(
  name: string = DEFAULT_ENGINE,
  backend?: string,
  device?: number,
): Promise<TensorEngine> {
  switch (name) {
    case 'onnx': {
      const { createOnnxEngine } = await import('./onnx/index.js');
      return createOnnxEngine({
        ...(backend === undefined ? {} : { executionProvider: backend }),
        ...(device === undefined ? {} : { deviceId: device }),
      });
    }
    case 'tfjs': {
      const { createTfjsEngine } = await import('./tfjs/index.js');
      return createTfjsEngine(backend === undefined ? {} : { backend });
    }
    case 'reference': {
      if (backend !== undefined && backend !== 'js-f64')
        throw new InputError(`the reference engine has one backend, js-f64 (got "${backend}")`);
      const { referenceEngine } = await import('./reference.js');
      return referenceEngine;
    }
    case 'native': {
      if (backend !== undefined && backend !== 'cpu')
        throw new InputError(`the native engine has one backend, cpu (got "${backend}")`);
      const { createNativeEngine } = await import('./native/index.js');
      return createNativeEngine();
    }
    default:
      throw new InputError(`engine "${name}" is not one of ${ENGINE_NAMES.join(', ')}`);
  }
}
