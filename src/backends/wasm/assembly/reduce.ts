// Reductions over a row-major m x n float32 matrix whose rows are `ld` elements apart.
import { R_SUM, R_MAX, R_MIN, R_SUMSQ } from "./abi";
import { hsum, hmax } from "./simd";
import { loadPartial } from "./elementwise";

// @ts-ignore: decorator
@inline const INF: f32 = Infinity;

// @ts-ignore: decorator
@inline export function rowSum(p: usize, n: i32): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const o = <usize>j * 4;
    s0 = f32x4.add(s0, v128.load(p + o));
    s1 = f32x4.add(s1, v128.load(p + o, 16));
    s2 = f32x4.add(s2, v128.load(p + o, 32));
    s3 = f32x4.add(s3, v128.load(p + o, 48));
  }
  for (; j + 4 <= n; j += 4) s0 = f32x4.add(s0, v128.load(p + <usize>j * 4));
  if (j < n) s1 = f32x4.add(s1, loadPartial(p + <usize>j * 4, n - j));
  return hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
}

// @ts-ignore: decorator
@inline function rowSumSq(p: usize, n: i32): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const o = <usize>j * 4;
    const a = v128.load(p + o);
    const b = v128.load(p + o, 16);
    s0 = f32x4.add(s0, f32x4.mul(a, a));
    s1 = f32x4.add(s1, f32x4.mul(b, b));
  }
  for (; j + 4 <= n; j += 4) {
    const a = v128.load(p + <usize>j * 4);
    s0 = f32x4.add(s0, f32x4.mul(a, a));
  }
  if (j < n) {
    const a = loadPartial(p + <usize>j * 4, n - j);
    s1 = f32x4.add(s1, f32x4.mul(a, a));
  }
  return hsum(f32x4.add(s0, s1));
}

// Max/min use pmax/pmin (one maxps/minps; the NaN-exact f32x4.max/min cost ~7 instructions on x64)
// and track NaN separately with an unordered-compare mask.

/** Max of a row (NaN if any element is NaN; -inf for n == 0). */
// @ts-ignore: decorator
@inline export function rowMax(p: usize, n: i32): f32 {
  let m0 = f32x4.splat(-INF), m1 = f32x4.splat(-INF);
  let nan = f32x4.splat(0);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const o = <usize>j * 4;
    const a = v128.load(p + o), b = v128.load(p + o, 16);
    m0 = f32x4.pmax(m0, a);
    m1 = f32x4.pmax(m1, b);
    nan = v128.or(nan, v128.or(f32x4.ne(a, a), f32x4.ne(b, b)));
  }
  for (; j + 4 <= n; j += 4) {
    const a = v128.load(p + <usize>j * 4);
    m0 = f32x4.pmax(m0, a);
    nan = v128.or(nan, f32x4.ne(a, a));
  }
  let r = hmax(f32x4.pmax(m0, m1));
  if (v128.any_true(nan)) return NaN;
  for (; j < n; j++) {
    const v = load<f32>(p + <usize>j * 4);
    r = v != v ? v : (v > r ? v : r);
  }
  return r;
}

// @ts-ignore: decorator
@inline function rowMin(p: usize, n: i32): f32 {
  let m0 = f32x4.splat(INF), m1 = f32x4.splat(INF);
  let nan = f32x4.splat(0);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const o = <usize>j * 4;
    const a = v128.load(p + o), b = v128.load(p + o, 16);
    m0 = f32x4.pmin(m0, a);
    m1 = f32x4.pmin(m1, b);
    nan = v128.or(nan, v128.or(f32x4.ne(a, a), f32x4.ne(b, b)));
  }
  for (; j + 4 <= n; j += 4) {
    const a = v128.load(p + <usize>j * 4);
    m0 = f32x4.pmin(m0, a);
    nan = v128.or(nan, f32x4.ne(a, a));
  }
  const m = f32x4.pmin(m0, m1);
  const s = f32x4.pmin(m, v128.shuffle<f32>(m, m, 2, 3, 0, 1));
  let r = f32x4.extract_lane(f32x4.pmin(s, v128.shuffle<f32>(s, s, 1, 0, 3, 2)), 0);
  if (v128.any_true(nan)) return NaN;
  for (; j < n; j++) {
    const v = load<f32>(p + <usize>j * 4);
    r = v != v ? v : (v < r ? v : r);
  }
  return r;
}

/** out[i] = reduce(x[i, 0:n]) (times alpha for SUM/SUMSQ). */
export function reduce_rows(kind: i32, x: usize, out: usize, m: i32, n: i32, ld: i32, alpha: f32): void {
  for (let i = 0; i < m; i++) {
    const p = x + <usize>i * <usize>ld * 4;
    let r: f32 = 0;
    if (kind == R_SUM) r = alpha * rowSum(p, n);
    else if (kind == R_MAX) r = rowMax(p, n);
    else if (kind == R_MIN) r = rowMin(p, n);
    else r = alpha * rowSumSq(p, n);
    store<f32>(out + <usize>i * 4, r);
  }
}

/**
 * out[j] = reduce over i of x[i, j] (times alpha for SUM/SUMSQ), j in [0, n). Sums are accumulated
 * in blocks of 128 rows to limit float32 error growth.
 */
export function reduce_cols(kind: i32, x: usize, out: usize, m: i32, n: i32, ld: i32, alpha: f32): void {
  const ldB = <usize>ld * 4;
  const isSum = kind == R_SUM || kind == R_SUMSQ;
  const sq = kind == R_SUMSQ;
  const init: f32 = isSum ? 0 : (kind == R_MAX ? -INF : INF);
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    let t0 = f32x4.splat(init), t1 = t0, t2 = t0, t3 = t0;
    let p = x + <usize>j * 4;
    if (isSum) {
      for (let ib = 0; ib < m; ib += 128) {
        const ie = ib + 128 < m ? ib + 128 : m;
        let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
        for (let i = ib; i < ie; i++) {
          let a0 = v128.load(p), a1 = v128.load(p, 16), a2 = v128.load(p, 32), a3 = v128.load(p, 48);
          if (sq) { a0 = f32x4.mul(a0, a0); a1 = f32x4.mul(a1, a1); a2 = f32x4.mul(a2, a2); a3 = f32x4.mul(a3, a3); }
          s0 = f32x4.add(s0, a0); s1 = f32x4.add(s1, a1); s2 = f32x4.add(s2, a2); s3 = f32x4.add(s3, a3);
          p += ldB;
        }
        t0 = f32x4.add(t0, s0); t1 = f32x4.add(t1, s1); t2 = f32x4.add(t2, s2); t3 = f32x4.add(t3, s3);
      }
      const va = f32x4.splat(alpha);
      t0 = f32x4.mul(t0, va); t1 = f32x4.mul(t1, va); t2 = f32x4.mul(t2, va); t3 = f32x4.mul(t3, va);
    } else if (kind == R_MAX) {
      for (let i = 0; i < m; i++) {
        t0 = f32x4.max(t0, v128.load(p)); t1 = f32x4.max(t1, v128.load(p, 16));
        t2 = f32x4.max(t2, v128.load(p, 32)); t3 = f32x4.max(t3, v128.load(p, 48));
        p += ldB;
      }
    } else {
      for (let i = 0; i < m; i++) {
        t0 = f32x4.min(t0, v128.load(p)); t1 = f32x4.min(t1, v128.load(p, 16));
        t2 = f32x4.min(t2, v128.load(p, 32)); t3 = f32x4.min(t3, v128.load(p, 48));
        p += ldB;
      }
    }
    const o = out + <usize>j * 4;
    v128.store(o, t0); v128.store(o, t1, 16); v128.store(o, t2, 32); v128.store(o, t3, 48);
  }
  for (; j < n; j++) {
    let p = x + <usize>j * 4;
    let t: f32 = init;
    if (isSum) {
      for (let ib = 0; ib < m; ib += 128) {
        const ie = ib + 128 < m ? ib + 128 : m;
        let s: f32 = 0;
        for (let i = ib; i < ie; i++) {
          const v = load<f32>(p);
          s += sq ? v * v : v;
          p += ldB;
        }
        t += s;
      }
      t *= alpha;
    } else if (kind == R_MAX) {
      for (let i = 0; i < m; i++) {
        const v = load<f32>(p);
        t = v != v || t != t ? v + t : (v > t ? v : t);
        p += ldB;
      }
    } else {
      for (let i = 0; i < m; i++) {
        const v = load<f32>(p);
        t = v != v || t != t ? v + t : (v < t ? v : t);
        p += ldB;
      }
    }
    store<f32>(out + <usize>j * 4, t);
  }
}

/** out[i] = index of the max of row i (first occurrence; a NaN counts as the max). -1 if n == 0. */
export function argmax_rows(x: usize, out: usize, m: i32, n: i32, ld: i32): void {
  for (let i = 0; i < m; i++) {
    const p = x + <usize>i * <usize>ld * 4;
    const mx = rowMax(p, n);
    let idx = -1;
    if (mx != mx) {
      for (let j = 0; j < n; j++) {
        const v = load<f32>(p + <usize>j * 4);
        if (v != v) { idx = j; break; }
      }
    } else {
      const vm = f32x4.splat(mx);
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        if (v128.any_true(f32x4.eq(v128.load(p + <usize>j * 4), vm))) break;
      }
      for (; j < n; j++) {
        if (load<f32>(p + <usize>j * 4) == mx) { idx = j; break; }
      }
    }
    store<i32>(out + <usize>i * 4, idx);
  }
}

