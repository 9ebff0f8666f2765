import { DTypeError } from './errors.js';

export type DType = 'float32' | 'float64' | 'int32' | 'bool';
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** The flat storage each dtype uses on the host (bool is one byte per element, 0 or 1). */
export type DataArray = Float32Array | Float64Array | Int32Array | Uint8Array;
export interface DataArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

export function arrayFor(dtype: DType, size: number): DataArray {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'float64': return new Float64Array(size);
    case 'int32': return new Int32Array(size);
    case 'bool': return new Uint8Array(size);
  }
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function checkDType(dtype: unknown, where: string): DType {
  if (typeof dtype === 'string' && (DTYPES as readonly string[]).includes(dtype)) return dtype as DType;
  throw new DTypeError(`${where}: unknown dtype ${JSON.stringify(dtype)} (expected one of ${DTYPES.join(', ')})`);
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** Type promotion of two tensors, as NumPy does for these four types: bool < int32 < float32 < float64. */
export function promote(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The dtype a plain JS number takes next to a tensor of dtype `other`. Numbers are "weak" (as in JAX):
 * `x.mul(2)` keeps float64 as float64 and int32 as int32, but `int32 * 2.5` becomes float32.
 */
export function weakScalarDType(value: number, other: DType): DType {
  if (isFloat(other)) return other;
  if (Number.isInteger(value)) return 'int32';
  return 'float32';
}

export function dtypeOfArray(data: ArrayLike<unknown>): DType | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'bool';
  return undefined;
}
