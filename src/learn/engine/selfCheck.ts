/**
 * The one-step check of an engine and backend: load it, open a tiny training session (D3, k = 2,
 * H = 16, the whole batch of 36 sequences) and run one optimizer step. `sgc doctor` shows it for
 * every engine × backend; `sgc worker` runs it for the ones it will serve before it polls.
 */
import { parseGroup } from '../../algebra/parse.js';
import { encode, encodingMatrix } from '../../task/encoding.js';
import { sampledSequences } from '../../task/sequences.js';
import { initParameters, makeModelSpec } from '../models/spec.js';
import { createEngine } from './index.js';

export interface BackendCheck {
  engine: string;
  backend: string;
  ok: boolean;
  /** Milliseconds to load the engine and open the session (first use compiles graphs). */
  loadMs?: number;
  /** Milliseconds of the one training step. */
  stepMs?: number;
  /** The step's loss (finite when ok). */
  loss?: number;
  /** Why it failed: the first line of the error. */
  error?: string;
}

export async function checkBackend(
  engineName: string,
  backend: string,
  device?: number,
): Promise<BackendCheck> {
  const started = performance.now();
  const result: BackendCheck = { engine: engineName, backend, ok: false };
  try {
    const engine = await createEngine(engineName, backend, device);
    const group = parseGroup('D3');
    const k = 2;
    const s = sampledSequences(group, k, 36, 1);
    const model = makeModelSpec('mlp', group.order, k, 16);
    const session = await engine.open({
      model,
      optimizer: { kind: 'per-neuron', lr: 1e-3, clip: 1 },
      encodings: encodingMatrix(encode(group, { kind: 'onehot' })),
      batchSize: 36,
      parameters: initParameters(model, 1, 0.01),
    });
    try {
      result.loadMs = performance.now() - started;
      const t = performance.now();
      const loss = await session.step({ elements: s.elements, targets: s.products, count: 36 });
      result.stepMs = performance.now() - t;
      result.loss = loss;
      if (!Number.isFinite(loss)) throw new Error(`the step's loss is ${loss}`);
      result.ok = true;
    } finally {
      await session.dispose();
    }
  } catch (error) {
    result.error = (error as Error).message.split('\n')[0].slice(0, 400);
  }
  return result;
}
