// Comparisons of float32 operands into bool bytes (0/1), and the select (`where`) of float32 operands
// under a bool mask. Operands are either full arrays (mode 0) or one broadcast scalar (mode 1).

// @ts-ignore: decorator
@inline function cmp(kind: i32, a: v128, b: v128): v128 {
  switch (kind) {
    case 0: return f32x4.lt(a, b);
    case 1: return f32x4.le(a, b);
    case 2: return f32x4.gt(a, b);
    case 3: return f32x4.ge(a, b);
    case 4: return f32x4.eq(a, b);
    default: return f32x4.ne(a, b);
  }
}

// @ts-ignore: decorator
@inline function cmpScalar(kind: i32, a: f32, b: f32): bool {
  switch (kind) {
    case 0: return a < b;
    case 1: return a <= b;
    case 2: return a > b;
    case 3: return a >= b;
    case 4: return a == b;
    default: return a != b;
  }
}

// @ts-ignore: decorator
@inline function operand(p: usize, mode: i32, s: v128, i: i32): v128 {
  return mode == 0 ? v128.load(p + (<usize>i << 2)) : s;
}

// @ts-ignore: decorator
@inline function scalarOperand(p: usize, mode: i32, s: f32, i: i32): f32 {
  return mode == 0 ? load<f32>(p + (<usize>i << 2)) : s;
}

/** out[i] = a[i] <kind> b[i] for i in [lo, hi) as bytes 0/1; kind 0..5 = lt, le, gt, ge, eq, ne (NaN: only ne is true). */
export function compare_f32(kind: i32, a: usize, am: i32, as: f32, b: usize, bm: i32, bs: f32, out: usize, lo: i32, hi: i32): void {
  const va = f32x4.splat(as), vb = f32x4.splat(bs), one = i8x16.splat(1);
  let i = lo;
  for (; i + 16 <= hi; i += 16) {
    const m0 = cmp(kind, operand(a, am, va, i), operand(b, bm, vb, i));
    const m1 = cmp(kind, operand(a, am, va, i + 4), operand(b, bm, vb, i + 4));
    const m2 = cmp(kind, operand(a, am, va, i + 8), operand(b, bm, vb, i + 8));
    const m3 = cmp(kind, operand(a, am, va, i + 12), operand(b, bm, vb, i + 12));
    const bytes = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3));
    v128.store(out + <usize>i, v128.and(bytes, one));
  }
  for (; i < hi; i++) {
    store<u8>(out + <usize>i, cmpScalar(kind, scalarOperand(a, am, as, i), scalarOperand(b, bm, bs, i)) ? 1 : 0);
  }
}

/** out[i] = cond[i] != 0 ? a[i] : b[i] for i in [lo, hi); a and b full (mode 0) or scalar (mode 1). */
export function select_f32(cond: usize, a: usize, am: i32, as: f32, b: usize, bm: i32, bs: f32, out: usize, lo: i32, hi: i32): void {
  const va = f32x4.splat(as), vb = f32x4.splat(bs), zero = i32x4.splat(0);
  let i = lo;
  for (; i + 4 <= hi; i += 4) {
    const c = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(cond + <usize>i)));
    const mask = i32x4.ne(c, zero);
    v128.store(out + (<usize>i << 2), v128.bitselect(operand(a, am, va, i), operand(b, bm, vb, i), mask));
  }
  for (; i < hi; i++) {
    store<f32>(out + (<usize>i << 2), load<u8>(cond + <usize>i) != 0 ? scalarOperand(a, am, as, i) : scalarOperand(b, bm, bs, i));
  }
}
