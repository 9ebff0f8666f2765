// Entry point of the deepts WebAssembly kernel module.
//
// Memory: imported, shared (env.memory). This module allocates nothing and has no data segments:
// every buffer is a byte offset chosen by the JS allocator above heap_base(). Each thread (main
// thread and pool workers) instantiates this module on the same memory and executes tasks with
// run_task(argBlock), where argBlock is an ARG_BYTES block laid out as documented in abi.ts.
import {
  T_NOOP, T_GEMM, T_GEMM_NARROW, T_UNARY, T_BINARY, T_BIAS_RELU, T_REDUCE_ROWS, T_REDUCE_COLS,
  T_ARGMAX_ROWS, T_SOFTMAX_ROWS, T_LOG_SOFTMAX_ROWS, T_SOFTMAX_XENT, T_SOFTMAX_BWD_ROWS,
  T_LOG_SOFTMAX_BWD_ROWS, T_SGD, T_RMSPROP, T_ADAM, T_ADAGRAD, T_FILL, T_COPY, T_AXPY, T_TRANSPOSE,
  T_CAST_I32_F32,
} from "./abi";
import { sgemm_blocked, sgemm_narrow } from "./gemm";
import { bias_relu, fill, axpy, transpose, cast_i32_f32 } from "./elementwise";
import { unary, binary } from "./elementwise_loops";
import { reduce_rows, reduce_cols, argmax_rows } from "./reduce";
import { softmax_rows, log_softmax_rows, softmax_xent, softmax_bwd_rows, log_softmax_bwd_rows } from "./softmax";
import { sgd, rmsprop, adam, adagrad } from "./optim";

export { gemm_scratch_bytes, gemm_narrow_scratch_bytes, gemm_mr, gemm_nr } from "./gemm";

/** Bumped whenever the task ABI changes; the runtime checks it. */
export function abi_version(): i32 {
  return 1;
}

/** First byte after the module's static data; the JS allocator only hands out memory above it. */
export function heap_base(): usize {
  return __heap_base;
}

/** 1 in the build with relaxed SIMD (FMA), 0 in the plain SIMD build. */
export function relaxed_simd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

// @ts-ignore: decorator
@inline function I(p: usize, k: i32): i32 { return load<i32>(p + <usize>k * 4); }
// @ts-ignore: decorator
@inline function U(p: usize, k: i32): usize { return <usize>load<u32>(p + <usize>k * 4); }
// @ts-ignore: decorator
@inline function F(p: usize, k: i32): f32 { return load<f32>(p + <usize>k * 4); }

function gemmTask(p: usize, narrow: bool): void {
  const flags = I(p, 1);
  const transA = (flags & 1) != 0;
  const transB = (flags & 2) != 0;
  const M = I(p, 2), N = I(p, 3), K = I(p, 4);
  const alpha = F(p, 5);
  let a = U(p, 6);
  const lda = I(p, 7);
  let b = U(p, 8);
  const ldb = I(p, 9);
  const beta = F(p, 10);
  let c = U(p, 11);
  const ldc = I(p, 12);
  const scratch = U(p, 13);
  const batch = I(p, 17);
  const sA = <usize>U(p, 18) * 4, sB = <usize>U(p, 19) * 4, sC = <usize>U(p, 20) * 4;
  for (let bi = 0; bi < batch; bi++) {
    if (narrow) sgemm_narrow(transA, transB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc, I(p, 14), scratch);
    else sgemm_blocked(transA, transB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc, scratch, I(p, 14), I(p, 15), I(p, 16));
    a += sA;
    b += sB;
    c += sC;
  }
}

/** Executes one task described by the argument block at p (see abi.ts). */
export function run_task(p: usize): void {
  switch (I(p, 0)) {
    case T_NOOP: break;
    case T_GEMM: { gemmTask(p, false); break; }
    case T_GEMM_NARROW: { gemmTask(p, true); break; }
    case T_UNARY: { unary(I(p, 1), U(p, 2), U(p, 3), I(p, 4), F(p, 5), F(p, 6)); break; }
    case T_BINARY: { binary(I(p, 1), I(p, 2), U(p, 3), U(p, 4), F(p, 5), U(p, 6), I(p, 7), I(p, 8), I(p, 9)); break; }
    case T_BIAS_RELU: { bias_relu(U(p, 1), U(p, 2), U(p, 3), I(p, 4), I(p, 5), I(p, 6)); break; }
    case T_REDUCE_ROWS: { reduce_rows(I(p, 1), U(p, 2), U(p, 3), I(p, 4), I(p, 5), I(p, 6), F(p, 7)); break; }
    case T_REDUCE_COLS: { reduce_cols(I(p, 1), U(p, 2), U(p, 3), I(p, 4), I(p, 5), I(p, 6), F(p, 7)); break; }
    case T_ARGMAX_ROWS: { argmax_rows(U(p, 1), U(p, 2), I(p, 3), I(p, 4), I(p, 5)); break; }
    case T_SOFTMAX_ROWS: { softmax_rows(U(p, 1), U(p, 2), I(p, 3), I(p, 4)); break; }
    case T_LOG_SOFTMAX_ROWS: { log_softmax_rows(U(p, 1), U(p, 2), I(p, 3), I(p, 4)); break; }
    case T_SOFTMAX_XENT: {
      store<f64>(p + 32, softmax_xent(U(p, 1), U(p, 2), U(p, 3), I(p, 4), I(p, 5), F(p, 6)));
      break;
    }
    case T_SOFTMAX_BWD_ROWS: { softmax_bwd_rows(U(p, 1), U(p, 2), U(p, 3), I(p, 4), I(p, 5)); break; }
    case T_LOG_SOFTMAX_BWD_ROWS: { log_softmax_bwd_rows(U(p, 1), U(p, 2), U(p, 3), I(p, 4), I(p, 5)); break; }
    case T_SGD: { sgd(U(p, 1), U(p, 2), U(p, 3), I(p, 4), F(p, 5), F(p, 6), F(p, 7), F(p, 8), I(p, 9)); break; }
    case T_RMSPROP: {
      rmsprop(U(p, 1), U(p, 2), U(p, 3), U(p, 4), U(p, 5), I(p, 6), F(p, 7), F(p, 8), F(p, 9), F(p, 10), F(p, 11), I(p, 12));
      break;
    }
    case T_ADAM: {
      adam(U(p, 1), U(p, 2), U(p, 3), U(p, 4), U(p, 5), I(p, 6), F(p, 7), F(p, 8), F(p, 9), F(p, 10), F(p, 11), F(p, 12), I(p, 13));
      break;
    }
    case T_ADAGRAD: { adagrad(U(p, 1), U(p, 2), U(p, 3), I(p, 4), F(p, 5), F(p, 6), F(p, 7), I(p, 8)); break; }
    case T_FILL: { fill(U(p, 1), I(p, 2), F(p, 3)); break; }
    case T_COPY: { memory.copy(U(p, 2), U(p, 1), U(p, 3)); break; }
    case T_AXPY: { axpy(I(p, 1), F(p, 2), U(p, 3), F(p, 4), U(p, 5)); break; }
    case T_TRANSPOSE: { transpose(U(p, 1), U(p, 2), I(p, 3), I(p, 4), I(p, 5)); break; }
    case T_CAST_I32_F32: { cast_i32_f32(U(p, 1), U(p, 2), I(p, 3)); break; }
    default: unreachable();
  }
}
