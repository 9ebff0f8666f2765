// Batch normalization over a row-major M x C float32 matrix (channels last: C channels, M = elements per
// channel). Two kernels cover the four primitives (core/primitives.ts NORM-PRIMITIVES; host side:
// ../batchnorm.ts):
//   bn_sums_rows   per-channel sums of a row range into float64 partials (moments, batchNormParamGrad)
//   bn_affine_rows a per-channel affine map of x, or of x and dy (batchNorm, batchNormInputGrad)
// The sums walk blocks of BN_BLOCK_ROWS rows (L1-sized for C <= 64), 4 channels at a time down the block, so every
// cache line is fetched from memory once and the accumulators stay in registers; the affine pass streams rows in
// memory order (column walks there were 1.3-2x slower: strided partial-line stores).
import { BN_BLOCK_ROWS } from "./abi";
import { madd } from "./simd";

// @ts-ignore: decorator
@inline function addToF64(p: usize, v: v128): void {
  v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
  const high = v128.shuffle<f32>(v, v, 2, 3, 0, 1);
  v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(high)), 16);
}

/**
 * Sums of rows [lo, hi) per channel, relative to a per-channel shift (float32 [C]), into `sums` (float64 [2][C],
 * overwritten):
 *   dy == 0:  sums[0] = sum(x - shift),  sums[1] = sum((x - shift)^2)
 *   dy != 0:  sums[0] = sum(dy),         sums[1] = sum(dy * (x - shift))
 * A shift near the mean (the first row, or the mean itself) keeps E[(x-s)^2] - E[x-s]^2 free of cancellation.
 * Each block of BN_BLOCK_ROWS rows is summed in float32 (two rows at a time: two independent chains), then added
 * to the float64 sums: chunks that start at multiples of BN_BLOCK_ROWS give the same float32 block sums.
 */
export function bn_sums_rows(x: usize, dy: usize, shift: usize, sums: usize, C: i32, lo: i32, hi: i32): void {
  memory.fill(sums, 0, <usize>C * 16);
  const ld = <usize>C * 4;
  const second = sums + <usize>C * 8;
  for (let r0 = lo; r0 < hi; r0 += BN_BLOCK_ROWS) {
    const rows = hi - r0 < BN_BLOCK_ROWS ? hi - r0 : BN_BLOCK_ROWS;
    const base = <usize>r0 * ld;
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      const o = <usize>j * 4;
      const k = v128.load(shift + o);
      let s0 = f32x4.splat(0), s1 = s0, q0 = s0, q1 = s0;
      let p = x + base + o;
      let i = 0;
      if (dy != 0) {
        let d = dy + base + o;
        for (; i + 2 <= rows; i += 2) {
          const d0 = v128.load(d), d1 = v128.load(d + ld);
          s0 = f32x4.add(s0, d0);
          s1 = f32x4.add(s1, d1);
          q0 = madd(d0, f32x4.sub(v128.load(p), k), q0);
          q1 = madd(d1, f32x4.sub(v128.load(p + ld), k), q1);
          p += 2 * ld;
          d += 2 * ld;
        }
        if (i < rows) {
          const d0 = v128.load(d);
          s0 = f32x4.add(s0, d0);
          q0 = madd(d0, f32x4.sub(v128.load(p), k), q0);
        }
      } else {
        for (; i + 2 <= rows; i += 2) {
          const v0 = f32x4.sub(v128.load(p), k), v1 = f32x4.sub(v128.load(p + ld), k);
          s0 = f32x4.add(s0, v0);
          s1 = f32x4.add(s1, v1);
          q0 = madd(v0, v0, q0);
          q1 = madd(v1, v1, q1);
          p += 2 * ld;
        }
        if (i < rows) {
          const v0 = f32x4.sub(v128.load(p), k);
          s0 = f32x4.add(s0, v0);
          q0 = madd(v0, v0, q0);
        }
      }
      addToF64(sums + <usize>j * 8, f32x4.add(s0, s1));
      addToF64(second + <usize>j * 8, f32x4.add(q0, q1));
    }
    for (; j < C; j++) {
      const k = load<f32>(shift + <usize>j * 4);
      let s: f32 = 0, q: f32 = 0;
      let p = x + base + <usize>j * 4;
      let d = dy + base + <usize>j * 4;
      for (let i = 0; i < rows; i++) {
        const v = load<f32>(p) - k;
        if (dy != 0) {
          const g = load<f32>(d);
          s += g;
          q += g * v;
          d += ld;
        } else {
          s += v;
          q += v * v;
        }
        p += ld;
      }
      store<f64>(sums + <usize>j * 8, load<f64>(sums + <usize>j * 8) + <f64>s);
      store<f64>(second + <usize>j * 8, load<f64>(second + <usize>j * 8) + <f64>q);
    }
  }
}

/**
 * Rows [lo, hi) of out = a * (x - m) + e (dy == 0) or a * dy + b * (x - m) + e (dy != 0), per channel, with
 * coef = float32 [4][C] rows a, b, m, e. Centering x first keeps the result accurate when |mean| >> std.
 * Streams the rows in memory order (the coefficients come from L1). out may alias x or dy.
 */
export function bn_affine_rows(x: usize, dy: usize, coef: usize, out: usize, C: i32, lo: i32, hi: i32): void {
  const ld = <usize>C * 4;
  const coefB = coef + ld, coefM = coef + 2 * ld, coefE = coef + 3 * ld;
  for (let i = lo; i < hi; i++) {
    const base = <usize>i * ld;
    const p = x + base, q = out + base, g = dy + base;
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      const o = <usize>j * 4;
      const centered = f32x4.sub(v128.load(p + o), v128.load(coefM + o));
      const a = v128.load(coef + o), e = v128.load(coefE + o);
      const v = dy != 0 ? madd(a, v128.load(g + o), madd(v128.load(coefB + o), centered, e)) : madd(a, centered, e);
      v128.store(q + o, v);
    }
    for (; j < C; j++) {
      const o = <usize>j * 4;
      const centered = load<f32>(p + o) - load<f32>(coefM + o);
      const a = load<f32>(coef + o), e = load<f32>(coefE + o);
      store<f32>(q + o, dy != 0 ? a * load<f32>(g + o) + load<f32>(coefB + o) * centered + e : a * centered + e);
    }
  }
}
