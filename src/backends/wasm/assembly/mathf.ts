// Vectorised float32 transcendental functions (Cephes-style range reduction + minimax polynomials).
// Max relative error ~1-3 ulp (<= ~3.6e-7) over the normal range; IEEE special cases follow Math.*:
// exp(+inf)=inf, exp(-inf)=0, exp overflow -> inf, underflow -> subnormal/0, log(0)=-inf,
// log(x<0)=NaN, NaN -> NaN.
import { madd, nmadd, splat } from "./simd";

// @ts-ignore: decorator
@inline const INF: f32 = Infinity;

// @ts-ignore: decorator
@inline export function vexp(x0: v128): v128 {
  // Clamp: beyond [-110, 88.8] the result is 0 / inf anyway. pmax/pmin (one maxps/minps each,
  // unlike the NaN-exact f32x4.max/min) still propagate NaN in this operand order.
  const x = f32x4.pmin(f32x4.pmax(x0, splat(-110.0)), splat(88.8));
  // n = round(x / ln 2) with the 1.5 * 2^23 trick: the integer lands in the low mantissa bits.
  const t = madd(x, splat(1.44269504088896341), splat(12582912.0));
  const fx = f32x4.sub(t, splat(12582912.0));
  let r = nmadd(fx, splat(0.693359375), x);
  r = nmadd(fx, splat(-2.12194440e-4), r);
  const z = f32x4.mul(r, r);
  let y = madd(splat(1.9875691500e-4), r, splat(1.3981999507e-3));
  y = madd(y, r, splat(8.3334519073e-3));
  y = madd(y, r, splat(4.1665795894e-2));
  y = madd(y, r, splat(1.6666665459e-1));
  y = madd(y, r, splat(5.0000001201e-1));
  y = f32x4.add(madd(y, z, r), splat(1.0));
  // 2^n split in two factors so that subnormal results and n = 128 are exact/correctly rounded.
  const n = i32x4.sub(t, i32x4.splat(0x4b400000));
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

// @ts-ignore: decorator
@inline export function vlog(x: v128): v128 {
  // Subnormals: scale by 2^23 first.
  const tiny = f32x4.lt(x, splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, splat(8388608.0)), x, tiny);
  let e = i32x4.sub(i32x4.shr_u(xs, 23), i32x4.splat(126));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  let m = v128.or(v128.and(xs, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000)); // [0.5, 1)
  const lt = f32x4.lt(m, splat(0.707106781186547524));
  e = i32x4.add(e, lt); // lt lanes are -1
  m = f32x4.sub(f32x4.add(m, v128.and(m, lt)), splat(1.0));
  const fe = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let y = madd(splat(7.0376836292e-2), m, splat(-1.1514610310e-1));
  y = madd(y, m, splat(1.1676998740e-1));
  y = madd(y, m, splat(-1.2420140846e-1));
  y = madd(y, m, splat(1.4249322787e-1));
  y = madd(y, m, splat(-1.6668057665e-1));
  y = madd(y, m, splat(2.0000714765e-1));
  y = madd(y, m, splat(-2.4999993993e-1));
  y = madd(y, m, splat(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = madd(fe, splat(-2.12194440e-4), y);
  y = nmadd(splat(0.5), z, y);
  let r = f32x4.add(m, y);
  r = madd(fe, splat(0.693359375), r);
  // Special cases.
  r = v128.bitselect(splat(-INF), r, f32x4.eq(x, splat(0)));
  r = v128.bitselect(splat(NaN), r, f32x4.lt(x, splat(0)));
  r = v128.bitselect(r, x, f32x4.lt(x, splat(INF))); // +inf -> inf, NaN -> NaN
  return r;
}

/** log(1 + u), accurate for small |u|. */
// @ts-ignore: decorator
@inline export function vlog1p(u: v128): v128 {
  const w = f32x4.add(u, splat(1.0));
  const lw = vlog(w);
  // log(w) - ((w - 1) - u) / w corrects the rounding of 1 + u.
  const corr = f32x4.div(f32x4.sub(f32x4.sub(w, splat(1.0)), u), w);
  const ok = v128.and(f32x4.gt(w, splat(0)), f32x4.lt(w, splat(INF)));
  let r = v128.bitselect(f32x4.sub(lw, corr), lw, ok);
  r = v128.bitselect(u, r, f32x4.eq(w, splat(1.0)));
  return r;
}

/** exp(x) - 1, accurate for small |x|. */
// @ts-ignore: decorator
@inline export function vexpm1(x: v128): v128 {
  const big = f32x4.sub(vexp(x), splat(1.0));
  // Taylor series up to x^9/9! for |x| < 0.5 (truncation error < 3e-10 relative).
  let p = madd(x, splat(2.7557319e-6), splat(2.4801587e-5));
  p = madd(p, x, splat(1.9841270e-4));
  p = madd(p, x, splat(1.3888889e-3));
  p = madd(p, x, splat(8.3333333e-3));
  p = madd(p, x, splat(4.1666667e-2));
  p = madd(p, x, splat(1.6666667e-1));
  p = madd(p, x, splat(0.5));
  const x2 = f32x4.mul(x, x);
  const small = madd(p, x2, x);
  return v128.bitselect(small, big, f32x4.lt(f32x4.abs(x), splat(0.5)));
}

// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  // |x| < 0.625: odd polynomial.
  const z = f32x4.mul(x, x);
  let p = madd(splat(-5.70498872745e-3), z, splat(2.06390887954e-2));
  p = madd(p, z, splat(-5.37397155531e-2));
  p = madd(p, z, splat(1.33314422036e-1));
  p = madd(p, z, splat(-3.33332819422e-1));
  const small = madd(f32x4.mul(p, z), x, x);
  // otherwise 1 - 2 / (exp(2|x|) + 1) with the sign of x.
  const e = vexp(f32x4.add(ax, ax));
  const t = f32x4.sub(splat(1.0), f32x4.div(splat(2.0), f32x4.add(e, splat(1.0))));
  const signed = v128.or(v128.and(t, i32x4.splat(0x7fffffff)), v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, signed, f32x4.lt(ax, splat(0.625)));
}

// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  // e = exp(-|x|); x >= 0: 1 / (1 + e), x < 0: e / (1 + e). Accurate for large negative x too.
  const e = vexp(f32x4.neg(f32x4.abs(x)));
  const r = f32x4.div(splat(1.0), f32x4.add(e, splat(1.0)));
  const neg = f32x4.lt(x, splat(0));
  return v128.bitselect(f32x4.mul(e, r), r, neg);
}

/** softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)). */
// @ts-ignore: decorator
@inline export function vsoftplus(x: v128): v128 {
  const e = vexp(f32x4.neg(f32x4.abs(x)));
  return f32x4.add(f32x4.pmax(x, splat(0)), vlog1p(e));
}

/** a^b, elementwise, following Math.pow for the special cases that matter in practice. */
// @ts-ignore: decorator
@inline export function vpow(a: v128, b: v128): v128 {
  let r = vexp(f32x4.mul(b, vlog(f32x4.abs(a))));
  // Negative base: defined only for integer exponents; odd exponents flip the sign.
  const bInt = f32x4.eq(f32x4.trunc(b), b);
  const bi = i32x4.trunc_sat_f32x4_s(b);
  const odd = i32x4.eq(v128.and(bi, i32x4.splat(1)), i32x4.splat(1));
  // For |b| >= 2^24 every float is an even integer; trunc_sat clamps, so mask odd there.
  const oddOk = v128.and(odd, f32x4.lt(f32x4.abs(b), splat(16777216.0)));
  // Sign bit set (negative, -0, -inf) and an odd integer exponent: negate.
  const signBit = i32x4.lt_s(a, i32x4.splat(0));
  r = v128.bitselect(f32x4.neg(r), r, v128.and(signBit, oddOk));
  // Finite negative base with a non-integer exponent: NaN.
  const negFinite = v128.and(f32x4.lt(a, splat(0)), f32x4.gt(a, splat(-INF)));
  r = v128.bitselect(splat(NaN), r, v128.andnot(negFinite, bInt));
  // x^0 = 1 for every x (NaN included).
  r = v128.bitselect(splat(1.0), r, f32x4.eq(b, splat(0)));
  return r;
}

// Scalar wrappers (used for loop tails and per-row scalars).
// @ts-ignore: decorator
@inline export function sexp(x: f32): f32 { return f32x4.extract_lane(vexp(f32x4.splat(x)), 0); }
// @ts-ignore: decorator
@inline export function slog(x: f32): f32 { return f32x4.extract_lane(vlog(f32x4.splat(x)), 0); }
