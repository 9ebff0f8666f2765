// The wasm kernels behind concat, unslice, erf / sin / cos, the logical ops, prod and argmin (assembly/movement.ts),
// run through the backend's kernel table on strided, transposed, reversed and broadcast input views, for every dtype
// the backend holds, on 1 and 2 threads (small chunks, and the default chunking for large tensors). Expected values
// are computed here in plain JS; a spy makes sure that the CPU reference never ran (the fast path was taken).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, rng } from './helpers.js';
import { wasmBackend } from '../../src/backends/wasm/index.js';
import { cpuBackend } from '../../src/backends/cpu/index.js';
import { erf as erf64 } from '../../src/backends/cpu/special.js';
import { getNumThreads, setNumThreads } from '../../src/backends/wasm/runtime.js';
import { tuning } from '../../src/backends/wasm/kernels.js';
import type { Kernel, TensorView } from '../../src/backends/backend.js';
import { arrayFor, type DType } from '../../src/core/dtype.js';
import type { KernelPrim, OutMeta, PrimParams } from '../../src/core/primitives.js';

const R = rng(2024);
const DTYPES: DType[] = ['float32', 'int32', 'bool'];
type Layout = 'contiguous' | 'transposed' | 'reversed' | 'strided' | 'broadcast';
const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'reversed', 'strided', 'broadcast'];

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const rowMajor = (s: readonly number[]): number[] => {
  const st = new Array<number>(s.length);
  for (let d = s.length - 1, acc = 1; d >= 0; d--) { st[d] = acc; acc *= s[d]!; }
  return st;
};

/** Random logical values for a dtype; 'broadcast' makes them equal along axis 0 (stride 0 there). */
function values(dtype: DType, shape: readonly number[], layout: Layout): number[] {
  const n = size(shape);
  const v = Array.from({ length: n }, () => (dtype === 'bool' ? +(R() < 0.5) : dtype === 'int32' ? Math.floor(R() * 2e9 - 1e9) : Math.fround(R() * 200 - 100)));
  if (layout === 'broadcast' && shape.length > 0) {
    const inner = n / shape[0]!;
    for (let i = inner; i < n; i++) v[i] = v[i % inner]!;
  }
  return v;
}

/** A wasm view holding `vals` (row-major) in the given memory layout; unused memory holds junk. */
function view(vals: readonly number[], shape: readonly number[], dtype: DType, layout: Layout): TensorView {
  const r = shape.length;
  const order = [...Array(r).keys()];
  if (layout === 'transposed' && r >= 2) [order[r - 2], order[r - 1]] = [order[r - 1]!, order[r - 2]!];
  const strides = new Array<number>(r).fill(0);
  let acc = 1;
  for (let k = r - 1; k >= 0; k--) {
    const d = order[k]!;
    const mult = layout === 'strided' && d === r - 1 ? 2 : 1;
    if (layout === 'broadcast' && d === 0) continue;
    strides[d] = acc * mult;
    acc *= shape[d]! * mult;
  }
  let offset = 0;
  if (layout === 'reversed' && r > 0 && shape[0]! > 0) {
    offset = (shape[0]! - 1) * strides[0]!;
    strides[0] = -strides[0]!;
  }
  const mem = arrayFor(dtype, Math.max(acc, 1)).fill(dtype === 'bool' ? 1 : 77);
  const idx = new Array<number>(r).fill(0);
  for (let i = 0; i < vals.length; i++) {
    let a = offset;
    for (let d = 0; d < r; d++) a += idx[d]! * strides[d]!;
    mem[a] = vals[i]!;
    for (let d = r - 1; d >= 0; d--) { if (++idx[d]! < shape[d]!) break; idx[d] = 0; }
  }
  return { storage: wasmBackend.upload(mem, dtype), dtype, shape: shape.slice(), strides, offset };
}

/** Runs the wasm kernel with the CPU reference disabled (throws if the kernel falls back), returns the result. */
function runFast<P extends KernelPrim>(prim: P, inputs: TensorView[], p: PrimParams[P], out: OutMeta): ArrayLike<number> {
  const table = cpuBackend.kernels as unknown as Record<string, unknown>;
  const saved = table[prim];
  table[prim] = () => { throw new Error(`${prim}: the wasm kernel fell back to the CPU reference`); };
  try {
    const s = (wasmBackend.kernels[prim] as Kernel<P>)(inputs, p, out);
    const r = wasmBackend.download({ storage: s, dtype: out.dtype, shape: out.shape, strides: rowMajor(out.shape), offset: 0 });
    wasmBackend.free(s);
    return r;
  } finally {
    table[prim] = saved;
    for (const v of inputs) wasmBackend.free(v.storage);
  }
}

/** Exact equality, float32 compared bit for bit (NaN payloads and -0 included). */
function assertSame(got: ArrayLike<number>, want: readonly number[], dtype: DType, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const w = arrayFor(dtype, want.length);
  w.set(want);
  const gb = new Uint8Array((got as Float32Array).buffer, (got as Float32Array).byteOffset, (got as Float32Array).byteLength);
  const wb = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
  if (Buffer.compare(Buffer.from(gb), Buffer.from(wb)) !== 0) {
    const i = Array.from(w).findIndex((v, k) => !Object.is(v, got[k]));
    assert.fail(`${what}: element ${i} is ${got[i]}, expected ${w[i]}`);
  }
}

function withThreads(fn: (label: string) => void): void {
  const T = getNumThreads();
  const save = { ...tuning };
  try {
    for (const t of [1, 2]) {
      setNumThreads(t);
      tuning.moveParMinBytes = t === 1 ? 1 << 30 : 16; // 2 threads: many small chunks
      tuning.eltParMin = t === 1 ? 1 << 30 : 16;
      tuning.eltParMinHeavy = t === 1 ? 1 << 30 : 16;
      fn(`${t} thread${t > 1 ? 's' : ''}`);
    }
  } finally {
    Object.assign(tuning, save);
    setNumThreads(T);
  }
}

function concatRef(parts: number[][], shapes: number[][], axis: number): number[] {
  const outer = size(shapes[0]!.slice(0, axis));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    parts.forEach((v, k) => {
      const row = size(shapes[k]!.slice(axis));
      for (let j = 0; j < row; j++) out.push(v[o * row + j]!);
    });
  }
  return out;
}

function concatCase(dtype: DType, shapes: number[][], axis: number, layouts: Layout[], what: string): void {
  const vals = shapes.map((s, k) => values(dtype, s, layouts[k % layouts.length]!));
  const outShape = shapes[0]!.slice();
  outShape[axis] = shapes.reduce((a, s) => a + s[axis]!, 0);
  const got = runFast('concat', shapes.map((s, k) => view(vals[k]!, s, dtype, layouts[k % layouts.length]!)), { axis }, { shape: outShape, dtype });
  assertSame(got, concatRef(vals, shapes, axis), dtype, what);
}

test('concat: every dtype, axis and input layout (strided, transposed, reversed, broadcast), 1 and 2 threads', () => {
  withThreads((th) => {
    for (const dtype of DTYPES) {
      for (const axis of [0, 1, 2]) {
        const sizes = [3, 1, 0, 5];
        const shapes = sizes.map((k) => { const s = [4, 3, 6]; s[axis] = k; return s; });
        for (let l = 0; l < LAYOUTS.length; l++) {
          const layouts = LAYOUTS.map((_, k) => LAYOUTS[(k + l) % LAYOUTS.length]!);
          concatCase(dtype, shapes, axis, layouts, `${th} ${dtype} axis ${axis} ${layouts.join(',')}`);
        }
      }
      concatCase(dtype, [[7], [0], [9]], 0, ['contiguous', 'reversed', 'strided'], `${th} ${dtype} rank 1`);
      concatCase(dtype, [[2, 3, 1, 5, 1, 2, 3, 2, 3], [2, 3, 1, 5, 1, 2, 3, 2, 1]], 8, ['transposed', 'strided'], `${th} ${dtype} rank 9`);
      concatCase(dtype, [[2, 3], [2, 3]], 1, ['contiguous', 'contiguous'], `${th} ${dtype} one row run`);
    }
  });
});

test('concat: large inputs take the threaded path (4 x [64,28,28,32] along the last axis; bool rows)', () => {
  const shapes = [0, 1, 2, 3].map(() => [64, 28, 28, 32]);
  concatCase('float32', shapes, 3, ['contiguous'], 'float32 merge');
  concatCase('float32', shapes, 0, ['contiguous', 'transposed'], 'float32 axis 0');
  concatCase('bool', [[512, 300], [512, 701]], 1, ['contiguous', 'reversed'], 'bool rows');
  concatCase('int32', [[300, 600], [300, 400]], 1, ['transposed', 'strided'], 'int32 non-contiguous');
});

function unsliceRef(vals: readonly number[], xShape: readonly number[], p: PrimParams['unslice']): number[] {
  const out = new Array<number>(size(p.shape)).fill(0);
  const st = rowMajor(p.shape);
  const idx = new Array<number>(xShape.length).fill(0);
  for (let i = 0; i < vals.length; i++) {
    let a = 0;
    for (let d = 0; d < xShape.length; d++) a += (p.starts[d]! + idx[d]! * p.steps[d]!) * st[d]!;
    out[a] = vals[i]!;
    for (let d = xShape.length - 1; d >= 0; d--) { if (++idx[d]! < xShape[d]!) break; idx[d] = 0; }
  }
  return out;
}

function unsliceCase(dtype: DType, xShape: number[], p: PrimParams['unslice'], layout: Layout, what: string): void {
  const vals = values(dtype, xShape, layout);
  const got = runFast('unslice', [view(vals, xShape, dtype, layout)], p, { shape: p.shape, dtype });
  assertSame(got, unsliceRef(vals, xShape, p), dtype, what);
}

test('unslice: every dtype, steps (2, 3, -1), covering and partial regions, every input layout, 1 and 2 threads', () => {
  const cases: Array<[number[], PrimParams['unslice']]> = [
    [[5, 2, 7], { shape: [5, 6, 7], starts: [0, 1, 0], steps: [1, 1, 1] }], // narrow gradient
    [[2, 6, 3], { shape: [5, 6, 7], starts: [1, 0, 1], steps: [2, 1, 2] }],
    [[2, 3, 4], { shape: [5, 6, 7], starts: [4, 5, 0], steps: [-3, -2, 2] }],
    [[5, 6, 7], { shape: [5, 6, 7], starts: [4, 0, 6], steps: [-1, 1, -1] }], // covers everything: no zero fill
    [[2, 0, 3], { shape: [5, 6, 7], starts: [0, 0, 0], steps: [1, 1, 1] }],
    [[4], { shape: [9], starts: [1], steps: [2] }],
    [[], { shape: [], starts: [], steps: [] }],
    [[1, 1], { shape: [3, 3], starts: [2, 1], steps: [1, 1] }],
  ];
  withThreads((th) => {
    for (const dtype of DTYPES) {
      for (const [xs, p] of cases) {
        for (const layout of LAYOUTS) unsliceCase(dtype, xs, p, layout, `${th} ${dtype} ${JSON.stringify(p)} ${layout}`);
      }
    }
  });
});

test('unslice: large tensors take the threaded path', () => {
  unsliceCase('float32', [64, 28, 28, 32], { shape: [64, 28, 28, 128], starts: [0, 0, 0, 32], steps: [1, 1, 1, 1] }, 'contiguous', 'float32 split gradient');
  unsliceCase('float32', [32, 28, 14, 64], { shape: [64, 28, 28, 64], starts: [1, 0, 0, 0], steps: [2, 1, 2, 1] }, 'transposed', 'float32 strided');
  unsliceCase('bool', [400, 500], { shape: [800, 1000], starts: [0, 999], steps: [2, -2] }, 'reversed', 'bool');
  unsliceCase('int32', [1000, 700], { shape: [1000, 1400], starts: [0, 700], steps: [1, 1] }, 'strided', 'int32');
});

// ------------------------------------------------------------------------------------------------
// erf, sin, cos

function unaryFast(prim: 'erf' | 'sin' | 'cos', x: Float32Array, layout: Layout = 'contiguous'): Float32Array {
  return runFast(prim, [view(Array.from(x), [x.length], 'float32', layout)], {}, { shape: [x.length], dtype: 'float32' }) as Float32Array;
}

/** Largest error in units of the float32 spacing at the exact value (ulp of |want|, at least the smallest normal's). */
function maxUlps(got: Float32Array, x: Float32Array, f: (v: number) => number): { ulps: number; at: number } {
  let worst = 0, at = NaN;
  for (let i = 0; i < got.length; i++) {
    const w = f(x[i]!);
    if (!Number.isFinite(w)) continue;
    const e = Math.max(Math.abs(w), 2 ** -126);
    const ulp = 2 ** (Math.floor(Math.log2(e)) - 23);
    const u = Math.abs(got[i]! - w) / ulp;
    if (!(u <= worst)) { worst = u; at = x[i]!; }
  }
  return { ulps: worst, at };
}

function uniform(n: number, lo: number, hi: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * R();
  return a;
}
const SPECIAL = Float32Array.from([0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45, 1e-38, 1e-20, -3e-8, 1, -1, 3.4e38, -3.4e38]);

test('sin / cos: within 2 ulp of Math.sin / Math.cos up to |x| = 1e4 and beyond, exact specials', (t) => {
  const ranges: Array<[number, number]> = [[-4, 4], [-100, 100], [-1e4, 1e4], [-1e6, 1e6], [1e6, 1e9], [-3e38, 3e38]];
  // float32 values closest to multiples of pi/2 (the hard cases of the range reduction)
  const near = Float32Array.from({ length: 20000 }, (_, k) => (k - 10000) * 3.7 * Math.PI / 2).map((v) => Math.fround(Math.round(v / (Math.PI / 2)) * Math.PI / 2));
  for (const [prim, f] of [['sin', Math.sin], ['cos', Math.cos]] as const) {
    let worst = 0;
    for (const [lo, hi] of ranges) {
      const x = uniform(4099, lo, hi);
      const got = unaryFast(prim, x, lo === -4 ? 'reversed' : 'contiguous');
      const { ulps, at } = maxUlps(got, x, f);
      assert.ok(ulps <= 2, `${prim} on [${lo}, ${hi}]: ${ulps.toFixed(2)} ulp at x = ${at}`);
      worst = Math.max(worst, ulps);
    }
    const gotNear = unaryFast(prim, near);
    const { ulps } = maxUlps(gotNear, near, f);
    assert.ok(ulps <= 2, `${prim} near multiples of pi/2: ${ulps.toFixed(2)} ulp`);
    t.diagnostic(`${prim}: worst ${Math.max(worst, ulps).toFixed(2)} ulp over |x| <= 3e38 (near multiples of pi/2: ${ulps.toFixed(2)})`);
    assertClose(unaryFast(prim, SPECIAL), Array.from(SPECIAL, (v) => Math.fround(f(v))), 2.4e-7, 0, `${prim} specials`);
    withThreads((th) => {
      const x = uniform(10000, -50, 50);
      assertClose(unaryFast(prim, x, 'strided'), Array.from(x, f), 2.4e-7, 1e-37, `${prim} ${th}`);
    });
  }
});

test('erf: within 2e-7 of the float64 erf over [-8, 8], tiny and special values', (t) => {
  let worstRel = 0;
  for (const [lo, hi] of [[-1, 1], [-8, 8], [-1e-3, 1e-3], [0.9, 1.1], [3, 5]] as Array<[number, number]>) {
    const x = uniform(4099, lo, hi);
    const got = unaryFast('erf', x, lo === -8 ? 'transposed' : 'contiguous');
    for (let i = 0; i < x.length; i++) {
      const w = erf64(x[i]!);
      const rel = Math.abs(got[i]! - w) / Math.abs(w);
      if (rel > worstRel) worstRel = rel;
    }
    assertClose(got, Array.from(x, erf64), 2e-7, 1e-45, `erf on [${lo}, ${hi}]`);
  }
  t.diagnostic(`erf: worst relative error ${worstRel.toExponential(2)}`);
  assertClose(unaryFast('erf', SPECIAL), Array.from(SPECIAL, (v) => Math.fround(erf64(v))), 2e-7, 1e-45, 'erf specials');
  withThreads((th) => {
    const x = uniform(10000, -5, 5);
    assertClose(unaryFast('erf', x, 'reversed'), Array.from(x, erf64), 2e-7, 1e-45, `erf ${th}`);
  });
});

// ------------------------------------------------------------------------------------------------
// logical ops, prod, argmin

test('logical ops on bool, float32 (NaN true, -0 false) and int32 operands, strided views', () => {
  const truth = (v: number) => v !== 0;
  const ops = { logicalAnd: (a: boolean, b: boolean) => a && b, logicalOr: (a: boolean, b: boolean) => a || b, logicalXor: (a: boolean, b: boolean) => a !== b };
  withThreads((th) => {
    for (const dtype of DTYPES) {
      for (const n of [1, 15, 16, 17, 1000]) {
        const pick = () => (dtype === 'bool' ? +(R() < 0.5) : [0, -0, 1, -2, NaN, 0.5][Math.floor(R() * 6)]!);
        const a = Array.from({ length: n }, pick).map((v) => (dtype === 'int32' && Number.isNaN(v) ? 7 : v));
        const b = Array.from({ length: n }, pick).map((v) => (dtype === 'int32' && Number.isNaN(v) ? 7 : v));
        const out = { shape: [n], dtype: 'bool' as DType };
        const aw = Array.from(arrayFor(dtype, n).map((_, i) => a[i]!)), bw = Array.from(arrayFor(dtype, n).map((_, i) => b[i]!));
        assertSame(runFast('logicalNot', [view(a, [n], dtype, 'reversed')], {}, out), aw.map((v) => +!truth(v)), 'bool', `${th} not ${dtype} ${n}`);
        for (const [op, f] of Object.entries(ops) as Array<[keyof typeof ops, (a: boolean, b: boolean) => boolean]>) {
          const got = runFast(op, [view(a, [n], dtype, 'strided'), view(b, [n], dtype, 'contiguous')], {}, out);
          assertSame(got, aw.map((v, i) => +f(truth(v), truth(bw[i]!))), 'bool', `${th} ${op} ${dtype} ${n}`);
        }
      }
    }
  });
});

test('prod over consecutive axes: float32 (one rounding, like the float64 reference) and wrapping int32', () => {
  const shape = [3, 5, 37];
  const cases: number[][] = [[2], [0], [1], [0, 1], [1, 2], [0, 1, 2], []];
  withThreads((th) => {
    for (const dtype of ['float32', 'int32'] as DType[]) {
      for (const layout of ['contiguous', 'transposed', 'reversed'] as Layout[]) {
        const vals = Array.from({ length: size(shape) }, () => (dtype === 'int32' ? Math.floor(R() * 7) - 3 || 1 : Math.fround(0.5 + R())));
        if (dtype === 'float32') vals[5] = NaN;
        for (const axes of cases) {
          const a0 = axes.length ? axes[0]! : shape.length;
          const outer = size(shape.slice(0, a0)), red = size(axes.map((d) => shape[d]!)), inner = size(shape.slice(a0 + axes.length));
          const want: number[] = [];
          for (let o = 0; o < outer; o++) {
            for (let c = 0; c < inner; c++) {
              let p = 1;
              for (let r = 0; r < red; r++) {
                const v = vals[(o * red + r) * inner + c]!;
                p = dtype === 'int32' ? Math.imul(p, v) : p * v;
              }
              want.push(p);
            }
          }
          const out = { shape: shape.filter((_, d) => !axes.includes(d)), dtype };
          const got = runFast('prod', [view(vals, shape, dtype, layout)], { axes }, out);
          assertSame(got, want, dtype, `${th} prod ${dtype} ${layout} axes ${axes}`);
        }
      }
    }
  });
});

test('argmin along any axis: first minimum, NaN wins, ties and signed zeros, float32 and int32', () => {
  const shape = [4, 9, 37];
  withThreads((th) => {
    for (const dtype of ['float32', 'int32'] as DType[]) {
      for (const layout of ['contiguous', 'transposed', 'reversed', 'strided'] as Layout[]) {
        const choices = dtype === 'int32' ? [3, -1, 0, 2, -5, -5] : [3, -1, 0, -0, 2, -Infinity, NaN, 1.5];
        const vals = Array.from({ length: size(shape) }, () => choices[Math.floor(R() * (R() < 0.9 ? choices.length - 1 : choices.length))]!);
        for (const axis of [0, 1, 2]) {
          const outer = size(shape.slice(0, axis)), n = shape[axis]!, inner = size(shape.slice(axis + 1));
          const want: number[] = [];
          for (let o = 0; o < outer; o++) {
            for (let c = 0; c < inner; c++) {
              let best = 0;
              for (let r = 1; r < n; r++) {
                const v = vals[(o * n + r) * inner + c]!, b = vals[(o * n + best) * inner + c]!;
                if (v < b || (Number.isNaN(v) && !Number.isNaN(b))) best = r;
              }
              want.push(best);
            }
          }
          const got = runFast('argmin', [view(vals, shape, dtype, layout)], { axis }, { shape: shape.filter((_, d) => d !== axis), dtype: 'int32' });
          assertSame(got, want, 'int32', `${th} argmin ${dtype} ${layout} axis ${axis}`);
        }
      }
    }
  });
});
