/**
 * Data-parallel steps for the tfjs wasm backend. tfjs-wasm computes on one thread under Node (see
 * backend.ts), so a session with T threads starts T − 1 slice workers (sliceWorker.ts). A step splits
 * its batch into T slices of near-equal size; the workers take all but the first, the session
 * computes the first itself at the same time, and the batch's loss and gradients are the slices'
 * weighted by size (the loss is a mean over the batch):
 *
 *     L = Σ_s (B_s / B)·L_s,    ∇L = Σ_s (B_s / B)·∇L_s.
 *
 * Weights go to the workers through one shared float32 buffer, gradients come back through one per
 * worker, so a step copies each parameter twice and sends two small messages per worker.
 */
import { Worker } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../../models/reference.js';
import { type ModelSpec, parameterShapes } from '../../models/spec.js';
import type { GatherMode } from './ops.js';
import type { SliceReply, SliceRequest } from './sliceWorker.js';

/**
 * The least work per step, batch × H, that a split pays for. Below it the messages and copies cost
 * more than the second thread saves (bench/train-step-tfjs.bench.ts measures both sides).
 */
export const SPLIT_MIN_WORK = 1 << 17;

/** Whether steps of this shape are worth splitting over `threads` threads. */
export function worthSplitting(model: ModelSpec, batchSize: number, threads: number): boolean {
  return threads > 1 && batchSize >= 2 * threads && batchSize * model.H >= SPLIT_MIN_WORK;
}

/** Rows [start, end) of a batch, copied (a view would send its whole buffer to the worker). */
function sliceOf(batch: Batch, k: number, start: number, end: number): Batch {
  return {
    elements: batch.elements.slice(start * k, end * k),
    targets: batch.targets.slice(start, end),
    count: end - start,
  };
}

/** The batch in `parts` slices of near-equal size, in order. */
export function splitBatch(batch: Batch, k: number, parts: number): Batch[] {
  return Array.from({ length: parts }, (_, s) =>
    sliceOf(batch, k, Math.floor((s * batch.count) / parts), Math.floor(((s + 1) * batch.count) / parts)),
  );
}

/** The worker thread's entry: under tsx (no build step) it registers tsx before loading the .ts file. */
function workerSource(): string {
  const entry = new URL(`./sliceWorker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  const load = `import(${JSON.stringify(entry.href)})`;
  if (!entry.pathname.endsWith('.ts')) return load;
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return ${load}; })`;
}

class SliceWorker {
  private pending: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: SliceReply) => {
      const pending = this.pending;
      this.pending = undefined;
      worker.unref();
      if (reply.type === 'failed') pending?.reject(new Error(`tfjs slice worker: ${reply.message}`));
      else pending?.resolve();
    });
    const fail = (error: Error) => {
      this.failure = error;
      this.pending?.reject(error);
      this.pending = undefined;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`tfjs slice worker exited with code ${code}`)));
  }

  static async start(): Promise<SliceWorker> {
    const slice = new SliceWorker(new Worker(workerSource(), { eval: true }));
    await slice.reply(); // 'ready'
    return slice;
  }

  /** Waits for the next reply; until it comes the worker keeps the process alive, idle it does not. */
  private reply(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }

  request(message: SliceRequest): Promise<void> {
    const reply = this.reply();
    this.worker.postMessage(message);
    return reply;
  }

  terminate(): Promise<number> {
    this.worker.removeAllListeners('exit');
    return this.worker.terminate();
  }
}

/** Per parameter name, its gradient (float32, row-major), and the slice's loss. */
export interface SliceGradients {
  loss: number;
  grads: Map<string, Float32Array>;
  count: number;
}

/** The slice workers of one session. */
export class SliceWorkers {
  private readonly shapes;
  private readonly weights: Float32Array;
  private readonly gradients: Float32Array[];

  private constructor(
    private readonly workers: SliceWorker[],
    model: ModelSpec,
  ) {
    this.shapes = parameterShapes(model);
    const size = this.shapes.reduce((total, s) => total + s.rows * s.cols, 0);
    this.weights = new Float32Array(new SharedArrayBuffer(4 * size));
    this.gradients = workers.map(() => new Float32Array(new SharedArrayBuffer(4 * (size + 1))));
  }

  /** Starts `count` workers with the session's model loaded. */
  static async start(
    count: number,
    model: ModelSpec,
    encodings: Float64Array,
    mode: GatherMode,
  ): Promise<SliceWorkers> {
    const started = await Promise.allSettled(Array.from({ length: count }, () => SliceWorker.start()));
    const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      // Those that did start must not outlive the session that failed to open.
      await Promise.all(workers.map((w) => w.terminate()));
      throw failed.reason;
    }
    const slices = new SliceWorkers(workers, model);
    try {
      await Promise.all(
        workers.map((w, i) =>
          w.request({
            type: 'open',
            model,
            encodings,
            mode,
            weights: slices.weights.buffer as SharedArrayBuffer,
            gradients: slices.gradients[i].buffer as SharedArrayBuffer,
          }),
        ),
      );
    } catch (error) {
      await slices.terminate();
      throw error;
    }
    return slices;
  }

  /** How many threads a step uses: the workers and the session's own. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Writes the current weights for the workers and starts one slice on each, before returning (the
   * caller computes its own slice meanwhile, then awaits); resolves to their losses and gradients.
   */
  async run(params: Map<string, tf.Variable>, slices: Batch[]): Promise<SliceGradients[]> {
    let offset = 0;
    for (const { name } of this.shapes) {
      const values = params.get(name)!.dataSync() as Float32Array;
      this.weights.set(values, offset);
      offset += values.length;
    }
    await Promise.all(slices.map((batch, i) => this.workers[i].request({ type: 'slice', batch })));
    return slices.map((batch, i) => {
      const shared = this.gradients[i];
      const grads = new Map<string, Float32Array>();
      let at = 0;
      for (const { name, rows, cols } of this.shapes) {
        grads.set(name, shared.slice(at, at + rows * cols));
        at += rows * cols;
      }
      return { loss: shared[shared.length - 1], grads, count: batch.count };
    });
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
