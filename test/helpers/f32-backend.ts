/**
 * A second backend for tests: the CPU reference kernels under another name, without float64, like the wasm
 * backend will be. It exercises what changes when the op table runs on a backend other than 'cpu': skipped float64
 * rows, transfers between backends, gradients compared with the float64 CPU reference.
 */
import type { Backend, Storage } from '../../src/backends/backend.js';
import { makeCpuKernels } from '../../src/backends/cpu/kernels.js';
import { materialize } from '../../src/backends/cpu/strided.js';
import type { CpuStorage } from '../../src/backends/cpu/storage.js';
import { arrayFor, bytesPerElement, type DataArray, type DType } from '../../src/core/dtype.js';
import { listBackends, registerBackend } from '../../src/core/engine.js';

export function registerF32Backend(name = 'cpu-f32'): Backend {
  let bytes = 0;
  const data = (s: Storage): DataArray => (s as CpuStorage).data;
  const adopt = (array: DataArray, dtype: DType): CpuStorage => {
    bytes += array.byteLength;
    return { backend, dtype, size: array.length, data: array };
  };
  const backend: Backend = {
    name,
    dtypes: ['float32', 'int32', 'bool'],
    upload(src, dtype) {
      const copy = arrayFor(dtype, src.length);
      copy.set(src);
      return adopt(copy, dtype);
    },
    download: (view) => materialize(view).slice(),
    write: (storage, src) => data(storage).set(src),
    copyInto: (dst, src) => data(dst).set(data(src)),
    free(storage) {
      bytes -= storage.size * bytesPerElement(storage.dtype);
    },
    bytesInUse: () => bytes,
    kernels: makeCpuKernels(adopt),
    step() {
      throw new Error(`${name}: no optimizer kernels`);
    },
  };
  if (!listBackends().includes(name)) registerBackend(backend);
  return backend;
}
