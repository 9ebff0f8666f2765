// 2-D convolution of NHWC float32 images with HWIO kernels as implicit GEMM: the patch matrix
// (im2col: one row per output pixel, one column per (kh, kw, c) tap) is never materialised. Each
// chunk packs the patches of a few hundred output rows straight from the image into the GEMM
// micro-panel layout in per-thread scratch (out-of-image taps read as zeros) and runs the SGEMM
// micro-kernel (microkernel.ts) on them, so the packed block stays in L2.
//
//   forward            out[M, CO] = patches[M, Kd] @ w[Kd, CO]        M = N*OH*OW, Kd = KH*KW*C
//   filter gradient    dW[Kd, CO] = patchesᵀ @ dY: each chunk of rows accumulates its own partial
//                      dW, summed afterwards in chunk order (deterministic for a given chunking)
//   input gradient     stride 1: the forward kernel on dY with the flipped kernel (pack_weights);
//                      strides > 1: per image, dPatches = dY @ wᵀ (sgemm_blocked) added back
//                      into dx at the patch positions (col2im); one image per chunk, so no races.
//
// The packing here assumes the 4-row micro-kernel (MR == 4); the TypeScript side checks gemm_mr().
import { MR, NR, ukernel } from "./microkernel";
import { sgemm_blocked } from "./gemm";
import { imin } from "./simd";

// Geometry block layout (i32 slots), written by kernels.ts (ConvGeometry).
const G_H = 0, G_W = 1, G_C = 2, G_OH = 3, G_OW = 4, G_KH = 5, G_KW = 6;
const G_SH = 7, G_SW = 8, G_DH = 9, G_DW = 10, G_PT = 11, G_PL = 12;

// @ts-ignore: decorator
@inline function geo(g: usize, k: i32): i32 { return load<i32>(g + <usize>k * 4); }
// @ts-ignore: decorator
@inline function f32At(base: usize, e: i32): usize { return base + (<usize>e << 2); }
// @ts-ignore: decorator
@inline function roundUp(v: i32, m: i32): i32 { return (v + m - 1) / m * m; }
// @ts-ignore: decorator
@inline function align64(bytes: i32): usize { return <usize>((bytes + 63) & ~63); }

/** Bytes of one chunk's zero row (reads of out-of-image taps point at it). */
// @ts-ignore: decorator
@inline function zeroRowBytes(C: i32): i32 { return roundUp(C, 4) * 4 + 16; }

// Row tables: for each patch row (output pixel) of a block, three i32: the top-left input position
// of its window (iy0, ix0; negative inside the padding) and the element offset of its image.
const ROW_BYTES = 12;

/** Bytes of a row table of `rows` rows. */
// @ts-ignore: decorator
@inline function rowTableBytes(rows: i32): i32 { return <i32>align64(rows * ROW_BYTES); }

/** Fills the row table of patch rows [m0, m0 + count) at tab. */
function fillRowTable(g: usize, m0: i32, count: i32, tab: usize): void {
  const OH = geo(g, G_OH), OW = geo(g, G_OW), SH = geo(g, G_SH), SW = geo(g, G_SW);
  const image = geo(g, G_H) * geo(g, G_W) * geo(g, G_C);
  let n = m0 / (OH * OW);
  const rem = m0 - n * OH * OW;
  let oy = rem / OW;
  let ox = rem - oy * OW;
  const PT = geo(g, G_PT), PL = geo(g, G_PL);
  for (let i = 0; i < count; i++) {
    const e = tab + <usize>(i * ROW_BYTES);
    store<i32>(e, oy * SH - PT);
    store<i32>(e, ox * SW - PL, 4);
    store<i32>(e, n * image, 8);
    if (++ox == OW) {
      ox = 0;
      if (++oy == OH) { oy = 0; n++; }
    }
  }
}

/**
 * The image address of the tap at input offset (dy, dx) from the window corner for row i of the row
 * table, or `zeros` when it falls into the padding. The tap's C channels are contiguous from there.
 */
// @ts-ignore: decorator
@inline function tapSource(x: usize, tab: usize, i: i32, dy: i32, dx: i32, H: i32, W: i32, C: i32, zeros: usize): usize {
  const e = tab + <usize>(i * ROW_BYTES);
  const iy = load<i32>(e) + dy;
  const ix = load<i32>(e, 4) + dx;
  if (<u32>iy >= <u32>H || <u32>ix >= <u32>W) return zeros;
  return f32At(x, load<i32>(e, 8) + (iy * W + ix) * C);
}

// ---------------------------------------------------------------------------------------------
// Packing

/**
 * Packs patch rows [i0, i0 + mr) of the row table (mr <= 4; missing rows are zeros), columns
 * [k0, k0 + kc), into the MR-interleaved A micro-panel at dst: dst[k * 4 + r] = patches[i0 + r, k0 + k].
 */
function packPatchRows(x: usize, g: usize, tab: usize, i0: i32, mr: i32, k0: i32, kc: i32, dst: usize, zeros: usize): void {
  const H = geo(g, G_H), W = geo(g, G_W), C = geo(g, G_C), KW = geo(g, G_KW), DH = geo(g, G_DH), DW = geo(g, G_DW);
  const tapLo = k0 / C, tapHi = (k0 + kc - 1) / C;
  for (let t = tapLo; t <= tapHi; t++) {
    const kh = t / KW, kw = t - kh * KW;
    const dy = kh * DH, dx = kw * DW;
    const p0 = tapSource(x, tab, i0, dy, dx, H, W, C, zeros);
    const p1 = mr > 1 ? tapSource(x, tab, i0 + 1, dy, dx, H, W, C, zeros) : zeros;
    const p2 = mr > 2 ? tapSource(x, tab, i0 + 2, dy, dx, H, W, C, zeros) : zeros;
    const p3 = mr > 3 ? tapSource(x, tab, i0 + 3, dy, dx, H, W, C, zeros) : zeros;
    const cLo = k0 > t * C ? k0 - t * C : 0;
    const cHi = imin(C, k0 + kc - t * C);
    let d = dst + (<usize>(t * C + cLo - k0) << 4);
    let c = cLo;
    for (; c + 4 <= cHi; c += 4) {
      const o = <usize>c << 2;
      const r0 = v128.load(p0 + o), r1 = v128.load(p1 + o), r2 = v128.load(p2 + o), r3 = v128.load(p3 + o);
      const t01lo = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
      const t23lo = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t01hi = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t23hi = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      v128.store(d, v128.shuffle<f32>(t01lo, t23lo, 0, 1, 4, 5));
      v128.store(d, v128.shuffle<f32>(t01lo, t23lo, 2, 3, 6, 7), 16);
      v128.store(d, v128.shuffle<f32>(t01hi, t23hi, 0, 1, 4, 5), 32);
      v128.store(d, v128.shuffle<f32>(t01hi, t23hi, 2, 3, 6, 7), 48);
      d += 64;
    }
    for (; c < cHi; c++) {
      const o = <usize>c << 2;
      store<f32>(d, load<f32>(p0 + o));
      store<f32>(d, load<f32>(p1 + o), 4);
      store<f32>(d, load<f32>(p2 + o), 8);
      store<f32>(d, load<f32>(p3 + o), 12);
      d += 16;
    }
  }
}

/**
 * Packs patch columns [k0, k0 + cnt) (cnt <= 4; missing columns are zeros) of the kc rows of the row
 * table as the MR-interleaved micro-panel of patchesᵀ at dst: dst[k * 4 + r] = patches[k, k0 + r].
 */
function packPatchCols(x: usize, g: usize, tab: usize, kc: i32, k0: i32, cnt: i32, dst: usize, zeros: usize): void {
  const H = geo(g, G_H), W = geo(g, G_W), C = geo(g, G_C), KW = geo(g, G_KW), DH = geo(g, G_DH), DW = geo(g, G_DW);
  const t0 = k0 / C;
  const c0 = k0 - t0 * C;
  if (cnt == 4 && c0 + 4 <= C) {
    // four channels of one tap: one vector per row
    const kh = t0 / KW, kw = t0 - kh * KW;
    const dy = kh * DH, dx = kw * DW;
    const o = <usize>c0 << 2;
    for (let k = 0; k < kc; k++) {
      v128.store(dst + (<usize>k << 4), v128.load(tapSource(x, tab, k, dy, dx, H, W, C, zeros) + o));
    }
    return;
  }
  for (let r = 0; r < 4; r++) {
    const d = dst + (<usize>r << 2);
    if (r >= cnt) {
      for (let k = 0; k < kc; k++) store<f32>(d + (<usize>k << 4), 0);
      continue;
    }
    const t = (k0 + r) / C, c = k0 + r - t * C;
    const kh = t / KW, kw = t - kh * KW;
    const dy = kh * DH, dx = kw * DW;
    const o = <usize>c << 2;
    for (let k = 0; k < kc; k++) store<f32>(d + (<usize>k << 4), load<f32>(tapSource(x, tab, k, dy, dx, H, W, C, zeros) + o));
  }
}

/**
 * Packs patch columns [k0, k0 + kb) of the kc rows of the row table as consecutive micro-panels of
 * patchesᵀ (panel p at dst + p * kc * 4 floats, as packPatchCols). With C % 4 == 0 (and k0 % 4 == 0)
 * every panel is four channels of one tap: the tap's address is found once per row for all of its panels.
 */
function packPatchColsBlock(x: usize, g: usize, tab: usize, kc: i32, k0: i32, kb: i32, Kd: i32, dst: usize, zeros: usize): void {
  const H = geo(g, G_H), W = geo(g, G_W), C = geo(g, G_C), KW = geo(g, G_KW), DH = geo(g, G_DH), DW = geo(g, G_DW);
  if ((C & 3) != 0 || (k0 & 3) != 0) {
    for (let ir = 0; ir < kb; ir += MR) {
      packPatchCols(x, g, tab, kc, k0 + ir, imin(MR, Kd - k0 - ir), dst + (<usize>(ir * kc) << 2), zeros);
    }
    return;
  }
  const kEnd = imin(k0 + kb, Kd);
  const panelBytes = <usize>kc << 4;
  for (let t = k0 / C; t * C < kEnd; t++) {
    const kh = t / KW, kw = t - kh * KW;
    const dy = kh * DH, dx = kw * DW;
    const cLo = k0 > t * C ? k0 - t * C : 0;
    const cHi = imin(C, kEnd - t * C);
    const first = dst + <usize>((t * C + cLo - k0) >> 2) * panelBytes;
    for (let k = 0; k < kc; k++) {
      const src = tapSource(x, tab, k, dy, dx, H, W, C, zeros);
      let d = first + (<usize>k << 4);
      for (let c = cLo; c < cHi; c += 4) {
        v128.store(d, v128.load(src + (<usize>c << 2)));
        d += panelBytes;
      }
    }
  }
  // panels past Kd (Kd padded to MR) are zeros
  for (let kd = (kEnd + 3) & ~3; kd < k0 + kb; kd += 4) memory.fill(dst + <usize>((kd - k0) >> 2) * panelBytes, 0, panelBytes);
}

/**
 * Packs a [taps * R, cols] GEMM operand B into NR-column micro-panels covering all rows:
 * panel j at dst + j * rows * NR floats, row k at + k * NR (columns past `cols` are zeros).
 * Not flipped: B(t, r, j) = w[(t * R + r) * cols + j] (the HWIO kernel itself).
 * Flipped: B(t, r, j) = w[((taps - 1 - t) * cols + j) * R + r], the spatially flipped kernel with
 * input and output channels swapped: the stride-1 input gradient as a forward convolution of dY.
 */
export function pack_weights(w: usize, dst: usize, taps: i32, R: i32, cols: i32, flipped: bool): void {
  const rows = taps * R;
  for (let j0 = 0; j0 < cols; j0 += NR) {
    const panel = dst + (<usize>(j0 * rows) << 2);
    for (let k = 0; k < rows; k++) {
      const t = k / R, r = k - t * R;
      const d = panel + (<usize>(k * NR) << 2);
      for (let j = 0; j < NR; j++) {
        const col = j0 + j;
        let v: f32 = 0;
        if (col < cols) v = flipped ? load<f32>(f32At(w, ((taps - 1 - t) * cols + col) * R + r)) : load<f32>(f32At(w, k * cols + col));
        store<f32>(d + (<usize>j << 2), v);
      }
    }
  }
}

/** Bytes pack_weights writes for a [rows, cols] operand. */
export function packed_weights_bytes(rows: i32, cols: i32): i32 {
  return rows * roundUp(cols, NR) * 4;
}

// ---------------------------------------------------------------------------------------------
// Forward

/** Per-thread scratch bytes of conv2d_rows. */
export function conv_forward_scratch_bytes(mc: i32, kc: i32, C: i32): i32 {
  return <i32>align64(roundUp(mc, MR) * kc * 4) + rowTableBytes(mc) + MR * NR * 4 + zeroRowBytes(C);
}

/**
 * out[m, :] = patches[m, :] @ B for rows m in [r0, r1), in blocks of mc rows and kc columns.
 * pw: B packed by pack_weights (Kd rows, CO columns). out rows are CO floats.
 */
export function conv2d_rows(x: usize, pw: usize, out: usize, g: usize, CO: i32, Kd: i32, mc: i32, kc: i32, r0: i32, r1: i32, scratch: usize): void {
  const pa = scratch;
  const tab = pa + align64(roundUp(mc, MR) * kc * 4);
  const tile = tab + <usize>rowTableBytes(mc);
  const zeros = tile + <usize>(MR * NR * 4);
  memory.fill(zeros, 0, <usize>zeroRowBytes(geo(g, G_C)));
  const ldcB = <usize>CO << 2;
  for (let ic = r0; ic < r1; ic += mc) {
    const mb = imin(mc, r1 - ic);
    fillRowTable(g, ic, mb, tab);
    for (let pc = 0; pc < Kd; pc += kc) {
      const kb = imin(kc, Kd - pc);
      const beta: f32 = pc == 0 ? 0 : 1;
      for (let ir = 0; ir < mb; ir += MR) {
        packPatchRows(x, g, tab, ir, imin(MR, mb - ir), pc, kb, pa + (<usize>(ir * kb) << 2), zeros);
      }
      for (let jr = 0; jr < CO; jr += NR) {
        const nr = imin(NR, CO - jr);
        const bp = pw + (<usize>(jr * Kd + pc * NR) << 2);
        for (let ir = 0; ir < mb; ir += MR) {
          const mr = imin(MR, mb - ir);
          const ap = pa + (<usize>(ir * kb) << 2);
          const cp = out + (<usize>((ic + ir) * CO + jr) << 2);
          if (mr == MR && nr == NR) {
            ukernel(kb, ap, bp, cp, ldcB, 1, beta);
          } else {
            ukernel(kb, ap, bp, tile, NR * 4, 1, 0);
            for (let i = 0; i < mr; i++) {
              for (let j = 0; j < nr; j++) {
                const q = cp + <usize>i * ldcB + (<usize>j << 2);
                const t = load<f32>(tile + (<usize>(i * NR + j) << 2));
                store<f32>(q, beta == 0 ? t : t + load<f32>(q));
              }
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Filter gradient

/** Bytes of one chunk's partial filter gradient: [Kd padded to MR, CO padded to NR]. */
export function filter_grad_partial_bytes(Kd: i32, CO: i32): i32 {
  return roundUp(Kd, MR) * roundUp(CO, NR) * 4;
}

/** Per-thread scratch bytes of conv2d_filter_grad_rows. */
export function conv_filter_grad_scratch_bytes(kdBlock: i32, kcRows: i32, CO: i32, C: i32): i32 {
  return <i32>align64(roundUp(kdBlock, MR) * kcRows * 4) + <i32>align64(kcRows * roundUp(CO, NR) * 4) + rowTableBytes(kcRows) + zeroRowBytes(C);
}

/**
 * partial[Kd padded to MR, CO padded to NR] = patches[r0:r1, :]ᵀ @ dy[r0:r1, :], in blocks of
 * kcRows rows and kdBlock patch columns (the padding rows and columns come out as zeros).
 */
export function conv2d_filter_grad_rows(
  x: usize, dy: usize, partial: usize, g: usize, CO: i32, Kd: i32, kdBlock: i32, kcRows: i32,
  r0: i32, r1: i32, scratch: usize,
): void {
  const COp = roundUp(CO, NR);
  const KdP = roundUp(Kd, MR);
  const pa = scratch;
  const pb = pa + align64(roundUp(kdBlock, MR) * kcRows * 4);
  const tab = pb + align64(kcRows * COp * 4);
  const zeros = tab + <usize>rowTableBytes(kcRows);
  memory.fill(zeros, 0, <usize>zeroRowBytes(geo(g, G_C)));
  const ldcB = <usize>COp << 2;
  if (r1 <= r0) {
    memory.fill(partial, 0, <usize>(KdP * COp) << 2);
    return;
  }
  for (let rb = r0; rb < r1; rb += kcRows) {
    const kc = imin(kcRows, r1 - rb);
    const beta: f32 = rb == r0 ? 0 : 1;
    packRowsB(dy, rb, kc, CO, pb);
    fillRowTable(g, rb, kc, tab);
    for (let ib = 0; ib < KdP; ib += kdBlock) {
      const kb = imin(kdBlock, KdP - ib);
      packPatchColsBlock(x, g, tab, kc, ib, kb, Kd, pa, zeros);
      for (let jr = 0; jr < COp; jr += NR) {
        const bp = pb + (<usize>(jr * kc) << 2);
        for (let ir = 0; ir < kb; ir += MR) {
          ukernel(kc, pa + (<usize>(ir * kc) << 2), bp, partial + (<usize>((ib + ir) * COp + jr) << 2), ldcB, 1, beta);
        }
      }
    }
  }
}

/** Packs dy rows [m0, m0 + kc) (CO floats each) into NR-column micro-panels (zero padded). */
function packRowsB(dy: usize, m0: i32, kc: i32, CO: i32, dst: usize): void {
  for (let j0 = 0; j0 < CO; j0 += NR) {
    const nr = imin(NR, CO - j0);
    let d = dst + (<usize>(j0 * kc) << 2);
    let s = f32At(dy, m0 * CO + j0);
    const stride = <usize>CO << 2;
    if (nr == NR) {
      for (let k = 0; k < kc; k++) {
        for (let j = 0; j < NR; j += 4) v128.store(d + (<usize>j << 2), v128.load(s + (<usize>j << 2)));
        s += stride;
        d += NR * 4;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let j = 0; j < NR; j++) store<f32>(d + (<usize>j << 2), j < nr ? load<f32>(s + (<usize>j << 2)) : 0);
        s += stride;
        d += NR * 4;
      }
    }
  }
}

/**
 * dW[i, j] = sum over p of partials[p][i, j] (in order p = 0, 1, ...) for rows i in [i0, i1);
 * partials are [.., ld] matrices `stride` floats apart, dW is [Kd, CO].
 */
export function sum_partials(partials: usize, dw: usize, P: i32, CO: i32, ld: i32, stride: i32, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const d = f32At(dw, i * CO);
    const s = f32At(partials, i * ld);
    let j = 0;
    for (; j + 4 <= CO; j += 4) {
      let acc = v128.load(s + (<usize>j << 2));
      for (let p = 1; p < P; p++) acc = f32x4.add(acc, v128.load(s + (<usize>(p * stride + j) << 2)));
      v128.store(d + (<usize>j << 2), acc);
    }
    for (; j < CO; j++) {
      let acc = load<f32>(s + (<usize>j << 2));
      for (let p = 1; p < P; p++) acc += load<f32>(s + (<usize>(p * stride + j) << 2));
      store<f32>(d + (<usize>j << 2), acc);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Input gradient for any stride (col2im)

/** Per-thread scratch bytes of conv2d_input_grad_image: the dPatches tile, then the GEMM scratch. */
export function conv_input_grad_tile_bytes(rowBlock: i32, Kd: i32): i32 {
  return <i32>align64(rowBlock * Kd * 4);
}

/**
 * dx[n] = col2im(dy[n] @ wᵀ): image n of the input gradient of the convolution with geometry g
 * (w: HWIO [Kd, CO]), computed for rowBlock output pixels at a time; dx[n] is zeroed first.
 */
export function conv2d_input_grad_image(
  dy: usize, w: usize, dx: usize, g: usize, n: i32, CO: i32, Kd: i32, rowBlock: i32,
  scratch: usize, MC: i32, KC: i32, NC: i32,
): void {
  const H = geo(g, G_H), W = geo(g, G_W), C = geo(g, G_C), OH = geo(g, G_OH), OW = geo(g, G_OW);
  const KH = geo(g, G_KH), KW = geo(g, G_KW), SH = geo(g, G_SH), SW = geo(g, G_SW);
  const DH = geo(g, G_DH), DW = geo(g, G_DW), PT = geo(g, G_PT), PL = geo(g, G_PL);
  const img = f32At(dx, n * H * W * C);
  memory.fill(img, 0, <usize>(H * W * C) << 2);
  const tile = scratch;
  const gemmScratch = tile + <usize>conv_input_grad_tile_bytes(rowBlock, Kd);
  const pixels = OH * OW;
  for (let p0 = 0; p0 < pixels; p0 += rowBlock) {
    const rows = imin(rowBlock, pixels - p0);
    sgemm_blocked(false, true, rows, Kd, CO, 1, f32At(dy, (n * pixels + p0) * CO), CO, w, CO, 0, tile, Kd, gemmScratch, MC, KC, NC);
    for (let r = 0; r < rows; r++) {
      const oy = (p0 + r) / OW, ox = p0 + r - oy * OW;
      const src = f32At(tile, r * Kd);
      for (let kh = 0; kh < KH; kh++) {
        const iy = oy * SH - PT + kh * DH;
        if (<u32>iy >= <u32>H) continue;
        for (let kw = 0; kw < KW; kw++) {
          const ix = ox * SW - PL + kw * DW;
          if (<u32>ix >= <u32>W) continue;
          addRow(f32At(img, (iy * W + ix) * C), f32At(src, (kh * KW + kw) * C), C);
        }
      }
    }
  }
}

/** d[0:n] += s[0:n] */
// @ts-ignore: decorator
@inline function addRow(d: usize, s: usize, n: i32): void {
  let c = 0;
  for (; c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
  }
  for (; c < n; c++) {
    const o = <usize>c << 2;
    store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
  }
}
