/** Neural-network building blocks composed of primitives. */
import type { Tensor } from '../core/tensor.js';
import { detach } from '../core/engine.js';
import { normalizeAxis } from '../core/shape.js';
import { div, exp, sub } from './elementwise.js';
import { logSumExp, max, sum } from './reduce.js';
import { composite } from './util.js';

/** exp(x) / sum(exp(x)) along `axis`, shifted by the max for stability. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const a = normalizeAxis('softmax', axis, x.rank);
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
