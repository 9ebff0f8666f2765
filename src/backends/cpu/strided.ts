import type { TensorView } from '../backend.js';
import { arrayFor, type DataArray } from '../../core/dtype.js';
import { sizeOf } from '../../core/shape.js';
import type { CpuStorage } from './storage.js';
import { gatherStrided, isRowMajor } from '../strided.js';

/**
 * The view's elements in row-major order. Returns the storage's own array when the view covers it exactly
 * (callers must treat the result as read-only).
 */
export function materialize(v: TensorView): DataArray {
  const data = (v.storage as CpuStorage).data;
  const n = sizeOf(v.shape);
  if (v.offset === 0 && n === data.length && isRowMajor(v)) return data;
  const out = arrayFor(v.dtype, n);
  gatherStrided(data, v.offset, v.shape, v.strides, out, 0);
  return out;
}

/** A view of the same storage with axes reordered (no copy). */
export function permuted(v: TensorView, axes: readonly number[]): TensorView {
  return { storage: v.storage, dtype: v.dtype, offset: v.offset, shape: axes.map((a) => v.shape[a]), strides: axes.map((a) => v.strides[a]) };
}
