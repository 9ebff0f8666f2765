/**
 * Batch normalization on the wasm backend (core/primitives.ts NORM-PRIMITIVES) for float32 inputs whose channel
 * axis is the innermost non-trivial one (channels last: an M x C matrix). Each primitive is one pass over the
 * activations (kernels.ts bnChannelSums / bnAffine); the per-channel coefficients ([C] vectors) are computed here
 * in float64. Anything else returns null and the caller falls back to the CPU reference.
 */
import type { Storage, TensorView } from '../backend.js';
import type { OutMeta, PrimParams } from '../../core/primitives.js';
import { sizeOf } from '../../core/shape.js';
import * as K from './kernels.js';
import { alloc, free, heapF32 } from './runtime.js';
import { isRowMajor, readView, viewPtr } from './memory-views.js';

type Alloc = (dtype: 'float32', size: number) => Storage & { ptr: number };
type Norm = PrimParams['batchNorm'];

/** The M x C matrix of a row-major float32 x with channels on `axis` and nothing after it, else null. */
function channelsLast(x: TensorView, axis: number): { M: number; C: number } | null {
  if (x.dtype !== 'float32' || !isRowMajor(x) || sizeOf(x.shape.slice(axis + 1)) !== 1) return null;
  const C = x.shape[axis];
  const n = sizeOf(x.shape);
  // empty tensors keep the reference's semantics (NaN statistics of no elements)
  return C > 0 && n > 0 ? { M: n / C, C } : null;
}

const rowMajorF32 = (v: TensorView): boolean => v.dtype === 'float32' && isRowMajor(v);
const vectors = (vs: TensorView[]): boolean => vs.every((v) => v.dtype === 'float32');

/** Per-channel values of a [2, C] statistics tensor: means and 1 / sqrt(variance + epsilon). */
function statistics(stats: TensorView, C: number, epsilon: number): { mean: Float32Array; invStd: Float64Array } {
  const s = readView(stats) as Float32Array;
  const invStd = new Float64Array(C);
  for (let c = 0; c < C; c++) invStd[c] = 1 / Math.sqrt(s[C + c]! + epsilon);
  return { mean: s.subarray(0, C), invStd };
}

/** Writes `rows` (each [C]) as float32 rows of a temporary buffer; the caller frees it. */
function coefficients(rows: ArrayLike<number>[], C: number): number {
  const ptr = alloc(rows.length * C * 4);
  const F = heapF32();
  rows.forEach((r, k) => {
    for (let c = 0; c < C; c++) F[(ptr >>> 2) + k * C + c] = r[c]!;
  });
  return ptr;
}

/** [2, C] float32 output from two float64 rows. */
function twoRows(a: ArrayLike<number>, b: ArrayLike<number>, C: number, allocStorage: Alloc): Storage {
  const s = allocStorage('float32', 2 * C);
  const F = heapF32();
  for (let c = 0; c < C; c++) {
    F[(s.ptr >>> 2) + c] = a[c]!;
    F[(s.ptr >>> 2) + C + c] = b[c]!;
  }
  return s;
}

/** Mean and biased variance in one pass: sums shifted by the first row (no cancellation for |mean| >> std). */
export function momentsFast([x]: TensorView[], p: PrimParams['moments'], _out: OutMeta, allocStorage: Alloc): Storage | null {
  const l = channelsLast(x, p.axis);
  if (!l) return null;
  const { M, C } = l;
  const ptr = viewPtr(x);
  const sums = K.bnChannelSums(ptr, 0, ptr, M, C);
  const first = heapF32().subarray(ptr >>> 2, (ptr >>> 2) + C);
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const d = sums[c]! / M;
    mean[c] = first[c]! + d;
    variance[c] = Math.max(sums[C + c]! / M - d * d, 0);
  }
  return twoRows(mean, variance, C, allocStorage);
}

/** y = a (x - mean) + beta with a = gamma / sqrt(var + eps). */
export function batchNormFast([x, stats, gamma, beta]: TensorView[], p: Norm, out: OutMeta, allocStorage: Alloc): Storage | null {
  const l = channelsLast(x, p.axis);
  if (!l || !vectors([stats, gamma, beta])) return null;
  const { M, C } = l;
  const { mean, invStd } = statistics(stats, C, p.epsilon);
  const g = readView(gamma);
  const a = invStd.map((k, c) => k * g[c]!);
  const coef = coefficients([a, new Float64Array(C), mean, readView(beta)], C);
  const s = allocStorage('float32', sizeOf(out.shape));
  try {
    K.bnAffine(viewPtr(x), 0, coef, s.ptr, M, C);
  } finally {
    free(coef);
  }
  return s;
}

/** [sum(dy (x - mean)) / sqrt(var + eps), sum(dy)]: one pass over x and dy, shifted by the given mean. */
export function batchNormParamGradFast([x, stats, dy]: TensorView[], p: Norm, _out: OutMeta, allocStorage: Alloc): Storage | null {
  const l = channelsLast(x, p.axis);
  if (!l || !rowMajorF32(dy) || !vectors([stats])) return null;
  const { M, C } = l;
  const { mean, invStd } = statistics(stats, C, p.epsilon);
  const shift = coefficients([mean], C);
  let sums: Float64Array;
  try {
    sums = K.bnChannelSums(viewPtr(x), viewPtr(dy), shift, M, C);
  } finally {
    free(shift);
  }
  return twoRows(invStd.map((k, c) => k * sums[C + c]!), sums.subarray(0, C), C, allocStorage);
}

/**
 * dx = gamma k (dy - dbeta / n - xhat dgamma / n), k = 1 / sqrt(var + eps), as a dy + b (x - mean) + e with
 * a = gamma k, b = -gamma k^2 dgamma / n, e = -a dbeta / n: one pass over x and dy.
 */
export function batchNormInputGradFast([x, stats, gamma, dy, paramGrad]: TensorView[], p: Norm, out: OutMeta, allocStorage: Alloc): Storage | null {
  const l = channelsLast(x, p.axis);
  if (!l || !rowMajorF32(dy) || !vectors([stats, gamma, paramGrad])) return null;
  const { M, C } = l;
  const { mean, invStd } = statistics(stats, C, p.epsilon);
  const g = readView(gamma);
  const pg = readView(paramGrad);
  const a = invStd.map((k, c) => g[c]! * k);
  const b = invStd.map((k, c) => (-g[c]! * k * k * pg[c]!) / M);
  const e = a.map((v, c) => (-v * pg[C + c]!) / M);
  const coef = coefficients([a, b, mean, e], C);
  const s = allocStorage('float32', sizeOf(out.shape));
  try {
    K.bnAffine(viewPtr(x), viewPtr(dy), coef, s.ptr, M, C);
  } finally {
    free(coef);
  }
  return s;
}
