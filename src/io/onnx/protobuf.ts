/**
 * A minimal protocol-buffers writer: just what the ONNX exporter needs (varints, fixed32 floats, length-delimited
 * strings/bytes/sub-messages, packed repeated int64 and float). Wire format:
 * https://protobuf.dev/programming-guides/encoding/ — a field is a key varint `(number << 3) | wireType` then
 * its payload; wire types 0 (varint), 2 (length-delimited), 5 (32-bit).
 */
import { ValueError } from '../../core/errors.js';

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

/** A growable byte buffer with protobuf field writers. Every method returns `this` for chaining. */
export class ProtoWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(initialSize = 64) {
    this.buf = new Uint8Array(initialSize);
  }

  get length(): number {
    return this.len;
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Raw bytes, no key. */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  /**
   * A varint: non-negative integers up to 2^64 - 1 as they are, negative ones (int64 fields) as their 64-bit
   * two's complement (10 bytes), as protobuf does. Non-integers and values beyond 64 bits are a ValueError.
   */
  varint(value: number | bigint): this {
    let v: bigint;
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new ValueError(`protobuf: varint needs a safe integer, got ${value}`);
      if (value >= 0 && value < 0x80) {
        this.ensure(1);
        this.buf[this.len++] = value;
        return this;
      }
      v = BigInt(value);
    } else {
      v = value;
    }
    if (v < -(1n << 63n) || v >= 1n << 64n) throw new ValueError(`protobuf: ${v} does not fit 64 bits`);
    if (v < 0n) v = BigInt.asUintN(64, v);
    this.ensure(10);
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.buf[this.len++] = byte;
    } while (v !== 0n);
    return this;
  }

  private key(field: number, wire: number): this {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) throw new ValueError(`protobuf: bad field number ${field}`);
    return this.varint(field * 8 + wire);
  }

  /** An int32/int64/enum/bool field (varint). */
  int(field: number, value: number | bigint | boolean): this {
    return this.key(field, WIRE_VARINT).varint(typeof value === 'boolean' ? (value ? 1 : 0) : value);
  }

  /** A `float` field (fixed32, little-endian IEEE single). */
  float(field: number, value: number): this {
    this.key(field, WIRE_FIXED32);
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, value, true);
    this.len += 4;
    return this;
  }

  /** A `bytes` field. */
  bytes(field: number, value: Uint8Array): this {
    return this.key(field, WIRE_LEN).varint(value.length).raw(value);
  }

  /** A `string` field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** An embedded message field. */
  message(field: number, value: ProtoWriter | Uint8Array): this {
    return this.bytes(field, value instanceof ProtoWriter ? value.finish() : value);
  }

  /** A packed repeated varint field (int64/int32). Parsers accept packed encoding for any repeated scalar. */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter(values.length * 2);
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated float field (little-endian float32s). */
  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const n = values.length * 4;
    this.key(field, WIRE_LEN).varint(n);
    this.ensure(n);
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.len, n);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    this.len += n;
    return this;
  }

  /** The bytes written so far (a view; copy it before writing more). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** Little-endian float32 bytes of `values` (for TensorProto.raw_data). */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const f = values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  // TypedArrays are host-endian; every platform Node runs on is little-endian, but do not rely on it.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) return new Uint8Array(f.buffer.slice(f.byteOffset, f.byteOffset + f.byteLength));
  const out = new Uint8Array(f.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < f.length; i++) view.setFloat32(i * 4, f[i], true);
  return out;
}

/** Little-endian int64 bytes of `values` (for TensorProto.raw_data). */
export function int64Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (!Number.isSafeInteger(v)) throw new ValueError(`onnx: int64 value must be a safe integer, got ${v}`);
    view.setBigInt64(i * 8, BigInt(v), true);
  });
  return out;
}
