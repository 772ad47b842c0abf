/**
 * The body of one slice worker (slices.ts starts it in a worker thread): it holds a copy of a
 * session's model on its own tfjs wasm backend and, per request, computes the loss and gradients of
 * one slice of a batch at the weights the session has just written into shared memory.
 *
 * Messages in:  { type: 'open', model, encodings, mode, weights, gradients } (the last two are
 *               SharedArrayBuffers of float32, every parameter in parameterShapes order; gradients
 *               has one more value, for the loss), { type: 'slice', batch }, { type: 'close' }.
 * Messages out: { type: 'ready' } once the backend is up, { type: 'done' } after each open or slice,
 *               { type: 'failed', message } when one of them throws.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../../models/reference.js';
import { type ModelSpec, parameterShapes } from '../../models/spec.js';
import { activateBackend } from './backend.js';
import { lossAndGradients } from './models.js';
import type { GatherMode } from './ops.js';

export type SliceRequest =
  | {
      type: 'open';
      model: ModelSpec;
      encodings: Float64Array;
      mode: GatherMode;
      weights: SharedArrayBuffer;
      gradients: SharedArrayBuffer;
    }
  | { type: 'slice'; batch: Batch }
  | { type: 'close' };

export type SliceReply = { type: 'ready' } | { type: 'done' } | { type: 'failed'; message: string };

interface Open {
  model: ModelSpec;
  mode: GatherMode;
  X: tf.Tensor2D;
  params: Map<string, tf.Variable>;
  /** Offset of each parameter in the shared buffers. */
  offsets: Map<string, number>;
  weights: Float32Array;
  gradients: Float32Array;
}

const port = parentPort!;
let session: Open | undefined;

function close(): void {
  if (session) tf.dispose([session.X, ...session.params.values()]);
  session = undefined;
}

function open(request: Extract<SliceRequest, { type: 'open' }>): void {
  close();
  const { model } = request;
  const params = new Map<string, tf.Variable>();
  const offsets = new Map<string, number>();
  let offset = 0;
  for (const { name, rows, cols } of parameterShapes(model)) {
    params.set(name, tf.variable(tf.zeros([rows, cols])));
    offsets.set(name, offset);
    offset += rows * cols;
  }
  session = {
    model,
    mode: request.mode,
    X: tf.tensor2d(Float32Array.from(request.encodings), [model.n, model.n]),
    params,
    offsets,
    weights: new Float32Array(request.weights),
    gradients: new Float32Array(request.gradients),
  };
}

function slice(batch: Batch): void {
  const s = session!;
  for (const [name, variable] of s.params) {
    const at = s.offsets.get(name)!;
    const values = s.weights.subarray(at, at + variable.size);
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
  tf.tidy(() => {
    const { value, grads } = lossAndGradients(s.model, s.params, s.X, batch, s.mode);
    for (const [name, g] of grads) s.gradients.set(g.dataSync() as Float32Array, s.offsets.get(name)!);
    s.gradients[s.gradients.length - 1] = value.dataSync()[0];
  });
}

port.on('message', (request: SliceRequest) => {
  try {
    if (request.type === 'open') open(request);
    else if (request.type === 'slice') slice(request.batch);
    else close();
    port.postMessage({ type: 'done' } satisfies SliceReply);
  } catch (error) {
    port.postMessage({ type: 'failed', message: (error as Error).message } satisfies SliceReply);
  }
});

await activateBackend('wasm');
port.postMessage({ type: 'ready' } satisfies SliceReply);
