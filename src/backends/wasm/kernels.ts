// Typed wrappers around the wasm kernels. Every buffer argument is a byte offset into the shared
// memory (see runtime.ts: alloc/free/f32View...), float32 unless noted; matrices are row-major.
// Each wrapper writes one job (layout: assembly/abi.ts) and cuts it into chunks: one chunk when the
// work is below the thresholds in `tuning` (or with one thread), else a few chunks per thread that
// the main thread and the pool workers claim dynamically (runtime.ts runJob()).
import * as ABI from './assembly/abi.js';
import { alloc, beginJob, free, heapF32, poolScratch, resultsBuffer, runJob, wasmInternals, type JobContext } from './runtime.js';

// Hot-path constants as module locals (dev loaders such as tsx turn every access to an imported
// binding into a getter call; with compiled ESM this makes no difference).
const {
  J_OP, J_CHUNK, J_P, J_SCRATCH, J_SCRATCH_STRIDE, J_RESULTS, T_GEMM, T_GEMM_NARROW, T_UNARY, T_BINARY,
  T_REDUCE_ROWS, T_REDUCE_COLS, T_ARGMAX_ROWS, T_SOFTMAX_ROWS, T_LOG_SOFTMAX_ROWS, T_SOFTMAX_XENT,
  T_SOFTMAX_BWD_ROWS, T_LOG_SOFTMAX_BWD_ROWS, T_SGD, T_RMSPROP, T_ADAM, T_ADAGRAD, T_FILL, T_COPY, T_AXPY,
  T_TRANSPOSE, T_CAST_I32_F32, T_STRIDED_COPY, T_COMPARE_F32, T_SELECT_F32,
} = ABI;

/** Thresholds and blocking parameters (measured on a 2-core Zen, see bench/gemm.ts). */
export const tuning = {
  /** GEMM blocking: MC x KC block of A (L2), KC x NC panel of B (L3). MC % MR == 0, NC % NR == 0. */
  mc: 128,
  kc: 384,
  nc: 2048,
  /** N (or M) at or below which the unpacked narrow kernels are used. */
  narrowMax: 16,
  /**
   * GEMMs below this many flops run on one thread. Hot, 2 threads already win at 64^3 = 0.5 MFLOP, but in
   * training the worker is usually asleep and wakes too late to help with ~0.03 ms of work: the MLP's
   * 1.3 MFLOP narrow GEMMs (N or K = 10) run faster on the calling thread.
   */
  gemmParMinFlops: 2e6,
  /**
   * Elementwise work is split only from 2x this many elements, in chunks of at least this many
   * (cheap, memory-bound ops: add, relu, reductions...). Measured crossover on 2 cores: 64K-128K with
   * the workers spinning; in training they are mostly asleep between ops (waking one costs 0.1-1 ms
   * on a VM), so the upper end: the MLP's 128x512 bias add, relu and their gradients (64K elements)
   * stay on the calling thread (-6% step time at 2 threads).
   */
  eltParMin: 1 << 16,
  /** Same, for ops with a transcendental (exp, log, tanh, sigmoid, softmax rows...): crossover ~8K. */
  eltParMinHeavy: 1 << 12,
  /** Optimizer updates (read 2-4 streams, write 2-3): crossover ~16K. */
  optimParMin: 1 << 13,
  /** Strided moves (concat, unslice, bool packing) are split across threads from 2x this many bytes. */
  moveParMinBytes: 1 << 18,
  /** Chunks per thread when a job is split (dynamic load balancing granularity). */
  chunksPerThread: 4,
  /** GEMM jobs are cut into about this many tiles per thread (each tile repacks its A and B parts). */
  gemmChunksPerThread: 2,
  /** Smallest GEMM tile: rows / columns. */
  gemmMinChunkRows: 32,
  gemmMinChunkCols: 128,
  /** Convolution (implicit GEMM): output rows packed per block (the block's patches stay in L2). */
  convRows: 128,
  /** Filter gradient: patch rows per packed block, and the fewest rows a partial gradient (one per chunk) sums. */
  convGradRows: 256,
  convGradMinRows: 1024,
  /** Bytes of packed patches a block may take (L2-sized), and of all partial filter gradients together. */
  convBlockBytes: 192 * 1024,
  convPartialsMaxBytes: 32 << 20,
  /**
   * 3x3 stride-1 convolutions and their gradients run as Winograd (F(2x2, 3x3); filter gradient F(3x3, 2x2)) when
   * the convolution's input and output channels are both at least this many (conv.ts). Fewer channels are padded to the micro-kernel's
   * 4 rows / 8 columns and its calls get too short: measured 1 thread, 128 images, 28x28 'same': 1 -> 32 channels
   * 0.6x, 4 -> 32 0.97x, 8 -> 8 1.6x, 8 -> 16 1.5x, 32 -> 64 (14x14) 1.8x the speed of the direct kernel (filter
   * gradients: 1 -> 32 0.86x, 8 -> 8 2.4x). With 2 threads the forward gains shrink (8 -> 8: 1.05x, 32 -> 64: 1.5x).
   */
  winogradMinChannels: 8,
};

// ---------------------------------------------------------------------------------------------
// Job writing

let U32: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
let I32: Int32Array<ArrayBufferLike> = new Int32Array(0);
let F32: Float32Array<ArrayBufferLike> = new Float32Array(0);
let ctx: JobContext | null = null;
let jobSlot = 0;

function context(): JobContext {
  return ctx ?? (ctx = beginJob());
}

/** Starts writing a job: refreshes the views, sets the opcode; returns the slot index of parameter 0. */
function job(op: number, chunk: number): number {
  const c = context();
  U32 = c.u32;
  I32 = c.i32;
  F32 = c.f32;
  jobSlot = c.slot;
  I32[jobSlot + J_OP] = op;
  I32[jobSlot + J_CHUNK] = chunk;
  return jobSlot + J_P;
}
function jobHeader(slot: number, value: number): void {
  U32[jobSlot + slot] = value;
}

function getNumThreads(): number {
  return context().threads;
}

/**
 * Chunking of `units` work items (elements, rows...) of `work` total cost: one chunk below
 * 2 * minWork or with one thread, else up to chunksPerThread chunks per thread of at least minWork.
 * Returns [chunkSize, nChunks]; chunkSize is a multiple of `align`.
 */
function chunking(units: number, work: number, minWork: number, align = 1): [number, number] {
  const T = getNumThreads();
  if (T <= 1 || work < 2 * minWork || units <= align) return [Math.max(units, 1), 1];
  const target = Math.max(1, Math.min(T * tuning.chunksPerThread, Math.floor(work / minWork)));
  const cs = Math.max(align, Math.ceil(units / target / align) * align);
  return [cs, Math.ceil(units / cs)];
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
  /** chunks of the job (1: single-threaded) */
  chunks: number;
  split: 'none' | 'M' | 'N' | 'MN' | 'batch';
}

/** Which path/chunking the last sgemm call used (for tests and benchmarks). */
export let lastGemm: GemmInfo = { path: 'empty', chunks: 1, split: 'none' };

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
    lastGemm = { path: 'empty', chunks: 0, split: 'none' };
    return;
  }
  if (lda < Math.max(1, transA ? M : K) || ldb < Math.max(1, transB ? K : N) || ldc < Math.max(1, N)) {
    throw new RangeError(`deepts wasm: sgemm leading dimensions too small: lda=${lda} ldb=${ldb} ldc=${ldc} for ` +
      `M=${M} N=${N} K=${K} transA=${transA} transB=${transB}`);
  }
  const { exports } = wasmInternals();
  const MR = exports.gemm_mr(), NR = exports.gemm_nr();
  const nm = tuning.narrowMax;

  // Problem handed to the kernel (narrow-transposed swaps roles: C^T = op(B)^T op(A)^T).
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

  // Chunks: whole matrices when the batch alone gives enough of them, else tiles of every matrix:
  // tilesM x tilesN tiles chosen to minimise the packing each tile repeats (tilesN * M + tilesM * N,
  // times K); the narrow paths split rows only.
  const T = getNumThreads();
  const flops = 2 * M * N * K * batch;
  let split: GemmInfo['split'] = 'none';
  let tilesM = 1, tilesN = 1;
  if (T > 1 && flops >= tuning.gemmParMinFlops) {
    const target = T * tuning.gemmChunksPerThread;
    if (batch >= target) {
      split = 'batch';
    } else {
      const per = Math.ceil(target / batch);
      const maxM = Math.max(1, Math.floor(m / (narrow ? 8 : tuning.gemmMinChunkRows)));
      const maxN = narrow ? 1 : Math.max(1, Math.floor(n / tuning.gemmMinChunkCols));
      let best = Infinity;
      for (let tm = 1; tm <= Math.min(per, maxM); tm++) {
        const tn = Math.min(maxN, Math.ceil(per / tm));
        const cost = tn * m + tm * n + (tm * tn < per ? 1e12 * (per - tm * tn) : 0);
        if (cost < best) { best = cost; tilesM = tm; tilesN = tn; }
      }
      split = tilesM > 1 && tilesN > 1 ? 'MN' : tilesM > 1 ? 'M' : tilesN > 1 ? 'N' : batch > 1 ? 'batch' : 'none';
    }
  }
  const alignM = narrow ? 8 : MR;
  const cs = Math.ceil(m / tilesM / alignM) * alignM;
  const csN = Math.ceil(n / tilesN / NR) * NR;
  tilesM = Math.ceil(m / cs);
  tilesN = Math.ceil(n / csN);
  const cpm = tilesM * tilesN;
  const pm = Math.min(m, cs), pn = Math.min(n, csN);
  const mc = Math.min(tuning.mc, Math.ceil(pm / MR) * MR);
  const kc = Math.max(1, Math.min(tuning.kc, K));
  const nc = Math.min(tuning.nc, Math.ceil(pn / NR) * NR);
  const scratchBytes = narrow ? exports.gemm_narrow_scratch_bytes(pn, K) : exports.gemm_scratch_bytes(mc, kc, nc);
  const { base, stride } = poolScratch(scratchBytes);
  const nChunks = batch * cpm;

  const o = job(narrow ? T_GEMM_NARROW : T_GEMM, cs);
  jobHeader(J_SCRATCH, base);
  jobHeader(J_SCRATCH_STRIDE, stride);
  I32[o] = (tA ? 1 : 0) | (tB ? 2 : 0);
  I32[o + 1] = m; I32[o + 2] = n; I32[o + 3] = K;
  F32[o + 4] = alpha;
  U32[o + 5] = a; I32[o + 6] = la;
  U32[o + 7] = b; I32[o + 8] = lb;
  F32[o + 9] = beta;
  U32[o + 10] = C; I32[o + 11] = rsc; I32[o + 12] = csc;
  I32[o + 13] = mc; I32[o + 14] = kc; I32[o + 15] = nc;
  I32[o + 16] = batch;
  U32[o + 17] = sA; U32[o + 18] = sB; U32[o + 19] = strideC;
  I32[o + 20] = csN; I32[o + 21] = cpm; I32[o + 22] = tilesN;
  lastGemm = { path, chunks: nChunks, split: nChunks > 1 ? split : 'none' };
  runJob(nChunks);
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
  lt: ABI.B_LT, le: ABI.B_LE, eq: ABI.B_EQ, ne: ABI.B_NE, addRelu: ABI.B_ADD_RELU,
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
  const [cs, nc] = chunking(n, n, HEAVY_UNARY.has(op) ? tuning.eltParMinHeavy : tuning.eltParMin, 16);
  const o = job(T_UNARY, cs);
  I32[o] = kind; U32[o + 1] = x; U32[o + 2] = y; I32[o + 3] = n; F32[o + 4] = alpha; F32[o + 5] = beta;
  runJob(nc);
}

function binaryImpl(op: BinaryOp, mode: number, a: number, b: number, s: number, out: number, m: number, n: number): void {
  const kind = BinaryOps[op];
  if (kind === undefined) throw new Error(`deepts wasm: unknown binary op ${op}`);
  checkDim('m', m); checkDim('n', n);
  if (m === 0 || n === 0) return;
  const minWork = op === 'pow' ? tuning.eltParMinHeavy : tuning.eltParMin;
  // Flat ops (same shape / scalar) and few long rows are cut into column ranges, else into row ranges.
  const flat = mode === 0 || mode >= 3;
  const mm = flat ? 1 : m, nn = flat ? m * n : n;
  const T = getNumThreads();
  const byCols = mm < T * tuning.chunksPerThread && nn >= 64;
  const [cs, nc] = byCols ? chunking(nn, mm * nn, minWork, 16) : chunking(mm, mm * nn, minWork);
  const o = job(T_BINARY, cs);
  I32[o] = kind; I32[o + 1] = mode; U32[o + 2] = a; U32[o + 3] = b; F32[o + 4] = s; U32[o + 5] = out;
  I32[o + 6] = mm; I32[o + 7] = nn; I32[o + 8] = nn; I32[o + 9] = byCols ? 1 : 0;
  runJob(nc);
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

/** out[i, j] = max(x[i, j] + bias[j], 0) for an m x n x (= binaryRow('addRelu', ...)). */
export function biasRelu(x: number, bias: number, out: number, m: number, n: number): void {
  binaryImpl('addRelu', 1, x, bias, 0, out, m, n);
}

/** x[0:n] = value. */
export function fill(x: number, n: number, value: number): void {
  checkDim('n', n);
  if (n === 0) return;
  const [cs, nc] = chunking(n, n, tuning.eltParMin * 4, 16);
  const o = job(T_FILL, cs);
  U32[o] = x; I32[o + 1] = n; F32[o + 2] = value;
  runJob(nc);
}

/** Copies `bytes` bytes from src to dst (memmove semantics when the regions overlap). */
export function copyBytes(src: number, dst: number, bytes: number): void {
  checkDim('bytes', bytes);
  if (bytes === 0) return;
  const overlap = src < dst + bytes && dst < src + bytes;
  const [cs, nc] = overlap ? [bytes, 1] : chunking(bytes, bytes, tuning.eltParMin * 16, 64);
  const o = job(T_COPY, cs);
  U32[o] = src; U32[o + 1] = dst; U32[o + 2] = bytes;
  runJob(nc);
}

/** y = alpha * x + beta * y over n floats (beta == 0: y is not read). */
export function axpby(n: number, alpha: number, x: number, beta: number, y: number): void {
  checkDim('n', n);
  if (n === 0) return;
  const [cs, nc] = chunking(n, n, tuning.eltParMin, 16);
  const o = job(T_AXPY, cs);
  I32[o] = n; F32[o + 1] = alpha; U32[o + 2] = x; F32[o + 3] = beta; U32[o + 4] = y;
  runJob(nc);
}

/** For each of `batch` rows x cols matrices: dst[j, i] = src[i, j] (src and dst must not overlap). */
export function transpose(src: number, dst: number, batch: number, rows: number, cols: number): void {
  checkDim('batch', batch); checkDim('rows', rows); checkDim('cols', cols);
  if (batch === 0 || rows === 0 || cols === 0) return;
  // Whole matrices per chunk when the batch is large enough, else blocks of 32-row multiples.
  const T = getNumThreads();
  const total = batch * rows * cols;
  if (batch >= T * tuning.chunksPerThread || T === 1 || total < 2 * tuning.eltParMin) {
    const [cs, nc] = chunking(batch, total, tuning.eltParMin);
    const o = job(T_TRANSPOSE, cs);
    U32[o] = src; U32[o + 1] = dst; I32[o + 2] = batch; I32[o + 3] = rows; I32[o + 4] = cols; I32[o + 5] = 0;
    runJob(nc);
  } else {
    const [cs] = chunking(rows, rows * cols, Math.max(1, Math.floor(tuning.eltParMin / batch)), 32);
    const blocks = Math.ceil(rows / cs);
    const o = job(T_TRANSPOSE, cs);
    U32[o] = src; U32[o + 1] = dst; I32[o + 2] = batch; I32[o + 3] = rows; I32[o + 4] = cols; I32[o + 5] = 1;
    runJob(batch * blocks);
  }
}

/** out[i] = float(x[i]) for an int32 x. */
export function castI32ToF32(x: number, out: number, n: number): void {
  checkDim('n', n);
  if (n === 0) return;
  const [cs, nc] = chunking(n, n, tuning.eltParMin, 16);
  const o = job(T_CAST_I32_F32, cs);
  U32[o] = x; U32[o + 1] = out; I32[o + 2] = n;
  runJob(nc);
}

/** A float32 operand of compare/select: a whole array at `ptr`, or one value broadcast to every element. */
export type F32Operand = { ptr: number } | { scalar: number };

export const CompareOps = { lt: 0, le: 1, gt: 2, ge: 3, eq: 4, ne: 5 } as const;
export type CompareOp = keyof typeof CompareOps;

function operandSlots(o: number, v: F32Operand): void {
  const full = 'ptr' in v;
  U32[o] = full ? v.ptr : 0; I32[o + 1] = full ? 0 : 1; F32[o + 2] = full ? 0 : v.scalar;
}

/** out[i] = a[i] op b[i] as bool bytes (0/1), i < n. */
export function compare(op: CompareOp, a: F32Operand, b: F32Operand, out: number, n: number): void {
  checkDim('n', n);
  if (n === 0) return;
  const [cs, nc] = chunking(n, n, tuning.eltParMin, 16);
  const o = job(T_COMPARE_F32, cs);
  I32[o] = CompareOps[op]; operandSlots(o + 1, a); operandSlots(o + 4, b); U32[o + 7] = out; I32[o + 8] = n;
  runJob(nc);
}

/** out[i] = cond[i] ? a[i] : b[i] (cond: bool bytes), i < n. */
export function select(cond: number, a: F32Operand, b: F32Operand, out: number, n: number): void {
  checkDim('n', n);
  if (n === 0) return;
  const [cs, nc] = chunking(n, n, tuning.eltParMin, 16);
  const o = job(T_SELECT_F32, cs);
  U32[o] = cond; operandSlots(o + 1, a); operandSlots(o + 4, b); U32[o + 7] = out; I32[o + 8] = n;
  runJob(nc);
}

/**
 * Gathers a strided view of 4-byte elements (float32 or int32) into the contiguous buffer dst:
 * dst is row-major of `shape`; element (i0, ..., i_{r-1}) comes from src + 4 * sum(i_d * strides[d])
 * (strides in elements; 0 for broadcast dims; negative allowed as long as every address is valid).
 * Rank <= 8. Materialises permuted / broadcast / sliced views.
 */
export function stridedCopy(src: number, dst: number, shape: readonly number[], strides: readonly number[]): void {
  const rank = shape.length;
  if (rank > 8 || strides.length !== rank) throw new RangeError(`deepts wasm: stridedCopy supports rank <= 8 with one stride per dim (rank ${rank}, ${strides.length} strides)`);
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) { checkDim('shape', shape[d]!); rows *= shape[d]!; }
  const n = rank ? shape[rank - 1]! : 1;
  checkDim('shape', n);
  if (rows * n === 0) return;
  const [cs, nc] = chunking(rows, rows * n, tuning.eltParMin);
  const o = job(T_STRIDED_COPY, cs);
  U32[o] = src; U32[o + 1] = dst; I32[o + 2] = rank; I32[o + 3] = rank ? rows : 1;
  for (let d = 0; d < 8; d++) { I32[o + 4 + d] = d < rank ? shape[d]! : 1; I32[o + 12 + d] = d < rank ? strides[d]! : 0; }
  runJob(nc);
}

// ---------------------------------------------------------------------------------------------
// Strided moves and the primitives that ran the CPU reference before (assembly/movement.ts)

/**
 * Moves a strided view into a strided destination (elements of 1 or 4 bytes): element (i_0, ..., i_{r-1}) of
 * `shape` goes from src + eb * sum(i_d srcStrides[d]) to dst + eb * sum(i_d dstStrides[d]) (strides in elements;
 * source strides may be 0 or negative; destinations must not repeat or overlap the source). Dims of size 1 are
 * dropped and dims contiguous on both sides merged; returns false (nothing written) when more than 8 remain.
 * Rows of the collapsed shape are split across the pool when large; a fully contiguous move is a threaded copy.
 */
export function moveStrided(src: number, dst: number, shape: readonly number[], srcStrides: readonly number[], dstStrides: readonly number[], eb: 1 | 4): boolean {
  const sh: number[] = [], ss: number[] = [], ds: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    checkDim('shape', n);
    if (n === 0) return true;
    if (n === 1) continue;
    const k = sh.length - 1;
    if (k >= 0 && ss[k] === srcStrides[d]! * n && ds[k] === dstStrides[d]! * n) {
      sh[k] *= n; ss[k] = srcStrides[d]!; ds[k] = dstStrides[d]!;
    } else {
      sh.push(n); ss.push(srcStrides[d]!); ds.push(dstStrides[d]!);
    }
  }
  if (sh.length === 0) { sh.push(1); ss.push(1); ds.push(1); }
  const rank = sh.length;
  if (rank > 8) return false;
  const n = sh[rank - 1]!;
  if (rank === 1 && ss[0] === 1 && ds[0] === 1) {
    copyBytes(src, dst, n * eb);
    return true;
  }
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= sh[d]!;
  const [cs, nc] = chunking(rows, rows * n * eb, tuning.moveParMinBytes);
  const o = job(ABI.T_MOVE, cs);
  U32[o] = src; U32[o + 1] = dst; I32[o + 2] = rank; I32[o + 3] = rows; I32[o + 4] = eb;
  for (let d = 0; d < 8; d++) {
    I32[o + 5 + d] = d < rank ? sh[d]! : 1; I32[o + 13 + d] = d < rank ? ss[d]! : 0; I32[o + 21 + d] = d < rank ? ds[d]! : 0;
  }
  runJob(nc);
  return true;
}

export const UnaryExtOps = { erf: 0, sin: 1, cos: 2 } as const; // X_* in assembly/movement.ts
export type UnaryExtOp = keyof typeof UnaryExtOps;
const TRIG_LIMIT = 1048576;

/**
 * y[i] = erf / sin / cos of x[i] (float32, i < n; y may equal x only for erf). erf: max error ~2e-7 relative;
 * sin/cos: exact range reduction (float64, three-part pi/2) for |x| < 2^20, float32 polynomials (~1 ulp); the
 * rare finite |x| >= 2^20 are recomputed here with Math.sin / Math.cos.
 */
export function unaryExt(op: UnaryExtOp, x: number, y: number, n: number): void {
  checkDim('n', n);
  if (n === 0) return;
  const kind = UnaryExtOps[op];
  const [cs, nc] = chunking(n, n, tuning.eltParMinHeavy, 16);
  const res = kind === 0 ? 0 : resultsBuffer(nc * 4);
  const o = job(ABI.T_UNARY_EXT, cs);
  jobHeader(J_RESULTS, res);
  I32[o] = kind; U32[o + 1] = x; U32[o + 2] = y; I32[o + 3] = n;
  runJob(nc);
  if (!res) return;
  let huge = 0;
  for (let c = 0; c < nc; c++) huge += I32[(res >>> 2) + c]!;
  if (huge === 0) return;
  const F = heapF32();
  const f = op === 'sin' ? Math.sin : Math.cos;
  for (let i = 0; i < n; i++) {
    const v = F[(x >>> 2) + i]!;
    if (Math.abs(v) >= TRIG_LIMIT && Number.isFinite(v)) F[(y >>> 2) + i] = f(v);
  }
}

export const LogicalOps = { not: 0, and: 1, or: 2, xor: 3 } as const; // L_* in assembly/movement.ts
export type LogicalOp = keyof typeof LogicalOps;

/**
 * out[i] = op(a[i], b[i]) as bool bytes 0/1, i < n (b unused for 'not'). Operands are bool bytes (eb 1), or
 * float32 / int32 (eb 4) whose truth is value != 0 (float32: NaN is true, -0 false).
 */
export function logical(op: LogicalOp, a: number, b: number, out: number, n: number, operand: 'bool' | 'float32' | 'int32'): void {
  checkDim('n', n);
  if (n === 0) return;
  const [cs, nc] = chunking(n, n, tuning.eltParMin, 16);
  const o = job(ABI.T_LOGICAL, cs);
  I32[o] = LogicalOps[op]; U32[o + 1] = a; U32[o + 2] = b; U32[o + 3] = out; I32[o + 4] = n;
  I32[o + 5] = operand === 'bool' ? 1 : 4; I32[o + 6] = operand === 'float32' ? 0x7fffffff : -1;
  runJob(nc);
}

function middleAxisJob(task: number, x: number, out: number, outer: number, red: number, inner: number, isInt: boolean): void {
  checkDim('outer', outer); checkDim('red', red); checkDim('inner', inner);
  if (outer === 0 || inner === 0) return;
  const work = outer * Math.max(red, 1) * inner;
  const byCols = outer < getNumThreads() * tuning.chunksPerThread && inner >= 64;
  const [cs, nc] = byCols ? chunking(inner, work, tuning.eltParMin, 16) : chunking(outer, work, tuning.eltParMin);
  const o = job(task, cs);
  U32[o] = x; U32[o + 1] = out; I32[o + 2] = outer; I32[o + 3] = red; I32[o + 4] = inner; I32[o + 5] = isInt ? 1 : 0; I32[o + 6] = byCols ? 1 : 0;
  runJob(nc);
}

/** out[o, c] = prod_r x[o, r, c] over a row-major [outer, red, inner] x: float32 (multiplied in float64, rounded once) or wrapping int32. */
export function prod(x: number, out: number, outer: number, red: number, inner: number, isInt = false): void {
  middleAxisJob(ABI.T_PROD, x, out, outer, red, inner, isInt);
}

/** out (int32) [o, c] = first r minimising x[o, r, c] (a NaN counts as the minimum) over a row-major [outer, n, inner] x, n >= 1. */
export function argmin(x: number, out: number, outer: number, n: number, inner: number, isInt = false): void {
  if (n < 1) throw new RangeError('deepts wasm: argmin over an empty axis');
  middleAxisJob(ABI.T_ARGMIN, x, out, outer, n, inner, isInt);
}

// ---------------------------------------------------------------------------------------------
// Pooling (NHWC) and the axis-0 scatter-add (assembly/pool.ts)

/** Window geometry of a 2-D pooling of [N, H, W, C] into [N, OH, OW, C]: pool KH x KW, strides, top/left pads. */
export interface PoolGeometry {
  H: number; W: number; C: number; OH: number; OW: number;
  KH: number; KW: number; SH: number; SW: number; PT: number; PL: number;
}
export type PoolKind = 'max' | 'argmax' | 'avg';
const POOL_KIND: Record<PoolKind, number> = { max: 0, argmax: 1, avg: 2 }; // POOL_* in assembly/pool.ts
const POOL_MAX_GRAD = 3;
const GEOMETRY_FIELDS = ['H', 'W', 'C', 'OH', 'OW', 'KH', 'KW', 'SH', 'SW', 'PT', 'PL'] as const;

/** Writes a pooling job (parameters: abi.ts T_POOL2D; slot 0: the kind, or the max gradient's argmax) and runs it over `rows` rows of `work` total cost. */
function poolJob(task: number, slot0: number, src: number, dst: number, rows: number, work: number, g: PoolGeometry, dy = 0): void {
  for (const f of GEOMETRY_FIELDS) checkDim(f, g[f]);
  if (rows === 0 || g.C === 0) return;
  const [cs, nc] = chunking(rows, work, tuning.eltParMin);
  const o = job(task, cs);
  U32[o] = slot0; U32[o + 1] = src; U32[o + 2] = dst; I32[o + 3] = rows;
  GEOMETRY_FIELDS.forEach((f, k) => { I32[o + 4 + k] = g[f]; });
  U32[o + 15] = dy;
  runJob(nc);
}

/**
 * y[N, OH, OW, C] = max / mean over each window of x[N, H, W, C], or (argmax, y int32) the row-major
 * index into x of the window's first maximum (NaN wins). Windows are clipped to the image: padding
 * never wins and never counts in the mean's divisor. Threaded over output rows.
 */
export function pool2d(kind: PoolKind, x: number, y: number, N: number, g: PoolGeometry): void {
  checkDim('N', N);
  poolJob(ABI.T_POOL2D, POOL_KIND[kind], x, y, N * g.OH, N * g.OH * g.OW * g.C * g.KH * g.KW, g);
}

/** dx[N, H, W, C] = the adjoint of pool2d('avg') applied to dy[N, OH, OW, C]; threaded over input rows. */
export function avgPool2dGrad(dy: number, dx: number, N: number, g: PoolGeometry): void {
  checkDim('N', N);
  const overlap = Math.ceil(g.KH / g.SH) * Math.ceil(g.KW / g.SW);
  poolJob(ABI.T_AVG_POOL2D_GRAD, 0, dy, dx, N * g.H, N * g.H * g.W * g.C * overlap, g);
}

/**
 * dx[N, H, W, C] = the adjoint of pool2d('max'): dx[i] = sum of dy over the windows whose argmax (int32,
 * from pool2d('argmax')) is i. Gathers per input pixel (no zero fill, no write conflicts); threaded over input rows.
 */
export function maxPool2dGrad(dy: number, argmax: number, dx: number, N: number, g: PoolGeometry): void {
  checkDim('N', N); checkPtr('argmax', argmax);
  const overlap = Math.ceil(g.KH / g.SH) * Math.ceil(g.KW / g.SW);
  poolJob(ABI.T_MAX_POOL2D_GRAD, argmax, dy, dx, N * g.H, N * g.H * g.W * g.C * overlap, g);
}

/** Whether no input pixel lies in two windows (then the max-pool gradient needs no argmax buffer). */
export const poolWindowsDisjoint = (g: PoolGeometry): boolean => g.SH >= g.KH && g.SW >= g.KW;

/**
 * dx[N, H, W, C] = the adjoint of pool2d('max') at x: dy at each window's first maximum (NaN wins), 0
 * elsewhere, in one pass over x and dy (the argmax never leaves registers). Windows must be disjoint
 * (poolWindowsDisjoint); else use pool2d('argmax') + maxPool2dGrad. Threaded over output rows.
 */
export function maxPool2dGradFromInput(x: number, dy: number, dx: number, N: number, g: PoolGeometry): void {
  checkDim('N', N); checkPtr('dy', dy);
  if (!poolWindowsDisjoint(g)) throw new RangeError(`deepts wasm: maxPool2dGradFromInput needs strides >= pool size, got pool ${g.KH}x${g.KW}, strides ${g.SH}x${g.SW}`);
  poolJob(ABI.T_POOL2D, POOL_MAX_GRAD, x, dx, N * g.OH, N * g.H * g.W * g.C, g, dy);
}

/**
 * Row gather along axis 0: dst row j = src row idx[j], rows of rowBytes bytes (any element type),
 * int32 indices in [-size, size) (negative counts from the end). Returns the first out-of-range index
 * (nothing written), else null. Memory-bound: split over threads only for large copies.
 */
export function gatherRows(src: number, idx: number, dst: number, n: number, rowBytes: number, size: number): number | null {
  checkDim('n', n); checkDim('rowBytes', rowBytes); checkDim('size', size);
  const I = context().i32;
  const i0 = idx >>> 2;
  for (let j = 0; j < n; j++) {
    const k = I[i0 + j]!;
    if (!(k >= -size && k < size)) return k;
  }
  if (n === 0 || rowBytes === 0) return null;
  const [cs, nc] = chunking(n, n * rowBytes, tuning.eltParMin * 16);
  const o = job(ABI.T_GATHER_ROWS, cs);
  U32[o] = src; U32[o + 1] = idx; U32[o + 2] = dst; I32[o + 3] = n; I32[o + 4] = rowBytes; I32[o + 5] = size;
  runJob(nc);
  return null;
}

/**
 * out = zeros(size * inner); out[idx[j]] += g[j] (rows of `inner` elements; negative indices count
 * from the end). Returns false, with out all zeros, when an index is out of range. Index chunks are
 * multiples of `align` indices and run in parallel only when their index ranges are disjoint (then no
 * two threads touch one element and sums keep the sequential order); else one thread runs them all.
 */
export function scatterAdd(g: number, idx: number, out: number, n: number, inner: number, size: number, align = 1): boolean {
  checkDim('n', n); checkDim('inner', inner); checkDim('size', size); checkDim('align', align);
  fill(out, size * inner, 0);
  if (n === 0) return true;
  const [cs, nc] = chunking(n, n * Math.max(inner, 4), tuning.eltParMin, Math.max(align, 1));
  const res = resultsBuffer(nc * 8);
  let o = job(ABI.T_INDEX_RANGE, cs);
  jobHeader(J_RESULTS, res);
  U32[o] = g; U32[o + 1] = idx; U32[o + 2] = out; I32[o + 3] = n; I32[o + 4] = inner; I32[o + 5] = size;
  runJob(nc);
  const ranges: Array<[number, number]> = [];
  const R = new Int32Array(heapF32().buffer, res, nc * 2);
  for (let c = 0; c < nc; c++) ranges.push([R[2 * c]!, R[2 * c + 1]!]);
  if (ranges.some(([lo, hi]) => lo < 0 || hi >= size)) return false;
  ranges.sort((a, b) => a[0] - b[0]);
  const disjoint = ranges.every((r, c) => c === 0 || ranges[c - 1]![1] < r[0]);
  o = job(ABI.T_SCATTER_ADD, disjoint ? cs : n);
  U32[o] = g; U32[o + 1] = idx; U32[o + 2] = out; I32[o + 3] = n; I32[o + 4] = inner; I32[o + 5] = size;
  runJob(disjoint ? nc : 1);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Convolution as implicit GEMM (assembly/conv.ts)

/**
 * Geometry of a 2-D convolution of an [N, H, W, C] image with a [KH, KW, C, CO] kernel into [N, OH, OW, CO]:
 * strides SH, SW, dilations DH, DW, top/left pads PT, PL (may be negative: cropping).
 */
export interface ConvGeometry {
  H: number; W: number; C: number; OH: number; OW: number; KH: number; KW: number;
  SH: number; SW: number; DH: number; DW: number; PT: number; PL: number;
}
const CONV_FIELDS = ['H', 'W', 'C', 'OH', 'OW', 'KH', 'KW', 'SH', 'SW', 'DH', 'DW', 'PT', 'PL'] as const;

function checkConv(N: number, CO: number, g: ConvGeometry): void {
  checkDim('N', N); checkDim('CO', CO);
  for (const f of CONV_FIELDS) {
    if (f === 'PT' || f === 'PL') { if (!Number.isInteger(g[f])) throw new RangeError(`deepts wasm: conv ${f} must be an integer, got ${g[f]}`); }
    else checkDim(f, g[f]);
  }
  if (wasmInternals().exports.gemm_mr() !== 4) throw new Error('deepts wasm: the convolution packing needs the 4-row GEMM micro-kernel');
}

/** Writes the geometry block at parameter slot `at` of the current job. */
function writeGeometry(o: number, g: ConvGeometry): void {
  CONV_FIELDS.forEach((f, k) => { I32[o + k] = g[f]; });
}

/** The HWIO kernel w packed as the GEMM's B operand (freed by the caller); flipped: see assembly pack_weights. */
function packWeights(w: number, taps: number, rowsPerTap: number, cols: number, flipped: boolean): number {
  const packed = alloc(wasmInternals().exports.packed_weights_bytes(taps * rowsPerTap, cols));
  const o = job(ABI.T_CONV_PACK_WEIGHTS, 1);
  U32[o] = w; U32[o + 1] = packed; I32[o + 2] = taps; I32[o + 3] = rowsPerTap; I32[o + 4] = cols; I32[o + 5] = flipped ? 1 : 0;
  runJob(1);
  return packed;
}

/** out[N*OH*OW, CO] = patches(x) @ B for a packed B; chunks of output rows. */
function convRows(x: number, packed: number, out: number, N: number, CO: number, g: ConvGeometry): void {
  const M = N * g.OH * g.OW;
  const Kd = g.KH * g.KW * g.C;
  if (M === 0 || CO === 0) return;
  const { exports } = wasmInternals();
  const [cs, nc] = chunking(M, 2 * M * Kd * CO, tuning.gemmParMinFlops / 2, 4);
  const mc = Math.min(tuning.convRows, Math.ceil(cs / 4) * 4);
  const kc = Math.max(1, Math.min(tuning.kc, Kd));
  const { base, stride } = poolScratch(exports.conv_forward_scratch_bytes(mc, kc, g.C));
  const o = job(ABI.T_CONV2D, cs);
  jobHeader(J_SCRATCH, base);
  jobHeader(J_SCRATCH_STRIDE, stride);
  U32[o] = x; U32[o + 1] = packed; U32[o + 2] = out; I32[o + 3] = M; I32[o + 4] = CO; I32[o + 5] = Kd; I32[o + 6] = mc; I32[o + 7] = kc;
  writeGeometry(o + 8, g);
  runJob(nc);
}

/**
 * out[N, OH, OW, CO] = conv2d(x[N, H, W, C], w[KH, KW, C, CO]) (cross-correlation, zero padding). The patch
 * matrix is never built: chunks of output rows pack their patches into per-thread scratch (implicit GEMM).
 */
export function conv2d(x: number, w: number, out: number, N: number, CO: number, g: ConvGeometry): void {
  checkConv(N, CO, g); checkPtr('x', x); checkPtr('w', w); checkPtr('out', out);
  if (N * g.OH * g.OW === 0 || CO === 0) return;
  const packed = packWeights(w, g.KH * g.KW, g.C, CO, false);
  try {
    convRows(x, packed, out, N, CO, g);
  } finally {
    free(packed);
  }
}

/**
 * dW[KH, KW, C, CO] = patches(x)ᵀ @ dy[N*OH*OW, CO], the filter gradient of conv2d. Each chunk of rows
 * accumulates its own partial dW; the partials are then summed in chunk order (deterministic for a given
 * thread count, which sets the number of chunks).
 */
export function conv2dBackpropFilter(x: number, dy: number, dw: number, N: number, CO: number, g: ConvGeometry): void {
  checkConv(N, CO, g); checkPtr('x', x); checkPtr('dy', dy); checkPtr('dw', dw);
  const M = N * g.OH * g.OW;
  const Kd = g.KH * g.KW * g.C;
  if (Kd === 0 || CO === 0) return;
  const { exports } = wasmInternals();
  const partialBytes = exports.filter_grad_partial_bytes(Kd, CO);
  // a few partials per thread (dynamic balancing), none smaller than convGradMinRows rows
  const P = Math.max(1, Math.min(getNumThreads() * tuning.chunksPerThread, Math.ceil(M / tuning.convGradMinRows),
    Math.floor(tuning.convPartialsMaxBytes / partialBytes)));
  const cs = Math.max(1, Math.ceil(M / P));
  const rowBlock = Math.max(1, Math.min(tuning.convGradRows, cs));
  const kdBlock = Math.max(4, Math.min(Math.ceil(Kd / 4) * 4, Math.floor(tuning.convBlockBytes / (rowBlock * 16)) * 4));
  const partials = alloc(P * partialBytes);
  try {
    const { base, stride } = poolScratch(exports.conv_filter_grad_scratch_bytes(kdBlock, rowBlock, CO, g.C));
    let o = job(ABI.T_CONV2D_FILTER_GRAD, cs);
    jobHeader(J_SCRATCH, base);
    jobHeader(J_SCRATCH_STRIDE, stride);
    U32[o] = x; U32[o + 1] = dy; U32[o + 2] = partials; I32[o + 3] = M; I32[o + 4] = CO; I32[o + 5] = Kd; I32[o + 6] = kdBlock; I32[o + 7] = rowBlock;
    writeGeometry(o + 8, g);
    runJob(P);
    const [rcs, rnc] = chunking(Kd, Kd * CO * P, tuning.eltParMin);
    o = job(ABI.T_CONV_SUM_PARTIALS, rcs);
    U32[o] = partials; U32[o + 1] = dw; I32[o + 2] = P; I32[o + 3] = CO; I32[o + 4] = Math.ceil(CO / exports.gemm_nr()) * exports.gemm_nr(); I32[o + 5] = partialBytes / 4; I32[o + 6] = Kd;
    runJob(rnc);
  } finally {
    free(partials);
  }
}

/**
 * dx[N, H, W, C] = the input gradient of conv2d for dy[N, OH, OW, CO] and w[KH, KW, C, CO]. Stride 1: a
 * convolution of dy with the flipped kernel (same kernel as conv2d). Larger strides: per image,
 * dPatches = dy @ wᵀ added back at the patch positions (col2im); chunks are whole images.
 */
export function conv2dBackpropInput(dy: number, w: number, dx: number, N: number, CO: number, g: ConvGeometry): void {
  checkConv(N, CO, g); checkPtr('dy', dy); checkPtr('w', w); checkPtr('dx', dx);
  const image = g.H * g.W * g.C;
  if (N * image === 0) return;
  const Kd = g.KH * g.KW * g.C;
  if (g.OH * g.OW === 0 || CO === 0 || Kd === 0) { fill(dx, N * image, 0); return; }
  if (g.SH === 1 && g.SW === 1) {
    const packed = packWeights(w, g.KH * g.KW, CO, g.C, true);
    try {
      convRows(dy, packed, dx, N, g.C, inputGradAsForward(g, CO));
    } finally {
      free(packed);
    }
    return;
  }
  const { exports } = wasmInternals();
  const pixels = g.OH * g.OW;
  const rowBlock = Math.max(1, Math.min(pixels, Math.floor(tuning.convBlockBytes / (Kd * 4))));
  const mc = Math.min(tuning.mc, Math.ceil(rowBlock / 4) * 4);
  const kc = Math.min(tuning.kc, CO);
  const nc = Math.min(tuning.nc, Math.ceil(Kd / 8) * 8);
  const { base, stride } = poolScratch(exports.conv_input_grad_tile_bytes(rowBlock, Kd) + exports.gemm_scratch_bytes(mc, kc, nc));
  const [cs, nChunks] = chunking(N, 2 * N * pixels * Kd * CO, tuning.gemmParMinFlops / 2);
  const o = job(ABI.T_CONV2D_INPUT_GRAD, cs);
  jobHeader(J_SCRATCH, base);
  jobHeader(J_SCRATCH_STRIDE, stride);
  U32[o] = dy; U32[o + 1] = w; U32[o + 2] = dx; I32[o + 3] = N; I32[o + 4] = CO; I32[o + 5] = Kd; I32[o + 6] = rowBlock;
  I32[o + 7] = mc; I32[o + 8] = kc; I32[o + 9] = nc;
  writeGeometry(o + 10, g);
  runJob(nChunks);
}

/**
 * The geometry of the stride-1 input gradient as a forward convolution of dy [N, OH, OW, CO] (with the flipped
 * kernel) into dx [N, H, W, C]: the padding becomes the rest of the kernel's extent.
 */
function inputGradAsForward(g: ConvGeometry, CO: number): ConvGeometry {
  return {
    H: g.OH, W: g.OW, C: CO, OH: g.H, OW: g.W, KH: g.KH, KW: g.KW, SH: 1, SW: 1, DH: g.DH, DW: g.DW,
    PT: (g.KH - 1) * g.DH - g.PT, PL: (g.KW - 1) * g.DW - g.PL,
  };
}

// ---------------------------------------------------------------------------------------------
// Winograd F(2x2, 3x3) convolution (assembly/winograd.ts)

/** Whether the Winograd kernels take this convolution: a 3x3 kernel, stride 1, dilation 1. */
export function winogradApplies(g: ConvGeometry): boolean {
  return g.KH === 3 && g.KW === 3 && g.SH === 1 && g.SW === 1 && g.DH === 1 && g.DW === 1;
}

function checkWinograd(N: number, CO: number, g: ConvGeometry): void {
  checkConv(N, CO, g);
  if (!winogradApplies(g)) throw new RangeError(`deepts wasm: Winograd convolution needs a 3x3 kernel, stride 1, dilation 1; got ${g.KH}x${g.KW}, strides ${g.SH},${g.SW}, dilations ${g.DH},${g.DW}`);
}

/**
 * out[N, OH, OW, cols] = conv2d(x[N, H, W, g.C], w) by Winograd F(2x2, 3x3): the kernel is transformed once
 * (flipped: w is the HWIO kernel of the convolution being differentiated, see winograd_transform_weights),
 * then chunks of 2x2 output tiles run in blocks whose transformed inputs fill about convBlockBytes.
 */
function winogradRun(x: number, w: number, out: number, N: number, cols: number, g: ConvGeometry, flipped: boolean): void {
  const tiles = N * Math.ceil(g.OH / 2) * Math.ceil(g.OW / 2);
  if (tiles === 0 || cols === 0) return;
  const { exports } = wasmInternals();
  const transformed = alloc(exports.winograd_weights_bytes(g.C, cols));
  try {
    let o = job(ABI.T_WINOGRAD_WEIGHTS, 1);
    U32[o] = w; U32[o + 1] = transformed; I32[o + 2] = g.C; I32[o + 3] = cols; I32[o + 4] = flipped ? 1 : 0;
    runJob(1);
    const [cs, nc] = chunking(tiles, 32 * tiles * g.C * cols, tuning.gemmParMinFlops / 2, 4);
    const channelBytes = 16 * 4 * Math.ceil(g.C / 4) * 4;
    const tb = Math.min(Math.ceil(cs / 4) * 4, Math.max(4, Math.floor(tuning.convBlockBytes / channelBytes / 4) * 4));
    const { base, stride } = poolScratch(exports.winograd_scratch_bytes(tb, g.C));
    o = job(ABI.T_WINOGRAD_CONV, cs);
    jobHeader(J_SCRATCH, base);
    jobHeader(J_SCRATCH_STRIDE, stride);
    U32[o] = x; U32[o + 1] = transformed; U32[o + 2] = out; I32[o + 3] = tiles; I32[o + 4] = cols; I32[o + 5] = tb;
    writeGeometry(o + 6, g);
    runJob(nc);
  } finally {
    free(transformed);
  }
}

/** conv2d (same arguments and result) by Winograd F(2x2, 3x3); needs winogradApplies(g). */
export function conv2dWinograd(x: number, w: number, out: number, N: number, CO: number, g: ConvGeometry): void {
  checkWinograd(N, CO, g); checkPtr('x', x); checkPtr('w', w); checkPtr('out', out);
  winogradRun(x, w, out, N, CO, g, false);
}

/** conv2dBackpropInput (same arguments and result) by Winograd F(2x2, 3x3); needs winogradApplies(g). */
export function conv2dBackpropInputWinograd(dy: number, w: number, dx: number, N: number, CO: number, g: ConvGeometry): void {
  checkWinograd(N, CO, g); checkPtr('dy', dy); checkPtr('w', w); checkPtr('dx', dx);
  const image = g.H * g.W * g.C;
  if (N * image === 0) return;
  if (g.OH * g.OW === 0 || CO === 0) { fill(dx, N * image, 0); return; }
  winogradRun(dy, w, dx, N, g.C, inputGradAsForward(g, CO), true);
}

/**
 * conv2dBackpropFilter (same arguments and result) by Winograd F(3x3, 2x2); needs winogradApplies(g). Chunks of
 * 2x2 output tiles (at least convGradMinRows / 4 each, a few per thread) accumulate their own partial transformed
 * gradient; the partials are summed in chunk order and transformed back (deterministic for a given thread count).
 */
export function conv2dBackpropFilterWinograd(x: number, dy: number, dw: number, N: number, CO: number, g: ConvGeometry): void {
  checkWinograd(N, CO, g); checkPtr('x', x); checkPtr('dy', dy); checkPtr('dw', dw);
  if (g.C === 0 || CO === 0) return;
  const { exports } = wasmInternals();
  const tiles = N * Math.ceil(g.OH / 2) * Math.ceil(g.OW / 2);
  const partialBytes = exports.winograd_filter_grad_partial_bytes(g.C, CO);
  const P = Math.max(1, Math.min(getNumThreads() * tuning.chunksPerThread, Math.ceil(tiles / (tuning.convGradMinRows / 4)),
    Math.floor(tuning.convPartialsMaxBytes / partialBytes)));
  const cs = Math.max(1, Math.ceil(tiles / P));
  // a block's transformed inputs and gradients (16 x (C + CO) floats a tile) fill about 2 * convBlockBytes
  const tileBytes = 64 * (Math.ceil(g.C / 4) * 4 + Math.ceil(CO / 8) * 8);
  const kb = Math.max(4, Math.min(cs, Math.floor((2 * tuning.convBlockBytes) / tileBytes)));
  const partials = alloc(P * partialBytes);
  try {
    const { base, stride } = poolScratch(exports.winograd_filter_grad_scratch_bytes(kb, g.C, CO));
    let o = job(ABI.T_WINOGRAD_FILTER_GRAD, cs);
    jobHeader(J_SCRATCH, base);
    jobHeader(J_SCRATCH_STRIDE, stride);
    U32[o] = x; U32[o + 1] = dy; U32[o + 2] = partials; I32[o + 3] = tiles; I32[o + 4] = CO; I32[o + 5] = kb;
    writeGeometry(o + 6, g);
    runJob(P);
    const [rcs, rnc] = chunking(g.C, 16 * g.C * CO * P, tuning.eltParMin);
    o = job(ABI.T_WINOGRAD_FILTER_FINISH, rcs);
    U32[o] = partials; U32[o + 1] = dw; I32[o + 2] = P; I32[o + 3] = g.C; I32[o + 4] = CO; U32[o + 5] = partialBytes;
    runJob(rnc);
  } finally {
    free(partials);
  }
}

// ---------------------------------------------------------------------------------------------
// Depthwise convolution: groups == C, channel multiplier m (assembly/depthwise.ts)

/**
 * Writes a depthwise job (abi.ts T_DW_*: 0 src, 1 w / dy, 2 dst, 3 rows, 4 m, 5 partial stride, 6.. G) with the
 * per-thread tap list as scratch. g.C is the input channel count; the kernel is [KH, KW, 1, C*m].
 */
function depthwiseJob(task: number, src: number, w: number, dst: number, rows: number, m: number, partialFloats: number, g: ConvGeometry, cs: number, nc: number): void {
  const { base, stride } = poolScratch(Math.ceil(((g.KH * g.KW + g.KH) * 8) / 64) * 64); // dw_scratch_bytes
  const o = job(task, cs);
  jobHeader(J_SCRATCH, base);
  jobHeader(J_SCRATCH_STRIDE, stride);
  U32[o] = src; U32[o + 1] = w; U32[o + 2] = dst; I32[o + 3] = rows; I32[o + 4] = m; I32[o + 5] = partialFloats;
  writeGeometry(o + 6, g);
  runJob(nc);
}

function checkDepthwise(N: number, m: number, g: ConvGeometry): void {
  checkConv(N, 1, g);
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`deepts wasm: depthwise channel multiplier must be a positive integer, got ${m}`);
}

/**
 * y[N, OH, OW, C*m] = the depthwise convolution of x[N, H, W, C] with w[KH, KW, 1, C*m] (output channel c*m + j
 * reads input channel c), i.e. conv2d with groups = C. Vectorised over channels, threaded over output rows.
 */
export function depthwiseConv2d(x: number, w: number, y: number, N: number, m: number, g: ConvGeometry): void {
  checkDepthwise(N, m, g); checkPtr('x', x); checkPtr('w', w); checkPtr('y', y);
  const rows = N * g.OH;
  if (rows * g.OW * g.C === 0) return;
  const [cs, nc] = chunking(rows, rows * g.OW * g.C * m * g.KH * g.KW, tuning.eltParMin);
  depthwiseJob(ABI.T_DW_CONV2D, x, w, y, rows, m, 0, g, cs, nc);
}

/** dx[N, H, W, C] = the input gradient of depthwiseConv2d for dy[N, OH, OW, C*m]; gathers per input pixel, threaded over input rows. */
export function depthwiseConv2dBackpropInput(dy: number, w: number, dx: number, N: number, m: number, g: ConvGeometry): void {
  checkDepthwise(N, m, g); checkPtr('dy', dy); checkPtr('w', w); checkPtr('dx', dx);
  const rows = N * g.H;
  if (rows * g.W * g.C === 0) return;
  const overlap = Math.ceil(g.KH / g.SH) * Math.ceil(g.KW / g.SW);
  const [cs, nc] = chunking(rows, rows * g.W * g.C * m * overlap, tuning.eltParMin);
  depthwiseJob(ABI.T_DW_INPUT_GRAD, dy, w, dx, rows, m, 0, g, cs, nc);
}

/**
 * dw[KH, KW, 1, C*m] = the filter gradient of depthwiseConv2d. Chunks of output rows sum into their own partial
 * (one chunk: straight into dw); the partials are then added in chunk order (deterministic for a thread count).
 */
export function depthwiseConv2dBackpropFilter(x: number, dy: number, dw: number, N: number, m: number, g: ConvGeometry): void {
  checkDepthwise(N, m, g); checkPtr('x', x); checkPtr('dy', dy); checkPtr('dw', dw);
  const taps = g.KH * g.KW, CO = g.C * m;
  if (taps * CO === 0) return;
  const rows = N * g.OH;
  if (rows * g.OW === 0) { fill(dw, taps * CO, 0); return; }
  const partialFloats = Math.ceil(taps * CO / 16) * 16;
  const [cs0, nc0] = chunking(rows, rows * g.OW * CO * taps, tuning.eltParMin);
  const P = Math.max(1, Math.min(nc0, Math.floor(tuning.convPartialsMaxBytes / (partialFloats * 4))));
  const cs = P === nc0 ? cs0 : Math.ceil(rows / P);
  const nc = Math.ceil(rows / cs);
  if (nc === 1) { depthwiseJob(ABI.T_DW_FILTER_GRAD, x, dy, dw, rows, m, 0, g, rows, 1); return; }
  const partials = alloc(nc * partialFloats * 4);
  try {
    depthwiseJob(ABI.T_DW_FILTER_GRAD, x, dy, partials, rows, m, partialFloats, g, cs, nc);
    const [rcs, rnc] = chunking(taps, taps * CO * nc, tuning.eltParMin);
    const o = job(ABI.T_CONV_SUM_PARTIALS, rcs);
    U32[o] = partials; U32[o + 1] = dw; I32[o + 2] = nc; I32[o + 3] = CO; I32[o + 4] = CO; I32[o + 5] = partialFloats; I32[o + 6] = taps;
    runJob(rnc);
  } finally {
    free(partials);
  }
}

// ---------------------------------------------------------------------------------------------
// Reductions

export type ReduceOp = 'sum' | 'max' | 'min' | 'sumsq';
const REDUCE: Record<ReduceOp, number> = { sum: ABI.R_SUM, max: ABI.R_MAX, min: ABI.R_MIN, sumsq: ABI.R_SUMSQ };

/**
 * out[i] = reduce_j x[i, j] over an m x n x (times alpha for sum/sumsq; mean: alpha = 1/n).
 * max of an empty row is -inf, min +inf, sum 0.
 */
export function reduceRows(op: ReduceOp, x: number, out: number, m: number, n: number, alpha = 1): void {
  checkDim('m', m); checkDim('n', n);
  if (m === 0) return;
  const kind = REDUCE[op];
  const T = getNumThreads();
  if (T > 1 && m < T * tuning.chunksPerThread && n >= 4096 && m * n >= 2 * tuning.eltParMin) {
    // Few long rows: each chunk reduces a column slice of every row into its own partial row,
    // then the partials are combined here (in chunk order: deterministic).
    const [cs, nc] = chunking(n, m * n, tuning.eltParMin, 16);
    const res = resultsBuffer(nc * m * 4);
    const o = job(T_REDUCE_ROWS, cs);
    jobHeader(J_RESULTS, res);
    I32[o] = kind; U32[o + 1] = x; U32[o + 2] = out; I32[o + 3] = m; I32[o + 4] = n; F32[o + 5] = alpha; I32[o + 6] = 1;
    runJob(nc);
    const F = heapF32();
    const r0 = res >>> 2;
    for (let i = 0; i < m; i++) {
      let r = F[r0 + i]!;
      for (let c = 1; c < nc; c++) {
        const v = F[r0 + c * m + i]!;
        if (op === 'sum' || op === 'sumsq') r += v;
        else if (Number.isNaN(v) || Number.isNaN(r)) r = NaN;
        else r = op === 'max' ? Math.max(r, v) : Math.min(r, v);
      }
      F[(out >>> 2) + i] = r;
    }
    return;
  }
  const [cs, nc] = chunking(m, m * n, tuning.eltParMin);
  const o = job(T_REDUCE_ROWS, cs);
  I32[o] = kind; U32[o + 1] = x; U32[o + 2] = out; I32[o + 3] = m; I32[o + 4] = n; F32[o + 5] = alpha; I32[o + 6] = 0;
  runJob(nc);
}

/** out[j] = reduce_i x[i, j] over an m x n x (e.g. the bias gradient: reduceCols('sum', dy, db, batch, features)). */
export function reduceCols(op: ReduceOp, x: number, out: number, m: number, n: number, alpha = 1): void {
  checkDim('m', m); checkDim('n', n);
  if (n === 0) return;
  const [cs, nc] = chunking(n, m * n, tuning.eltParMin, 16);
  const o = job(T_REDUCE_COLS, cs);
  I32[o] = REDUCE[op]; U32[o + 1] = x; U32[o + 2] = out; I32[o + 3] = m; I32[o + 4] = n; F32[o + 5] = alpha;
  runJob(nc);
}

export const sumRows = (x: number, out: number, m: number, n: number, alpha = 1) => reduceRows('sum', x, out, m, n, alpha);
export const sumCols = (x: number, out: number, m: number, n: number, alpha = 1) => reduceCols('sum', x, out, m, n, alpha);
export const maxRows = (x: number, out: number, m: number, n: number) => reduceRows('max', x, out, m, n);

/** out (int32) [i] = first index of the max of row i (NaN counts as max); -1 for n == 0. */
export function argmaxRows(x: number, out: number, m: number, n: number): void {
  checkDim('m', m); checkDim('n', n);
  if (m === 0) return;
  const [cs, nc] = chunking(m, m * n, tuning.eltParMin);
  const o = job(T_ARGMAX_ROWS, cs);
  U32[o] = x; U32[o + 1] = out; I32[o + 2] = m; I32[o + 3] = n;
  runJob(nc);
}

// ---------------------------------------------------------------------------------------------
// Batch normalization over a row-major M x C matrix, channels last (assembly/batchnorm.ts)

/**
 * Per-channel float64 sums over the M rows, relative to `shift` (float32 [C], e.g. the first row or the mean):
 * without dy (0) [sum(x - shift), sum((x - shift)^2)], with dy [sum(dy), sum(dy * (x - shift))], returned as
 * float64 [2 * C]. Rows are split into chunks (multiples of BN_BLOCK_ROWS) that sum into their own partials,
 * added here in chunk order: deterministic.
 */
export function bnChannelSums(x: number, dy: number, shift: number, M: number, C: number): Float64Array {
  checkDim('M', M); checkDim('C', C);
  const sums = new Float64Array(2 * C);
  if (M === 0 || C === 0) return sums;
  const [cs, nc] = chunking(M, M * C * (dy ? 2 : 1), tuning.eltParMin, ABI.BN_BLOCK_ROWS);
  const res = resultsBuffer(nc * C * 16);
  const o = job(ABI.T_BN_SUMS, cs);
  jobHeader(J_RESULTS, res);
  U32[o] = x; U32[o + 1] = dy; U32[o + 2] = shift; I32[o + 3] = M; I32[o + 4] = C;
  runJob(nc);
  const partials = new Float64Array(heapF32().buffer, res, nc * 2 * C);
  for (let c = 0; c < nc; c++) for (let k = 0; k < 2 * C; k++) sums[k] += partials[c * 2 * C + k]!;
  return sums;
}

/**
 * out = a * (x - m) + e per channel, or with dy (not 0) out = a * dy + b * (x - m) + e; coef = float32 [4][C] rows
 * a, b, m, e. out may alias x or dy. Threaded over row blocks.
 */
export function bnAffine(x: number, dy: number, coef: number, out: number, M: number, C: number): void {
  checkDim('M', M); checkDim('C', C);
  if (M === 0 || C === 0) return;
  const [cs, nc] = chunking(M, M * C * (dy ? 2 : 1), tuning.eltParMin, ABI.BN_BLOCK_ROWS);
  const o = job(ABI.T_BN_AFFINE, cs);
  U32[o] = x; U32[o + 1] = dy; U32[o + 2] = coef; U32[o + 3] = out; I32[o + 4] = M; I32[o + 5] = C;
  runJob(nc);
}

// ---------------------------------------------------------------------------------------------
// Softmax family (contiguous m x n; outputs may alias inputs)

function rowsJob(task: number, p0: number, p1: number, p2: number, m: number, n: number): void {
  checkDim('m', m); checkDim('n', n);
  if (m === 0 || n === 0) return;
  const [cs, nc] = chunking(m, m * n, tuning.eltParMinHeavy);
  const o = job(task, cs);
  if (task === T_SOFTMAX_ROWS || task === T_LOG_SOFTMAX_ROWS) {
    U32[o] = p0; U32[o + 1] = p1; I32[o + 2] = m; I32[o + 3] = n;
  } else {
    U32[o] = p0; U32[o + 1] = p1; U32[o + 2] = p2; I32[o + 3] = m; I32[o + 4] = n;
  }
  runJob(nc);
}

/** y = softmax(x) along the last axis. */
export function softmaxRows(x: number, y: number, m: number, n: number): void {
  rowsJob(T_SOFTMAX_ROWS, x, y, 0, m, n);
}
/** y = log_softmax(x) along the last axis. */
export function logSoftmaxRows(x: number, y: number, m: number, n: number): void {
  rowsJob(T_LOG_SOFTMAX_ROWS, x, y, 0, m, n);
}
/** dx = y * (dy - sum(dy * y)) with y = softmax(x). */
export function softmaxBackwardRows(y: number, dy: number, dx: number, m: number, n: number): void {
  rowsJob(T_SOFTMAX_BWD_ROWS, y, dy, dx, m, n);
}
/** dx = dy - exp(y) * sum(dy) with y = log_softmax(x). */
export function logSoftmaxBackwardRows(y: number, dy: number, dx: number, m: number, n: number): void {
  rowsJob(T_LOG_SOFTMAX_BWD_ROWS, y, dy, dx, m, n);
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
  const [cs, nc] = chunking(B, B * C, tuning.eltParMinHeavy);
  const res = resultsBuffer(nc * 8);
  const o = job(T_SOFTMAX_XENT, cs);
  jobHeader(J_RESULTS, res);
  U32[o] = logits; U32[o + 1] = labels; U32[o + 2] = dlogits; I32[o + 3] = B; I32[o + 4] = C; F32[o + 5] = scale;
  runJob(nc);
  const F64 = context().f64;
  let total = 0;
  for (let c = 0; c < nc; c++) total += F64[(res >>> 3) + c]!;
  return total * scale;
}

// ---------------------------------------------------------------------------------------------
// Optimizers (in place, float32, n elements; state buffers must be zero-initialised by the caller)

function optimChunks(n: number): [number, number] {
  return chunking(n, n, tuning.optimParMin, 16);
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
export function sgdUpdate(p: number, g: number, v: number, n: number, opt: SgdParams): void {
  checkDim('n', n);
  const mu = opt.momentum ?? 0;
  if (mu !== 0 && !v) throw new Error('deepts wasm: sgdUpdate with momentum needs a velocity buffer');
  if (n === 0) return;
  const flags = (opt.nesterov ? ABI.SGD_NESTEROV : 0) | (opt.style === 'torch' ? ABI.SGD_TORCH : 0) |
    (opt.coupledWeightDecay ? ABI.SGD_COUPLED_WD : 0);
  const [cs, nc] = optimChunks(n);
  const o = job(T_SGD, cs);
  U32[o] = p; U32[o + 1] = g; U32[o + 2] = v; I32[o + 3] = n;
  F32[o + 4] = opt.lr; F32[o + 5] = mu; F32[o + 6] = opt.weightDecay ?? 0; F32[o + 7] = opt.dampening ?? 0; I32[o + 8] = flags;
  runJob(nc);
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
export function rmspropUpdate(p: number, g: number, v: number, mom: number, mg: number, n: number, opt: RmspropParams): void {
  checkDim('n', n);
  const momentum = opt.momentum ?? 0;
  if (momentum > 0 && !mom) throw new Error('deepts wasm: rmspropUpdate with momentum needs a momentum buffer');
  if (opt.centered && !mg) throw new Error('deepts wasm: centered rmspropUpdate needs a mean-gradient buffer');
  if (n === 0) return;
  const flags = (opt.centered ? ABI.RMS_CENTERED : 0) | (opt.epsOutsideSqrt ? ABI.RMS_EPS_OUTSIDE : 0) |
    (opt.coupledWeightDecay ? ABI.RMS_COUPLED_WD : 0);
  const [cs, nc] = optimChunks(n);
  const o = job(T_RMSPROP, cs);
  U32[o] = p; U32[o + 1] = g; U32[o + 2] = v; U32[o + 3] = momentum > 0 ? mom : 0; U32[o + 4] = opt.centered ? mg : 0; I32[o + 5] = n;
  F32[o + 6] = opt.lr; F32[o + 7] = opt.rho ?? 0.9; F32[o + 8] = momentum; F32[o + 9] = opt.epsilon ?? 1e-7;
  F32[o + 10] = opt.weightDecay ?? 0; I32[o + 11] = flags;
  runJob(nc);
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
export function adamUpdate(p: number, g: number, m: number, v: number, vhat: number, n: number, opt: AdamParams): void {
  checkDim('n', n);
  if (opt.amsgrad && !vhat) throw new Error('deepts wasm: amsgrad adamUpdate needs a vhat buffer');
  if (n === 0) return;
  const flags = (opt.amsgrad ? ABI.ADAM_AMSGRAD : 0) | (opt.coupledWeightDecay ? ABI.ADAM_COUPLED_WD : 0);
  const [cs, nc] = optimChunks(n);
  const o = job(T_ADAM, cs);
  U32[o] = p; U32[o + 1] = g; U32[o + 2] = m; U32[o + 3] = v; U32[o + 4] = opt.amsgrad ? vhat : 0; I32[o + 5] = n;
  F32[o + 6] = opt.beta1; F32[o + 7] = opt.beta2; F32[o + 8] = opt.stepSize; F32[o + 9] = opt.c2; F32[o + 10] = opt.epsilon;
  F32[o + 11] = opt.decay ?? 0; I32[o + 12] = flags;
  runJob(nc);
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
export function adagradUpdate(p: number, g: number, acc: number, n: number, opt: AdagradParams): void {
  checkDim('n', n);
  if (n === 0) return;
  const flags = (opt.epsOutsideSqrt ? ABI.ADAGRAD_EPS_OUTSIDE : 0) | (opt.coupledWeightDecay ? ABI.ADAGRAD_COUPLED_WD : 0);
  const [cs, nc] = optimChunks(n);
  const o = job(T_ADAGRAD, cs);
  U32[o] = p; U32[o + 1] = g; U32[o + 2] = acc; I32[o + 3] = n;
  F32[o + 4] = opt.lr; F32[o + 5] = opt.epsilon ?? 1e-7; F32[o + 6] = opt.weightDecay ?? 0; I32[o + 7] = flags;
  runJob(nc);
}
