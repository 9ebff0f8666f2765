import { ShapeError, ValueError } from './errors.js';

export type Shape = readonly number[];

export function fmtShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor of this shape. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkShape(shape: unknown, op: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`${op}: a shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape.slice();
}

/** NumPy broadcasting of two shapes; the error names the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Turns a possibly negative axis into 0..rank-1, or throws naming the op. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1) || (rank === 0 && axis !== 0 && axis !== -1)) {
    throw new ValueError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Axes for a reduction: undefined means all; duplicates are an error. Returns sorted axes. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return [...Array(rank).keys()];
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new ValueError(`${op}: axis ${a} is out of range for a tensor of rank ${rank}`);
    }
    return a < 0 ? a + rank : a;
  });
  if (new Set(out).size !== out.length) throw new ValueError(`${op}: repeated axis in ${JSON.stringify(list)}`);
  return out.sort((x, y) => x - y);
}

/** Resolves one -1 in a reshape target and checks the element count. */
export function resolveReshape(from: Shape, to: readonly number[]): number[] {
  const size = sizeOf(from);
  const unknown = to.filter((d) => d === -1).length;
  if (unknown > 1) throw new ShapeError(`reshape: only one dimension may be -1, got ${fmtShape(to)}`);
  for (const d of to) {
    if (!Number.isInteger(d) || d < -1) throw new ShapeError(`reshape: invalid target shape ${fmtShape(to)}`);
  }
  const known = to.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const out = to.slice();
  if (unknown === 1) {
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(`reshape: cannot reshape ${fmtShape(from)} (${size} elements) into ${fmtShape(to)}`);
    }
    out[out.indexOf(-1)] = size / known;
  } else if (known !== size) {
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(from)} (${size} elements) into ${fmtShape(to)}`);
  }
  return out;
}
