/**
 * A reader for NumPy's `.npz` files (a zip of `.npy` arrays), enough for published result files:
 * stored or deflated zip entries, `.npy` format 1.0–3.0, little-endian float32/float64/int32/int64/
 * bool arrays in C order. Object arrays (pickles) are refused: they would need Python to read.
 *
 * Formats: the zip local header and central directory (PKWARE APPNOTE 6.3, sections 4.3.7 and
 * 4.3.12), the `.npy` header (NumPy NEP 1, "A simple file format for NumPy arrays").
 */
import { inflateRawSync } from 'node:zlib';
import { InputError } from '../errors.js';

export interface NpyArray {
  /** The array's shape, C order. */
  shape: number[];
  /** The elements in C order, as numbers (int64 values beyond 2^53 lose precision). */
  data: Float64Array;
  /** The NumPy dtype string, e.g. `<f4`. */
  dtype: string;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/** The entries of a zip archive: name → uncompressed bytes. */
export function readZip(bytes: Buffer, source: string): Map<string, Buffer> {
  // The end-of-central-directory record is within the last 22 + 65,535 bytes (its comment).
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--)
    if (bytes.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  if (end < 0) throw new InputError(`${source}: not a zip file (no end-of-central-directory record)`);
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let e = 0; e < count; e++) {
    if (bytes.readUInt32LE(at) !== CENTRAL_FILE_HEADER)
      throw new InputError(`${source}: damaged zip central directory (entry ${e})`);
    const method = bytes.readUInt16LE(at + 10);
    const compressed = bytes.readUInt32LE(at + 20);
    const size = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const localOffset = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (compressed === 0xffffffff || localOffset === 0xffffffff)
      throw new InputError(`${source}: ${name} is a zip64 entry, which this reader does not read`);
    if (bytes.readUInt32LE(localOffset) !== LOCAL_FILE_HEADER)
      throw new InputError(`${source}: damaged zip entry ${name}`);
    const dataStart =
      localOffset + 30 + bytes.readUInt16LE(localOffset + 26) + bytes.readUInt16LE(localOffset + 28);
    const raw = bytes.subarray(dataStart, dataStart + compressed);
    let content: Buffer;
    if (method === 0) content = Buffer.from(raw);
    else if (method === 8) content = inflateRawSync(raw);
    else
      throw new InputError(
        `${source}: ${name} uses zip compression method ${method} (only 0 and 8 are read)`,
      );
    if (content.length !== size)
      throw new InputError(`${source}: ${name} inflates to ${content.length} bytes, not ${size}`);
    entries.set(name, content);
  }
  return entries;
}

const DTYPES: Record<string, { bytes: number; read: (b: Buffer, at: number) => number }> = {
  '<f4': { bytes: 4, read: (b, at) => b.readFloatLE(at) },
  '<f8': { bytes: 8, read: (b, at) => b.readDoubleLE(at) },
  '<i4': { bytes: 4, read: (b, at) => b.readInt32LE(at) },
  '<i8': { bytes: 8, read: (b, at) => Number(b.readBigInt64LE(at)) },
  '|b1': { bytes: 1, read: (b, at) => b.readUInt8(at) },
};

/** One `.npy` file's array. */
export function readNpy(bytes: Buffer, source: string): NpyArray {
  if (bytes.toString('latin1', 0, 6) !== '\x93NUMPY') throw new InputError(`${source}: not a .npy file`);
  const major = bytes.readUInt8(6);
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', headerStart, headerStart + headerLength);
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw new InputError(`${source}: unreadable .npy header ${JSON.stringify(header.trim())}`);
  if (descr.includes('O')) throw new InputError(`${source}: holds pickled Python objects (dtype ${descr})`);
  const dtype = DTYPES[descr];
  if (!dtype)
    throw new InputError(`${source}: dtype ${descr} is not read (${Object.keys(DTYPES).join(', ')})`);
  if (fortran === 'True') throw new InputError(`${source}: Fortran-order arrays are not read`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLength;
  if (bytes.length < start + count * dtype.bytes)
    throw new InputError(`${source}: ${count} elements of ${descr} need more bytes than the file has`);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = dtype.read(bytes, start + i * dtype.bytes);
  return { shape, data, dtype: descr };
}

/** Every array of an `.npz` file, by name without the `.npy` suffix. */
export function readNpz(bytes: Buffer, source: string): Map<string, NpyArray> {
  const arrays = new Map<string, NpyArray>();
  for (const [name, content] of readZip(bytes, source))
    arrays.set(name.replace(/\.npy$/, ''), readNpy(content, `${source}:${name}`));
  return arrays;
}
