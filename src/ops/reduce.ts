/** Reductions over any axes, with keepDims. */
import { detach, run } from '../core/engine.js';
import { ShapeError } from '../core/errors.js';
import type { ReduceParams } from '../core/primitives.js';
import { fmtShape, normalizeAxes, normalizeAxis, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { isFloat } from '../core/dtype.js';
import { add, div, equal, exp, greater, isFinite, log, logicalNot, mul, sqrt, sub, where } from './elementwise.js';
import { cast, flatten, reshape } from './movement.js';
import { composite } from './util.js';

export type Axes = number | readonly number[];

function keptShape(x: Tensor, axes: number[]): number[] {
  return x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reduce(prim: keyof ReduceParams, x: Tensor, axes: Axes | undefined, keepDims: boolean): Tensor {
  const ax = normalizeAxes(prim, axes, x.rank);
  if ((prim === 'max' || prim === 'min') && ax.some((a) => x.shape[a] === 0)) {
    throw new ShapeError(`${prim}: cannot reduce over an empty axis of ${fmtShape(x.shape)} (no identity)`);
  }
  return composite([x], () => {
    const src = x.dtype === 'bool' ? cast(x, 'int32') : x;
    const r = run(prim, [src], { axes: ax });
    return keepDims ? reshape(r, keptShape(x, ax)) : r;
  });
}

export const sum = (x: Tensor, axes?: Axes, keepDims = false): Tensor => reduce('sum', x, axes, keepDims);
export const prod = (x: Tensor, axes?: Axes, keepDims = false): Tensor => reduce('prod', x, axes, keepDims);
export const max = (x: Tensor, axes?: Axes, keepDims = false): Tensor => reduce('max', x, axes, keepDims);
export const min = (x: Tensor, axes?: Axes, keepDims = false): Tensor => reduce('min', x, axes, keepDims);

export function mean(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  const ax = normalizeAxes('mean', axes, x.rank);
  const count = sizeOf(ax.map((a) => x.shape[a]));
  return composite([x], () => div(sum(isFloat(x.dtype) ? x : cast(x, 'float32'), ax, keepDims), count));
}

/** Variance with `ddof` delta degrees of freedom (0: population, like NumPy and Keras; 1: unbiased, like torch.var). */
export function variance(x: Tensor, axes?: Axes, keepDims = false, ddof = 0): Tensor {
  const ax = normalizeAxes('variance', axes, x.rank);
  const count = sizeOf(ax.map((a) => x.shape[a]));
  return composite([x], () => {
    const d = sub(x, mean(x, ax, true));
    return div(sum(mul(d, d), ax, keepDims), Math.max(count - ddof, 0));
  });
}
export function std(x: Tensor, axes?: Axes, keepDims = false, ddof = 0): Tensor {
  return composite([x], () => sqrt(variance(x, axes, keepDims, ddof)));
}

/** log(sum(exp(x))) without overflow: the max is subtracted first (and not differentiated). */
export function logSumExp(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  const ax = normalizeAxes('logSumExp', axes, x.rank);
  return composite([x], () => {
    const m0 = detach(max(x, ax, true));
    const m = where(isFinite(m0), m0, 0);
    const s = log(sum(exp(sub(x, m)), ax, true));
    const r = add(s, m);
    return keepDims ? r : reshape(r, x.shape.filter((_, i) => !ax.includes(i)));
  });
}

function argReduce(prim: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepDims: boolean): Tensor {
  return composite([], () => {
    if (axis === undefined) {
      const r = run(prim, [flatten(x)], { axis: 0 });
      return keepDims ? reshape(r, x.shape.map(() => 1)) : r;
    }
    const a = normalizeAxis(prim, axis, x.rank);
    const r = run(prim, [x.dtype === 'bool' ? cast(x, 'int32') : x], { axis: a });
    return keepDims ? reshape(r, keptShape(x, [a])) : r;
  });
}
/** Index of the largest value along `axis` (of the flattened tensor when no axis is given). int32. */
export const argmax = (x: Tensor, axis?: number, keepDims = false): Tensor => argReduce('argmax', x, axis, keepDims);
export const argmin = (x: Tensor, axis?: number, keepDims = false): Tensor => argReduce('argmin', x, axis, keepDims);

/** True where any / all elements along the axes are non-zero (NaN counts as non-zero; empty: any false, all true). */
export function any(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return composite([], () => greater(sum(cast(cast(x, 'bool'), 'int32'), axes, keepDims), 0));
}
export function all(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return composite([], () => equal(sum(cast(logicalNot(x), 'int32'), axes, keepDims), 0));
}
