// The wasm batch-normalization kernels (assembly/batchnorm.ts) against plain float64 loops: per-channel sums with
// and without dy (shifted), and the affine pass with and without dy, for SIMD widths with scalar tails, partial
// row blocks and many chunks on 2 threads; the sums do not depend on the thread count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffers, assertClose, randF32, rng } from './helpers.js';
import { getNumThreads, setNumThreads } from '../../src/backends/wasm/runtime.js';
import { bnAffine, bnChannelSums, tuning } from '../../src/backends/wasm/kernels.js';

/** [M, C]: scalar only, SIMD + tail, several row blocks (64 rows) with a partial last one, MNIST-like. */
const SHAPES: [number, number][] = [[5, 3], [70, 7], [200, 8], [130, 37], [1000, 32]];

function withThreads(fn: (threads: number) => void): void {
  const T = getNumThreads();
  const save = { ...tuning };
  try {
    for (const t of [1, 2]) {
      setNumThreads(t);
      tuning.eltParMin = t === 1 ? 1 << 30 : 16; // 2 threads: many small chunks
      fn(t);
    }
  } finally {
    Object.assign(tuning, save);
    setNumThreads(T);
  }
}

function sumsRef(x: Float32Array, dy: Float32Array | null, shift: Float32Array, M: number, C: number): Float64Array {
  const r = new Float64Array(2 * C);
  for (let i = 0; i < M; i++) {
    for (let c = 0; c < C; c++) {
      const v = x[i * C + c] - shift[c];
      const g = dy ? dy[i * C + c] : v;
      r[c] += g;
      r[C + c] += g * v;
    }
  }
  return r;
}

test('bnChannelSums: shifted sums and sums of squares / products, independent of the chunking', () => {
  const bySize = new Map<string, Float64Array[]>();
  withThreads((threads) => {
    const bufs = new Buffers();
    for (const [M, C] of SHAPES) {
      const R = rng(M * C); // the same data on 1 and 2 threads
      // an offset mean: the shift must remove it
      const x = randF32(M * C, R, 99, 101);
      const dy = randF32(M * C, R);
      const shift = randF32(C, R, 99, 101);
      const [px, pdy, ps] = [bufs.f32(x), bufs.f32(dy), bufs.f32(shift)];
      const plain = bnChannelSums(px, 0, ps, M, C);
      const withDy = bnChannelSums(px, pdy, ps, M, C);
      assertClose(plain, sumsRef(x, null, shift, M, C), 1e-5, 1e-4, `sums ${M}x${C} (${threads} threads)`);
      assertClose(withDy, sumsRef(x, dy, shift, M, C), 1e-5, 1e-4, `dy sums ${M}x${C} (${threads} threads)`);
      const key = `${M}x${C}`;
      const prev = bySize.get(key);
      if (prev) {
        // chunks start at multiples of the 64-row block: same float32 block sums, float64 totals
        assertClose(plain, prev[0], 1e-15, 0, `thread-count independence ${key}`);
        assertClose(withDy, prev[1], 1e-15, 0, `thread-count independence ${key}`);
      } else bySize.set(key, [plain, withDy]);
    }
    bufs.freeAll();
  });
});

test('bnAffine: a (x - m) + e and a dy + b (x - m) + e per channel, in place too', () => {
  const R = rng(6);
  withThreads((threads) => {
    const bufs = new Buffers();
    for (const [M, C] of SHAPES) {
      const x = randF32(M * C, R, -3, 3);
      const dy = randF32(M * C, R);
      const coef = randF32(4 * C, R);
      const [px, pdy, pc] = [bufs.f32(x), bufs.f32(dy), bufs.f32(coef)];
      const want = (withDy: boolean) => Float64Array.from(x, (v, k) => {
        const c = k % C;
        const centered = v - coef[2 * C + c];
        return (withDy ? coef[c] * dy[k] + coef[C + c] * centered : coef[c] * centered) + coef[3 * C + c];
      });
      for (const withDy of [false, true]) {
        const out = bufs.nan(M * C);
        bnAffine(px, withDy ? pdy : 0, pc, out, M, C);
        assertClose(bufs.read(out, M * C), want(withDy), 1e-6, 1e-6, `${M}x${C} dy=${withDy} (${threads} threads)`);
      }
      // out aliasing x
      const inPlace = bufs.f32(x);
      bnAffine(inPlace, pdy, pc, inPlace, M, C);
      assertClose(bufs.read(inPlace, M * C), want(true), 1e-6, 1e-6, `in place ${M}x${C}`);
    }
    assert.deepEqual(Array.from(bnChannelSums(bufs.f32(1), 0, bufs.f32(1), 0, 1)), [0, 0], 'no rows: zero sums');
    bufs.freeAll();
  });
});
