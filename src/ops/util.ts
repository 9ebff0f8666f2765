import { isGradEnabled } from '../core/engine.js';
import { scope } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';

/**
 * Runs a composed op. When nothing will be differentiated, the intermediates are freed at once (they would
 * otherwise wait for the caller's scope or the garbage collector); when recording, the graph needs them.
 */
export function composite(inputs: readonly Tensor[], fn: () => Tensor): Tensor {
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) return fn();
  return scope(fn);
}
