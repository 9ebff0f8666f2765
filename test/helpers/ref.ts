/**
 * An independent float64 reference for the op table: plain JS arrays and loops, no deepts import.
 * Every function takes and returns `Nd` (a shape plus row-major numbers). Semantics follow NumPy.
 */

export interface Nd {
  shape: number[];
  data: number[];
}

export function nd(shape: readonly number[], data: readonly number[]): Nd {
  if (size(shape) !== data.length) throw new Error(`ref: ${data.length} values do not fill ${JSON.stringify(shape)}`);
  return { shape: shape.slice(), data: data.slice() };
}
export const scalarNd = (v: number): Nd => ({ shape: [], data: [v] });

export function size(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  let o = 0;
  for (let d = 0; d < shape.length; d++) o = o * shape[d] + idx[d];
  return o;
}

/** An array of `shape` whose element at multi-index idx is f(idx). */
export function build(shape: readonly number[], f: (idx: number[]) => number): Nd {
  const n = size(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) data[i] = f(unravel(i, shape));
  return { shape: shape.slice(), data };
}

export function at(a: Nd, idx: readonly number[]): number {
  return a.data[ravel(idx, a.shape)];
}

export const normAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

// ---------------------------------------------------------------- elementwise

export function map(a: Nd, f: (v: number) => number): Nd {
  return { shape: a.shape.slice(), data: a.data.map(f) };
}

export function broadcastShape(...shapes: number[][]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v !== 1) {
        if (d !== 1 && d !== v) throw new Error(`ref: cannot broadcast ${JSON.stringify(shapes)}`);
        d = v;
      }
    }
    out.push(d);
  }
  return out;
}

export function broadcastTo(a: Nd, shape: readonly number[]): Nd {
  const off = shape.length - a.shape.length;
  return build(shape, (idx) => at(a, a.shape.map((d, i) => (d === 1 ? 0 : idx[i + off]))));
}

/** Elementwise over any number of broadcast operands. */
export function zip(arrays: Nd[], f: (...v: number[]) => number): Nd {
  const shape = broadcastShape(...arrays.map((a) => a.shape));
  const bs = arrays.map((a) => broadcastTo(a, shape));
  const data = new Array<number>(size(shape));
  for (let i = 0; i < data.length; i++) data[i] = f(...bs.map((b) => b.data[i]));
  return { shape, data };
}
export const zip2 = (a: Nd, b: Nd, f: (x: number, y: number) => number): Nd => zip([a, b], f);

/** erf by its everywhere-convergent series with positive terms: 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1} / (2n+1)!!. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 500; n++) {
    term *= (2 * ax * ax) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
}

export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

// ---------------------------------------------------------------- reductions

/** Groups the values along `axes` (all when undefined) and folds each group with f. */
export function reduce(a: Nd, axes: number | number[] | undefined, keepDims: boolean, f: (vals: number[]) => number): Nd {
  const r = a.shape.length;
  const list = axes === undefined ? [...Array(r).keys()] : (typeof axes === 'number' ? [axes] : axes).map((x) => normAxis(x, r));
  const outKeep = a.shape.map((d, i) => (list.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: size(outKeep) }, () => []);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape);
    groups[ravel(idx.map((v, d) => (list.includes(d) ? 0 : v)), outKeep)].push(a.data[i]);
  }
  const shape = keepDims ? outKeep : a.shape.filter((_, i) => !list.includes(i));
  return { shape, data: groups.map(f) };
}

export const sumOf = (v: number[]): number => v.reduce((p, x) => p + x, 0);
export const prodOf = (v: number[]): number => v.reduce((p, x) => p * x, 1);
export const maxOf = (v: number[]): number => v.reduce((p, x) => (x > p ? x : p), -Infinity);
export const minOf = (v: number[]): number => v.reduce((p, x) => (x < p ? x : p), Infinity);
export const meanOf = (v: number[]): number => sumOf(v) / v.length;
export function varOf(v: number[], ddof = 0): number {
  const m = meanOf(v);
  return sumOf(v.map((x) => (x - m) ** 2)) / Math.max(v.length - ddof, 0);
}
export function logSumExpOf(v: number[]): number {
  const m = maxOf(v);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(sumOf(v.map((x) => Math.exp(x - m))));
}

/** Index of the first best element along `axis` (of the flattened array when undefined). */
export function argReduce(a: Nd, axis: number | undefined, keepDims: boolean, better: (x: number, best: number) => boolean): Nd {
  const pick = (v: number[]): number => {
    let b = 0;
    for (let i = 1; i < v.length; i++) if (better(v[i], v[b])) b = i;
    return b;
  };
  if (axis === undefined) {
    const r = pick(a.data);
    return { shape: keepDims ? a.shape.map(() => 1) : [], data: [r] };
  }
  return reduce(a, axis, keepDims, pick);
}

/** Applies f to every 1-D lane along `axis` (same shape out). */
export function alongAxis(a: Nd, axis: number, f: (lane: number[]) => number[]): Nd {
  const ax = normAxis(axis, a.shape.length);
  const out = new Array<number>(a.data.length).fill(NaN);
  const n = a.shape[ax];
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape);
    if (idx[ax] !== 0) continue;
    const positions = Array.from({ length: n }, (_, k) => {
      const j = idx.slice();
      j[ax] = k;
      return ravel(j, a.shape);
    });
    const res = f(positions.map((p) => a.data[p]));
    positions.forEach((p, k) => (out[p] = res[k]));
  }
  return { shape: a.shape.slice(), data: out };
}

// ---------------------------------------------------------------- linear algebra

/** NumPy matmul: 1-D operands get a unit axis that is removed again; batch axes broadcast. */
export function matmul(a: Nd, b: Nd): Nd {
  const a2 = a.shape.length === 1 ? { shape: [1, a.shape[0]], data: a.data } : a;
  const b2 = b.shape.length === 1 ? { shape: [b.shape[0], 1], data: b.data } : b;
  const ra = a2.shape.length;
  const rb = b2.shape.length;
  const [m, k] = a2.shape.slice(ra - 2);
  const [k2, n] = b2.shape.slice(rb - 2);
  if (k !== k2) throw new Error('ref matmul: inner dims differ');
  const batch = broadcastShape(a2.shape.slice(0, ra - 2), b2.shape.slice(0, rb - 2));
  const A = broadcastTo(a2, [...batch, m, k]);
  const B = broadcastTo(b2, [...batch, k, n]);
  const full = build([...batch, m, n], (idx) => {
    const bi = idx.slice(0, batch.length);
    const [i, j] = idx.slice(batch.length);
    let s = 0;
    for (let p = 0; p < k; p++) s += at(A, [...bi, i, p]) * at(B, [...bi, p, j]);
    return s;
  });
  let shape = full.shape.slice();
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  if (a.shape.length === 1) shape.splice(shape.length - (b.shape.length === 1 ? 1 : 2), 1);
  return { shape, data: full.data };
}

// ---------------------------------------------------------------- movement

export function reshape(a: Nd, shape: readonly number[]): Nd {
  const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const s = shape.map((d) => (d === -1 ? a.data.length / known : d));
  return nd(s, a.data);
}

export function transpose(a: Nd, perm?: readonly number[]): Nd {
  const r = a.shape.length;
  const p = perm ? perm.map((x) => normAxis(x, r)) : [...Array(r).keys()].reverse();
  return build(p.map((x) => a.shape[x]), (idx) => {
    const src = new Array<number>(r);
    p.forEach((x, i) => (src[x] = idx[i]));
    return at(a, src);
  });
}

export function swapAxes(a: Nd, i: number, j: number): Nd {
  const r = a.shape.length;
  const p = [...Array(r).keys()];
  const x = normAxis(i, r);
  const y = normAxis(j, r);
  [p[x], p[y]] = [p[y], p[x]];
  return transpose(a, p);
}

/** The indices CPython's slice(start, stop, step).indices(n) walks. */
export function sliceIndices(n: number, start: number | undefined, stop: number | undefined, step = 1): number[] {
  let lo: number;
  let hi: number;
  if (step > 0) {
    lo = start === undefined ? 0 : start < 0 ? Math.max(start + n, 0) : Math.min(start, n);
    hi = stop === undefined ? n : stop < 0 ? Math.max(stop + n, 0) : Math.min(stop, n);
  } else {
    lo = start === undefined ? n - 1 : start < 0 ? Math.max(start + n, -1) : Math.min(start, n - 1);
    hi = stop === undefined ? -1 : stop < 0 ? Math.max(stop + n, -1) : Math.min(stop, n - 1);
  }
  const out: number[] = [];
  for (let i = lo; step > 0 ? i < hi : i > hi; i += step) out.push(i);
  return out;
}

export type RefSlice = number | null | { start?: number; stop?: number; step?: number };

/** NumPy basic indexing with integers (dropping the axis) and slices. */
export function slice(a: Nd, specs: readonly RefSlice[]): Nd {
  const lists: number[][] = [];
  const keep: boolean[] = [];
  a.shape.forEach((n, d) => {
    const s = specs[d] ?? null;
    if (typeof s === 'number') {
      lists.push([s < 0 ? s + n : s]);
      keep.push(false);
    } else {
      lists.push(s === null ? sliceIndices(n, undefined, undefined) : sliceIndices(n, s.start, s.stop, s.step ?? 1));
      keep.push(true);
    }
  });
  const full = build(lists.map((l) => l.length), (idx) => at(a, idx.map((v, d) => lists[d][v])));
  return { shape: full.shape.filter((_, d) => keep[d]), data: full.data };
}

export function pad(a: Nd, pads: readonly (readonly [number, number])[], value = 0): Nd {
  const p = a.shape.map((_, d) => pads[d] ?? [0, 0]);
  return build(a.shape.map((n, d) => n + p[d][0] + p[d][1]), (idx) => {
    const src = idx.map((v, d) => v - p[d][0]);
    return src.every((v, d) => v >= 0 && v < a.shape[d]) ? at(a, src) : value;
  });
}

export function concat(xs: Nd[], axis: number): Nd {
  const ax = normAxis(axis, xs[0].shape.length);
  const shape = xs[0].shape.slice();
  shape[ax] = xs.reduce((p, x) => p + x.shape[ax], 0);
  return build(shape, (idx) => {
    let k = idx[ax];
    for (const x of xs) {
      if (k < x.shape[ax]) {
        const j = idx.slice();
        j[ax] = k;
        return at(x, j);
      }
      k -= x.shape[ax];
    }
    throw new Error('unreachable');
  });
}

export function unsqueeze(a: Nd, axis: number): Nd {
  const ax = normAxis(axis, a.shape.length + 1);
  const s = a.shape.slice();
  s.splice(ax, 0, 1);
  return nd(s, a.data);
}

export function squeeze(a: Nd, axes?: number[]): Nd {
  const r = a.shape.length;
  const list = axes === undefined ? a.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : axes.map((x) => normAxis(x, r));
  return nd(a.shape.filter((_, i) => !list.includes(i)), a.data);
}

export function stack(xs: Nd[], axis: number): Nd {
  return concat(xs.map((x) => unsqueeze(x, axis)), normAxis(axis, xs[0].shape.length + 1));
}

export function split(a: Nd, sizes: number | number[], axis: number): Nd[] {
  const ax = normAxis(axis, a.shape.length);
  const n = a.shape[ax];
  const list = typeof sizes === 'number' ? Array(sizes).fill(n / sizes) : sizes;
  let startAt = 0;
  return list.map((s) => {
    const spec: RefSlice[] = a.shape.map(() => null);
    spec[ax] = { start: startAt, stop: startAt + s };
    startAt += s;
    return slice(a, spec);
  });
}

export function flatten(a: Nd, start = 0, end = -1): Nd {
  const r = a.shape.length;
  if (r === 0) return nd([1], a.data);
  const s = normAxis(start, r);
  const e = normAxis(end, r);
  return nd([...a.shape.slice(0, s), size(a.shape.slice(s, e + 1)), ...a.shape.slice(e + 1)], a.data);
}

/** np.take(a, idx, axis) with negative indices counted from the end. */
export function gather(a: Nd, idx: Nd, axis: number): Nd {
  const ax = normAxis(axis, a.shape.length);
  const n = a.shape[ax];
  const shape = [...a.shape.slice(0, ax), ...idx.shape, ...a.shape.slice(ax + 1)];
  const ir = idx.shape.length;
  return build(shape, (o) => {
    let k = at(idx, o.slice(ax, ax + ir));
    if (k < 0) k += n;
    return at(a, [...o.slice(0, ax), k, ...o.slice(ax + ir)]);
  });
}

export function tile(a: Nd, reps: readonly number[]): Nd {
  return build(a.shape.map((d, i) => d * reps[i]), (idx) => at(a, idx.map((v, i) => v % a.shape[i])));
}

export const nestedToNd = (v: unknown): Nd => {
  const shape: number[] = [];
  let cur = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  const data: number[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else data.push(typeof x === 'boolean' ? +x : (x as number));
  };
  walk(v);
  return { shape, data };
};

export { stridesOf as refStrides, unravel, ravel };

// ---------------------------------------------------------------- convolution and pooling (NHWC)

export type Pads4 = [number, number, number, number];

/** TensorFlow's 'same' padding of one axis: out = ceil(in / stride), the odd pad element after. */
export function samePadding(size: number, k: number, stride: number, dilation = 1): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

export interface RefConv {
  strides?: [number, number];
  dilations?: [number, number];
  /** [top, bottom, left, right] */
  pads?: Pads4;
  groups?: number;
}

/** Cross-correlation of x [N,H,W,C] with w [kh, kw, C/groups, cout], by definition. */
export function conv2d(x: Nd, w: Nd, o: RefConv = {}): Nd {
  const [n, h, wd, c] = x.shape;
  const [kh, kw, cig, co] = w.shape;
  const [sh, sw] = o.strides ?? [1, 1];
  const [dh, dw] = o.dilations ?? [1, 1];
  const [pt, pb, pl, pr] = o.pads ?? [0, 0, 0, 0];
  const groups = o.groups ?? 1;
  if (cig * groups !== c) throw new Error('ref conv2d: channels do not match the groups');
  const oh = Math.floor((h + pt + pb - ((kh - 1) * dh + 1)) / sh) + 1;
  const ow = Math.floor((wd + pl + pr - ((kw - 1) * dw + 1)) / sw) + 1;
  const cog = co / groups;
  return build([n, oh, ow, co], ([b, i, j, k]) => {
    const g = Math.floor(k / cog);
    let s = 0;
    for (let a = 0; a < kh; a++) {
      const y = i * sh - pt + a * dh;
      if (y < 0 || y >= h) continue;
      for (let e = 0; e < kw; e++) {
        const xx = j * sw - pl + e * dw;
        if (xx < 0 || xx >= wd) continue;
        for (let ci = 0; ci < cig; ci++) s += at(x, [b, y, xx, g * cig + ci]) * at(w, [a, e, ci, k]);
      }
    }
    return s;
  });
}

/**
 * Transposed convolution of x [N,H,W,cin] with w [kh, kw, cout, cin]: every input pixel scatters its kernel
 * into the output (stride apart); `crop` [top, left] positions are cut from the start and the output has `size`.
 */
export function conv2dTranspose(x: Nd, w: Nd, o: { strides?: [number, number]; dilations?: [number, number]; crop: [number, number]; size: [number, number] }): Nd {
  const [n, h, wd, cin] = x.shape;
  const [kh, kw, cout] = w.shape;
  const [sh, sw] = o.strides ?? [1, 1];
  const [dh, dw] = o.dilations ?? [1, 1];
  const out = build([n, o.size[0], o.size[1], cout], () => 0);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < wd; j++)
        for (let a = 0; a < kh; a++)
          for (let e = 0; e < kw; e++) {
            const y = i * sh + a * dh - o.crop[0];
            const xx = j * sw + e * dw - o.crop[1];
            if (y < 0 || y >= o.size[0] || xx < 0 || xx >= o.size[1]) continue;
            for (let co = 0; co < cout; co++) {
              let s = 0;
              for (let ci = 0; ci < cin; ci++) s += at(x, [b, i, j, ci]) * at(w, [a, e, co, ci]);
              out.data[ravel([b, y, xx, co], out.shape)] += s;
            }
          }
  return out;
}

/** Depthwise: output channel c*m + k is input channel c convolved with w[:, :, c, k]. */
export function depthwiseConv2d(x: Nd, w: Nd, o: RefConv = {}): Nd {
  const [kh, kw, c, m] = w.shape;
  const parts = Array.from({ length: c }, (_, ci) =>
    conv2d(
      build([...x.shape.slice(0, 3), 1], ([b, i, j]) => at(x, [b, i, j, ci])),
      build([kh, kw, 1, m], ([a, e, , k]) => at(w, [a, e, ci, k])),
      { ...o, groups: 1 },
    ),
  );
  return concat(parts, 3);
}

/** Max or mean over each window's positions inside the input (padding never counts). */
export function pool2d(x: Nd, kind: 'max' | 'avg', o: { poolSize: [number, number]; strides?: [number, number]; pads?: Pads4 }): Nd {
  const [n, h, wd, c] = x.shape;
  const [ph, pw] = o.poolSize;
  const [sh, sw] = o.strides ?? o.poolSize;
  const [pt, pb, pl, pr] = o.pads ?? [0, 0, 0, 0];
  const oh = Math.floor((h + pt + pb - ph) / sh) + 1;
  const ow = Math.floor((wd + pl + pr - pw) / sw) + 1;
  return build([n, oh, ow, c], ([b, i, j, k]) => {
    const vals: number[] = [];
    for (let a = 0; a < ph; a++)
      for (let e = 0; e < pw; e++) {
        const y = i * sh - pt + a;
        const xx = j * sw - pl + e;
        if (y >= 0 && y < h && xx >= 0 && xx < wd) vals.push(at(x, [b, y, xx, k]));
      }
    return kind === 'max' ? maxOf(vals) : meanOf(vals);
  });
}

export const nchwToNhwc = (x: Nd): Nd => transpose(x, [0, 2, 3, 1]);
export const nhwcToNchw = (x: Nd): Nd => transpose(x, [0, 3, 1, 2]);

/** Per-channel mean and biased variance over every axis but `axis`, as [2, C]. */
export function moments(x: Nd, axis: number): Nd {
  const ax = normAxis(axis, x.shape.length);
  const others = x.shape.map((_, i) => i).filter((i) => i !== ax);
  return stack([reduce(x, others, false, meanOf), reduce(x, others, false, (v) => varOf(v))], 0);
}

/** (x - mean) / sqrt(variance + epsilon) * gamma + beta along channel axis `axis`, stats = [2, C]. */
export function batchNorm(x: Nd, stats: Nd, gamma: Nd, beta: Nd, axis: number, epsilon: number): Nd {
  const ax = normAxis(axis, x.shape.length);
  const c = x.shape[ax];
  return build(x.shape, (idx) => {
    const k = idx[ax];
    return ((at(x, idx) - stats.data[k]) / Math.sqrt(stats.data[c + k] + epsilon)) * gamma.data[k] + beta.data[k];
  });
}
