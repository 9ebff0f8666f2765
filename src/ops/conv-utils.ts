/** Option types and shape arithmetic shared by the conv ops (ops/conv.ts) and the conv/pooling layers. */
import { ValueError } from '../core/errors.js';
import type { Conv2DParams, Pool2DParams } from '../core/primitives.js';
import type { Tensor } from '../core/tensor.js';

export type Padding = 'valid' | 'same' | number | [number, number] | [[number, number], [number, number]];
export type DataFormat = 'channelsLast' | 'channelsFirst';
export type Pair = number | [number, number];

export interface Conv2DOptions {
  /** default 1 */
  strides?: Pair;
  /** default 'valid' */
  padding?: Padding;
  /** default 1 (atrous convolution when > 1) */
  dilations?: Pair;
  /** split input and output channels into this many independent groups (default 1) */
  groups?: number;
  /** default 'channelsLast' */
  dataFormat?: DataFormat;
}

export interface Conv2DTransposeOptions {
  strides?: Pair;
  /** 'valid' | 'same' (Keras rule for the output size) or numbers (PyTorch's: rows/columns cropped from the output) */
  padding?: Padding;
  /** extra rows/columns at the bottom/right of the output (Keras/PyTorch `output_padding`) */
  outputPadding?: Pair | null;
  dilations?: Pair;
  dataFormat?: DataFormat;
  /** the output's spatial size [h, w] (or full shape), like tf.nn.conv2d_transpose; overrides the size rule */
  outputShape?: number[];
}

export interface Pool2DOptions {
  /** default 2 */
  poolSize?: Pair;
  /** default: the pool size */
  strides?: Pair;
  /** default 'valid'; numbers pad both sides (pads must be smaller than the window) */
  padding?: Padding;
  dataFormat?: DataFormat;
}

/** [a, b] from a number or a pair of positive integers. */
export function pair(op: string, name: string, v: Pair | undefined, def: number): [number, number] {
  const p: [number, number] = v === undefined ? [def, def] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!(Array.isArray(v) ? v.length === 2 : true) || !p.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ValueError(`${op}: ${name} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

export function normalizeDataFormat(op: string, f: string | undefined): DataFormat {
  if (f === undefined || f === null || f === 'channelsLast' || f === 'channels_last') return 'channelsLast';
  if (f === 'channelsFirst' || f === 'channels_first') return 'channelsFirst';
  throw new ValueError(`${op}: dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(f)}`);
}

/** Checks a padding value and returns it in canonical form ('valid', 'same' or [[t, b], [l, r]]). */
export function normalizePadding(op: string, padding: Padding | string | undefined): 'valid' | 'same' | [[number, number], [number, number]] {
  if (padding === undefined) return 'valid';
  if (typeof padding === 'string') {
    const s = padding.toLowerCase();
    if (s === 'valid' || s === 'same') return s;
    throw new ValueError(`${op}: padding must be 'valid', 'same', a number or pairs of numbers, got ${JSON.stringify(padding)}`);
  }
  const bad = (): never => {
    throw new ValueError(`${op}: padding must be 'valid', 'same', p, [ph, pw] or [[top, bottom], [left, right]] with non-negative integers, got ${JSON.stringify(padding)}`);
  };
  const ok = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
  if (typeof padding === 'number') return ok(padding) ? [[padding, padding], [padding, padding]] : bad();
  if (!Array.isArray(padding) || padding.length !== 2) return bad();
  const [a, b] = padding as unknown[];
  if (ok(a) && ok(b)) return [[a, a], [b, b]];
  if (Array.isArray(a) && Array.isArray(b) && a.length === 2 && b.length === 2 && [...a, ...b].every(ok)) return [[a[0], a[1]], [b[0], b[1]]];
  return bad();
}

/** TensorFlow's 'same' padding of one axis: [before, after], the extra element after. */
export function samePads(size: number, k: number, stride: number, dilation = 1): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Explicit pads [top, bottom, left, right] for an NHWC input of spatial size [h, w]. */
export function resolvePads(op: string, padding: Padding | string | undefined, size: [number, number], kernel: [number, number], strides: [number, number], dilations: [number, number] = [1, 1]): [number, number, number, number] {
  const p = normalizePadding(op, padding);
  if (p === 'valid') return [0, 0, 0, 0];
  if (p === 'same') return [...samePads(size[0], kernel[0], strides[0], dilations[0]), ...samePads(size[1], kernel[1], strides[1], dilations[1])];
  return [p[0][0], p[0][1], p[1][0], p[1][1]];
}

/**
 * Output length of one spatial axis (null stays null: unknown sizes in symbolic shapes). `axis` picks the
 * pads of an explicit padding (0: height, 1: width).
 */
export function convOutputLength(size: number | null, k: number, stride: number, dilation: number, padding: Padding | string | undefined, axis: 0 | 1): number | null {
  if (size === null) return null;
  const p = normalizePadding('convOutputLength', padding);
  if (p === 'same') return Math.ceil(size / stride);
  const [b, a] = p === 'valid' ? [0, 0] : p[axis];
  const span = (k - 1) * dilation + 1;
  return Math.floor((size + b + a - span) / stride) + 1;
}

/**
 * Output length of one axis of a transposed convolution (Keras 3's rule for 'valid'/'same', PyTorch's for
 * numbers), and the pad before it that the backprop-input primitive needs.
 */
export function convTransposeLength(size: number, k: number, stride: number, dilation: number, padding: Padding | string | undefined, outputPadding: number | null, axis: 0 | 1): { length: number; padBefore: number } {
  const p = normalizePadding('conv2dTranspose', padding);
  const kd = (k - 1) * dilation + 1;
  if (p === 'valid') {
    const op = outputPadding ?? Math.max(kd, stride) - kd;
    return { length: (size - 1) * stride + kd + op, padBefore: 0 };
  }
  if (p === 'same') {
    // Keras (jax backend): the transposed conv pads its dilated input by `left` before, i.e. crops kd-1-left
    const padLen = outputPadding === null ? stride + kd - 2 : kd + (kd % 2) - 2 + outputPadding;
    const left = Math.min(Math.floor(padLen / 2) + (padLen % 2), kd - 1);
    const length = outputPadding === null ? size * stride : (size - 1) * stride + (kd % 2) + outputPadding;
    return { length, padBefore: kd - 1 - left };
  }
  const [b, a] = p[axis];
  return { length: (size - 1) * stride + kd - b - a + (outputPadding ?? 0), padBefore: b };
}

/** The primitive parameters of a conv2d call on an NHWC input. */
export function conv2dParams(op: string, x: Tensor, kernel: [number, number], o: Conv2DOptions): Conv2DParams {
  const strides = pair(op, 'strides', o.strides, 1);
  const dilations = pair(op, 'dilations', o.dilations, 1);
  const groups = o.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new ValueError(`${op}: groups must be a positive integer, got ${groups}`);
  return { strides, dilations, groups, pads: resolvePads(op, o.padding, [x.shape[1], x.shape[2]], kernel, strides, dilations) };
}

/** The primitive parameters of a pooling call on an NHWC input. */
export function pool2dParams(op: string, x: Tensor, o: Pool2DOptions): Pool2DParams {
  const poolSize = pair(op, 'poolSize', o.poolSize, 2);
  const strides = o.strides === undefined || o.strides === null ? poolSize : pair(op, 'strides', o.strides, 1);
  return { poolSize, strides, pads: resolvePads(op, o.padding, [x.shape[1], x.shape[2]], poolSize, strides) };
}

