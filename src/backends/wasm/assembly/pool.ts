// 2-D pooling of NHWC float32 images, vectorised over channels (4 at a time, scalar tail), and the
// axis-0 scatter-add that is the max-pool gradient.
//
// Window geometry is a block of i32 (G_* below) that the job parameters point at. Every pooling
// function handles a range [r0, r1) of rows: output rows (n * OH + oy) for the forward kernels,
// input rows (n * H + iy) for the average-pool gradient, which gathers from the windows covering
// each input pixel instead of scattering into them, so row ranges never write the same element
// and threads need no synchronisation. Windows are clipped to the image: padding never wins a max
// and never counts in an average (the reference semantics, backends/cpu/conv.ts).

// Geometry block layout (i32 slots).
const G_H = 0, G_W = 1, G_C = 2, G_OH = 3, G_OW = 4, G_KH = 5, G_KW = 6, G_SH = 7, G_SW = 8, G_PT = 9, G_PL = 10;

// @ts-ignore: decorator
@inline function geo(g: usize, k: i32): i32 { return load<i32>(g + <usize>k * 4); }

/** First in-bounds offset of a window starting at `start` (may be negative: padding). */
// @ts-ignore: decorator
@inline function clipLo(start: i32): i32 { return start < 0 ? -start : 0; }

/** One past the last in-bounds offset of a window of `k` starting at `start` on an axis of `size`. */
// @ts-ignore: decorator
@inline function clipHi(start: i32, k: i32, size: i32): i32 { return start + k > size ? size - start : k; }

// @ts-ignore: decorator
@inline function f32At(base: usize, e: i32): usize { return base + (<usize>e << 2); }

/** a where the lane mask m is all ones, else b (masks here are comparison results: one blend in the relaxed build). */
// @ts-ignore: decorator
@inline function laneSelect(a: v128, b: v128, m: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return i32x4.relaxed_laneselect(a, b, m);
  } else {
    return v128.bitselect(a, b, m);
  }
}

/** 1 where v should replace the running max m: v > m, or v is NaN (NaN wins; the first NaN stays). */
// @ts-ignore: decorator
@inline function beatsMax(v: v128, m: v128): v128 {
  return v128.or(f32x4.gt(v, m), v128.andnot(f32x4.ne(v, v), f32x4.ne(m, m)));
}
// @ts-ignore: decorator
@inline function beatsMaxScalar(v: f32, m: f32): bool {
  return v > m || (v != v && m == m);
}

// Pooling kinds (T_POOL2D parameter 0).
export const POOL_MAX = 0;
export const POOL_ARGMAX = 1;
export const POOL_AVG = 2;
/** The max-pool gradient straight from x and dy (windows must not overlap): y is dx, the argmax stays in registers. */
export const POOL_MAX_GRAD = 3;

/**
 * Output rows [r0, r1) of a pooling of x into y: the max (first maximum in window order, NaN wins),
 * its int32 index into the whole input (row-major), or the mean over the in-bounds positions.
 */
export function pool2d_rows(kind: i32, x: usize, y: usize, dy: usize, g: usize, r0: i32, r1: i32): void {
  // one specialised copy of the loops per kind (the kind is a constant inside each)
  if (kind == POOL_MAX) poolRows(POOL_MAX, x, y, 0, g, r0, r1);
  else if (kind == POOL_ARGMAX) poolRows(POOL_ARGMAX, x, y, 0, g, r0, r1);
  else if (kind == POOL_AVG) poolRows(POOL_AVG, x, y, 0, g, r0, r1);
  else poolRows(POOL_MAX_GRAD, x, y, dy, g, r0, r1);
}

/**
 * POOL_MAX_GRAD, output row r: zeroes the input pixels of the row's band (input rows from its window's top
 * to the next window's, the first and last bands stretched to the image edges) that the window positions
 * written by poolRows do not cover: rows between windows, and whole window rows when columns have gaps.
 */
// @ts-ignore: decorator
@inline function zeroUncovered(dx: usize, r: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32, SH: i32, SW: i32, PT: i32, PL: i32): void {
  const n = r / OH;
  const oy = r - n * OH;
  const iy0 = oy * SH - PT;
  const bandLo = oy == 0 ? 0 : iy0;
  const bandHi = oy == OH - 1 ? H : min(iy0 + SH, H);
  const colGaps = SW > KW || (OW - 1) * SW - PL + KW < W;
  const rowBytes = <usize>(W * C) << 2;
  for (let iy = bandLo; iy < bandHi; iy++) {
    if (colGaps || iy >= iy0 + KH) memory.fill(f32At(dx, (n * H + iy) * W * C), 0, rowBytes);
  }
}

// @ts-ignore: decorator
@inline function poolRows(kind: i32, x: usize, y: usize, dy: usize, g: usize, r0: i32, r1: i32): void {
  const H = geo(g, G_H), W = geo(g, G_W), C = geo(g, G_C), OH = geo(g, G_OH), OW = geo(g, G_OW);
  const KH = geo(g, G_KH), KW = geo(g, G_KW), SH = geo(g, G_SH), SW = geo(g, G_SW), PT = geo(g, G_PT), PL = geo(g, G_PL);
  const C4 = C & ~3;
  const lanes = i32x4(0, 1, 2, 3);
  for (let r = r0; r < r1; r++) {
    if (kind == POOL_MAX_GRAD) zeroUncovered(y, r, H, W, C, OH, OW, KH, KW, SH, SW, PT, PL);
    const n = r / OH;
    const iy0 = (r - n * OH) * SH - PT;
    const ky0 = clipLo(iy0), ky1 = clipHi(iy0, KH, H);
    const rowBase = (n * H + iy0) * W; // pixel index of (n, iy0, 0); iy0 may be negative
    for (let ox = 0; ox < OW; ox++) {
      const ix0 = ox * SW - PL;
      const kx0 = clipLo(ix0), kx1 = clipHi(ix0, KW, W);
      const count = <f32>((ky1 - ky0) * (kx1 - kx0));
      // element index of the first in-bounds window position; the window loops restart from it
      const first = (rowBase + ky0 * W + ix0 + kx0) * C;
      const o = (r * OW + ox) * C;
      let c = 0;
      if (KH == 2 && KW == 2 && ky1 - ky0 == 2 && kx1 - kx0 == 2) {
        pool2x2Blocks(kind, x, y, dy, first, o, C4, W * C, C);
        c = C4;
      }
      for (; c < C4; c += 4) {
        let best = v128.load(f32At(x, first + c));
        let bestAt = i32x4.add(i32x4.splat(first + c), lanes);
        let sum = f32x4.splat(0);
        for (let ky = ky0; ky < ky1; ky++) {
          let e = (rowBase + ky * W + ix0 + kx0) * C + c;
          for (let kx = kx0; kx < kx1; kx++, e += C) {
            const v = v128.load(f32At(x, e));
            if (kind == POOL_AVG) {
              sum = f32x4.add(sum, v);
            } else {
              // the first position compares with itself: never replaces (NaN: same value)
              const take = beatsMax(v, best);
              best = laneSelect(v, best, take);
              if (kind != POOL_MAX) bestAt = laneSelect(i32x4.add(i32x4.splat(e), lanes), bestAt, take);
            }
          }
        }
        if (kind == POOL_MAX) v128.store(f32At(y, o + c), best);
        else if (kind == POOL_ARGMAX) v128.store(f32At(y, o + c), bestAt);
        else if (kind == POOL_AVG) v128.store(f32At(y, o + c), f32x4.div(sum, f32x4.splat(count)));
        else {
          // dx at each window position: dy where the position is the argmax, else 0
          const d = v128.load(f32At(dy, o + c));
          for (let ky = ky0; ky < ky1; ky++) {
            let e = (rowBase + ky * W + ix0 + kx0) * C + c;
            for (let kx = kx0; kx < kx1; kx++, e += C) {
              v128.store(f32At(y, e), v128.and(d, i32x4.eq(bestAt, i32x4.add(i32x4.splat(e), lanes))));
            }
          }
        }
      }
      for (; c < C; c++) {
        let best = load<f32>(f32At(x, first + c));
        let bestAt = first + c;
        let sum: f32 = 0;
        for (let ky = ky0; ky < ky1; ky++) {
          let e = (rowBase + ky * W + ix0 + kx0) * C + c;
          for (let kx = kx0; kx < kx1; kx++, e += C) {
            const v = load<f32>(f32At(x, e));
            if (kind == POOL_AVG) sum += v;
            else if (beatsMaxScalar(v, best)) { best = v; bestAt = e; }
          }
        }
        if (kind == POOL_MAX) store<f32>(f32At(y, o + c), best);
        else if (kind == POOL_ARGMAX) store<i32>(f32At(y, o + c), bestAt);
        else if (kind == POOL_AVG) store<f32>(f32At(y, o + c), sum / count);
        else {
          const d = load<f32>(f32At(dy, o + c));
          for (let ky = ky0; ky < ky1; ky++) {
            let e = (rowBase + ky * W + ix0 + kx0) * C + c;
            for (let kx = kx0; kx < kx1; kx++, e += C) store<f32>(f32At(y, e), e == bestAt ? d : 0);
          }
        }
      }
    }
  }
}

/**
 * Channels [0, C4) of one whole 2x2 window (the common case: unrolled, no window loops): the window's
 * elements are at element offsets 0, C, rowStride, rowStride + C from `first`; output at element `o`
 * (POOL_MAX_GRAD: dy at element `o`, dx at the window's elements).
 */
// @ts-ignore: decorator
@inline function pool2x2Blocks(kind: i32, x: usize, y: usize, dy: usize, first: i32, o: i32, C4: i32, rowStride: i32, C: i32): void {
  const b = <usize>C << 2, d = <usize>rowStride << 2, e = d + b;
  let at = i32x4.add(i32x4.splat(first), i32x4(0, 1, 2, 3));
  const atB = i32x4.splat(C), atD = i32x4.splat(rowStride), atE = i32x4.splat(rowStride + C);
  const step = i32x4.splat(4);
  let p = f32At(x, first);
  let q = f32At(kind == POOL_MAX_GRAD ? dy : y, o);
  const end = q + (<usize>C4 << 2);
  for (; q < end; p += 16, q += 16) {
    const v0 = v128.load(p), v1 = v128.load(p + b), v2 = v128.load(p + d), v3 = v128.load(p + e);
    if (kind == POOL_MAX_GRAD) {
      // which of the 4 positions wins (0..3), then dy at the winner and 0 at the others
      let t = beatsMax(v1, v0);
      let m = laneSelect(v1, v0, t);
      let win = v128.and(t, i32x4.splat(1));
      t = beatsMax(v2, m);
      m = laneSelect(v2, m, t);
      win = laneSelect(i32x4.splat(2), win, t);
      win = laneSelect(i32x4.splat(3), win, beatsMax(v3, m));
      const grad = v128.load(q);
      const out = y + (p - x);
      v128.store(out, v128.and(grad, i32x4.eq(win, i32x4.splat(0))));
      v128.store(out + b, v128.and(grad, i32x4.eq(win, i32x4.splat(1))));
      v128.store(out + d, v128.and(grad, i32x4.eq(win, i32x4.splat(2))));
      v128.store(out + e, v128.and(grad, i32x4.eq(win, i32x4.splat(3))));
    } else if (kind == POOL_AVG) {
      v128.store(q, f32x4.mul(f32x4.add(f32x4.add(v0, v1), f32x4.add(v2, v3)), f32x4.splat(0.25)));
    } else if (kind == POOL_MAX) {
      // NaN anywhere wins (any NaN: the value is NaN either way)
      let m = laneSelect(v1, v0, v128.or(f32x4.gt(v1, v0), f32x4.ne(v1, v1)));
      m = laneSelect(v2, m, v128.or(f32x4.gt(v2, m), f32x4.ne(v2, v2)));
      m = laneSelect(v3, m, v128.or(f32x4.gt(v3, m), f32x4.ne(v3, v3)));
      v128.store(q, m);
    } else {
      let t = beatsMax(v1, v0);
      let m = laneSelect(v1, v0, t);
      let i = laneSelect(i32x4.add(at, atB), at, t);
      t = beatsMax(v2, m);
      m = laneSelect(v2, m, t);
      i = laneSelect(i32x4.add(at, atD), i, t);
      t = beatsMax(v3, m);
      i = laneSelect(i32x4.add(at, atE), i, t);
      v128.store(q, i);
      at = i32x4.add(at, step);
    }
  }
}

/** In-bounds extent of the window starting at `start` (its divisor factor along one axis). */
// @ts-ignore: decorator
@inline function extent(start: i32, k: i32, size: i32): i32 { return clipHi(start, k, size) - clipLo(start); }

/** First window index (of stride s, size k, pad p) that covers position i. */
// @ts-ignore: decorator
@inline function firstWindow(i: i32, k: i32, s: i32, p: i32): i32 {
  const t = i + p - k + 1;
  return t <= 0 ? 0 : (t + s - 1) / s;
}

/** Last window index that covers position i (clamped to the last window). */
// @ts-ignore: decorator
@inline function lastWindow(i: i32, s: i32, p: i32, count: i32): i32 {
  const w = (i + p) / s;
  return w < count - 1 ? w : count - 1;
}

// Gradient kinds (T_*_POOL2D_GRAD): how one window's dy reaches a pixel it covers.
const GRAD_AVG = 0; // dy / (the window's in-bounds size)
const GRAD_MAX = 1; // dy where the window's argmax is this element, else 0

/**
 * One window's contribution to the C elements of a pixel: dx = (first ? 0 : dx) + share(dy). `e` is the
 * pixel's element index (what an argmax names), `count` the window's in-bounds size.
 */
// @ts-ignore: decorator
@inline function addWindowShare(kind: i32, out: usize, dy: usize, argmax: usize, e: i32, C: i32, count: f32, first: bool): void {
  const C4 = C & ~3;
  let self = i32x4.add(i32x4.splat(e), i32x4(0, 1, 2, 3));
  const step = i32x4.splat(4);
  const divisor = f32x4.splat(count);
  let c = 0;
  for (; c < C4; c += 4, self = i32x4.add(self, step)) {
    const at = <usize>c << 2;
    const d = v128.load(dy + at);
    const share = kind == GRAD_MAX ? v128.and(d, i32x4.eq(v128.load(argmax + at), self)) : f32x4.div(d, divisor);
    v128.store(out + at, first ? f32x4.add(f32x4.splat(0), share) : f32x4.add(v128.load(out + at), share));
  }
  for (; c < C; c++) {
    const at = <usize>c << 2;
    const d = load<f32>(dy + at);
    const share: f32 = kind == GRAD_MAX ? (load<i32>(argmax + at) == e + c ? d : 0) : d / count;
    store<f32>(out + at, first ? <f32>0 + share : load<f32>(out + at) + share);
  }
}

/**
 * Input rows [r0, r1) of a pooling gradient: each pixel sums the shares of the windows covering it, in
 * window order (the reference's order); a pixel no window covers gets 0.
 */
// @ts-ignore: decorator
@inline function gradRows(kind: i32, dy: usize, argmax: usize, dx: usize, g: usize, r0: i32, r1: i32): void {
  const H = geo(g, G_H), W = geo(g, G_W), C = geo(g, G_C), OH = geo(g, G_OH), OW = geo(g, G_OW);
  const KH = geo(g, G_KH), KW = geo(g, G_KW), SH = geo(g, G_SH), SW = geo(g, G_SW), PT = geo(g, G_PT), PL = geo(g, G_PL);
  for (let r = r0; r < r1; r++) {
    const n = r / H;
    const iy = r - n * H;
    const oy0 = firstWindow(iy, KH, SH, PT), oy1 = lastWindow(iy, SH, PT, OH);
    // the windows covering column ix are ox0..ox1; both only grow with ix (no division per pixel)
    let ox0 = 0, ox1 = -1;
    for (let ix = 0; ix < W; ix++) {
      while (ox0 < OW && ox0 * SW - PL + KW <= ix) ox0++;
      while (ox1 + 1 < OW && (ox1 + 1) * SW - PL <= ix) ox1++;
      const e = (r * W + ix) * C;
      const out = f32At(dx, e);
      let first = true;
      for (let oy = oy0; oy <= oy1; oy++) {
        const rows = extent(oy * SH - PT, KH, H);
        for (let ox = ox0; ox <= ox1; ox++) {
          const o = ((n * OH + oy) * OW + ox) * C;
          const count = <f32>(rows * extent(ox * SW - PL, KW, W));
          addWindowShare(kind, out, f32At(dy, o), f32At(argmax, o), e, C, count, first);
          first = false;
        }
      }
      if (first) memory.fill(out, 0, <usize>C << 2);
    }
  }
}

/**
 * Input rows [r0, r1) of the average-pool gradient: dx[pixel] = sum over the windows covering the
 * pixel of dy[window] / (the window's in-bounds size).
 */
export function avg_pool2d_grad_rows(dy: usize, dx: usize, g: usize, r0: i32, r1: i32): void {
  gradRows(GRAD_AVG, dy, 0, dx, g, r0, r1);
}

/**
 * Input rows [r0, r1) of the max-pool gradient: dx[i] = sum of dy over the windows covering i whose
 * argmax (int32 index into the input, from pool2d_rows POOL_ARGMAX) is i.
 */
export function max_pool2d_grad_rows(dy: usize, argmax: usize, dx: usize, g: usize, r0: i32, r1: i32): void {
  gradRows(GRAD_MAX, dy, argmax, dx, g, r0, r1);
}

/** Normalises a possibly negative index (Python style) against an axis of `size`. */
// @ts-ignore: decorator
@inline function wrapIndex(k: i32, size: i32): i32 { return k < 0 ? k + size : k; }

/**
 * Smallest and largest normalised index of idx[j0, j1), stored as two i32 at res: the caller checks
 * them against the axis size and decides whether chunks of a scatter can run in parallel.
 */
export function index_range(idx: usize, size: i32, j0: i32, j1: i32, res: usize): void {
  let lo = i32.MAX_VALUE, hi = i32.MIN_VALUE;
  let j = j0;
  if (j1 - j0 >= 8) {
    // 4 lanes at a time: wrap = idx + (idx < 0 ? size : 0)
    const sizes = i32x4.splat(size);
    let vlo = i32x4.splat(i32.MAX_VALUE), vhi = i32x4.splat(i32.MIN_VALUE);
    for (; j + 4 <= j1; j += 4) {
      const k = v128.load(idx + (<usize>j << 2));
      const w = i32x4.add(k, v128.and(i32x4.lt_s(k, i32x4.splat(0)), sizes));
      vlo = i32x4.min_s(vlo, w);
      vhi = i32x4.max_s(vhi, w);
    }
    for (let l = 0; l < 4; l++) {
      lo = min(lo, i32x4.extract_lane(vlo, 0)); vlo = v128.shuffle<i32>(vlo, vlo, 1, 2, 3, 0);
      hi = max(hi, i32x4.extract_lane(vhi, 0)); vhi = v128.shuffle<i32>(vhi, vhi, 1, 2, 3, 0);
    }
  }
  for (; j < j1; j++) {
    const k = wrapIndex(load<i32>(idx + (<usize>j << 2)), size);
    lo = k < lo ? k : lo;
    hi = k > hi ? k : hi;
  }
  store<i32>(res, lo);
  store<i32>(res, hi, 4);
}

/** out[idx[j]] += g[j] for rows of `inner` elements, j in [j0, j1), indices already checked. */
export function scatter_add_rows(g: usize, idx: usize, out: usize, inner: i32, size: i32, j0: i32, j1: i32): void {
  if (inner == 1) {
    for (let j = j0; j < j1; j++) {
      const d = f32At(out, wrapIndex(load<i32>(idx + (<usize>j << 2)), size));
      store<f32>(d, load<f32>(d) + load<f32>(f32At(g, j)));
    }
    return;
  }
  const inner4 = inner & ~3;
  for (let j = j0; j < j1; j++) {
    const d = f32At(out, wrapIndex(load<i32>(idx + (<usize>j << 2)), size) * inner);
    const s = f32At(g, j * inner);
    let e = 0;
    for (; e < inner4; e += 4) {
      const at = <usize>e << 2;
      v128.store(d + at, f32x4.add(v128.load(d + at), v128.load(s + at)));
    }
    for (; e < inner; e++) {
      const at = <usize>e << 2;
      store<f32>(d + at, load<f32>(d + at) + load<f32>(s + at));
    }
  }
}
