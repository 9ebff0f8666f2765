/** Moving data between JS arrays and tensors that live in the wasm memory (including strided views). */
import type { TensorView } from '../backend.js';
import { arrayFor, type DataArray, type DType } from '../../core/dtype.js';
import { sizeOf } from '../../core/shape.js';
import { heapF32, heapI32, heapU8 } from './runtime.js';
import { gatherStrided, isRowMajor } from '../strided.js';

export { isRowMajor };

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


/** Byte pointer of the view's first element. */
export function viewPtr(v: TensorView): number {
  return (v.storage as unknown as WasmStorageFields).ptr + v.offset * itemBytes(v.dtype);
}

/** Copies the view's elements in row-major order into `out` (a heap array at element index `outIndex`, or a JS array). */
export function gatherInto(v: TensorView, out: DataArray, outIndex: number): void {
  const heap = heapFor(v.dtype);
  const base = indexOf(v.dtype, (v.storage as unknown as WasmStorageFields).ptr) + v.offset;
  gatherStrided(heap, base, v.shape, v.strides, out, outIndex);
}

/** The view's elements as a fresh JS array. */
export function readView(v: TensorView): DataArray {
  const out = arrayFor(v.dtype, sizeOf(v.shape));
  gatherInto(v, out, 0);
  return out;
}
