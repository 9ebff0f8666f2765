// The Winograd kernels (assembly/winograd.ts via kernels.ts conv2dWinograd, conv2dBackpropInputWinograd:
// F(2x2, 3x3); conv2dBackpropFilterWinograd: F(3x3, 2x2)) against the CPU reference loops (float64 sums), on 1 and 2 threads: odd
// output sizes (edge tiles with one valid row or column), 'same', 'valid', asymmetric and cropping pads,
// one and several images, channel counts with SIMD tails (C % 4 != 0) and CO not a multiple of the
// micro-kernel's 8 columns, tiny tile blocks (many blocks and chunks) and the default blocking. Outputs
// start as NaN and carry a NaN guard after their end: every element is written, nothing past the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffers, assertClose, convReference, convSetup, randF32, rng, sizeOf, withThreads, type ConvCase } from './helpers.js';
import { conv2dBackpropFilterWinograd, conv2dBackpropInputWinograd, conv2dWinograd, winogradApplies, type ConvGeometry } from '../../src/backends/wasm/kernels.js';

interface Case extends Omit<ConvCase, 'k'> {
  label: string;
  co: number;
}
const CASES: Case[] = [
  { label: 'MNIST conv2 shape, 3 images', x: [3, 14, 14, 32], co: 64, pads: [1, 1, 1, 1] },
  { label: "odd H/W, 'same', tails", x: [2, 9, 7, 5], co: 13, pads: [1, 1, 1, 1] },
  { label: "odd H/W, 'valid', one image", x: [1, 11, 8, 10], co: 9, pads: [0, 0, 0, 0] },
  { label: 'asymmetric pads', x: [2, 8, 9, 12], co: 6, pads: [2, 0, 1, 2] },
  { label: 'cropping pads', x: [2, 10, 11, 7], co: 17, pads: [-1, 0, 0, -2] },
  { label: 'one output pixel', x: [4, 3, 3, 9], co: 3, pads: [0, 0, 0, 0] },
  { label: 'deep channels', x: [1, 6, 5, 72], co: 40, pads: [1, 1, 1, 1] },
];

const GUARD = 16;
const size = sizeOf;

function setup(c: Case) {
  const { N, g, p } = convSetup({ ...c, k: [3, 3] }, 1);
  return { N, g, p, xs: c.x, ws: [3, 3, g.C, c.co], ys: [N, g.OH, g.OW, c.co] };
}

/**
 * Tolerance for inputs uniform in [-1, 1]: the direct kernels are checked to 2e-6 * sqrt(Kd) (rounding grows
 * like sqrt of the Kd = 9C terms summed). Winograd sums the same terms after transforms that grow the operands'
 * magnitudes (Bᵀ d B: sums of up to 4 inputs; G g Gᵀ: up to 2.25x the weights) and adds the 16 products back
 * with cancellation in Aᵀ m A, so its rounding error is a few times larger (measured: about 1.1e-6 * sqrt(Kd)
 * worst case on these shapes); 8e-6 * sqrt(Kd) leaves a margin while still catching any wrong term (>= ~0.1).
 */
const tolerance = (C: number): number => 8e-6 * Math.sqrt(9 * C);

function readChecked(b: Buffers, p: number, n: number, what: string): Float32Array {
  const all = b.read(p, n + GUARD);
  for (let i = n; i < n + GUARD; i++) assert.ok(Number.isNaN(all[i]), `${what}: wrote past the end (element ${i - n} of the guard)`);
  return all.subarray(0, n);
}

function check(c: Case, seed: number): void {
  const { N, g, p, xs, ws, ys } = setup(c);
  const r = rng(seed);
  const x = randF32(size(xs), r), w = randF32(size(ws), r), dy = randF32(size(ys), r);
  const b = new Buffers();
  try {
    const y = b.nan(size(ys) + GUARD), dx = b.nan(size(xs) + GUARD), dw = b.nan(size(ws) + GUARD);
    conv2dWinograd(b.f32(x), b.f32(w), y, N, c.co, g);
    conv2dBackpropInputWinograd(b.f32(dy), b.f32(w), dx, N, c.co, g);
    conv2dBackpropFilterWinograd(b.f32(x), b.f32(dy), dw, N, c.co, g);
    const ref = convReference(x, w, dy, xs, ws, ys, p);
    // the forward convolution sums 9 * C terms, the input gradient 9 * CO
    assertClose(readChecked(b, y, size(ys), c.label), ref.y, tolerance(g.C), tolerance(g.C), `${c.label} conv2d`);
    assertClose(readChecked(b, dx, size(xs), c.label), ref.dx, tolerance(c.co), tolerance(c.co), `${c.label} input gradient`);
    // the filter gradient sums 4 terms per 2x2 tile, N * OH * OW in all
    const ftol = 8e-6 * Math.sqrt(N * g.OH * g.OW);
    assertClose(readChecked(b, dw, size(ws), c.label), ref.dw, ftol, ftol, `${c.label} filter gradient`);
  } finally {
    b.freeAll();
  }
}

for (const threads of [1, 2]) {
  test(`Winograd conv vs reference, ${threads} thread(s), tiny blocks and chunks`, () => {
    // blocks of 4 tiles, chunks from a few thousand flops, filter-gradient partials of 2 tiles: many blocks per
    // chunk, many chunks (more partials than chunks with tiles: empty ones)
    withThreads(threads, { convBlockBytes: 1, gemmParMinFlops: 1000, convGradMinRows: 8 }, () => CASES.forEach((c, i) => check(c, 100 + i)));
  });
  test(`Winograd conv vs reference, ${threads} thread(s), default tuning`, () => {
    withThreads(threads, {}, () => CASES.forEach((c, i) => check(c, 200 + i)));
  });
}

test('Winograd conv: empty outputs, and shapes it does not take', () => {
  const b = new Buffers();
  try {
    // 2x2 input, 'valid': no output pixels; the input gradient is all zeros
    const g: ConvGeometry = { H: 2, W: 2, C: 8, OH: 0, OW: 0, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PT: 0, PL: 0 };
    const dx = b.nan(2 * 2 * 2 * 8);
    conv2dBackpropInputWinograd(b.f32(1), b.f32(randF32(9 * 8 * 8, rng(1))), dx, 2, 8, g);
    assert.deepEqual([...b.read(dx, 64)], new Array(64).fill(0));
    const dw = b.nan(9 * 8 * 8);
    conv2dBackpropFilterWinograd(b.f32(64), b.f32(1), dw, 2, 8, g);
    assert.deepEqual([...b.read(dw, 9 * 64)], new Array(9 * 64).fill(0));
    const strided = { ...g, H: 8, W: 8, OH: 3, OW: 3, SH: 2, SW: 2 };
    assert.equal(winogradApplies(strided), false);
    assert.equal(winogradApplies({ ...g, KW: 2 }), false);
    assert.equal(winogradApplies({ ...g, DH: 2 }), false);
    assert.throws(() => conv2dWinograd(b.f32(512), b.f32(576), b.f32(576), 1, 8, strided), /3x3 kernel, stride 1, dilation 1/);
  } finally {
    b.freeAll();
  }
});
