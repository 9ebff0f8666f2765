// The depthwise convolution kernels (assembly/depthwise.ts via kernels.ts depthwiseConv2d,
// depthwiseConv2dBackpropInput, depthwiseConv2dBackpropFilter: conv2d with groups = C, kernel [KH, KW, 1, C*m])
// against the CPU reference loops (float64 sums), on 1 and 2 threads, with channel counts that leave SIMD tails,
// multipliers 1, 2 and 3 (the three code paths), strides, dilations, 'same' / 'valid' / asymmetric / negative pads;
// then through the backend (the conv2d primitives with groups dispatch to them), empty batches included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffers, assertClose, randF32, rng } from './helpers.js';
import { getNumThreads, setNumThreads } from '../../src/backends/wasm/runtime.js';
import {
  depthwiseConv2d, depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput, tuning, type ConvGeometry,
} from '../../src/backends/wasm/kernels.js';
import { conv2dBackpropFilterRef, conv2dBackpropInputRef, conv2dRef } from '../../src/backends/cpu/conv.js';
import type { Conv2DParams } from '../../src/core/primitives.js';
import * as dt from '../../src/index.js';
import { depthwiseConv2d as depthwiseOp } from '../../src/ops/conv.js';

interface Case {
  label: string;
  x: [number, number, number, number];
  k: [number, number];
  m: number;
  strides?: [number, number];
  dilations?: [number, number];
  pads: [number, number, number, number];
}
const CASES: Case[] = [
  { label: 'MobileNet-like, same', x: [2, 12, 11, 32], k: [3, 3], m: 1, pads: [1, 1, 1, 1] },
  { label: 'C tails (C = 7), valid', x: [2, 9, 10, 7], k: [3, 3], m: 1, pads: [0, 0, 0, 0] },
  { label: 'C = 19 (16 + 3), strides 2, same', x: [3, 11, 10, 19], k: [3, 3], m: 1, strides: [2, 2], pads: [1, 1, 0, 1] },
  { label: 'm = 2, C = 13, same', x: [2, 8, 9, 13], k: [3, 3], m: 2, pads: [1, 1, 1, 1] },
  { label: 'm = 2, C = 10, strides 2', x: [2, 11, 9, 10], k: [3, 3], m: 2, strides: [2, 2], pads: [1, 1, 1, 1] },
  { label: 'm = 2, C = 3, dilations 2', x: [1, 10, 12, 3], k: [3, 3], m: 2, dilations: [2, 2], pads: [2, 2, 2, 2] },
  { label: 'm = 3, C = 5, strides [2, 3]', x: [2, 9, 12, 5], k: [2, 4], m: 3, strides: [2, 3], pads: [0, 1, 1, 2] },
  { label: 'dilations 2, C = 6, valid', x: [2, 12, 10, 6], k: [3, 3], m: 1, dilations: [2, 2], pads: [0, 0, 0, 0] },
  { label: 'negative pads (crop), 5x5', x: [2, 10, 10, 9], k: [5, 5], m: 1, pads: [-1, 2, 1, -2] },
  { label: 'C = 1 per group... 1x1 kernel, stride 2', x: [2, 7, 7, 6], k: [1, 1], m: 2, strides: [2, 2], pads: [0, 0, 0, 0] },
  { label: 'kernel larger than the image', x: [1, 3, 4, 5], k: [5, 5], m: 1, pads: [2, 2, 2, 2] },
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
  const p: Conv2DParams = { strides: [SH, SW], dilations: [DH, DW], pads: c.pads, groups: C };
  return { N, g, p, xs: c.x, ws: [KH, KW, 1, C * c.m], ys: [N, OH, OW, C * c.m] };
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function check(c: Case, seed: number): void {
  const { N, g, p, xs, ws, ys } = setup(c);
  const r = rng(seed);
  const x = randF32(size(xs), r), w = randF32(size(ws), r), dy = randF32(size(ys), r);
  const b = new Buffers();
  try {
    const y = b.nan(size(ys)), dx = b.nan(size(xs)), dw = b.nan(size(ws));
    depthwiseConv2d(b.f32(x), b.f32(w), y, N, c.m, g);
    depthwiseConv2dBackpropInput(b.f32(dy), b.f32(w), dx, N, c.m, g);
    depthwiseConv2dBackpropFilter(b.f32(x), b.f32(dy), dw, N, c.m, g);
    const want = (n: number, f: (out: Float64Array) => void): Float64Array => { const o = new Float64Array(n); f(o); return o; };
    const tol = 2e-6 * Math.sqrt(g.KH * g.KW * c.m);
    assertClose(b.read(y, size(ys)), want(size(ys), (o) => conv2dRef(x, xs, w, ws, p, o, ys)), tol, tol, `${c.label} forward`);
    assertClose(b.read(dx, size(xs)), want(size(xs), (o) => conv2dBackpropInputRef(dy, ys, w, ws, p, o, xs)), tol, tol, `${c.label} input gradient`);
    const ftol = 2e-6 * Math.sqrt(N * g.OH * g.OW);
    assertClose(b.read(dw, size(ws)), want(size(ws), (o) => conv2dBackpropFilterRef(x, xs, dy, ys, p, o, ws)), ftol, ftol, `${c.label} filter gradient`);
  } finally {
    b.freeAll();
  }
}

for (const threads of [1, 2]) {
  test(`depthwise kernels vs reference, ${threads} thread(s), default tuning`, () => {
    const saved = getNumThreads();
    setNumThreads(threads);
    try {
      CASES.forEach((c, i) => check(c, 300 + i));
    } finally {
      setNumThreads(saved);
    }
  });
  test(`depthwise kernels vs reference, ${threads} thread(s), many chunks and partials`, () => {
    const saved = getNumThreads();
    const savedTuning = { ...tuning };
    setNumThreads(threads);
    Object.assign(tuning, { eltParMin: 16 });
    try {
      CASES.forEach((c, i) => check(c, 400 + i));
    } finally {
      Object.assign(tuning, savedTuning);
      setNumThreads(saved);
    }
  });
}

test('depthwise filter gradient is deterministic for a thread count', () => {
  const saved = getNumThreads();
  const savedTuning = { ...tuning };
  setNumThreads(2);
  Object.assign(tuning, { eltParMin: 64 });
  const c = CASES[0]!;
  const { N, g, xs, ys, ws } = setup(c);
  const r = rng(7);
  const x = randF32(size(xs), r), dy = randF32(size(ys), r);
  const b = new Buffers();
  try {
    const px = b.f32(x), pdy = b.f32(dy), dw = b.nan(size(ws));
    depthwiseConv2dBackpropFilter(px, pdy, dw, N, c.m, g);
    const first = b.read(dw, size(ws));
    for (let k = 0; k < 5; k++) {
      depthwiseConv2dBackpropFilter(px, pdy, dw, N, c.m, g);
      assert.deepEqual(b.read(dw, size(ws)), first);
    }
  } finally {
    b.freeAll();
    Object.assign(tuning, savedTuning);
    setNumThreads(saved);
  }
});

/** depthwiseConv2d and both gradients of sum(y * r) on a backend. */
function opAndGrads(backend: string, x: Float32Array, xs: number[], w: Float32Array, wshape: number[], opts: Parameters<typeof depthwiseOp>[2], seed: number) {
  return dt.withBackend(backend, () => {
    const tx = dt.tensor(x, { shape: xs }), tw = dt.tensor(w, { shape: wshape });
    const y = depthwiseOp(tx, tw, opts);
    const rr = dt.tensor(randF32(size(y.shape), rng(seed)), { shape: y.shape });
    const [gx, gw] = dt.grad((a: dt.Tensor, b: dt.Tensor) => dt.sum(dt.mul(depthwiseOp(a, b, opts), rr)), { argnums: [0, 1] })(tx, tw);
    return { y: y.dataSync() as Float32Array, shape: y.shape, gx: gx!.dataSync() as Float32Array, gw: gw!.dataSync() as Float32Array };
  });
}

test('depthwiseConv2d on the wasm backend matches the cpu backend (forward and gradients, empty batch)', () => {
  const shapes: Array<{ xs: number[]; ws: number[]; opts: Parameters<typeof depthwiseOp>[2] }> = [
    { xs: [2, 9, 8, 6], ws: [3, 3, 6, 1], opts: { padding: 'same' } },
    { xs: [2, 9, 8, 5], ws: [3, 3, 5, 2], opts: { padding: 'valid', strides: 2 } },
    { xs: [1, 10, 9, 3], ws: [3, 3, 3, 2], opts: { padding: 'same', dilations: 2 } },
    { xs: [0, 6, 6, 4], ws: [3, 3, 4, 1], opts: { padding: 'same' } },
  ];
  shapes.forEach(({ xs, ws, opts }, i) => {
    const r = rng(500 + i);
    const x = randF32(size(xs), r), w = randF32(size(ws), r);
    const got = opAndGrads('wasm', x, xs, w, ws, opts, 600 + i);
    const want = opAndGrads('cpu', x, xs, w, ws, opts, 600 + i);
    assert.deepEqual(got.shape, want.shape);
    assertClose(got.y, want.y, 1e-5, 1e-5, `backend case ${i} forward`);
    assertClose(got.gx, want.gx, 1e-5, 1e-5, `backend case ${i} input gradient`);
    assertClose(got.gw, want.gw, 1e-4, 1e-4, `backend case ${i} filter gradient`);
  });
});
