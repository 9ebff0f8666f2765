// Shared helpers for the wasm kernel tests: builds the .wasm if missing, seeded random data,
// buffer round trips and float64 reference comparisons.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { alloc, free, getNumThreads, heapU8, initWasm, readF32, setNumThreads, setWasmHost, writeF32, writeI32 } from '../../src/backends/wasm/runtime.js';
import { nodeHost } from '../../src/backends/wasm/node-host.js';
import { tuning, type ConvGeometry } from '../../src/backends/wasm/kernels.js';
import { conv2dBackpropFilterRef, conv2dBackpropInputRef, conv2dRef } from '../../src/backends/cpu/conv.js';
import type { Conv2DParams } from '../../src/core/primitives.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Builds build/wasm if needed (the build is incremental and quick when up to date). */
export function ensureWasm(): void {
  if (existsSync(path.join(root, 'build', 'wasm', 'deepts-simd.wasm')) && existsSync(path.join(root, 'build', 'wasm', 'deepts-relaxed.wasm'))) return;
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-wasm.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build-wasm failed');
}

ensureWasm();
setWasmHost(nodeHost); // what the Node entry (src/index.ts) does; these tests use the runtime directly
initWasm();

/** Mulberry32: deterministic uniform [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randF32(n: number, r: () => number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

/** Tracks buffers so that a test can free everything it allocated. */
export class Buffers {
  private ptrs: number[] = [];
  f32(data: ArrayLike<number> | number): number {
    const n = typeof data === 'number' ? data : data.length;
    const p = alloc(n * 4);
    this.ptrs.push(p);
    if (typeof data !== 'number') writeF32(p, data);
    return p;
  }
  i32(data: ArrayLike<number>): number {
    const p = alloc(data.length * 4);
    this.ptrs.push(p);
    writeI32(p, data);
    return p;
  }
  /** A buffer pre-filled with NaN (catches kernels that read what they should not). */
  nan(n: number): number {
    return this.f32(new Float32Array(n).fill(NaN));
  }
  read(p: number, n: number): Float32Array {
    return readF32(p, n);
  }
  /** A byte buffer (bool tensors), copied from data or left unspecified. */
  u8(data: ArrayLike<number> | number): number {
    const n = typeof data === 'number' ? data : data.length;
    const p = alloc(Math.max(n, 1));
    this.ptrs.push(p);
    if (typeof data !== 'number') heapU8().set(data, p);
    return p;
  }
  readU8(p: number, n: number): Uint8Array {
    return heapU8().slice(p, p + n);
  }
  freeAll(): void {
    for (const p of this.ptrs) free(p);
    this.ptrs = [];
  }
}

/**
 * Asserts |got - want| <= atol + rtol * |want| elementwise (NaN must match NaN, infinities exactly).
 * Reports the worst element.
 */
export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number, what = ''): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length} != ${want.length}`);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isNaN(w)) {
      if (!Number.isNaN(g)) throw new Error(`${what}[${i}]: got ${g}, want NaN`);
      continue;
    }
    if (!Number.isFinite(w)) {
      if (g !== w) throw new Error(`${what}[${i}]: got ${g}, want ${w}`);
      continue;
    }
    const excess = Math.abs(g - w) - (atol + rtol * Math.abs(w));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`${what}[${worst}]: got ${got[worst]}, want ${want[worst]} (|diff| ${Math.abs(got[worst]! - want[worst]!)}, ` +
      `tolerance ${atol + rtol * Math.abs(want[worst]!)})`);
  }
}

/** float64 reference GEMM: C = alpha op(A) op(B) + beta C (returns a new array). */
export function refGemm(
  tA: boolean, tB: boolean, M: number, N: number, K: number, alpha: number,
  A: ArrayLike<number>, lda: number, B: ArrayLike<number>, ldb: number, beta: number, C: ArrayLike<number>, ldc: number,
): Float64Array {
  const out = Float64Array.from(C as ArrayLike<number>);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (tA ? A[k * lda + i]! : A[i * lda + k]!) * (tB ? B[j * ldb + k]! : B[k * ldb + j]!);
      const c = beta === 0 ? 0 : beta * C[i * ldc + j]!;
      out[i * ldc + j] = (alpha === 0 ? 0 : alpha * s) + c;
    }
  }
  return out;
}

export const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Runs fn with `threads` pool threads and the given tuning overrides, restoring both afterwards. */
export function withThreads(threads: number, overrides: Partial<typeof tuning>, fn: () => void): void {
  const saved = getNumThreads();
  const savedTuning = { ...tuning };
  setNumThreads(threads);
  Object.assign(tuning, overrides);
  try {
    fn();
  } finally {
    Object.assign(tuning, savedTuning);
    setNumThreads(saved);
  }
}

/** A convolution test case: NHWC input shape, kernel size, strides, dilations, explicit pads [top, bottom, left, right]. */
export interface ConvCase {
  x: readonly [number, number, number, number];
  k: readonly [number, number];
  strides?: readonly [number, number];
  dilations?: readonly [number, number];
  pads: [number, number, number, number];
}

/** The kernels' geometry, the primitive's params and the output spatial size of a case. */
export function convSetup(c: ConvCase, groups: number): { N: number; g: ConvGeometry; p: Conv2DParams } {
  const [N, H, W, C] = c.x;
  const [SH, SW] = c.strides ?? [1, 1];
  const [DH, DW] = c.dilations ?? [1, 1];
  const [KH, KW] = c.k;
  const out = (size: number, k: number, s: number, d: number, before: number, after: number): number => Math.floor((size + before + after - ((k - 1) * d + 1)) / s) + 1;
  const OH = out(H, KH, SH, DH, c.pads[0], c.pads[1]);
  const OW = out(W, KW, SW, DW, c.pads[2], c.pads[3]);
  const g: ConvGeometry = { H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT: c.pads[0], PL: c.pads[2] };
  return { N, g, p: { strides: [SH, SW], dilations: [DH, DW], pads: c.pads, groups } };
}

/** The CPU reference's forward, input gradient and filter gradient (float64 sums) for x, w, dy. */
export function convReference(x: Float32Array, w: Float32Array, dy: Float32Array, xs: readonly number[], ws: readonly number[], ys: readonly number[], p: Conv2DParams) {
  const y = new Float64Array(sizeOf(ys)), dx = new Float64Array(sizeOf(xs)), dw = new Float64Array(sizeOf(ws));
  conv2dRef(x, xs, w, ws, p, y, ys);
  conv2dBackpropInputRef(dy, ys, w, ws, p, dx, xs);
  conv2dBackpropFilterRef(x, xs, dy, ys, p, dw, ws);
  return { y, dx, dw };
}

/** The three kernels of one convolution, given device pointers of x, w, dy and of the y, dx, dw outputs. */
export type ConvKernels = (x: number, w: number, dy: number, y: number, dx: number, dw: number) => void;

/**
 * Runs `kernels` on random x, w, dy (uniform in [-1, 1] from `seed`) and compares y, dx, dw with the CPU reference:
 * forward and input gradient within `tol`, filter gradient within `ftol` (relative and absolute).
 */
export function checkConvAgainstReference(label: string, seed: number, shapes: { xs: readonly number[]; ws: readonly number[]; ys: readonly number[] }, p: Conv2DParams, kernels: ConvKernels, tol: number, ftol: number): void {
  const { xs, ws, ys } = shapes;
  const r = rng(seed);
  const x = randF32(sizeOf(xs), r), w = randF32(sizeOf(ws), r), dy = randF32(sizeOf(ys), r);
  const b = new Buffers();
  try {
    const y = b.nan(sizeOf(ys)), dx = b.nan(sizeOf(xs)), dw = b.nan(sizeOf(ws));
    kernels(b.f32(x), b.f32(w), b.f32(dy), y, dx, dw);
    const want = convReference(x, w, dy, xs, ws, ys, p);
    assertClose(b.read(y, sizeOf(ys)), want.y, tol, tol, `${label} forward`);
    assertClose(b.read(dx, sizeOf(xs)), want.dx, tol, tol, `${label} input gradient`);
    assertClose(b.read(dw, sizeOf(ws)), want.dw, ftol, ftol, `${label} filter gradient`);
  } finally {
    b.freeAll();
  }
}
