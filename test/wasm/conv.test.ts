// The implicit-GEMM convolution kernels (assembly/conv.ts via kernels.ts conv2d, conv2dBackpropFilter,
// conv2dBackpropInput) against the CPU reference loops (float64 sums), on 1 and 2 threads, with shapes that
// cross the packing blocks: several row blocks and chunks, channel counts with SIMD tails (C % 4 != 0),
// output channels that are not a multiple of the micro-kernel's 8 columns, strides > 1 (the col2im input
// gradient), dilations, asymmetric and negative (cropping) pads.
import { test } from 'node:test';
import { checkConvAgainstReference, convSetup, withThreads, type ConvCase } from './helpers.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from '../../src/backends/wasm/kernels.js';

interface Case extends ConvCase {
  label: string;
  co: number;
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

function check(c: Case, seed: number): void {
  const { N, g, p } = convSetup(c, 1);
  const shapes = { xs: c.x, ws: [g.KH, g.KW, g.C, c.co], ys: [N, g.OH, g.OW, c.co] };
  const tol = 2e-6 * Math.sqrt(g.KH * g.KW * g.C);
  const ftol = 2e-6 * Math.sqrt(N * g.OH * g.OW);
  checkConvAgainstReference(c.label, seed, shapes, p, (x, w, dy, y, dx, dw) => {
    conv2d(x, w, y, N, c.co, g);
    conv2dBackpropInput(dy, w, dx, N, c.co, g);
    conv2dBackpropFilter(x, dy, dw, N, c.co, g);
  }, tol, ftol);
}

for (const threads of [1, 2]) {
  test(`conv kernels vs reference, ${threads} thread(s), small blocks`, () => {
    // small blocks and partials: many row blocks, K blocks and partial gradients even on these shapes
    withThreads(threads, { convRows: 12, kc: 40, convGradRows: 20, convGradMinRows: 50, convBlockBytes: 4096, gemmParMinFlops: 1000 }, () => CASES.forEach((c, i) => check(c, 100 + i)));
  });
  test(`conv kernels vs reference, ${threads} thread(s), default tuning`, () => {
    withThreads(threads, {}, () => CASES.forEach((c, i) => check(c, 200 + i)));
  });
}
