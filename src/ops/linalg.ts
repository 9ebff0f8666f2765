/** Matrix products. */
import { promote } from '../core/dtype.js';
import { run } from '../core/engine.js';
import { ShapeError } from '../core/errors.js';
import { broadcastShapes, fmtShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { mul } from './elementwise.js';
import { broadcastTo, cast, reshape } from './movement.js';
import { composite } from './util.js';

/**
 * Matrix product like NumPy's matmul: 1-D operands are promoted to a row/column and the added axis removed,
 * leading (batch) dimensions broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank === 0 || b.rank === 0) throw new ShapeError(`matmul: operands must have rank >= 1, got ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
  return composite([a, b], () => {
    const dtype = promote(a.dtype, b.dtype);
    const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]]) : a;
    const b2 = b.rank === 1 ? reshape(b, [b.shape[0], 1]) : b;
    const ka = a2.shape[a2.rank - 1];
    const kb = b2.shape[b2.rank - 2];
    if (ka !== kb) throw new ShapeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
    let batch: number[];
    try {
      batch = broadcastShapes('matmul', a2.shape.slice(0, -2), b2.shape.slice(0, -2));
    } catch {
      throw new ShapeError(`matmul: batch dimensions cannot be broadcast: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
    }
    const ax = broadcastTo(cast(a2, dtype), [...batch, ...a2.shape.slice(-2)]);
    const bx = broadcastTo(cast(b2, dtype), [...batch, ...b2.shape.slice(-2)]);
    let out = run('matmul', [ax, bx], {});
    if (a.rank === 1 || b.rank === 1) {
      const shape = out.shape.slice();
      if (b.rank === 1) shape.pop();
      if (a.rank === 1) shape.splice(shape.length - (b.rank === 1 ? 1 : 2), 1);
      out = reshape(out, shape);
    }
    return out;
  });
}

/** Inner product of vectors, or matmul for matrices. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.rank === 1 && b.rank === 1 && a.shape[0] !== b.shape[0]) throw new ShapeError(`dot: vector lengths differ: ${fmtShape(a.shape)} . ${fmtShape(b.shape)}`);
  return matmul(a, b);
}

/** Outer product of two vectors. */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.rank !== 1 || b.rank !== 1) throw new ShapeError(`outer: expected two vectors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return composite([a, b], () => mul(reshape(a, [a.shape[0], 1]), reshape(b, [1, b.shape[0]])));
}
