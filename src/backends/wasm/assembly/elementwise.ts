// Contiguous float32 elementwise kernels (SIMD). All pointers are byte offsets; n/m are element counts.
// Output may alias an input (in-place) as each element is read before it is written.
import { madd, splat } from "./simd";
import { vexp, vlog, vlog1p, vexpm1, vtanh, vsigmoid, vsoftplus, vpow } from "./mathf";

// ---------------------------------------------------------------------------------------------
// Partial vectors for loop tails (cnt in 1..3).

// @ts-ignore: decorator
@inline export function loadPartial(p: usize, cnt: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (cnt > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (cnt > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// @ts-ignore: decorator
@inline export function storePartial(p: usize, v: v128, cnt: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (cnt > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (cnt > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

// ---------------------------------------------------------------------------------------------
// Per-op SIMD expressions. The loops that apply them (unary(), binary()) are generated into
// elementwise_loops.ts by scripts/gen-wasm-elementwise.mjs: one specialised loop per op, so the op
// is resolved once per call, not per vector. Names follow abi.ts: U_LEAKY_RELU -> u_leaky_relu.
// Unary ops get (x, alpha, beta) splats; binary ops get (a, b).

// @ts-ignore: decorator
@inline export function u_copy(x: v128, a: v128, b: v128): v128 { return x; }
// @ts-ignore: decorator
@inline export function u_neg(x: v128, a: v128, b: v128): v128 { return f32x4.neg(x); }
// @ts-ignore: decorator
@inline export function u_abs(x: v128, a: v128, b: v128): v128 { return f32x4.abs(x); }
// @ts-ignore: decorator
@inline export function u_sqrt(x: v128, a: v128, b: v128): v128 { return f32x4.sqrt(x); }
// @ts-ignore: decorator
@inline export function u_exp(x: v128, a: v128, b: v128): v128 { return vexp(x); }
// @ts-ignore: decorator
@inline export function u_log(x: v128, a: v128, b: v128): v128 { return vlog(x); }
// @ts-ignore: decorator
@inline export function u_tanh(x: v128, a: v128, b: v128): v128 { return vtanh(x); }
// @ts-ignore: decorator
@inline export function u_sigmoid(x: v128, a: v128, b: v128): v128 { return vsigmoid(x); }
// pmax(x, 0) = x < 0 ? 0 : x: one maxps, keeps NaN (and -0).
// @ts-ignore: decorator
@inline export function u_relu(x: v128, a: v128, b: v128): v128 { return f32x4.pmax(x, splat(0)); }
// @ts-ignore: decorator
@inline export function u_square(x: v128, a: v128, b: v128): v128 { return f32x4.mul(x, x); }
// @ts-ignore: decorator
@inline export function u_reciprocal(x: v128, a: v128, b: v128): v128 { return f32x4.div(splat(1.0), x); }
// @ts-ignore: decorator
@inline export function u_rsqrt(x: v128, a: v128, b: v128): v128 { return f32x4.div(splat(1.0), f32x4.sqrt(x)); }
// @ts-ignore: decorator
@inline export function u_softplus(x: v128, a: v128, b: v128): v128 { return vsoftplus(x); }
// sign: +-1 for nonzero, keeps +-0 and NaN.
// @ts-ignore: decorator
@inline export function u_sign(x: v128, a: v128, b: v128): v128 {
  const gt = f32x4.gt(x, splat(0));
  const lt = f32x4.lt(x, splat(0));
  const r = v128.or(v128.and(gt, splat(1.0)), v128.and(lt, splat(-1.0)));
  return v128.bitselect(r, x, v128.or(gt, lt));
}
// @ts-ignore: decorator
@inline export function u_floor(x: v128, a: v128, b: v128): v128 { return f32x4.floor(x); }
// @ts-ignore: decorator
@inline export function u_ceil(x: v128, a: v128, b: v128): v128 { return f32x4.ceil(x); }
// @ts-ignore: decorator
@inline export function u_round(x: v128, a: v128, b: v128): v128 { return f32x4.nearest(x); }
// @ts-ignore: decorator
@inline export function u_trunc(x: v128, a: v128, b: v128): v128 { return f32x4.trunc(x); }
// @ts-ignore: decorator
@inline export function u_leaky_relu(x: v128, a: v128, b: v128): v128 {
  return v128.bitselect(x, f32x4.mul(x, a), f32x4.gt(x, splat(0)));
}
// @ts-ignore: decorator
@inline export function u_elu(x: v128, a: v128, b: v128): v128 {
  return v128.bitselect(x, f32x4.mul(vexpm1(x), a), f32x4.gt(x, splat(0)));
}
// 0.5 (1 + tanh(u)) = sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3)
// @ts-ignore: decorator
@inline export function u_gelu_tanh(x: v128, a: v128, b: v128): v128 {
  const x3 = f32x4.mul(f32x4.mul(x, x), x);
  const u2 = f32x4.mul(madd(x3, splat(0.044715), x), splat(1.5957691216057308));
  return f32x4.mul(x, vsigmoid(u2));
}
// @ts-ignore: decorator
@inline export function u_silu(x: v128, a: v128, b: v128): v128 { return f32x4.mul(x, vsigmoid(x)); }
// @ts-ignore: decorator
@inline export function u_log1p(x: v128, a: v128, b: v128): v128 { return vlog1p(x); }
// @ts-ignore: decorator
@inline export function u_expm1(x: v128, a: v128, b: v128): v128 { return vexpm1(x); }
// @ts-ignore: decorator
@inline export function u_clip(x: v128, a: v128, b: v128): v128 { return f32x4.pmin(f32x4.pmax(x, a), b); }
// @ts-ignore: decorator
@inline export function u_relu6(x: v128, a: v128, b: v128): v128 { return f32x4.pmin(f32x4.pmax(x, splat(0)), splat(6.0)); }
// @ts-ignore: decorator
@inline export function u_scale_shift(x: v128, a: v128, b: v128): v128 { return madd(x, a, b); }
// @ts-ignore: decorator
@inline export function u_pow_scalar(x: v128, a: v128, b: v128): v128 { return vpow(x, a); }
// @ts-ignore: decorator
@inline export function u_hard_sigmoid(x: v128, a: v128, b: v128): v128 {
  return f32x4.pmin(f32x4.pmax(madd(x, splat(0.16666666666666666), splat(0.5)), splat(0)), splat(1.0));
}

// @ts-ignore: decorator
@inline export function b_add(a: v128, b: v128): v128 { return f32x4.add(a, b); }
// @ts-ignore: decorator
@inline export function b_sub(a: v128, b: v128): v128 { return f32x4.sub(a, b); }
// @ts-ignore: decorator
@inline export function b_mul(a: v128, b: v128): v128 { return f32x4.mul(a, b); }
// @ts-ignore: decorator
@inline export function b_div(a: v128, b: v128): v128 { return f32x4.div(a, b); }
// @ts-ignore: decorator
@inline export function b_max(a: v128, b: v128): v128 { return f32x4.max(a, b); }
// @ts-ignore: decorator
@inline export function b_min(a: v128, b: v128): v128 { return f32x4.min(a, b); }
// @ts-ignore: decorator
@inline export function b_pow(a: v128, b: v128): v128 { return vpow(a, b); }
// @ts-ignore: decorator
@inline export function b_relu_bwd(a: v128, b: v128): v128 { return v128.and(a, f32x4.gt(b, splat(0))); }
// @ts-ignore: decorator
@inline export function b_sigmoid_bwd(a: v128, b: v128): v128 { return f32x4.mul(f32x4.mul(a, b), f32x4.sub(splat(1.0), b)); }
// @ts-ignore: decorator
@inline export function b_tanh_bwd(a: v128, b: v128): v128 { return f32x4.mul(a, f32x4.sub(splat(1.0), f32x4.mul(b, b))); }
// @ts-ignore: decorator
@inline export function b_squared_diff(a: v128, b: v128): v128 { const d = f32x4.sub(a, b); return f32x4.mul(d, d); }
// @ts-ignore: decorator
@inline export function b_gt(a: v128, b: v128): v128 { return v128.and(f32x4.gt(a, b), splat(1.0)); }
// @ts-ignore: decorator
@inline export function b_ge(a: v128, b: v128): v128 { return v128.and(f32x4.ge(a, b), splat(1.0)); }
// @ts-ignore: decorator
@inline export function b_lt(a: v128, b: v128): v128 { return v128.and(f32x4.lt(a, b), splat(1.0)); }
// @ts-ignore: decorator
@inline export function b_le(a: v128, b: v128): v128 { return v128.and(f32x4.le(a, b), splat(1.0)); }
// @ts-ignore: decorator
@inline export function b_eq(a: v128, b: v128): v128 { return v128.and(f32x4.eq(a, b), splat(1.0)); }
// @ts-ignore: decorator
@inline export function b_ne(a: v128, b: v128): v128 { return v128.and(f32x4.ne(a, b), splat(1.0)); }
// @ts-ignore: decorator
@inline export function b_add_relu(a: v128, b: v128): v128 { return f32x4.pmax(f32x4.add(a, b), splat(0)); }

/** x[0:n] = value */
export function fill(x: usize, n: i32, value: f32): void {
  if (value == 0 && reinterpret<i32>(value) == 0) {
    memory.fill(x, 0, <usize>n * 4);
    return;
  }
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + <usize>i * 4, v);
  for (; i < n; i++) store<f32>(x + <usize>i * 4, value);
}

/** y = alpha * x + beta * y (beta == 0: y is not read). */
export function axpy(n: i32, alpha: f32, x: usize, beta: f32, y: usize): void {
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  let i = 0;
  if (beta == 0) {
    for (; i + 4 <= n; i += 4) v128.store(y + <usize>i * 4, f32x4.mul(v128.load(x + <usize>i * 4), va));
    for (; i < n; i++) store<f32>(y + <usize>i * 4, alpha * load<f32>(x + <usize>i * 4));
  } else if (beta == 1) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i * 4;
      v128.store(y + o, madd(v128.load(x + o), va, v128.load(y + o)));
    }
    for (; i < n; i++) store<f32>(y + <usize>i * 4, alpha * load<f32>(x + <usize>i * 4) + load<f32>(y + <usize>i * 4));
  } else {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i * 4;
      v128.store(y + o, madd(v128.load(x + o), va, f32x4.mul(v128.load(y + o), vb)));
    }
    for (; i < n; i++) {
      const o = <usize>i * 4;
      store<f32>(y + o, alpha * load<f32>(x + o) + beta * load<f32>(y + o));
    }
  }
}

/**
 * Batched 2-D transpose: for each of `batch` matrices, dst[j, i] = src[i, j] with src rows x cols,
 * restricted to source rows [r0, r1). Consecutive matrices are rows*cols elements apart in both src
 * and dst. 32x32 tiles of 4x4 SIMD transposes.
 */
export function transpose(src: usize, dst: usize, batch: i32, rows: i32, cols: i32, r0: i32, r1: i32): void {
  const mat = <usize>rows * <usize>cols * 4;
  const sB = <usize>cols * 4;
  const dB = <usize>rows * 4;
  for (let bi = 0; bi < batch; bi++) {
    const s0 = src + <usize>bi * mat;
    const d0 = dst + <usize>bi * mat;
    // Tiles of 32 x 32 keep both sides in L1.
    for (let ib = r0; ib < r1; ib += 32) {
      const ie = ib + 32 < rows ? ib + 32 : rows;
      for (let jb = 0; jb < cols; jb += 32) {
        const je = jb + 32 < cols ? jb + 32 : cols;
        let i = ib;
        for (; i + 4 <= ie; i += 4) {
          let j = jb;
          for (; j + 4 <= je; j += 4) {
            const s = s0 + <usize>i * sB + <usize>j * 4;
            const r0 = v128.load(s);
            const r1 = v128.load(s + sB);
            const r2 = v128.load(s + 2 * sB);
            const r3 = v128.load(s + 3 * sB);
            const t01lo = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
            const t23lo = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
            const t01hi = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
            const t23hi = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
            const d = d0 + <usize>j * dB + <usize>i * 4;
            v128.store(d, v128.shuffle<f32>(t01lo, t23lo, 0, 1, 4, 5));
            v128.store(d + dB, v128.shuffle<f32>(t01lo, t23lo, 2, 3, 6, 7));
            v128.store(d + 2 * dB, v128.shuffle<f32>(t01hi, t23hi, 0, 1, 4, 5));
            v128.store(d + 3 * dB, v128.shuffle<f32>(t01hi, t23hi, 2, 3, 6, 7));
          }
          for (; j < je; j++) {
            for (let r = 0; r < 4; r++) {
              store<f32>(d0 + <usize>j * dB + <usize>(i + r) * 4, load<f32>(s0 + <usize>(i + r) * sB + <usize>j * 4));
            }
          }
        }
        for (; i < ie; i++) {
          for (let j = jb; j < je; j++) {
            store<f32>(d0 + <usize>j * dB + <usize>i * 4, load<f32>(s0 + <usize>i * sB + <usize>j * 4));
          }
        }
      }
    }
  }
}

/** out[i] = f32(x[i]) for int32 x. */
export function cast_i32_f32(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, f32x4.convert_i32x4_s(v128.load(x + <usize>i * 4)));
  for (; i < n; i++) store<f32>(out + <usize>i * 4, <f32>load<i32>(x + <usize>i * 4));
}

/**
 * Copies a strided view of 4-byte elements into a contiguous buffer: dst is the row-major array of
 * shape[0..rank), element (i0, ..., i_{r-1}) read from src + 4 * sum_d i_d * strides[d] (strides in
 * elements, may be 0 for broadcast dims or negative). Only rows [row0, row1) of the flattened
 * (prod(shape[0..rank-1)) x shape[rank-1]) output are written. shape/strides point to i32 arrays.
 */
export function strided_copy(src: usize, dst: usize, rank: i32, shape: usize, strides: usize, row0: i32, row1: i32): void {
  if (rank == 0) {
    if (row0 == 0 && row1 > 0) store<u32>(dst, load<u32>(src));
    return;
  }
  const n = load<i32>(shape + <usize>(rank - 1) * 4);
  const sInner = load<i32>(strides + <usize>(rank - 1) * 4);
  // Starting multi-index of row0 over the outer dims, and its source offset (elements).
  let off: isize = 0;
  let rem = row0;
  for (let d = rank - 2; d >= 0; d--) {
    const sz = load<i32>(shape + <usize>d * 4);
    const q = rem / sz;
    const i = rem - q * sz;
    off += <isize>i * <isize>load<i32>(strides + <usize>d * 4);
    rem = q;
  }
  let out = dst + <usize>row0 * <usize>n * 4;
  // idx[] of the outer dims lives in a small stack-free form: recompute increments with an odometer.
  // rank <= 8: keep the counters in locals.
  let i0 = 0, i1 = 0, i2 = 0, i3 = 0, i4 = 0, i5 = 0, i6 = 0;
  {
    let r = row0;
    for (let d = rank - 2; d >= 0; d--) {
      const sz = load<i32>(shape + <usize>d * 4);
      const q = r / sz;
      const i = r - q * sz;
      if (d == 0) i0 = i; else if (d == 1) i1 = i; else if (d == 2) i2 = i; else if (d == 3) i3 = i;
      else if (d == 4) i4 = i; else if (d == 5) i5 = i; else i6 = i;
      r = q;
    }
  }
  for (let row = row0; row < row1; row++) {
    const s = src + <usize>(off * 4);
    if (sInner == 1) {
      memory.copy(out, s, <usize>n * 4);
    } else if (sInner == 0) {
      const v = load<u32>(s);
      const vv = i32x4.splat(v);
      let j = 0;
      for (; j + 4 <= n; j += 4) v128.store(out + <usize>j * 4, vv);
      for (; j < n; j++) store<u32>(out + <usize>j * 4, v);
    } else {
      const sb = <isize>sInner * 4;
      let p = s;
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        store<u32>(out + <usize>j * 4, load<u32>(p));
        store<u32>(out + <usize>j * 4, load<u32>(p + sb), 4);
        store<u32>(out + <usize>j * 4, load<u32>(p + 2 * sb), 8);
        store<u32>(out + <usize>j * 4, load<u32>(p + 3 * sb), 12);
        p += 4 * sb;
      }
      for (; j < n; j++) {
        store<u32>(out + <usize>j * 4, load<u32>(p));
        p += sb;
      }
    }
    out += <usize>n * 4;
    // odometer over the outer dims (last outer dim fastest)
    let d = rank - 2;
    while (d >= 0) {
      const sz = load<i32>(shape + <usize>d * 4);
      const st = <isize>load<i32>(strides + <usize>d * 4);
      let i: i32;
      if (d == 0) i = ++i0; else if (d == 1) i = ++i1; else if (d == 2) i = ++i2; else if (d == 3) i = ++i3;
      else if (d == 4) i = ++i4; else if (d == 5) i = ++i5; else i = ++i6;
      off += st;
      if (i < sz) break;
      off -= st * <isize>sz;
      if (d == 0) i0 = 0; else if (d == 1) i1 = 0; else if (d == 2) i2 = 0; else if (d == 3) i3 = 0;
      else if (d == 4) i4 = 0; else if (d == 5) i5 = 0; else i6 = 0;
      d--;
    }
  }
}

/**
 * Row gather along axis 0: dst row j = src row idx[j] for j in [j0, j1); rows are rowBytes long,
 * indices int32 in [-size, size) (negative counts from the end; the caller checked the range).
 */
export function gather_rows(src: usize, idx: usize, dst: usize, rowBytes: i32, size: i32, j0: i32, j1: i32): void {
  const rb = <usize>rowBytes;
  for (let j = j0; j < j1; j++) {
    let k = load<i32>(idx + (<usize>j << 2));
    if (k < 0) k += size;
    memory.copy(dst + <usize>j * rb, src + <usize>k * rb, rb);
  }
}
