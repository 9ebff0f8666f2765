import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MAX_HEADER_BYTES,
  decodeSafetensors,
  encodeSafetensors,
  int64ToInt32,
  readSafetensorsFile,
  writeSafetensorsFile,
  type SafetensorsDType,
} from '../../src/io/safetensors.js';
import { FormatError, ValueError } from '../../src/core/errors.js';

const enc = new TextEncoder();

/** A safetensors file from a header text (exactly as given, no padding) and data bytes. */
function build(header: string, data: ArrayLike<number> = [], lengthOverride?: number | bigint): Uint8Array {
  const h = enc.encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(lengthOverride ?? h.length), true);
  out.set(h, 8);
  out.set(Array.from(data), 8 + h.length);
  return out;
}

function f32le(...xs: number[]): number[] {
  return Array.from(new Uint8Array(new Float32Array(xs).buffer));
}

function rejects(bytes: Uint8Array, re: RegExp, offset?: number): FormatError {
  let err: unknown;
  try {
    decodeSafetensors(bytes, 'model.safetensors');
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof FormatError, `expected FormatError matching ${re}, got ${err === undefined ? 'success' : String(err)}`);
  assert.equal(err.file, 'model.safetensors');
  assert.match(err.message, /^model\.safetensors: safetensors: /);
  assert.match(err.message, re);
  if (offset !== undefined) assert.equal(err.offset, offset, err.message);
  return err;
}

test('round trip for every dtype', () => {
  const inputs: Record<string, { dtype: SafetensorsDType; shape: number[]; data: ArrayLike<number> | ArrayLike<bigint> | ArrayLike<boolean> }> = {
    f64: { dtype: 'F64', shape: [2, 2], data: new Float64Array([Math.PI, -0, Infinity, 1e-310]) },
    f32: { dtype: 'F32', shape: [3], data: new Float32Array([1.5, -2, 3.4028234663852886e38]) },
    f16: { dtype: 'F16', shape: [5], data: new Float32Array([1, -2.5, 65504, 2 ** -24, -Infinity]) },
    bf16: { dtype: 'BF16', shape: [4], data: [1, -3.5, 2 ** 100, 0] },
    i64: { dtype: 'I64', shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 5n]) },
    i32: { dtype: 'I32', shape: [2], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1]) },
    i16: { dtype: 'I16', shape: [2], data: new Int16Array([-32768, 32767]) },
    i8: { dtype: 'I8', shape: [3], data: new Int8Array([-128, 0, 127]) },
    u8: { dtype: 'U8', shape: [1, 3], data: new Uint8Array([0, 128, 255]) },
    bool: { dtype: 'BOOL', shape: [3], data: [true, false, true] },
    scalar: { dtype: 'F32', shape: [], data: [42] },
    empty: { dtype: 'I32', shape: [0, 5], data: [] },
  };
  const bytes = encodeSafetensors(inputs, { format: 'pt', note: 'ünïcödé ✓' });
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.deepEqual(metadata, { format: 'pt', note: 'ünïcödé ✓' });
  assert.deepEqual([...tensors.keys()].sort(), Object.keys(inputs).sort());
  for (const [name, t] of Object.entries(inputs)) {
    const got = tensors.get(name)!;
    assert.equal(got.dtype, t.dtype, name);
    assert.deepEqual(got.shape, t.shape, name);
    const want = t.dtype === 'BOOL' ? (t.data as boolean[]).map(Number) : Array.from(t.data as ArrayLike<number>);
    assert.deepEqual(Array.from(got.data as ArrayLike<number>), want, name);
  }
  assert.ok(tensors.get('f16')!.data instanceof Float32Array);
  assert.ok(tensors.get('bf16')!.data instanceof Float32Array);
  assert.ok(tensors.get('i64')!.data instanceof BigInt64Array);
  assert.ok(tensors.get('bool')!.data instanceof Uint8Array);
  // deterministic
  assert.deepEqual(encodeSafetensors(inputs, { note: 'ünïcödé ✓', format: 'pt' }), bytes);
});

test('F16 / BF16 rounding, NaN and raw bit patterns', () => {
  const b = encodeSafetensors({
    h: { dtype: 'F16', shape: [4], data: [1 + 2 ** -11, 1 + 3 * 2 ** -11, 70000, NaN] },
    b: { dtype: 'BF16', shape: [3], data: [1 + 2 ** -8, 1 + 3 * 2 ** -8, NaN] },
    raw: { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0x8001]) },
  });
  const t = decodeSafetensors(b).tensors;
  const h = t.get('h')!.data as Float32Array;
  assert.deepEqual(Array.from(h.slice(0, 3)), [1, 1 + 2 * 2 ** -10, Infinity]); // ties to even; overflow to inf
  assert.ok(Number.isNaN(h[3]));
  const bf = t.get('b')!.data as Float32Array;
  assert.deepEqual(Array.from(bf.slice(0, 2)), [1, 1 + 2 * 2 ** -7]);
  assert.ok(Number.isNaN(bf[2]));
  assert.deepEqual(Array.from(t.get('raw')!.data as Float32Array), [1, -(2 ** -24)]);
});

test('spec conformance: encoder output equals a hand-built buffer', () => {
  const header = '{"__metadata__":{"format":"pt"},"b":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"w":{"dtype":"F32","shape":[2],"data_offsets":[3,11]}}';
  const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
  assert.equal(padded.length % 8, 0);
  const expected = build(padded, [1, 2, 3, ...f32le(1, 2)]);
  // sanity on the hand-built bytes: LE length, '{' at 8, spaces before the data
  assert.equal(expected[0], padded.length);
  assert.equal(expected[8], 0x7b);
  const got = encodeSafetensors([
    { name: 'w', dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) },
    { name: 'b', dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) },
  ], { format: 'pt' });
  assert.deepEqual(got, expected);
});

test('names are sorted by code unit, integer-like names included', () => {
  const bytes = encodeSafetensors({ '10': { dtype: 'U8', shape: [1], data: [1] }, '2': { dtype: 'U8', shape: [1], data: [2] }, a: { dtype: 'U8', shape: [1], data: [3] }, __proto__x: { dtype: 'U8', shape: [1], data: [4] } });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd();
  assert.equal(header, '{"10":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"2":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"__proto__x":{"dtype":"U8","shape":[1],"data_offsets":[2,3]},"a":{"dtype":"U8","shape":[1],"data_offsets":[3,4]}}');
  assert.deepEqual([...decodeSafetensors(bytes).tensors.keys()], ['10', '2', '__proto__x', 'a']);
});

test('a file laid out like Python safetensors writes it (dtype-ordered, padded, metadata first)', () => {
  // safetensors.torch.save_file({"w": f32[2], "b": u8[3]}, metadata={"format": "pt"}) orders tensors by
  // dtype alignment (F32 before U8), then name, and pads the header with spaces to 8 bytes.
  const header = '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}';
  const padded = header.padEnd(Math.ceil(header.length / 8) * 8, ' ');
  const file = build(padded, [...f32le(0.5, -1), 7, 8, 9]);
  const { tensors, metadata } = decodeSafetensors(file);
  assert.deepEqual(metadata, { format: 'pt' });
  assert.deepEqual(Array.from(tensors.get('w')!.data as Float32Array), [0.5, -1]);
  assert.deepEqual(Array.from(tensors.get('b')!.data as Uint8Array), [7, 8, 9]);
  assert.deepEqual([...tensors.keys()], ['w', 'b']); // file (offset) order
});

test('other valid headers: pretty-printed, unpadded, unknown keys ignored, null metadata, no tensors', () => {
  const pretty = '{\n  "x": {\n    "dtype": "I16",\n    "shape": [1],\n    "data_offsets": [0, 2],\n    "extra": {"ignored": true}\n  },\n  "__metadata__": null\n}\n';
  const t = decodeSafetensors(build(pretty, [0xff, 0x7f]));
  assert.deepEqual(Array.from(t.tensors.get('x')!.data as Int16Array), [32767]);
  assert.deepEqual(t.metadata, {});
  const empty = decodeSafetensors(build('{}'));
  assert.equal(empty.tensors.size, 0);
  assert.deepEqual(decodeSafetensors(encodeSafetensors({})).tensors.size, 0);
  // metadata key "__proto__" is kept as data, not a prototype
  const m = decodeSafetensors(build('{"__metadata__":{"__proto__":"x","a":"b"}}')).metadata;
  assert.equal(Object.getOwnPropertyDescriptor(m, '__proto__')?.value, 'x');
  assert.equal(Object.getPrototypeOf(m), Object.prototype);
});

test('decoded data never aliases the input, and unaligned input works', () => {
  const bytes = encodeSafetensors({ a: { dtype: 'U8', shape: [1], data: [5] }, b: { dtype: 'F64', shape: [1], data: [2.5] } });
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  const view = shifted.subarray(3);
  const t = decodeSafetensors(view).tensors;
  view.fill(0);
  assert.equal((t.get('a')!.data as Uint8Array)[0], 5);
  assert.equal((t.get('b')!.data as Float64Array)[0], 2.5);
});

test('malformed: length field', () => {
  rejects(new Uint8Array(0), /file is 0 bytes, too short for the 8-byte header length/, 0);
  rejects(new Uint8Array(7), /file is 7 bytes/, 7);
  rejects(build('{}', [], 100), /header length 100 exceeds the 2 bytes after the length field/, 0);
  rejects(build('{}', [], 2n ** 64n - 1n), /header length 18446744073709551615 exceeds/, 0);
  rejects(build('{}', [], 0), /header length 0 is too small/, 0);
  const big = new Uint8Array(8 + MAX_HEADER_BYTES + 8);
  new DataView(big.buffer).setUint32(0, MAX_HEADER_BYTES + 1, true);
  rejects(big, /header length 100000001 exceeds the 100000000-byte limit/, 0);
});

test('malformed: header text', () => {
  rejects(build('[]'), /must be a JSON object starting with '\{', found byte 0x5b/, 8);
  rejects(build(' {}'), /starting with '\{'/, 8);
  rejects(build('{"a":1'), /not valid JSON/, 8);
  rejects(build('{"a":{"dtype":"F32","shape":[NaN],"data_offsets":[0,0]}}'), /not valid JSON/);
  const bad = build('{"\xff":1}');
  bad[10] = 0xff; // invalid UTF-8 byte inside the key
  rejects(bad, /not valid UTF-8/, 8);
  const deep = `{"a":${'['.repeat(1000)}${']'.repeat(1000)}}`;
  rejects(build(deep), /nests deeper than 64 levels/, 8 + 5 + 63);
  // brackets inside strings don't count
  const ok = `{"__metadata__":{"k":"${'['.repeat(1000)}\\"{{"}}`;
  assert.equal(decodeSafetensors(build(ok)).metadata['k'], `${'['.repeat(1000)}"{{`);
});

test('malformed: tensor entries', () => {
  const t = (info: string, data: number[] = [0, 0, 0, 0]) => build(`{"t":${info}}`, data);
  rejects(t('[]'), /tensor "t": entry must be an object, found an array/);
  rejects(t('null'), /entry must be an object, found null/);
  rejects(t('{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}'), /dtype must be one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL; found the string "F8_E4M3"/);
  rejects(t('{"shape":[1],"data_offsets":[0,4]}'), /dtype must be one of .*; found nothing \(the key is missing\)/);
  rejects(t('{"dtype":"F32","data_offsets":[0,4]}'), /shape must be an array, found nothing/);
  rejects(t('{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}'), /shape\[0\] must be a non-negative integer below 2\^53, found number -1/);
  rejects(t('{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}'), /shape\[0\] must be .* found number 1.5/);
  rejects(t('{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}'), /shape\[0\] must be .* found number Infinity/);
  rejects(t('{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,4]}'), /shape\[0\] must be a non-negative integer below 2\^53, found number 18446744073709552000/);
  rejects(t('{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}'), /shape\[0\] must be .* found the string "1"/);
  rejects(t(`{"dtype":"U8","shape":[${new Array(256).fill(1).join(',')}],"data_offsets":[0,4]}`), /256 dimensions, more than the limit of 255/);
  rejects(t('{"dtype":"F32","shape":[1]}'), /data_offsets must be an array \[begin, end\], found nothing/);
  rejects(t('{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}'), /data_offsets must be an array/);
  rejects(t('{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}'), /data_offsets begin must be a non-negative integer below 2\^53, found number -4/);
  rejects(t('{"dtype":"F32","shape":[1],"data_offsets":[0,"4"]}'), /data_offsets end must be .* found the string "4"/);
  rejects(t('{"dtype":"F32","shape":[1],"data_offsets":[4,0]}'), /begin after end/);
  rejects(t('{"dtype":"F32","shape":[2],"data_offsets":[0,8]}'), /data_offsets \[0, 8\] run past the end of the 4-byte data buffer/);
  rejects(t('{"dtype":"F32","shape":[2],"data_offsets":[0,4]}'), /shape \[2\] of F32 needs more than 4 bytes but data_offsets \[0, 4\] span 4/);
  rejects(t('{"dtype":"U8","shape":[2],"data_offsets":[0,4]}'), /shape \[2\] of U8 needs 2 bytes but data_offsets \[0, 4\] span 4/);
  // product overflow, refused without allocating
  rejects(t('{"dtype":"F64","shape":[4503599627370496,4503599627370496,4503599627370496],"data_offsets":[0,4]}'), /needs more than 4 bytes/);
  // BOOL bytes must be 0 or 1
  rejects(build('{"b":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}', [1, 2]), /BOOL element 1 is byte 2, expected 0 or 1/);
});

test('malformed: layout of the data buffer', () => {
  const h = (a: string, b: string) => `{"a":{"dtype":"U8","shape":[2],"data_offsets":${a}},"b":{"dtype":"U8","shape":[2],"data_offsets":${b}}}`;
  const data = [1, 2, 3, 4];
  rejects(build(h('[0,2]', '[1,3]'), data), /tensor "b" \(data_offsets \[1, 3\]\) overlaps tensor "a" \(data_offsets \[0, 2\]\)/);
  rejects(build(h('[0,2]', '[0,2]'), data), /overlaps/);
  rejects(build(h('[0,2]', '[2,4]'), [...data, 9]), /1 trailing bytes after the last tensor/);
  rejects(build(h('[1,3]', '[3,5]'), [...data, 9]), /gap of 1 unused bytes in the data buffer before tensor "a"/);
  rejects(build('{}', [1]), /1 trailing bytes/);
  const hh = h('[0,2]', '[3,5]');
  const err = rejects(build(hh, [...data, 9]), /gap of 1 unused bytes.*before tensor "b"/);
  assert.equal(err.offset, 8 + enc.encode(hh).length + 2);
});

test('malformed: metadata', () => {
  rejects(build('{"__metadata__":{"a":1}}'), /__metadata__ value for "a" must be a string, found number 1/);
  rejects(build('{"__metadata__":{"a":{"b":"c"}}}'), /must be a string, found an object/);
  rejects(build('{"__metadata__":["a"]}'), /__metadata__ must be an object of strings, found an array/);
  rejects(build('{"__metadata__":"x"}'), /__metadata__ must be an object of strings/);
});

test('encodeSafetensors rejects bad input with ValueError', () => {
  const bad = (tensors: Parameters<typeof encodeSafetensors>[0], re: RegExp, meta?: Record<string, string>) =>
    assert.throws(() => encodeSafetensors(tensors, meta), (e: unknown) => e instanceof ValueError && re.test(e.message));
  bad({ a: { dtype: 'F32', shape: [3], data: [1, 2] } }, /shape \[3\] has 3 elements but data has 2/);
  bad({ a: { dtype: 'Q4' as SafetensorsDType, shape: [1], data: [1] } }, /unknown dtype "Q4"/);
  bad({ a: { dtype: 'U8', shape: [1], data: [256] } }, /element 0 \(256\) does not fit/);
  bad({ a: { dtype: 'I8', shape: [1], data: [1.5] } }, /does not fit/);
  bad({ a: { dtype: 'I32', shape: [1], data: new Float32Array(1) } }, /must be a Int32Array or a plain array/);
  bad({ a: { dtype: 'I64', shape: [1], data: [2 ** 60] } }, /is not an integer/);
  bad({ a: { dtype: 'I64', shape: [1], data: [2n ** 63n] } }, /does not fit in 64 bits/);
  bad({ a: { dtype: 'BOOL', shape: [1], data: [2] } }, /is not a boolean/);
  bad({ a: { dtype: 'F32', shape: [-1], data: [] } }, /dimension -1/);
  bad({ __metadata__: { dtype: 'F32', shape: [], data: [1] } }, /reserved/);
  bad([{ name: 'a', dtype: 'U8', shape: [], data: [1] }, { name: 'a', dtype: 'U8', shape: [], data: [1] }], /duplicate tensor name "a"/);
  bad({}, /metadata "k" must be a string/, { k: 1 as unknown as string });
});

test('int64ToInt32 converts with a range check', () => {
  assert.deepEqual(Array.from(int64ToInt32(new BigInt64Array([-5n, 2147483647n, -2147483648n]))), [-5, 2147483647, -2147483648]);
  assert.throws(() => int64ToInt32(new BigInt64Array([1n, 2147483648n]), 'labels'), (e: unknown) => e instanceof ValueError && /labels: element 1 is 2147483648, outside the int32 range/.test(e.message));
});

test('readSafetensorsFile / writeSafetensorsFile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-st-'));
  try {
    const path = join(dir, 'w.safetensors');
    await writeSafetensorsFile(path, { w: { dtype: 'F32', shape: [2], data: [1, 2] } }, { step: '3' });
    const f = readSafetensorsFile(path);
    assert.deepEqual(Array.from(f.tensors.get('w')!.data as Float32Array), [1, 2]);
    assert.deepEqual(f.metadata, { step: '3' });
    assert.deepEqual(readdirSync(dir), ['w.safetensors']);
    writeFileSync(path, 'garbage!!');
    assert.throws(() => readSafetensorsFile(path), (e: unknown) => e instanceof FormatError && e.file === path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
