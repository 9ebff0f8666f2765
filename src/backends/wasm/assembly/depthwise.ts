// Depthwise convolution (a grouped conv2d with groups == input channels C, channel multiplier m): NHWC
// input x [N, H, W, C], kernel w [KH, KW, 1, C*m] (output channel o = c*m + j reads input channel c),
// output [N, OH, OW, C*m]. Direct loops vectorised over the channels (contiguous in NHWC): m = 1 pairs
// lanes one to one, m = 2 duplicates input lanes with shuffles (forward, filter gradient) or adds output
// lane pairs (input gradient), other m run scalar loops.
//
// Geometry block G (13 i32, as in conv.ts): [H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL]. Output
// position (oy, ox) and tap (ky, kx) read input (oy*SH - PT + ky*DH, ox*SW - PL + kx*DW); taps outside
// the image contribute nothing. Every function handles a row range:
//   forward:         output rows r = n*OH + oy (gather over the row's valid taps)
//   input gradient:  input rows r = n*H + iy (gather from the output pixels reading (iy, ix): no races)
//   filter gradient: output rows; the chunk's partial [KH*KW, C*m] is zeroed and then accumulated
// Per-thread scratch: a list of (pointer, pointer) pairs, one per tap (dw_scratch_bytes).
import { madd, imin, imax } from "./simd";

const G_H = 0, G_W = 1, G_C = 2, G_OH = 3, G_OW = 4, G_KH = 5, G_KW = 6, G_SH = 7, G_SW = 8, G_DH = 9, G_DW = 10, G_PT = 11, G_PL = 12;

// @ts-ignore: decorator
@inline function geo(g: usize, k: i32): i32 { return load<i32>(g + <usize>k * 4); }

/** ceil(a / b) for b > 0 and any sign of a. */
// @ts-ignore: decorator
@inline function ceilDiv(a: i32, b: i32): i32 { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

/** floor(a / b) for b > 0 and any sign of a. */
// @ts-ignore: decorator
@inline function floorDiv(a: i32, b: i32): i32 { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/** Taps k in [lo, hi) of a window starting at `start` (step d, k taps) that land in [0, size). */
// @ts-ignore: decorator
@inline function tapLo(start: i32, d: i32): i32 { return start < 0 ? ceilDiv(-start, d) : 0; }
// @ts-ignore: decorator
@inline function tapHi(start: i32, d: i32, k: i32, size: i32): i32 {
  if (start >= size) return 0;
  const n = ceilDiv(size - start, d);
  return n < k ? n : k;
}

/** Bytes of per-thread scratch: the tap list (two u32 pointers per tap), then the input gradient's row list (KH pairs). */
export function dw_scratch_bytes(KH: i32, KW: i32): i32 {
  return ((KH * KW + KH) * 8 + 63) & ~63;
}

// ---------------------------------------------------------------------------------------------
// Channel loops over a tap list: list[t] = (a_t, b_t) byte pointers to channel 0.

/** out[o] = sum_t a_t[o / m] * b_t[o] for o < C*m (m = 1: plain lane products; m = 2: lane duplication). */
function dot_forward(list: usize, nt: i32, out: usize, C: i32, m: i32): void {
  if (m == 1) {
    let c = 0;
    for (; c + 16 <= C; c += 16) {
      const o = <usize>c << 2;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      for (let t = 0; t < nt; t++) {
        const a = <usize>load<u32>(list + (<usize>t << 3)) + o;
        const b = <usize>load<u32>(list + (<usize>t << 3) + 4) + o;
        s0 = madd(v128.load(a), v128.load(b), s0);
        s1 = madd(v128.load(a, 16), v128.load(b, 16), s1);
        s2 = madd(v128.load(a, 32), v128.load(b, 32), s2);
        s3 = madd(v128.load(a, 48), v128.load(b, 48), s3);
      }
      v128.store(out + o, s0); v128.store(out + o, s1, 16); v128.store(out + o, s2, 32); v128.store(out + o, s3, 48);
    }
    for (; c + 4 <= C; c += 4) {
      const o = <usize>c << 2;
      let s0 = f32x4.splat(0);
      for (let t = 0; t < nt; t++) {
        s0 = madd(v128.load(<usize>load<u32>(list + (<usize>t << 3)) + o), v128.load(<usize>load<u32>(list + (<usize>t << 3) + 4) + o), s0);
      }
      v128.store(out + o, s0);
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      let s: f32 = 0;
      for (let t = 0; t < nt; t++) s += load<f32>(<usize>load<u32>(list + (<usize>t << 3)) + o) * load<f32>(<usize>load<u32>(list + (<usize>t << 3) + 4) + o);
      store<f32>(out + o, s);
    }
  } else if (m == 2) {
    let c = 0;
    for (; c + 8 <= C; c += 8) {
      const ao = <usize>c << 2, bo = <usize>c << 3;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      for (let t = 0; t < nt; t++) {
        const a = <usize>load<u32>(list + (<usize>t << 3)) + ao;
        const b = <usize>load<u32>(list + (<usize>t << 3) + 4) + bo;
        const x0 = v128.load(a), x1 = v128.load(a, 16);
        s0 = madd(v128.shuffle<f32>(x0, x0, 0, 0, 1, 1), v128.load(b), s0);
        s1 = madd(v128.shuffle<f32>(x0, x0, 2, 2, 3, 3), v128.load(b, 16), s1);
        s2 = madd(v128.shuffle<f32>(x1, x1, 0, 0, 1, 1), v128.load(b, 32), s2);
        s3 = madd(v128.shuffle<f32>(x1, x1, 2, 2, 3, 3), v128.load(b, 48), s3);
      }
      v128.store(out + bo, s0); v128.store(out + bo, s1, 16); v128.store(out + bo, s2, 32); v128.store(out + bo, s3, 48);
    }
    for (; c + 2 <= C; c += 2) {
      // two input channels -> four output lanes (one 64-bit load, duplicated)
      const ao = <usize>c << 2, bo = <usize>c << 3;
      let s0 = f32x4.splat(0);
      for (let t = 0; t < nt; t++) {
        const x0 = v128.load64_zero(<usize>load<u32>(list + (<usize>t << 3)) + ao);
        s0 = madd(v128.shuffle<f32>(x0, x0, 0, 0, 1, 1), v128.load(<usize>load<u32>(list + (<usize>t << 3) + 4) + bo), s0);
      }
      v128.store(out + bo, s0);
    }
    for (; c < C; c++) {
      let s0: f32 = 0, s1: f32 = 0;
      for (let t = 0; t < nt; t++) {
        const xv = load<f32>(<usize>load<u32>(list + (<usize>t << 3)) + (<usize>c << 2));
        const b = <usize>load<u32>(list + (<usize>t << 3) + 4) + (<usize>c << 3);
        s0 += xv * load<f32>(b);
        s1 += xv * load<f32>(b, 4);
      }
      store<f32>(out + (<usize>c << 3), s0);
      store<f32>(out + (<usize>c << 3), s1, 4);
    }
  } else {
    const CO = C * m;
    for (let o = 0; o < CO; o++) store<f32>(out + (<usize>o << 2), 0);
    for (let t = 0; t < nt; t++) {
      const a = <usize>load<u32>(list + (<usize>t << 3));
      const b = <usize>load<u32>(list + (<usize>t << 3) + 4);
      for (let c = 0; c < C; c++) {
        const xv = load<f32>(a + (<usize>c << 2));
        const base = <usize>(c * m) << 2;
        for (let j = 0; j < m; j++) {
          const q = base + (<usize>j << 2);
          store<f32>(out + q, load<f32>(out + q) + xv * load<f32>(b + q));
        }
      }
    }
  }
}

/**
 * dot_forward with m = 1 for two output pixels that share their taps: out[c] = sum_t a_t[c] * b_t[c] and
 * out2[c] = sum_t a_t[c + da] * b_t[c] (da, out2 - out: byte offsets). Each kernel vector is loaded once for both.
 */
function dot_pair(list: usize, nt: i32, out: usize, C: i32, da: usize, dout: usize): void {
  let c = 0;
  for (; c + 16 <= C; c += 16) {
    const o = <usize>c << 2;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let u0 = f32x4.splat(0), u1 = f32x4.splat(0), u2 = f32x4.splat(0), u3 = f32x4.splat(0);
    for (let t = 0; t < nt; t++) {
      const a = <usize>load<u32>(list + (<usize>t << 3)) + o;
      const b = <usize>load<u32>(list + (<usize>t << 3) + 4) + o;
      const a2 = a + da;
      const w0 = v128.load(b), w1 = v128.load(b, 16), w2 = v128.load(b, 32), w3 = v128.load(b, 48);
      s0 = madd(v128.load(a), w0, s0); u0 = madd(v128.load(a2), w0, u0);
      s1 = madd(v128.load(a, 16), w1, s1); u1 = madd(v128.load(a2, 16), w1, u1);
      s2 = madd(v128.load(a, 32), w2, s2); u2 = madd(v128.load(a2, 32), w2, u2);
      s3 = madd(v128.load(a, 48), w3, s3); u3 = madd(v128.load(a2, 48), w3, u3);
    }
    const p = out + o, q = out + o + dout;
    v128.store(p, s0); v128.store(p, s1, 16); v128.store(p, s2, 32); v128.store(p, s3, 48);
    v128.store(q, u0); v128.store(q, u1, 16); v128.store(q, u2, 32); v128.store(q, u3, 48);
  }
  for (; c + 4 <= C; c += 4) {
    const o = <usize>c << 2;
    let s0 = f32x4.splat(0), u0 = f32x4.splat(0);
    for (let t = 0; t < nt; t++) {
      const a = <usize>load<u32>(list + (<usize>t << 3)) + o;
      const w0 = v128.load(<usize>load<u32>(list + (<usize>t << 3) + 4) + o);
      s0 = madd(v128.load(a), w0, s0); u0 = madd(v128.load(a + da), w0, u0);
    }
    v128.store(out + o, s0); v128.store(out + o + dout, u0);
  }
  for (; c < C; c++) {
    const o = <usize>c << 2;
    let s: f32 = 0, u: f32 = 0;
    for (let t = 0; t < nt; t++) {
      const a = <usize>load<u32>(list + (<usize>t << 3)) + o;
      const wv = load<f32>(<usize>load<u32>(list + (<usize>t << 3) + 4) + o);
      s += load<f32>(a) * wv; u += load<f32>(a + da) * wv;
    }
    store<f32>(out + o, s); store<f32>(out + o + dout, u);
  }
}

/** out[c] = sum_t sum_j a_t[c*m + j] * b_t[c*m + j] for c < C (the input gradient: a = dy, b = w). */
function dot_backward(list: usize, nt: i32, out: usize, C: i32, m: i32): void {
  if (m == 1) { dot_forward(list, nt, out, C, 1); return; }
  if (m == 2) {
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      const bo = <usize>c << 3;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      for (let t = 0; t < nt; t++) {
        const a = <usize>load<u32>(list + (<usize>t << 3)) + bo;
        const b = <usize>load<u32>(list + (<usize>t << 3) + 4) + bo;
        s0 = madd(v128.load(a), v128.load(b), s0);
        s1 = madd(v128.load(a, 16), v128.load(b, 16), s1);
      }
      // lanes (2c', 2c'+1) of the 8 outputs belong to input channel c + c'
      v128.store(out + (<usize>c << 2), f32x4.add(v128.shuffle<f32>(s0, s1, 0, 2, 4, 6), v128.shuffle<f32>(s0, s1, 1, 3, 5, 7)));
    }
    for (; c < C; c++) {
      let s: f32 = 0;
      for (let t = 0; t < nt; t++) {
        const a = <usize>load<u32>(list + (<usize>t << 3)) + (<usize>c << 3);
        const b = <usize>load<u32>(list + (<usize>t << 3) + 4) + (<usize>c << 3);
        s += load<f32>(a) * load<f32>(b) + load<f32>(a, 4) * load<f32>(b, 4);
      }
      store<f32>(out + (<usize>c << 2), s);
    }
    return;
  }
  for (let c = 0; c < C; c++) {
    const base = <usize>(c * m) << 2;
    let s: f32 = 0;
    for (let t = 0; t < nt; t++) {
      const a = <usize>load<u32>(list + (<usize>t << 3)) + base;
      const b = <usize>load<u32>(list + (<usize>t << 3) + 4) + base;
      for (let j = 0; j < m; j++) s += load<f32>(a + (<usize>j << 2)) * load<f32>(b + (<usize>j << 2));
    }
    store<f32>(out + (<usize>c << 2), s);
  }
}

// ---------------------------------------------------------------------------------------------
// Forward

/** Output rows [r0, r1) (r = n*OH + oy) of the depthwise convolution of x with w into y. */
export function dw_conv2d_rows(x: usize, w: usize, y: usize, m: i32, g: usize, r0: i32, r1: i32, list: usize): void {
  const H = geo(g, G_H), W = geo(g, G_W), C = geo(g, G_C), OH = geo(g, G_OH), OW = geo(g, G_OW);
  const KH = geo(g, G_KH), KW = geo(g, G_KW), SH = geo(g, G_SH), SW = geo(g, G_SW);
  const DH = geo(g, G_DH), DW = geo(g, G_DW), PT = geo(g, G_PT), PL = geo(g, G_PL);
  const CO = C * m;
  const pixBytes = <usize>C << 2, outPix = <usize>CO << 2, tapBytes = <usize>CO << 2;
  for (let r = r0; r < r1; r++) {
    const n = r / OH, oy = r - n * OH;
    const iy0 = oy * SH - PT;
    const ky0 = tapLo(iy0, DH), ky1 = tapHi(iy0, DH, KH, H);
    const yrow = y + <usize>r * <usize>OW * outPix;
    const ximg = x + <usize>n * <usize>H * <usize>W * pixBytes;
    for (let ox = 0; ox < OW; ox++) {
      const ix0 = ox * SW - PL;
      const kx0 = tapLo(ix0, DW), kx1 = tapHi(ix0, DW, KW, W);
      // m = 1 and the next pixel has the same taps: both at once
      const pair = m == 1 && ox + 1 < OW && tapLo(ix0 + SW, DW) == kx0 && tapHi(ix0 + SW, DW, KW, W) == kx1;
      let nt = 0;
      for (let ky = ky0; ky < ky1; ky++) {
        const xr = ximg + <usize>(iy0 + ky * DH) * <usize>W * pixBytes;
        for (let kx = kx0; kx < kx1; kx++) {
          const e = list + (<usize>nt << 3);
          store<u32>(e, <u32>(xr + <usize>(ix0 + kx * DW) * pixBytes));
          store<u32>(e, <u32>(w + <usize>(ky * KW + kx) * tapBytes), 4);
          nt++;
        }
      }
      if (pair) {
        dot_pair(list, nt, yrow + <usize>ox * outPix, C, <usize>SW * pixBytes, outPix);
        ox++;
      } else {
        dot_forward(list, nt, yrow + <usize>ox * outPix, C, m);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Input gradient

/**
 * Input rows [r0, r1) (r = n*H + iy) of dx: dx[iy, ix, c] = sum over the taps reading (iy, ix) of dy * w. The taps
 * ky (and the dy rows they read) are listed once per row; with SW = 1 the valid kx form an interval and neighbouring
 * pixels with the same interval run in pairs (m = 1), else each kx is tested for a whole output column.
 */
export function dw_input_grad_rows(dy: usize, w: usize, dx: usize, m: i32, g: usize, r0: i32, r1: i32, list: usize): void {
  const H = geo(g, G_H), W = geo(g, G_W), C = geo(g, G_C), OH = geo(g, G_OH), OW = geo(g, G_OW);
  const KH = geo(g, G_KH), KW = geo(g, G_KW), SH = geo(g, G_SH), SW = geo(g, G_SW);
  const DH = geo(g, G_DH), DW = geo(g, G_DW), PT = geo(g, G_PT), PL = geo(g, G_PL);
  const CO = C * m;
  const pixBytes = <usize>C << 2, dyPix = <usize>CO << 2, tapBytes = <usize>CO << 2;
  const rowList = list + (<usize>(KH * KW) << 3);
  for (let r = r0; r < r1; r++) {
    const n = r / H, iy = r - n * H;
    const dxrow = dx + <usize>r * <usize>W * pixBytes;
    const dyimg = dy + <usize>n * <usize>OH * <usize>OW * dyPix;
    // taps ky whose output row oy = (iy + PT - ky*DH) / SH is whole and in [0, OH)
    let nky = 0;
    for (let ky = 0; ky < KH; ky++) {
      const ty = iy + PT - ky * DH;
      if (ty < 0) break; // ty decreases with ky
      const oy = ty / SH;
      if (oy * SH != ty || oy >= OH) continue;
      const e = rowList + (<usize>nky << 3);
      store<u32>(e, <u32>(dyimg + <usize>oy * <usize>OW * dyPix));
      store<u32>(e, <u32>(w + <usize>(ky * KW) * tapBytes), 4);
      nky++;
    }
    for (let ix = 0; ix < W; ix++) {
      let nt = 0;
      let pair = false;
      if (SW == 1) {
        // tx = ix + PL - kx*DW in [0, OW)
        const tx0 = ix + PL;
        let kx0 = ceilDiv(tx0 - OW + 1, DW), kx1 = floorDiv(tx0, DW) + 1;
        if (kx0 < 0) kx0 = 0;
        if (kx1 > KW) kx1 = KW;
        pair = m == 1 && ix + 1 < W && imax(ceilDiv(tx0 - OW + 2, DW), 0) == kx0 && imin(floorDiv(tx0 + 1, DW) + 1, KW) == kx1;
        for (let a = 0; a < nky; a++) {
          const dyr = <usize>load<u32>(rowList + (<usize>a << 3));
          const wr = <usize>load<u32>(rowList + (<usize>a << 3) + 4);
          for (let kx = kx0; kx < kx1; kx++) {
            const e = list + (<usize>nt << 3);
            store<u32>(e, <u32>(dyr + <usize>(tx0 - kx * DW) * dyPix));
            store<u32>(e, <u32>(wr + <usize>kx * tapBytes), 4);
            nt++;
          }
        }
      } else {
        for (let kx = 0; kx < KW; kx++) {
          const tx = ix + PL - kx * DW;
          if (tx < 0) break;
          const ox = tx / SW;
          if (ox * SW != tx || ox >= OW) continue;
          for (let a = 0; a < nky; a++) {
            const e = list + (<usize>nt << 3);
            store<u32>(e, <u32>(<usize>load<u32>(rowList + (<usize>a << 3)) + <usize>ox * dyPix));
            store<u32>(e, <u32>(<usize>load<u32>(rowList + (<usize>a << 3) + 4) + <usize>kx * tapBytes), 4);
            nt++;
          }
        }
      }
      if (pair) {
        dot_pair(list, nt, dxrow + <usize>ix * pixBytes, C, dyPix, pixBytes);
        ix++;
      } else {
        dot_backward(list, nt, dxrow + <usize>ix * pixBytes, C, m);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Filter gradient

/**
 * part[o] += sum_{i < count} x_i[o / m] * dy_i[o], x_i = x + i*xStep, dy_i = dy + i*dyStep (bytes), o < C*m:
 * the sums of one tap over one output row, in registers, added to the partial once.
 */
function tap_row_sum(x: usize, xStep: usize, dy: usize, dyStep: usize, count: i32, part: usize, C: i32, m: i32): void {
  if (count <= 0) return;
  if (m == 1) {
    let c = 0;
    for (; c + 16 <= C; c += 16) {
      const o = <usize>c << 2;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let a = x + o, b = dy + o;
      for (let i = 0; i < count; i++) {
        s0 = madd(v128.load(a), v128.load(b), s0);
        s1 = madd(v128.load(a, 16), v128.load(b, 16), s1);
        s2 = madd(v128.load(a, 32), v128.load(b, 32), s2);
        s3 = madd(v128.load(a, 48), v128.load(b, 48), s3);
        a += xStep; b += dyStep;
      }
      const p = part + o;
      v128.store(p, f32x4.add(v128.load(p), s0));
      v128.store(p, f32x4.add(v128.load(p, 16), s1), 16);
      v128.store(p, f32x4.add(v128.load(p, 32), s2), 32);
      v128.store(p, f32x4.add(v128.load(p, 48), s3), 48);
    }
    for (; c + 4 <= C; c += 4) {
      const o = <usize>c << 2;
      let s0 = f32x4.splat(0);
      let a = x + o, b = dy + o;
      for (let i = 0; i < count; i++) { s0 = madd(v128.load(a), v128.load(b), s0); a += xStep; b += dyStep; }
      v128.store(part + o, f32x4.add(v128.load(part + o), s0));
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      let s: f32 = 0;
      let a = x + o, b = dy + o;
      for (let i = 0; i < count; i++) { s += load<f32>(a) * load<f32>(b); a += xStep; b += dyStep; }
      store<f32>(part + o, load<f32>(part + o) + s);
    }
  } else if (m == 2) {
    let c = 0;
    for (; c + 8 <= C; c += 8) {
      const ao = <usize>c << 2, bo = <usize>c << 3;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let a = x + ao, b = dy + bo;
      for (let i = 0; i < count; i++) {
        const x0 = v128.load(a), x1 = v128.load(a, 16);
        s0 = madd(v128.shuffle<f32>(x0, x0, 0, 0, 1, 1), v128.load(b), s0);
        s1 = madd(v128.shuffle<f32>(x0, x0, 2, 2, 3, 3), v128.load(b, 16), s1);
        s2 = madd(v128.shuffle<f32>(x1, x1, 0, 0, 1, 1), v128.load(b, 32), s2);
        s3 = madd(v128.shuffle<f32>(x1, x1, 2, 2, 3, 3), v128.load(b, 48), s3);
        a += xStep; b += dyStep;
      }
      const p = part + bo;
      v128.store(p, f32x4.add(v128.load(p), s0));
      v128.store(p, f32x4.add(v128.load(p, 16), s1), 16);
      v128.store(p, f32x4.add(v128.load(p, 32), s2), 32);
      v128.store(p, f32x4.add(v128.load(p, 48), s3), 48);
    }
    for (; c + 2 <= C; c += 2) {
      const ao = <usize>c << 2, bo = <usize>c << 3;
      let s0 = f32x4.splat(0);
      let a = x + ao, b = dy + bo;
      for (let i = 0; i < count; i++) {
        const x0 = v128.load64_zero(a);
        s0 = madd(v128.shuffle<f32>(x0, x0, 0, 0, 1, 1), v128.load(b), s0);
        a += xStep; b += dyStep;
      }
      v128.store(part + bo, f32x4.add(v128.load(part + bo), s0));
    }
    for (; c < C; c++) {
      let s0: f32 = 0, s1: f32 = 0;
      let a = x + (<usize>c << 2), b = dy + (<usize>c << 3);
      for (let i = 0; i < count; i++) {
        const xv = load<f32>(a);
        s0 += xv * load<f32>(b);
        s1 += xv * load<f32>(b, 4);
        a += xStep; b += dyStep;
      }
      const p = part + (<usize>c << 3);
      store<f32>(p, load<f32>(p) + s0);
      store<f32>(p, load<f32>(p, 4) + s1, 4);
    }
  } else {
    for (let c = 0; c < C; c++) {
      for (let j = 0; j < m; j++) {
        const o = <usize>(c * m + j) << 2;
        let s: f32 = 0;
        let a = x + (<usize>c << 2), b = dy + o;
        for (let i = 0; i < count; i++) { s += load<f32>(a) * load<f32>(b); a += xStep; b += dyStep; }
        store<f32>(part + o, load<f32>(part + o) + s);
      }
    }
  }
}

/**
 * The filter gradient of output rows [r0, r1) into part [KH*KW, C*m] (zeroed first):
 * part[ky, kx, o] = sum over the rows' pixels of x[iy, ix, o / m] * dy[oy, ox, o].
 */
export function dw_filter_grad_rows(x: usize, dy: usize, part: usize, m: i32, g: usize, r0: i32, r1: i32): void {
  const H = geo(g, G_H), W = geo(g, G_W), C = geo(g, G_C), OH = geo(g, G_OH), OW = geo(g, G_OW);
  const KH = geo(g, G_KH), KW = geo(g, G_KW), SH = geo(g, G_SH), SW = geo(g, G_SW);
  const DH = geo(g, G_DH), DW = geo(g, G_DW), PT = geo(g, G_PT), PL = geo(g, G_PL);
  const CO = C * m;
  const pixBytes = <usize>C << 2, dyPix = <usize>CO << 2, tapBytes = <usize>CO << 2;
  memory.fill(part, 0, <usize>(KH * KW) * tapBytes);
  for (let r = r0; r < r1; r++) {
    const n = r / OH, oy = r - n * OH;
    const iy0 = oy * SH - PT;
    const ky0 = tapLo(iy0, DH), ky1 = tapHi(iy0, DH, KH, H);
    const dyrow = dy + <usize>r * <usize>OW * dyPix;
    const ximg = x + <usize>n * <usize>H * <usize>W * pixBytes;
    for (let ky = ky0; ky < ky1; ky++) {
      const xr = ximg + <usize>(iy0 + ky * DH) * <usize>W * pixBytes;
      for (let kx = 0; kx < KW; kx++) {
        // output columns whose tap kx lands in [0, W): ix = ox*SW - PL + kx*DW
        const off = kx * DW - PL;
        let ox0 = ceilDiv(-off, SW);
        if (ox0 < 0) ox0 = 0;
        let ox1 = floorDiv(W - 1 - off, SW) + 1;
        if (ox1 > OW) ox1 = OW;
        if (ox1 <= ox0) continue;
        tap_row_sum(xr + <usize>(ox0 * SW + off) * pixBytes, <usize>SW * pixBytes, dyrow + <usize>ox0 * dyPix, dyPix,
          ox1 - ox0, part + <usize>(ky * KW + kx) * tapBytes, C, m);
      }
    }
  }
}
