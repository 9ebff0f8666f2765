/** Shape and movement ops. reshape/transpose/slice/expand/squeeze are views: no data is copied. */
import { run } from '../core/engine.js';
import { ShapeError, ValueError } from '../core/errors.js';
import { fmtShape, normalizeAxis, resolveReshape, shapesEqual, sizeOf } from '../core/shape.js';
import { Tensor, type TensorLike } from '../core/tensor.js';
import type { DType } from '../core/dtype.js';
import { toTensor, scalar } from './create.js';
import { composite } from './util.js';
import { add, sub } from './elementwise.js';

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return run('reshape', [x], { shape: resolveReshape(x.shape, shape) });
}

/** Reorders axes; with no `axes`, reverses them (matrix transpose for rank 2). */
export function transpose(x: Tensor, axes?: readonly number[]): Tensor {
  const r = x.rank;
  const perm = axes ? axes.map((a) => normalizeAxis('transpose', a, r)) : [...Array(r).keys()].reverse();
  return run('permute', [x], { axes: perm });
}
export const permute = transpose;

/** Swaps two axes (default: the last two, i.e. the matrix transpose of a batch). */
export function swapAxes(x: Tensor, a = -2, b = -1): Tensor {
  const perm = [...Array(x.rank).keys()];
  const i = normalizeAxis('swapAxes', a, x.rank);
  const j = normalizeAxis('swapAxes', b, x.rank);
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return run('permute', [x], { axes: perm });
}

/** NumPy broadcasting to `shape` as a view (stride 0 along broadcast axes). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  if (shape.length < x.rank) throw new ShapeError(`broadcastTo: cannot broadcast ${fmtShape(x.shape)} to lower rank ${fmtShape(shape)}`);
  if (shape.length === x.rank) return run('expand', [x], { shape: shape.slice() });
  return composite([x], () => run('expand', [reshape(x, [...Array(shape.length - x.rank).fill(1), ...x.shape])], { shape: shape.slice() }));
}
export const expand = broadcastTo;

/** Removes size-1 axes (all of them, or the given ones, which must have size 1). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const list = axes === undefined ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : (typeof axes === 'number' ? [axes] : axes).map((a) => normalizeAxis('squeeze', a, x.rank));
  for (const a of list) if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of ${fmtShape(x.shape)} has size ${x.shape[a]}, not 1`);
  return reshape(x, x.shape.filter((_, i) => !list.includes(i)));
}

/** Inserts a size-1 axis at `axis` (negative counts from the end of the result). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('unsqueeze', axis, x.rank + 1);
  const shape = x.shape.slice();
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}
export const expandDims = unsqueeze;

/** Flattens axes startAxis..endAxis into one (all by default). */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const s = normalizeAxis('flatten', startAxis, x.rank);
  const e = normalizeAxis('flatten', endAxis, x.rank);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** One axis of a slice spec: a number picks one index (and drops the axis), a range keeps it. */
export type SliceSpec = number | null | { start?: number; stop?: number; step?: number } | [number?, number?, number?];

/**
 * NumPy-style basic slicing as a view. `slice(x, [0, {start: 1, stop: -1}, null])`: index 0 of axis 0 (dropped),
 * 1..-1 of axis 1, all of axis 2; missing trailing specs mean "all". Negative indices and steps work.
 */
export function slice(x: Tensor, specs: readonly SliceSpec[]): Tensor {
  if (specs.length > x.rank) throw new ShapeError(`slice: ${specs.length} slice specs for a tensor of rank ${x.rank} ${fmtShape(x.shape)}`);
  const starts: number[] = [];
  const steps: number[] = [];
  const shape: number[] = [];
  const dropped: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    const dim = x.shape[i];
    const spec = specs[i] ?? null;
    if (typeof spec === 'number') {
      const k = spec < 0 ? spec + dim : spec;
      if (!Number.isInteger(spec) || k < 0 || k >= dim) throw new ValueError(`slice: index ${spec} is out of range for axis ${i} of size ${dim}`);
      starts.push(k); steps.push(1); shape.push(1); dropped.push(i);
      continue;
    }
    const [start, stop, step] = spec === null ? [undefined, undefined, undefined] : Array.isArray(spec) ? spec : [spec.start, spec.stop, spec.step];
    const st = step ?? 1;
    if (!Number.isInteger(st) || st === 0) throw new ValueError(`slice: step must be a non-zero integer, got ${st}`);
    const clamp = (v: number | undefined, def: number, lo: number, hi: number): number => {
      if (v === undefined || v === null) return def;
      const w = v < 0 ? v + dim : v;
      return Math.min(Math.max(w, lo), hi);
    };
    const b = st > 0 ? clamp(start, 0, 0, dim) : clamp(start, dim - 1, -1, dim - 1);
    const e = st > 0 ? clamp(stop, dim, 0, dim) : clamp(stop, -1, -1, dim - 1);
    const n = st > 0 ? Math.max(0, Math.ceil((e - b) / st)) : Math.max(0, Math.ceil((b - e) / -st));
    starts.push(n > 0 ? b : 0); steps.push(st); shape.push(n);
  }
  if (!dropped.length) return run('slice', [x], { starts, steps, shape });
  return composite([x], () => reshape(run('slice', [x], { starts, steps, shape }), shape.filter((_, i) => !dropped.includes(i))));
}

/** `size` elements of `axis` starting at `begin`. */
export function narrow(x: Tensor, axis: number, begin: number, size: number): Tensor {
  const a = normalizeAxis('narrow', axis, x.rank);
  const specs: SliceSpec[] = x.shape.map(() => null);
  specs[a] = { start: begin, stop: begin + size };
  return slice(x, specs);
}

export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ValueError('concat: needs at least one tensor');
  const a = normalizeAxis('concat', axis, xs[0].rank);
  return run('concat', xs, { axis: a });
}

export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ValueError('stack: needs at least one tensor');
  const a = normalizeAxis('stack', axis, xs[0].rank + 1);
  for (const x of xs) if (!shapesEqual(x.shape, xs[0].shape)) throw new ShapeError(`stack: shapes differ: ${xs.map((t) => fmtShape(t.shape)).join(', ')}`);
  return composite(xs, () => concat(xs.map((x) => unsqueeze(x, a)), a));
}

/** Splits into equal parts (a number) or parts of the given sizes along `axis`. */
export function split(x: Tensor, sizesOrCount: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis('split', axis, x.rank);
  const dim = x.shape[a];
  let sizes: number[];
  if (typeof sizesOrCount === 'number') {
    if (!Number.isInteger(sizesOrCount) || sizesOrCount <= 0 || dim % sizesOrCount !== 0) throw new ShapeError(`split: axis ${a} of size ${dim} does not split into ${sizesOrCount} equal parts`);
    sizes = Array(sizesOrCount).fill(dim / sizesOrCount);
  } else {
    sizes = sizesOrCount.slice();
    if (sizes.reduce((p, s) => p + s, 0) !== dim) throw new ShapeError(`split: sizes ${JSON.stringify(sizes)} do not add up to ${dim} (axis ${a} of ${fmtShape(x.shape)})`);
  }
  let at = 0;
  return sizes.map((s) => {
    const part = narrow(x, a, at, s);
    at += s;
    return part;
  });
}

/** Constant padding: `pads[i] = [before, after]` for each axis (missing axes: no padding). */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  if (pads.length > x.rank) throw new ShapeError(`pad: ${pads.length} pad pairs for a tensor of rank ${x.rank}`);
  const full = x.shape.map((_, i) => pads[i] ?? [0, 0]);
  for (const [b, e] of full) if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < 0) throw new ValueError(`pad: pad widths must be non-negative integers, got ${JSON.stringify(pads)}`);
  const shape = x.shape.map((d, i) => d + full[i][0] + full[i][1]);
  const params = { shape, starts: full.map((p, i) => (x.shape[i] === 0 ? 0 : p[0])), steps: shape.map(() => 1) };
  if (value === 0) return run('unslice', [x], params);
  return composite([x], () => {
    const v = scalar(value, x.dtype);
    return add(run('unslice', [sub(x, v)], params), v);
  });
}

/** Picks entries of `indices` (int32, any shape) along `axis`: the result's axis is replaced by indices' shape. */
export function gather(x: Tensor, indices: TensorLike, axis = 0): Tensor {
  const a = normalizeAxis('gather', axis, x.rank);
  if (indices instanceof Tensor) return run('gather', [x, indices], { axis: a });
  return composite([x], () => run('gather', [x, toTensor(indices, 'int32')], { axis: a }));
}
export const take = gather;

export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return run('cast', [x], { dtype });
}

/** A contiguous copy that owns its storage (recorded for autograd). */
export function clone(x: Tensor): Tensor {
  return run('copy', [x], {});
}

/** The tensor itself as contiguous memory: x when it already is, else a copy. */
export function contiguous(x: Tensor): Tensor {
  return x.isContiguous ? x : clone(x);
}

/** Repeats the tensor `reps[i]` times along each axis (like np.tile). */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  if (reps.length !== x.rank) throw new ShapeError(`tile: ${reps.length} repetitions for a tensor of rank ${x.rank}`);
  return composite([x], () => {
    const inter = x.shape.flatMap((d) => [1, d]);
    const target = x.shape.flatMap((d, i) => [reps[i], d]);
    return reshape(clone(broadcastTo(reshape(x, inter), target)), x.shape.map((d, i) => d * reps[i]));
  });
}

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}
