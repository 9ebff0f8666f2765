import type { TensorView } from '../backend.js';
import { arrayFor, type DataArray } from '../../core/dtype.js';
import { sizeOf } from '../../core/shape.js';
import type { CpuStorage } from './storage.js';

/**
 * The view's elements in row-major order. Returns the storage's own array when the view covers it exactly
 * (callers must treat the result as read-only).
 */
export function materialize(v: TensorView): DataArray {
  const data = (v.storage as CpuStorage).data;
  const n = sizeOf(v.shape);
  const r = v.shape.length;
  if (v.offset === 0 && n === data.length && isRowMajor(v)) return data;
  const out = arrayFor(v.dtype, n);
  if (n === 0) return out;
  if (r === 0) {
    out[0] = data[v.offset];
    return out;
  }
  const idx = new Array<number>(r).fill(0);
  const last = r - 1;
  const innerN = v.shape[last];
  const innerS = v.strides[last];
  let off = v.offset;
  for (let i = 0; i < n; i += innerN) {
    for (let j = 0, o = off; j < innerN; j++, o += innerS) out[i + j] = data[o];
    // advance the odometer over all but the last axis
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      off += v.strides[d];
      if (idx[d] < v.shape[d]) break;
      off -= v.shape[d] * v.strides[d];
      idx[d] = 0;
    }
  }
  return out;
}

function isRowMajor(v: TensorView): boolean {
  let s = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] > 1 && v.strides[i] !== s) return false;
    s *= v.shape[i];
  }
  return true;
}

/** A view of the same storage with axes reordered (no copy). */
export function permuted(v: TensorView, axes: readonly number[]): TensorView {
  return { storage: v.storage, dtype: v.dtype, offset: v.offset, shape: axes.map((a) => v.shape[a]), strides: axes.map((a) => v.strides[a]) };
}
