import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeIdx, parseIdx, type IdxDType } from '../../src/data/idx.js';
import { FormatError, ValueError } from '../../src/core/errors.js';

/** Asserts `fn` throws a FormatError for `file` whose message matches `re` (and offset, if given). */
function rejects(fn: () => unknown, re: RegExp, offset?: number, file = 'bad.idx'): FormatError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof FormatError, `expected FormatError, got ${String(err)}`);
  assert.equal(err.file, file);
  assert.match(err.message, re);
  assert.ok(err.message.startsWith(`${file}: `), err.message);
  if (offset !== undefined) assert.equal(err.offset, offset, err.message);
  return err;
}

const bytes = (...xs: number[]) => new Uint8Array(xs);

test('round trip for every dtype, including extremes', () => {
  const cases: { dtype: IdxDType; data: number[] }[] = [
    { dtype: 'uint8', data: [0, 1, 127, 128, 255, 42] },
    { dtype: 'int8', data: [-128, -1, 0, 1, 127, 5] },
    { dtype: 'int16', data: [-32768, -1, 0, 1, 32767, 300] },
    { dtype: 'int32', data: [-(2 ** 31), -1, 0, 1, 2 ** 31 - 1, 70000] },
    { dtype: 'float32', data: [-Infinity, -1.5, 0, 3.25, Infinity, 1e-40] },
    { dtype: 'float64', data: [-Infinity, -1.5, Math.PI, Number.MIN_VALUE, Infinity, 1e300] },
  ];
  for (const { dtype, data } of cases) {
    for (const shape of [[6], [2, 3], [1, 2, 3, 1]]) {
      const enc = encodeIdx({ dtype, shape, data });
      const dec = parseIdx(enc);
      assert.equal(dec.dtype, dtype);
      assert.deepEqual(dec.shape, shape);
      const expected = dtype === 'float32' ? Array.from(new Float32Array(data)) : data;
      assert.deepEqual(Array.from(dec.data), expected, dtype);
    }
  }
  // NaN survives
  const nan = parseIdx(encodeIdx({ dtype: 'float64', shape: [1], data: [NaN] }));
  assert.ok(Number.isNaN(nan.data[0]));
});

test('scalars (ndims 0) and empty arrays (a zero dimension)', () => {
  const s = parseIdx(encodeIdx({ dtype: 'int32', shape: [], data: [7] }));
  assert.deepEqual(s.shape, []);
  assert.deepEqual(Array.from(s.data), [7]);
  const e = parseIdx(encodeIdx({ dtype: 'float32', shape: [3, 0, 5], data: [] }));
  assert.deepEqual(e.shape, [3, 0, 5]);
  assert.equal(e.data.length, 0);
  // a zero dimension next to huge ones is still an empty array
  const z = parseIdx(bytes(0, 0, 0x08, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff));
  assert.deepEqual(z.shape, [2 ** 32 - 1, 0, 2 ** 32 - 1]);
});

test('hand-built big-endian file from the format description', () => {
  // int16, shape [2], values 258 (0x0102) and -2 (0xFFFE)
  const file = bytes(0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe);
  assert.deepEqual(encodeIdx({ dtype: 'int16', shape: [2], data: [258, -2] }), file);
  const p = parseIdx(file);
  assert.ok(p.data instanceof Int16Array);
  assert.deepEqual(Array.from(p.data), [258, -2]);
  // float32 1.0 big-endian is 3F 80 00 00
  const f = parseIdx(bytes(0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0x80, 0, 0));
  assert.ok(f.data instanceof Float32Array);
  assert.equal(f.data[0], 1);
  // float64 -2.0 is C0 00 .. 00
  const d = parseIdx(bytes(0, 0, 0x0e, 1, 0, 0, 0, 1, 0xc0, 0, 0, 0, 0, 0, 0, 0));
  assert.equal(d.data[0], -2);
});

test('the result never aliases the input', () => {
  const enc = encodeIdx({ dtype: 'uint8', shape: [2], data: [1, 2] });
  const dec = parseIdx(enc);
  enc[8] = 99;
  assert.equal(dec.data[0], 1);
  // works on a subarray with an odd byte offset
  const f = encodeIdx({ dtype: 'float64', shape: [2], data: [1.5, -2.5] });
  const g = new Uint8Array(f.length + 1);
  g.set(f, 1);
  assert.deepEqual(Array.from(parseIdx(g.subarray(1)).data), [1.5, -2.5]);
});

test('malformed: empty and truncated headers', () => {
  rejects(() => parseIdx(bytes(), 'bad.idx'), /truncated header.*file has 0/, 0);
  rejects(() => parseIdx(bytes(0, 0, 8), 'bad.idx'), /truncated header/, 3);
  rejects(() => parseIdx(bytes(0, 0, 8, 3, 0, 0, 0, 1, 0, 0), 'bad.idx'), /3 dimensions need a 16-byte header, file has 10 bytes/, 10);
});

test('malformed: wrong magic and unknown type code', () => {
  rejects(() => parseIdx(bytes(0x1f, 0x8b, 8, 0), 'bad.idx'), /wrong magic.*0x1F 0x8B/, 0);
  rejects(() => parseIdx(bytes(0, 1, 8, 0, 0), 'bad.idx'), /wrong magic/, 0);
  rejects(() => parseIdx(bytes(0, 0, 0x0a, 1, 0, 0, 0, 1, 0), 'bad.idx'), /unknown type code 0x0A.*0x08 \(uint8\)/, 2);
  rejects(() => parseIdx(bytes(0, 0, 0xff, 0), 'bad.idx'), /unknown type code 0xFF/, 2);
});

test('malformed: data too short, trailing bytes, overflowing dimensions', () => {
  // int32 shape [2] needs 8 bytes, 7 given
  rejects(() => parseIdx(bytes(0, 0, 0x0c, 1, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7), 'bad.idx'), /need more data than the 7 bytes/, 8);
  // uint8 [2] with 3 bytes of data: one trailing byte, reported where it starts
  rejects(() => parseIdx(bytes(0, 0, 0x08, 1, 0, 0, 0, 2, 1, 2, 3), 'bad.idx'), /need 2 bytes of data but 3 follow the header \(1 trailing bytes\)/, 10);
  // empty array with trailing data
  rejects(() => parseIdx(bytes(0, 0, 0x08, 1, 0, 0, 0, 0, 9), 'bad.idx'), /1 trailing bytes/);
  // 3 × (2^32 - 1) elements of float64: product overflows 2^53, must be refused without allocating
  const huge = bytes(0, 0, 0x0e, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8);
  rejects(() => parseIdx(huge, 'bad.idx'), /\[4294967295, 4294967295, 4294967295\] of float64 need more data than the 8 bytes/);
  // 255 dims of 2^32-1
  const many = new Uint8Array(4 + 4 * 255).fill(0xff);
  many.set([0, 0, 0x08, 255]);
  rejects(() => parseIdx(many, 'bad.idx'), /need more data/);
});

test('default file name and non-Uint8Array input', () => {
  rejects(() => parseIdx(bytes(1, 2, 3, 4)), /wrong magic/, 0, '<buffer>');
  assert.throws(() => parseIdx('nope' as unknown as Uint8Array), ValueError);
});

test('encodeIdx rejects inconsistent input with ValueError', () => {
  assert.throws(() => encodeIdx({ dtype: 'uint8', shape: [3], data: [1, 2] }), /has 3 elements but data has 2/);
  assert.throws(() => encodeIdx({ dtype: 'uint8', shape: [-1], data: [] }), ValueError);
  assert.throws(() => encodeIdx({ dtype: 'uint8', shape: [2 ** 32], data: [] }), ValueError);
  assert.throws(() => encodeIdx({ dtype: 'int64' as IdxDType, shape: [1], data: [1] }), ValueError);
  assert.throws(() => encodeIdx({ dtype: 'int16', shape: [1], data: new Int32Array(1) }), /needs a Int16Array/);
  assert.throws(() => encodeIdx({ dtype: 'uint8', shape: new Array(256).fill(1), data: [1] }), ValueError);
});

test('copy: false returns byte data as a view of the input', () => {
  const enc = encodeIdx({ dtype: 'uint8', shape: [2], data: [1, 2] });
  const u = parseIdx(enc, 'f', { copy: false });
  assert.equal(u.data.buffer, enc.buffer);
  const i8 = parseIdx(encodeIdx({ dtype: 'int8', shape: [2], data: [-1, 2] }), 'f', { copy: false });
  assert.deepEqual(Array.from(i8.data), [-1, 2]);
  // multi-byte types are still converted into a fresh array
  const f = encodeIdx({ dtype: 'float32', shape: [1], data: [2] });
  assert.notEqual(parseIdx(f, 'f', { copy: false }).data.buffer, f.buffer);
});
