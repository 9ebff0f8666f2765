// SGEMM: C = alpha * op(A) @ op(B) + beta * C, row-major, leading dimensions in elements.
// op(A) is M x K (transA: A is stored K x M), op(B) is K x N (transB: B is stored N x K).
// All pointers are byte offsets into the shared memory; nothing is allocated here: the caller
// passes a per-thread scratch area of at least gemm_scratch_bytes(mc, kc, nc) bytes.
//
// Big shapes use BLIS-style blocking: a KC x NC panel of op(B) is packed into NR-wide column
// micro-panels, an MC x KC block of op(A) into MR-high row micro-panels, and the register-tiled
// micro-kernel (microkernel.ts, generated) computes MR x NR tiles. Shapes with a small N (or a small
// M, via C^T = op(B)^T op(A)^T) use unpacked dot/axpy kernels that waste no work on padding.
import { MR, NR, ukernel } from "./microkernel";
import { madd, hsum, imin } from "./simd";

/** Scratch bytes the blocked path needs for the given blocking (64-byte rounded regions). */
export function gemm_scratch_bytes(mc: i32, kc: i32, nc: i32): i32 {
  return ((mc * kc * 4 + 63) & ~63) + ((kc * nc * 4 + 63) & ~63) + MR * NR * 4 + 64;
}

export function gemm_mr(): i32 { return MR; }
export function gemm_nr(): i32 { return NR; }

/** C = beta * C on an m x n block with strides (elements). beta == 0 writes zeros (NaN-safe). */
export function scale_c(m: i32, n: i32, beta: f32, c: usize, rsc: i32, csc: i32): void {
  if (beta == 1) return;
  for (let i = 0; i < m; i++) {
    let p = c + <usize>(i * rsc) * 4;
    if (csc == 1) {
      let j = 0;
      if (beta == 0) {
        memory.fill(p, 0, <usize>n * 4);
        continue;
      }
      const vb = f32x4.splat(beta);
      for (; j + 4 <= n; j += 4) v128.store(p + <usize>j * 4, f32x4.mul(v128.load(p + <usize>j * 4), vb));
      for (; j < n; j++) store<f32>(p + <usize>j * 4, load<f32>(p + <usize>j * 4) * beta);
    } else {
      for (let j = 0; j < n; j++) {
        const q = p + <usize>(j * csc) * 4;
        store<f32>(q, beta == 0 ? 0 : load<f32>(q) * beta);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Packing

/** Packs op(A)[i0:i0+mc, p0:p0+kc] into MR-row micro-panels (zero padded to a multiple of MR). */
function packA(transA: bool, a: usize, lda: i32, i0: i32, p0: i32, mc: i32, kc: i32, pa: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = imin(MR, mc - ir);
    const dst0 = pa + <usize>(ir * kc) * 4;
    if (transA) {
      // A is K x M: element (i, k) at k*lda + i; MR rows of one k are contiguous.
      let src = a + (<usize>p0 * lda + i0 + ir) * 4;
      let dst = dst0;
      const stride = <usize>lda * 4;
      if (mr == MR) {
        for (let k = 0; k < kc; k++) {
          let r = 0;
          for (; r + 4 <= MR; r += 4) v128.store(dst + <usize>r * 4, v128.load(src + <usize>r * 4));
          for (; r < MR; r++) store<f32>(dst + <usize>r * 4, load<f32>(src + <usize>r * 4));
          src += stride;
          dst += MR * 4;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let r = 0; r < MR; r++) store<f32>(dst + <usize>r * 4, r < mr ? load<f32>(src + <usize>r * 4) : 0);
          src += stride;
          dst += MR * 4;
        }
      }
    } else {
      // A is M x K: element (i, k) at i*lda + k; each row is contiguous along k.
      const rowBase = a + (<usize>(i0 + ir) * lda + p0) * 4;
      const ldaB = <usize>lda * 4;
      if (mr == MR) {
        // 4 k at a time: 4x4 transposes of (4 rows x 4 k) blocks into the k-major panel.
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const dst = dst0 + <usize>(k * MR) * 4;
          let r = 0;
          for (; r + 4 <= MR; r += 4) {
            const src = rowBase + <usize>r * ldaB + <usize>k * 4;
            const r0 = v128.load(src);
            const r1 = v128.load(src + ldaB);
            const r2 = v128.load(src + 2 * ldaB);
            const r3 = v128.load(src + 3 * ldaB);
            const t01lo = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
            const t23lo = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
            const t01hi = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
            const t23hi = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
            const d = dst + <usize>r * 4;
            v128.store(d, v128.shuffle<f32>(t01lo, t23lo, 0, 1, 4, 5));
            v128.store(d, v128.shuffle<f32>(t01lo, t23lo, 2, 3, 6, 7), MR * 4);
            v128.store(d, v128.shuffle<f32>(t01hi, t23hi, 0, 1, 4, 5), MR * 8);
            v128.store(d, v128.shuffle<f32>(t01hi, t23hi, 2, 3, 6, 7), MR * 12);
          }
          for (; r < MR; r++) {
            const v = v128.load(rowBase + <usize>r * ldaB + <usize>k * 4);
            const d = dst + <usize>r * 4;
            store<f32>(d, f32x4.extract_lane(v, 0));
            store<f32>(d, f32x4.extract_lane(v, 1), MR * 4);
            store<f32>(d, f32x4.extract_lane(v, 2), MR * 8);
            store<f32>(d, f32x4.extract_lane(v, 3), MR * 12);
          }
        }
        for (; k < kc; k++) {
          const dst = dst0 + <usize>(k * MR) * 4;
          for (let r = 0; r < MR; r++) store<f32>(dst + <usize>r * 4, load<f32>(rowBase + <usize>r * ldaB + <usize>k * 4));
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const dst = dst0 + <usize>(k * MR) * 4;
          for (let r = 0; r < MR; r++) {
            store<f32>(dst + <usize>r * 4, r < mr ? load<f32>(rowBase + <usize>r * ldaB + <usize>k * 4) : 0);
          }
        }
      }
    }
  }
}

/** Packs op(B)[p0:p0+kc, j0:j0+nc] into NR-column micro-panels (zero padded to a multiple of NR). */
function packB(transB: bool, b: usize, ldb: i32, p0: i32, j0: i32, kc: i32, nc: i32, pb: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = imin(NR, nc - jr);
    const dst0 = pb + <usize>(jr * kc) * 4;
    if (!transB) {
      // B is K x N: NR columns of one k are contiguous.
      let src = b + (<usize>p0 * ldb + j0 + jr) * 4;
      let dst = dst0;
      const stride = <usize>ldb * 4;
      if (nr == NR) {
        for (let k = 0; k < kc; k++) {
          for (let c = 0; c < NR; c += 4) v128.store(dst + <usize>c * 4, v128.load(src + <usize>c * 4));
          src += stride;
          dst += NR * 4;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let c = 0; c < NR; c++) store<f32>(dst + <usize>c * 4, c < nr ? load<f32>(src + <usize>c * 4) : 0);
          src += stride;
          dst += NR * 4;
        }
      }
    } else {
      // B is N x K: column j of op(B) is row j of B, contiguous along k. Transpose 4x4 blocks.
      const colBase = b + (<usize>(j0 + jr) * ldb + p0) * 4;
      const ldbB = <usize>ldb * 4;
      if (nr == NR) {
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const dst = dst0 + <usize>(k * NR) * 4;
          for (let c = 0; c < NR; c += 4) {
            const src = colBase + <usize>c * ldbB + <usize>k * 4;
            const r0 = v128.load(src);
            const r1 = v128.load(src + ldbB);
            const r2 = v128.load(src + 2 * ldbB);
            const r3 = v128.load(src + 3 * ldbB);
            // r_c = [k0 k1 k2 k3] of column c; want t_k = [c0 c1 c2 c3].
            const t01lo = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // r0k0 r1k0 r0k1 r1k1
            const t23lo = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
            const t01hi = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
            const t23hi = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
            const d = dst + <usize>c * 4;
            v128.store(d, v128.shuffle<f32>(t01lo, t23lo, 0, 1, 4, 5));
            v128.store(d, v128.shuffle<f32>(t01lo, t23lo, 2, 3, 6, 7), NR * 4);
            v128.store(d, v128.shuffle<f32>(t01hi, t23hi, 0, 1, 4, 5), NR * 8);
            v128.store(d, v128.shuffle<f32>(t01hi, t23hi, 2, 3, 6, 7), NR * 12);
          }
        }
        for (; k < kc; k++) {
          const dst = dst0 + <usize>(k * NR) * 4;
          for (let c = 0; c < NR; c++) store<f32>(dst + <usize>c * 4, load<f32>(colBase + <usize>c * ldbB + <usize>k * 4));
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const dst = dst0 + <usize>(k * NR) * 4;
          for (let c = 0; c < NR; c++) {
            store<f32>(dst + <usize>c * 4, c < nr ? load<f32>(colBase + <usize>c * ldbB + <usize>k * 4) : 0);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Blocked path

export function sgemm_blocked(
  transA: bool, transB: bool, M: i32, N: i32, K: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32,
  scratch: usize, MC: i32, KC: i32, NC: i32,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0) {
    scale_c(M, N, beta, c, ldc, 1);
    return;
  }
  const pa = scratch;
  const pb = pa + <usize>((MC * KC * 4 + 63) & ~63);
  const tile = pb + <usize>((KC * NC * 4 + 63) & ~63);
  const ldcB = <usize>ldc * 4;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = imin(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = imin(KC, K - pc);
      const bEff: f32 = pc == 0 ? beta : 1;
      packB(transB, b, ldb, pc, jc, kc, nc, pb);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = imin(MC, M - ic);
        packA(transA, a, lda, ic, pc, mc, kc, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = imin(NR, nc - jr);
          const bp = pb + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = imin(MR, mc - ir);
            const ap = pa + <usize>(ir * kc) * 4;
            const cp = c + (<usize>(ic + ir) * ldc + jc + jr) * 4;
            if (mr == MR && nr == NR) {
              ukernel(kc, ap, bp, cp, ldcB, alpha, bEff);
            } else {
              ukernel(kc, ap, bp, tile, NR * 4, alpha, 0);
              for (let i = 0; i < mr; i++) {
                const crow = cp + <usize>i * ldcB;
                const trow = tile + <usize>(i * NR) * 4;
                for (let j = 0; j < nr; j++) {
                  const t = load<f32>(trow + <usize>j * 4);
                  const q = crow + <usize>j * 4;
                  store<f32>(q, bEff == 0 ? t : t + bEff * load<f32>(q));
                }
              }
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Narrow-N path (N small): no packing of A, no padding waste. C is addressed with general
// strides (rsc, csc) so the small-M case can run as C^T = op(B)^T @ op(A)^T.

// @ts-ignore: decorator
@inline function storeC(q: usize, v: f32, alpha: f32, beta: f32): void {
  store<f32>(q, beta == 0 ? alpha * v : alpha * v + beta * load<f32>(q));
}

/** Dot-product kernel for !transA: C(i,j) = sum_k A[i*lda+k] * Bt[j*ldbt+k]. */
function narrow_dot(
  M: i32, N: i32, K: i32, alpha: f32, a: usize, lda: i32, bt: usize, ldbt: i32,
  beta: f32, c: usize, rsc: i32, csc: i32,
): void {
  const K4 = K & ~3;
  const ldaB = <usize>lda * 4;
  const ldbB = <usize>ldbt * 4;
  let i = 0;
  for (; i + 2 <= M; i += 2) {
    const a0 = a + <usize>i * ldaB;
    const a1 = a0 + ldaB;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const b0 = bt + <usize>j * ldbB;
      const b1 = b0 + ldbB;
      const b2 = b1 + ldbB;
      const b3 = b2 + ldbB;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k * 4;
        const x0 = v128.load(a0 + o);
        const x1 = v128.load(a1 + o);
        let y = v128.load(b0 + o);
        s00 = madd(x0, y, s00); s10 = madd(x1, y, s10);
        y = v128.load(b1 + o);
        s01 = madd(x0, y, s01); s11 = madd(x1, y, s11);
        y = v128.load(b2 + o);
        s02 = madd(x0, y, s02); s12 = madd(x1, y, s12);
        y = v128.load(b3 + o);
        s03 = madd(x0, y, s03); s13 = madd(x1, y, s13);
      }
      let r00 = hsum(s00), r01 = hsum(s01), r02 = hsum(s02), r03 = hsum(s03);
      let r10 = hsum(s10), r11 = hsum(s11), r12 = hsum(s12), r13 = hsum(s13);
      for (let k = K4; k < K; k++) {
        const o = <usize>k * 4;
        const x0 = load<f32>(a0 + o), x1 = load<f32>(a1 + o);
        const y0 = load<f32>(b0 + o), y1 = load<f32>(b1 + o), y2 = load<f32>(b2 + o), y3 = load<f32>(b3 + o);
        r00 += x0 * y0; r01 += x0 * y1; r02 += x0 * y2; r03 += x0 * y3;
        r10 += x1 * y0; r11 += x1 * y1; r12 += x1 * y2; r13 += x1 * y3;
      }
      const c0 = c + (<usize>i * rsc + <usize>j * csc) * 4;
      const c1 = c0 + <usize>rsc * 4;
      const cs = <usize>csc * 4;
      storeC(c0, r00, alpha, beta); storeC(c0 + cs, r01, alpha, beta);
      storeC(c0 + 2 * cs, r02, alpha, beta); storeC(c0 + 3 * cs, r03, alpha, beta);
      storeC(c1, r10, alpha, beta); storeC(c1 + cs, r11, alpha, beta);
      storeC(c1 + 2 * cs, r12, alpha, beta); storeC(c1 + 3 * cs, r13, alpha, beta);
    }
    for (; j < N; j++) {
      const b0 = bt + <usize>j * ldbB;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k * 4;
        const y = v128.load(b0 + o);
        s0 = madd(v128.load(a0 + o), y, s0);
        s1 = madd(v128.load(a1 + o), y, s1);
      }
      let r0 = hsum(s0), r1 = hsum(s1);
      for (let k = K4; k < K; k++) {
        const o = <usize>k * 4;
        const y = load<f32>(b0 + o);
        r0 += load<f32>(a0 + o) * y;
        r1 += load<f32>(a1 + o) * y;
      }
      const c0 = c + (<usize>i * rsc + <usize>j * csc) * 4;
      storeC(c0, r0, alpha, beta);
      storeC(c0 + <usize>rsc * 4, r1, alpha, beta);
    }
  }
  for (; i < M; i++) {
    const a0 = a + <usize>i * ldaB;
    for (let j = 0; j < N; j++) {
      const b0 = bt + <usize>j * ldbB;
      let s0 = f32x4.splat(0);
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k * 4;
        s0 = madd(v128.load(a0 + o), v128.load(b0 + o), s0);
      }
      let r0 = hsum(s0);
      for (let k = K4; k < K; k++) r0 += load<f32>(a0 + <usize>k * 4) * load<f32>(b0 + <usize>k * 4);
      storeC(c + (<usize>i * rsc + <usize>j * csc) * 4, r0, alpha, beta);
    }
  }
}

// @ts-ignore: decorator
@inline function storeCol4(q: usize, v: v128, rsc: i32, alpha: f32, beta: f32): void {
  // Stores the 4 lanes of v to C(i..i+3, j); q = &C(i, j).
  if (rsc == 1) {
    const va = f32x4.splat(alpha);
    if (beta == 0) v128.store(q, f32x4.mul(v, va));
    else v128.store(q, madd(v, va, f32x4.mul(v128.load(q), f32x4.splat(beta))));
  } else {
    const rs = <usize>rsc * 4;
    storeC(q, f32x4.extract_lane(v, 0), alpha, beta);
    storeC(q + rs, f32x4.extract_lane(v, 1), alpha, beta);
    storeC(q + 2 * rs, f32x4.extract_lane(v, 2), alpha, beta);
    storeC(q + 3 * rs, f32x4.extract_lane(v, 3), alpha, beta);
  }
}

/**
 * Axpy kernel for transA (A stored K x M, contiguous along M): vectors run along M.
 * bp: op(B) packed k-major, bp[k*ldbp + j], ldbp >= N rounded up to 4 (zero padded).
 */
function narrow_axpy(
  M: i32, N: i32, K: i32, alpha: f32, a: usize, lda: i32, bp: usize, ldbp: i32,
  beta: f32, c: usize, rsc: i32, csc: i32,
): void {
  const ldaB = <usize>lda * 4;
  const ldbB = <usize>ldbp * 4;
  const csB = <usize>csc * 4;
  let i = 0;
  for (; i + 8 <= M; i += 8) {
    for (let j = 0; j < N; j += 4) {
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
      let ap = a + <usize>i * 4;
      let bq = bp + <usize>j * 4;
      for (let k = 0; k < K; k++) {
        const x0 = v128.load(ap);
        const x1 = v128.load(ap, 16);
        let y = v128.load32_splat(bq);
        s00 = madd(x0, y, s00); s10 = madd(x1, y, s10);
        y = v128.load32_splat(bq, 4);
        s01 = madd(x0, y, s01); s11 = madd(x1, y, s11);
        y = v128.load32_splat(bq, 8);
        s02 = madd(x0, y, s02); s12 = madd(x1, y, s12);
        y = v128.load32_splat(bq, 12);
        s03 = madd(x0, y, s03); s13 = madd(x1, y, s13);
        ap += ldaB;
        bq += ldbB;
      }
      const q0 = c + (<usize>i * rsc + <usize>j * csc) * 4;
      const q1 = q0 + <usize>(4 * rsc) * 4;
      const nj = N - j;
      storeCol4(q0, s00, rsc, alpha, beta); storeCol4(q1, s10, rsc, alpha, beta);
      if (nj > 1) { storeCol4(q0 + csB, s01, rsc, alpha, beta); storeCol4(q1 + csB, s11, rsc, alpha, beta); }
      if (nj > 2) { storeCol4(q0 + 2 * csB, s02, rsc, alpha, beta); storeCol4(q1 + 2 * csB, s12, rsc, alpha, beta); }
      if (nj > 3) { storeCol4(q0 + 3 * csB, s03, rsc, alpha, beta); storeCol4(q1 + 3 * csB, s13, rsc, alpha, beta); }
    }
  }
  for (; i + 4 <= M; i += 4) {
    for (let j = 0; j < N; j += 4) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let ap = a + <usize>i * 4;
      let bq = bp + <usize>j * 4;
      for (let k = 0; k < K; k++) {
        const x0 = v128.load(ap);
        s0 = madd(x0, v128.load32_splat(bq), s0);
        s1 = madd(x0, v128.load32_splat(bq, 4), s1);
        s2 = madd(x0, v128.load32_splat(bq, 8), s2);
        s3 = madd(x0, v128.load32_splat(bq, 12), s3);
        ap += ldaB;
        bq += ldbB;
      }
      const q0 = c + (<usize>i * rsc + <usize>j * csc) * 4;
      const nj = N - j;
      storeCol4(q0, s0, rsc, alpha, beta);
      if (nj > 1) storeCol4(q0 + csB, s1, rsc, alpha, beta);
      if (nj > 2) storeCol4(q0 + 2 * csB, s2, rsc, alpha, beta);
      if (nj > 3) storeCol4(q0 + 3 * csB, s3, rsc, alpha, beta);
    }
  }
  for (; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s: f32 = 0;
      let ap = a + <usize>i * 4;
      let bq = bp + <usize>j * 4;
      for (let k = 0; k < K; k++) {
        s += load<f32>(ap) * load<f32>(bq);
        ap += ldaB;
        bq += ldbB;
      }
      storeC(c + (<usize>i * rsc + <usize>j * csc) * 4, s, alpha, beta);
    }
  }
}

/** Bytes of scratch the narrow path needs for K x N. */
export function gemm_narrow_scratch_bytes(N: i32, K: i32): i32 {
  return (((N + 3) & ~3) * K) * 4 + 64;
}

/**
 * Narrow-N GEMM on a C with general strides. Needs gemm_narrow_scratch_bytes(N, K) scratch.
 */
export function sgemm_narrow(
  transA: bool, transB: bool, M: i32, N: i32, K: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, rsc: i32, csc: i32, scratch: usize,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0) {
    scale_c(M, N, beta, c, rsc, csc);
    return;
  }
  if (!transA) {
    // Need op(B) columns contiguous along k: Bt[j*K + k].
    let bt = b;
    let ldbt = ldb;
    if (!transB) {
      bt = scratch;
      ldbt = K;
      for (let k = 0; k < K; k++) {
        const src = b + <usize>(k * ldb) * 4;
        for (let j = 0; j < N; j++) store<f32>(bt + <usize>(j * K + k) * 4, load<f32>(src + <usize>j * 4));
      }
    }
    narrow_dot(M, N, K, alpha, a, lda, bt, ldbt, beta, c, rsc, csc);
  } else {
    // Need op(B) rows contiguous along j, padded to 4: Bp[k*N4 + j].
    const N4 = (N + 3) & ~3;
    const bp = scratch;
    for (let k = 0; k < K; k++) {
      const dst = bp + <usize>(k * N4) * 4;
      if (!transB) {
        const src = b + <usize>(k * ldb) * 4;
        for (let j = 0; j < N; j++) store<f32>(dst + <usize>j * 4, load<f32>(src + <usize>j * 4));
      } else {
        for (let j = 0; j < N; j++) store<f32>(dst + <usize>j * 4, load<f32>(b + <usize>(j * ldb + k) * 4));
      }
      for (let j = N; j < N4; j++) store<f32>(dst + <usize>j * 4, 0);
    }
    narrow_axpy(M, N, K, alpha, a, lda, bp, N4, beta, c, rsc, csc);
  }
}
