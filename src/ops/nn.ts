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
import { ones, zeros } from './create.js';

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

/**
 * Per-channel mean and biased variance over every axis but `axis` (the channels), as one [2, C] tensor: row 0 the
 * means, row 1 the variances. Differentiable.
 */
export function moments(x: Tensor, axis = -1): Tensor {
  return run('moments', [x], { axis: normalizeAxis('moments', axis, x.rank) });
}

export interface BatchNormOptions {
  /** the channel axis (default -1: channels last) */
  axis?: number;
  /** added to the variance before the square root (default 1e-3, like Keras) */
  epsilon?: number;
}

/**
 * (x - mean) / sqrt(variance + epsilon) * gamma + beta per channel, with `stats` = [2, C] (means; variances):
 * `moments(x, axis)` normalises with the batch's own statistics (training; the gradient then flows through them
 * too, in fused passes), moving averages stacked the same way normalise at inference. gamma/beta default to ones
 * and zeros.
 */
export function batchNorm(x: Tensor, stats: Tensor, gamma?: Tensor | null, beta?: Tensor | null, options: BatchNormOptions = {}): Tensor {
  const axis = normalizeAxis('batchNorm', options.axis ?? -1, x.rank);
  const c = x.shape[axis];
  const g = gamma ?? ones([c], x.dtype);
  const b = beta ?? zeros([c], x.dtype);
  return run('batchNorm', [x, stats, g, b], { axis, epsilon: options.epsilon ?? 1e-3 });
}
