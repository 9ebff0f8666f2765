import { noGrad } from './engine.js';
import { DTypeError, ShapeError } from './errors.js';
import { fmtShape, shapesEqual } from './shape.js';
import type { Tensor } from './tensor.js';
import { cast, contiguous } from '../ops/movement.js';
import { scope } from './memory.js';

/**
 * Overwrites a variable's data in place (no autograd): used for moving statistics, setWeights and loading.
 * `target` must own a contiguous storage (as variables made by layers and optimizers do).
 */
export function assign(target: Tensor, value: Tensor): void {
  if (!shapesEqual(target.shape, value.shape)) {
    throw new ShapeError(`assign: value of shape ${fmtShape(value.shape)} does not fit variable ${target.name ?? `#${target.id}`} of shape ${fmtShape(target.shape)}`);
  }
  if (!target.isContiguous) throw new DTypeError(`assign: variable ${target.name ?? `#${target.id}`} is a view; only whole variables can be assigned`);
  noGrad(() =>
    scope(() => {
      const v = contiguous(cast(value, target.dtype));
      const src = v.backend === target.backend ? v.storage : target.backend.upload(v.dataSync(), v.dtype);
      target.backend.copyInto(target.storage, src);
      if (src !== v.storage) target.backend.free(src);
    }),
  );
}
