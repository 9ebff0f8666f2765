/**
 * The safetensors format (https://github.com/huggingface/safetensors), independent of the tensor type.
 *
 *   bytes 0..8        N, unsigned 64-bit little-endian: the header length
 *   bytes 8..8+N      UTF-8 JSON object, starting with '{', possibly padded with trailing spaces:
 *                       { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] },
 *                         ...,
 *                         "__metadata__": { "<key>": "<string value>", ... } }   (optional)
 *   bytes 8+N..       the byte buffer; data_offsets are relative to its start. Tensors are
 *                     little-endian, row-major, and together cover the buffer exactly: no gaps,
 *                     no overlaps, no trailing bytes.
 *
 * Decoding treats the input as hostile: every declared size is checked against the real byte
 * length before anything is allocated, and every problem is a {@link FormatError} naming the
 * file, the tensor, what is wrong and (where it makes sense) the byte offset.
 *
 * This module is the in-memory codec, free of Node imports (the browser build uses it); safetensors.ts
 * re-exports it and adds reading and writing files.
 */
import { FormatError, ValueError } from '../core/errors.js';
import { bf16ToFloat32, f16ToFloat32, float32ToBf16, float32ToF16 } from './half.js';

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** What each dtype decodes to. F16/BF16 widen to Float32Array; BOOL is a Uint8Array of 0/1. */
export interface SafetensorsDataMap {
  F64: Float64Array;
  F32: Float32Array;
  F16: Float32Array;
  BF16: Float32Array;
  I64: BigInt64Array;
  I32: Int32Array;
  I16: Int16Array;
  I8: Int8Array;
  U8: Uint8Array;
  BOOL: Uint8Array;
}

export type SafetensorsData = SafetensorsDataMap[SafetensorsDType];

export interface SafetensorsTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: SafetensorsData;
}

/**
 * A tensor to encode. `data` is the typed array of the dtype (see {@link SafetensorsDataMap}),
 * or a plain array of numbers (bigints allowed for I64). F16/BF16 also accept a Float64Array, or
 * a Uint16Array taken as raw bit patterns. BOOL accepts a Uint8Array of 0/1 or an array of booleans.
 */
export interface SafetensorsInput {
  dtype: SafetensorsDType;
  shape: readonly number[];
  data: ArrayLike<number> | ArrayLike<bigint> | ArrayLike<boolean>;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export const SAFETENSORS_DTYPES: readonly SafetensorsDType[] = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL'];

const ITEMSIZE: Record<SafetensorsDType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Bytes per element of a safetensors dtype. */
export function safetensorsItemsize(dtype: SafetensorsDType): number {
  if (!Object.hasOwn(ITEMSIZE, dtype)) throw new ValueError(`unknown safetensors dtype ${JSON.stringify(dtype)}`);
  return ITEMSIZE[dtype];
}

/** Largest header accepted (same limit as the reference implementation). */
export const MAX_HEADER_BYTES = 100_000_000;
/** Deepest JSON nesting accepted in a header; a valid header nests 3 deep ({ { [ ). */
export const MAX_JSON_DEPTH = 64;
/** Most dimensions a tensor may have. */
export const MAX_RANK = 255;

const METADATA_KEY = '__metadata__';
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

type TypedCtor = { new (n: number): ArrayLike<number | bigint> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number } };

function tag(x: unknown): string {
  return Object.prototype.toString.call(x).slice(8, -1);
}

/** Converts one input tensor to its little-endian bytes, validating it (ValueError on misuse). */
function tensorBytes(name: string, t: SafetensorsInput): Uint8Array {
  const { dtype, shape, data } = t;
  if (!Object.hasOwn(ITEMSIZE, dtype)) {
    throw new ValueError(`encodeSafetensors: tensor ${JSON.stringify(name)} has unknown dtype ${JSON.stringify(dtype)}; expected one of ${SAFETENSORS_DTYPES.join(', ')}`);
  }
  if (!Array.isArray(shape) || shape.length > MAX_RANK) {
    throw new ValueError(`encodeSafetensors: tensor ${JSON.stringify(name)}: shape must be an array of at most ${MAX_RANK} dimensions`);
  }
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ValueError(`encodeSafetensors: tensor ${JSON.stringify(name)}: dimension ${d} in shape [${shape.join(', ')}] is not a non-negative integer`);
    }
    count *= d;
  }
  if (data === null || typeof data !== 'object' || typeof (data as ArrayLike<unknown>).length !== 'number') {
    throw new ValueError(`encodeSafetensors: tensor ${JSON.stringify(name)}: data must be a typed array or an array, got ${tag(data)}`);
  }
  if (data.length !== count) {
    throw new ValueError(`encodeSafetensors: tensor ${JSON.stringify(name)}: shape [${shape.join(', ')}] has ${count} elements but data has ${data.length}`);
  }
  const bad = (what: string): never => {
    throw new ValueError(`encodeSafetensors: tensor ${JSON.stringify(name)} (${dtype}): ${what}`);
  };
  let typed: ArrayBufferView;
  const fromPlain = (Ctor: TypedCtor, check?: (v: number) => boolean): ArrayBufferView => {
    if (!Array.isArray(data)) bad(`data must be a ${Ctor.name} or a plain array, got ${tag(data)}`);
    const out = new Ctor(count) as unknown as { [i: number]: number } & ArrayBufferView;
    for (let i = 0; i < count; i++) {
      const v = (data as ArrayLike<unknown>)[i];
      if (typeof v !== 'number' || (check && !check(v))) bad(`element ${i} (${String(v)}) does not fit`);
      out[i] = v as number;
    }
    return out;
  };
  const intIn = (lo: number, hi: number) => (v: number) => Number.isInteger(v) && v >= lo && v <= hi;
  switch (dtype) {
    case 'F64':
      typed = data instanceof Float64Array ? data : fromPlain(Float64Array as unknown as TypedCtor);
      break;
    case 'F32':
      typed = data instanceof Float32Array ? data : fromPlain(Float32Array as unknown as TypedCtor);
      break;
    case 'F16':
    case 'BF16': {
      if (data instanceof Uint16Array) {
        typed = data; // raw bit patterns
      } else if (data instanceof Float32Array || data instanceof Float64Array || Array.isArray(data)) {
        if (Array.isArray(data) && !data.every((v) => typeof v === 'number')) bad('plain-array data must hold numbers');
        typed = dtype === 'F16' ? float32ToF16(data as ArrayLike<number>) : float32ToBf16(data as ArrayLike<number>);
      } else {
        typed = bad(`data must be a Float32Array, Float64Array, number[] or Uint16Array of raw bits, got ${tag(data)}`);
      }
      break;
    }
    case 'I64': {
      if (data instanceof BigInt64Array) {
        typed = data;
      } else if (Array.isArray(data) || data instanceof Int32Array) {
        const out = new BigInt64Array(count);
        for (let i = 0; i < count; i++) {
          const v = (data as ArrayLike<unknown>)[i];
          if (typeof v === 'bigint') {
            if (v < -(2n ** 63n) || v >= 2n ** 63n) bad(`element ${i} (${v}) does not fit in 64 bits`);
            out[i] = v;
          } else if (typeof v === 'number' && Number.isSafeInteger(v)) {
            out[i] = BigInt(v);
          } else {
            bad(`element ${i} (${String(v)}) is not an integer`);
          }
        }
        typed = out;
      } else {
        typed = bad(`data must be a BigInt64Array, Int32Array or an array of integers, got ${tag(data)}`);
      }
      break;
    }
    case 'I32':
      typed = data instanceof Int32Array ? data : fromPlain(Int32Array as unknown as TypedCtor, intIn(-(2 ** 31), 2 ** 31 - 1));
      break;
    case 'I16':
      typed = data instanceof Int16Array ? data : fromPlain(Int16Array as unknown as TypedCtor, intIn(-32768, 32767));
      break;
    case 'I8':
      typed = data instanceof Int8Array ? data : fromPlain(Int8Array as unknown as TypedCtor, intIn(-128, 127));
      break;
    case 'U8':
      typed = data instanceof Uint8Array ? data : fromPlain(Uint8Array as unknown as TypedCtor, intIn(0, 255));
      break;
    case 'BOOL': {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        const v = (data as ArrayLike<unknown>)[i];
        if (v === true || v === 1) out[i] = 1;
        else if (v === false || v === 0) out[i] = 0;
        else bad(`element ${i} (${String(v)}) is not a boolean (true/false or 0/1)`);
      }
      typed = out;
      break;
    }
  }
  const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  const size = ITEMSIZE[dtype];
  if (LITTLE_ENDIAN_HOST || size === 1) return bytes;
  const copy = bytes.slice();
  swapInPlace(copy, size);
  return copy;
}

/**
 * Encodes tensors as a safetensors file. Tensors are written in sorted name order (code-unit
 * order), the header is compact JSON (`__metadata__` first, then tensors, each with keys dtype,
 * shape, data_offsets) padded with spaces to a multiple of 8 bytes: the same input always gives
 * the same bytes. Throws ValueError on a malformed input (unknown dtype, data length not matching
 * shape, a value that does not fit the dtype, a duplicate or reserved name, non-string metadata).
 */
export function encodeSafetensors(
  tensors: readonly (SafetensorsInput & { name: string })[] | Record<string, SafetensorsInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries: [string, SafetensorsInput][] = [];
  if (Array.isArray(tensors)) {
    const seen = new Set<string>();
    for (const t of tensors) {
      if (typeof t?.name !== 'string') throw new ValueError(`encodeSafetensors: every tensor needs a string name`);
      if (seen.has(t.name)) throw new ValueError(`encodeSafetensors: duplicate tensor name ${JSON.stringify(t.name)}`);
      seen.add(t.name);
      entries.push([t.name, t]);
    }
  } else if (tensors !== null && typeof tensors === 'object') {
    for (const name of Object.keys(tensors)) entries.push([name, (tensors as Record<string, SafetensorsInput>)[name]!]);
  } else {
    throw new ValueError(`encodeSafetensors: tensors must be an array or an object, got ${tag(tensors)}`);
  }
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

  // Built by hand rather than with JSON.stringify on an object: integer-like names such as "0"
  // would be moved first, and a name "__proto__" would be lost, breaking the documented order.
  const parts: string[] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new ValueError(`encodeSafetensors: metadata must be an object of strings`);
    }
    const meta: string[] = [];
    for (const k of Object.keys(metadata).sort()) {
      const v = metadata[k];
      if (typeof v !== 'string') throw new ValueError(`encodeSafetensors: metadata ${JSON.stringify(k)} must be a string, got ${tag(v)}`);
      meta.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${meta.join(',')}}`);
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === METADATA_KEY) throw new ValueError(`encodeSafetensors: ${METADATA_KEY} is reserved and cannot name a tensor`);
    if (t === null || typeof t !== 'object') throw new ValueError(`encodeSafetensors: tensor ${JSON.stringify(name)} is not an object`);
    const bytes = tensorBytes(name, t);
    const info = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const headerBytes = new Uint8Array(padded).fill(0x20);
  headerBytes.set(json);
  json = headerBytes;

  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  let pos = 8 + padded;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/**
 * Checks JSON nesting depth with a quick byte scan (strings and escapes skipped) so a hostile
 * header like `[[[[...` is refused before JSON.parse. Returns the offending index or -1.
 */
function findExcessiveNesting(bytes: Uint8Array, start: number, end: number, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return -1;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the key is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Decodes a safetensors file held in `bytes`; `file` names the source in error messages.
 * Tensor data is copied into fresh arrays (never views of `bytes`). Throws FormatError on any
 * deviation from the format.
 */
export function decodeSafetensors(bytes: Uint8Array, file = '<buffer>'): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) {
    throw new ValueError(`decodeSafetensors: expected a Uint8Array, got ${tag(bytes)}`);
  }
  const fail = (detail: string, offset?: number): never => {
    throw new FormatError(file, `safetensors: ${detail}`, offset);
  };
  const len = bytes.length;
  if (len < 8) fail(`file is ${len} bytes, too short for the 8-byte header length`, len);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const n = hi * 2 ** 32 + lo; // exact below 2^53; anything larger fails the next check anyway
  if (n > len - 8) {
    fail(`header length ${hi === 0 ? n : BigInt(hi) * 2n ** 32n + BigInt(lo)} exceeds the ${len - 8} bytes after the length field`, 0);
  }
  if (n > MAX_HEADER_BYTES) fail(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`, 0);
  if (n < 2) fail(`header length ${n} is too small to hold a JSON object`, 0);
  const hStart = 8;
  const hEnd = 8 + n;
  if (bytes[hStart] !== 0x7b) fail(`header must be a JSON object starting with '{', found byte 0x${bytes[hStart]!.toString(16).padStart(2, '0')}`, hStart);
  const deep = findExcessiveNesting(bytes, hStart, hEnd, MAX_JSON_DEPTH);
  if (deep >= 0) fail(`header JSON nests deeper than ${MAX_JSON_DEPTH} levels`, deep);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(hStart, hEnd));
  } catch {
    return fail(`header is not valid UTF-8`, hStart);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON: ${(e as Error).message}`, hStart);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    fail(`header must be a JSON object, found ${describe(header)}`, hStart);
  }

  const bufStart = hEnd;
  const bufLen = len - bufStart;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  const h = header as Record<string, unknown>;
  for (const name of Object.keys(h)) {
    const info = h[name];
    const q = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
    if (name === METADATA_KEY) {
      if (info === null) continue; // explicit "no metadata", as the reference implementation allows
      if (typeof info !== 'object' || Array.isArray(info)) fail(`${METADATA_KEY} must be an object of strings, found ${describe(info)}`, hStart);
      for (const [k, v] of Object.entries(info as object)) {
        if (typeof v !== 'string') fail(`${METADATA_KEY} value for ${JSON.stringify(k)} must be a string, found ${describe(v)}`, hStart);
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`tensor ${q}: entry must be an object, found ${describe(info)}`, hStart);
    const { dtype, shape, data_offsets: offs } = info as Record<string, unknown>;
    if (typeof dtype !== 'string' || !Object.hasOwn(ITEMSIZE, dtype)) {
      fail(`tensor ${q}: dtype must be one of ${SAFETENSORS_DTYPES.join(', ')}; found ${describe(dtype)}`, hStart);
    }
    if (!Array.isArray(shape)) fail(`tensor ${q}: shape must be an array, found ${describe(shape)}`, hStart);
    const sh = shape as unknown[];
    if (sh.length > MAX_RANK) fail(`tensor ${q}: shape has ${sh.length} dimensions, more than the limit of ${MAX_RANK}`, hStart);
    for (let i = 0; i < sh.length; i++) {
      const d = sh[i];
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
        fail(`tensor ${q}: shape[${i}] must be a non-negative integer below 2^53, found ${describe(d)}`, hStart);
      }
    }
    if (!Array.isArray(offs) || offs.length !== 2) fail(`tensor ${q}: data_offsets must be an array [begin, end], found ${describe(offs)}`, hStart);
    const [begin, end] = offs as unknown[];
    for (const [which, v] of [['begin', begin], ['end', end]] as const) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
        fail(`tensor ${q}: data_offsets ${which} must be a non-negative integer below 2^53, found ${describe(v)}`, hStart);
      }
    }
    const b = begin as number;
    const e = end as number;
    if (b > e) fail(`tensor ${q}: data_offsets [${b}, ${e}] has begin after end`, hStart);
    if (e > bufLen) fail(`tensor ${q}: data_offsets [${b}, ${e}] run past the end of the ${bufLen}-byte data buffer`, bufStart + Math.min(b, bufLen));
    const itemsize = ITEMSIZE[dtype as SafetensorsDType];
    // Element count, stopping as soon as it exceeds what the range could hold (no overflow).
    const dims = sh as number[];
    const span = e - b;
    let count = dims.includes(0) ? 0 : 1;
    let tooBig = false;
    for (let i = 0; count !== 0 && i < dims.length && !tooBig; i++) {
      count *= dims[i]!;
      tooBig = count * itemsize > span;
    }
    if (tooBig || count * itemsize !== span) {
      fail(
        `tensor ${q}: shape [${dims.join(', ')}] of ${dtype} needs ${tooBig ? `more than ${span}` : count * itemsize} bytes ` +
          `but data_offsets [${b}, ${e}] span ${span}`,
        bufStart + b,
      );
    }
    entries.push({ name, dtype: dtype as SafetensorsDType, shape: dims.slice(), begin: b, end: e });
  }

  // The tensors must tile the buffer exactly.
  const sorted = entries.slice().sort((x, y) => x.begin - y.begin || x.end - y.end);
  let pos = 0;
  let prev: Entry | undefined;
  for (const t of sorted) {
    if (t.begin > pos) {
      fail(`gap of ${t.begin - pos} unused bytes in the data buffer before tensor ${JSON.stringify(t.name)} (data_offsets [${t.begin}, ${t.end}])`, bufStart + pos);
    }
    if (t.begin < pos) {
      fail(
        `tensor ${JSON.stringify(t.name)} (data_offsets [${t.begin}, ${t.end}]) overlaps tensor ${JSON.stringify(prev!.name)} (data_offsets [${prev!.begin}, ${prev!.end}])`,
        bufStart + t.begin,
      );
    }
    pos = t.end;
    prev = t;
  }
  if (pos !== bufLen) fail(`${bufLen - pos} trailing bytes after the last tensor are not covered by any tensor`, bufStart + pos);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const t of sorted) {
    const raw = bytes.subarray(bufStart + t.begin, bufStart + t.end);
    tensors.set(t.name, { dtype: t.dtype, shape: t.shape, data: decodeData(raw, t, fail, bufStart) });
  }
  return { tensors, metadata };
}

function decodeData(raw: Uint8Array, t: Entry, fail: (d: string, o?: number) => never, bufStart: number): SafetensorsData {
  const size = ITEMSIZE[t.dtype];
  const copy = new Uint8Array(raw.length); // fresh, aligned
  copy.set(raw);
  if (!LITTLE_ENDIAN_HOST && size > 1) swapInPlace(copy, size);
  const buf = copy.buffer;
  const n = copy.length / size;
  switch (t.dtype) {
    case 'F64':
      return new Float64Array(buf, 0, n);
    case 'F32':
      return new Float32Array(buf, 0, n);
    case 'F16':
      return f16ToFloat32(new Uint16Array(buf, 0, n));
    case 'BF16':
      return bf16ToFloat32(new Uint16Array(buf, 0, n));
    case 'I64':
      return new BigInt64Array(buf, 0, n);
    case 'I32':
      return new Int32Array(buf, 0, n);
    case 'I16':
      return new Int16Array(buf, 0, n);
    case 'I8':
      return new Int8Array(buf, 0, n);
    case 'U8':
      return copy;
    case 'BOOL': {
      for (let i = 0; i < n; i++) {
        if (copy[i]! > 1) fail(`tensor ${JSON.stringify(t.name)}: BOOL element ${i} is byte ${copy[i]}, expected 0 or 1`, bufStart + t.begin + i);
      }
      return copy;
    }
  }
}

function swapInPlace(b: Uint8Array, itemsize: number): void {
  for (let i = 0; i < b.length; i += itemsize) {
    for (let lo = i, hi = i + itemsize - 1; lo < hi; lo++, hi--) {
      const x = b[lo]!;
      b[lo] = b[hi]!;
      b[hi] = x;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/**
 * Converts I64 data to Int32Array, throwing ValueError naming `what` and the first element
 * outside [-2^31, 2^31).
 */
export function int64ToInt32(data: BigInt64Array | readonly bigint[], what = 'tensor'): Int32Array {
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < -2147483648n || v > 2147483647n) {
      throw new ValueError(`${what}: element ${i} is ${v}, outside the int32 range [-2^31, 2^31)`);
    }
    out[i] = Number(v);
  }
  return out;
}
