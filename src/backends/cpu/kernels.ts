/**
 * Reference kernels: plain, obviously-correct TypeScript. Every kernel first turns its inputs into row-major
 * arrays (materialize), then loops. Arithmetic runs in float64 and is rounded on store, so float32 results
 * are correctly rounded per op and float64 ones are exact to double precision.
 */
import type { KernelTable, TensorView } from '../backend.js';
import { arrayFor, type DataArray, type DType } from '../../core/dtype.js';
import { ValueError } from '../../core/errors.js';
import type { OutMeta } from '../../core/primitives.js';
import { contiguousStrides, sizeOf } from '../../core/shape.js';
import { materialize, permuted } from './strided.js';
import { makeConvKernels } from './conv.js';
import { makeNormKernels } from './batchnorm.js';
import { erf, roundHalfEven, sigmoid } from './special.js';
import type { CpuStorage } from './storage.js';

/** `adopt` turns a freshly computed array into the backend's storage (and accounts for its bytes). */
export function makeCpuKernels(adopt: (data: DataArray, dtype: DType) => CpuStorage): KernelTable {
  const wrap = (data: DataArray, out: OutMeta): CpuStorage => adopt(data, out.dtype);

  const unary = (f: (v: number) => number) => ([x]: TensorView[], _p: unknown, out: OutMeta) => {
    const a = materialize(x);
    const r = arrayFor(out.dtype, a.length);
    for (let i = 0; i < a.length; i++) r[i] = f(a[i]);
    return wrap(r, out);
  };
  const binary = (f: (a: number, b: number) => number) => ([x, y]: TensorView[], _p: unknown, out: OutMeta) => {
    const a = materialize(x);
    const b = materialize(y);
    const r = arrayFor(out.dtype, a.length);
    for (let i = 0; i < a.length; i++) r[i] = f(a[i], b[i]);
    return wrap(r, out);
  };
  /** int32 results wrap like C (|0); floats stay as computed. */
  const arith = (f: (a: number, b: number) => number) => ([x, y]: TensorView[], p: unknown, out: OutMeta) =>
    out.dtype === 'int32' ? binary((a, b) => f(a, b) | 0)([x, y], p, out) : binary(f)([x, y], p, out);

  /** Reduces over `axes`: moves them last, then folds each contiguous run. */
  const reduce = (init: number, f: (acc: number, v: number) => number) =>
    ([x]: TensorView[], p: { axes: number[] }, out: OutMeta) => {
      const kept = x.shape.map((_, i) => i).filter((i) => !p.axes.includes(i));
      const a = materialize(permuted(x, [...kept, ...p.axes]));
      const inner = sizeOf(p.axes.map((i) => x.shape[i]));
      const r = arrayFor(out.dtype, sizeOf(out.shape));
      for (let o = 0; o < r.length; o++) {
        let acc = init;
        for (let j = 0, base = o * inner; j < inner; j++) acc = f(acc, a[base + j]);
        r[o] = acc;
      }
      return wrap(r, out);
    };
  const argReduce = (better: (a: number, b: number) => boolean) =>
    ([x]: TensorView[], p: { axis: number }, out: OutMeta) => {
      const order = x.shape.map((_, i) => i).filter((i) => i !== p.axis);
      const a = materialize(permuted(x, [...order, p.axis]));
      const n = x.shape[p.axis];
      const r = new Int32Array(sizeOf(out.shape));
      for (let o = 0; o < r.length; o++) {
        let best = 0;
        for (let j = 1; j < n; j++) {
          const v = a[o * n + j];
          const b = a[o * n + best];
          if (better(v, b) || (Number.isNaN(v) && !Number.isNaN(b))) best = j;
        }
        r[o] = best;
      }
      return wrap(r, out);
    };

  return {
    neg: unary((v) => -v),
    abs: unary(Math.abs),
    sign: unary((v) => (v > 0 ? 1 : v < 0 ? -1 : v)),
    exp: unary(Math.exp),
    log: unary(Math.log),
    log1p: unary(Math.log1p),
    sqrt: unary(Math.sqrt),
    sin: unary(Math.sin),
    cos: unary(Math.cos),
    tanh: unary(Math.tanh),
    sigmoid: unary(sigmoid),
    relu: unary((v) => (v > 0 ? v : Number.isNaN(v) ? v : 0)),
    erf: unary(erf),
    floor: unary(Math.floor),
    ceil: unary(Math.ceil),
    round: unary(roundHalfEven),
    logicalNot: unary((v) => (v ? 0 : 1)),

    add: arith((a, b) => a + b),
    sub: arith((a, b) => a - b),
    mul: (xs, p, out) => (out.dtype === 'int32' ? binary(Math.imul)(xs, p, out) : binary((a, b) => a * b)(xs, p, out)),
    div: (xs, p, out) => (out.dtype === 'int32' ? binary((a, b) => (b === 0 ? 0 : Math.trunc(a / b)))(xs, p, out) : binary((a, b) => a / b)(xs, p, out)),
    pow: arith(Math.pow),
    maximum: binary((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b))),
    minimum: binary((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b))),

    equal: binary((a, b) => +(a === b)),
    notEqual: binary((a, b) => +(a !== b)),
    less: binary((a, b) => +(a < b)),
    lessEqual: binary((a, b) => +(a <= b)),
    greater: binary((a, b) => +(a > b)),
    greaterEqual: binary((a, b) => +(a >= b)),
    logicalAnd: binary((a, b) => +(a !== 0 && b !== 0)),
    logicalOr: binary((a, b) => +(a !== 0 || b !== 0)),
    logicalXor: binary((a, b) => +((a !== 0) !== (b !== 0))),

    where: ([c, x, y], _p, out) => {
      const cc = materialize(c);
      const a = materialize(x);
      const b = materialize(y);
      const r = arrayFor(out.dtype, a.length);
      for (let i = 0; i < a.length; i++) r[i] = cc[i] ? a[i] : b[i];
      return wrap(r, out);
    },

    sum: (xs, p, out) => (out.dtype === 'int32' ? reduce(0, (s, v) => (s + v) | 0)(xs, p, out) : reduce(0, (s, v) => s + v)(xs, p, out)),
    prod: (xs, p, out) => (out.dtype === 'int32' ? reduce(1, Math.imul)(xs, p, out) : reduce(1, (s, v) => s * v)(xs, p, out)),
    max: reduce(-Infinity, (m, v) => (v > m || Number.isNaN(v) ? v : m)),
    min: reduce(Infinity, (m, v) => (v < m || Number.isNaN(v) ? v : m)),
    argmax: argReduce((a, b) => a > b),
    argmin: argReduce((a, b) => a < b),

    matmul: ([x, y], _p, out) => {
      const a = materialize(x);
      const b = materialize(y);
      const r = x.shape.length;
      const m = x.shape[r - 2];
      const k = x.shape[r - 1];
      const n = y.shape[r - 1];
      const batch = sizeOf(x.shape.slice(0, r - 2));
      const c = arrayFor(out.dtype, batch * m * n);
      const acc = new Float64Array(n);
      for (let bi = 0; bi < batch; bi++) {
        const ao = bi * m * k;
        const bo = bi * k * n;
        const co = bi * m * n;
        for (let i = 0; i < m; i++) {
          acc.fill(0);
          for (let p = 0; p < k; p++) {
            const av = a[ao + i * k + p];
            if (av === 0) continue;
            const row = bo + p * n;
            for (let j = 0; j < n; j++) acc[j] += av * b[row + j];
          }
          for (let j = 0; j < n; j++) c[co + i * n + j] = acc[j];
        }
      }
      return wrap(c, out);
    },

    unslice: ([x], p, out) => {
      const src = materialize(x);
      const r = arrayFor(out.dtype, sizeOf(out.shape));
      const full = contiguousStrides(out.shape);
      const strides = full.map((s, i) => s * p.steps[i]);
      const offset = p.starts.reduce((o, s, i) => o + s * full[i], 0);
      // walk the output positions of the slice as a strided view over an index array
      const positions = { data: iota(r.length) } as unknown as CpuStorage;
      const target = materialize({ storage: positions, dtype: 'int32', shape: x.shape, strides, offset });
      for (let i = 0; i < src.length; i++) r[target[i]] = src[i];
      return wrap(r, out);
    },

    concat: (xs, p, out) => {
      const r = arrayFor(out.dtype, sizeOf(out.shape));
      const outer = sizeOf(out.shape.slice(0, p.axis));
      const rowOut = sizeOf(out.shape.slice(p.axis));
      let col = 0;
      for (const x of xs) {
        const a = materialize(x);
        const row = sizeOf(x.shape.slice(p.axis));
        for (let o = 0; o < outer; o++) r.set(a.subarray(o * row, (o + 1) * row), o * rowOut + col);
        col += row;
      }
      return wrap(r, out);
    },

    gather: ([x, i], p, out) => {
      const a = materialize(x);
      const idx = materialize(i);
      const dim = x.shape[p.axis];
      const outer = sizeOf(x.shape.slice(0, p.axis));
      const inner = sizeOf(x.shape.slice(p.axis + 1));
      const r = arrayFor(out.dtype, sizeOf(out.shape));
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < idx.length; j++) {
          const k = checkIndex('gather', idx[j], dim);
          r.set(a.subarray((o * dim + k) * inner, (o * dim + k + 1) * inner), (o * idx.length + j) * inner);
        }
      }
      return wrap(r, out);
    },

    scatterAdd: ([g, i], p, out) => {
      const a = materialize(g);
      const idx = materialize(i);
      const dim = p.size;
      const outer = sizeOf(out.shape.slice(0, p.axis));
      const inner = sizeOf(out.shape.slice(p.axis + 1));
      const r = arrayFor(out.dtype, sizeOf(out.shape));
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < idx.length; j++) {
          const k = checkIndex('scatterAdd', idx[j], dim);
          const src = (o * idx.length + j) * inner;
          const dst = (o * dim + k) * inner;
          for (let e = 0; e < inner; e++) r[dst + e] += a[src + e];
        }
      }
      return wrap(r, out);
    },

    cast: ([x], _p, out) => wrap(castArray(materialize(x), out.dtype), out),

    reluGrad: ([x, g], _p, out) => {
      const a = materialize(x);
      const d = materialize(g);
      const r = arrayFor(out.dtype, a.length);
      for (let i = 0; i < a.length; i++) r[i] = a[i] > 0 ? d[i] : 0;
      return wrap(r, out);
    },
    softmax: ([x], _p, out) => {
      const a = materialize(x);
      const n = x.shape[x.shape.length - 1];
      const r = arrayFor(out.dtype, a.length);
      for (let row = 0; row * n < a.length; row++) softmaxRow(a, r, row * n, n);
      return wrap(r, out);
    },
    sparseSoftmaxCrossEntropy: ([x, l], _p, out) => {
      const a = materialize(x);
      const labels = materialize(l);
      const [b, c] = x.shape;
      const r = arrayFor(out.dtype, b);
      for (let i = 0; i < b; i++) {
        const k = checkLabel('sparseSoftmaxCrossEntropy', labels[i], c, i);
        let m = -Infinity;
        for (let j = 0; j < c; j++) m = Math.max(m, a[i * c + j]);
        let s = 0;
        for (let j = 0; j < c; j++) s += Math.exp(a[i * c + j] - m);
        r[i] = Math.log(s) + m - a[i * c + k];
      }
      return wrap(r, out);
    },
    sparseSoftmaxCrossEntropyGrad: ([x, l, g], _p, out) => {
      const a = materialize(x);
      const labels = materialize(l);
      const gs = materialize(g);
      const [b, c] = x.shape;
      const r = arrayFor(out.dtype, a.length);
      for (let i = 0; i < b; i++) {
        const k = checkLabel('sparseSoftmaxCrossEntropyGrad', labels[i], c, i);
        softmaxRow(a, r, i * c, c);
        r[i * c + k] -= 1;
        for (let j = 0; j < c; j++) r[i * c + j] *= gs[i];
      }
      return wrap(r, out);
    },
    copy: ([x], _p, out) => wrap(materialize(x).slice(), out),
    ...makeConvKernels(wrap),
    ...makeNormKernels(wrap),
  };
}

function softmaxRow(a: DataArray, r: DataArray, o: number, n: number): void {
  let m = -Infinity;
  for (let j = 0; j < n; j++) m = Math.max(m, a[o + j]);
  if (m === -Infinity) m = 0;
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(a[o + j] - m);
  for (let j = 0; j < n; j++) r[o + j] = Math.exp(a[o + j] - m) / s;
}

function checkLabel(op: string, k: number, classes: number, row: number): number {
  if (!(k >= 0 && k < classes)) throw new ValueError(`${op}: label ${k} of sample ${row} is out of range for ${classes} classes; labels must be in [0, ${classes - 1}]`);
  return k;
}

function iota(n: number): Int32Array {
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  return r;
}

function checkIndex(op: string, k: number, dim: number): number {
  const j = k < 0 ? k + dim : k;
  if (j < 0 || j >= dim) throw new ValueError(`${op}: index ${k} is out of range for an axis of size ${dim}`);
  return j;
}

export function castArray(a: DataArray, dtype: DType): DataArray {
  const r = arrayFor(dtype, a.length);
  if (dtype === 'bool') for (let i = 0; i < a.length; i++) r[i] = a[i] !== 0 ? 1 : 0;
  else if (dtype === 'int32') for (let i = 0; i < a.length; i++) r[i] = Number.isFinite(a[i]) ? Math.trunc(a[i]) : 0;
  else r.set(a);
  return r;
}
