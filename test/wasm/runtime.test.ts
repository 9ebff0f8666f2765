import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from './helpers.js';
import {
  MAX_THREADS, alloc, allocZeroed, blockSize, f32View, free, getNumThreads, heapF32, initWasm, memoryStats, poolStats, readF32,
  setNumThreads, shutdownPool, wasmInfo, wasmInternals, writeF32,
} from '../../src/backends/wasm/runtime.js';
import { sgemm, unary } from '../../src/backends/wasm/kernels.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

test('initWasm: picks a build, reports heap base and thread count', () => {
  const info = initWasm();
  assert.ok(info.variant === 'simd' || info.variant === 'relaxed');
  assert.equal(wasmInternals().exports.relaxed_simd(), info.variant === 'relaxed' ? 1 : 0);
  assert.ok(info.threads >= 1 && info.threads <= MAX_THREADS);
  assert.ok(info.heapBase >= 0 && info.heapBase < 1 << 16);
  assert.equal(wasmInfo().path, info.path);
});

test('allocator: alignment, distinct blocks, reuse after free, stats, above heap base', () => {
  const base = memoryStats();
  const sizes = [0, 1, 3, 63, 64, 65, 1000, 1024, 1025, 4096, 100000, 1 << 20];
  const ptrs = sizes.map((s) => alloc(s));
  const { heapBase } = wasmInfo();
  for (let i = 0; i < ptrs.length; i++) {
    const p = ptrs[i]!;
    assert.equal(p % 64, 0, 'aligned to 64');
    assert.ok(p >= heapBase && p >= 1024, 'above heap base and never near 0');
    assert.ok(blockSize(p) >= sizes[i]! && blockSize(p) <= Math.max(64, sizes[i]! * 1.25 + 64));
  }
  // No overlap.
  const ranges = ptrs.map((p) => [p, p + blockSize(p)] as const).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i]![0] >= ranges[i - 1]![1], 'blocks overlap');
  const mid = memoryStats();
  assert.equal(mid.blocksInUse, base.blocksInUse + sizes.length);
  // Free and reallocate the same sizes: same blocks come back (LIFO per class), nothing new from the bump region.
  for (const p of ptrs) free(p);
  assert.equal(memoryStats().bytesInUse, base.bytesInUse);
  const again = sizes.map((s) => alloc(s));
  assert.deepEqual(new Set(again), new Set(ptrs));
  assert.equal(memoryStats().heapTop, mid.heapTop);
  for (const p of again) free(p);
  assert.throws(() => free(again[0]!), /not an allocated block/);
  assert.throws(() => alloc(-1), RangeError);
  // Over-aligned allocation.
  const big = alloc(100, 4096);
  assert.equal(big % 4096, 0);
  free(big);
  free(0);
});

test('allocator: churn keeps memory flat (O(1) reuse)', () => {
  const R = rng(5);
  const live: number[] = [];
  for (let i = 0; i < 2000; i++) {
    live.push(alloc(Math.floor(R() * 50000)));
    if (live.length > 20) free(live.splice(Math.floor(R() * live.length), 1)[0]!);
  }
  for (const p of live.splice(0)) free(p);
  const top = memoryStats().heapTop;
  for (let i = 0; i < 2000; i++) {
    live.push(alloc(Math.floor(R() * 50000)));
    if (live.length > 20) free(live.splice(Math.floor(R() * live.length), 1)[0]!);
  }
  for (const p of live) free(p);
  assert.ok(memoryStats().heapTop <= top * 1.5 + (1 << 20), `heap grew from ${top} to ${memoryStats().heapTop}`);
});

test('memory growth keeps data and views valid, kernels see the new memory (workers too)', () => {
  const T = getNumThreads();
  try {
    setNumThreads(2);
    const a = alloc(4 * 4);
    writeF32(a, [1, 2, 3, 4]);
    const view = f32View(a, 4);
    const before = memoryStats().memoryBytes;
    // Force growth well beyond the current size.
    const n = (before >> 2) + (1 << 20);
    const big = alloc(n * 4);
    assert.ok(memoryStats().memoryBytes > before);
    assert.deepEqual([...view], [1, 2, 3, 4], 'old views still read the (unmoved) shared memory');
    assert.deepEqual([...readF32(a, 4)], [1, 2, 3, 4]);
    // A kernel splitting across threads writes at the far end of the grown memory.
    heapF32().fill(-2, big >> 2, (big >> 2) + n);
    unary('abs', big, big, n);
    const tail = readF32(big + (n - 8) * 4, 8);
    assert.deepEqual([...tail], new Array(8).fill(2));
    free(big);
    free(a);
  } finally {
    setNumThreads(T);
  }
});

test('allocZeroed returns zeros even for reused blocks', () => {
  const p = alloc(256);
  heapF32().fill(7, p >> 2, (p >> 2) + 64);
  free(p);
  const q = allocZeroed(256);
  assert.equal(q, p);
  assert.ok(readF32(q, 64).every((v) => v === 0));
  free(q);
});

test('setNumThreads / getNumThreads; restarting workers does not clobber live memory', () => {
  const T = getNumThreads();
  try {
    setNumThreads(0);
    assert.equal(getNumThreads(), 1);
    setNumThreads(1000);
    assert.equal(getNumThreads(), MAX_THREADS);
    // Fill a buffer, run a 2-thread GEMM (starts workers), stop them, start new ones, check the data.
    const n = 1 << 16;
    const keep = alloc(n * 4);
    const pattern = Float32Array.from({ length: n }, (_, i) => i * 0.5);
    writeF32(keep, pattern);
    const M = 200, K = 200;
    const a = alloc(M * K * 4), c = alloc(M * M * 4);
    heapF32().fill(1, a >> 2, (a >> 2) + M * K);
    for (let round = 0; round < 3; round++) {
      setNumThreads(2);
      sgemm(false, true, M, M, K, 1, a, K, a, K, 0, c, M);
      assert.ok(readF32(c, M * M).every((v) => v === K));
      shutdownPool();
    }
    setNumThreads(1);
    setNumThreads(2);
    sgemm(false, true, M, M, K, 1, a, K, a, K, 0, c, M);
    assert.deepEqual(readF32(keep, n), pattern);
    free(keep); free(a); free(c);
  } finally {
    setNumThreads(T);
  }
});

test('a trap in a kernel surfaces as an exception and the pool stays usable', () => {
  const { exports } = wasmInternals();
  // Out-of-bounds pointer: run a unary op beyond the memory end.
  const end = memoryStats().memoryBytes;
  assert.throws(() => unary('neg', end - 16, end - 16, 1 << 20));
  assert.ok(typeof exports.run_job === 'function');
  const p = alloc(16);
  writeF32(p, [1, -2, 3, -4]);
  unary('abs', p, p, 4);
  assert.deepEqual([...readF32(p, 4)], [1, 2, 3, 4]);
  free(p);
});

test('the worker pool does not keep the process alive', () => {
  const script = `
    import { initWasm, alloc, setWasmHost } from ${JSON.stringify(path.join(root, 'src/backends/wasm/runtime.ts'))};
    import { nodeHost } from ${JSON.stringify(path.join(root, 'src/backends/wasm/node-host.ts'))};
    setWasmHost(nodeHost);
    import { sgemm } from ${JSON.stringify(path.join(root, 'src/backends/wasm/kernels.ts'))};
    initWasm({ threads: 2 });
    const a = alloc(300 * 300 * 4);
    sgemm(false, false, 300, 300, 300, 1, a, 300, a, 300, 0, a, 300);
    console.log('done');
  `;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [...process.execArgv.filter((a) => a.startsWith('--experimental-wasm')), '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /done/);
  assert.ok(Date.now() - t0 < 20000);
});

test('parallel jobs are shared between the main thread and the workers', () => {
  const T = getNumThreads();
  try {
    setNumThreads(2);
    const M = 512;
    const a = alloc(M * M * 4), c = alloc(M * M * 4);
    heapF32().fill(1, a >> 2, (a >> 2) + M * M);
    const before = poolStats();
    const w0 = before.workerChunks[0] ?? 0;
    const t0 = Date.now();
    // Workers start asynchronously; the main thread takes every chunk until they have.
    while ((poolStats().workerChunks[0] ?? 0) === w0 && Date.now() - t0 < 10000) sgemm(false, false, M, M, M, 1, a, M, a, M, 0, c, M);
    const after = poolStats();
    assert.ok(after.parallelJobs > before.parallelJobs);
    assert.ok((after.workerChunks[0] ?? 0) > w0, 'the worker never took a chunk');
    assert.ok(after.mainChunks > before.mainChunks);
    assert.ok(readF32(c, M * M).every((v) => v === M));
    free(a); free(c);
  } finally {
    setNumThreads(T);
  }
});

test('both builds load and agree: plain SIMD and relaxed SIMD (FMA)', () => {
  const script = `
    import { initWasm, alloc, writeF32, readF32, setWasmHost } from ${JSON.stringify(path.join(root, 'src/backends/wasm/runtime.ts'))};
    import { nodeHost } from ${JSON.stringify(path.join(root, 'src/backends/wasm/node-host.ts'))};
    setWasmHost(nodeHost);
    import { sgemm, unary, softmaxCrossEntropy } from ${JSON.stringify(path.join(root, 'src/backends/wasm/kernels.ts'))};
    const info = initWasm({ threads: 2 });
    let seed = 1; const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296) - 0.5;
    const M = 70, N = 90, K = 130;
    const a = alloc(M * K * 4), b = alloc(K * N * 4), c = alloc(M * N * 4), x = alloc(1000 * 4), lab = alloc(7 * 4);
    writeF32(a, Array.from({ length: M * K }, rnd)); writeF32(b, Array.from({ length: K * N }, rnd));
    writeF32(x, Array.from({ length: 1000 }, (_, i) => rnd() * 20));
    sgemm(false, true, M, N, K, 1, a, K, b, K, 0, c, N);
    const loss = softmaxCrossEntropy(x, lab, 0, 7, 10);
    unary('exp', x, x, 1000);
    console.log(JSON.stringify({ variant: info.variant, c: Array.from(readF32(c, M * N)), e: Array.from(readF32(x, 1000)), loss }));
  `;
  const run = (variant: string) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root, encoding: 'utf8', timeout: 60000, env: { ...process.env, DEEPTS_WASM_SIMD: variant },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { variant: string; c: number[]; e: number[]; loss: number };
  };
  const plain = run('simd');
  const relaxed = run('relaxed'); // on Node 20 the runtime enables the V8 flag itself
  assert.equal(plain.variant, 'simd');
  assert.equal(relaxed.variant, 'relaxed');
  for (let i = 0; i < plain.c.length; i++) assert.ok(Math.abs(plain.c[i]! - relaxed.c[i]!) <= 1e-5, `gemm[${i}]`);
  for (let i = 0; i < plain.e.length; i++) assert.ok(Math.abs(plain.e[i]! - relaxed.e[i]!) <= 1e-6 * Math.abs(plain.e[i]!), `exp[${i}]`);
  assert.ok(Math.abs(plain.loss - relaxed.loss) < 1e-5);
});
