import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffers, assertClose, randF32, refGemm, rng } from './helpers.js';
import { getNumThreads, setNumThreads } from '../../src/backends/wasm/runtime.js';
import { lastGemm, sgemm, sgemmBatched, tuning } from '../../src/backends/wasm/kernels.js';

const R = rng(1234);

/** Runs one sgemm case against the float64 reference. Tolerance scales with sqrt(K). */
function check(
  tA: boolean, tB: boolean, M: number, N: number, K: number, opts: { alpha?: number; beta?: number; pad?: number; nanC?: boolean } = {},
): string {
  const alpha = opts.alpha ?? 1, beta = opts.beta ?? 0, pad = opts.pad ?? 0;
  const lda = (tA ? M : K) + pad, ldb = (tB ? K : N) + pad, ldc = N + pad;
  const rowsA = tA ? K : M, rowsB = tB ? N : K;
  const bufs = new Buffers();
  try {
    const A = randF32(Math.max(1, rowsA * lda), R), B = randF32(Math.max(1, rowsB * ldb), R);
    const C0 = opts.nanC ? new Float32Array(Math.max(1, M * ldc)).fill(NaN) : randF32(Math.max(1, M * ldc), R);
    const a = bufs.f32(A), b = bufs.f32(B), c = bufs.f32(C0);
    sgemm(tA, tB, M, N, K, alpha, a, Math.max(1, lda), b, Math.max(1, ldb), beta, c, Math.max(1, ldc));
    const got = bufs.read(c, Math.max(1, M * ldc));
    const want = refGemm(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C0, ldc);
    // Padding columns of C must be untouched.
    if (opts.nanC && beta === 0) for (let i = 0; i < M; i++) for (let j = N; j < ldc; j++) want[i * ldc + j] = NaN;
    assertClose(got, want, 1e-5, 2e-6 * Math.sqrt(K + 1) * Math.abs(alpha || 1), `sgemm tA=${tA} tB=${tB} M=${M} N=${N} K=${K} a=${alpha} b=${beta} pad=${pad}`);
    return lastGemm.path;
  } finally {
    bufs.freeAll();
  }
}

test('sgemm: small and odd shapes, all transposes', () => {
  const dims = [1, 2, 3, 5, 7, 8, 9, 17, 33];
  for (const tA of [false, true]) for (const tB of [false, true]) {
    for (const M of dims) for (const N of dims) for (const K of [1, 3, 16, 31]) check(tA, tB, M, N, K);
  }
});

test('sgemm: medium shapes exercise the blocked path and its edges', () => {
  const paths = new Set<string>();
  for (const [M, N, K] of [[127, 129, 65], [64, 64, 64], [97, 300, 259], [260, 70, 513], [6, 8, 1], [25, 40, 700]]) {
    for (const tA of [false, true]) for (const tB of [false, true]) paths.add(check(tA, tB, M!, N!, K!));
  }
  assert.ok(paths.has('blocked'));
});

test('sgemm: narrow paths (small N, small M) for every transpose', () => {
  const paths = new Set<string>();
  for (const [M, N, K] of [[128, 10, 512], [512, 10, 128], [10, 300, 77], [1, 257, 33], [300, 1, 45], [17, 3, 1000], [3, 16, 5]]) {
    for (const tA of [false, true]) for (const tB of [false, true]) paths.add(check(tA, tB, M!, N!, K!));
  }
  assert.ok(paths.has('narrow') && paths.has('narrow-transposed'), [...paths].join());
});

test('sgemm: alpha/beta, padded leading dimensions, beta=0 ignores NaN in C', () => {
  for (const [M, N, K] of [[33, 40, 50], [130, 9, 20], [7, 100, 300], [70, 70, 70]]) {
    for (const tA of [false, true]) for (const tB of [false, true]) {
      check(tA, tB, M!, N!, K!, { alpha: 0.5, beta: 2 });
      check(tA, tB, M!, N!, K!, { alpha: -1.5, beta: 1, pad: 3 });
      check(tA, tB, M!, N!, K!, { alpha: 1, beta: 0, pad: 5, nanC: true });
    }
  }
});

test('sgemm: degenerate sizes (M, N or K = 0, alpha = 0)', () => {
  const bufs = new Buffers();
  const c = bufs.f32([1, 2, 3, 4]);
  const a = bufs.f32([NaN, NaN, NaN, NaN]);
  sgemm(false, false, 0, 2, 2, 1, a, 2, a, 2, 0, c, 2);
  sgemm(false, false, 2, 0, 2, 1, a, 2, a, 2, 0, c, 2);
  assert.deepEqual([...bufs.read(c, 4)], [1, 2, 3, 4]);
  sgemm(false, false, 2, 2, 0, 1, a, 1, a, 2, 3, c, 2); // K = 0: C = beta C
  assert.deepEqual([...bufs.read(c, 4)], [3, 6, 9, 12]);
  sgemm(false, false, 2, 2, 2, 0, a, 2, a, 2, 0.5, c, 2); // alpha = 0: A, B not read
  assert.deepEqual([...bufs.read(c, 4)], [1.5, 3, 4.5, 6]);
  sgemm(false, false, 2, 2, 0, 1, a, 1, a, 2, 0, c, 2);
  assert.deepEqual([...bufs.read(c, 4)], [0, 0, 0, 0]);
  assert.throws(() => sgemm(false, false, 2, 2, 2, 1, a, 1, a, 2, 0, c, 2), /leading dimensions/);
  bufs.freeAll();
});

test('sgemm: MLP shapes and 1024-ish blocks across the K/N/M blocking boundaries', () => {
  const save = { ...tuning };
  try {
    // Small blocking so that every loop level runs several times on modest sizes.
    tuning.mc = 12; tuning.kc = 16; tuning.nc = 24;
    for (const tA of [false, true]) for (const tB of [false, true]) check(tA, tB, 61, 53, 47, { alpha: 1, beta: 0.5 });
  } finally {
    Object.assign(tuning, save);
  }
  check(false, false, 128, 512, 784);
  check(true, false, 784, 512, 128);
  check(false, true, 128, 784, 512);
});

test('sgemm: multithreaded results equal single-threaded ones', () => {
  const T = getNumThreads();
  try {
    for (const [M, N, K, tA, tB] of [[300, 200, 150, false, false], [128, 784, 512, false, true], [784, 512, 128, true, false],
      [256, 12, 600, false, false], [12, 256, 600, true, true], [1000, 30, 40, true, false]] as const) {
      const bufs = new Buffers();
      const A = randF32(M * K, R), B = randF32(K * N, R);
      const a = bufs.f32(A), b = bufs.f32(B), c1 = bufs.f32(M * N), c2 = bufs.f32(M * N);
      setNumThreads(1);
      sgemm(tA, tB, M, N, K, 1, a, tA ? M : K, b, tB ? K : N, 0, c1, N);
      assert.equal(lastGemm.chunks, 1);
      setNumThreads(2);
      sgemm(tA, tB, M, N, K, 1, a, tA ? M : K, b, tB ? K : N, 0, c2, N);
      assert.ok(lastGemm.chunks > 1, `${M}x${N}x${K} should be split`);
      assertClose(bufs.read(c2, M * N), bufs.read(c1, M * N), 1e-6, 1e-6, `mt vs st ${M}x${N}x${K}`);
      bufs.freeAll();
    }
  } finally {
    setNumThreads(T);
  }
});

test('sgemmBatched: strides, broadcast operand (stride 0), batch split across threads', () => {
  const T = getNumThreads();
  try {
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      for (const [batch, M, N, K, tA, tB, bcastB] of [[5, 7, 9, 11, false, false, false], [8, 33, 20, 64, true, false, true],
        [3, 130, 140, 150, false, true, false], [16, 4, 64, 32, true, true, true]] as const) {
        const bufs = new Buffers();
        const sA = M * K, sB = bcastB ? 0 : K * N, sC = M * N;
        const A = randF32(batch * sA, R), B = randF32(bcastB ? K * N : batch * sB, R), C0 = randF32(batch * sC, R);
        const a = bufs.f32(A), b = bufs.f32(B), c = bufs.f32(C0);
        sgemmBatched(tA, tB, M, N, K, 0.75, a, tA ? M : K, sA, b, tB ? K : N, sB, 0.25, c, N, sC, batch);
        const got = bufs.read(c, batch * sC);
        for (let i = 0; i < batch; i++) {
          const want = refGemm(tA, tB, M, N, K, 0.75, A.subarray(i * sA), tA ? M : K, B.subarray(i * sB), tB ? K : N, 0.25, C0.subarray(i * sC, (i + 1) * sC), N);
          assertClose(got.subarray(i * sC, (i + 1) * sC), want, 1e-5, 1e-5, `batched[${i}] ${batch}x${M}x${N}x${K}`);
        }
        bufs.freeAll();
      }
    }
  } finally {
    setNumThreads(T);
  }
});
