import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffers, assertClose, randF32, rng } from './helpers.js';
import { getNumThreads, setNumThreads } from '../../src/backends/wasm/runtime.js';
import {
  BinaryOps, UnaryOps, axpby, biasRelu, binary, binaryCol, binaryRow, binaryScalar, castI32ToF32, copyBytes, fill,
  compare, gatherRows, select, stridedCopy, transpose, tuning, unary, type BinaryOp, type CompareOp, type UnaryOp,
} from '../../src/backends/wasm/kernels.js';

const R = rng(99);
const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 127, 1000, 4099];
const SPECIAL = [0, -0, 1, -1, NaN, Infinity, -Infinity, 1e-30, -1e-30, 88.7, 88.8, -87.5, -104, 3.4e38, -3.4e38, 1e-45];

const sig = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
const f32 = Math.fround;

// op -> [reference (float64), input range, rtol, atol, alpha, beta]
const UNARY: Record<UnaryOp, [(x: number, a: number, b: number) => number, number, number, number, number, number?, number?]> = {
  copy: [(x) => x, -5, 5, 0, 0],
  neg: [(x) => -x, -5, 5, 0, 0],
  abs: [Math.abs, -5, 5, 0, 0],
  sqrt: [Math.sqrt, 0, 100, 1e-7, 0],
  exp: [Math.exp, -100, 88, 3e-7, 1e-44],
  log: [Math.log, 1e-6, 1e6, 3e-7, 1e-7],
  tanh: [Math.tanh, -10, 10, 3e-7, 1e-44],
  sigmoid: [sig, -100, 40, 4e-7, 1e-44],
  relu: [(x) => (Number.isNaN(x) ? NaN : Math.max(x, 0)), -5, 5, 0, 0],
  square: [(x) => x * x, -100, 100, 1e-7, 0],
  reciprocal: [(x) => 1 / x, -100, 100, 1e-7, 0],
  rsqrt: [(x) => 1 / Math.sqrt(x), 1e-3, 1e3, 2e-7, 0],
  softplus: [(x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), -80, 80, 4e-7, 1e-44],
  sign: [(x) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : x), -5, 5, 0, 0],
  floor: [Math.floor, -100, 100, 0, 0],
  ceil: [Math.ceil, -100, 100, 0, 0],
  round: [(x) => { const r = Math.round(x); return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; }, -100, 100, 0, 0],
  trunc: [Math.trunc, -100, 100, 0, 0],
  leakyRelu: [(x, a) => (x > 0 ? x : a * x), -5, 5, 1e-7, 0, 0.2],
  elu: [(x, a) => (x > 0 ? x : a * Math.expm1(x)), -20, 5, 3e-7, 1e-44, 1.5],
  geluTanh: [(x) => x * sig(2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)), -9, 9, 5e-7, 1e-7],
  silu: [(x) => x * sig(x), -80, 40, 4e-7, 1e-44],
  log1p: [Math.log1p, -0.999, 100, 3e-7, 1e-44],
  expm1: [Math.expm1, -20, 20, 3e-7, 1e-44],
  clip: [(x, a, b) => Math.min(Math.max(x, a), b), -5, 5, 0, 0, -1, 2],
  relu6: [(x) => Math.min(Math.max(x, 0), 6), -10, 10, 0, 0],
  scaleShift: [(x, a, b) => a * x + b, -5, 5, 2e-7, 1e-7, 1.5, -0.25],
  powScalar: [(x, a) => Math.pow(x, a), 1e-3, 100, 2e-6, 1e-44, 2.5],
  hardSigmoid: [(x) => Math.min(Math.max(x / 6 + 0.5, 0), 1), -5, 5, 2e-7, 1e-7],
};

test('every unary op has a reference row', () => {
  assert.deepEqual(Object.keys(UNARY).sort(), Object.keys(UnaryOps).sort());
});

for (const op of Object.keys(UnaryOps) as UnaryOp[]) {
  test(`unary ${op}: random inputs at odd sizes, special values, in place`, () => {
    const [f, lo, hi, rtol, atol, alpha = 0, beta = 0] = UNARY[op];
    const bufs = new Buffers();
    for (const n of SIZES) {
      const X = randF32(n, R, lo, hi);
      const x = bufs.f32(X), y = bufs.nan(n + 4);
      unary(op, x, y, n, alpha, beta);
      const got = bufs.read(y, n + 4);
      const want = Array.from(X, (v) => f(v, f32(alpha), f32(beta)));
      assertClose(got.subarray(0, n), want, rtol, atol, `${op} n=${n}`);
      assert.ok(got.subarray(n).every(Number.isNaN), `${op} n=${n}: wrote past the end`);
      unary(op, x, x, n, alpha, beta); // in place
      assertClose(bufs.read(x, n), want, rtol, atol, `${op} in place n=${n}`);
    }
    // IEEE special values: compare with the reference evaluated on the same float32 input.
    const S = Float32Array.from(SPECIAL);
    const x = bufs.f32(S), y = bufs.f32(S.length);
    unary(op, x, y, S.length, alpha, beta);
    const got = bufs.read(y, S.length);
    const want = Array.from(S, (v) => f32(f(v, f32(alpha), f32(beta))));
    const skip = new Set<UnaryOp>(['copy', 'neg', 'abs', 'sign']); // exact ops: checked above
    if (!skip.has(op)) {
      // Looser absolute tolerance near float32 overflow/underflow.
      for (let i = 0; i < S.length; i++) {
        const g = got[i]!, w = want[i]!;
        const ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= 1e-6 * Math.abs(w) + 1e-38 || (op === 'powScalar' && Math.abs(g - w) <= 3e-6 * Math.abs(w));
        assert.ok(ok, `${op}(${S[i]}) = ${g}, want ${w}`);
      }
    }
    bufs.freeAll();
  });
}

// op -> [reference, rtol, atol]
const BIN: Record<BinaryOp, [(a: number, b: number) => number, number, number?]> = {
  add: [(a, b) => a + b, 1e-7], sub: [(a, b) => a - b, 1e-7], mul: [(a, b) => a * b, 1e-7], div: [(a, b) => a / b, 1e-7],
  max: [(a, b) => Math.max(a, b), 0], min: [(a, b) => Math.min(a, b), 0],
  pow: [(a, b) => Math.pow(a, b), 3e-6],
  reluBackward: [(dy, x) => (x > 0 ? dy : 0), 0],
  sigmoidBackward: [(dy, y) => dy * y * (1 - y), 3e-7, 2e-6],
  tanhBackward: [(dy, y) => dy * (1 - y * y), 3e-7, 2e-6],
  squaredDiff: [(a, b) => (a - b) ** 2, 3e-7, 2e-6],
  gt: [(a, b) => +(a > b), 0], ge: [(a, b) => +(a >= b), 0], lt: [(a, b) => +(a < b), 0], le: [(a, b) => +(a <= b), 0],
  eq: [(a, b) => +(a === b), 0], ne: [(a, b) => +(a !== b), 0],
  addRelu: [(a, b) => Math.max(a + b, 0), 1e-7],
};

test('every binary op has a reference row', () => {
  assert.deepEqual(Object.keys(BIN).sort(), Object.keys(BinaryOps).sort());
});

function binInputs(op: BinaryOp, n: number): [Float32Array, Float32Array] {
  if (op === 'pow') {
    // positive bases with any exponent, and negative bases with integer exponents
    const a = randF32(n, R, 0.1, 4), b = randF32(n, R, -3, 3);
    for (let i = 0; i < n; i += 3) { a[i] = -a[i]!; b[i] = Math.round(b[i]!); }
    return [a, b];
  }
  const a = randF32(n, R, -3, 3), b = randF32(n, R, -3, 3);
  if (op === 'eq' || op === 'ne' || op === 'ge' || op === 'le') for (let i = 0; i < n; i += 4) b[i] = a[i]!;
  if (op === 'div') for (let i = 0; i < n; i++) if (Math.abs(b[i]!) < 0.05) b[i] = 0.5;
  return [a, b];
}

for (const op of Object.keys(BinaryOps) as BinaryOp[]) {
  test(`binary ${op}: same shape, row/column broadcast, scalar (both sides), in place`, () => {
    const [f, rtol, atol = 0] = BIN[op];
    const bufs = new Buffers();
    for (const n of [1, 3, 4, 9, 17, 130]) {
      for (const m of [1, 2, 5]) {
        const [A, B] = binInputs(op, m * n);
        const a = bufs.f32(A), b = bufs.f32(B), out = bufs.nan(m * n + 4);
        binary(op, a, b, out, m * n);
        assertClose(bufs.read(out, m * n), Array.from(A, (v, i) => f(v, B[i]!)), rtol, atol, `${op} same n=${m * n}`);
        assert.ok(Number.isNaN(bufs.read(out + m * n * 4, 1)[0]!), `${op}: wrote past the end`);
        // row broadcast: b[j]
        binaryRow(op, a, b, out, m, n);
        assertClose(bufs.read(out, m * n), Array.from(A, (v, i) => f(v, B[i % n]!)), rtol, atol, `${op} row ${m}x${n}`);
        // column broadcast: b[i]
        binaryCol(op, a, b, out, m, n);
        assertClose(bufs.read(out, m * n), Array.from(A, (v, i) => f(v, B[Math.floor(i / n)]!)), rtol, atol, `${op} col ${m}x${n}`);
        // scalar
        const s = f32(op === 'pow' ? 2 : B[0]!);
        binaryScalar(op, a, s, out, m * n);
        assertClose(bufs.read(out, m * n), Array.from(A, (v) => f(v, s)), rtol, atol, `${op} scalar`);
        if (op !== 'pow') {
          binaryScalar(op, a, s, out, m * n, true);
          assertClose(bufs.read(out, m * n), Array.from(A, (v) => f(s, v)), rtol, atol, `${op} reversed scalar`);
        }
        // in place: out = a
        binary(op, a, b, a, m * n);
        assertClose(bufs.read(a, m * n), Array.from(A, (v, i) => f(v, B[i]!)), rtol, atol, `${op} in place`);
      }
    }
    bufs.freeAll();
  });
}

test('binary: special values follow IEEE/Math semantics', () => {
  const bufs = new Buffers();
  const A = Float32Array.from([NaN, 1, -0, 0, Infinity, 0, 2, -2, -8, 0, NaN, 1]);
  const B = Float32Array.from([1, NaN, 0, -0, Infinity, 0, 0, 3, 1 / 3, -1, 0, Infinity]);
  const a = bufs.f32(A), b = bufs.f32(B), out = bufs.f32(A.length);
  for (const op of ['add', 'mul', 'div', 'max', 'min', 'eq', 'ne', 'lt'] as BinaryOp[]) {
    binary(op, a, b, out, A.length);
    assertClose(bufs.read(out, A.length), Array.from(A, (v, i) => f32(BIN[op][0](v, B[i]!))), 0, 0, `${op} specials`);
  }
  binary('pow', a, b, out, A.length);
  // Math.pow: pow(x, 0) = 1 (x = NaN too), pow(-2, 3) = -8, pow(-8, 1/3) = NaN, pow(0, -1) = inf, pow(1, inf) = NaN
  const got = bufs.read(out, A.length);
  assert.equal(got[6], 1); assert.equal(got[7], -8); assert.ok(Number.isNaN(got[8]!)); assert.equal(got[9], Infinity);
  assert.equal(got[10], 1); assert.ok(Number.isNaN(got[11]!));
  bufs.freeAll();
});

test('biasRelu, fill, copyBytes, axpby, transpose, castI32ToF32', () => {
  const bufs = new Buffers();
  for (const [m, n] of [[1, 1], [3, 5], [17, 130], [64, 4]]) {
    const X = randF32(m * n, R), Bv = randF32(n, R);
    const x = bufs.f32(X), bias = bufs.f32(Bv), out = bufs.f32(m * n);
    biasRelu(x, bias, out, m, n);
    assertClose(bufs.read(out, m * n), Array.from(X, (v, i) => Math.max(f32(v + Bv[i % n]!), 0)), 0, 0, 'biasRelu');
    const t = bufs.f32(m * n);
    transpose(x, t, 1, m, n);
    const T = bufs.read(t, m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) assert.equal(T[j * m + i], X[i * n + j]);
  }
  // batched transpose
  const X = randF32(3 * 5 * 7, R);
  const x = bufs.f32(X), t = bufs.f32(X.length);
  transpose(x, t, 3, 5, 7);
  const T = bufs.read(t, X.length);
  for (let b = 0; b < 3; b++) for (let i = 0; i < 5; i++) for (let j = 0; j < 7; j++) assert.equal(T[b * 35 + j * 5 + i], X[b * 35 + i * 7 + j]);

  for (const n of [1, 5, 17, 1000]) {
    const p = bufs.nan(n + 1);
    fill(p, n, 2.5);
    const got = bufs.read(p, n + 1);
    assert.ok(got.subarray(0, n).every((v) => v === 2.5) && Number.isNaN(got[n]!));
    fill(p, n, 0);
    assert.ok(bufs.read(p, n).every((v) => Object.is(v, 0)));
    const Xs = randF32(n, R), Ys = randF32(n, R);
    const xs = bufs.f32(Xs), ys = bufs.f32(Ys);
    axpby(n, 2, xs, 0.5, ys);
    assertClose(bufs.read(ys, n), Array.from(Xs, (v, i) => 2 * v + 0.5 * Ys[i]!), 1e-7, 0, 'axpby');
    const yn = bufs.nan(n);
    axpby(n, 3, xs, 0, yn);
    assertClose(bufs.read(yn, n), Array.from(Xs, (v) => 3 * v), 1e-7, 0, 'axpby beta=0');
    const dst = bufs.f32(n);
    copyBytes(xs, dst, n * 4);
    assert.deepEqual(bufs.read(dst, n), Xs);
  }
  const I = Int32Array.from([0, 1, -7, 123456789, -2147483648, 5]);
  const ip = bufs.i32(I), fo = bufs.f32(I.length);
  castI32ToF32(ip, fo, I.length);
  assert.deepEqual([...bufs.read(fo, I.length)], Array.from(I, (v) => f32(v)));
  bufs.freeAll();
});

test('elementwise ops split across threads give the same results', () => {
  const T = getNumThreads();
  const save = { ...tuning };
  try {
    tuning.eltParMin = 64; tuning.eltParMinHeavy = 64;
    const bufs = new Buffers();
    const n = 10007, m = 7, k = 1429;
    const A = randF32(n, R, -3, 3), B = randF32(n, R, -3, 3);
    const a = bufs.f32(A), b = bufs.f32(B), o1 = bufs.f32(n), o2 = bufs.f32(n);
    const runs: Array<(out: number) => void> = [
      (o) => unary('exp', a, o, n), (o) => unary('tanh', a, o, n), (o) => binary('mul', a, b, o, n),
      (o) => binaryRow('add', a, b, o, m, k), (o) => binaryCol('sub', a, b, o, m, k), (o) => binaryRow('div', a, b, o, 1, n),
      (o) => binaryScalar('max', a, 0.5, o, n), (o) => biasRelu(a, b, o, m, k), (o) => axpby(n, 2, a, 0, o),
      (o) => transpose(a, o, 1, 61, 164), (o) => transpose(a, o, 3, 37, 90),
    ];
    for (const run of runs) {
      setNumThreads(1); run(o1);
      setNumThreads(2); run(o2);
      assert.deepEqual(bufs.read(o2, n), bufs.read(o1, n));
    }
    bufs.freeAll();
  } finally {
    Object.assign(tuning, save);
    setNumThreads(T);
  }
});

test('stridedCopy: permutations, broadcasts, slices, negative strides, ranks 0-8, 1 and 2 threads', () => {
  const T = getNumThreads();
  const save = { ...tuning };
  const bufs = new Buffers();
  try {
    tuning.eltParMin = 16;
    const SRC = Float32Array.from({ length: 5000 }, (_, i) => i);
    const base = bufs.f32(SRC);
    const cases: Array<[number[], number[], number]> = [
      [[], [], 7], // rank 0: one element at offset 7
      [[5], [1], 0], [[5], [0], 3], [[6], [-2], 20], [[3, 4], [4, 1], 0], [[4, 3], [1, 4], 0], // transpose
      [[2, 3, 4], [12, 1, 3], 0], [[3, 1, 5], [5, 0, 1], 2], [[2, 3, 4], [0, 4, 1], 0], // broadcast
      [[7, 9], [20, 2], 5], [[17, 33], [1, 17], 0], [[2, 2, 2, 2, 2, 2, 2, 2], [1, 2, 4, 8, 16, 32, 64, 128], 0],
      [[3, 5, 7], [-35, 7, -1], 4000], [[40, 100], [100, 1], 0], [[100, 40], [1, 100], 0],
    ];
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      for (const [shape, strides, offset] of cases) {
        const n = shape.reduce((a, b) => a * b, 1);
        const out = bufs.nan(n + 1);
        stridedCopy(base + offset * 4, out, shape, strides);
        const want: number[] = [];
        const idx = new Array(shape.length).fill(0);
        for (let k = 0; k < n; k++) {
          want.push(SRC[offset + idx.reduce((s, v, d) => s + v * strides[d]!, 0)]!);
          for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]!) break; idx[d] = 0; }
        }
        const got = bufs.read(out, n + 1);
        assert.deepEqual([...got.subarray(0, n)], want, `shape ${shape} strides ${strides}`);
        assert.ok(Number.isNaN(got[n]!), 'wrote past the end');
      }
    }
  } finally {
    bufs.freeAll();
    Object.assign(tuning, save);
    setNumThreads(T);
  }
});

test('compare: every op, full and scalar operands, NaN and signed zeros, SIMD body and tails, 1 and 2 threads', () => {
  const refs: Record<string, (a: number, b: number) => boolean> = {
    lt: (a, b) => a < b, le: (a, b) => a <= b, gt: (a, b) => a > b, ge: (a, b) => a >= b, eq: (a, b) => a === b, ne: (a, b) => a !== b,
  };
  const saved = getNumThreads();
  try {
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      for (const n of [...SIZES, 70000]) {
        const buf = new Buffers();
        // few distinct values so equality is common
        const draw = (): number => (R() < 0.1 ? SPECIAL[Math.floor(R() * 5)] : Math.round(R() * 6) - 3);
        const av = Float32Array.from({ length: n }, draw);
        const bv = Float32Array.from({ length: n }, draw);
        const a = buf.f32(av), b = buf.f32(bv), out = buf.u8(n);
        for (const [op, ref] of Object.entries(refs)) {
          for (const [sa, sb] of [[false, false], [true, false], [false, true]]) {
            const s = sa ? NaN : sb ? 0 : 0;
            compare(op as CompareOp, sa ? { scalar: -0 } : { ptr: a }, sb ? { scalar: s } : { ptr: b }, out, n);
            const got = buf.readU8(out, n);
            for (let i = 0; i < n; i++) {
              const want = +ref(sa ? -0 : av[i], sb ? s : bv[i]);
              if (got[i] !== want) assert.fail(`compare ${op} n=${n} threads=${threads} scalar a=${sa} b=${sb} at ${i}: ${got[i]} vs ${want}`);
            }
          }
        }
        buf.freeAll();
      }
    }
  } finally {
    setNumThreads(saved);
  }
});

test('select: full and scalar branches under a byte mask, SIMD body and tails', () => {
  for (const n of [...SIZES, 70000]) {
    const buf = new Buffers();
    const cv = Uint8Array.from({ length: n }, () => (R() < 0.5 ? 1 : 0));
    const av = randF32(n, R, -5, 5), bv = randF32(n, R, -5, 5);
    const c = buf.u8(cv), a = buf.f32(av), b = buf.f32(bv), out = buf.f32(new Float32Array(n));
    for (const [sa, sb] of [[false, false], [false, true], [true, false], [true, true]]) {
      select(c, sa ? { scalar: 7 } : { ptr: a }, sb ? { scalar: -0 } : { ptr: b }, out, n);
      const got = buf.read(out, n);
      for (let i = 0; i < n; i++) {
        const want = cv[i] ? (sa ? 7 : av[i]) : sb ? -0 : bv[i];
        if (!Object.is(got[i], Math.fround(want))) assert.fail(`select n=${n} scalar a=${sa} b=${sb} at ${i}: ${got[i]} vs ${want}`);
      }
    }
    buf.freeAll();
  }
});

test('gatherRows: negative indices, odd row sizes, 1 and 2 threads, out-of-range indices refused', () => {
  const b = new Buffers();
  const T0 = getNumThreads();
  try {
    // 5000 rows of 301 floats: big enough to be split across threads
    for (const [rows, inner, n] of [[7, 3, 5], [5000, 301, 4000], [10, 1, 0]] as const) {
      const src = randF32(rows * inner, R);
      const idx = Int32Array.from({ length: n }, () => Math.floor(R() * 2 * rows) - rows);
      const want = new Float32Array(n * inner);
      idx.forEach((k, j) => want.set(src.subarray((k < 0 ? k + rows : k) * inner, ((k < 0 ? k + rows : k) + 1) * inner), j * inner));
      const ps = b.f32(src), pi = b.i32(idx.length ? idx : [0]);
      for (const threads of [1, 2]) {
        setNumThreads(threads);
        const out = b.nan(Math.max(n * inner, 1));
        assert.equal(gatherRows(ps, pi, out, n, inner * 4, rows), null);
        assert.deepEqual(b.read(out, n * inner), want);
      }
    }
    const out = b.nan(6);
    assert.equal(gatherRows(b.f32([1, 2, 3, 4]), b.i32([1, -3, 0]), out, 3, 8, 2), -3);
    assert.ok(b.read(out, 6).every(Number.isNaN), 'nothing written when an index is out of range');
  } finally {
    setNumThreads(T0);
    b.freeAll();
  }
});
