/**
 * Convolution and pooling ops: forward values against naive float64 references written independently of the
 * kernels (explicit padded arrays; zero-insertion for transposed convolutions), output sizes against the
 * TensorFlow/Keras formulas, and gradients (first and second order) by central differences.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { run } from '../../src/core/engine.js';
import type { Conv2DParams, Pool2DParams } from '../../src/core/primitives.js';
import { assertClose, assertThrowsWith, values } from '../helpers/assert.js';

// semantics are checked on the CPU reference backend (float64 for gradient checks), whichever backend is the default
dt.setBackend('cpu');

// ---------------------------------------------------------------------------------------------
// independent references (plain nested arrays of float64)

type Arr4 = number[][][][];
let seedState = 7;
function rnd(): number {
  seedState = (seedState * 1103515245 + 12345) % 2147483648;
  return (seedState / 2147483648) * 2 - 1;
}
function randomArr(shape: number[]): Arr4 {
  const [a, b, c, d] = shape;
  return Array.from({ length: a }, () => Array.from({ length: b }, () => Array.from({ length: c }, () => Array.from({ length: d }, rnd))));
}
const flat = (a: Arr4): number[] => a.flat(3);
const shapeOf = (a: Arr4): number[] => [a.length, a[0].length, a[0][0].length, a[0][0][0].length];
const t64 = (a: Arr4): dt.Tensor => dt.tensor(flat(a), { shape: shapeOf(a), dtype: 'float64' });
const zeros4 = (s: number[], v = 0): Arr4 => Array.from({ length: s[0] }, () => Array.from({ length: s[1] }, () => Array.from({ length: s[2] }, () => new Array<number>(s[3]).fill(v))));

/** TensorFlow's documented 'same' rule, restated. */
function tfSame(inSize: number, k: number, s: number, d: number): [number, number] {
  const eff = (k - 1) * d + 1;
  const out = Math.ceil(inSize / s);
  const total = Math.max((out - 1) * s + eff - inSize, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Copies x into a bigger array filled with `fill`, offset by the pads. */
function padArr(x: Arr4, [t, b, l, r]: number[], fill = 0): Arr4 {
  const [n, h, w, c] = shapeOf(x);
  const out = zeros4([n, h + t + b, w + l + r, c], fill);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) for (let k = 0; k < c; k++) out[i][y + t][z + l][k] = x[i][y][z][k];
  return out;
}

function refConv(x: Arr4, w: Arr4, o: { s: [number, number]; d: [number, number]; pads: number[]; groups: number }): Arr4 {
  const xp = padArr(x, o.pads);
  const [n, hp, wp, c] = shapeOf(xp);
  const [kh, kw, cig, co] = shapeOf(w);
  const oh = Math.floor((hp - ((kh - 1) * o.d[0] + 1)) / o.s[0]) + 1;
  const ow = Math.floor((wp - ((kw - 1) * o.d[1] + 1)) / o.s[1]) + 1;
  const cog = co / o.groups;
  assert.equal(c, cig * o.groups);
  const y = zeros4([n, oh, ow, co]);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let f = 0; f < co; f++) {
          const g = Math.floor(f / cog);
          let s = 0;
          for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) for (let k = 0; k < cig; k++) s += xp[b][i * o.s[0] + u * o.d[0]][j * o.s[1] + v * o.d[1]][g * cig + k] * w[u][v][k][f];
          y[b][i][j][f] = s;
        }
  return y;
}

/**
 * Transposed convolution the other way round: insert stride-1 zeros between input pixels, pad by
 * (effective kernel - 1 - cropBefore) before, enough after, and correlate with the spatially flipped kernel
 * whose in/out channel axes are swapped. w is [kh, kw, cout, cin].
 */
function refConvTranspose(x: Arr4, w: Arr4, s: [number, number], d: [number, number], cropBefore: [number, number], outSize: [number, number]): Arr4 {
  const [n, h, wd, cin] = shapeOf(x);
  const [kh, kw, cout] = shapeOf(w);
  const eff = [(kh - 1) * d[0] + 1, (kw - 1) * d[1] + 1];
  const dil = zeros4([n, (h - 1) * s[0] + 1, (wd - 1) * s[1] + 1, cin]);
  for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) for (let j = 0; j < wd; j++) for (let c = 0; c < cin; c++) dil[b][i * s[0]][j * s[1]][c] = x[b][i][j][c];
  const before = [eff[0] - 1 - cropBefore[0], eff[1] - 1 - cropBefore[1]];
  const after = [0, 1].map((a) => Math.max(0, outSize[a] + eff[a] - 1 - before[a] - shapeOf(dil)[a + 1]));
  const xp = padArr(dil, [before[0], after[0], before[1], after[1]]);
  const y = zeros4([n, outSize[0], outSize[1], cout]);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < outSize[0]; i++)
      for (let j = 0; j < outSize[1]; j++)
        for (let f = 0; f < cout; f++) {
          let acc = 0;
          for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) for (let c = 0; c < cin; c++) acc += xp[b][i + u * d[0]][j + v * d[1]][c] * w[kh - 1 - u][kw - 1 - v][f][c];
          y[b][i][j][f] = acc;
        }
  return y;
}

function refPool(x: Arr4, k: [number, number], s: [number, number], pads: number[], kind: 'max' | 'avg'): Arr4 {
  const xp = padArr(x, pads, NaN); // NaN marks padding
  const [n, hp, wp, c] = shapeOf(xp);
  const oh = Math.floor((hp - k[0]) / s[0]) + 1;
  const ow = Math.floor((wp - k[1]) / s[1]) + 1;
  const y = zeros4([n, oh, ow, c]);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let f = 0; f < c; f++) {
          const vals: number[] = [];
          for (let u = 0; u < k[0]; u++) for (let v = 0; v < k[1]; v++) vals.push(xp[b][i * s[0] + u][j * s[1] + v][f]);
          const real = vals.filter((q) => !Number.isNaN(q));
          y[b][i][j][f] = kind === 'max' ? Math.max(...real) : real.reduce((p, q) => p + q, 0) / real.length;
        }
  return y;
}

const nchw = (a: Arr4): dt.Tensor => dt.transpose(t64(a), [0, 3, 1, 2]);

// ---------------------------------------------------------------------------------------------

describe('conv2d forward', () => {
  const cases: { name: string; x: number[]; w: number[]; opts: dt.Conv2DOptions }[] = [
    { name: 'valid, stride 1', x: [2, 5, 6, 3], w: [3, 3, 3, 4], opts: {} },
    { name: 'same, stride 1, 3x3', x: [1, 5, 5, 2], w: [3, 3, 2, 3], opts: { padding: 'same' } },
    { name: 'same, stride 2, odd input', x: [2, 7, 7, 2], w: [3, 3, 2, 3], opts: { padding: 'same', strides: 2 } },
    { name: 'same, stride 2, even input (pad only at the end)', x: [1, 8, 6, 2], w: [3, 3, 2, 2], opts: { padding: 'same', strides: 2 } },
    { name: 'same, 4x4 kernel (pad 1 before, 2 after)', x: [1, 6, 6, 1], w: [4, 4, 1, 2], opts: { padding: 'same' } },
    { name: 'valid, strides [2, 3], 2x4 kernel', x: [1, 9, 11, 2], w: [2, 4, 2, 3], opts: { strides: [2, 3] } },
    { name: 'dilation 2, same', x: [1, 7, 8, 2], w: [3, 3, 2, 2], opts: { dilations: 2, padding: 'same' } },
    { name: 'dilations [2, 1] with stride 2, valid', x: [1, 9, 9, 1], w: [3, 2, 1, 2], opts: { dilations: [2, 1], strides: 2 } },
    { name: 'groups 2', x: [2, 5, 5, 4], w: [3, 3, 2, 6], opts: { groups: 2, padding: 'same' } },
    { name: 'groups 3, stride 2', x: [1, 6, 6, 6], w: [2, 2, 2, 3], opts: { groups: 3, strides: 2 } },
    { name: 'explicit pads [[1, 0], [2, 1]]', x: [1, 4, 5, 2], w: [3, 3, 2, 2], opts: { padding: [[1, 0], [2, 1]] } },
    { name: 'symmetric numeric pad 2 (PyTorch style)', x: [1, 5, 5, 1], w: [5, 5, 1, 2], opts: { padding: 2, strides: 2 } },
    { name: '1x1 kernel', x: [2, 3, 3, 5], w: [1, 1, 5, 4], opts: {} },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const x = randomArr(c.x);
      const w = randomArr(c.w);
      const s = dt.conv2d(t64(x), t64(w), c.opts);
      const strides = typeof c.opts.strides === 'number' ? [c.opts.strides, c.opts.strides] : (c.opts.strides ?? [1, 1]);
      const dil = typeof c.opts.dilations === 'number' ? [c.opts.dilations, c.opts.dilations] : (c.opts.dilations ?? [1, 1]);
      let pads: number[];
      const p = c.opts.padding ?? 'valid';
      if (p === 'same') pads = [...tfSame(c.x[1], c.w[0], strides[0], dil[0]), ...tfSame(c.x[2], c.w[1], strides[1], dil[1])];
      else if (p === 'valid') pads = [0, 0, 0, 0];
      else if (typeof p === 'number') pads = [p, p, p, p];
      else pads = (p as number[][]).flat();
      const ref = refConv(x, w, { s: strides as [number, number], d: dil as [number, number], pads, groups: c.opts.groups ?? 1 });
      assert.deepEqual(s.shape, shapeOf(ref));
      assertClose(s, flat(ref), { rtol: 1e-12, atol: 1e-12 });
      if (p === 'same') assert.deepEqual(s.shape.slice(1, 3), [Math.ceil(c.x[1] / strides[0]), Math.ceil(c.x[2] / strides[1])]);
    });
  }
  test('float32 matches float64 to float32 precision', () => {
    const x = randomArr([1, 6, 6, 3]);
    const w = randomArr([3, 3, 3, 4]);
    const a = dt.conv2d(t64(x).cast('float32'), t64(w).cast('float32'), { padding: 'same', strides: 2 });
    assert.equal(a.dtype, 'float32');
    assertClose(a, dt.conv2d(t64(x), t64(w), { padding: 'same', strides: 2 }), { rtol: 1e-5, atol: 1e-5 });
  });
  test('channelsFirst equals channelsLast transposed', () => {
    const x = randomArr([2, 5, 6, 3]);
    const w = randomArr([3, 3, 3, 4]);
    const y = dt.conv2d(nchw(x), t64(w), { padding: 'same', strides: 2, dataFormat: 'channelsFirst' });
    assert.deepEqual(y.shape, [2, 4, 3, 3]);
    assertClose(y, dt.transpose(dt.conv2d(t64(x), t64(w), { padding: 'same', strides: 2 }), [0, 3, 1, 2]), { rtol: 1e-12 });
  });
  test('views as inputs (transposed, sliced) give the same result', () => {
    const x = randomArr([1, 6, 6, 2]);
    const w = randomArr([3, 3, 2, 2]);
    const sliced = dt.slice(t64(x), [null, { start: 1 }, { start: 0, step: 2 }]);
    assertClose(dt.conv2d(sliced, t64(w)), dt.conv2d(sliced.contiguous(), t64(w)), { rtol: 0, atol: 0 });
  });
  test('errors name the op and the shapes', () => {
    const x = dt.zeros([1, 4, 4, 3]);
    assertThrowsWith(() => dt.conv2d(x, dt.zeros([3, 3, 2, 4])), dt.ShapeError, /conv2d: input \[1,4,4,3\] and kernel \[3,3,2,4\] do not fit 1 group/);
    assertThrowsWith(() => dt.conv2d(x, dt.zeros([5, 5, 3, 1])), dt.ShapeError, /conv2d: the height window 5 is larger than the padded height 4/);
    assertThrowsWith(() => dt.conv2d(dt.zeros([4, 4, 3]), dt.zeros([3, 3, 3, 1])), dt.ShapeError, /conv2d: expected a rank-4 input/);
    assertThrowsWith(() => dt.conv2d(x, dt.zeros([1, 1, 3, 1]), { padding: 'full' as never }), dt.ValueError, /conv2d: padding must be/);
    assertThrowsWith(() => dt.conv2d(x, dt.zeros([1, 1, 3, 1]), { strides: 0 }), dt.ValueError, /conv2d: strides must be a positive integer/);
    assertThrowsWith(() => dt.conv2d(x, dt.zeros([1, 1, 3, 1], 'float64')), dt.DTypeError, /same float dtype/);
  });
});

describe('depthwise, separable and transposed convolutions', () => {
  test('depthwiseConv2d: channel c*m + j is input channel c convolved with w[..., c, j]', () => {
    const x = randomArr([2, 6, 5, 3]);
    const w = randomArr([3, 3, 3, 2]);
    const y = dt.depthwiseConv2d(t64(x), t64(w), { padding: 'same', strides: 2 });
    assert.deepEqual(y.shape, [2, 3, 3, 6]);
    for (let c = 0; c < 3; c++) {
      for (let j = 0; j < 2; j++) {
        const xc = x.map((b) => b.map((r) => r.map((p) => [p[c]])));
        const wc = w.map((r) => r.map((p) => [[p[c][j]]]));
        const ref = refConv(xc, wc, { s: [2, 2], d: [1, 1], pads: [...tfSame(6, 3, 2, 1), ...tfSame(5, 3, 2, 1)], groups: 1 });
        const got = dt.slice(y, [null, null, null, { start: c * 2 + j, stop: c * 2 + j + 1 }]);
        assertClose(got, flat(ref), { rtol: 1e-12, atol: 1e-14 });
      }
    }
  });
  test('separableConv2d = depthwise then 1x1', () => {
    const x = t64(randomArr([1, 5, 5, 2]));
    const dw = t64(randomArr([3, 3, 2, 2]));
    const pw = t64(randomArr([1, 1, 4, 3]));
    const y = dt.separableConv2d(x, dw, pw, { padding: 'same' });
    assert.deepEqual(y.shape, [1, 5, 5, 3]);
    assertClose(y, dt.conv2d(dt.depthwiseConv2d(x, dw, { padding: 'same' }), pw), { rtol: 1e-12 });
  });
  const tcases: { name: string; x: number[]; w: number[]; opts: dt.Conv2DTransposeOptions; out: [number, number]; crop: [number, number] }[] = [
    // Keras: 'same' -> in * stride; 'valid' -> (in - 1) * stride + max(k, stride)
    { name: 'same, stride 2, 3x3', x: [1, 3, 4, 2], w: [3, 3, 3, 2], opts: { strides: 2, padding: 'same' }, out: [6, 8], crop: [0, 0] },
    { name: 'same, stride 2, 4x4', x: [1, 3, 3, 1], w: [4, 4, 2, 1], opts: { strides: 2, padding: 'same' }, out: [6, 6], crop: [1, 1] },
    { name: 'valid, stride 2, 3x3', x: [2, 3, 3, 2], w: [3, 3, 2, 2], opts: { strides: 2 }, out: [7, 7], crop: [0, 0] },
    { name: 'valid, stride 3 > kernel 2', x: [1, 2, 3, 1], w: [2, 2, 1, 1], opts: { strides: 3 }, out: [6, 9], crop: [0, 0] },
    { name: 'valid, stride 1 (full correlation)', x: [1, 3, 3, 2], w: [2, 3, 2, 2], opts: {}, out: [4, 5], crop: [0, 0] },
    { name: 'same, stride 2, outputPadding 1 (Keras: (in-1)*s + k%2 + op)', x: [1, 3, 3, 1], w: [3, 3, 1, 1], opts: { strides: 2, padding: 'same', outputPadding: 1 }, out: [6, 6], crop: [0, 0] },
    { name: 'PyTorch padding 1, stride 2, outputPadding 1', x: [1, 4, 4, 2], w: [3, 3, 2, 2], opts: { strides: 2, padding: 1, outputPadding: 1 }, out: [8, 8], crop: [1, 1] },
    { name: 'dilation 2, valid', x: [1, 3, 3, 2], w: [2, 2, 1, 2], opts: { dilations: 2 }, out: [5, 5], crop: [0, 0] },
  ];
  for (const c of tcases) {
    test(`conv2dTranspose: ${c.name}`, () => {
      const x = randomArr(c.x);
      const w = randomArr(c.w);
      const y = dt.conv2dTranspose(t64(x), t64(w), c.opts);
      assert.deepEqual(y.shape, [c.x[0], ...c.out, c.w[2]]);
      const s = typeof c.opts.strides === 'number' ? [c.opts.strides, c.opts.strides] : [1, 1];
      const d = typeof c.opts.dilations === 'number' ? [c.opts.dilations, c.opts.dilations] : [1, 1];
      const ref = refConvTranspose(x, w, s as [number, number], d as [number, number], c.crop, c.out);
      assertClose(y, flat(ref), { rtol: 1e-12, atol: 1e-13 });
    });
  }
  test('conv2dTranspose is the adjoint of conv2d: <conv(u), v> = <u, convT(v)>', () => {
    const u = t64(randomArr([2, 7, 6, 3]));
    const w = t64(randomArr([3, 3, 3, 4]));
    const y = dt.conv2d(u, w, { strides: 2, padding: 'same' });
    const v = t64(randomArr(y.shape.slice()));
    const back = dt.conv2dTranspose(v, w, { strides: 2, padding: 'same', outputShape: [7, 6] });
    assert.deepEqual(back.shape, u.shape);
    assertClose(dt.sum(dt.mul(y, v)), dt.sum(dt.mul(u, back)).item(), { rtol: 1e-12 });
  });
  test('conv2dTranspose channelsFirst', () => {
    const x = randomArr([1, 3, 3, 2]);
    const w = t64(randomArr([3, 3, 4, 2]));
    const a = dt.conv2dTranspose(nchw(x), w, { strides: 2, padding: 'same', dataFormat: 'channelsFirst' });
    assert.deepEqual(a.shape, [1, 4, 6, 6]);
    assertClose(a, dt.transpose(dt.conv2dTranspose(t64(x), w, { strides: 2, padding: 'same' }), [0, 3, 1, 2]), { rtol: 1e-12 });
  });
  test('conv2dTranspose checks channels', () => {
    assertThrowsWith(() => dt.conv2dTranspose(dt.zeros([1, 3, 3, 2]), dt.zeros([3, 3, 4, 5])), dt.ShapeError, /conv2dTranspose: input \[1,3,3,2\] has 2 channels, the kernel \[3,3,4,5\] expects 5/);
  });
});

describe('pooling forward', () => {
  const cases: { name: string; x: number[]; opts: dt.Pool2DOptions }[] = [
    { name: '2x2 default', x: [2, 6, 6, 3], opts: {} },
    { name: '2x2 valid, odd input drops the last row', x: [1, 5, 7, 2], opts: {} },
    { name: '3x3 stride 2 same', x: [1, 7, 6, 2], opts: { poolSize: 3, strides: 2, padding: 'same' } },
    { name: '2x2 stride 2 same on odd input', x: [1, 5, 5, 1], opts: { padding: 'same' } },
    { name: '3x3 stride 1 same (inception branch)', x: [1, 4, 5, 2], opts: { poolSize: 3, strides: 1, padding: 'same' } },
    { name: '[3, 2] stride [1, 2] valid', x: [1, 5, 6, 2], opts: { poolSize: [3, 2], strides: [1, 2] } },
    { name: '3x3 stride 2 explicit pad 1 (PyTorch style)', x: [1, 6, 6, 2], opts: { poolSize: 3, strides: 2, padding: 1 } },
  ];
  for (const c of cases) {
    for (const kind of ['max', 'avg'] as const) {
      test(`${kind}Pool2d: ${c.name}`, () => {
        const x = randomArr(c.x);
        const k = typeof c.opts.poolSize === 'number' ? [c.opts.poolSize, c.opts.poolSize] : (c.opts.poolSize ?? [2, 2]);
        const s = typeof c.opts.strides === 'number' ? [c.opts.strides, c.opts.strides] : (c.opts.strides ?? k);
        const p = c.opts.padding ?? 'valid';
        const pads = p === 'same' ? [...tfSame(c.x[1], k[0], s[0], 1), ...tfSame(c.x[2], k[1], s[1], 1)] : p === 'valid' ? [0, 0, 0, 0] : [p, p, p, p] as number[];
        const ref = refPool(x, k as [number, number], s as [number, number], pads, kind);
        const y = kind === 'max' ? dt.maxPool2d(t64(x), c.opts) : dt.avgPool2d(t64(x), c.opts);
        assert.deepEqual(y.shape, shapeOf(ref));
        assertClose(y, flat(ref), { rtol: 1e-12, atol: 1e-15 });
      });
    }
  }
  test('max pool: padding never wins, even over negative values', () => {
    const y = dt.maxPool2d(dt.full([1, 3, 3, 1], -5), { poolSize: 3, strides: 1, padding: 'same' });
    assert.deepEqual(values(y), new Array(9).fill(-5));
  });
  test('avg pool "same" divides by the in-bounds count (TensorFlow)', () => {
    const y = dt.avgPool2d(dt.ones([1, 3, 3, 1]), { poolSize: 3, strides: 1, padding: 'same' });
    assert.deepEqual(values(y), new Array(9).fill(1));
  });
  test('channelsFirst', () => {
    const x = randomArr([1, 4, 4, 3]);
    const y = dt.maxPool2d(nchw(x), { dataFormat: 'channelsFirst' });
    assert.deepEqual(y.shape, [1, 3, 2, 2]);
    assertClose(y, dt.transpose(dt.maxPool2d(t64(x)), [0, 3, 1, 2]), { rtol: 0 });
  });
  test('the max-pool gradient goes to the first maximum of each window', () => {
    const x = dt.tensor([1, 3, 3, 2, 0, 0, 0, 0, 5, 5, 5, 5, 1, 2, 3, 4], { shape: [1, 4, 4, 1] });
    const g = dt.grad((u: dt.Tensor) => dt.maxPool2d(u).sum())(x);
    assert.deepEqual(values(g), [0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
    // overlapping windows add up at a shared maximum
    const g2 = dt.grad((u: dt.Tensor) => dt.maxPool2d(u, { poolSize: 2, strides: 1 }).sum())(dt.tensor([0, 0, 0, 0, 9, 0, 0, 0, 0], { shape: [1, 3, 3, 1] }));
    assert.deepEqual(values(g2), [0, 0, 0, 0, 4, 0, 0, 0, 0]);
  });
  test('pads must be smaller than the window', () => {
    assertThrowsWith(() => dt.maxPool2d(dt.zeros([1, 4, 4, 1]), { poolSize: 2, padding: 2 }), dt.ShapeError, /maxPool2d: pads \[2,2,2,2\] must be non-negative and smaller than the pool size \[2,2\]/);
  });
});

describe('gradients (float64 central differences)', () => {
  const x64 = (shape: number[]): dt.Tensor => t64(randomArr(shape));
  const check = (name: string, f: (...xs: dt.Tensor[]) => dt.Tensor, xs: dt.Tensor[], tol: { atol?: number; rtol?: number } = {}): void => {
    const r = dt.gradCheck(f, xs, { atol: 1e-6, rtol: 1e-5, ...tol });
    assert.ok(r.ok, `${name}\n${r.report}`);
  };
  const convP = (o: Partial<Conv2DParams> = {}): Conv2DParams => ({ strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1, ...o });
  const poolP = (o: Partial<Pool2DParams> = {}): Pool2DParams => ({ poolSize: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], ...o });

  test('conv2d primitive: strides, dilations, pads, groups', () => {
    check('plain', (x, w) => run('conv2d', [x, w], convP()), [x64([1, 4, 4, 2]), x64([3, 3, 2, 2])]);
    check('stride 2, pads', (x, w) => run('conv2d', [x, w], convP({ strides: [2, 2], pads: [1, 1, 0, 1] })), [x64([2, 5, 4, 2]), x64([3, 2, 2, 3])]);
    check('dilation', (x, w) => run('conv2d', [x, w], convP({ dilations: [2, 1], pads: [1, 1, 1, 1] })), [x64([1, 5, 4, 1]), x64([2, 2, 1, 2])]);
    check('groups', (x, w) => run('conv2d', [x, w], convP({ groups: 2, pads: [1, 1, 1, 1] })), [x64([1, 3, 3, 4]), x64([2, 2, 2, 4])]);
  });
  test('conv2dBackpropInput primitive (both inputs), incl. a negative (cropping) pad', () => {
    const p = { ...convP({ strides: [2, 2], pads: [1, 1, 1, 0] }), inputShape: [1, 5, 4, 2] };
    check('backprop input', (dy, w) => run('conv2dBackpropInput', [dy, w], p), [x64([1, 3, 2, 3]), x64([3, 3, 2, 3])]);
    const q = { ...convP({ strides: [2, 2], pads: [1, -1, 0, 0] }), inputShape: [1, 6, 4, 1] };
    check('cropping pad', (dy, w) => run('conv2dBackpropInput', [dy, w], q), [x64([1, 3, 2, 2]), x64([2, 2, 1, 2])]);
  });
  test('conv2dBackpropFilter primitive (both inputs)', () => {
    const p = { ...convP({ strides: [2, 1], dilations: [1, 2], pads: [1, 0, 1, 1], groups: 2 }), filterShape: [2, 2, 1, 4] };
    check('backprop filter', (x, dy) => run('conv2dBackpropFilter', [x, dy], p), [x64([2, 4, 4, 2]), x64([2, 2, 4, 4])]);
  });
  test('pooling primitives', () => {
    check('maxPool2d', (x) => run('maxPool2d', [x], poolP({ poolSize: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] })), [x64([2, 5, 5, 2])]);
    check('avgPool2d', (x) => run('avgPool2d', [x], poolP({ poolSize: [3, 2], strides: [1, 2], pads: [1, 1, 0, 1] })), [x64([1, 4, 5, 2])]);
    const p = { ...poolP({ poolSize: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }), inputShape: [1, 5, 5, 1] };
    check('avgPool2dGrad', (dy) => run('avgPool2dGrad', [dy], p), [x64([1, 3, 3, 1])]);
    // overlapping windows: some inputs win two windows and sum both gradients
    const q = poolP({ poolSize: [3, 3], strides: [1, 2], pads: [1, 1, 1, 1] });
    const x = x64([1, 4, 5, 2]);
    check('maxPool2dGrad', (dy) => run('maxPool2dGrad', [x, dy], q), [x64([...run('maxPool2d', [x], q).shape])]);
  });
  test('ops: conv2d (same, channelsFirst), conv2dTranspose, depthwise, separable, pools', () => {
    check('conv2d same s2', (x, w) => dt.conv2d(x, w, { padding: 'same', strides: 2 }), [x64([1, 5, 5, 2]), x64([3, 3, 2, 2])]);
    check('conv2d channelsFirst', (x, w) => dt.conv2d(x, w, { padding: 'same', dataFormat: 'channelsFirst' }), [x64([1, 2, 4, 3]), x64([3, 3, 2, 2])]);
    check('conv2dTranspose', (x, w) => dt.conv2dTranspose(x, w, { strides: 2, padding: 'same' }), [x64([1, 3, 3, 2]), x64([3, 3, 2, 2])]);
    check('conv2dTranspose outputPadding', (x, w) => dt.conv2dTranspose(x, w, { strides: 2, padding: 1, outputPadding: 1 }), [x64([1, 2, 3, 1]), x64([3, 3, 2, 1])]);
    check('depthwiseConv2d', (x, w) => dt.depthwiseConv2d(x, w, { padding: 'same', strides: 2 }), [x64([1, 5, 4, 2]), x64([3, 3, 2, 2])]);
    check('separableConv2d', (x, d, p) => dt.separableConv2d(x, d, p, { padding: 'same' }), [x64([1, 4, 4, 2]), x64([3, 3, 2, 1]), x64([1, 1, 2, 3])]);
    check('maxPool2d same', (x) => dt.maxPool2d(x, { poolSize: 3, strides: 2, padding: 'same' }), [x64([1, 6, 5, 2])]);
    check('avgPool2d same channelsFirst', (x) => dt.avgPool2d(x, { poolSize: 3, strides: 2, padding: 'same', dataFormat: 'channelsFirst' }), [x64([1, 2, 5, 6])]);
  });
  test('second order: gradients of conv2d gradients (exercise the vjps of both backprop primitives)', () => {
    const f = (x: dt.Tensor, w: dt.Tensor): dt.Tensor => dt.tanh(dt.conv2d(x, w, { strides: 2, padding: 'same' })).sum();
    check('d/dx', (x, w) => dt.grad(f, { argnums: 0 })(x, w), [x64([1, 5, 4, 2]), x64([3, 3, 2, 2])]);
    check('d/dw', (x, w) => dt.grad(f, { argnums: 1 })(x, w), [x64([1, 5, 4, 2]), x64([3, 3, 2, 2])]);
    const g = (x: dt.Tensor): dt.Tensor => dt.square(dt.maxPool2d(dt.avgPool2d(dt.square(x), { poolSize: 2, strides: 1 }))).sum();
    check('pools d2', (x) => dt.grad(g)(x), [x64([1, 5, 5, 1])]);
  });
  test('float32 gradients agree with float64 (engine path used in training)', () => {
    const x = x64([2, 6, 6, 3]);
    const w = x64([3, 3, 3, 4]);
    const f = (a: dt.Tensor, b: dt.Tensor): dt.Tensor => dt.maxPool2d(dt.relu(dt.conv2d(a, b, { padding: 'same' }))).square().sum();
    const [g32x, g32w] = dt.grad(f, { argnums: [0, 1] })(x.cast('float32'), w.cast('float32'));
    const [g64x, g64w] = dt.grad(f, { argnums: [0, 1] })(x, w);
    assertClose(g32x, g64x, { rtol: 1e-4, atol: 1e-4 });
    assertClose(g32w, g64w, { rtol: 1e-4, atol: 1e-4 });
  });
  test('no tensors leak from the ops and their gradients', () => {
    const x = x64([1, 4, 4, 2]);
    const w = x64([3, 3, 2, 2]);
    const before = dt.memory().numTensors;
    dt.scope(() => {
      dt.conv2d(x, w, { padding: 'same' });
      dt.conv2dTranspose(x, w, { strides: 2 });
      dt.maxPool2d(x);
      dt.grad((u: dt.Tensor) => dt.avgPool2d(dt.conv2d(u, w)).sum())(x);
    });
    assert.equal(dt.memory().numTensors, before);
  });
});
