// The task ABI shared by the AssemblyScript kernels and the TypeScript runtime. This file must stay
// valid in both languages (plain numeric constants only): runtime.ts imports it, index.ts too.
//
// A job is one argument block of ARG_SLOTS 32-bit slots in the shared memory, shared by all threads.
// The work is cut into chunks; every participating thread runs run_job(block, tid), which claims
// chunk indices with an atomic counter until they run out (dynamic load balancing: a thread that
// is descheduled or still waking up simply takes fewer chunks). Layout:
//   J_OP        task opcode (T_*)
//   J_NCHUNKS   number of chunks
//   J_COUNTER   next chunk to claim (atomic; the runtime zeroes it)
//   J_CHUNK     chunk size (elements, rows, columns or matrices, per task)
//   J_SCRATCH   per-thread scratch base; thread tid uses J_SCRATCH + tid * J_SCRATCH_STRIDE
//   J_SCRATCH_STRIDE
//   J_RESULTS   per-chunk results (e.g. float64 partial losses), optional
//   J_P + k     task parameter k (pointers/sizes as u32/i32, scalars as f32)

export const ARG_SLOTS = 64;
export const ARG_BYTES = 256;
export const J_OP = 0;
export const J_NCHUNKS = 1;
export const J_COUNTER = 2;
export const J_CHUNK = 3;
export const J_SCRATCH = 4;
export const J_SCRATCH_STRIDE = 5;
export const J_RESULTS = 6;
export const J_P = 8;

// Task opcodes (slot J_OP).
export const T_NOOP = 0;
export const T_GEMM = 1; // blocked SGEMM; chunks are row or column blocks of each matrix of a batch
export const T_GEMM_NARROW = 2; // narrow-N SGEMM with strided C; chunks as for T_GEMM
export const T_UNARY = 3;
export const T_BINARY = 4; // modes: same shape, row broadcast, column broadcast, scalar, reversed scalar
export const T_REDUCE_ROWS = 9; // reduce the last axis of an m x n matrix -> m
export const T_REDUCE_COLS = 10; // reduce the first axis of an m x n matrix -> n
export const T_ARGMAX_ROWS = 11;
export const T_SOFTMAX_ROWS = 12;
export const T_LOG_SOFTMAX_ROWS = 13;
export const T_SOFTMAX_XENT = 14;
export const T_SOFTMAX_BWD_ROWS = 15;
export const T_LOG_SOFTMAX_BWD_ROWS = 16;
export const T_SGD = 17;
export const T_RMSPROP = 18;
export const T_ADAM = 19;
export const T_ADAGRAD = 20;
export const T_FILL = 21;
export const T_COPY = 22;
export const T_AXPY = 23; // y = alpha * x + beta * y
export const T_TRANSPOSE = 24; // batched 2-D transpose
export const T_CAST_I32_F32 = 25;
export const T_STRIDED_COPY = 26; // gather a strided view (rank <= 8, 4-byte elements) into a contiguous buffer
// Pooling (assembly/pool.ts). Parameters: 0 kind/unused, 1 src, 2 dst, 3 rows, 4..14 the window geometry
// block [H, W, C, OH, OW, KH, KW, SH, SW, PT, PL], 15 dy (kind POOL_MAX_GRAD); chunks are rows (output
// rows n*OH+oy; input rows n*H+iy for the gradients).
export const T_POOL2D = 40; // max / argmax / average (kind: POOL_* in pool.ts)
export const T_AVG_POOL2D_GRAD = 41;
export const T_MAX_POOL2D_GRAD = 44; // parameter 0: the int32 argmax (src: dy, dst: dx)
// Scatter-add along axis 0. Parameters: 0 g, 1 idx (int32), 2 out, 3 n indices, 4 inner, 5 axis size.
export const T_INDEX_RANGE = 42; // per-chunk [min, max] of the wrapped indices -> results (2 x i32 per chunk)
export const T_SCATTER_ADD = 43; // out[idx[j]] += g[j] (rows of `inner`); chunks must not share indices
// Gather along axis 0: 0 src, 1 idx (int32, already range-checked), 2 dst, 3 n indices, 4 row bytes, 5 axis size.
export const T_GATHER_ROWS = 45; // dst[j] = src[idx[j]] (rows of `row bytes`); chunks are index ranges
// Convolution as implicit GEMM (assembly/conv.ts). G = the 13-slot geometry block [H, W, C, OH, OW, KH, KW,
// SH, SW, DH, DW, PT, PL] of the forward convolution; chunks are ranges of patch rows (output pixels) unless said.
export const T_CONV_PACK_WEIGHTS = 50; // 0 w, 1 dst, 2 taps, 3 rows per tap, 4 columns, 5 flipped; one chunk
export const T_CONV2D = 51; // 0 x, 1 packed w, 2 out, 3 M rows, 4 CO, 5 Kd, 6 mc, 7 kc, 8.. G
export const T_CONV2D_FILTER_GRAD = 52; // 0 x, 1 dy, 2 partials (one per chunk), 3 M, 4 CO, 5 Kd, 6 Kd block, 7 row block, 8.. G
export const T_CONV_SUM_PARTIALS = 53; // 0 partials, 1 dw, 2 count, 3 CO, 4 partial row stride, 5 partial stride, 6 Kd; chunks: rows of dw
export const T_CONV2D_INPUT_GRAD = 54; // 0 dy, 1 w, 2 dx, 3 N, 4 CO, 5 Kd, 6 row block, 7-9 GEMM mc kc nc, 10.. G; chunks: images
// Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (assembly/winograd.ts); G as above.
export const T_WINOGRAD_WEIGHTS = 55; // 0 w, 1 dst, 2 input channels R, 3 output channels, 4 flipped; one chunk
export const T_WINOGRAD_CONV = 56; // 0 x, 1 transformed w, 2 out, 3 tiles, 4 CO, 5 tiles per block, 6.. G; chunks: tile ranges
export const T_WINOGRAD_FILTER_GRAD = 57; // 0 x, 1 dy, 2 partials (one per chunk), 3 tiles, 4 CO, 5 tiles per block, 6.. G; chunks: tile ranges
export const T_WINOGRAD_FILTER_FINISH = 58; // 0 partials, 1 dw, 2 count, 3 C, 4 CO, 5 partial stride (bytes); chunks: input channels
// Batch normalization over a row-major M x C matrix (assembly/batchnorm.ts); chunks are row ranges starting at
// multiples of BN_BLOCK_ROWS (the float32 block sums then do not depend on the chunking).
export const T_BN_SUMS = 60; // 0 x, 1 dy (0: none), 2 shift [C], 3 M, 4 C; results: float64 [2][C] per chunk
export const T_BN_AFFINE = 61; // 0 x, 1 dy (0: none), 2 coef [4][C], 3 out, 4 M, 5 C
export const BN_BLOCK_ROWS = 64;
export const T_COMPARE_F32 = 90; // float32 comparison -> bool bytes; operands full or scalar
export const T_SELECT_F32 = 91; // where(bool, float32, float32); operands full or scalar
// Strided moves and former reference-only primitives (assembly/movement.ts); chunks are rows / elements / slices.
export const T_MOVE = 100; // 0 src, 1 dst, 2 rank, 3 rows, 4 element bytes (1|4), 5..12 shape, 13..20 src strides, 21..28 dst strides
export const T_UNARY_EXT = 101; // 0 kind (X_ERF/X_SIN/X_COS), 1 x, 2 y, 3 n; results: int32 per chunk (sin/cos |x| >= 2^20)
export const T_LOGICAL = 102; // 0 kind (L_*), 1 a, 2 b, 3 out (bytes), 4 n, 5 element bytes (1|4), 6 truth mask (4-byte)
export const T_PROD = 103; // 0 x, 1 out, 2 outer, 3 red, 4 inner, 5 int32, 6 by columns (chunks of inner; else of outer)
export const T_ARGMIN = 104; // 0 x, 1 out (int32), 2 outer, 3 n, 4 inner, 5 int32, 6 by columns
// Depthwise convolution, groups == C, multiplier m (assembly/depthwise.ts): 0 src, 1 w or dy, 2 dst, 3 rows, 4 m,
// 5 partial stride (floats; filter gradient), 6..18 the conv geometry block G; chunks are rows (output rows n*OH+oy;
// input rows n*H+iy for the input gradient). The filter gradient writes one partial per chunk (T_CONV_SUM_PARTIALS adds them).
export const T_DW_CONV2D = 110; // y = depthwise(x, w)
export const T_DW_INPUT_GRAD = 111; // dx from dy, w
export const T_DW_FILTER_GRAD = 112; // partials of dw from x, dy

// Unary kinds (T_UNARY parameter 0). alpha/beta are op parameters where noted.
export const U_COPY = 0;
export const U_NEG = 1;
export const U_ABS = 2;
export const U_SQRT = 3;
export const U_EXP = 4;
export const U_LOG = 5;
export const U_TANH = 6;
export const U_SIGMOID = 7;
export const U_RELU = 8;
export const U_SQUARE = 9;
export const U_RECIPROCAL = 10;
export const U_RSQRT = 11;
export const U_SOFTPLUS = 12;
export const U_SIGN = 13;
export const U_FLOOR = 14;
export const U_CEIL = 15;
export const U_ROUND = 16; // round half to even
export const U_TRUNC = 17;
export const U_LEAKY_RELU = 18; // x > 0 ? x : alpha * x
export const U_ELU = 19; // x > 0 ? x : alpha * expm1(x)
export const U_GELU_TANH = 20; // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
export const U_SILU = 21; // x * sigmoid(x)
export const U_LOG1P = 22;
export const U_EXPM1 = 23;
export const U_CLIP = 24; // min(max(x, alpha), beta)
export const U_RELU6 = 25;
export const U_SCALE_SHIFT = 26; // alpha * x + beta
export const U_POW_SCALAR = 27; // x^alpha (exp(alpha*log x)); exact for alpha 0.5/1/2/3/-1 via fast paths is not attempted
export const U_HARD_SIGMOID = 28; // clip(x/6 + 0.5, 0, 1) (Keras 3)
export const U_COUNT = 29;

// Binary kinds (T_BINARY parameter 0).
export const B_ADD = 0;
export const B_SUB = 1;
export const B_MUL = 2;
export const B_DIV = 3;
export const B_MAX = 4;
export const B_MIN = 5;
export const B_POW = 6; // a^b = exp(b log a) for a > 0; a == 0 -> 0 (b > 0), 1 (b == 0); a < 0 -> NaN unless b is an integer
export const B_RELU_BWD = 7; // a = dy, b = x: dy * (x > 0)
export const B_SIGMOID_BWD = 8; // a = dy, b = y = sigmoid(x): dy * y * (1 - y)
export const B_TANH_BWD = 9; // a = dy, b = y = tanh(x): dy * (1 - y^2)
export const B_SQUARED_DIFF = 10; // (a - b)^2
export const B_GT = 11; // 1.0 / 0.0
export const B_GE = 12;
export const B_LT = 13;
export const B_LE = 14;
export const B_EQ = 15;
export const B_NE = 16;
export const B_ADD_RELU = 17; // max(a + b, 0): fused bias add + relu (row broadcast mode)
export const B_COUNT = 18;

// Reduction kinds (T_REDUCE_* parameter 0).
export const R_SUM = 0;
export const R_MAX = 1;
export const R_MIN = 2;
export const R_SUMSQ = 3;

// Flags of the optimizer tasks.
export const SGD_NESTEROV = 1;
export const SGD_TORCH = 2; // v = mu v + (1 - dampening) g; p -= lr (nesterov ? g + mu v : v)
export const SGD_COUPLED_WD = 4; // g += wd p (L2), else decoupled p -= lr wd p (Keras)
export const RMS_CENTERED = 1;
export const RMS_EPS_OUTSIDE = 2; // torch: g / (sqrt(v) + eps); Keras: g / sqrt(v + eps)
export const RMS_COUPLED_WD = 4;
export const ADAM_AMSGRAD = 1;
export const ADAM_COUPLED_WD = 2; // Adam + L2 (g += decay p); else decoupled (AdamW): p -= decay p
export const ADAGRAD_EPS_OUTSIDE = 1;
export const ADAGRAD_COUPLED_WD = 2;
