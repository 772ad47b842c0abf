/**
 * The native engine: the mlp's whole training step as one hand-fused C loop (mlpKernel.c), compiled
 * on the machine by `npm run build`, called through Node-API on libuv's thread pool. Float32, one
 * thread per session (sessions run in parallel: seeds and runs of one worker use the cores), many
 * steps per call. For the small steps sweeps are made of, where a graph runtime's per-kernel costs
 * dominate (docs/performance.md). The mlp only: the rnn and tree train on onnx.
 */
import type { TensorEngine } from '../engine.js';
import { openNativeSession } from './session.js';

export function createNativeEngine(): TensorEngine {
  return { name: 'native', backend: 'cpu', open: openNativeSession };
}
