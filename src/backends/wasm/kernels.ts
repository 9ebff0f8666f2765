// Typed wrappers around the wasm kernels. Every buffer argument is a byte offset into the shared
// memory (see runtime.ts: alloc/free/f32View...), float32 unless noted; matrices are row-major.
// Each wrapper decides how many threads to use (by size thresholds in `tuning`), writes one argument
// block per thread (layout: assembly/abi.ts) and runs them with runTasks().
import * as ABI from './assembly/abi.js';
import { argBlock, getNumThreads, heapF32, heapF64, heapI32, heapU32, runTasks, threadScratch, wasmInternals } from './runtime.js';

/** Thresholds and blocking parameters (measured on a 2-core Zen, see bench/gemm.ts). */
export const tuning = {
  /** GEMM blocking: MC x KC block of A (L2), KC x NC panel of B (L3). MC % MR == 0, NC % NR == 0. */
  mc: 120,
  kc: 256,
  nc: 2048,
  /** N (or M) at or below which the unpacked narrow kernels are used. */
  narrowMax: 16,
  /** GEMMs below this many flops run on one thread. */
  gemmParMinFlops: 2e6,
  /** Elementwise ops on fewer elements than this run on one thread (cheap ops: add, relu...). */
  eltParMin: 1 << 16,
  /** Same, for ops with a transcendental (exp, log, tanh, sigmoid, softmax rows...). */
  eltParMinHeavy: 1 << 13,
  /** Optimizer updates (read 2-4 streams, write 2-3). */
  optimParMin: 1 << 15,
};

// ---------------------------------------------------------------------------------------------
// Argument writing

let U32: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
let I32: Int32Array<ArrayBufferLike> = new Int32Array(0);
let F32: Float32Array<ArrayBufferLike> = new Float32Array(0);

/** Returns the 32-bit slot index of thread t's argument block and refreshes the views. */
function blk(t: number): number {
  U32 = heapU32();
  I32 = heapI32();
  F32 = heapF32();
  return argBlock(t) >>> 2;
}

function threadsFor(work: number, minPerThread: number, maxParts = Infinity): number {
  const T = getNumThreads();
  if (T <= 1 || work < 2 * minPerThread) return 1;
  return Math.max(1, Math.min(T, Math.floor(work / minPerThread), maxParts));
}

/** Splits [0, n) into `parts` contiguous ranges whose interior bounds are multiples of `align`. */
export function splitRange(n: number, parts: number, align = 1): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const units = Math.ceil(n / align);
  parts = Math.max(1, Math.min(parts, units));
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const endUnits = Math.round(((p + 1) * units) / parts);
    const end = Math.min(n, endUnits * align);
    if (end > start) out.push([start, end]);
    start = end;
  }
  return out;
}

function checkPtr(name: string, p: number): void {
  if (!Number.isInteger(p) || p < 0 || p > 0xffffffff) throw new RangeError(`deepts wasm: ${name} is not a pointer: ${p}`);
}
function checkDim(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new RangeError(`deepts wasm: ${name} must be a non-negative int32, got ${v}`);
}

// ---------------------------------------------------------------------------------------------
// GEMM

export interface GemmInfo {
  path: 'empty' | 'blocked' | 'narrow' | 'narrow-transposed';
  threads: number;
  split: 'none' | 'M' | 'N' | 'batch';
}

/** Which path/threads sgemm would use (for tests and benchmarks). */
export let lastGemm: GemmInfo = { path: 'empty', threads: 1, split: 'none' };

/**
 * C = alpha * op(A) @ op(B) + beta * C  (float32, row-major; BLAS semantics: beta == 0 never reads C,
 * alpha == 0 never reads A/B). op(A) is M x K (transA: A is stored K x M with row stride lda),
 * op(B) is K x N (transB: B stored N x K). Leading dimensions are in elements.
 */
export function sgemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: number, lda: number, B: number, ldb: number, beta: number, C: number, ldc: number,
): void {
  sgemmBatched(transA, transB, M, N, K, alpha, A, lda, 0, B, ldb, 0, beta, C, ldc, 0, 1);
}

/**
 * Batched SGEMM: for b in [0, batch): C_b = alpha op(A_b) op(B_b) + beta C_b with
 * A_b = A + b*strideA (elements; 0 broadcasts one matrix over the batch), likewise B_b, C_b.
 */
export function sgemmBatched(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: number, lda: number, strideA: number, B: number, ldb: number, strideB: number,
  beta: number, C: number, ldc: number, strideC: number, batch: number,
): void {
  checkDim('M', M); checkDim('N', N); checkDim('K', K); checkDim('batch', batch);
  checkPtr('A', A); checkPtr('B', B); checkPtr('C', C);
  checkDim('strideA', strideA); checkDim('strideB', strideB); checkDim('strideC', strideC);
  if (M === 0 || N === 0 || batch === 0) {
    lastGemm = { path: 'empty', threads: 1, split: 'none' };
    return;
  }
  if (lda < Math.max(1, transA ? M : K) || ldb < Math.max(1, transB ? K : N) || ldc < Math.max(1, N)) {
    throw new RangeError(`deepts wasm: sgemm leading dimensions too small: lda=${lda} ldb=${ldb} ldc=${ldc} for ` +
      `M=${M} N=${N} K=${K} transA=${transA} transB=${transB}`);
  }
  const { exports } = wasmInternals();
  const MR = exports.gemm_mr(), NR = exports.gemm_nr();
  const flops = 2 * M * N * K * batch;
  const T = flops < tuning.gemmParMinFlops ? 1 : getNumThreads();
  const nm = tuning.narrowMax;

  // Problem actually handed to the kernel (narrow-transposed swaps roles: C^T = op(B)^T op(A)^T).
  let tA = transA, tB = transB, m = M, n = N, a = A, la = lda, b = B, lb = ldb, sA = strideA, sB = strideB;
  let rsc = ldc, csc = 1;
  let path: GemmInfo['path'] = 'blocked';
  if (K > 0 && alpha !== 0 && (N <= nm || M <= nm)) {
    if (N <= nm && (M > nm || N <= M)) {
      path = 'narrow';
    } else {
      path = 'narrow-transposed';
      tA = !transB; tB = !transA; m = N; n = M; a = B; la = ldb; b = A; lb = lda; sA = strideB; sB = strideA;
      rsc = 1; csc = ldc;
    }
  }
  const narrow = path !== 'blocked';

  // Thread split: batches when there are enough, else rows (m) or columns (n) of every matrix.
  let split: GemmInfo['split'] = 'none';
  let parts: Array<[number, number]> = [[0, m]];
  if (T > 1) {
    if (batch >= T && (batch >= 4 * T || M * N * K < 1 << 20)) {
      split = 'batch';
      parts = splitRange(batch, T);
    } else if (narrow || M / MR >= N / NR) {
      split = 'M';
      parts = splitRange(m, T, narrow ? 8 : MR);
    } else {
      split = 'N';
      parts = splitRange(n, T, NR);
    }
    if (parts.length === 1) split = 'none';
  }
  const flags = (tA ? 1 : 0) | (tB ? 2 : 0);
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    let pm = m, pn = n, pb = batch, pa = a, pbp = b, pc = C;
    if (split === 'batch') {
      pb = hi - lo;
      pa += lo * sA * 4; pbp += lo * sB * 4; pc += lo * strideC * 4;
    } else if (split === 'M') {
      pm = hi - lo;
      pa += (tA ? lo : lo * la) * 4;
      pc += lo * rsc * 4;
    } else if (split === 'N') {
      pn = hi - lo;
      pbp += (tB ? lo * lb : lo) * 4;
      pc += lo * csc * 4;
    }
    let scratch: number;
    const mc = Math.min(tuning.mc, Math.ceil(pm / MR) * MR);
    const kc = Math.max(1, Math.min(tuning.kc, K));
    const nc = Math.min(tuning.nc, Math.ceil(pn / NR) * NR);
    if (narrow) scratch = threadScratch(t, exports.gemm_narrow_scratch_bytes(pn, K));
    else scratch = threadScratch(t, exports.gemm_scratch_bytes(mc, kc, nc));
    const o = blk(t);
    I32[o] = narrow ? ABI.T_GEMM_NARROW : ABI.T_GEMM;
    I32[o + 1] = flags;
    I32[o + 2] = pm; I32[o + 3] = pn; I32[o + 4] = K;
    F32[o + 5] = alpha;
    U32[o + 6] = pa; I32[o + 7] = la;
    U32[o + 8] = pbp; I32[o + 9] = lb;
    F32[o + 10] = beta;
    U32[o + 11] = pc; I32[o + 12] = rsc;
    U32[o + 13] = scratch;
    I32[o + 14] = narrow ? csc : mc; I32[o + 15] = kc; I32[o + 16] = nc;
    I32[o + 17] = pb;
    U32[o + 18] = sA; U32[o + 19] = sB; U32[o + 20] = strideC;
  }
  lastGemm = { path, threads: parts.length, split };
  runTasks(parts.length);
}

// ---------------------------------------------------------------------------------------------
// Elementwise

export const UnaryOps = {
  copy: ABI.U_COPY, neg: ABI.U_NEG, abs: ABI.U_ABS, sqrt: ABI.U_SQRT, exp: ABI.U_EXP, log: ABI.U_LOG,
  tanh: ABI.U_TANH, sigmoid: ABI.U_SIGMOID, relu: ABI.U_RELU, square: ABI.U_SQUARE,
  reciprocal: ABI.U_RECIPROCAL, rsqrt: ABI.U_RSQRT, softplus: ABI.U_SOFTPLUS, sign: ABI.U_SIGN,
  floor: ABI.U_FLOOR, ceil: ABI.U_CEIL, round: ABI.U_ROUND, trunc: ABI.U_TRUNC,
  leakyRelu: ABI.U_LEAKY_RELU, elu: ABI.U_ELU, geluTanh: ABI.U_GELU_TANH, silu: ABI.U_SILU,
  log1p: ABI.U_LOG1P, expm1: ABI.U_EXPM1, clip: ABI.U_CLIP, relu6: ABI.U_RELU6,
  scaleShift: ABI.U_SCALE_SHIFT, powScalar: ABI.U_POW_SCALAR, hardSigmoid: ABI.U_HARD_SIGMOID,
} as const;
export type UnaryOp = keyof typeof UnaryOps;

export const BinaryOps = {
  add: ABI.B_ADD, sub: ABI.B_SUB, mul: ABI.B_MUL, div: ABI.B_DIV, max: ABI.B_MAX, min: ABI.B_MIN,
  pow: ABI.B_POW, reluBackward: ABI.B_RELU_BWD, sigmoidBackward: ABI.B_SIGMOID_BWD,
  tanhBackward: ABI.B_TANH_BWD, squaredDiff: ABI.B_SQUARED_DIFF, gt: ABI.B_GT, ge: ABI.B_GE,
  lt: ABI.B_LT, le: ABI.B_LE, eq: ABI.B_EQ, ne: ABI.B_NE,
} as const;
export type BinaryOp = keyof typeof BinaryOps;

const HEAVY_UNARY = new Set<UnaryOp>(['exp', 'log', 'tanh', 'sigmoid', 'softplus', 'elu', 'geluTanh', 'silu', 'log1p', 'expm1', 'powScalar']);

/**
 * y[0:n] = op(x[0:n]); y may equal x. alpha/beta: leakyRelu slope, elu alpha, clip [alpha, beta],
 * scaleShift alpha*x+beta, powScalar exponent alpha.
 */
export function unary(op: UnaryOp, x: number, y: number, n: number, alpha = 0, beta = 0): void {
  const kind = UnaryOps[op];
  if (kind === undefined) throw new Error(`deepts wasm: unknown unary op ${op}`);
  checkDim('n', n);
  if (n === 0) return;
  const T = threadsFor(n, HEAVY_UNARY.has(op) ? tuning.eltParMinHeavy : tuning.eltParMin);
  const parts = splitRange(n, T, 16);
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    const o = blk(t);
    I32[o] = ABI.T_UNARY; I32[o + 1] = kind;
    U32[o + 2] = x + lo * 4; U32[o + 3] = y + lo * 4; I32[o + 4] = hi - lo;
    F32[o + 5] = alpha; F32[o + 6] = beta;
  }
  runTasks(parts.length);
}

function binaryImpl(op: BinaryOp, mode: number, a: number, b: number, s: number, out: number, m: number, n: number): void {
  const kind = BinaryOps[op];
  if (kind === undefined) throw new Error(`deepts wasm: unknown binary op ${op}`);
  checkDim('m', m); checkDim('n', n);
  if (m === 0 || n === 0) return;
  const total = m * n;
  const T = threadsFor(total, op === 'pow' ? tuning.eltParMinHeavy : tuning.eltParMin);
  let nTasks: number;
  if (mode === 0 || mode >= 3) {
    // flat
    const parts = splitRange(total, T, 16);
    nTasks = parts.length;
    for (let t = 0; t < nTasks; t++) {
      const [lo, hi] = parts[t]!;
      const o = blk(t);
      I32[o] = ABI.T_BINARY; I32[o + 1] = kind; I32[o + 2] = mode;
      U32[o + 3] = a + lo * 4; U32[o + 4] = mode === 0 ? b + lo * 4 : 0; F32[o + 5] = s; U32[o + 6] = out + lo * 4;
      I32[o + 7] = 1; I32[o + 8] = hi - lo; I32[o + 9] = hi - lo;
    }
  } else if (m >= T) {
    const parts = splitRange(m, T);
    nTasks = parts.length;
    for (let t = 0; t < nTasks; t++) {
      const [lo, hi] = parts[t]!;
      const o = blk(t);
      I32[o] = ABI.T_BINARY; I32[o + 1] = kind; I32[o + 2] = mode;
      U32[o + 3] = a + lo * n * 4; U32[o + 4] = mode === 2 ? b + lo * 4 : b; F32[o + 5] = s;
      U32[o + 6] = out + lo * n * 4; I32[o + 7] = hi - lo; I32[o + 8] = n; I32[o + 9] = n;
    }
  } else {
    // few long rows: split columns
    const parts = splitRange(n, T, 16);
    nTasks = parts.length;
    for (let t = 0; t < nTasks; t++) {
      const [lo, hi] = parts[t]!;
      const o = blk(t);
      I32[o] = ABI.T_BINARY; I32[o + 1] = kind; I32[o + 2] = mode;
      U32[o + 3] = a + lo * 4; U32[o + 4] = mode === 1 ? b + lo * 4 : b; F32[o + 5] = s;
      U32[o + 6] = out + lo * 4; I32[o + 7] = m; I32[o + 8] = hi - lo; I32[o + 9] = n;
    }
  }
  runTasks(nTasks);
}

/** out[i] = a[i] op b[i], i < n (out may alias a or b). */
export function binary(op: BinaryOp, a: number, b: number, out: number, n: number): void {
  binaryImpl(op, 0, a, b, 0, out, 1, n);
}
/** out[i, j] = a[i, j] op b[j] for an m x n a (bias add: binaryRow('add', x, bias, y, batch, features)). */
export function binaryRow(op: BinaryOp, a: number, b: number, out: number, m: number, n: number): void {
  binaryImpl(op, 1, a, b, 0, out, m, n);
}
/** out[i, j] = a[i, j] op b[i] for an m x n a. */
export function binaryCol(op: BinaryOp, a: number, b: number, out: number, m: number, n: number): void {
  binaryImpl(op, 2, a, b, 0, out, m, n);
}
/** out[i] = a[i] op s, or s op a[i] when reversed. */
export function binaryScalar(op: BinaryOp, a: number, s: number, out: number, n: number, reversed = false): void {
  binaryImpl(op, reversed ? 4 : 3, a, 0, s, out, 1, n);
}

/** out[i, j] = max(x[i, j] + bias[j], 0) for an m x n x. */
export function biasRelu(x: number, bias: number, out: number, m: number, n: number): void {
  checkDim('m', m); checkDim('n', n);
  if (m === 0 || n === 0) return;
  const T = threadsFor(m * n, tuning.eltParMin);
  const parts = m >= T ? splitRange(m, T) : [[0, m] as [number, number]];
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    const o = blk(t);
    I32[o] = ABI.T_BIAS_RELU; U32[o + 1] = x + lo * n * 4; U32[o + 2] = bias; U32[o + 3] = out + lo * n * 4;
    I32[o + 4] = hi - lo; I32[o + 5] = n; I32[o + 6] = n;
  }
  runTasks(parts.length);
}

/** x[0:n] = value. */
export function fill(x: number, n: number, value: number): void {
  checkDim('n', n);
  if (n === 0) return;
  const parts = splitRange(n, threadsFor(n, tuning.eltParMin * 4), 16);
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    const o = blk(t);
    I32[o] = ABI.T_FILL; U32[o + 1] = x + lo * 4; I32[o + 2] = hi - lo; F32[o + 3] = value;
  }
  runTasks(parts.length);
}

/** Copies `bytes` bytes from src to dst (memmove semantics on one thread; regions must not overlap when split). */
export function copyBytes(src: number, dst: number, bytes: number): void {
  checkDim('bytes', bytes);
  if (bytes === 0) return;
  const overlap = src < dst + bytes && dst < src + bytes;
  const parts = overlap ? [[0, bytes] as [number, number]] : splitRange(bytes, threadsFor(bytes, tuning.eltParMin * 16), 64);
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    const o = blk(t);
    I32[o] = ABI.T_COPY; U32[o + 1] = src + lo; U32[o + 2] = dst + lo; U32[o + 3] = hi - lo;
  }
  runTasks(parts.length);
}

/** y = alpha * x + beta * y over n floats (beta == 0: y is not read). */
export function axpby(n: number, alpha: number, x: number, beta: number, y: number): void {
  checkDim('n', n);
  if (n === 0) return;
  const parts = splitRange(n, threadsFor(n, tuning.eltParMin), 16);
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    const o = blk(t);
    I32[o] = ABI.T_AXPY; I32[o + 1] = hi - lo; F32[o + 2] = alpha; U32[o + 3] = x + lo * 4; F32[o + 4] = beta; U32[o + 5] = y + lo * 4;
  }
  runTasks(parts.length);
}

/** For each of `batch` rows x cols matrices: dst[j, i] = src[i, j] (src and dst must not overlap). */
export function transpose(src: number, dst: number, batch: number, rows: number, cols: number): void {
  checkDim('batch', batch); checkDim('rows', rows); checkDim('cols', cols);
  if (batch === 0 || rows === 0 || cols === 0) return;
  const T = threadsFor(batch * rows * cols, tuning.eltParMin);
  const o0 = (t: number, s: number, d: number, b: number) => {
    const o = blk(t);
    I32[o] = ABI.T_TRANSPOSE; U32[o + 1] = s; U32[o + 2] = d; I32[o + 3] = b; I32[o + 4] = rows; I32[o + 5] = cols;
  };
  if (T > 1 && batch >= T) {
    const parts = splitRange(batch, T);
    parts.forEach(([lo, hi], t) => o0(t, src + lo * rows * cols * 4, dst + lo * rows * cols * 4, hi - lo));
    runTasks(parts.length);
  } else {
    // One task per matrix (parallelism across batches only); a big single matrix runs on one thread.
    o0(0, src, dst, batch);
    runTasks(1);
  }
}

/** out[i] = float(x[i]) for an int32 x. */
export function castI32ToF32(x: number, out: number, n: number): void {
  checkDim('n', n);
  if (n === 0) return;
  const o = blk(0);
  I32[o] = ABI.T_CAST_I32_F32; U32[o + 1] = x; U32[o + 2] = out; I32[o + 3] = n;
  runTasks(1);
}

// ---------------------------------------------------------------------------------------------
// Reductions

export type ReduceOp = 'sum' | 'max' | 'min' | 'sumsq';
const REDUCE: Record<ReduceOp, number> = { sum: ABI.R_SUM, max: ABI.R_MAX, min: ABI.R_MIN, sumsq: ABI.R_SUMSQ };

/**
 * out[i] = reduce_j x[i, j] over an m x n x (times alpha for sum/sumsq; mean: alpha = 1/n).
 * max of an empty row is -inf, sum 0.
 */
export function reduceRows(op: ReduceOp, x: number, out: number, m: number, n: number, alpha = 1): void {
  checkDim('m', m); checkDim('n', n);
  if (m === 0) return;
  const kind = REDUCE[op];
  const T = threadsFor(m * n, tuning.eltParMin);
  if (T > 1 && m < T && n >= 1024) {
    // Few long rows: each thread reduces a column slice into its own partial row, then combine here.
    const parts = splitRange(n, T, 16);
    const scratch = parts.map((_, t) => threadScratch(t, m * 4 + 64));
    for (let t = 0; t < parts.length; t++) {
      const [lo, hi] = parts[t]!;
      const o = blk(t);
      I32[o] = ABI.T_REDUCE_ROWS; I32[o + 1] = kind; U32[o + 2] = x + lo * 4; U32[o + 3] = scratch[t]!;
      I32[o + 4] = m; I32[o + 5] = hi - lo; I32[o + 6] = n; F32[o + 7] = alpha;
    }
    runTasks(parts.length);
    const F = heapF32();
    for (let i = 0; i < m; i++) {
      let r = F[(scratch[0]! >>> 2) + i]!;
      for (let t = 1; t < parts.length; t++) {
        const v = F[(scratch[t]! >>> 2) + i]!;
        if (op === 'sum' || op === 'sumsq') r += v;
        else if (Number.isNaN(v) || Number.isNaN(r)) r = NaN;
        else r = op === 'max' ? Math.max(r, v) : Math.min(r, v);
      }
      F[(out >>> 2) + i] = r;
    }
    return;
  }
  const parts = splitRange(m, T);
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    const o = blk(t);
    I32[o] = ABI.T_REDUCE_ROWS; I32[o + 1] = kind; U32[o + 2] = x + lo * n * 4; U32[o + 3] = out + lo * 4;
    I32[o + 4] = hi - lo; I32[o + 5] = n; I32[o + 6] = n; F32[o + 7] = alpha;
  }
  runTasks(parts.length);
}

/** out[j] = reduce_i x[i, j] over an m x n x (e.g. the bias gradient: reduceCols('sum', dy, db, batch, features)). */
export function reduceCols(op: ReduceOp, x: number, out: number, m: number, n: number, alpha = 1): void {
  checkDim('m', m); checkDim('n', n);
  if (n === 0) return;
  const kind = REDUCE[op];
  const parts = splitRange(n, threadsFor(m * n, tuning.eltParMin), 16);
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    const o = blk(t);
    I32[o] = ABI.T_REDUCE_COLS; I32[o + 1] = kind; U32[o + 2] = x + lo * 4; U32[o + 3] = out + lo * 4;
    I32[o + 4] = m; I32[o + 5] = hi - lo; I32[o + 6] = n; F32[o + 7] = alpha;
  }
  runTasks(parts.length);
}

export const sumRows = (x: number, out: number, m: number, n: number, alpha = 1) => reduceRows('sum', x, out, m, n, alpha);
export const sumCols = (x: number, out: number, m: number, n: number, alpha = 1) => reduceCols('sum', x, out, m, n, alpha);
export const maxRows = (x: number, out: number, m: number, n: number) => reduceRows('max', x, out, m, n);

/** out (int32) [i] = first index of the max of row i (NaN counts as max); -1 for n == 0. */
export function argmaxRows(x: number, out: number, m: number, n: number): void {
  checkDim('m', m); checkDim('n', n);
  if (m === 0) return;
  const parts = splitRange(m, threadsFor(m * n, tuning.eltParMin));
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    const o = blk(t);
    I32[o] = ABI.T_ARGMAX_ROWS; U32[o + 1] = x + lo * n * 4; U32[o + 2] = out + lo * 4; I32[o + 3] = hi - lo; I32[o + 4] = n; I32[o + 5] = n;
  }
  runTasks(parts.length);
}

// ---------------------------------------------------------------------------------------------
// Softmax family (contiguous m x n; outputs may alias inputs)

function rowsTask(task: number, p1: number, p2: number, p3: number, m: number, n: number): void {
  checkDim('m', m); checkDim('n', n);
  if (m === 0 || n === 0) return;
  const parts = splitRange(m, threadsFor(m * n, tuning.eltParMinHeavy));
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    const o = blk(t);
    const off = lo * n * 4;
    I32[o] = task;
    if (task === ABI.T_SOFTMAX_ROWS || task === ABI.T_LOG_SOFTMAX_ROWS) {
      U32[o + 1] = p1 + off; U32[o + 2] = p2 + off; I32[o + 3] = hi - lo; I32[o + 4] = n;
    } else {
      U32[o + 1] = p1 + off; U32[o + 2] = p2 + off; U32[o + 3] = p3 + off; I32[o + 4] = hi - lo; I32[o + 5] = n;
    }
  }
  runTasks(parts.length);
}

/** y = softmax(x) along the last axis. */
export function softmaxRows(x: number, y: number, m: number, n: number): void {
  rowsTask(ABI.T_SOFTMAX_ROWS, x, y, 0, m, n);
}
/** y = log_softmax(x) along the last axis. */
export function logSoftmaxRows(x: number, y: number, m: number, n: number): void {
  rowsTask(ABI.T_LOG_SOFTMAX_ROWS, x, y, 0, m, n);
}
/** dx = y * (dy - sum(dy * y)) with y = softmax(x). */
export function softmaxBackwardRows(y: number, dy: number, dx: number, m: number, n: number): void {
  rowsTask(ABI.T_SOFTMAX_BWD_ROWS, y, dy, dx, m, n);
}
/** dx = dy - exp(y) * sum(dy) with y = log_softmax(x). */
export function logSoftmaxBackwardRows(y: number, dy: number, dx: number, m: number, n: number): void {
  rowsTask(ABI.T_LOG_SOFTMAX_BWD_ROWS, y, dy, dx, m, n);
}

/**
 * Fused softmax cross-entropy for logits [B, C] and int32 labels [B]. Returns the mean loss
 * (sum over rows / B) and, when dlogits != 0, writes dlogits = (softmax(logits) - onehot) / B
 * (dlogits may equal logits). `scale` overrides 1/B (e.g. for a sum reduction pass 1).
 * Rows with a label outside [0, C) add 0 to the loss and get zero gradient (ignore_index).
 */
export function softmaxCrossEntropy(logits: number, labels: number, dlogits: number, B: number, C: number, scale = 1 / B): number {
  checkDim('B', B); checkDim('C', C);
  if (B === 0) return NaN;
  const parts = splitRange(B, threadsFor(B * C, tuning.eltParMinHeavy));
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    const o = blk(t);
    I32[o] = ABI.T_SOFTMAX_XENT; U32[o + 1] = logits + lo * C * 4; U32[o + 2] = labels + lo * 4;
    U32[o + 3] = dlogits ? dlogits + lo * C * 4 : 0; I32[o + 4] = hi - lo; I32[o + 5] = C; F32[o + 6] = scale;
  }
  runTasks(parts.length);
  const F64 = heapF64();
  let total = 0;
  for (let t = 0; t < parts.length; t++) total += F64[(argBlock(t) + 32) >>> 3]!;
  return total * scale;
}

// ---------------------------------------------------------------------------------------------
// Optimizers (in place, float32, n elements; state buffers must be zero-initialised by the caller)

function optimParts(n: number): Array<[number, number]> {
  return splitRange(n, threadsFor(n, tuning.optimParMin), 16);
}

export interface SgdParams {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  /** 'keras' (default): v = mu v - lr g; p += v. 'torch': v = mu v + (1-dampening) g; p -= lr v. */
  style?: 'keras' | 'torch';
  dampening?: number;
  /** true: L2 added to the gradient (g += wd p). false (default): decoupled p -= lr wd p. */
  coupledWeightDecay?: boolean;
}

/** SGD step on p (velocity v needed when momentum > 0, else may be 0). */
export function sgdUpdate(p: number, g: number, v: number, n: number, o: SgdParams): void {
  const mu = o.momentum ?? 0;
  if (mu !== 0 && !v) throw new Error('deepts wasm: sgdUpdate with momentum needs a velocity buffer');
  const flags = (o.nesterov ? ABI.SGD_NESTEROV : 0) | (o.style === 'torch' ? ABI.SGD_TORCH : 0) |
    (o.coupledWeightDecay ? ABI.SGD_COUPLED_WD : 0);
  const parts = optimParts(n);
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    const b = blk(t), off = lo * 4;
    I32[b] = ABI.T_SGD; U32[b + 1] = p + off; U32[b + 2] = g + off; U32[b + 3] = v ? v + off : 0; I32[b + 4] = hi - lo;
    F32[b + 5] = o.lr; F32[b + 6] = mu; F32[b + 7] = o.weightDecay ?? 0; F32[b + 8] = o.dampening ?? 0; I32[b + 9] = flags;
  }
  if (n > 0) runTasks(parts.length);
}

export interface RmspropParams {
  lr: number;
  rho?: number; // default 0.9
  momentum?: number; // default 0
  epsilon?: number; // default 1e-7
  centered?: boolean;
  /** PyTorch places eps outside the sqrt: g / (sqrt(v) + eps). Keras (default): g / sqrt(v + eps). */
  epsOutsideSqrt?: boolean;
  weightDecay?: number;
  coupledWeightDecay?: boolean;
}

/** RMSprop step (Keras 3 semantics by default). v: mean square; mom: momentum buffer (if momentum > 0); mg: mean grad (if centered). */
export function rmspropUpdate(p: number, g: number, v: number, mom: number, mg: number, n: number, o: RmspropParams): void {
  const momentum = o.momentum ?? 0;
  if (momentum > 0 && !mom) throw new Error('deepts wasm: rmspropUpdate with momentum needs a momentum buffer');
  if (o.centered && !mg) throw new Error('deepts wasm: centered rmspropUpdate needs a mean-gradient buffer');
  const flags = (o.centered ? ABI.RMS_CENTERED : 0) | (o.epsOutsideSqrt ? ABI.RMS_EPS_OUTSIDE : 0) |
    (o.coupledWeightDecay ? ABI.RMS_COUPLED_WD : 0);
  const parts = optimParts(n);
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    const b = blk(t), off = lo * 4;
    I32[b] = ABI.T_RMSPROP; U32[b + 1] = p + off; U32[b + 2] = g + off; U32[b + 3] = v + off;
    U32[b + 4] = mom ? mom + off : 0; U32[b + 5] = mg ? mg + off : 0; I32[b + 6] = hi - lo;
    F32[b + 7] = o.lr; F32[b + 8] = o.rho ?? 0.9; F32[b + 9] = momentum; F32[b + 10] = o.epsilon ?? 1e-7;
    F32[b + 11] = o.weightDecay ?? 0; I32[b + 12] = flags;
  }
  if (n > 0) runTasks(parts.length);
}

export interface AdamParams {
  beta1: number;
  beta2: number;
  /** p -= stepSize * m / (sqrt(v) * c2 + eps). See adamStepSizes() for Keras / PyTorch values. */
  stepSize: number;
  c2: number;
  epsilon: number;
  /** Decoupled (AdamW): pass decay = lr * wd. Coupled (Adam + L2, coupledWeightDecay): pass decay = wd. */
  decay?: number;
  coupledWeightDecay?: boolean;
  amsgrad?: boolean;
}

/**
 * Bias-corrected step scalars for step t (1-based). Keras: eps added to sqrt(v) after the correction
 * is folded into the step size; PyTorch: eps added to sqrt(v / (1 - b2^t)).
 */
export function adamStepSizes(lr: number, beta1: number, beta2: number, t: number, style: 'keras' | 'torch' = 'keras'): { stepSize: number; c2: number } {
  const bc1 = 1 - beta1 ** t;
  const bc2 = 1 - beta2 ** t;
  return style === 'keras' ? { stepSize: (lr * Math.sqrt(bc2)) / bc1, c2: 1 } : { stepSize: lr / bc1, c2: 1 / Math.sqrt(bc2) };
}

/** Adam / AdamW / AMSGrad step. m, v (and vhat for amsgrad) are state buffers of n floats. */
export function adamUpdate(p: number, g: number, m: number, v: number, vhat: number, n: number, o: AdamParams): void {
  if (o.amsgrad && !vhat) throw new Error('deepts wasm: amsgrad adamUpdate needs a vhat buffer');
  const flags = (o.amsgrad ? ABI.ADAM_AMSGRAD : 0) | (o.coupledWeightDecay ? ABI.ADAM_COUPLED_WD : 0);
  const parts = optimParts(n);
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    const b = blk(t), off = lo * 4;
    I32[b] = ABI.T_ADAM; U32[b + 1] = p + off; U32[b + 2] = g + off; U32[b + 3] = m + off; U32[b + 4] = v + off;
    U32[b + 5] = vhat ? vhat + off : 0; I32[b + 6] = hi - lo; F32[b + 7] = o.beta1; F32[b + 8] = o.beta2;
    F32[b + 9] = o.stepSize; F32[b + 10] = o.c2; F32[b + 11] = o.epsilon; F32[b + 12] = o.decay ?? 0; I32[b + 13] = flags;
  }
  if (n > 0) runTasks(parts.length);
}

export interface AdagradParams {
  lr: number;
  epsilon?: number; // default 1e-7
  /** PyTorch: lr g / (sqrt(acc) + eps); Keras (default): lr g / sqrt(acc + eps). */
  epsOutsideSqrt?: boolean;
  weightDecay?: number;
  coupledWeightDecay?: boolean;
}

/** AdaGrad step; acc is the accumulator (Keras initialises it to 0.1, PyTorch to 0). */
export function adagradUpdate(p: number, g: number, acc: number, n: number, o: AdagradParams): void {
  const flags = (o.epsOutsideSqrt ? ABI.ADAGRAD_EPS_OUTSIDE : 0) | (o.coupledWeightDecay ? ABI.ADAGRAD_COUPLED_WD : 0);
  const parts = optimParts(n);
  for (let t = 0; t < parts.length; t++) {
    const [lo, hi] = parts[t]!;
    const b = blk(t), off = lo * 4;
    I32[b] = ABI.T_ADAGRAD; U32[b + 1] = p + off; U32[b + 2] = g + off; U32[b + 3] = acc + off; I32[b + 4] = hi - lo;
    F32[b + 5] = o.lr; F32[b + 6] = o.epsilon ?? 1e-7; F32[b + 7] = o.weightDecay ?? 0; I32[b + 8] = flags;
  }
  if (n > 0) runTasks(parts.length);
}
