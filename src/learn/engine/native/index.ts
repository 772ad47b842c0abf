/**
 * The native engine: the mlp's whole training step in C (mlpKernel.c), compiled on the machine by
 * `npm run build`, called through Node-API. Float32, many steps per call; the kernel's own threads
 * (one per core) compute the calls of every session of the process and share the cores evenly
 * (seeds and runs of one worker use them all). For the small steps sweeps are made of, where a graph
 * runtime's per-kernel costs dominate (docs/performance.md). The mlp only: the rnn and tree train on
 * onnx.
 */
import type { TensorEngine } from '../engine.js';
import { openNativeSession } from './session.js';

export function createNativeEngine(): TensorEngine {
  return { name: 'native', backend: 'cpu', open: openNativeSession };
}
