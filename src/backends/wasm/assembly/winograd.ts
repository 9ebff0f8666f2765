// Winograd F(2x2, 3x3) convolution (Lavin & Gray 2015) for 3x3 kernels, stride 1, dilation 1, NHWC
// images: each 2x2 block of output pixels (a tile) comes from a 4x4 input window (tiles 2 pixels apart):
//
//   out tile = Aᵀ [ Σ_c (Bᵀ d_c B) ⊙ (G g_c Gᵀ) ] A
//
// so the GEMM part is 16 independent products V[ξ][tiles, C] @ U[ξ][C, CO] (one per position ξ of the
// 4x4 transformed tile): 16 multiplies per tile and channel pair instead of 36, 2.25x fewer flops.
//
//   Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]   Aᵀ = [1 1 1 0; 0 1 -1 -1]
//
// The kernel transform U (16 x C x CO, packed as the micro-kernel's B panels) is computed once per call.
// Each chunk (a range of tiles) works in blocks of tb tiles: it transforms the block's input windows
// straight from the image into the micro-kernel's A panels (one set per ξ, L2-sized scratch), then per
// 8-column panel of CO runs the 16 GEMMs into a small L1 buffer and writes the output tiles (Aᵀ m A).
// Input windows are read through a table of 16 pixel addresses per tile; pixels outside the image
// (padding) point at a zero row. Channels are padded to a multiple of 4 with zeros in V and U.
import { MR, NR, ukernel } from "./microkernel";
import { imin } from "./simd";

// Geometry block (i32 slots): the conv geometry of conv.ts; only these are read here.
const G_H = 0, G_W = 1, G_C = 2, G_OH = 3, G_OW = 4, G_PT = 11, G_PL = 12;

// @ts-ignore: decorator
@inline function geo(g: usize, k: i32): i32 { return load<i32>(g + <usize>k * 4); }
// @ts-ignore: decorator
@inline function roundUp(v: i32, m: i32): i32 { return (v + m - 1) / m * m; }
// @ts-ignore: decorator
@inline function align64(bytes: i32): i32 { return (bytes + 63) & ~63; }
/**
 * Distance in bytes between the 16 ξ blocks of a buffer of `bytes` each: an odd number of cache lines, so that a
 * tile's 16 vectors (one per block) fall into 16 different L1 sets. Power-of-two strides (common: 4 KiB
 * multiples) put them all into one 8-way set, and every store of a transform missed (filter gradient 2x slower).
 */
// @ts-ignore: decorator
@inline function xiStrideOf(bytes: i32): usize { return <usize>(align64(bytes) | 64); }

/** Transformed positions per tile (4x4) and bytes of a tile's window address table (16 u32). */
const XI = 16;
const WINDOW_BYTES = XI * 4;
/** Per tile output table: element offset of the tile's top-left output pixel, valid rows, valid columns. */
const OUT_BYTES = 12;
/** Bytes of the per-panel transpose buffer: [ξ][4 tiles] vectors of 4 channels. */
const TMP_BYTES = XI * MR * 16;

// ---------------------------------------------------------------------------------------------
// Kernel transform

/** Bytes of the transformed kernel for R input and `cols` output channels. */
export function winograd_weights_bytes(R: i32, cols: i32): i32 {
  return XI * roundUp(R, 4) * roundUp(cols, NR) * 4;
}

/**
 * U[ξ] = G g Gᵀ for every (input channel r, output channel j) of the 3x3 kernel w, packed per ξ as the
 * micro-kernel's B operand: ξ block of Rp x COp floats (Rp = R rounded up to 4, COp = cols to NR),
 * NR-column panels of Rp rows (padding rows and columns are zeros).
 * Not flipped: g(kh, kw, r, j) = w[((kh * 3 + kw) * R + r) * cols + j] (HWIO).
 * Flipped: g(kh, kw, r, j) = w[((8 - kh * 3 - kw) * cols + j) * R + r]: the kernel rotated by 180° with
 * input and output channels swapped, so that the stride-1 input gradient is this convolution of dY.
 */
export function winograd_transform_weights(w: usize, dst: usize, R: i32, cols: i32, flipped: bool): void {
  const Rp = roundUp(R, 4), COp = roundUp(cols, NR);
  memory.fill(dst, 0, <usize>winograd_weights_bytes(R, cols));
  const xiStride = <usize>(Rp * COp) << 2;
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < cols; j++) {
      // tap t of the 3x3 kernel for this (r, j), and the G g Gᵀ rows as we go
      const d = dst + (<usize>((j / NR) * Rp * NR + r * NR + j % NR) << 2);
      for (let i = 0; i < 4; i++) {
        // row i of G g: a linear combination of the kernel's rows (kh)
        const a0 = gRow(w, i, 0, r, j, R, cols, flipped);
        const a1 = gRow(w, i, 1, r, j, R, cols, flipped);
        const a2 = gRow(w, i, 2, r, j, R, cols, flipped);
        const q = d + <usize>(i * 4) * xiStride;
        store<f32>(q, a0);
        store<f32>(q + xiStride, (a0 + a1 + a2) * 0.5);
        store<f32>(q + 2 * xiStride, (a0 - a1 + a2) * 0.5);
        store<f32>(q + 3 * xiStride, a2);
      }
    }
  }
}

/** (G g)[i, kw] for the kernel of (r, j). */
function gRow(w: usize, i: i32, kw: i32, r: i32, j: i32, R: i32, cols: i32, flipped: bool): f32 {
  const g0 = tap(w, 0, kw, r, j, R, cols, flipped);
  const g1 = tap(w, 1, kw, r, j, R, cols, flipped);
  const g2 = tap(w, 2, kw, r, j, R, cols, flipped);
  if (i == 0) return g0;
  if (i == 1) return (g0 + g1 + g2) * 0.5;
  if (i == 2) return (g0 - g1 + g2) * 0.5;
  return g2;
}

// @ts-ignore: decorator
@inline function tap(w: usize, kh: i32, kw: i32, r: i32, j: i32, R: i32, cols: i32, flipped: bool): f32 {
  const t = kh * 3 + kw;
  return load<f32>(w + (<usize>(flipped ? ((8 - t) * cols + j) * R + r : (t * R + r) * cols + j) << 2));
}

// ---------------------------------------------------------------------------------------------
// Tiles

/** Per-thread scratch bytes of winograd_conv_tiles for blocks of tb tiles and C input channels. */
export function winograd_scratch_bytes(tb: i32, C: i32): i32 {
  const tbP = roundUp(tb, MR), Cp = roundUp(C, 4);
  return XI * <i32>xiStrideOf(tbP * Cp * 4) + XI * <i32>xiStrideOf(tbP * NR * 4) + align64(tbP * WINDOW_BYTES) + align64(tbP * OUT_BYTES)
    + TMP_BYTES + align64(Cp * 4);
}

/**
 * out = conv2d(x, w) for output tiles [t0, t1) (tile t = (n * tilesH + ty) * tilesW + tx, tilesH =
 * ceil(OH / 2), tilesW = ceil(OW / 2)), in blocks of tb tiles. u: winograd_transform_weights(w).
 */
export function winograd_conv_tiles(x: usize, u: usize, out: usize, g: usize, CO: i32, tb: i32, t0: i32, t1: i32, scratch: usize): void {
  const C = geo(g, G_C);
  const tbP = roundUp(tb, MR), Cp = roundUp(C, 4), COp = roundUp(CO, NR);
  const v = scratch;
  const m = v + XI * xiStrideOf(tbP * Cp * 4);
  const windows = m + XI * xiStrideOf(tbP * NR * 4);
  const outs = windows + <usize>align64(tbP * WINDOW_BYTES);
  const tmp = outs + <usize>align64(tbP * OUT_BYTES);
  const zeros = tmp + TMP_BYTES;
  memory.fill(zeros, 0, <usize>(Cp * 4));
  for (let b0 = t0; b0 < t1; b0 += tb) {
    const nb = imin(tb, t1 - b0);
    const nbP = roundUp(nb, MR);
    const vxs = xiStrideOf(nbP * Cp * 4), mxs = xiStrideOf(nbP * NR * 4);
    fillTileTables(x, g, b0, nb, nbP, windows, outs, zeros);
    transformInputs(windows, C, nbP, v, vxs, tmp);
    for (let jr = 0; jr < CO; jr += NR) {
      // 16 GEMMs for output channels [jr, jr + NR): m[ξ][tile][NR] = V[ξ] @ U[ξ][:, jr panel]
      for (let xi = 0; xi < XI; xi++) {
        const bp = u + (<usize>(xi * Cp * COp + jr * Cp) << 2);
        const ap = v + <usize>xi * vxs;
        const cp = m + <usize>xi * mxs;
        for (let p = 0; p < nbP; p += MR) {
          ukernel(Cp, ap + (<usize>(p * Cp) << 2), bp, cp + (<usize>(p * NR) << 2), NR * 4, 1, 0);
        }
      }
      transformOutputs(m, mxs, outs, out, nb, geo(g, G_OW), CO, jr);
    }
  }
}

/**
 * For tiles [b0, b0 + nb) (padded to nbP with all-padding windows): the 16 input pixel addresses of each
 * window (zeros outside the image) and each tile's output position and extent.
 */
function fillTileTables(x: usize, g: usize, b0: i32, nb: i32, nbP: i32, windows: usize, outs: usize, zeros: usize): void {
  const H = geo(g, G_H), W = geo(g, G_W), C = geo(g, G_C), OH = geo(g, G_OH), OW = geo(g, G_OW);
  const PT = geo(g, G_PT), PL = geo(g, G_PL);
  const tilesH = (OH + 1) >> 1, tilesW = (OW + 1) >> 1;
  let n = b0 / (tilesH * tilesW);
  const rem = b0 - n * tilesH * tilesW;
  let ty = rem / tilesW;
  let tx = rem - ty * tilesW;
  for (let t = 0; t < nbP; t++) {
    const wt = windows + <usize>(t * WINDOW_BYTES);
    if (t >= nb) {
      for (let k = 0; k < XI; k++) store<u32>(wt + (<usize>k << 2), <u32>zeros);
      continue;
    }
    const oy = ty * 2, ox = tx * 2;
    const o = outs + <usize>(t * OUT_BYTES);
    store<i32>(o, (n * OH + oy) * OW + ox);
    store<i32>(o, imin(2, OH - oy), 4);
    store<i32>(o, imin(2, OW - ox), 8);
    for (let i = 0; i < 4; i++) {
      const iy = oy - PT + i;
      for (let j = 0; j < 4; j++) {
        const ix = ox - PL + j;
        const inside = <u32>iy < <u32>H && <u32>ix < <u32>W;
        const p = inside ? x + (<usize>(((n * H + iy) * W + ix) * C) << 2) : zeros;
        store<u32>(wt + (<usize>(i * 4 + j) << 2), <u32>p);
      }
    }
    if (++tx == tilesW) {
      tx = 0;
      if (++ty == tilesH) { ty = 0; n++; }
    }
  }
}

/**
 * V[ξ] = Bᵀ d B for every tile window and channel, written as the micro-kernel's A panels: ξ block (xiStride bytes apart) of
 * nbP x Cp floats, panel p (tiles 4p..4p+3) at p * 4 * Cp, element (tile 4p + r, channel c) at c * 4 + r.
 * Four channels of four tiles at a time: each tile's 16 vectors go to tmp, then a 4x4 transpose per ξ.
 */
function transformInputs(windows: usize, C: i32, nbP: i32, v: usize, xiStride: usize, tmp: usize): void {
  const Cp = roundUp(C, 4);
  for (let p = 0; p < nbP; p += MR) {
    const panel = v + (<usize>(p * Cp) << 2);
    for (let c = 0; c < Cp; c += 4) {
      const left = C - c;
      for (let r = 0; r < MR; r++) {
        const wt = windows + <usize>((p + r) * WINDOW_BYTES);
        if (left >= 4) transformWindow(wt, <usize>c << 2, 4, tmp + (<usize>r << 4), 64);
        else transformWindow(wt, <usize>c << 2, left, tmp + (<usize>r << 4), 64);
      }
      let d = panel + (<usize>c << 4);
      for (let xi = 0; xi < XI; xi++) {
        const s = tmp + (<usize>xi << 6);
        const r0 = v128.load(s), r1 = v128.load(s, 16), r2 = v128.load(s, 32), r3 = v128.load(s, 48);
        const t01lo = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
        const t23lo = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
        const t01hi = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const t23hi = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        v128.store(d, v128.shuffle<f32>(t01lo, t23lo, 0, 1, 4, 5));
        v128.store(d, v128.shuffle<f32>(t01lo, t23lo, 2, 3, 6, 7), 16);
        v128.store(d, v128.shuffle<f32>(t01hi, t23hi, 0, 1, 4, 5), 32);
        v128.store(d, v128.shuffle<f32>(t01hi, t23hi, 2, 3, 6, 7), 48);
        d += xiStride;
      }
    }
  }
}

/**
 * Bᵀ d B of one window for `lanes` channels (4, or 1-3 at the channel tail; missing lanes are zeros) at byte
 * offset o of each pixel; vector ξ = 4i + j goes to dst + ξ * xs.
 * Bᵀ rows: t0 = d0 - d2, t1 = d1 + d2, t2 = d2 - d1, t3 = d1 - d3 (rows of d), then the same on columns.
 */
// @ts-ignore: decorator
@inline function transformWindow(wt: usize, o: usize, lanes: i32, dst: usize, xs: usize): void {
  transformRow(wt, o, lanes, 0, 2, dst, xs);
  transformMiddleRows(wt, o, lanes, dst + 4 * xs, xs);
  transformRow(wt, o, lanes, 1, 3, dst + 12 * xs, xs);
}

/** Rows 0 (ra = 0, rb = 2) or 3 (ra = 1, rb = 3) of Bᵀ d B: t_j = d[ra][j] - d[rb][j], then the columns. */
// @ts-ignore: decorator
@inline function transformRow(wt: usize, o: usize, lanes: i32, ra: i32, rb: i32, dst: usize, xs: usize): void {
  const t0 = f32x4.sub(pixel(wt, ra * 4, o, lanes), pixel(wt, rb * 4, o, lanes));
  const t1 = f32x4.sub(pixel(wt, ra * 4 + 1, o, lanes), pixel(wt, rb * 4 + 1, o, lanes));
  const t2 = f32x4.sub(pixel(wt, ra * 4 + 2, o, lanes), pixel(wt, rb * 4 + 2, o, lanes));
  const t3 = f32x4.sub(pixel(wt, ra * 4 + 3, o, lanes), pixel(wt, rb * 4 + 3, o, lanes));
  storeColumns(dst, xs, t0, t1, t2, t3);
}

/** Rows 1 (d1 + d2) and 2 (d2 - d1) of Bᵀ d B, which read the same eight pixels; row 1 goes to dst. */
// @ts-ignore: decorator
@inline function transformMiddleRows(wt: usize, o: usize, lanes: i32, dst: usize, xs: usize): void {
  const a0 = pixel(wt, 4, o, lanes), b0 = pixel(wt, 8, o, lanes);
  const a1 = pixel(wt, 5, o, lanes), b1 = pixel(wt, 9, o, lanes);
  const a2 = pixel(wt, 6, o, lanes), b2 = pixel(wt, 10, o, lanes);
  const a3 = pixel(wt, 7, o, lanes), b3 = pixel(wt, 11, o, lanes);
  storeColumns(dst, xs, f32x4.add(a0, b0), f32x4.add(a1, b1), f32x4.add(a2, b2), f32x4.add(a3, b3));
  storeColumns(dst + 4 * xs, xs, f32x4.sub(b0, a0), f32x4.sub(b1, a1), f32x4.sub(b2, a2), f32x4.sub(b3, a3));
}

/** The column pass of one row t of Bᵀ d: (t0 - t2, t1 + t2, t2 - t1, t1 - t3) to dst + j * xs. */
// @ts-ignore: decorator
@inline function storeColumns(dst: usize, xs: usize, t0: v128, t1: v128, t2: v128, t3: v128): void {
  v128.store(dst, f32x4.sub(t0, t2));
  v128.store(dst + xs, f32x4.add(t1, t2));
  v128.store(dst + 2 * xs, f32x4.sub(t2, t1));
  v128.store(dst + 3 * xs, f32x4.sub(t1, t3));
}

/** Channels [o/4, o/4 + lanes) of window pixel k (no read past the pixel's last channel). */
// @ts-ignore: decorator
@inline function pixel(wt: usize, k: i32, o: usize, lanes: i32): v128 {
  const p = <usize>load<u32>(wt + (<usize>k << 2)) + o;
  if (lanes >= 4) return v128.load(p);
  let r = f32x4.splat(0);
  r = f32x4.replace_lane(r, 0, load<f32>(p));
  if (lanes > 1) r = f32x4.replace_lane(r, 1, load<f32>(p, 4));
  if (lanes > 2) r = f32x4.replace_lane(r, 2, load<f32>(p, 8));
  return r;
}

/**
 * Output tiles Aᵀ m A for output channels [jr, jr + NR) of tiles [0, nb): m[ξ][tile][NR] (ξ blocks of
 * nbP tiles). Aᵀ rows: s0 = m0 + m1 + m2, s1 = m1 - m2 - m3 (rows of m), then the same on columns.
 * Output rows are OW pixels of CO channels; tiles at the bottom or right edge of an odd-sized output
 * write only their valid row or column.
 */
function transformOutputs(m: usize, xiStride: usize, outs: usize, out: usize, nb: i32, OW: i32, CO: i32, jr: i32): void {
  const pixelBytes = <usize>CO << 2;
  const rowBytes = <usize>OW * pixelBytes;
  for (let t = 0; t < nb; t++) {
    const o = outs + <usize>(t * OUT_BYTES);
    const rows = load<i32>(o, 4), cols = load<i32>(o, 8);
    const corner = out + ((<usize>load<i32>(o) * <usize>CO + <usize>jr) << 2);
    for (let h = 0; h < NR; h += 4) {
      const lanes = imin(4, CO - jr - h);
      if (lanes <= 0) break;
      const src = m + (<usize>(t * NR + h) << 2);
      // column j of Aᵀ m: s0j (output row 0) and s1j (output row 1)
      const s00 = rowSum(src, 0, xiStride), s10 = rowDiff(src, 0, xiStride);
      const s01 = rowSum(src, 1, xiStride), s11 = rowDiff(src, 1, xiStride);
      const s02 = rowSum(src, 2, xiStride), s12 = rowDiff(src, 2, xiStride);
      const s03 = rowSum(src, 3, xiStride), s13 = rowDiff(src, 3, xiStride);
      const dst = corner + (<usize>h << 2);
      storeLanes(dst, f32x4.add(f32x4.add(s00, s01), s02), lanes);
      if (cols > 1) storeLanes(dst + pixelBytes, f32x4.sub(f32x4.sub(s01, s02), s03), lanes);
      if (rows > 1) {
        storeLanes(dst + rowBytes, f32x4.add(f32x4.add(s10, s11), s12), lanes);
        if (cols > 1) storeLanes(dst + rowBytes + pixelBytes, f32x4.sub(f32x4.sub(s11, s12), s13), lanes);
      }
    }
  }
}

/** m[j] + m[4 + j] + m[8 + j] (column j of the first row of Aᵀ m). */
// @ts-ignore: decorator
@inline function rowSum(src: usize, j: i32, xiStride: usize): v128 {
  return f32x4.add(f32x4.add(v128.load(src + <usize>j * xiStride), v128.load(src + <usize>(4 + j) * xiStride)), v128.load(src + <usize>(8 + j) * xiStride));
}

/** m[4 + j] - m[8 + j] - m[12 + j] (column j of the second row of Aᵀ m). */
// @ts-ignore: decorator
@inline function rowDiff(src: usize, j: i32, xiStride: usize): v128 {
  return f32x4.sub(f32x4.sub(v128.load(src + <usize>(4 + j) * xiStride), v128.load(src + <usize>(8 + j) * xiStride)), v128.load(src + <usize>(12 + j) * xiStride));
}

/** Stores the first `lanes` (1-4) lanes of v at p. */
// @ts-ignore: decorator
@inline function storeLanes(p: usize, v: v128, lanes: i32): void {
  if (lanes >= 4) { v128.store(p, v); return; }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (lanes > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (lanes > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

// ---------------------------------------------------------------------------------------------
// Filter gradient: F(3x3, 2x2), the transposed algorithm. Per tile, dW (3x3) = Σ_{a,b} dy[a][b] d[a + kh][b + kw]
// is a correlation of the 4x4 window d with the 2x2 output gradient tile, so
//
//   dW = Gᵀ [ Σ_tiles (Bᵀ d B) ⊙ (A dy Aᵀ) ] G          A = [1 0; 1 1; 1 -1; 0 -1] (4x2), Gᵀ as G above (3x4)
//
// and the sum over tiles is 16 GEMMs P[ξ][C, CO] = V[ξ]ᵀ @ D[ξ] with the tiles as their K dimension. Each chunk
// (a range of tiles) accumulates its own partial P (one per chunk, summed in chunk order afterwards: the result
// does not depend on which thread ran which chunk). Here V needs no transpose: the A panels of Vᵀ are four
// channels of consecutive tiles, exactly the transform's vectors.

/** Bytes of one chunk's partial sums P: 16 x Cp x COp floats. */
export function winograd_filter_grad_partial_bytes(C: i32, CO: i32): i32 {
  return XI * roundUp(C, 4) * roundUp(CO, NR) * 4;
}

/** Per-thread scratch bytes of winograd_filter_grad_tiles for blocks of kb tiles. */
export function winograd_filter_grad_scratch_bytes(kb: i32, C: i32, CO: i32): i32 {
  return XI * <i32>xiStrideOf(kb * roundUp(C, 4) * 4) + XI * <i32>xiStrideOf(kb * roundUp(CO, NR) * 4) + align64(kb * WINDOW_BYTES)
    + align64(kb * OUT_BYTES) + align64(roundUp(C, 4) * 4);
}

/**
 * partial[ξ][Cp][COp] = Σ over tiles [t0, t1) of (Bᵀ d B)[ξ]ᵀ (A dy Aᵀ)[ξ] (x: the convolution's input, dy:
 * the gradient of its output), in blocks of kb tiles. An empty range writes zeros.
 */
export function winograd_filter_grad_tiles(x: usize, dy: usize, partial: usize, g: usize, CO: i32, kb: i32, t0: i32, t1: i32, scratch: usize): void {
  const C = geo(g, G_C), OW = geo(g, G_OW);
  const Cp = roundUp(C, 4), COp = roundUp(CO, NR);
  const v = scratch;
  const d = v + XI * xiStrideOf(kb * Cp * 4);
  const windows = d + XI * xiStrideOf(kb * COp * 4);
  const outs = windows + <usize>align64(kb * WINDOW_BYTES);
  const zeros = outs + <usize>align64(kb * OUT_BYTES);
  memory.fill(zeros, 0, <usize>(Cp * 4));
  if (t1 <= t0) {
    memory.fill(partial, 0, <usize>winograd_filter_grad_partial_bytes(C, CO));
    return;
  }
  const ldc = <usize>COp << 2;
  for (let b0 = t0; b0 < t1; b0 += kb) {
    const nb = imin(kb, t1 - b0);
    const beta: f32 = b0 == t0 ? 0 : 1;
    fillTileTables(x, g, b0, nb, nb, windows, outs, zeros);
    // V[ξ]: channel group cg of tile k at ((ξ * Cp / 4 + cg) * nb + k) * 16 bytes
    const vxs = xiStrideOf(Cp * nb * 4);
    for (let c = 0; c < Cp; c += 4) {
      const left = C - c;
      const panel = v + (<usize>(c * nb) << 2);
      for (let k = 0; k < nb; k++) {
        const wt = windows + <usize>(k * WINDOW_BYTES);
        if (left >= 4) transformWindow(wt, <usize>c << 2, 4, panel + (<usize>k << 4), vxs);
        else transformWindow(wt, <usize>c << 2, left, panel + (<usize>k << 4), vxs);
      }
    }
    // D[ξ]: NR-column panel jp of tile k at ((ξ * COp / NR + jp) * nb + k) * NR * 4 bytes
    const dxs = xiStrideOf(COp * nb * 4);
    for (let k = 0; k < nb; k++) {
      const o = outs + <usize>(k * OUT_BYTES);
      const rows = load<i32>(o, 4), cols = load<i32>(o, 8);
      const corner = dy + (<usize>load<i32>(o) * <usize>CO << 2);
      for (let h = 0; h < COp; h += 4) {
        const dst = d + (<usize>(((h / NR) * nb + k) * NR + (h % NR)) << 2);
        transformGradTile(corner + (<usize>h << 2), <usize>CO << 2, <usize>(OW * CO) << 2, rows, cols, CO - h, dst, dxs);
      }
    }
    for (let xi = 0; xi < XI; xi++) {
      const pv = v + <usize>xi * vxs, pd = d + <usize>xi * dxs;
      const pp = partial + <usize>(xi * Cp) * ldc;
      for (let c = 0; c < Cp; c += MR) {
        for (let jp = 0; jp < COp; jp += NR) {
          ukernel(nb, pv + (<usize>(c * nb) << 2), pd + (<usize>(jp * nb) << 2), pp + <usize>c * ldc + (<usize>jp << 2), ldc, 1, beta);
        }
      }
    }
  }
}

/**
 * A dy Aᵀ of one output-gradient tile (rows x cols valid pixels, the rest zeros) for `lanes` channels (<= 0:
 * all zeros) from p (pixels pixelBytes apart, rows rowBytes apart); vector ξ = 4i + j goes to dst + ξ * xs.
 * A rows: (y0, y0 + y1, y0 - y1, -y1) for the two rows y0, y1, then the same on columns.
 */
function transformGradTile(p: usize, pixelBytes: usize, rowBytes: usize, rows: i32, cols: i32, lanes: i32, dst: usize, xs: usize): void {
  const zero = f32x4.splat(0);
  const y00 = lanes > 0 ? gradPixel(p, lanes) : zero;
  const y01 = lanes > 0 && cols > 1 ? gradPixel(p + pixelBytes, lanes) : zero;
  const y10 = lanes > 0 && rows > 1 ? gradPixel(p + rowBytes, lanes) : zero;
  const y11 = lanes > 0 && rows > 1 && cols > 1 ? gradPixel(p + rowBytes + pixelBytes, lanes) : zero;
  gradColumns(dst, xs, y00, y01);
  gradColumns(dst + 4 * xs, xs, f32x4.add(y00, y10), f32x4.add(y01, y11));
  gradColumns(dst + 8 * xs, xs, f32x4.sub(y00, y10), f32x4.sub(y01, y11));
  gradColumns(dst + 12 * xs, xs, f32x4.neg(y10), f32x4.neg(y11));
}

/** The column pass of one row (q0, q1) of A dy: (q0, q0 + q1, q0 - q1, -q1) to dst + j * xs. */
// @ts-ignore: decorator
@inline function gradColumns(dst: usize, xs: usize, q0: v128, q1: v128): void {
  v128.store(dst, q0);
  v128.store(dst + xs, f32x4.add(q0, q1));
  v128.store(dst + 2 * xs, f32x4.sub(q0, q1));
  v128.store(dst + 3 * xs, f32x4.neg(q1));
}

/** The first min(lanes, 4) channels at p (no read past them), the rest zeros. */
// @ts-ignore: decorator
@inline function gradPixel(p: usize, lanes: i32): v128 {
  if (lanes >= 4) return v128.load(p);
  let r = f32x4.splat(0);
  r = f32x4.replace_lane(r, 0, load<f32>(p));
  if (lanes > 1) r = f32x4.replace_lane(r, 1, load<f32>(p, 4));
  if (lanes > 2) r = f32x4.replace_lane(r, 2, load<f32>(p, 8));
  return r;
}

/**
 * dW[kh][kw][c][co] (HWIO, [3, 3, C, CO]) = Gᵀ S G with S = Σ_p partials[p] (in order p = 0, 1, ...) for
 * input channels c in [c0, c1); partials are `stride` bytes apart. Gᵀ on a column s: (s0 + (s1 + s2) / 2,
 * (s1 - s2) / 2, (s1 + s2) / 2 + s3).
 */
export function winograd_filter_grad_finish(partials: usize, dw: usize, P: i32, C: i32, CO: i32, stride: usize, c0: i32, c1: i32): void {
  const Cp = roundUp(C, 4), COp = roundUp(CO, NR);
  const xiBytes = <usize>(Cp * COp) << 2;
  const tapBytes = <usize>(C * CO) << 2;
  for (let c = c0; c < c1; c++) {
    for (let co = 0; co < CO; co++) {
      const at = <usize>((c * COp + co) << 2);
      // u[i][kw] = (S G)[i][kw] for the four rows i of S, then dW = Gᵀ u
      let u00: f32 = 0, u01: f32 = 0, u02: f32 = 0, u10: f32 = 0, u11: f32 = 0, u12: f32 = 0;
      let u20: f32 = 0, u21: f32 = 0, u22: f32 = 0, u30: f32 = 0, u31: f32 = 0, u32: f32 = 0;
      for (let i = 0; i < 4; i++) {
        const s0 = sumPartials(partials, at + <usize>(4 * i) * xiBytes, P, stride);
        const s1 = sumPartials(partials, at + <usize>(4 * i + 1) * xiBytes, P, stride);
        const s2 = sumPartials(partials, at + <usize>(4 * i + 2) * xiBytes, P, stride);
        const s3 = sumPartials(partials, at + <usize>(4 * i + 3) * xiBytes, P, stride);
        const a = s0 + (s1 + s2) * 0.5, b = (s1 - s2) * 0.5, e = (s1 + s2) * 0.5 + s3;
        if (i == 0) { u00 = a; u01 = b; u02 = e; } else if (i == 1) { u10 = a; u11 = b; u12 = e; }
        else if (i == 2) { u20 = a; u21 = b; u22 = e; } else { u30 = a; u31 = b; u32 = e; }
      }
      const q = dw + (<usize>(c * CO + co) << 2);
      store<f32>(q, u00 + (u10 + u20) * 0.5);
      store<f32>(q + tapBytes, u01 + (u11 + u21) * 0.5);
      store<f32>(q + 2 * tapBytes, u02 + (u12 + u22) * 0.5);
      store<f32>(q + 3 * tapBytes, (u10 - u20) * 0.5);
      store<f32>(q + 4 * tapBytes, (u11 - u21) * 0.5);
      store<f32>(q + 5 * tapBytes, (u12 - u22) * 0.5);
      store<f32>(q + 6 * tapBytes, (u10 + u20) * 0.5 + u30);
      store<f32>(q + 7 * tapBytes, (u11 + u21) * 0.5 + u31);
      store<f32>(q + 8 * tapBytes, (u12 + u22) * 0.5 + u32);
    }
  }
}

// @ts-ignore: decorator
@inline function sumPartials(partials: usize, at: usize, P: i32, stride: usize): f32 {
  let s = load<f32>(partials + at);
  for (let p = 1; p < P; p++) s += load<f32>(partials + <usize>p * stride + at);
  return s;
}
