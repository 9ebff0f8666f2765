// The depthwise convolution kernels (assembly/depthwise.ts via kernels.ts depthwiseConv2d,
// depthwiseConv2dBackpropInput, depthwiseConv2dBackpropFilter: conv2d with groups = C, kernel [KH, KW, 1, C*m])
// against the CPU reference loops (float64 sums), on 1 and 2 threads, with channel counts that leave SIMD tails,
// multipliers 1, 2 and 3 (the three code paths), strides, dilations, 'same' / 'valid' / asymmetric / negative pads;
// then through the backend (the conv2d primitives with groups dispatch to them), empty batches included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffers, assertClose, checkConvAgainstReference, convSetup, randF32, rng, sizeOf, withThreads, type ConvCase } from './helpers.js';
import { depthwiseConv2d, depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput } from '../../src/backends/wasm/kernels.js';
import * as dt from '../../src/index.js';
import { depthwiseConv2d as depthwiseOp } from '../../src/ops/conv.js';

interface Case extends ConvCase {
  label: string;
  m: number;
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

function setup(c: Case) {
  const { N, g, p } = convSetup(c, c.x[3]);
  return { N, g, p, xs: c.x, ws: [g.KH, g.KW, 1, g.C * c.m], ys: [N, g.OH, g.OW, g.C * c.m] };
}

function check(c: Case, seed: number): void {
  const { N, g, p, xs, ws, ys } = setup(c);
  const tol = 2e-6 * Math.sqrt(g.KH * g.KW * c.m);
  const ftol = 2e-6 * Math.sqrt(N * g.OH * g.OW);
  checkConvAgainstReference(c.label, seed, { xs, ws, ys }, p, (x, w, dy, y, dx, dw) => {
    depthwiseConv2d(x, w, y, N, c.m, g);
    depthwiseConv2dBackpropInput(dy, w, dx, N, c.m, g);
    depthwiseConv2dBackpropFilter(x, dy, dw, N, c.m, g);
  }, tol, ftol);
}

for (const threads of [1, 2]) {
  test(`depthwise kernels vs reference, ${threads} thread(s), default tuning`, () => {
    withThreads(threads, {}, () => CASES.forEach((c, i) => check(c, 300 + i)));
  });
  test(`depthwise kernels vs reference, ${threads} thread(s), many chunks and partials`, () => {
    withThreads(threads, { eltParMin: 16 }, () => CASES.forEach((c, i) => check(c, 400 + i)));
  });
}

test('depthwise filter gradient is deterministic for a thread count', () => {
  withThreads(2, { eltParMin: 64 }, () => {
    const c = CASES[0]!;
    const { N, g, xs, ys, ws } = setup(c);
    const r = rng(7);
    const x = randF32(sizeOf(xs), r), dy = randF32(sizeOf(ys), r);
    const b = new Buffers();
    try {
      const px = b.f32(x), pdy = b.f32(dy), dw = b.nan(sizeOf(ws));
      depthwiseConv2dBackpropFilter(px, pdy, dw, N, c.m, g);
      const first = b.read(dw, sizeOf(ws));
      for (let k = 0; k < 5; k++) {
        depthwiseConv2dBackpropFilter(px, pdy, dw, N, c.m, g);
        assert.deepEqual(b.read(dw, sizeOf(ws)), first);
      }
    } finally {
      b.freeAll();
    }
  });
});

/** depthwiseConv2d and both gradients of sum(y * r) on a backend. */
function opAndGrads(backend: string, x: Float32Array, xs: number[], w: Float32Array, wshape: number[], opts: Parameters<typeof depthwiseOp>[2], seed: number) {
  return dt.withBackend(backend, () => {
    const tx = dt.tensor(x, { shape: xs }), tw = dt.tensor(w, { shape: wshape });
    const y = depthwiseOp(tx, tw, opts);
    const rr = dt.tensor(randF32(sizeOf(y.shape), rng(seed)), { shape: y.shape });
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
    const x = randF32(sizeOf(xs), r), w = randF32(sizeOf(ws), r);
    const got = opAndGrads('wasm', x, xs, w, ws, opts, 600 + i);
    const want = opAndGrads('cpu', x, xs, w, ws, opts, 600 + i);
    assert.deepEqual(got.shape, want.shape);
    assertClose(got.y, want.y, 1e-5, 1e-5, `backend case ${i} forward`);
    assertClose(got.gx, want.gx, 1e-5, 1e-5, `backend case ${i} input gradient`);
    assertClose(got.gw, want.gw, 1e-4, 1e-4, `backend case ${i} filter gradient`);
  });
});
