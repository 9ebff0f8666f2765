/** The CPU reference backend: typed arrays on the JS heap, plain loops, float64 supported. */
import type { Backend, Storage } from '../backend.js';
import { arrayFor, bytesPerElement, type DataArray, type DType } from '../../core/dtype.js';
import { makeCpuKernels } from './kernels.js';
import { materialize } from './strided.js';
import type { CpuStorage } from './storage.js';
import { applyUpdate } from './updates.js';

let bytes = 0;
const data = (s: Storage): DataArray => (s as CpuStorage).data;

function adopt(array: DataArray, dtype: DType): CpuStorage {
  bytes += array.byteLength;
  return { backend: cpuBackend, dtype, size: array.length, data: array };
}

export const cpuBackend: Backend = {
  name: 'cpu',
  dtypes: ['float32', 'float64', 'int32', 'bool'],
  upload(src: DataArray, dtype: DType): CpuStorage {
    const copy = arrayFor(dtype, src.length);
    copy.set(src);
    return adopt(copy, dtype);
  },
  download: (view) => materialize(view).slice(),
  write(storage, src) {
    data(storage).set(src);
  },
  copyInto(dst, src) {
    data(dst).set(data(src));
  },
  free(storage) {
    bytes -= storage.size * bytesPerElement(storage.dtype);
  },
  bytesInUse: () => bytes,
  kernels: makeCpuKernels(adopt),
  step(kind, param, grad, slots, h) {
    applyUpdate(kind, data(param), data(grad), slots.map(data), h);
  },
};

