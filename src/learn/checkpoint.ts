/**
 * Checkpoints as JSON text: float arrays are stored as base64 of their IEEE-754 bytes, so a resumed
 * run continues from bit-identical weights (decimal text would round them).
 */
import type { Parameters } from './models/spec.js';
import type { Checkpoint } from './trainer.js';

export const CHECKPOINT_FORMAT = 'sgc-checkpoint/1';

function encodeParameters(p: Parameters): Record<string, string> {
  return Object.fromEntries(
    Object.entries(p).map(([name, a]) => [
      name,
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64'),
    ]),
  );
}

function decodeParameters(p: Record<string, string>): Parameters {
  return Object.fromEntries(
    Object.entries(p).map(([name, text]) => {
      const bytes = Buffer.from(text, 'base64');
      // Copy into a fresh, aligned buffer.
      const out = new Float64Array(bytes.byteLength / 8);
      new Uint8Array(out.buffer).set(bytes);
      return [name, out];
    }),
  );
}

export function serializeCheckpoint(c: Checkpoint): string {
  return JSON.stringify({
    format: CHECKPOINT_FORMAT,
    step: c.step,
    initialLoss: c.initialLoss,
    parameters: encodeParameters(c.state.parameters),
    optimizer: {
      step: c.state.optimizer.step,
      m: encodeParameters(c.state.optimizer.m),
      v: encodeParameters(c.state.optimizer.v),
    },
    dataState: c.dataState,
    metrics: c.metrics,
  });
}

export function deserializeCheckpoint(text: string): Checkpoint {
  const data = JSON.parse(text);
  if (data?.format !== CHECKPOINT_FORMAT)
    throw new Error(`not an sgc checkpoint (format ${JSON.stringify(data?.format)})`);
  return {
    step: data.step,
    initialLoss: data.initialLoss,
    state: {
      parameters: decodeParameters(data.parameters),
      optimizer: {
        step: data.optimizer.step,
        m: decodeParameters(data.optimizer.m),
        v: decodeParameters(data.optimizer.v),
      },
    },
    dataState: data.dataState,
    metrics: data.metrics,
  };
}
