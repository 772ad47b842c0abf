/**
 * Checkpoints as binary files: a small JSON header (step, data-stream state, metrics so far, and the
 * list of arrays) followed by the weight and optimizer arrays as raw little-endian IEEE-754 bytes.
 * A resumed run continues from bit-identical numbers: each array is stored as Float32 when every
 * value is exactly a float32 (the onnx and tfjs engines compute in float32, so their weights are),
 * else as Float64 (the reference engine). Nothing is turned into text, so H = 10⁶ writes its
 * hundreds of MB as buffers (the JSON format before built one string of them and hit V8's limit).
 *
 * Layout (offsets in bytes):
 *   0   "SGCCKPT\n"                      magic
 *   8   u32 LE: header length L
 *   12  header, UTF-8 JSON (CheckpointHeader)
 *   …   zero padding to a multiple of 8, then each array's bytes, each padded to a multiple of 8
 *
 * Files are written to `<path>.<pid>.tmp` and renamed over `path`, so a reader (a retry on another
 * worker) sees the previous checkpoint or the new one, never half of one. Legacy JSON checkpoints
 * (`sgc-checkpoint/1`, base64 arrays) are still read.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { Parameters } from './models/spec.js';
import type { Checkpoint } from './trainer.js';

const MAGIC = Buffer.from('SGCCKPT\n', 'latin1');
export const CHECKPOINT_FORMAT = 'sgc-checkpoint/2';
const LEGACY_FORMAT = 'sgc-checkpoint/1';

type Group = 'parameters' | 'm' | 'v';

interface ArrayEntry {
  group: Group;
  name: string;
  dtype: 'float32' | 'float64';
  length: number;
}

/** What the header holds: everything but the arrays, plus what the caller attaches. */
interface CheckpointHeader {
  format: typeof CHECKPOINT_FORMAT;
  step: number;
  initialLoss: number;
  optimizerStep: number;
  dataState: Checkpoint['dataState'];
  metrics: Checkpoint['metrics'];
  lossLog?: Checkpoint['lossLog'];
  arrays: ArrayEntry[];
  /** The caller's own fields (e.g. the run's config hash), returned by readCheckpointFile. */
  meta: Record<string, unknown>;
}

/** JSON has no NaN or ±∞ (a loss can be one): they travel as {"nonFinite": "NaN"}. */
const replacer = (_key: string, value: unknown) =>
  typeof value === 'number' && !Number.isFinite(value) ? { nonFinite: String(value) } : value;
const reviver = (_key: string, value: unknown) =>
  value !== null &&
  typeof value === 'object' &&
  Object.keys(value).length === 1 &&
  typeof (value as { nonFinite?: unknown }).nonFinite === 'string'
    ? Number((value as { nonFinite: string }).nonFinite)
    : value;

/** Whether every value survives a round trip through float32 (NaN counts as surviving). */
function exactInFloat32(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (Math.fround(x) !== x && !Number.isNaN(x)) return false;
  }
  return true;
}

const padding = (n: number) => (8 - (n % 8)) % 8;

/** The checkpoint as a list of buffers whose concatenation is the file (no copy of the arrays' data when Float64). */
export function encodeCheckpoint(c: Checkpoint, meta: Record<string, unknown> = {}): Uint8Array[] {
  const arrays: ArrayEntry[] = [];
  const data: Uint8Array[] = [];
  const add = (group: Group, params: Parameters) => {
    for (const [name, a] of Object.entries(params)) {
      const float32 = exactInFloat32(a);
      const typed = float32 ? Float32Array.from(a) : a;
      arrays.push({ group, name, dtype: float32 ? 'float32' : 'float64', length: a.length });
      data.push(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
    }
  };
  add('parameters', c.state.parameters);
  add('m', c.state.optimizer.m);
  add('v', c.state.optimizer.v);
  const header: CheckpointHeader = {
    format: CHECKPOINT_FORMAT,
    step: c.step,
    initialLoss: c.initialLoss,
    optimizerStep: c.state.optimizer.step,
    dataState: c.dataState,
    metrics: c.metrics,
    ...(c.lossLog ? { lossLog: c.lossLog } : {}),
    arrays,
    meta,
  };
  const json = Buffer.from(JSON.stringify(header, replacer), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const chunks: Uint8Array[] = [MAGIC, length, json, new Uint8Array(padding(12 + json.length))];
  for (const d of data) chunks.push(d, new Uint8Array(padding(d.byteLength)));
  return chunks;
}

/** Parses a checkpoint file's bytes (binary, or the legacy JSON format). */
export function decodeCheckpoint(bytes: Uint8Array): {
  checkpoint: Checkpoint;
  meta: Record<string, unknown>;
} {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length >= 1 && buffer[0] === 0x7b /* { */) return { checkpoint: decodeLegacy(buffer), meta: {} };
  if (buffer.length < 12 || !buffer.subarray(0, 8).equals(MAGIC)) throw new Error('not an sgc checkpoint');
  const length = buffer.readUInt32LE(8);
  if (12 + length > buffer.length) throw new Error('truncated checkpoint header');
  const header = JSON.parse(buffer.subarray(12, 12 + length).toString('utf8'), reviver) as CheckpointHeader;
  if (header.format !== CHECKPOINT_FORMAT)
    throw new Error(`not an sgc checkpoint (format ${JSON.stringify(header.format)})`);
  let offset = 12 + length + padding(12 + length);
  const groups: Record<Group, Parameters> = { parameters: {}, m: {}, v: {} };
  for (const entry of header.arrays) {
    const size = entry.length * (entry.dtype === 'float32' ? 4 : 8);
    if (offset + size > buffer.length) throw new Error(`truncated checkpoint (array ${entry.name})`);
    // Copied into fresh, aligned memory: the file's bytes need not be 8-aligned in the buffer.
    const raw = new Uint8Array(size);
    raw.set(buffer.subarray(offset, offset + size));
    groups[entry.group][entry.name] =
      entry.dtype === 'float32'
        ? Float64Array.from(new Float32Array(raw.buffer))
        : new Float64Array(raw.buffer);
    offset += size + padding(size);
  }
  return {
    checkpoint: {
      step: header.step,
      initialLoss: header.initialLoss,
      state: {
        parameters: groups.parameters,
        optimizer: { step: header.optimizerStep, m: groups.m, v: groups.v },
      },
      dataState: header.dataState,
      metrics: header.metrics,
      ...(header.lossLog ? { lossLog: header.lossLog } : {}),
    },
    meta: header.meta ?? {},
  };
}

/** Writes the checkpoint to `path` atomically (a temporary file renamed over it). */
export function writeCheckpointFile(path: string, c: Checkpoint, meta: Record<string, unknown> = {}): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    for (const chunk of encodeCheckpoint(c, meta)) {
      for (let written = 0; written < chunk.byteLength; )
        written += writeSync(fd, chunk, written, chunk.byteLength - written);
    }
    // On disk before the rename: a machine that crashes right after never leaves an empty file
    // under the checkpoint's name.
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Reads a checkpoint file written by writeCheckpointFile (or a legacy JSON one). */
export function readCheckpointFile(path: string): { checkpoint: Checkpoint; meta: Record<string, unknown> } {
  return decodeCheckpoint(readFileSync(path));
}

function decodeLegacyParameters(p: Record<string, string>): Parameters {
  return Object.fromEntries(
    Object.entries(p).map(([name, text]) => {
      const bytes = Buffer.from(text, 'base64');
      const out = new Float64Array(bytes.byteLength / 8);
      new Uint8Array(out.buffer).set(bytes);
      return [name, out];
    }),
  );
}

/** `sgc-checkpoint/1`: JSON with base64 Float64 arrays (run folders written before the binary format). */
function decodeLegacy(buffer: Buffer): Checkpoint {
  const data = JSON.parse(buffer.toString('utf8'));
  if (data?.format !== LEGACY_FORMAT)
    throw new Error(`not an sgc checkpoint (format ${JSON.stringify(data?.format)})`);
  return {
    step: data.step,
    initialLoss: data.initialLoss,
    state: {
      parameters: decodeLegacyParameters(data.parameters),
      optimizer: {
        step: data.optimizer.step,
        m: decodeLegacyParameters(data.optimizer.m),
        v: decodeLegacyParameters(data.optimizer.v),
      },
    },
    dataState: data.dataState,
    metrics: data.metrics,
  };
}
