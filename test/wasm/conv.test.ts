// The implicit-GEMM convolution kernels (assembly/conv.ts via kernels.ts conv2d, conv2dBackpropFilter,
// conv2dBackpropInput) against the CPU reference loops (float64 sums), on 1 and 2 threads, with shapes that
// cross the packing blocks: several row blocks and chunks, channel counts with SIMD tails (C % 4 != 0),
// output channels that are not a multiple of the micro-kernel's 8 columns, strides > 1 (the col2im input
// gradient), dilations, asymmetric and negative (cropping) pads.
import { test } from 'node:test';
import { Buffers, assertClose, randF32, rng } from './helpers.js';
import { getNumThreads, setNumThreads } from '../../src/backends/wasm/runtime.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, tuning, type ConvGeometry } from '../../src/backends/wasm/kernels.js';
import { conv2dBackpropFilterRef, conv2dBackpropInputRef, conv2dRef } from '../../src/backends/cpu/conv.js';
import type { Conv2DParams } from '../../src/core/primitives.js';

interface Case {
  label: string;
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  strides?: [number, number];
  dilations?: [number, number];
  pads: [number, number, number, number];
}
const CASES: Case[] = [
  { label: 'MNIST conv1 (C = 1)', x: [3, 28, 28, 1], k: [3, 3], co: 32, pads: [1, 1, 1, 1] },
  { label: 'MNIST conv2', x: [2, 14, 14, 32], k: [3, 3], co: 64, pads: [1, 1, 1, 1] },
  { label: 'C and CO tails', x: [2, 9, 11, 7], k: [3, 2], co: 13, pads: [1, 0, 0, 1] },
  { label: 'strides 2, same', x: [3, 10, 9, 6], k: [3, 3], co: 10, strides: [2, 2], pads: [1, 1, 1, 1] },
  { label: 'strides [2, 3], even kernel', x: [2, 9, 12, 4], k: [2, 4], co: 9, strides: [2, 3], pads: [0, 1, 1, 2] },
  { label: 'dilations 2', x: [2, 12, 10, 5], k: [3, 3], co: 8, dilations: [2, 2], pads: [2, 2, 2, 2] },
  { label: 'negative pads (crop)', x: [2, 10, 10, 4], k: [3, 3], co: 6, pads: [-1, 0, 0, -2] },
  { label: 'deep K (Kd > kc)', x: [1, 6, 6, 72], k: [3, 3], co: 20, pads: [1, 1, 1, 1] },
];

function outSize(size: number, k: number, s: number, d: number, before: number, after: number): number {
  return Math.floor((size + before + after - ((k - 1) * d + 1)) / s) + 1;
}

function setup(c: Case) {
  const [N, H, W, C] = c.x;
  const [SH, SW] = c.strides ?? [1, 1];
  const [DH, DW] = c.dilations ?? [1, 1];
  const [KH, KW] = c.k;
  const OH = outSize(H, KH, SH, DH, c.pads[0], c.pads[1]);
  const OW = outSize(W, KW, SW, DW, c.pads[2], c.pads[3]);
  const g: ConvGeometry = { H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT: c.pads[0], PL: c.pads[2] };
  const p: Conv2DParams = { strides: [SH, SW], dilations: [DH, DW], pads: c.pads, groups: 1 };
  return { N, g, p, xs: c.x, ws: [KH, KW, C, c.co], ys: [N, OH, OW, c.co] };
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function check(c: Case, seed: number): void {
  const { N, g, p, xs, ws, ys } = setup(c);
  const r = rng(seed);
  const x = randF32(size(xs), r), w = randF32(size(ws), r), dy = randF32(size(ys), r);
  const b = new Buffers();
  try {
    const y = b.nan(size(ys)), dx = b.nan(size(xs)), dw = b.nan(size(ws));
    conv2d(b.f32(x), b.f32(w), y, N, c.co, g);
    conv2dBackpropInput(b.f32(dy), b.f32(w), dx, N, c.co, g);
    conv2dBackpropFilter(b.f32(x), b.f32(dy), dw, N, c.co, g);
    const want = (n: number, f: (out: Float64Array) => void): Float64Array => { const o = new Float64Array(n); f(o); return o; };
    const Kd = g.KH * g.KW * g.C;
    const tol = 2e-6 * Math.sqrt(Kd);
    assertClose(b.read(y, size(ys)), want(size(ys), (o) => conv2dRef(x, xs, w, ws, p, o, ys)), tol, tol, `${c.label} conv2d`);
    assertClose(b.read(dx, size(xs)), want(size(xs), (o) => conv2dBackpropInputRef(dy, ys, w, ws, p, o, xs)), tol, tol, `${c.label} input gradient`);
    const ftol = 2e-6 * Math.sqrt(N * g.OH * g.OW);
    assertClose(b.read(dw, size(ws)), want(size(ws), (o) => conv2dBackpropFilterRef(x, xs, dy, ys, p, o, ws)), ftol, ftol, `${c.label} filter gradient`);
  } finally {
    b.freeAll();
  }
}

for (const threads of [1, 2]) {
  test(`conv kernels vs reference, ${threads} thread(s), small blocks`, () => {
    const saved = getNumThreads();
    const savedTuning = { ...tuning };
    setNumThreads(threads);
    // small blocks and partials: many row blocks, K blocks and partial gradients even on these shapes
    Object.assign(tuning, { convRows: 12, kc: 40, convGradRows: 20, convGradMinRows: 50, convBlockBytes: 4096, gemmParMinFlops: 1000 });
    try {
      CASES.forEach((c, i) => check(c, 100 + i));
    } finally {
      Object.assign(tuning, savedTuning);
      setNumThreads(saved);
    }
  });
  test(`conv kernels vs reference, ${threads} thread(s), default tuning`, () => {
    const saved = getNumThreads();
    setNumThreads(threads);
    try {
      CASES.forEach((c, i) => check(c, 200 + i));
    } finally {
      setNumThreads(saved);
    }
  });
}
