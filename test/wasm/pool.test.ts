// The wasm pooling kernels (assembly/pool.ts) against the CPU reference loops: max values and argmax indices
// bit for bit (ties: the first maximum in window order; NaN wins; -0 vs +0), averages and their gradient
// within float32 rounding, the max-pool gradient and the axis-0 scatter-add, on 1 and 2 threads with small chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffers, assertClose, rng } from './helpers.js';
import { getNumThreads, readI32, setNumThreads } from '../../src/backends/wasm/runtime.js';
import {
  avgPool2dGrad, maxPool2dGrad, maxPool2dGradFromInput, pool2d, poolWindowsDisjoint, scatterAdd, tuning, type PoolGeometry,
} from '../../src/backends/wasm/kernels.js';
import { avgPool2dGradRef, avgPool2dRef, maxPool2dArgmaxRef, maxPool2dGradRef, maxPool2dRef } from '../../src/backends/cpu/conv.js';
import type { Pool2DParams } from '../../src/core/primitives.js';

type Shape4 = [number, number, number, number];
interface Case { x: Shape4; pool: [number, number]; strides: [number, number]; pads: [number, number, number, number] }

const CASES: Case[] = [
  { x: [2, 6, 6, 4], pool: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] },
  { x: [1, 7, 5, 5], pool: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, // overlapping, padded, SIMD + tail
  { x: [2, 4, 3, 1], pool: [3, 2], strides: [1, 1], pads: [1, 1, 1, 1] }, // scalar only
  { x: [1, 5, 7, 9], pool: [2, 3], strides: [1, 2], pads: [0, 1, 2, 0] }, // asymmetric pads
  { x: [1, 9, 9, 8], pool: [2, 2], strides: [3, 3], pads: [0, 0, 0, 0] }, // strides > pool: skipped pixels
  { x: [3, 28, 28, 3], pool: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] },
  { x: [2, 7, 7, 4], pool: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }, // last row and column in no window
  { x: [1, 7, 6, 5], pool: [2, 2], strides: [2, 2], pads: [1, 0, 0, 1] }, // disjoint, padded: clipped windows
];

const outShape = (c: Case): Shape4 => {
  const out = (size: number, k: number, s: number, before: number, after: number) => Math.floor((size + before + after - k) / s) + 1;
  return [c.x[0], out(c.x[1], c.pool[0], c.strides[0], c.pads[0], c.pads[1]), out(c.x[2], c.pool[1], c.strides[1], c.pads[2], c.pads[3]), c.x[3]];
};
const geometry = (c: Case, o: Shape4): PoolGeometry => ({
  H: c.x[1], W: c.x[2], C: c.x[3], OH: o[1], OW: o[2], KH: c.pool[0], KW: c.pool[1], SH: c.strides[0], SW: c.strides[1], PT: c.pads[0], PL: c.pads[2],
});
const params = (c: Case): Pool2DParams => ({ poolSize: c.pool, strides: c.strides, pads: c.pads });
const size = (s: Shape4): number => s[0] * s[1] * s[2] * s[3];

/** Few distinct values (many ties), signed zeros, some NaN and -Infinity. */
function tieHeavy(n: number, r: () => number): Float32Array {
  const vals = [-1, -0, 0, 1, 2, -Infinity];
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() < 0.05 ? NaN : vals[Math.floor(r() * vals.length)]!;
  return a;
}

function withThreads(fn: () => void): void {
  const T = getNumThreads();
  const save = { ...tuning };
  try {
    for (const t of [1, 2]) {
      setNumThreads(t);
      tuning.eltParMin = t === 1 ? 1 << 30 : 16; // 2 threads: many small chunks
      fn();
    }
  } finally {
    Object.assign(tuning, save);
    setNumThreads(T);
  }
}

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>, what: string): void => {
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: got ${a[i]}, want ${b[i]}`);
};

test('maxPool2d / argmax: exactly the reference (ties, NaN, signed zeros, padding)', () => {
  const R = rng(11);
  withThreads(() => {
    const bufs = new Buffers();
    for (const c of CASES) {
      const o = outShape(c);
      const x = tieHeavy(size(c.x), R);
      const px = bufs.f32(x);
      const py = bufs.nan(size(o));
      const pi = bufs.nan(size(o));
      pool2d('max', px, py, c.x[0], geometry(c, o));
      pool2d('argmax', px, pi, c.x[0], geometry(c, o));
      const wantMax = new Float32Array(size(o));
      const wantIdx = new Int32Array(size(o));
      maxPool2dRef(x, c.x, params(c), wantMax, o);
      maxPool2dArgmaxRef(x, c.x, params(c), wantIdx, o);
      const label = JSON.stringify(c);
      sameBits(bufs.read(py, size(o)), wantMax, `max ${label}`);
      assert.deepEqual(readI32(pi, size(o)), wantIdx, `argmax ${label}`);
    }
    bufs.freeAll();
  });
});

test('maxPool2dGrad: the reference (overlapping windows sum; disjoint windows in one pass from x)', () => {
  const R = rng(14);
  withThreads(() => {
    const bufs = new Buffers();
    for (const c of CASES) {
      const o = outShape(c);
      const x = tieHeavy(size(c.x), R);
      const dy = Float32Array.from({ length: size(o) }, () => R() * 4 - 2);
      const want = new Float64Array(size(c.x));
      maxPool2dGradRef(x, c.x, dy, o, params(c), want);
      const label = JSON.stringify(c);
      const idx = new Int32Array(size(o));
      maxPool2dArgmaxRef(x, c.x, params(c), idx, o);
      const fromArgmax = bufs.nan(size(c.x));
      maxPool2dGrad(bufs.f32(dy), bufs.i32(idx), fromArgmax, c.x[0], geometry(c, o));
      assertClose(bufs.read(fromArgmax, size(c.x)), want, 1e-6, 1e-6, `maxPool2dGrad ${label}`);
      if (poolWindowsDisjoint(geometry(c, o))) {
        const fromInput = bufs.nan(size(c.x));
        maxPool2dGradFromInput(bufs.f32(x), bufs.f32(dy), fromInput, c.x[0], geometry(c, o));
        sameBits(bufs.read(fromInput, size(c.x)), Float32Array.from(want), `maxPool2dGradFromInput ${label}`);
      }
    }
    bufs.freeAll();
  });
});

test('avgPool2d and its gradient: the reference divisor (in-bounds positions only)', () => {
  const R = rng(12);
  withThreads(() => {
    const bufs = new Buffers();
    for (const c of CASES) {
      const o = outShape(c);
      const x = Float32Array.from({ length: size(c.x) }, () => R() * 4 - 2);
      const dy = Float32Array.from({ length: size(o) }, () => R() * 4 - 2);
      const py = bufs.nan(size(o));
      const pdx = bufs.nan(size(c.x));
      pool2d('avg', bufs.f32(x), py, c.x[0], geometry(c, o));
      avgPool2dGrad(bufs.f32(dy), pdx, c.x[0], geometry(c, o));
      const wantY = new Float64Array(size(o));
      const wantDx = new Float64Array(size(c.x));
      avgPool2dRef(x, c.x, params(c), wantY, o);
      avgPool2dGradRef(dy, o, params(c), wantDx, c.x);
      assertClose(bufs.read(py, size(o)), wantY, 1e-6, 1e-6, `avg ${JSON.stringify(c)}`);
      assertClose(bufs.read(pdx, size(c.x)), wantDx, 1e-6, 1e-6, `avgGrad ${JSON.stringify(c)}`);
    }
    bufs.freeAll();
  });
});

test('scatterAdd: repeated and negative indices, parallel only on disjoint chunks, out-of-range rejected', () => {
  const R = rng(13);
  withThreads(() => {
    const bufs = new Buffers();
    for (const [n, inner, dim, align] of [[1000, 1, 300, 1], [1000, 1, 5000, 100], [64, 6, 20, 8], [37, 4, 9, 1]] as const) {
      const g = Float32Array.from({ length: n * inner }, () => R() * 2 - 1);
      // aligned groups index their own block of the axis when it is long enough: chunks are disjoint there
      const idx = Int32Array.from({ length: n }, (_, j) => {
        const k = dim >= n ? Math.floor(j / align) * align + Math.floor(R() * align) : Math.floor(R() * dim);
        return R() < 0.2 ? k - dim : k; // negative: counts from the end
      });
      const out = bufs.nan(dim * inner);
      assert.ok(scatterAdd(bufs.f32(g), bufs.i32(idx), out, n, inner, dim, align));
      const want = new Float64Array(dim * inner);
      for (let j = 0; j < n; j++) {
        const k = idx[j]! < 0 ? idx[j]! + dim : idx[j]!;
        for (let e = 0; e < inner; e++) want[k * inner + e] += g[j * inner + e]!;
      }
      assertClose(bufs.read(out, dim * inner), want, 1e-6, 1e-6, `scatterAdd n=${n} inner=${inner} dim=${dim}`);
    }
    for (const bad of [5, -6]) {
      assert.equal(scatterAdd(bufs.f32(4), bufs.i32([0, bad, 1, 2]), bufs.f32(5), 4, 1, 5), false, `index ${bad}`);
    }
    bufs.freeAll();
  });
});
