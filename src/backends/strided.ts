/** Shared by backends: walking a strided view in row-major order. */
import type { DataArray } from '../core/dtype.js';
import { sizeOf, type Shape } from '../core/shape.js';
import type { TensorView } from './backend.js';

/** True when the view is row-major with no gaps (any offset). */
export function isRowMajor(v: Pick<TensorView, 'shape' | 'strides'>): boolean {
  let s = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] > 1 && v.strides[i] !== s) return false;
    s *= v.shape[i];
  }
  return true;
}

/**
 * Copies the elements of the strided view (shape, strides) starting at `src[base]` into `out` from `outIndex` on, in
 * row-major order. `src` and `out` may be the same array (non-overlapping ranges).
 */
export function gatherStrided(src: DataArray, base: number, shape: Shape, strides: readonly number[], out: DataArray, outIndex: number): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  if (isRowMajor({ shape, strides })) {
    if (out.buffer === src.buffer) src.copyWithin(outIndex, base, base + n);
    else out.set(src.subarray(base, base + n), outIndex);
    return;
  }
  const r = shape.length;
  if (r === 0) {
    out[outIndex] = src[base];
    return;
  }
  const idx = new Array<number>(r).fill(0);
  const last = r - 1;
  const innerN = shape[last];
  const innerS = strides[last];
  let off = base;
  for (let i = 0; i < n; i += innerN) {
    const o = outIndex + i;
    if (innerS === 1 && out.buffer === src.buffer) src.copyWithin(o, off, off + innerN);
    else if (innerS === 1) out.set(src.subarray(off, off + innerN), o);
    else for (let j = 0, s = off; j < innerN; j++, s += innerS) out[o + j] = src[s];
    // advance the odometer over all but the last axis
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      off += strides[d];
      if (idx[d] < shape[d]) break;
      off -= shape[d] * strides[d];
      idx[d] = 0;
    }
  }
}
