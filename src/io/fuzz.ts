/**
 * A deterministic mutation fuzzer for byte-level parsers.
 *
 * Given valid inputs (a corpus of {@link FuzzSeed}s) and a parse function, it produces mutated
 * inputs — truncations, bit flips, byte overwrites, edits of length/size fields, inserted and
 * deleted bytes, and for JSON headers structural edits (NaN, huge, negative and fractional
 * numbers, wrong types, deep nesting, missing/duplicated keys) — and checks that every one either
 * parses or throws a FormatError. Anything else (a RangeError, a TypeError, a case slower than the
 * time limit, a hang) is a failure, reported with the seed and case index that reproduce it:
 * `mutate(corpus, seed, index)` always gives the same bytes.
 *
 * {@link runFuzz} runs in the calling thread (fast; a slow case is flagged after it returns, but
 * an infinite loop would block). {@link runFuzzIsolated} runs the parser in a worker thread with a
 * watchdog that terminates it on a hang, records the case and carries on.
 */
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FormatError } from '../core/errors.js';

// ---------------------------------------------------------------------------------------------
// Corpus description (plain data, so it can be sent to a worker)
// ---------------------------------------------------------------------------------------------

/** An integer field of the format (a length, a dimension, a type code) worth editing. */
export interface IntField {
  offset: number;
  size: 1 | 2 | 4 | 8;
  endian: 'le' | 'be';
}

/**
 * Built-in ways to find a JSON header inside a file: 'u64le-prefixed' (safetensors), 'whole-file' (the file is
 * JSON, e.g. model.json), 'embedded-object' (the first JSON object starting with `{"class_name"` inside a binary
 * file, e.g. a Keras .h5 model_config; edits keep its length, padding with spaces or cutting, unless the length
 * is "not fixed").
 */
export type JsonHeaderLayoutName = 'u64le-prefixed' | 'whole-file' | 'embedded-object';

/** One valid input plus what the mutator should know about its structure. */
export interface FuzzSeed {
  bytes: Uint8Array;
  /** Integer fields to edit with interesting values. */
  intFields?: IntField[];
  /** Where a JSON header lives, for structural JSON mutations. */
  jsonHeader?: JsonHeaderLayoutName;
  /** Size of the header region; byte-level mutations land there more often. Default 64. */
  hot?: number;
}

interface JsonHeaderLayout {
  extract(bytes: Uint8Array): string | undefined;
  rebuild(bytes: Uint8Array, header: string, fixLength: boolean): Uint8Array;
}

const JSON_LAYOUTS: Record<JsonHeaderLayoutName, JsonHeaderLayout> = {
  /** 8-byte little-endian length N, then N bytes of JSON (safetensors). */
  'u64le-prefixed': {
    extract(bytes) {
      if (bytes.length < 8) return undefined;
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const n = v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32;
      if (n > bytes.length - 8) return undefined;
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
      } catch {
        return undefined;
      }
    },
    rebuild(bytes, header, fixLength) {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const n = v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32;
      const h = new TextEncoder().encode(header);
      const rest = bytes.subarray(8 + n);
      const out = new Uint8Array(8 + h.length + rest.length);
      out.set(bytes.subarray(0, 8));
      if (fixLength) {
        const ov = new DataView(out.buffer);
        ov.setUint32(0, h.length, true);
        ov.setUint32(4, 0, true);
      }
      out.set(h, 8);
      out.set(rest, 8 + h.length);
      return out;
    },
  },
  'whole-file': {
    extract(bytes) {
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        return undefined;
      }
    },
    rebuild(_bytes, header) {
      return new TextEncoder().encode(header);
    },
  },
  'embedded-object': {
    extract(bytes) {
      const span = embeddedObjectSpan(bytes);
      return span ? new TextDecoder('latin1').decode(bytes.subarray(span[0], span[1])) : undefined;
    },
    rebuild(bytes, header, fixLength) {
      const span = embeddedObjectSpan(bytes)!;
      const len = span[1] - span[0];
      let h = new TextEncoder().encode(header);
      if (fixLength) {
        const fitted = new Uint8Array(len).fill(0x20);
        fitted.set(h.subarray(0, len));
        h = fitted;
      }
      const out = new Uint8Array(bytes.length - len + h.length);
      out.set(bytes.subarray(0, span[0]));
      out.set(h, span[0]);
      out.set(bytes.subarray(span[1]), span[0] + h.length);
      return out;
    },
  },
};

/** [start, end) of the first balanced JSON object starting with `{"class_name"` in the bytes. */
function embeddedObjectSpan(bytes: Uint8Array): [number, number] | undefined {
  const marker = [0x7b, 0x22, 0x63, 0x6c, 0x61, 0x73, 0x73, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x22]; // {"class_name"
  let start = -1;
  outer: for (let i = 0; i + marker.length <= bytes.length; i++) {
    for (let j = 0; j < marker.length; j++) if (bytes[i + j] !== marker[j]) continue outer;
    start = i;
    break;
  }
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return [start, i + 1];
    } else if (c === 0) return undefined;
  }
  return undefined;
}

/** Corpus entry for an IDX file: edits the type code, ndims and every dimension. */
export function idxFuzzSeed(bytes: Uint8Array): FuzzSeed {
  const intFields: IntField[] = [
    { offset: 2, size: 1, endian: 'be' },
    { offset: 3, size: 1, endian: 'be' },
  ];
  const ndims = bytes.length >= 4 ? bytes[3]! : 0;
  for (let i = 0; i < ndims && 4 + 4 * i + 4 <= bytes.length; i++) intFields.push({ offset: 4 + 4 * i, size: 4, endian: 'be' });
  return { bytes, intFields, hot: 4 + 4 * ndims };
}

/** Corpus entry for a JSON file (model.json): structural JSON mutations and byte edits anywhere. */
export function jsonFuzzSeed(bytes: Uint8Array): FuzzSeed {
  return { bytes, jsonHeader: 'whole-file', hot: bytes.length };
}

/**
 * Corpus entry for a binary file holding a JSON config (a Keras .h5 model): byte edits anywhere in the file and
 * JSON mutations of the embedded `{"class_name": ...}` object.
 */
export function embeddedJsonFuzzSeed(bytes: Uint8Array): FuzzSeed {
  return { bytes, jsonHeader: 'embedded-object', hot: bytes.length };
}

/** Corpus entry for a safetensors file: edits the header length and mutates the JSON header. */
export function safetensorsFuzzSeed(bytes: Uint8Array): FuzzSeed {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length >= 8 ? v.getUint32(0, true) : 0;
  return { bytes, intFields: [{ offset: 0, size: 8, endian: 'le' }], jsonHeader: 'u64le-prefixed', hot: 8 + n };
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

function hash32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

class Rng {
  private s: number;
  constructor(seed: number, index: number) {
    this.s = hash32(hash32(seed >>> 0) ^ hash32((index + 0x9e3779b9) >>> 0)) || 1;
  }
  /** uniform 32-bit (mulberry32) */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** integer in [0, n) */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 2 ** 32) * n);
  }
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

export interface Mutation {
  bytes: Uint8Array;
  /** Human-readable description, e.g. "bitflip @13 bit 4 | truncate to 20". */
  description: string;
  /** The mutation family (for per-family counts). */
  kind: string;
}

const SPECIAL_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x20, 0x22, 0x5b, 0x7b, 0x7d];

/** A position, landing inside the hot (header) region most of the time. */
function position(rng: Rng, len: number, hot: number, inclusiveEnd = false): number {
  const span = len + (inclusiveEnd ? 1 : 0);
  if (span <= 0) return 0;
  if (rng.chance(0.7)) return rng.int(Math.min(span, Math.max(1, hot + 1)));
  return rng.int(span);
}

function readInt(b: Uint8Array, f: IntField): number {
  let v = 0;
  for (let i = 0; i < f.size; i++) {
    const byte = b[f.offset + (f.endian === 'be' ? i : f.size - 1 - i)]!;
    v = v * 256 + byte;
  }
  return v;
}

function writeInt(b: Uint8Array, f: IntField, value: number): void {
  // value may exceed 2^53 imprecisely; fine for fuzzing. Negative wraps to two's complement.
  let v = BigInt.asUintN(f.size * 8, BigInt(Math.trunc(value)));
  for (let i = f.size - 1; i >= 0; i--) {
    b[f.offset + (f.endian === 'be' ? i : f.size - 1 - i)] = Number(v & 0xffn);
    v >>= 8n;
  }
}

type ByteMutator = (rng: Rng, b: Uint8Array, seed: FuzzSeed) => [Uint8Array, string];

const BYTE_MUTATORS: Record<string, ByteMutator> = {
  truncate(rng, b, s) {
    const k = position(rng, b.length, s.hot ?? 64);
    return [b.slice(0, k), `truncate to ${k}`];
  },
  bitflip(rng, b, s) {
    const out = b.slice();
    const n = 1 + rng.int(4);
    const at: string[] = [];
    for (let i = 0; i < n && out.length; i++) {
      const p = position(rng, out.length, s.hot ?? 64);
      const bit = rng.int(8);
      out[p]! ^= 1 << bit;
      at.push(`@${p}b${bit}`);
    }
    return [out, `bitflip ${at.join(',')}`];
  },
  overwrite(rng, b, s) {
    const out = b.slice();
    const n = 1 + rng.int(4);
    const at: string[] = [];
    for (let i = 0; i < n && out.length; i++) {
      const p = position(rng, out.length, s.hot ?? 64);
      const v = rng.chance(0.8) ? rng.pick(SPECIAL_BYTES) : rng.int(256);
      out[p] = v;
      at.push(`@${p}=0x${v.toString(16)}`);
    }
    return [out, `overwrite ${at.join(',')}`];
  },
  'int-field'(rng, b, s) {
    const fields = (s.intFields ?? []).filter((f) => f.offset + f.size <= b.length);
    if (fields.length === 0) return BYTE_MUTATORS['overwrite']!(rng, b, s);
    const f = rng.pick(fields);
    const orig = readInt(b, f);
    const max = 2 ** (8 * f.size) - 1;
    const candidates = [0, 1, 2, 7, 8, max, max - 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53, 2 ** 63, orig + 1, orig - 1, orig * 2, Math.floor(orig / 2), orig + 8, orig - 8, b.length, b.length - 8, b.length + 1, rng.u32(), rng.int(256)];
    const value = rng.pick(candidates);
    const out = b.slice();
    writeInt(out, f, value);
    return [out, `int-field @${f.offset}/${f.size}${f.endian} ${orig} -> ${value}`];
  },
  insert(rng, b, s) {
    const p = position(rng, b.length, s.hot ?? 64, true);
    const n = 1 + rng.int(16);
    const fill = rng.chance(0.5) ? rng.pick(SPECIAL_BYTES) : -1;
    const ins = new Uint8Array(n).map(() => (fill >= 0 ? fill : rng.int(256)));
    const out = new Uint8Array(b.length + n);
    out.set(b.subarray(0, p));
    out.set(ins, p);
    out.set(b.subarray(p), p + n);
    return [out, `insert ${n} bytes @${p}`];
  },
  delete(rng, b, s) {
    const p = position(rng, b.length, s.hot ?? 64);
    const n = Math.min(b.length - p, 1 + rng.int(16));
    const out = new Uint8Array(b.length - n);
    out.set(b.subarray(0, p));
    out.set(b.subarray(p + n), p);
    return [out, `delete ${n} bytes @${p}`];
  },
  duplicate(rng, b, s) {
    const from = position(rng, b.length, s.hot ?? 64);
    const n = Math.min(b.length - from, 1 + rng.int(32));
    const to = rng.int(b.length + 1);
    const out = new Uint8Array(b.length + n);
    out.set(b.subarray(0, to));
    out.set(b.subarray(from, from + n), to);
    out.set(b.subarray(to), to + n);
    return [out, `duplicate ${n} bytes from @${from} to @${to}`];
  },
  append(rng, b) {
    const n = 1 + rng.int(64);
    const out = new Uint8Array(b.length + n);
    out.set(b);
    const fill = rng.pick(SPECIAL_BYTES);
    out.fill(fill, b.length);
    return [out, `append ${n} × 0x${fill.toString(16)}`];
  },
};

// JSON-level mutations ------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Raw JSON texts that JSON.stringify cannot produce, spliced in through placeholders. */
function rawValues(rng: Rng): string[] {
  const depth = rng.pick([65, 200, 5000, 100000]);
  return [
    'NaN',
    'Infinity',
    '-Infinity',
    '1e400',
    '-1e400',
    '-0',
    '18446744073709551616',
    '123456789012345678901234567890',
    '9007199254740993',
    '1e-400',
    '0x10',
    '01',
    '[' .repeat(depth) + ']'.repeat(depth),
    '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
    '['.repeat(depth),
    'undefined',
    "'single'",
  ];
}

function interestingValue(rng: Rng): Json | { raw: string } {
  if (rng.chance(0.35)) return { raw: rng.pick(rawValues(rng)) };
  return rng.pick<Json>([
    -1,
    -8,
    0,
    1,
    1.5,
    0.1,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    2 ** 53 + 2,
    2 ** 64,
    1e308,
    Number.MAX_SAFE_INTEGER,
    '',
    'F32',
    'I64',
    'BOOL',
    'x'.repeat(1000),
    '\u0000',
    null,
    true,
    false,
    [],
    {},
    [0],
    [0, 0],
    [-1, 4],
    [4, 0],
    [0, 1, 2],
    ['0', '4'],
    [1e20, 1e20],
    [[1]],
    new Array(300).fill(1),
    { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
    { a: 1 },
  ]);
}

/** Paths to every node of a JSON tree (the root is []). */
function allPaths(v: Json, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(path);
  if (out.length > 5000) return out;
  if (Array.isArray(v)) v.forEach((x, i) => allPaths(x, [...path, i], out));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) allPaths(v[k]!, [...path, k], out);
  return out;
}

function getAt(root: Json, path: (string | number)[]): Json {
  let v: Json = root;
  for (const k of path) v = (v as Record<string | number, Json>)[k]!;
  return v;
}

function setAt(root: Json, path: (string | number)[], value: Json): Json {
  if (path.length === 0) return value;
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, Json>;
  parent[path[path.length - 1]!] = value;
  return root;
}

function jsonMutate(rng: Rng, text: string): [string, string] {
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch {
    return [text.slice(0, rng.int(text.length)), 'json-text truncate (unparsable original)'];
  }
  const raws: string[] = [];
  const placeholder = (raw: string): string => {
    raws.push(raw);
    return `@@RAW${raws.length - 1}@@`;
  };
  const paths = allPaths(root);
  const textInsert = (): [string, string] => {
    const p = rng.int(text.length + 1);
    const ins = rng.pick(['"', '\\', '{', '}', '[', ']', ',', ':', '\u00e9', '\uffff', '\ud800', ' ', '\n', '/*']);
    return [text.slice(0, p) + ins + text.slice(p), `json-text insert ${JSON.stringify(ins)} @${p}`];
  };
  const choice = rng.int(8);
  let desc: string;
  switch (choice) {
    case 0:
    case 1:
    case 2: {
      const p = rng.pick(paths);
      const v = interestingValue(rng);
      const val: Json = v !== null && typeof v === 'object' && 'raw' in v && typeof v.raw === 'string' ? placeholder(v.raw) : (v as Json);
      root = setAt(root, p, val);
      const shown = typeof val === 'string' && val.startsWith('@@RAW') ? raws[raws.length - 1]!.slice(0, 24) : JSON.stringify(val).slice(0, 24);
      desc = `json-value ${JSON.stringify(p)} = ${shown}`;
      break;
    }
    case 3: {
      const objs = paths.filter((p) => {
        const v = getAt(root, p);
        return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0;
      });
      if (objs.length === 0) return textInsert();
      const p = rng.pick(objs);
      const o = getAt(root, p) as Record<string, Json>;
      const k = rng.pick(Object.keys(o));
      delete o[k];
      desc = `json-delete ${JSON.stringify([...p, k])}`;
      break;
    }
    case 4: {
      const objs = paths.filter((p) => {
        const v = getAt(root, p);
        return v !== null && typeof v === 'object' && !Array.isArray(v);
      });
      if (objs.length === 0) return textInsert();
      const p = rng.pick(objs);
      const o = getAt(root, p) as Record<string, Json>;
      const keys = Object.keys(o);
      const k = rng.pick(['__metadata__', 'dtype', 'shape', 'data_offsets', '__proto__', 'constructor', '', 'extra', ...keys.map((x) => `${x}_copy`)]);
      const src = keys.length && rng.chance(0.5) ? structuredClone(o[rng.pick(keys)]!) : (() => {
        const v = interestingValue(rng);
        return v !== null && typeof v === 'object' && 'raw' in v && typeof v.raw === 'string' ? placeholder(v.raw) : (v as Json);
      })();
      Object.defineProperty(o, k, { value: src, enumerable: true, writable: true, configurable: true });
      desc = `json-add ${JSON.stringify([...p, k])}`;
      break;
    }
    case 5: {
      // swap two values
      const a = rng.pick(paths);
      const b = rng.pick(paths);
      if (a.length === 0 || b.length === 0 || a.join('\u0000').startsWith(b.join('\u0000')) || b.join('\u0000').startsWith(a.join('\u0000'))) {
        return [text.replace(/\d+/, '-1'), 'json-text first number -> -1'];
      }
      const va = structuredClone(getAt(root, a));
      const vb = structuredClone(getAt(root, b));
      setAt(root, a, vb);
      setAt(root, b, va);
      desc = `json-swap ${JSON.stringify(a)} <-> ${JSON.stringify(b)}`;
      break;
    }
    case 6: {
      // textual: replace one number with a raw token
      const nums = [...text.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g)];
      if (nums.length === 0) return textInsert();
      const m = rng.pick(nums);
      const tok = rng.pick(['NaN', '-1', '1e400', '4294967296', '18446744073709551615', '1.5', '"7"', 'null', '[]', '9'.repeat(40)]);
      return [text.slice(0, m.index) + tok + text.slice(m.index! + m[0].length), `json-text number @${m.index} -> ${tok.slice(0, 24)}`];
    }
    default:
      // textual: structural characters
      return textInsert();
  }
  let out = JSON.stringify(root);
  if (raws.length) out = out.replace(/"@@RAW(\d+)@@"/g, (_, k: string) => raws[Number(k)]!);
  return [out, desc];
}

const BYTE_KINDS = Object.keys(BYTE_MUTATORS);

/**
 * The `index`-th mutation of `corpus` for `seed`: deterministic, independent of other indices.
 */
export function mutate(corpus: readonly FuzzSeed[], seed: number, index: number): Mutation {
  if (corpus.length === 0) throw new RangeError('mutate: empty corpus');
  const rng = new Rng(seed, index);
  const si = rng.int(corpus.length);
  const s = corpus[si]!;
  const layout = s.jsonHeader ? JSON_LAYOUTS[s.jsonHeader] : undefined;
  let bytes = s.bytes;
  const descs: string[] = [];
  let kind: string;
  if (layout && rng.chance(0.45)) {
    const text = layout.extract(bytes);
    if (text !== undefined) {
      const [t, d] = jsonMutate(rng, text);
      const fix = rng.chance(0.9);
      bytes = layout.rebuild(bytes, t, fix);
      descs.push(fix ? d : `${d} (length not fixed)`);
      kind = d.split(' ')[0]!;
      if (rng.chance(0.1)) {
        const k = rng.pick(BYTE_KINDS);
        const [b2, d2] = BYTE_MUTATORS[k]!(rng, bytes, s);
        bytes = b2;
        descs.push(d2);
      }
      return { bytes, description: `seed#${si}: ${descs.join(' | ')}`, kind };
    }
  }
  const stacked = rng.chance(0.15) ? 2 + rng.int(3) : 1;
  kind = stacked > 1 ? 'stacked' : '';
  for (let i = 0; i < stacked; i++) {
    const k = rng.pick(BYTE_KINDS);
    if (stacked === 1) kind = k;
    const [b2, d] = BYTE_MUTATORS[k]!(rng, bytes, s);
    bytes = b2;
    descs.push(d);
  }
  return { bytes, description: `seed#${si}: ${descs.join(' | ')}`, kind };
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

export interface FuzzOptions {
  /** How many mutated inputs to try. */
  count: number;
  /** Base seed (default 1). */
  seed?: number;
  /** First case index (default 0), to resume or reproduce a range. */
  start?: number;
  /** A case slower than this is a failure ('slow'); in isolated mode, no progress for this long is a hang. Default 2000 ms. */
  timeLimitMs?: number;
  /** If set, a FormatError must name this file. */
  expectFile?: string;
  /** Stop after this many failures (default 20). */
  maxFailures?: number;
}

export interface FuzzFailure {
  seed: number;
  index: number;
  mutation: string;
  kind: 'error' | 'slow' | 'hang' | 'crash';
  error?: string;
  ms?: number;
}

export interface FuzzOutcomeCounts {
  cases: number;
  parsed: number;
  rejected: number;
  failed: number;
}

export interface FuzzReport extends FuzzOutcomeCounts {
  seed: number;
  failures: FuzzFailure[];
  elapsedMs: number;
  casesPerSecond: number;
  /** Counts per mutation family. */
  byKind: Record<string, FuzzOutcomeCounts>;
  /** Slowest case seen. */
  slowest: { index: number; ms: number; mutation: string };
}

export type ParseFn = (bytes: Uint8Array) => unknown;

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message.slice(0, 300)}${e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  return `non-Error thrown: ${String(e)}`;
}

function emptyReport(seed: number): FuzzReport {
  return { seed, cases: 0, parsed: 0, rejected: 0, failed: 0, failures: [], elapsedMs: 0, casesPerSecond: 0, byKind: {}, slowest: { index: -1, ms: 0, mutation: '' } };
}

function tally(r: FuzzReport, kind: string, outcome: 'parsed' | 'rejected' | 'failed'): void {
  r.cases++;
  r[outcome]++;
  const k = (r.byKind[kind] ??= { cases: 0, parsed: 0, rejected: 0, failed: 0 });
  k.cases++;
  k[outcome]++;
}

/**
 * Runs one case: returns the outcome and, for a failure, the failure record.
 * @internal shared with the worker
 */
export function runCase(corpus: readonly FuzzSeed[], parse: ParseFn, seed: number, index: number, opts: FuzzOptions): { kind: string; outcome: 'parsed' | 'rejected' | 'failed'; failure?: FuzzFailure; ms: number; mutation: Mutation } {
  const m = mutate(corpus, seed, index);
  const limit = opts.timeLimitMs ?? 2000;
  const t0 = performance.now();
  let outcome: 'parsed' | 'rejected' | 'failed';
  let failure: FuzzFailure | undefined;
  try {
    parse(m.bytes);
    outcome = 'parsed';
  } catch (e) {
    if (e instanceof FormatError && (opts.expectFile === undefined || e.file === opts.expectFile)) {
      outcome = 'rejected';
    } else {
      outcome = 'failed';
      const why = e instanceof FormatError ? `FormatError names file ${JSON.stringify(e.file)}, expected ${JSON.stringify(opts.expectFile)}: ${e.message}` : describeError(e);
      failure = { seed, index, mutation: m.description, kind: 'error', error: why };
    }
  }
  const ms = performance.now() - t0;
  if (!failure && ms > limit) {
    outcome = 'failed';
    failure = { seed, index, mutation: m.description, kind: 'slow', ms, error: `took ${ms.toFixed(0)} ms (limit ${limit} ms)` };
  }
  return { kind: m.kind, outcome, failure, ms, mutation: m };
}

/** Checks the corpus itself parses; throws otherwise (a fuzz run on broken seeds proves nothing). */
function checkCorpus(corpus: readonly FuzzSeed[], parse: ParseFn): void {
  corpus.forEach((s, i) => {
    try {
      parse(s.bytes);
    } catch (e) {
      throw new Error(`fuzz corpus entry #${i} does not parse: ${describeError(e)}`);
    }
  });
}

/** Runs the fuzzer in this thread. */
export function runFuzz(corpus: readonly FuzzSeed[], parse: ParseFn, opts: FuzzOptions): FuzzReport {
  checkCorpus(corpus, parse);
  const seed = opts.seed ?? 1;
  const start = opts.start ?? 0;
  const maxFailures = opts.maxFailures ?? 20;
  const r = emptyReport(seed);
  const t0 = performance.now();
  for (let i = start; i < start + opts.count; i++) {
    const c = runCase(corpus, parse, seed, i, opts);
    tally(r, c.kind, c.outcome);
    if (c.ms > r.slowest.ms) r.slowest = { index: i, ms: c.ms, mutation: c.mutation.description };
    if (c.failure) {
      r.failures.push(c.failure);
      if (r.failures.length >= maxFailures) break;
    }
  }
  r.elapsedMs = performance.now() - t0;
  r.casesPerSecond = r.cases / Math.max(r.elapsedMs / 1000, 1e-9);
  return r;
}

/** Throws an Error listing every failure with what reproduces it, if the report has any. */
export function assertFuzzClean(report: FuzzReport, label = 'fuzz'): void {
  if (report.failures.length === 0) return;
  const lines = report.failures.map((f) => `  [${f.kind}] seed=${f.seed} index=${f.index} mutation: ${f.mutation}\n    ${(f.error ?? '').replace(/\n/g, '\n    ')}`);
  throw new Error(`${label}: ${report.failures.length} failing case(s) out of ${report.cases}; reproduce with mutate(corpus, seed, index):\n${lines.join('\n')}`);
}

/** Where a worker finds the parse function: a module (file URL, or a path relative to the working directory) and the export to call as `fn(bytes, file)`. */
export interface ParserRef {
  module: string;
  export: string;
  /** Second argument passed to the parser (and, by default, the file a FormatError must name). */
  file?: string;
}

/** @internal message protocol with fuzz-worker */
export interface WorkerInit {
  corpus: FuzzSeed[];
  parser: ParserRef;
  opts: FuzzOptions;
  seed: number;
  from: number;
  to: number;
  skip: number[];
  progress: SharedArrayBuffer;
  batch: number;
}

/** @internal shared with the worker */
export { tally as tallyOutcome, emptyReport as emptyFuzzReport };

/** @internal */
export interface WorkerBatch {
  type: 'batch';
  upTo: number;
  byKind: Record<string, FuzzOutcomeCounts>;
  slowest: { index: number; ms: number; mutation: string };
  failures: FuzzFailure[];
}

/**
 * Starts the worker. From the built package it is plain JS; when running from the TypeScript
 * sources (under tsx), loader hooks are not inherited by worker threads, so a small bootstrap
 * registers tsx inside the worker before importing it.
 */
function startWorker(workerData: WorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./fuzz-worker.js', import.meta.url), { workerData });
  const target = new URL('./fuzz-worker.ts', import.meta.url).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const code =
    `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(target)}); })` +
    `.catch((e) => { require('node:worker_threads').parentPort.postMessage({ type: 'fatal', error: String(e && e.stack || e) }); });`;
  return new Worker(code, { eval: true, workerData });
}

/**
 * Runs the fuzzer with the parser in a worker thread. A case making no progress for
 * `timeLimitMs` is recorded as a hang, the worker is terminated and a new one resumes after it;
 * a worker that dies (out of memory, native crash) is recorded as a crash the same way.
 */
export async function runFuzzIsolated(corpus: readonly FuzzSeed[], parser: ParserRef, opts: FuzzOptions & { batch?: number; onProgress?: (done: number, total: number) => void }): Promise<FuzzReport> {
  const seed = opts.seed ?? 1;
  const start = opts.start ?? 0;
  const end = start + opts.count;
  const limit = opts.timeLimitMs ?? 2000;
  const maxFailures = opts.maxFailures ?? 20;
  const batch = opts.batch ?? 500;
  const wopts: FuzzOptions = { count: opts.count, seed, timeLimitMs: limit, expectFile: opts.expectFile ?? parser.file, maxFailures };
  // A module given as a path (absolute, or relative to the working directory) becomes a file URL.
  const module = /^[a-z][a-z0-9+.-]+:/i.test(parser.module) && !/^[a-z]:[\\/]/i.test(parser.module) ? parser.module : pathToFileURL(resolvePath(parser.module)).href;
  parser = { ...parser, module };
  const r = emptyReport(seed);
  const skip: number[] = [];
  let acked = start;
  const t0 = performance.now();

  while (acked < end && r.failures.length < maxFailures) {
    const progress = new SharedArrayBuffer(8);
    const p32 = new Int32Array(progress);
    Atomics.store(p32, 0, acked);
    const init: WorkerInit = { corpus: corpus.map((s) => ({ ...s })), parser, opts: wopts, seed, from: acked, to: end, skip: skip.slice(), progress, batch };
    const worker = startWorker(init);
    const outcome = await new Promise<{ kind: 'done' } | { kind: 'hang' | 'crash'; index: number; error: string }>((resolve) => {
      let settled = false;
      let last = -1;
      let lastChange = performance.now();
      const finish = (v: { kind: 'done' } | { kind: 'hang' | 'crash'; index: number; error: string }) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        resolve(v);
      };
      const timer = setInterval(() => {
        const cur = Atomics.load(p32, 0);
        const now = performance.now();
        if (Atomics.load(p32, 1) === 0) {
          // still loading modules: allow a generous start-up time
          if (now - lastChange > Math.max(30_000, limit)) finish({ kind: 'crash', index: -1, error: 'worker did not start within 30 s' });
          return;
        }
        if (last === -1 || cur !== last) {
          last = cur;
          lastChange = now;
        } else if (now - lastChange > limit) {
          finish({ kind: 'hang', index: cur, error: `no progress for ${limit} ms` });
          void worker.terminate();
        }
      }, Math.max(5, Math.min(50, limit / 4)));
      worker.on('message', (msg: WorkerBatch | { type: 'done' } | { type: 'fatal'; error: string }) => {
        if (msg.type === 'batch') {
          for (const [kind, c] of Object.entries(msg.byKind)) {
            const k = (r.byKind[kind] ??= { cases: 0, parsed: 0, rejected: 0, failed: 0 });
            for (const f of ['cases', 'parsed', 'rejected', 'failed'] as const) {
              k[f] += c[f];
              r[f] += c[f];
            }
          }
          if (msg.slowest.ms > r.slowest.ms) r.slowest = msg.slowest;
          r.failures.push(...msg.failures);
          acked = msg.upTo;
          opts.onProgress?.(acked - start, opts.count);
          if (r.failures.length >= maxFailures) {
            void worker.terminate();
            finish({ kind: 'done' });
          }
        } else if (msg.type === 'done') {
          finish({ kind: 'done' });
        } else if (msg.type === 'fatal') {
          finish({ kind: 'crash', index: -1, error: msg.error });
        }
      });
      // Before the worker flags itself started, a death is a start-up failure (index -1), not a case's fault.
      const current = () => (Atomics.load(p32, 1) === 0 ? -1 : Atomics.load(p32, 0));
      worker.on('error', (e) => finish({ kind: 'crash', index: current(), error: describeError(e) }));
      worker.on('exit', (code) => finish(code === 0 ? { kind: 'done' } : { kind: 'crash', index: current(), error: `worker exited with code ${code}` }));
    });
    await worker.terminate();
    if (outcome.kind === 'done') break;
    if (outcome.index < 0) throw new Error(`fuzz worker failed to start: ${outcome.error}`);
    const m = mutate(corpus, seed, outcome.index);
    r.failures.push({ seed, index: outcome.index, mutation: m.description, kind: outcome.kind, error: outcome.error });
    tally(r, m.kind, 'failed');
    skip.push(outcome.index);
  }
  r.elapsedMs = performance.now() - t0;
  r.casesPerSecond = r.cases / Math.max(r.elapsedMs / 1000, 1e-9);
  return r;
}
