// Entry point of the deepts WebAssembly kernel module.
//
// Memory: imported, shared (env.memory). This module allocates nothing and has no data segments:
// every buffer is a byte offset chosen by the JS allocator above heap_base(). Each thread (main
// thread and pool workers) instantiates this module on the same memory and runs
// run_job(jobBlock, tid): it claims chunks of the job with an atomic counter until none are left
// (layout and parameters: abi.ts).
import {
  T_NOOP, T_GEMM, T_GEMM_NARROW, T_UNARY, T_BINARY, T_REDUCE_ROWS, T_REDUCE_COLS,
  T_ARGMAX_ROWS, T_SOFTMAX_ROWS, T_LOG_SOFTMAX_ROWS, T_SOFTMAX_XENT, T_SOFTMAX_BWD_ROWS,
  T_LOG_SOFTMAX_BWD_ROWS, T_SGD, T_RMSPROP, T_ADAM, T_ADAGRAD, T_FILL, T_COPY, T_AXPY, T_TRANSPOSE,
  T_CAST_I32_F32, T_STRIDED_COPY, T_COMPARE_F32, T_SELECT_F32, T_POOL2D, T_AVG_POOL2D_GRAD, T_MAX_POOL2D_GRAD, T_INDEX_RANGE, T_SCATTER_ADD, T_GATHER_ROWS,
  T_CONV_PACK_WEIGHTS, T_CONV2D, T_CONV2D_FILTER_GRAD, T_CONV_SUM_PARTIALS, T_CONV2D_INPUT_GRAD, T_WINOGRAD_WEIGHTS, T_WINOGRAD_CONV, T_WINOGRAD_FILTER_GRAD, T_WINOGRAD_FILTER_FINISH, T_BN_SUMS, T_BN_AFFINE, J_OP, J_NCHUNKS, J_COUNTER, J_CHUNK, J_SCRATCH, J_SCRATCH_STRIDE, J_RESULTS, J_P,
} from "./abi";
import { sgemm_blocked, sgemm_narrow } from "./gemm";
import { fill, axpy, transpose, cast_i32_f32, strided_copy, gather_rows } from "./elementwise";
import { unary, binary } from "./elementwise_loops";
import { reduce_rows, reduce_cols, argmax_rows } from "./reduce";
import { softmax_rows, log_softmax_rows, softmax_xent, softmax_bwd_rows, log_softmax_bwd_rows } from "./softmax";
import { sgd, rmsprop, adam, adagrad } from "./optim";
import { compare_f32, select_f32 } from "./select";
import { pool2d_rows, avg_pool2d_grad_rows, max_pool2d_grad_rows, index_range, scatter_add_rows } from "./pool";
import { bn_sums_rows, bn_affine_rows } from "./batchnorm";
import { T_MOVE, T_UNARY_EXT, T_LOGICAL, T_PROD, T_ARGMIN } from "./abi";
import { strided_move, unary_ext, logical, prod3, argmin3 } from "./movement";
import { T_DW_CONV2D, T_DW_INPUT_GRAD, T_DW_FILTER_GRAD } from "./abi";
import { dw_conv2d_rows, dw_input_grad_rows, dw_filter_grad_rows } from "./depthwise";
import { pack_weights, filter_grad_partial_bytes, conv2d_rows, conv2d_filter_grad_rows, sum_partials, conv2d_input_grad_image } from "./conv";
import { winograd_transform_weights, winograd_conv_tiles, winograd_filter_grad_tiles, winograd_filter_grad_partial_bytes, winograd_filter_grad_finish } from "./winograd";

export { gemm_scratch_bytes, gemm_narrow_scratch_bytes, gemm_mr, gemm_nr } from "./gemm";
export { packed_weights_bytes, filter_grad_partial_bytes, conv_forward_scratch_bytes, conv_filter_grad_scratch_bytes, conv_input_grad_tile_bytes } from "./conv";
export { winograd_weights_bytes, winograd_scratch_bytes, winograd_filter_grad_partial_bytes, winograd_filter_grad_scratch_bytes } from "./winograd";
export { dw_scratch_bytes } from "./depthwise";

/** Bumped whenever the job ABI changes; the runtime checks it. */
export function abi_version(): i32 {
  return 3;
}

/** First byte after the module's static data; the JS allocator only hands out memory above it. */
export function heap_base(): usize {
  return __heap_base;
}

/** 1 in the build with relaxed SIMD (FMA), 0 in the plain SIMD build. */
export function relaxed_simd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

// Parameter accessors (k-th task parameter).
// @ts-ignore: decorator
@inline function I(j: usize, k: i32): i32 { return load<i32>(j + <usize>(J_P + k) * 4); }
// @ts-ignore: decorator
@inline function U(j: usize, k: i32): usize { return <usize>load<u32>(j + <usize>(J_P + k) * 4); }
// @ts-ignore: decorator
@inline function F(j: usize, k: i32): f32 { return load<f32>(j + <usize>(J_P + k) * 4); }
// @ts-ignore: decorator
@inline function H(j: usize, slot: i32): i32 { return load<i32>(j + <usize>slot * 4); }

function gemmChunk(j: usize, c: i32, cs: i32, scratch: usize, narrow: bool): void {
  const flags = I(j, 0);
  const transA = (flags & 1) != 0;
  const transB = (flags & 2) != 0;
  let M = I(j, 1), N = I(j, 2);
  const K = I(j, 3);
  const alpha = F(j, 4);
  let a = U(j, 5);
  const lda = I(j, 6);
  let b = U(j, 7);
  const ldb = I(j, 8);
  const beta = F(j, 9);
  let cp = U(j, 10);
  const rsc = I(j, 11), csc = I(j, 12);
  // chunk -> (matrix bi, tile row ti, tile column tj); tiles are cs rows x csN columns
  const csN = I(j, 20);
  const cpm = I(j, 21);
  const tilesN = I(j, 22);
  const bi = c / cpm;
  const s = c - bi * cpm;
  const ti = s / tilesN;
  const tj = s - ti * tilesN;
  a += <usize>bi * <usize>U(j, 17) * 4;
  b += <usize>bi * <usize>U(j, 18) * 4;
  cp += <usize>bi * <usize>U(j, 19) * 4;
  const m0 = ti * cs, n0 = tj * csN;
  M = (m0 + cs < M ? m0 + cs : M) - m0;
  N = (n0 + csN < N ? n0 + csN : N) - n0;
  a += <usize>(transA ? m0 : m0 * lda) * 4;
  b += <usize>(transB ? n0 * ldb : n0) * 4;
  cp += <usize>(m0 * rsc + n0 * csc) * 4;
  if (M <= 0 || N <= 0) return;
  if (narrow) sgemm_narrow(transA, transB, M, N, K, alpha, a, lda, b, ldb, beta, cp, rsc, csc, scratch);
  else sgemm_blocked(transA, transB, M, N, K, alpha, a, lda, b, ldb, beta, cp, rsc, scratch, I(j, 13), I(j, 14), I(j, 15));
}

function convChunk(j: usize, op: i32, c: i32, cs: i32, tid: i32): void {
  const scratch = <usize>load<u32>(j + J_SCRATCH * 4) + <usize>tid * <usize>load<u32>(j + J_SCRATCH_STRIDE * 4);
  const lo = c * cs;
  if (op == T_CONV2D_INPUT_GRAD) {
    const geometry = j + <usize>(J_P + 10) * 4;
    const hi = lo + cs < I(j, 3) ? lo + cs : I(j, 3);
    for (let n = lo; n < hi; n++) {
      conv2d_input_grad_image(U(j, 0), U(j, 1), U(j, 2), geometry, n, I(j, 4), I(j, 5), I(j, 6), scratch, I(j, 7), I(j, 8), I(j, 9));
    }
    return;
  }
  const geometry = j + <usize>(J_P + 8) * 4;
  const M = I(j, 3);
  const hi = lo + cs < M ? lo + cs : M;
  if (op == T_CONV2D) {
    conv2d_rows(U(j, 0), U(j, 1), U(j, 2), geometry, I(j, 4), I(j, 5), I(j, 6), I(j, 7), lo, hi, scratch);
  } else {
    const CO = I(j, 4), Kd = I(j, 5);
    const partial = U(j, 2) + <usize>c * <usize>filter_grad_partial_bytes(Kd, CO);
    conv2d_filter_grad_rows(U(j, 0), U(j, 1), partial, geometry, CO, Kd, I(j, 6), I(j, 7), lo, hi, scratch);
  }
}

function binaryChunk(j: usize, c: i32, cs: i32): void {
  const kind = I(j, 0), mode = I(j, 1);
  const a = U(j, 2), b = U(j, 3);
  const s = F(j, 4);
  const out = U(j, 5);
  const m = I(j, 6), n = I(j, 7), ld = I(j, 8);
  const lo = c * cs;
  if (I(j, 9) != 0) {
    // column range [lo, hi) of every row
    const hi = lo + cs < n ? lo + cs : n;
    const o = <usize>lo * 4;
    binary(kind, mode, a + o, mode <= 1 ? b + o : b, s, out + o, m, hi - lo, ld);
  } else {
    // row range [lo, hi)
    const hi = lo + cs < m ? lo + cs : m;
    const o = <usize>lo * <usize>ld * 4;
    const bo = mode == 0 ? b + o : (mode == 2 ? b + <usize>lo * 4 : b);
    binary(kind, mode, a + o, bo, s, out + o, hi - lo, n, ld);
  }
}

// @ts-ignore: decorator
@inline function rowsOf(j: usize, c: i32, cs: i32, mIdx: i32): i32 {
  const m = I(j, mIdx);
  const lo = c * cs;
  return (lo + cs < m ? lo + cs : m) - lo;
}

function runChunk(j: usize, op: i32, c: i32, cs: i32, tid: i32): void {
  const lo = c * cs;
  const eo = <usize>lo * 4; // byte offset of element/row-index lo
  switch (op) {
    case T_NOOP: break;
    case T_GEMM:
    case T_GEMM_NARROW: {
      const scratch = <usize>load<u32>(j + J_SCRATCH * 4) + <usize>tid * <usize>load<u32>(j + J_SCRATCH_STRIDE * 4);
      gemmChunk(j, c, cs, scratch, op == T_GEMM_NARROW);
      break;
    }
    case T_UNARY: {
      const n = I(j, 3);
      const cnt = (lo + cs < n ? lo + cs : n) - lo;
      unary(I(j, 0), U(j, 1) + eo, U(j, 2) + eo, cnt, F(j, 4), F(j, 5));
      break;
    }
    case T_BINARY: { binaryChunk(j, c, cs); break; }
    case T_REDUCE_ROWS: {
      const m = I(j, 3), n = I(j, 4);
      if (I(j, 6) != 0) {
        // column chunk of few long rows: partial results for all m rows at results + c*m*4
        const cnt = (lo + cs < n ? lo + cs : n) - lo;
        const res = <usize>load<u32>(j + J_RESULTS * 4) + <usize>c * <usize>m * 4;
        reduce_rows(I(j, 0), U(j, 1) + eo, res, m, cnt, n, F(j, 5));
      } else {
        const ro = <usize>lo * <usize>n * 4;
        reduce_rows(I(j, 0), U(j, 1) + ro, U(j, 2) + eo, rowsOf(j, c, cs, 3), n, n, F(j, 5));
      }
      break;
    }
    case T_REDUCE_COLS: {
      const n = I(j, 4);
      const cnt = (lo + cs < n ? lo + cs : n) - lo;
      reduce_cols(I(j, 0), U(j, 1) + eo, U(j, 2) + eo, I(j, 3), cnt, n, F(j, 5));
      break;
    }
    case T_ARGMAX_ROWS: {
      const n = I(j, 3);
      argmax_rows(U(j, 0) + <usize>lo * <usize>n * 4, U(j, 1) + eo, rowsOf(j, c, cs, 2), n, n);
      break;
    }
    case T_SOFTMAX_ROWS:
    case T_LOG_SOFTMAX_ROWS: {
      const n = I(j, 3);
      const ro = <usize>lo * <usize>n * 4;
      if (op == T_SOFTMAX_ROWS) softmax_rows(U(j, 0) + ro, U(j, 1) + ro, rowsOf(j, c, cs, 2), n);
      else log_softmax_rows(U(j, 0) + ro, U(j, 1) + ro, rowsOf(j, c, cs, 2), n);
      break;
    }
    case T_SOFTMAX_XENT: {
      const n = I(j, 4);
      const ro = <usize>lo * <usize>n * 4;
      const d = U(j, 2);
      const loss = softmax_xent(U(j, 0) + ro, U(j, 1) + eo, d ? d + ro : 0, rowsOf(j, c, cs, 3), n, F(j, 5));
      store<f64>(<usize>load<u32>(j + J_RESULTS * 4) + <usize>c * 8, loss);
      break;
    }
    case T_SOFTMAX_BWD_ROWS:
    case T_LOG_SOFTMAX_BWD_ROWS: {
      const n = I(j, 4);
      const ro = <usize>lo * <usize>n * 4;
      if (op == T_SOFTMAX_BWD_ROWS) softmax_bwd_rows(U(j, 0) + ro, U(j, 1) + ro, U(j, 2) + ro, rowsOf(j, c, cs, 3), n);
      else log_softmax_bwd_rows(U(j, 0) + ro, U(j, 1) + ro, U(j, 2) + ro, rowsOf(j, c, cs, 3), n);
      break;
    }
    case T_SGD: {
      const n = I(j, 3);
      const cnt = (lo + cs < n ? lo + cs : n) - lo;
      const v = U(j, 2);
      sgd(U(j, 0) + eo, U(j, 1) + eo, v ? v + eo : 0, cnt, F(j, 4), F(j, 5), F(j, 6), F(j, 7), I(j, 8));
      break;
    }
    case T_RMSPROP: {
      const n = I(j, 5);
      const cnt = (lo + cs < n ? lo + cs : n) - lo;
      const mom = U(j, 3), mg = U(j, 4);
      rmsprop(U(j, 0) + eo, U(j, 1) + eo, U(j, 2) + eo, mom ? mom + eo : 0, mg ? mg + eo : 0, cnt,
        F(j, 6), F(j, 7), F(j, 8), F(j, 9), F(j, 10), I(j, 11));
      break;
    }
    case T_ADAM: {
      const n = I(j, 5);
      const cnt = (lo + cs < n ? lo + cs : n) - lo;
      const vh = U(j, 4);
      adam(U(j, 0) + eo, U(j, 1) + eo, U(j, 2) + eo, U(j, 3) + eo, vh ? vh + eo : 0, cnt,
        F(j, 6), F(j, 7), F(j, 8), F(j, 9), F(j, 10), F(j, 11), I(j, 12));
      break;
    }
    case T_ADAGRAD: {
      const n = I(j, 3);
      const cnt = (lo + cs < n ? lo + cs : n) - lo;
      adagrad(U(j, 0) + eo, U(j, 1) + eo, U(j, 2) + eo, cnt, F(j, 4), F(j, 5), F(j, 6), I(j, 7));
      break;
    }
    case T_FILL: {
      const n = I(j, 1);
      fill(U(j, 0) + eo, (lo + cs < n ? lo + cs : n) - lo, F(j, 2));
      break;
    }
    case T_COPY: {
      // chunk in bytes
      const bytes = I(j, 2);
      const cnt = (lo + cs < bytes ? lo + cs : bytes) - lo;
      memory.copy(U(j, 1) + <usize>lo, U(j, 0) + <usize>lo, <usize>cnt);
      break;
    }
    case T_AXPY: {
      const n = I(j, 0);
      axpy((lo + cs < n ? lo + cs : n) - lo, F(j, 1), U(j, 2) + eo, F(j, 3), U(j, 4) + eo);
      break;
    }
    case T_TRANSPOSE: {
      // chunk = cs matrices (parameter 5 == 0), or a block of cs source rows of one matrix (else)
      const batch = I(j, 2), rows = I(j, 3), cols = I(j, 4);
      const mat = <usize>rows * <usize>cols * 4;
      if (I(j, 5) == 0) {
        const mo = <usize>lo * mat;
        transpose(U(j, 0) + mo, U(j, 1) + mo, (lo + cs < batch ? lo + cs : batch) - lo, rows, cols, 0, rows);
      } else {
        const blocks = (rows + cs - 1) / cs;
        const bi = c / blocks;
        const r0 = (c - bi * blocks) * cs;
        const r1 = r0 + cs < rows ? r0 + cs : rows;
        const mo = <usize>bi * mat;
        transpose(U(j, 0) + mo, U(j, 1) + mo, 1, rows, cols, r0, r1);
      }
      break;
    }
    case T_CAST_I32_F32: {
      const n = I(j, 2);
      cast_i32_f32(U(j, 0) + eo, U(j, 1) + eo, (lo + cs < n ? lo + cs : n) - lo);
      break;
    }
    case T_STRIDED_COPY: {
      // params: 0 src, 1 dst, 2 rank, 3 rows (prod of outer dims), 4..11 shape, 12..19 strides
      const rows = I(j, 3);
      const shape = j + <usize>(J_P + 4) * 4;
      const strides = j + <usize>(J_P + 12) * 4;
      strided_copy(U(j, 0), U(j, 1), I(j, 2), shape, strides, lo, lo + cs < rows ? lo + cs : rows);
      break;
    }
    case T_COMPARE_F32: {
      // params: 0 kind, 1 a, 2 a mode, 3 a scalar, 4 b, 5 b mode, 6 b scalar, 7 out (bytes), 8 n
      const n = I(j, 8);
      compare_f32(I(j, 0), U(j, 1), I(j, 2), F(j, 3), U(j, 4), I(j, 5), F(j, 6), U(j, 7), lo, lo + cs < n ? lo + cs : n);
      break;
    }
    case T_SELECT_F32: {
      // params: 0 cond (bytes), 1 a, 2 a mode, 3 a scalar, 4 b, 5 b mode, 6 b scalar, 7 out, 8 n
      const n = I(j, 8);
      select_f32(U(j, 0), U(j, 1), I(j, 2), F(j, 3), U(j, 4), I(j, 5), F(j, 6), U(j, 7), lo, lo + cs < n ? lo + cs : n);
      break;
    }
    case T_POOL2D:
    case T_AVG_POOL2D_GRAD:
    case T_MAX_POOL2D_GRAD: {
      // params: 0 kind (max grad: argmax), 1 src, 2 dst, 3 rows, 4..14 geometry block, 15 dy (abi.ts)
      const rows = I(j, 3);
      const hi = lo + cs < rows ? lo + cs : rows;
      const geometry = j + <usize>(J_P + 4) * 4;
      if (op == T_POOL2D) pool2d_rows(I(j, 0), U(j, 1), U(j, 2), U(j, 15), geometry, lo, hi);
      else if (op == T_AVG_POOL2D_GRAD) avg_pool2d_grad_rows(U(j, 1), U(j, 2), geometry, lo, hi);
      else max_pool2d_grad_rows(U(j, 1), U(j, 0), U(j, 2), geometry, lo, hi);
      break;
    }
    case T_INDEX_RANGE:
    case T_SCATTER_ADD: {
      // params: 0 g, 1 idx, 2 out, 3 n, 4 inner, 5 axis size
      const n = I(j, 3);
      const hi = lo + cs < n ? lo + cs : n;
      if (op == T_INDEX_RANGE) index_range(U(j, 1), I(j, 5), lo, hi, <usize>load<u32>(j + J_RESULTS * 4) + <usize>c * 8);
      else scatter_add_rows(U(j, 0), U(j, 1), U(j, 2), I(j, 4), I(j, 5), lo, hi);
      break;
    }
    case T_GATHER_ROWS: {
      // params: 0 src, 1 idx, 2 dst, 3 n, 4 row bytes, 5 axis size
      const n = I(j, 3);
      gather_rows(U(j, 0), U(j, 1), U(j, 2), I(j, 4), I(j, 5), lo, lo + cs < n ? lo + cs : n);
      break;
    }
    case T_CONV_PACK_WEIGHTS: { pack_weights(U(j, 0), U(j, 1), I(j, 2), I(j, 3), I(j, 4), I(j, 5) != 0); break; }
    case T_CONV2D:
    case T_CONV2D_FILTER_GRAD:
    case T_CONV2D_INPUT_GRAD: { convChunk(j, op, c, cs, tid); break; }
    case T_WINOGRAD_WEIGHTS: { winograd_transform_weights(U(j, 0), U(j, 1), I(j, 2), I(j, 3), I(j, 4) != 0); break; }
    case T_WINOGRAD_CONV: {
      const scratch = <usize>load<u32>(j + J_SCRATCH * 4) + <usize>tid * <usize>load<u32>(j + J_SCRATCH_STRIDE * 4);
      const tiles = I(j, 3);
      winograd_conv_tiles(U(j, 0), U(j, 1), U(j, 2), j + <usize>(J_P + 6) * 4, I(j, 4), I(j, 5), lo, lo + cs < tiles ? lo + cs : tiles, scratch);
      break;
    }
    case T_WINOGRAD_FILTER_GRAD: {
      const scratch = <usize>load<u32>(j + J_SCRATCH * 4) + <usize>tid * <usize>load<u32>(j + J_SCRATCH_STRIDE * 4);
      const geometry = j + <usize>(J_P + 6) * 4;
      const tiles = I(j, 3), CO = I(j, 4);
      const partial = U(j, 2) + <usize>c * <usize>winograd_filter_grad_partial_bytes(load<i32>(geometry, 8), CO);
      winograd_filter_grad_tiles(U(j, 0), U(j, 1), partial, geometry, CO, I(j, 5), lo, lo + cs < tiles ? lo + cs : tiles, scratch);
      break;
    }
    case T_WINOGRAD_FILTER_FINISH: {
      const C = I(j, 3);
      winograd_filter_grad_finish(U(j, 0), U(j, 1), I(j, 2), C, I(j, 4), U(j, 5), lo, lo + cs < C ? lo + cs : C);
      break;
    }
    case T_CONV_SUM_PARTIALS: {
      const rows = I(j, 6);
      sum_partials(U(j, 0), U(j, 1), I(j, 2), I(j, 3), I(j, 4), I(j, 5), lo, lo + cs < rows ? lo + cs : rows);
      break;
    }
    case T_BN_SUMS: {
      // params: 0 x, 1 dy, 2 shift, 3 M, 4 C; chunk c writes its float64 [2][C] sums at results + c * 16 * C
      const M = I(j, 3), C = I(j, 4);
      const sums = <usize>load<u32>(j + J_RESULTS * 4) + <usize>c * <usize>C * 16;
      bn_sums_rows(U(j, 0), U(j, 1), U(j, 2), sums, C, lo, lo + cs < M ? lo + cs : M);
      break;
    }
    case T_BN_AFFINE: {
      // params: 0 x, 1 dy, 2 coef, 3 out, 4 M, 5 C
      const M = I(j, 4);
      bn_affine_rows(U(j, 0), U(j, 1), U(j, 2), U(j, 3), I(j, 5), lo, lo + cs < M ? lo + cs : M);
      break;
    }
    case T_MOVE: {
      const rows = I(j, 3);
      const g = j + <usize>J_P * 4;
      strided_move(U(j, 0), U(j, 1), I(j, 2), g + 20, g + 52, g + 84, I(j, 4), lo, lo + cs < rows ? lo + cs : rows);
      break;
    }
    case T_UNARY_EXT: {
      const n = I(j, 3);
      const huge = unary_ext(I(j, 0), U(j, 1) + eo, U(j, 2) + eo, (lo + cs < n ? lo + cs : n) - lo);
      const res = <usize>load<u32>(j + J_RESULTS * 4);
      if (res) store<i32>(res + <usize>c * 4, huge);
      break;
    }
    case T_LOGICAL: {
      const n = I(j, 4);
      logical(I(j, 0), U(j, 1), U(j, 2), U(j, 3), I(j, 5), I(j, 6), lo, lo + cs < n ? lo + cs : n);
      break;
    }
    case T_PROD:
    case T_ARGMIN: {
      // chunks are outer slices, or (parameter 6) column ranges of every outer slice
      const outer = I(j, 2), inner = I(j, 4);
      const byCols = I(j, 6) != 0;
      const o0 = byCols ? 0 : lo, o1 = byCols ? outer : (lo + cs < outer ? lo + cs : outer);
      const c0 = byCols ? lo : 0, c1 = byCols ? (lo + cs < inner ? lo + cs : inner) : inner;
      if (op == T_PROD) prod3(U(j, 0), U(j, 1), I(j, 3), inner, o0, o1, c0, c1, I(j, 5) != 0);
      else argmin3(U(j, 0), U(j, 1), I(j, 3), inner, o0, o1, c0, c1, I(j, 5) != 0);
      break;
    }
    case T_DW_CONV2D:
    case T_DW_INPUT_GRAD:
    case T_DW_FILTER_GRAD: {
      // params: 0 src, 1 w / dy, 2 dst, 3 rows, 4 m, 5 partial stride, 6.. G (abi.ts)
      const rows = I(j, 3);
      const hi = lo + cs < rows ? lo + cs : rows;
      const geometry = j + <usize>(J_P + 6) * 4;
      const scratch = <usize>load<u32>(j + J_SCRATCH * 4) + <usize>tid * <usize>load<u32>(j + J_SCRATCH_STRIDE * 4);
      if (op == T_DW_CONV2D) dw_conv2d_rows(U(j, 0), U(j, 1), U(j, 2), I(j, 4), geometry, lo, hi, scratch);
      else if (op == T_DW_INPUT_GRAD) dw_input_grad_rows(U(j, 0), U(j, 1), U(j, 2), I(j, 4), geometry, lo, hi, scratch);
      else dw_filter_grad_rows(U(j, 0), U(j, 1), U(j, 2) + <usize>c * <usize>U(j, 5) * 4, I(j, 4), geometry, lo, hi);
      break;
    }
    default: unreachable();
  }
}

/**
 * Runs chunks of the job at `j` until none are left. Safe to call from any number of threads at
 * once (each chunk is claimed by exactly one of them). Returns how many chunks this call ran.
 */
export function run_job(j: usize, tid: i32): i32 {
  const op = H(j, J_OP);
  const n = H(j, J_NCHUNKS);
  const cs = H(j, J_CHUNK);
  let done = 0;
  for (;;) {
    const c = atomic.add<i32>(j + J_COUNTER * 4, 1);
    if (c >= n) break;
    runChunk(j, op, c, cs, tid);
    done++;
  }
  return done;
}
