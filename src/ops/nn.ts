/** Neural-network building blocks composed of primitives. */
import type { Tensor } from '../core/tensor.js';
import { detach, run } from '../core/engine.js';
import { isFloat } from '../core/dtype.js';
import { ShapeError } from '../core/errors.js';
import { fmtShape } from '../core/shape.js';
import { cast } from './movement.js';
import { normalizeAxis } from '../core/shape.js';
import { div, exp, sub } from './elementwise.js';
import { logSumExp, max, sum } from './reduce.js';
import { composite } from './util.js';

/** exp(x) / sum(exp(x)) along `axis`, shifted by the max for stability. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const a = normalizeAxis('softmax', axis, x.rank);
  if (a === x.rank - 1 && isFloat(x.dtype)) return run('softmax', [x], {});
  return composite([x], () => {
    const e = exp(sub(x, detach(max(x, a, true))));
    return div(e, sum(e, a, true));
  });
}

/** x - logSumExp(x) along `axis`. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = normalizeAxis('logSoftmax', axis, x.rank);
  return composite([x], () => sub(x, logSumExp(x, a, true)));
}

/**
 * Per-sample cross-entropy of integer labels against logits, fused (no softmax tensor is materialized):
 * `-log(softmax(logits)[label])`. logits [B, C], labels [B] (int32 or integral floats); out [B].
 */
export function sparseSoftmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  if (logits.rank !== 2) throw new ShapeError(`sparseSoftmaxCrossEntropy: logits must be [batch, classes], got ${fmtShape(logits.shape)}`);
  return composite([logits], () => run('sparseSoftmaxCrossEntropy', [logits, cast(labels, 'int32')], {}));
}
