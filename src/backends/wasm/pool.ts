/**
 * Pooling on the wasm backend: max, argmax and average pooling and the gradients of max (from the argmax) and
 * average pooling as SIMD kernels over NHWC float32 (kernels.ts pool2d, maxPool2dGrad, avgPool2dGrad), any pool size,
 * strides and pads. Inputs that are not row-major float32 return null (the caller falls back to the reference).
 */
import type { Storage, TensorView } from '../backend.js';
import type { OutMeta, PrimParams } from '../../core/primitives.js';
import { sizeOf } from '../../core/shape.js';
import * as K from './kernels.js';
import { alloc, free } from './runtime.js';
import { isRowMajor, viewPtr } from './memory-views.js';

type Alloc = (dtype: 'float32' | 'int32', size: number) => Storage & { ptr: number };
type Pool = PrimParams['maxPool2d'];

const rowMajorF32 = (v: TensorView): boolean => v.dtype === 'float32' && isRowMajor(v);

/** The kernels' window geometry for pooling an [N, H, W, C] input into an [N, OH, OW, C] output. */
function geometry(inShape: readonly number[], outShape: readonly number[], p: Pool): K.PoolGeometry {
  const [, H, W, C] = inShape;
  const [, OH, OW] = outShape;
  return { H, W, C, OH, OW, KH: p.poolSize[0], KW: p.poolSize[1], SH: p.strides[0], SW: p.strides[1], PT: p.pads[0], PL: p.pads[2] };
}

function pool(kind: K.PoolKind, [x]: TensorView[], p: Pool, out: OutMeta, allocStorage: Alloc): Storage | null {
  if (!rowMajorF32(x) || sizeOf(out.shape) === 0) return null;
  const s = allocStorage(kind === 'argmax' ? 'int32' : 'float32', sizeOf(out.shape));
  K.pool2d(kind, viewPtr(x), s.ptr, x.shape[0], geometry(x.shape, out.shape, p));
  return s;
}

export const maxPool2dFast = (xs: TensorView[], p: Pool, out: OutMeta, a: Alloc): Storage | null => pool('max', xs, p, out, a);
export const maxPool2dArgmaxFast = (xs: TensorView[], p: Pool, out: OutMeta, a: Alloc): Storage | null => pool('argmax', xs, p, out, a);
export const avgPool2dFast = (xs: TensorView[], p: Pool, out: OutMeta, a: Alloc): Storage | null => pool('avg', xs, p, out, a);

export function avgPool2dGradFast([dy]: TensorView[], p: PrimParams['avgPool2dGrad'], out: OutMeta, allocStorage: Alloc): Storage | null {
  if (!rowMajorF32(dy) || sizeOf(out.shape) === 0) return null;
  const s = allocStorage('float32', sizeOf(out.shape));
  K.avgPool2dGrad(viewPtr(dy), s.ptr, out.shape[0], geometry(out.shape, dy.shape, p));
  return s;
}

/** dx from x and dy: one pass when windows are disjoint, else the argmax then a gather per input pixel. */
export function maxPool2dGradFast([x, dy]: TensorView[], p: Pool, out: OutMeta, allocStorage: Alloc): Storage | null {
  if (!rowMajorF32(x) || !rowMajorF32(dy) || sizeOf(out.shape) === 0) return null;
  const g = geometry(x.shape, dy.shape, p);
  const N = x.shape[0];
  const s = allocStorage('float32', sizeOf(out.shape));
  if (K.poolWindowsDisjoint(g)) {
    K.maxPool2dGradFromInput(viewPtr(x), viewPtr(dy), s.ptr, N, g);
    return s;
  }
  const argmax = alloc(sizeOf(dy.shape) * 4);
  try {
    K.pool2d('argmax', viewPtr(x), argmax, N, g);
    K.maxPool2dGrad(viewPtr(dy), argmax, s.ptr, N, g);
  } finally {
    free(argmax);
  }
  return s;
}
