// Shared SIMD helpers. `ASC_FEATURE_RELAXED_SIMD` is a compile-time constant, so each build
// contains only one branch: the relaxed build uses fused multiply-add, the plain build mul+add.

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** c - a*b */
// @ts-ignore: decorator
@inline export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_nmadd(a, b, c);
  } else {
    return f32x4.sub(c, f32x4.mul(a, b));
  }
}

// @ts-ignore: decorator
@inline export function splat(x: f32): v128 {
  return f32x4.splat(x);
}

/** Horizontal sum of the four lanes. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  const t = f32x4.add(s, v128.shuffle<f32>(s, s, 1, 0, 3, 2));
  return f32x4.extract_lane(t, 0);
}

/** Horizontal max of the four lanes (pmax: callers track NaN themselves). */
// @ts-ignore: decorator
@inline export function hmax(v: v128): f32 {
  const s = f32x4.pmax(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  const t = f32x4.pmax(s, v128.shuffle<f32>(s, s, 1, 0, 3, 2));
  return f32x4.extract_lane(t, 0);
}

// @ts-ignore: decorator
@inline export function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

// @ts-ignore: decorator
@inline export function imax(a: i32, b: i32): i32 {
  return a > b ? a : b;
}
