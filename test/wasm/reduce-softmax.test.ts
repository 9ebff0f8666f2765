import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffers, assertClose, randF32, rng } from './helpers.js';
import { getNumThreads, readI32, setNumThreads } from '../../src/backends/wasm/runtime.js';
import {
  argmaxRows, logSoftmaxBackwardRows, logSoftmaxRows, reduceCols, reduceRows, softmaxBackwardRows, softmaxCrossEntropy,
  softmaxRows, tuning, type ReduceOp,
} from '../../src/backends/wasm/kernels.js';

const R = rng(7);
const SHAPES: Array<[number, number]> = [[1, 1], [1, 3], [3, 1], [2, 5], [5, 17], [17, 16], [7, 127], [128, 10], [3, 1000], [1, 5000], [300, 33]];

function refReduce(op: ReduceOp, vals: number[]): number {
  if (op === 'sum') return vals.reduce((s, v) => s + v, 0);
  if (op === 'sumsq') return vals.reduce((s, v) => s + v * v, 0);
  if (vals.some(Number.isNaN)) return NaN;
  return op === 'max' ? Math.max(...vals) : Math.min(...vals);
}

function withThreads(fn: () => void): void {
  const T = getNumThreads();
  const save = { ...tuning };
  try {
    for (const t of [1, 2]) {
      setNumThreads(t);
      tuning.eltParMin = t === 1 ? 1 << 30 : 16;
      tuning.eltParMinHeavy = t === 1 ? 1 << 30 : 16;
      fn();
    }
  } finally {
    Object.assign(tuning, save);
    setNumThreads(T);
  }
}

test('reduceRows / reduceCols: sum, max, min, sumsq (1 and 2 threads)', () => {
  withThreads(() => {
    const bufs = new Buffers();
    for (const [m, n] of SHAPES) {
      const X = randF32(m * n, R, -2, 2);
      if (m * n > 20) X[(m * n) >> 1] = 5; // a clear max
      const x = bufs.f32(X);
      for (const op of ['sum', 'max', 'min', 'sumsq'] as ReduceOp[]) {
        const alpha = op === 'sum' ? 0.5 : 1;
        const outR = bufs.nan(m + 1);
        reduceRows(op, x, outR, m, n, alpha);
        const wantR = Array.from({ length: m }, (_, i) => (op === 'sum' || op === 'sumsq' ? alpha : 1) * refReduce(op, Array.from(X.subarray(i * n, (i + 1) * n))));
        assertClose(bufs.read(outR, m), wantR, 2e-6, 2e-6 * Math.sqrt(n), `reduceRows ${op} ${m}x${n}`);
        assert.ok(Number.isNaN(bufs.read(outR + m * 4, 1)[0]!));
        const outC = bufs.nan(n + 1);
        reduceCols(op, x, outC, m, n, alpha);
        const wantC = Array.from({ length: n }, (_, j) => (op === 'sum' || op === 'sumsq' ? alpha : 1) * refReduce(op, Array.from({ length: m }, (_, i) => X[i * n + j]!)));
        assertClose(bufs.read(outC, n), wantC, 2e-6, 2e-6 * Math.sqrt(m), `reduceCols ${op} ${m}x${n}`);
        assert.ok(Number.isNaN(bufs.read(outC + n * 4, 1)[0]!));
      }
    }
    bufs.freeAll();
  });
});

test('reductions: NaN propagates through max/min; empty rows', () => {
  const bufs = new Buffers();
  const X = Float32Array.from([1, NaN, 3, 4, 5, 6, 7, 8, 9, 10, -1, 2]);
  const x = bufs.f32(X), o = bufs.f32(12);
  reduceRows('max', x, o, 1, 12);
  assert.ok(Number.isNaN(bufs.read(o, 1)[0]!));
  reduceRows('min', x, o, 2, 6);
  const r = bufs.read(o, 2);
  assert.ok(Number.isNaN(r[0]!)); assert.equal(r[1], -1);
  reduceCols('max', x, o, 2, 6);
  const c = bufs.read(o, 6);
  assert.ok(Number.isNaN(c[1]!)); assert.deepEqual([c[0], c[2], c[3], c[4], c[5]], [7, 9, 10, 5, 6]);
  reduceRows('sum', x, o, 3, 0);
  assert.deepEqual([...bufs.read(o, 3)], [0, 0, 0]);
  reduceRows('max', x, o, 2, 0);
  assert.deepEqual([...bufs.read(o, 2)], [-Infinity, -Infinity]);
  bufs.freeAll();
});

test('argmaxRows: first occurrence, NaN wins, ties, 1 and 2 threads', () => {
  withThreads(() => {
    const bufs = new Buffers();
    for (const [m, n] of SHAPES) {
      const X = randF32(m * n, R);
      for (let i = 0; i < m; i += 3) if (n > 2) X[i * n + n - 1] = X[i * n + 1]! = 7; // tie: first wins
      const x = bufs.f32(X), o = bufs.f32(m);
      argmaxRows(x, o, m, n);
      const got = readI32(o, m);
      for (let i = 0; i < m; i++) {
        const row = Array.from(X.subarray(i * n, (i + 1) * n));
        assert.equal(got[i], row.indexOf(Math.max(...row)), `argmax row ${i} of ${m}x${n}`);
      }
    }
    const x = bufs.f32([1, NaN, 5, NaN, 0, 9, 9, 1]);
    const o = bufs.f32(2);
    argmaxRows(x, o, 2, 4);
    assert.deepEqual([...readI32(o, 2)], [1, 1]);
    bufs.freeAll();
  });
});

function refSoftmax(row: ArrayLike<number>): number[] {
  const mx = Math.max(...Array.from(row));
  const e = Array.from(row, (v) => Math.exp(v - mx));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

test('softmaxRows / logSoftmaxRows and their backward passes', () => {
  withThreads(() => {
    const bufs = new Buffers();
    for (const [m, n] of SHAPES) {
      const X = randF32(m * n, R, -10, 10);
      const DY = randF32(m * n, R);
      const x = bufs.f32(X), y = bufs.f32(m * n), ly = bufs.f32(m * n), dy = bufs.f32(DY), dx = bufs.f32(m * n);
      softmaxRows(x, y, m, n);
      logSoftmaxRows(x, ly, m, n);
      const want: number[] = [], wantLog: number[] = [], wantDx: number[] = [], wantLogDx: number[] = [];
      for (let i = 0; i < m; i++) {
        const p = refSoftmax(X.subarray(i * n, (i + 1) * n));
        want.push(...p);
        wantLog.push(...p.map(Math.log));
        const g = Array.from(DY.subarray(i * n, (i + 1) * n));
        const dot = p.reduce((s, v, j) => s + v * g[j]!, 0);
        wantDx.push(...p.map((v, j) => v * (g[j]! - dot)));
        const gs = g.reduce((a, b) => a + b, 0);
        wantLogDx.push(...p.map((v, j) => g[j]! - v * gs));
      }
      assertClose(bufs.read(y, m * n), want, 2e-6, 1e-7, `softmax ${m}x${n}`);
      assertClose(bufs.read(ly, m * n), wantLog, 1e-6, 2e-6, `logSoftmax ${m}x${n}`);
      softmaxBackwardRows(y, dy, dx, m, n);
      assertClose(bufs.read(dx, m * n), wantDx, 1e-5, 1e-6, `softmax bwd ${m}x${n}`);
      logSoftmaxBackwardRows(ly, dy, dx, m, n);
      assertClose(bufs.read(dx, m * n), wantLogDx, 1e-5, 2e-6, `logSoftmax bwd ${m}x${n}`);
      // in place
      softmaxRows(x, x, m, n);
      assertClose(bufs.read(x, m * n), want, 2e-6, 1e-7, `softmax in place ${m}x${n}`);
    }
    // Large logits do not overflow; -inf entries get probability 0.
    const x = bufs.f32([1000, 1001, -Infinity, 999]), y = bufs.f32(4);
    softmaxRows(x, y, 1, 4);
    assertClose(bufs.read(y, 4), refSoftmax([1000, 1001, -Infinity, 999]), 2e-6, 1e-7, 'softmax large');
    bufs.freeAll();
  });
});

test('softmaxCrossEntropy: mean loss and dlogits = (softmax - onehot) / B', () => {
  withThreads(() => {
    const bufs = new Buffers();
    for (const [B, C] of [[1, 1], [1, 2], [4, 3], [128, 10], [33, 17], [7, 1000], [256, 10]] as Array<[number, number]>) {
      const X = randF32(B * C, R, -8, 8);
      const L = Int32Array.from({ length: B }, () => Math.floor(R() * C));
      const x = bufs.f32(X), lab = bufs.i32(L), d = bufs.nan(B * C);
      const loss = softmaxCrossEntropy(x, lab, d, B, C);
      let wantLoss = 0;
      const wantD: number[] = [];
      for (let i = 0; i < B; i++) {
        const p = refSoftmax(X.subarray(i * C, (i + 1) * C));
        wantLoss -= Math.log(p[L[i]!]!);
        wantD.push(...p.map((v, j) => (v - (j === L[i] ? 1 : 0)) / B));
      }
      wantLoss /= B;
      assert.ok(Math.abs(loss - wantLoss) <= 1e-6 * Math.abs(wantLoss) + 1e-6, `loss ${loss} vs ${wantLoss} (${B}x${C})`);
      assertClose(bufs.read(d, B * C), wantD, 1e-5, 1e-7, `dlogits ${B}x${C}`);
      // loss only
      const loss2 = softmaxCrossEntropy(x, lab, 0, B, C);
      assert.ok(Math.abs(loss2 - loss) <= 1e-12 + 1e-9 * Math.abs(loss));
      // in place: dlogits = logits
      softmaxCrossEntropy(x, lab, x, B, C);
      assertClose(bufs.read(x, B * C), wantD, 1e-5, 1e-7, `dlogits in place ${B}x${C}`);
    }
    // ignored labels (out of range): zero loss contribution and zero gradient row
    const x = bufs.f32([1, 2, 3, 4, 5, 6]), lab = bufs.i32([-1, 2]), d = bufs.nan(6);
    const loss = softmaxCrossEntropy(x, lab, d, 2, 3);
    const p = refSoftmax([4, 5, 6]);
    assert.ok(Math.abs(loss - -Math.log(p[2]!) / 2) < 1e-6);
    assertClose(bufs.read(d, 6), [0, 0, 0, p[0]! / 2, p[1]! / 2, (p[2]! - 1) / 2], 1e-5, 1e-7, 'ignored row');
    bufs.freeAll();
  });
});
