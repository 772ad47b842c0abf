/** The .npz reader on archives built here: stored and deflated entries, each dtype, and bad input. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { InputError } from '../../../src/errors.js';
import { readNpy, readNpz } from '../../../src/report/npz.js';

/** A .npy file (format 1.0) holding `values` as `descr` with `shape`. */
function npy(descr: string, shape: number[], values: number[]): Buffer {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // The header is padded with spaces and a newline so that the data starts at a multiple of 64.
  const unpadded = 10 + dict.length + 1;
  const header = `${dict}${' '.repeat((64 - (unpadded % 64)) % 64)}\n`;
  const size = { '<f4': 4, '<f8': 8, '<i8': 8, '<i4': 4, '|b1': 1 }[descr] ?? 8;
  const data = Buffer.alloc(values.length * size);
  values.forEach((v, i) => {
    if (descr === '<f4') data.writeFloatLE(v, i * 4);
    else if (descr === '<f8') data.writeDoubleLE(v, i * 8);
    else if (descr === '<i8') data.writeBigInt64LE(BigInt(v), i * 8);
    else if (descr === '<i4') data.writeInt32LE(v, i * 4);
    else data.writeUInt8(v, i);
  });
  const preamble = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(preamble);
  preamble.writeUInt8(1, 6);
  preamble.writeUInt16LE(header.length, 8);
  return Buffer.concat([preamble, Buffer.from(header, 'latin1'), data]);
}

/** A zip of `entries`, each stored (method 0) or deflated (8). CRCs are left 0: the reader does not check them. */
function zip(entries: { name: string; content: Buffer; method: 0 | 8 }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.method === 8 ? deflateRawSync(e.content) : e.content;
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.content.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.content.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

test('readNpz reads stored and deflated arrays of every dtype it knows, by name', () => {
  const file = zip([
    { name: 'p_values.npy', content: npy('<i8', [3], [2, 3, 22]), method: 8 },
    { name: 'loss.npy', content: npy('<f4', [2, 2], [0.25, 0.5, 1e-4, Number.NaN]), method: 0 },
    { name: 'x.npy', content: npy('<f8', [1], [Math.PI]), method: 8 },
    { name: 'n.npy', content: npy('<i4', [2], [-7, 9]), method: 0 },
    { name: 'b.npy', content: npy('|b1', [2], [1, 0]), method: 8 },
  ]);
  const arrays = readNpz(file, 'test.npz');
  assert.deepEqual([...arrays.keys()], ['p_values', 'loss', 'x', 'n', 'b']);
  assert.deepEqual(Array.from(arrays.get('p_values')!.data), [2, 3, 22]);
  const loss = arrays.get('loss')!;
  assert.deepEqual(loss.shape, [2, 2]);
  assert.equal(loss.dtype, '<f4');
  assert.equal(loss.data[0], 0.25);
  assert.equal(loss.data[2], Math.fround(1e-4));
  assert.ok(Number.isNaN(loss.data[3]));
  assert.equal(arrays.get('x')!.data[0], Math.PI);
  assert.deepEqual(Array.from(arrays.get('n')!.data), [-7, 9]);
  assert.deepEqual(Array.from(arrays.get('b')!.data), [1, 0]);
});

test('bad input is one InputError naming the problem', () => {
  assert.throws(() => readNpz(Buffer.from('not a zip at all, just some text here'), 'a.npz'), {
    name: 'InputError',
    message: /a\.npz: not a zip file/,
  });
  const pickled = npy('|O', [1], [0]);
  assert.throws(
    () => readNpy(pickled, 'o.npy'),
    (e) => e instanceof InputError && /pickled/.test(e.message),
  );
  assert.throws(() => readNpy(npy('<c8', [1], [0]), 'c.npy'), /dtype <c8 is not read/);
  assert.throws(() => readNpy(Buffer.from('hello world'), 'h.npy'), /not a \.npy file/);
  const short = npy('<f8', [4], [1, 2, 3, 4]).subarray(0, 80);
  assert.throws(() => readNpy(short, 's.npy'), /need more bytes/);
});
