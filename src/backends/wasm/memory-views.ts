/** Moving data between JS arrays and tensors that live in the wasm memory (including strided views). */
import type { TensorView } from '../backend.js';
import { arrayFor, type DataArray, type DType } from '../../core/dtype.js';
import { sizeOf } from '../../core/shape.js';
import { heapF32, heapI32, heapU8 } from './runtime.js';

export interface WasmStorageFields {
  /** byte offset of element 0 in the wasm memory */
  readonly ptr: number;
}

export function itemBytes(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}

/** The whole-heap typed array matching a dtype (bool: bytes), and the element index of a byte pointer. */
export function heapFor(dtype: DType): DataArray {
  return dtype === 'bool' ? heapU8() : dtype === 'int32' ? heapI32() : heapF32();
}
export function indexOf(dtype: DType, ptr: number): number {
  return dtype === 'bool' ? ptr : ptr >>> 2;
}

/** True when the view is row-major with no gaps (any offset). */
export function isRowMajor(v: TensorView): boolean {
  let s = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] > 1 && v.strides[i] !== s) return false;
    s *= v.shape[i];
  }
  return true;
}

/** Byte pointer of the view's first element. */
export function viewPtr(v: TensorView): number {
  return (v.storage as unknown as WasmStorageFields).ptr + v.offset * itemBytes(v.dtype);
}

/** Copies the view's elements in row-major order into `out` (a heap array at element index `outIndex`, or a JS array). */
export function gatherInto(v: TensorView, out: DataArray, outIndex: number): void {
  const heap = heapFor(v.dtype);
  const base = indexOf(v.dtype, (v.storage as unknown as WasmStorageFields).ptr) + v.offset;
  const n = sizeOf(v.shape);
  if (n === 0) return;
  if (isRowMajor(v)) {
    if (out.buffer === heap.buffer) heap.copyWithin(outIndex, base, base + n);
    else out.set(heap.subarray(base, base + n), outIndex);
    return;
  }
  const r = v.shape.length;
  const idx = new Array<number>(r).fill(0);
  const last = r - 1;
  const innerN = v.shape[last];
  const innerS = v.strides[last];
  let off = base;
  for (let i = 0; i < n; i += innerN) {
    const o = outIndex + i;
    if (innerS === 1 && out.buffer === heap.buffer) heap.copyWithin(o, off, off + innerN);
    else if (innerS === 1) out.set(heap.subarray(off, off + innerN), o);
    else for (let j = 0, src = off; j < innerN; j++, src += innerS) out[o + j] = heap[src];
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      off += v.strides[d];
      if (idx[d] < v.shape[d]) break;
      off -= v.shape[d] * v.strides[d];
      idx[d] = 0;
    }
  }
}

/** The view's elements as a fresh JS array. */
export function readView(v: TensorView): DataArray {
  const out = arrayFor(v.dtype, sizeOf(v.shape));
  gatherInto(v, out, 0);
  return out;
}
