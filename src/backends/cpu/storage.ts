import type { Storage } from '../backend.js';
import type { DataArray } from '../../core/dtype.js';

export interface CpuStorage extends Storage {
  readonly data: DataArray;
}
