import { detach } from './engine.js';
import { keep } from './memory.js';
import type { Tensor } from './tensor.js';

/**
 * A trainable leaf: shares `t`'s data, requires a gradient and is exempt from scope clean-up
 * (free it with dispose()). Like torch.nn.Parameter / tf.Variable.
 */
export function variable(t: Tensor, options: { name?: string; trainable?: boolean } = {}): Tensor {
  const v = keep(detach(t));
  v.requiresGrad = options.trainable ?? true;
  if (options.name) v.name = options.name;
  return v;
}
