/**
 * Convolution and pooling on the wasm backend, built from two kernels: the strided copy (im2col: the patches of an
 * NHWC image are a strided view of it) and GEMM. conv2d = im2col · W; its filter gradient = im2colᵀ · dY; its input
 * gradient (stride 1) = a full convolution of dY with the flipped, transposed kernel. Shapes the fast paths do not
 * cover return null (the caller falls back). Pooling is in pool.ts.
 */
import type { Storage, TensorView } from '../backend.js';
import type { OutMeta, PrimParams } from '../../core/primitives.js';
import { sizeOf } from '../../core/shape.js';
import { alloc, free, heapF32 } from './runtime.js';
import * as K from './kernels.js';
import { isRowMajor } from '../strided.js';

/** Merges axes that are contiguous with their neighbour and drops size-1 axes: fewer, longer rows to copy. */
export function collapse(shape: readonly number[], strides: readonly number[]): [number[], number[]] {
  const sh: number[] = [];
  const st: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = sh.length - 1;
    if (last >= 0 && st[last] === strides[d] * shape[d]) {
      sh[last] *= shape[d];
      st[last] = strides[d];
    } else {
      sh.push(shape[d]);
      st.push(strides[d]);
    }
  }
  return sh.length ? [sh, st] : [[1], [1]];
}

/** stridedCopy after collapsing the view's axes. */
export function copyStrided(src: number, dst: number, shape: readonly number[], strides: readonly number[]): void {
  const [sh, st] = collapse(shape, strides);
  K.stridedCopy(src, dst, sh, st);
}

type Alloc = (dtype: 'float32' | 'int32', size: number) => Storage & { ptr: number };
type Conv = PrimParams['conv2d'];

/** Zero-padded NHWC copy of a row-major image (or the image itself when no padding is needed). */
function padded(xPtr: number, N: number, H: number, W: number, C: number, pads: readonly number[], temps: number[]): { ptr: number; Hp: number; Wp: number } {
  const [pt, pb, pl, pr] = pads;
  if (pt === 0 && pb === 0 && pl === 0 && pr === 0) return { ptr: xPtr, Hp: H, Wp: W };
  const Hp = H + pt + pb;
  const Wp = W + pl + pr;
  const ptr = alloc(N * Hp * Wp * C * 4);
  temps.push(ptr);
  K.fill(ptr, N * Hp * Wp * C, 0);
  // the interior is a strided view of the padded buffer: copy image rows into it
  const F = heapF32();
  const row = W * C;
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      const src = (xPtr >>> 2) + (n * H + h) * row;
      F.copyWithin((ptr >>> 2) + ((n * Hp + h + pt) * Wp + pl) * C, src, src + row);
    }
  }
  return { ptr, Hp, Wp };
}

/** The [N*OH*OW, KH*KW*C] patch matrix of a padded image. */
function im2col(src: { ptr: number; Hp: number; Wp: number }, N: number, C: number, KH: number, KW: number, OH: number, OW: number, p: Conv, temps: number[]): number {
  const [sh, sw] = p.strides;
  const [dh, dw] = p.dilations;
  const { Hp, Wp } = src;
  if (KH === 1 && KW === 1 && sh === 1 && sw === 1 && OH === Hp && OW === Wp) return src.ptr;
  const cols = alloc(N * OH * OW * KH * KW * C * 4);
  temps.push(cols);
  copyStrided(src.ptr, cols, [N, OH, OW, KH, KW, C], [Hp * Wp * C, sh * Wp * C, sw * C, dh * Wp * C, dw * C, 1]);
  return cols;
}

/** out[N*OH*OW, CO] = im2col(x) @ w for a row-major NHWC x at xPtr and HWIO kernel w at wPtr. */
function convInto(xPtr: number, xShape: readonly number[], wPtr: number, wShape: readonly number[], p: Conv, outShape: readonly number[], outPtr: number): void {
  const [N, H, W, C] = xShape;
  const [KH, KW, , CO] = wShape;
  const [, OH, OW] = outShape;
  const temps: number[] = [];
  try {
    const src = padded(xPtr, N, H, W, C, p.pads, temps);
    const cols = im2col(src, N, C, KH, KW, OH, OW, p, temps);
    const M = N * OH * OW;
    const Kd = KH * KW * C;
    K.sgemm(false, false, M, CO, Kd, 1, cols, Kd, wPtr, CO, 0, outPtr, CO);
  } finally {
    for (const t of temps) free(t);
  }
}

const ptrOf = (v: TensorView): number => (v.storage as unknown as { ptr: number }).ptr + v.offset * 4;
const f32 = (...vs: TensorView[]): boolean => vs.every((v) => v.dtype === 'float32' && isRowMajor(v));

export function conv2dFast([x, w]: TensorView[], p: Conv, out: OutMeta, allocStorage: Alloc): Storage | null {
  if (p.groups !== 1 || !f32(x, w) || sizeOf(out.shape) === 0 || sizeOf(x.shape) === 0) return null;
  const s = allocStorage('float32', sizeOf(out.shape));
  convInto(ptrOf(x), x.shape, ptrOf(w), w.shape, p, out.shape, s.ptr);
  return s;
}

export function conv2dBackpropFilterFast([x, dy]: TensorView[], p: PrimParams['conv2dBackpropFilter'], out: OutMeta, allocStorage: Alloc): Storage | null {
  if (p.groups !== 1 || !f32(x, dy) || sizeOf(dy.shape) === 0) return null;
  const [N, H, W, C] = x.shape;
  const [KH, KW, , CO] = p.filterShape;
  const [, OH, OW] = dy.shape;
  const s = allocStorage('float32', sizeOf(out.shape));
  const temps: number[] = [];
  try {
    const src = padded(ptrOf(x), N, H, W, C, p.pads, temps);
    const cols = im2col(src, N, C, KH, KW, OH, OW, p, temps);
    const M = N * OH * OW;
    const Kd = KH * KW * C;
    // dW[Kd, CO] = colsᵀ[Kd, M] @ dY[M, CO]
    K.sgemm(true, false, Kd, CO, M, 1, cols, Kd, ptrOf(dy), CO, 0, s.ptr, CO);
  } finally {
    for (const t of temps) free(t);
  }
  return s;
}

export function conv2dBackpropInputFast([dy, w]: TensorView[], p: PrimParams['conv2dBackpropInput'], out: OutMeta, allocStorage: Alloc): Storage | null {
  if (p.groups !== 1 || p.strides[0] !== 1 || p.strides[1] !== 1 || !f32(dy, w) || sizeOf(out.shape) === 0) return null;
  const [KH, KW, C, CO] = w.shape;
  const [dh, dw] = p.dilations;
  const [pt, pb, pl, pr] = p.pads;
  const full = [(KH - 1) * dh - pt, (KH - 1) * dh - pb, (KW - 1) * dw - pl, (KW - 1) * dw - pr];
  if (full.some((v) => v < 0)) return null;
  // w'[kh, kw, co, c] = w[KH-1-kh, KW-1-kw, c, co]
  const flipped = alloc(KH * KW * CO * C * 4);
  try {
    const base = ptrOf(w) + ((KH - 1) * KW * C * CO + (KW - 1) * C * CO) * 4;
    copyStrided(base, flipped, [KH, KW, CO, C], [-KW * C * CO, -C * CO, 1, CO]);
    const s = allocStorage('float32', sizeOf(out.shape));
    convInto(ptrOf(dy), dy.shape, flipped, [KH, KW, CO, C], { strides: [1, 1], dilations: [dh, dw], pads: full as Conv['pads'], groups: 1 }, out.shape, s.ptr);
    return s;
  } finally {
    free(flipped);
  }
}
