/** Creating tensors from JS values, constants and random numbers. */
import { arrayFor, checkDType, dtypeOfArray, type DataArray, type DType } from '../core/dtype.js';
import { fromData, getBackend } from '../core/engine.js';
import { DTypeError, ShapeError, ValueError } from '../core/errors.js';
import { checkShape, fmtShape, sizeOf } from '../core/shape.js';
import { Tensor, type NestedArray, type TensorLike } from '../core/tensor.js';
import * as rng from '../core/random.js';

export interface CreateOptions {
  dtype?: DType;
  shape?: readonly number[];
  requiresGrad?: boolean;
}

function defaultFloat(): DType {
  return 'float32';
}

function inferShape(v: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

function flatten(v: NestedArray, shape: number[], out: number[], dim = 0, path = ''): void {
  if (dim === shape.length) {
    if (Array.isArray(v)) throw new ShapeError(`tensor: ragged nested array at ${path || 'top'}: expected a number, found an array`);
    if (typeof v === 'boolean') out.push(v ? 1 : 0);
    else if (typeof v === 'number') out.push(v);
    else throw new ValueError(`tensor: element at ${path} is ${JSON.stringify(v)}, expected a number or boolean`);
    return;
  }
  if (!Array.isArray(v) || v.length !== shape[dim]) {
    throw new ShapeError(`tensor: ragged nested array at ${path || 'top'}: expected ${shape[dim]} elements like the first row (shape ${fmtShape(shape)})`);
  }
  for (let i = 0; i < v.length; i++) flatten(v[i], shape, out, dim + 1, `${path}[${i}]`);
}

/**
 * A tensor from nested arrays, a typed array or a number. Numbers default to float32 (like tfjs);
 * booleans to bool; Int32Array to int32; Float64Array to float64 where the backend has it.
 */
export function tensor(values: TensorLike, options: CreateOptions = {}): Tensor {
  if (values instanceof Tensor) {
    const t = options.dtype && options.dtype !== values.dtype ? castHost(values, options.dtype) : values;
    return t;
  }
  let flat: ArrayLike<number>;
  let shape: number[];
  let dtype: DType | undefined = options.dtype && checkDType(options.dtype, 'tensor');
  if (ArrayBuffer.isView(values)) {
    const arr = values as unknown as ArrayLike<number>;
    flat = arr;
    shape = options.shape ? checkShape(options.shape, 'tensor') : [arr.length];
    if (!dtype) {
      const d = dtypeOfArray(arr);
      dtype = d === 'bool' ? 'int32' : d === 'float64' && !getBackend().dtypes.includes('float64') ? 'float32' : d ?? 'float32';
      if (values instanceof Int8Array || values instanceof Int16Array || values instanceof Uint16Array) dtype = 'int32';
    }
  } else {
    shape = inferShape(values as NestedArray);
    const out: number[] = [];
    flatten(values as NestedArray, shape, out);
    flat = out;
    if (!dtype) dtype = isAllBool(values as NestedArray) && out.length > 0 ? 'bool' : defaultFloat();
    if (options.shape) shape = checkShape(options.shape, 'tensor');
  }
  if (sizeOf(shape) !== flat.length) {
    throw new ShapeError(`tensor: ${flat.length} values do not fill shape ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
  }
  const data = arrayFor(dtype, flat.length);
  if (dtype === 'bool') for (let i = 0; i < flat.length; i++) data[i] = flat[i] ? 1 : 0;
  else data.set(flat as ArrayLike<number>);
  const t = fromData(data, shape, dtype);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

function isAllBool(v: NestedArray): boolean {
  return Array.isArray(v) ? v.every(isAllBool) : typeof v === 'boolean';
}

function castHost(t: Tensor, dtype: DType): Tensor {
  const src = t.dataSync();
  const data = arrayFor(dtype, src.length);
  data.set(src);
  return fromData(data, t.shape, dtype);
}

/** A rank-0 tensor. */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  return tensor(value as NestedArray, { dtype });
}

/** Turns numbers and arrays into tensors; tensors pass through. */
export function toTensor(x: TensorLike, dtype?: DType): Tensor {
  return x instanceof Tensor ? x : tensor(x, { dtype });
}

function filled(shape: readonly number[], dtype: DType, value: number, op: string): Tensor {
  const s = checkShape(shape, op);
  const data = arrayFor(checkDType(dtype, op), sizeOf(s));
  if (value !== 0) data.fill(value);
  return fromData(data, s, dtype);
}

export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled(shape, dtype, 0, 'zeros');
}
export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled(shape, dtype, 1, 'ones');
}
export function full(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  return filled(shape, dtype, value, 'full');
}
export function zerosLike(x: Tensor, dtype?: DType): Tensor {
  return zeros(x.shape, dtype ?? x.dtype);
}
export function onesLike(x: Tensor, dtype?: DType): Tensor {
  return ones(x.shape, dtype ?? x.dtype);
}
export function fullLike(x: Tensor, value: number, dtype?: DType): Tensor {
  return full(x.shape, value, dtype ?? x.dtype);
}

/** [start, stop) by step, like NumPy. `arange(5)` is 0..4. Integer arguments give int32. */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new ValueError('arange: step must not be zero');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const d = dtype ?? ([start, stop, step].every(Number.isInteger) ? 'int32' : 'float32');
  const data = arrayFor(d, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return fromData(data, [n], d);
}

/** `num` evenly spaced values from start to stop inclusive. */
export function linspace(start: number, stop: number, num: number, dtype: DType = 'float32'): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new ValueError(`linspace: num must be a non-negative integer, got ${num}`);
  const data = arrayFor(dtype, num);
  for (let i = 0; i < num; i++) data[i] = num === 1 ? start : start + ((stop - start) * i) / (num - 1);
  return fromData(data, [num], dtype);
}

/** Identity matrix (n x m). */
export function eye(n: number, m = n, dtype: DType = 'float32'): Tensor {
  const data = arrayFor(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return fromData(data, [n, m], dtype);
}

function randomFill(shape: readonly number[], dtype: DType, op: string, draw: () => number): Tensor {
  const s = checkShape(shape, op);
  const d = checkDType(dtype, op);
  if (d === 'bool') throw new DTypeError(`${op}: cannot draw bool values; use randint or a comparison`);
  const data: DataArray = arrayFor(d, sizeOf(s));
  for (let i = 0; i < data.length; i++) data[i] = draw();
  return fromData(data, s, d);
}

/** Uniform in [low, high). */
export function rand(shape: readonly number[], options: { low?: number; high?: number; dtype?: DType } = {}): Tensor {
  const { low = 0, high = 1, dtype = 'float32' } = options;
  if (dtype === 'float32') {
    const data = new Float32Array(sizeOf(checkShape(shape, 'rand')));
    rng.fillUniformFloat32(data, low, high);
    return fromData(data, shape, 'float32');
  }
  return randomFill(shape, dtype, 'rand', () => low + (high - low) * rng.uniform());
}
/** Normal with the given mean and standard deviation. */
export function randn(shape: readonly number[], options: { mean?: number; std?: number; dtype?: DType } = {}): Tensor {
  const { mean = 0, std = 1, dtype = 'float32' } = options;
  return randomFill(shape, dtype, 'randn', () => mean + std * rng.normal());
}
/** Integers in [low, high). */
export function randint(low: number, high: number, shape: readonly number[], dtype: DType = 'int32'): Tensor {
  if (!(high > low)) throw new ValueError(`randint: high (${high}) must be greater than low (${low})`);
  return randomFill(shape, dtype, 'randint', () => rng.randomInt(low, high));
}
