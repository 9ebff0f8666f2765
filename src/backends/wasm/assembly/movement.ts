// Strided moves (concat, unslice, packing of any dtype) and the kernels of primitives that ran the CPU
// reference before: erf / sin / cos, logical ops on bool bytes, prod and argmin over [outer, n, inner].
// Job types T_MOVE .. T_ARGMIN (100-105, abi.ts); the chunk dispatch is in index.ts.
import { madd, splat } from "./simd";
import { vexp } from "./mathf";
import { loadPartial, storePartial } from "./elementwise";

// ---------------------------------------------------------------------------------------------
// Strided move

// @ts-ignore: decorator
@inline function getI(p: usize, d: i32): i32 { return load<i32>(p + (<usize>d << 2)); }

/** Copies n contiguous bytes (small rows: SIMD; long ones: memory.copy). */
// @ts-ignore: decorator
@inline function copyRun(dst: usize, src: usize, bytes: i32): void {
  if (bytes >= 512) {
    memory.copy(dst, src, <usize>bytes);
    return;
  }
  let j = 0;
  for (; j + 32 <= bytes; j += 32) {
    const a = v128.load(src + <usize>j), b = v128.load(src + <usize>j, 16);
    v128.store(dst + <usize>j, a);
    v128.store(dst + <usize>j, b, 16);
  }
  if (j + 16 <= bytes) { v128.store(dst + <usize>j, v128.load(src + <usize>j)); j += 16; }
  for (; j + 4 <= bytes; j += 4) store<u32>(dst + <usize>j, load<u32>(src + <usize>j));
  for (; j < bytes; j++) store<u8>(dst + <usize>j, load<u8>(src + <usize>j));
}

/**
 * Copies a strided view into a strided destination: element (i0, ..., i_{r-1}) of shape[0..rank) moves
 * from src + eb * sum_d i_d * sStrides[d] to dst + eb * sum_d i_d * dStrides[d] (strides in elements,
 * src strides may be 0 or negative; destinations must not repeat). eb = element bytes (1 or 4). Only rows
 * [row0, row1) of the flattened prod(shape[0..rank-1)) x shape[rank-1] index space are moved.
 * shape / strides point to i32 arrays; rank in 1..8.
 */
export function strided_move(src: usize, dst: usize, rank: i32, shape: usize, sStrides: usize, dStrides: usize, eb: i32, row0: i32, row1: i32): void {
  const n = getI(shape, rank - 1);
  const si = getI(sStrides, rank - 1), di = getI(dStrides, rank - 1);
  // starting multi-index of row0 over the outer dims, and both offsets (elements)
  let so: isize = 0, dof: isize = 0;
  let i0 = 0, i1 = 0, i2 = 0, i3 = 0, i4 = 0, i5 = 0, i6 = 0;
  let rem = row0;
  for (let d = rank - 2; d >= 0; d--) {
    const sz = getI(shape, d);
    const q = rem / sz;
    const i = rem - q * sz;
    so += <isize>i * <isize>getI(sStrides, d);
    dof += <isize>i * <isize>getI(dStrides, d);
    if (d == 0) i0 = i; else if (d == 1) i1 = i; else if (d == 2) i2 = i; else if (d == 3) i3 = i;
    else if (d == 4) i4 = i; else if (d == 5) i5 = i; else i6 = i;
    rem = q;
  }
  const contiguous = si == 1 && di == 1;
  const sb = <isize>si * <isize>eb, db = <isize>di * <isize>eb;
  for (let row = row0; row < row1; row++) {
    const s = src + <usize>(so * <isize>eb);
    const t = dst + <usize>(dof * <isize>eb);
    if (contiguous) {
      copyRun(t, s, n * eb);
    } else if (eb == 4) {
      let p = s, q = t, j = 0;
      for (; j + 4 <= n; j += 4) {
        const a = load<u32>(p), b = load<u32>(p + sb), c = load<u32>(p + 2 * sb), e = load<u32>(p + 3 * sb);
        store<u32>(q, a); store<u32>(q + db, b); store<u32>(q + 2 * db, c); store<u32>(q + 3 * db, e);
        p += 4 * sb; q += 4 * db;
      }
      for (; j < n; j++) { store<u32>(q, load<u32>(p)); p += sb; q += db; }
    } else {
      let p = s, q = t;
      for (let j = 0; j < n; j++) { store<u8>(q, load<u8>(p)); p += sb; q += db; }
    }
    // odometer over the outer dims (last outer dim fastest)
    let d = rank - 2;
    while (d >= 0) {
      const sz = getI(shape, d);
      const ss = <isize>getI(sStrides, d), ds = <isize>getI(dStrides, d);
      let i: i32;
      if (d == 0) i = ++i0; else if (d == 1) i = ++i1; else if (d == 2) i = ++i2; else if (d == 3) i = ++i3;
      else if (d == 4) i = ++i4; else if (d == 5) i = ++i5; else i = ++i6;
      so += ss; dof += ds;
      if (i < sz) break;
      so -= ss * <isize>sz; dof -= ds * <isize>sz;
      if (d == 0) i0 = 0; else if (d == 1) i1 = 0; else if (d == 2) i2 = 0; else if (d == 3) i3 = 0;
      else if (d == 4) i4 = 0; else if (d == 5) i5 = 0; else i6 = 0;
      d--;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// erf, sin, cos (float32)

export const X_ERF = 0;
export const X_SIN = 1;
export const X_COS = 2;
/** sin/cos reduce exactly for |x| below this; larger finite arguments are counted and fixed by the host. */
// @ts-ignore: decorator
@inline const TRIG_LIMIT: f32 = 1048576.0;

/**
 * erf(x): |x| < 1: Maclaurin series in x^2 (12 terms, truncation < 1e-9); else 1 - erfc(|x|) with
 * erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + z/2) (Numerical Recipes' Chebyshev fit, fractional error
 * < 1.2e-7 in erfc, which is < 0.16 there), with the sign of x. NaN -> NaN, +-inf -> +-1.
 */
// @ts-ignore: decorator
@inline export function verf(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = madd(splat(-1.229055530172e-9), z, splat(1.480719281588e-8));
  p = madd(p, z, splat(-1.636584469123e-7));
  p = madd(p, z, splat(1.646211436589e-6));
  p = madd(p, z, splat(-1.492565035841e-5));
  p = madd(p, z, splat(1.205533298179e-4));
  p = madd(p, z, splat(-8.548327023451e-4));
  p = madd(p, z, splat(5.223977625442e-3));
  p = madd(p, z, splat(-2.686617064513e-2));
  p = madd(p, z, splat(1.128379167096e-1));
  p = madd(p, z, splat(-3.761263890318e-1));
  p = madd(p, z, splat(1.128379167096));
  const small = f32x4.mul(p, x);
  const c = f32x4.pmin(ax, splat(10.0)); // erfc(10) ~ 2e-45: erf is 1 from ~3.9 on; keeps exp's argument finite
  const t = f32x4.div(splat(1.0), madd(c, splat(0.5), splat(1.0)));
  let q = madd(splat(0.17087277), t, splat(-0.82215223));
  q = madd(q, t, splat(1.48851587));
  q = madd(q, t, splat(-1.13520398));
  q = madd(q, t, splat(0.27886807));
  q = madd(q, t, splat(-0.18628806));
  q = madd(q, t, splat(0.09678418));
  q = madd(q, t, splat(0.37409196));
  q = madd(q, t, splat(1.00002368));
  q = madd(q, t, splat(-1.26551223));
  const erfc = f32x4.mul(t, vexp(f32x4.sub(q, f32x4.mul(c, c))));
  const big = f32x4.sub(splat(1.0), erfc);
  const signed = v128.or(v128.and(big, i32x4.splat(0x7fffffff)), v128.and(x, i32x4.splat(0x80000000)));
  // NaN: ax < 1 is false and t is NaN, so the result is NaN
  return v128.bitselect(small, v128.bitselect(signed, x, f32x4.eq(x, x)), f32x4.lt(ax, splat(1.0)));
}

/**
 * sin(x) (cos: quadrant + 1). q = nearest(2x/pi) (an exact float32 integer for |x| < 2^22); r = x - q pi/2
 * in float64 with pi/2 in three parts (fdlibm's 33 + 33 + 53 bits; q pio2_1 and q pio2_2 are exact for
 * |q| < 2^20), so r is accurate to float64 rounding; then Cephes' float32 minimax polynomials of sin / cos on
 * [-pi/4, pi/4] (~1 ulp) by quadrant. NaN, +-inf -> NaN.
 */
// @ts-ignore: decorator
@inline export function vsincos(x: v128, cos: bool): v128 {
  const qf = f32x4.nearest(f32x4.mul(x, splat(0.6366197723675814)));
  const xl = f64x2.promote_low_f32x4(x);
  const xh = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
  const ql = f64x2.promote_low_f32x4(qf);
  const qh = f64x2.promote_low_f32x4(v128.shuffle<f32>(qf, qf, 2, 3, 0, 1));
  const P1 = f64x2.splat(1.57079632673412561417e+00);
  const P2 = f64x2.splat(6.07710050630396597660e-11);
  const P3 = f64x2.splat(2.02226624879595063154e-21);
  let rl = f64x2.sub(xl, f64x2.mul(ql, P1));
  rl = f64x2.sub(rl, f64x2.mul(ql, P2));
  rl = f64x2.sub(rl, f64x2.mul(ql, P3));
  let rh = f64x2.sub(xh, f64x2.mul(qh, P1));
  rh = f64x2.sub(rh, f64x2.mul(qh, P2));
  rh = f64x2.sub(rh, f64x2.mul(qh, P3));
  const r = v128.shuffle<f32>(f32x4.demote_f64x2_zero(rl), f32x4.demote_f64x2_zero(rh), 0, 1, 4, 5);
  let qi = i32x4.trunc_sat_f32x4_s(qf);
  if (cos) qi = i32x4.add(qi, i32x4.splat(1));
  const z = f32x4.mul(r, r);
  let s = madd(splat(-1.9515295891e-4), z, splat(8.3321608736e-3));
  s = madd(s, z, splat(-1.6666654611e-1));
  s = madd(f32x4.mul(s, z), r, r);
  let c = madd(splat(2.443315711809948e-5), z, splat(-1.388731625493765e-3));
  c = madd(c, z, splat(4.166664568298827e-2));
  c = madd(f32x4.mul(c, z), z, madd(z, splat(-0.5), splat(1.0)));
  const odd = i32x4.ne(v128.and(qi, i32x4.splat(1)), i32x4.splat(0));
  const res = v128.bitselect(c, s, odd);
  // quadrants 2 and 3 negate: move bit 1 of q into the sign bit
  return v128.xor(res, i32x4.shl(v128.and(qi, i32x4.splat(2)), 30));
}

/** y[i] = erf/sin/cos(x[i]) for i < n; returns how many finite |x| >= TRIG_LIMIT it saw (sin/cos: the host recomputes them). */
export function unary_ext(kind: i32, x: usize, y: usize, n: i32): i32 {
  let i = 0;
  let huge = i32x4.splat(0);
  const lim = splat(TRIG_LIMIT), inf = splat(Infinity);
  if (kind == X_ERF) {
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i << 2;
      const a = verf(v128.load(x + o)), b = verf(v128.load(x + o, 16));
      v128.store(y + o, a);
      v128.store(y + o, b, 16);
    }
    for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), verf(v128.load(x + (<usize>i << 2))));
    if (i < n) storePartial(y + (<usize>i << 2), verf(loadPartial(x + (<usize>i << 2), n - i)), n - i);
    return 0;
  }
  const cos = kind == X_COS;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const av = f32x4.abs(v);
    huge = i32x4.sub(huge, v128.and(f32x4.ge(av, lim), f32x4.lt(av, inf)));
    v128.store(y + (<usize>i << 2), vsincos(v, cos));
  }
  if (i < n) {
    const v = loadPartial(x + (<usize>i << 2), n - i);
    const av = f32x4.abs(v);
    huge = i32x4.sub(huge, v128.and(f32x4.ge(av, lim), f32x4.lt(av, inf)));
    storePartial(y + (<usize>i << 2), vsincos(v, cos), n - i);
  }
  return i32x4.extract_lane(huge, 0) + i32x4.extract_lane(huge, 1) + i32x4.extract_lane(huge, 2) + i32x4.extract_lane(huge, 3);
}

// ---------------------------------------------------------------------------------------------
// Logical ops -> bool bytes. Operands: bool bytes (eb 1) or 4-byte values (eb 4) that are true when
// (bits & mask) != 0 (float32: mask 0x7fffffff, so -0 is false and NaN true; int32: all bits).

export const L_NOT = 0;
export const L_AND = 1;
export const L_OR = 2;
export const L_XOR = 3;

// @ts-ignore: decorator
@inline function truth16(p: usize, i: i32, eb: i32, mask: v128): v128 {
  if (eb == 1) return v128.not(i8x16.eq(v128.load(p + <usize>i), i8x16.splat(0)));
  const o = p + (<usize>i << 2);
  const z = i32x4.splat(0);
  const m0 = i32x4.ne(v128.and(v128.load(o), mask), z);
  const m1 = i32x4.ne(v128.and(v128.load(o, 16), mask), z);
  const m2 = i32x4.ne(v128.and(v128.load(o, 32), mask), z);
  const m3 = i32x4.ne(v128.and(v128.load(o, 48), mask), z);
  return i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3));
}

// @ts-ignore: decorator
@inline function truth1(p: usize, i: i32, eb: i32, mask: i32): bool {
  return eb == 1 ? load<u8>(p + <usize>i) != 0 : (load<i32>(p + (<usize>i << 2)) & mask) != 0;
}

/** out[i] = op(a[i], b[i]) as bytes 0/1 for i in [lo, hi); b unused for L_NOT. */
export function logical(kind: i32, a: usize, b: usize, out: usize, eb: i32, mask: i32, lo: i32, hi: i32): void {
  const vm = i32x4.splat(mask), one = i8x16.splat(1);
  let i = lo;
  for (; i + 16 <= hi; i += 16) {
    const ta = truth16(a, i, eb, vm);
    let r: v128;
    if (kind == L_NOT) r = v128.not(ta);
    else {
      const tb = truth16(b, i, eb, vm);
      r = kind == L_AND ? v128.and(ta, tb) : kind == L_OR ? v128.or(ta, tb) : v128.xor(ta, tb);
    }
    v128.store(out + <usize>i, v128.and(r, one));
  }
  for (; i < hi; i++) {
    const ta = truth1(a, i, eb, mask);
    let r: bool;
    if (kind == L_NOT) r = !ta;
    else {
      const tb = truth1(b, i, eb, mask);
      r = kind == L_AND ? ta && tb : kind == L_OR ? ta || tb : ta != tb;
    }
    store<u8>(out + <usize>i, r ? 1 : 0);
  }
}

// ---------------------------------------------------------------------------------------------
// prod over the middle axis of [outer, red, inner]: float32 multiplied in float64 (rounded once, like the
// reference), int32 wrapping (exact in any order).

// @ts-ignore: decorator
@inline function prodRowF(p: usize, n: i32): f64 {
  let a0 = f64x2.splat(1), a1 = f64x2.splat(1);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const v = v128.load(p + (<usize>j << 2));
    a0 = f64x2.mul(a0, f64x2.promote_low_f32x4(v));
    a1 = f64x2.mul(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  }
  let r = (f64x2.extract_lane(a0, 0) * f64x2.extract_lane(a1, 0)) * (f64x2.extract_lane(a0, 1) * f64x2.extract_lane(a1, 1));
  for (; j < n; j++) r *= <f64>load<f32>(p + (<usize>j << 2));
  return r;
}

// @ts-ignore: decorator
@inline function prodRowI(p: usize, n: i32): i32 {
  let a = i32x4.splat(1);
  let j = 0;
  for (; j + 4 <= n; j += 4) a = i32x4.mul(a, v128.load(p + (<usize>j << 2)));
  let r = i32x4.extract_lane(a, 0) * i32x4.extract_lane(a, 1) * i32x4.extract_lane(a, 2) * i32x4.extract_lane(a, 3);
  for (; j < n; j++) r *= load<i32>(p + (<usize>j << 2));
  return r;
}

/** out[c] = prod_r x[r, c] over red rows of `inner` values, for columns [c0, c1). */
function prodCols(x: usize, out: usize, red: i32, inner: i32, c0: i32, c1: i32, isInt: bool): void {
  const ld = <usize>inner << 2;
  let c = c0;
  for (; c + 4 <= c1; c += 4) {
    let p = x + (<usize>c << 2);
    if (isInt) {
      let a = i32x4.splat(1);
      for (let r = 0; r < red; r++) { a = i32x4.mul(a, v128.load(p)); p += ld; }
      v128.store(out + (<usize>c << 2), a);
    } else {
      let a0 = f64x2.splat(1), a1 = f64x2.splat(1);
      for (let r = 0; r < red; r++) {
        const v = v128.load(p);
        a0 = f64x2.mul(a0, f64x2.promote_low_f32x4(v));
        a1 = f64x2.mul(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
        p += ld;
      }
      v128.store(out + (<usize>c << 2), v128.shuffle<f32>(f32x4.demote_f64x2_zero(a0), f32x4.demote_f64x2_zero(a1), 0, 1, 4, 5));
    }
  }
  for (; c < c1; c++) {
    let p = x + (<usize>c << 2);
    if (isInt) {
      let a: i32 = 1;
      for (let r = 0; r < red; r++) { a *= load<i32>(p); p += ld; }
      store<i32>(out + (<usize>c << 2), a);
    } else {
      let a: f64 = 1;
      for (let r = 0; r < red; r++) { a *= <f64>load<f32>(p); p += ld; }
      store<f32>(out + (<usize>c << 2), <f32>a);
    }
  }
}

/** prod over [outer, red, inner] -> [outer, inner] for outer slices [o0, o1) and columns [c0, c1). */
export function prod3(x: usize, out: usize, red: i32, inner: i32, o0: i32, o1: i32, c0: i32, c1: i32, isInt: bool): void {
  for (let o = o0; o < o1; o++) {
    const xo = x + ((<usize>o * <usize>red * <usize>inner) << 2);
    const oo = out + ((<usize>o * <usize>inner) << 2);
    if (inner == 1) {
      if (isInt) store<i32>(oo, prodRowI(xo, red));
      else store<f32>(oo, <f32>prodRowF(xo, red));
    } else prodCols(xo, oo, red, inner, c0, c1, isInt);
  }
}

// ---------------------------------------------------------------------------------------------
// argmin over the middle axis of [outer, n, inner] (first occurrence; a NaN counts as the minimum), int32 out.

function argminRow(p: usize, n: i32, isInt: bool): i32 {
  if (isInt) {
    let m = i32x4.splat(0x7fffffff);
    let j = 0;
    for (; j + 4 <= n; j += 4) m = i32x4.min_s(m, v128.load(p + (<usize>j << 2)));
    let r = i32x4.extract_lane(m, 0);
    const r1 = i32x4.extract_lane(m, 1), r2 = i32x4.extract_lane(m, 2), r3 = i32x4.extract_lane(m, 3);
    if (r1 < r) r = r1;
    if (r2 < r) r = r2;
    if (r3 < r) r = r3;
    for (; j < n; j++) { const v = load<i32>(p + (<usize>j << 2)); if (v < r) r = v; }
    const vr = i32x4.splat(r);
    j = 0;
    for (; j + 4 <= n; j += 4) if (v128.any_true(i32x4.eq(v128.load(p + (<usize>j << 2)), vr))) break;
    for (; j < n; j++) if (load<i32>(p + (<usize>j << 2)) == r) return j;
    return 0;
  }
  let m0 = splat(Infinity), m1 = m0;
  let nan = i32x4.splat(0);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const o = <usize>j << 2;
    const a = v128.load(p + o), b = v128.load(p + o, 16);
    m0 = f32x4.pmin(m0, a);
    m1 = f32x4.pmin(m1, b);
    nan = v128.or(nan, v128.or(f32x4.ne(a, a), f32x4.ne(b, b)));
  }
  if (v128.any_true(nan)) {
    for (let k = 0; k < n; k++) { const v = load<f32>(p + (<usize>k << 2)); if (v != v) return k; }
  }
  const m = f32x4.pmin(m0, m1);
  let r = f32x4.extract_lane(m, 0);
  const r1 = f32x4.extract_lane(m, 1), r2 = f32x4.extract_lane(m, 2), r3 = f32x4.extract_lane(m, 3);
  if (r1 < r) r = r1;
  if (r2 < r) r = r2;
  if (r3 < r) r = r3;
  for (let k = j; k < n; k++) {
    const v = load<f32>(p + (<usize>k << 2));
    if (v != v) return k;
    if (v < r) r = v;
  }
  const vr = f32x4.splat(r);
  j = 0;
  for (; j + 4 <= n; j += 4) if (v128.any_true(f32x4.eq(v128.load(p + (<usize>j << 2)), vr))) break;
  for (; j < n; j++) if (load<f32>(p + (<usize>j << 2)) == r) return j;
  return 0;
}

function argminCols(x: usize, out: usize, n: i32, inner: i32, c0: i32, c1: i32, isInt: bool): void {
  const ld = <usize>inner << 2;
  let c = c0;
  for (; c + 4 <= c1; c += 4) {
    let p = x + (<usize>c << 2);
    let best = v128.load(p);
    let idx = i32x4.splat(0);
    for (let r = 1; r < n; r++) {
      p += ld;
      const v = v128.load(p);
      const take = isInt ? i32x4.lt_s(v, best) : v128.or(f32x4.lt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
      best = v128.bitselect(v, best, take);
      idx = v128.bitselect(i32x4.splat(r), idx, take);
    }
    v128.store(out + (<usize>c << 2), idx);
  }
  for (; c < c1; c++) {
    let p = x + (<usize>c << 2);
    let bi = 0;
    if (isInt) {
      let b = load<i32>(p);
      for (let r = 1; r < n; r++) { p += ld; const v = load<i32>(p); if (v < b) { b = v; bi = r; } }
    } else {
      let b = load<f32>(p);
      for (let r = 1; r < n; r++) { p += ld; const v = load<f32>(p); if (v < b || (v != v && b == b)) { b = v; bi = r; } }
    }
    store<i32>(out + (<usize>c << 2), bi);
  }
}

/** argmin over [outer, n, inner] -> int32 [outer, inner] for outer slices [o0, o1) and columns [c0, c1). */
export function argmin3(x: usize, out: usize, n: i32, inner: i32, o0: i32, o1: i32, c0: i32, c1: i32, isInt: bool): void {
  for (let o = o0; o < o1; o++) {
    const xo = x + ((<usize>o * <usize>n * <usize>inner) << 2);
    const oo = out + ((<usize>o * <usize>inner) << 2);
    if (inner == 1) store<i32>(oo, argminRow(xo, n, isInt));
    else argminCols(xo, oo, n, inner, c0, c1, isInt);
  }
}
