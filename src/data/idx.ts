/**
 * The IDX file format (the one MNIST ships in), independent of the tensor type.
 *
 * Layout (all multi-byte integers big-endian):
 *
 *   offset 0   u8  0x00
 *   offset 1   u8  0x00
 *   offset 2   u8  type code: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
 *   offset 3   u8  ndims
 *   offset 4   u32 × ndims   dimension sizes
 *   then       prod(dims) × itemsize bytes of big-endian data, row-major
 *
 * Every input is untrusted: any deviation is a {@link FormatError} naming the file, what is
 * wrong and the byte offset. Sizes are checked against the actual byte length before anything
 * is allocated, so a header that declares billions of elements costs nothing.
 */
import { FormatError, ValueError } from '../core/errors.js';

export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export type IdxTypedArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: IdxDType;
  shape: number[];
  data: IdxTypedArray;
}

interface IdxTypeInfo {
  code: number;
  dtype: IdxDType;
  itemsize: number;
}

const TYPES: readonly IdxTypeInfo[] = [
  { code: 0x08, dtype: 'uint8', itemsize: 1 },
  { code: 0x09, dtype: 'int8', itemsize: 1 },
  { code: 0x0b, dtype: 'int16', itemsize: 2 },
  { code: 0x0c, dtype: 'int32', itemsize: 4 },
  { code: 0x0d, dtype: 'float32', itemsize: 4 },
  { code: 0x0e, dtype: 'float64', itemsize: 8 },
];

const BY_CODE = new Map(TYPES.map((t) => [t.code, t]));
const BY_DTYPE = new Map(TYPES.map((t) => [t.dtype, t]));

/** Size in bytes of one element of an IDX dtype. */
export function idxItemsize(dtype: IdxDType): number {
  const t = BY_DTYPE.get(dtype);
  if (!t) throw new ValueError(`unknown IDX dtype ${JSON.stringify(dtype)}`);
  return t.itemsize;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0').toUpperCase()}`;
}

export interface ParseIdxOptions {
  /**
   * true (default): the data is a fresh copy, never a view of `bytes`. false: uint8/int8 data is
   * returned as a view of `bytes` (no copy: for callers that own the buffer, like the MNIST reader).
   */
  copy?: boolean;
}

/**
 * Parses an IDX file held in `bytes`. `file` names the source in error messages.
 * Returns the data in the platform's byte order, as a fresh copy unless `opts.copy` is false.
 */
export function parseIdx(bytes: Uint8Array, file = '<buffer>', opts: ParseIdxOptions = {}): IdxArray {
  if (!(bytes instanceof Uint8Array)) {
    throw new ValueError(`parseIdx: expected a Uint8Array, got ${Object.prototype.toString.call(bytes)}`);
  }
  const fail = (detail: string, offset?: number): never => {
    throw new FormatError(file, `IDX: ${detail}`, offset);
  };
  const len = bytes.length;
  if (len < 4) fail(`truncated header: need at least 4 bytes (magic, type code, ndims), file has ${len}`, len);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(`wrong magic: expected the file to start with two zero bytes, found ${hex(bytes[0]!)} ${hex(bytes[1]!)}`, 0);
  }
  const type = BY_CODE.get(bytes[2]!);
  if (!type) {
    fail(
      `unknown type code ${hex(bytes[2]!)}; expected one of ${TYPES.map((t) => `${hex(t.code)} (${t.dtype})`).join(', ')}`,
      2,
    );
  }
  const { dtype, itemsize } = type!;
  const ndims = bytes[3]!;
  const headerLen = 4 + 4 * ndims;
  if (len < headerLen) {
    fail(`truncated header: ${ndims} dimensions need a ${headerLen}-byte header, file has ${len} bytes`, len);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let hasZero = false;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) hasZero = true;
    shape.push(d);
  }
  const available = len - headerLen;
  // Count elements without ever exceeding what the file could hold: a product that grows past
  // the available bytes is already a mismatch, so we stop before it can overflow 2^53.
  let count = hasZero ? 0 : 1;
  if (!hasZero) {
    for (let i = 0; i < ndims; i++) {
      count *= shape[i]!;
      if (count * itemsize > available) {
        fail(
          `dimensions [${shape.join(', ')}] of ${dtype} need more data than the ${available} bytes after the header ` +
            `(file truncated or dimensions corrupt)`,
          headerLen,
        );
      }
    }
  }
  const need = count * itemsize;
  if (need !== available) {
    // need < available here: too-short data was caught above.
    fail(
      `dimensions [${shape.join(', ')}] of ${dtype} need ${need} bytes of data but ${available} follow the header ` +
        `(${available - need} trailing bytes)`,
      headerLen + need,
    );
  }
  const body = bytes.subarray(headerLen);
  if (opts.copy === false && itemsize === 1) {
    const data = dtype === 'uint8' ? body : new Int8Array(body.buffer, body.byteOffset, body.byteLength);
    return { dtype, shape, data };
  }
  return { dtype, shape, data: decodeBigEndian(body, dtype, count) };
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A fresh copy of `b` (new Uint8Array + set is faster than slice for large buffers). */
function copyOf(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}

function decodeBigEndian(body: Uint8Array, dtype: IdxDType, count: number): IdxTypedArray {
  switch (dtype) {
    case 'uint8':
      return copyOf(body);
    case 'int8':
      return new Int8Array(copyOf(body).buffer);
    default: {
      const itemsize = idxItemsize(dtype);
      const copy = copyOf(body); // fresh, aligned buffer
      if (LITTLE_ENDIAN_HOST) swapInPlace(copy, itemsize);
      const buf = copy.buffer;
      switch (dtype) {
        case 'int16':
          return new Int16Array(buf, 0, count);
        case 'int32':
          return new Int32Array(buf, 0, count);
        case 'float32':
          return new Float32Array(buf, 0, count);
        case 'float64':
          return new Float64Array(buf, 0, count);
      }
    }
  }
  throw new ValueError(`unknown IDX dtype ${dtype}`);
}

function swapInPlace(b: Uint8Array, itemsize: number): void {
  const n = b.length;
  for (let i = 0; i < n; i += itemsize) {
    for (let lo = i, hi = i + itemsize - 1; lo < hi; lo++, hi--) {
      const t = b[lo]!;
      b[lo] = b[hi]!;
      b[hi] = t;
    }
  }
}

const CTOR: Record<IdxDType, { new (n: number): IdxTypedArray; name: string }> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/**
 * Encodes an array as an IDX file. `data` must be the typed array matching `dtype`
 * (or a plain number array, converted with that typed array's rules) with exactly prod(shape) elements.
 */
export function encodeIdx(arr: { dtype: IdxDType; shape: readonly number[]; data: ArrayLike<number> }): Uint8Array {
  const { dtype, shape } = arr;
  const type = BY_DTYPE.get(dtype);
  if (!type) throw new ValueError(`encodeIdx: unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || shape.length > 255) {
    throw new ValueError(`encodeIdx: shape must be an array of at most 255 dimensions`);
  }
  let count = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new ValueError(`encodeIdx: dimension ${d} in shape [${shape.join(', ')}] is not an integer in [0, 2^32)`);
    }
    count *= d;
  }
  const Ctor = CTOR[dtype];
  let data = arr.data as IdxTypedArray;
  if (!(data instanceof Ctor)) {
    if (Array.isArray(arr.data)) {
      const t = new Ctor(arr.data.length);
      for (let i = 0; i < arr.data.length; i++) (t as { [i: number]: number })[i] = arr.data[i]!;
      data = t;
    } else {
      throw new ValueError(`encodeIdx: dtype ${dtype} needs a ${Ctor.name} (or number[]), got ${Object.prototype.toString.call(arr.data)}`);
    }
  }
  if (data.length !== count) {
    throw new ValueError(`encodeIdx: shape [${shape.join(', ')}] has ${count} elements but data has ${data.length}`);
  }
  const headerLen = 4 + 4 * shape.length;
  const out = new Uint8Array(headerLen + count * type.itemsize);
  const view = new DataView(out.buffer);
  out[2] = type.code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const body = out.subarray(headerLen);
  body.set(src);
  if (LITTLE_ENDIAN_HOST && type.itemsize > 1) swapInPlace(body, type.itemsize);
  return out;
}
