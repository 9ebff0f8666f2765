/**
 * Gradient clipping, usable on its own or through the optimizers' `clipnorm` / `clipvalue` / `globalClipnorm`
 * options. Same formulas as tf.clip_by_value / tf.clip_by_norm / tf.clip_by_global_norm (and Keras 3).
 * Composed of ordinary ops, so they are differentiable and run on the tensors' backend.
 */
import { isFloat } from '../core/dtype.js';
import { isGradEnabled, withBackend } from '../core/engine.js';
import { DTypeError, ValueError } from '../core/errors.js';
import { scope } from '../core/memory.js';
import { Tensor } from '../core/tensor.js';
import { add, clip, div, maximum, minimum, mul, sqrt, square, sub } from '../ops/elementwise.js';
import { cast } from '../ops/movement.js';
import { sum, type Axes } from '../ops/reduce.js';

/** Runs `fn` freeing its intermediates, unless it is being recorded for autograd. */
function compose<T>(inputs: readonly Tensor[], fn: () => T): T {
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) return fn();
  return scope(fn);
}

function checkFloat(op: string, t: Tensor): void {
  if (!(t instanceof Tensor)) throw new ValueError(`${op}: expected a Tensor, received ${String(t)}`);
  if (!isFloat(t.dtype)) throw new DTypeError(`${op}: expected a float tensor, got ${t.dtype}`);
}

function checkPositive(op: string, name: string, v: number): void {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new ValueError(`${op}: \`${name}\` must be a finite number > 0, received ${v}`);
}

/** Elementwise `min(max(x, clipValueMin), clipValueMax)`. */
export function clipByValue(x: Tensor, clipValueMin: number, clipValueMax: number): Tensor {
  checkFloat('clipByValue', x);
  if (!(clipValueMin <= clipValueMax)) throw new ValueError(`clipByValue: clipValueMin (${clipValueMin}) must be <= clipValueMax (${clipValueMax})`);
  return withBackend(x.backend.name, () => clip(x, clipValueMin, clipValueMax));
}

/**
 * Rescales `x` so its L2 norm (over `axes`, all axes by default) is at most `clipNorm`:
 * `x * clipNorm / max(||x||, clipNorm)` — unchanged when the norm is already <= clipNorm.
 */
export function clipByNorm(x: Tensor, clipNorm: number, axes?: Axes): Tensor {
  checkFloat('clipByNorm', x);
  checkPositive('clipByNorm', 'clipNorm', clipNorm);
  return withBackend(x.backend.name, () =>
    compose([x], () => {
      const l2 = sqrt(sum(square(x), axes, axes !== undefined));
      return div(mul(x, clipNorm), maximum(l2, clipNorm));
    }),
  );
}

/** `sqrt(sum_i ||t_i||^2)` over the non-null tensors, as a rank-0 tensor (like tf.linalg.global_norm). */
export function globalNorm(tensors: readonly (Tensor | null | undefined)[]): Tensor {
  const list = tensors.filter((t): t is Tensor => t != null);
  if (list.length === 0) throw new ValueError('globalNorm: no tensors given (all were null)');
  list.forEach((t) => checkFloat('globalNorm', t));
  return compose(list, () => {
    let total: Tensor | null = null;
    for (const t of list) {
      const s = withBackend(t.backend.name, () => sum(square(t)));
      total = total === null ? s : add(total, s);
    }
    return sqrt(total as Tensor);
  });
}

export interface ClipByGlobalNormResult {
  /** the rescaled tensors (null stays null) */
  grads: (Tensor | null)[];
  /** the global norm before clipping (a rank-0 tensor) */
  globalNorm: Tensor;
}

/**
 * Scales every tensor by `clipNorm / max(globalNorm, clipNorm)`, so the global norm of the result is at most
 * `clipNorm` and the directions are kept (tf.clip_by_global_norm). If the global norm is infinite or NaN, every
 * entry becomes NaN, as in TensorFlow. Pass `useNorm` to reuse a global norm computed already.
 */
export function clipByGlobalNorm(tensors: readonly (Tensor | null | undefined)[], clipNorm: number, useNorm?: Tensor): ClipByGlobalNormResult {
  checkPositive('clipByGlobalNorm', 'clipNorm', clipNorm);
  const list = tensors.filter((t): t is Tensor => t != null);
  const norm = useNorm ?? globalNorm(list);
  const grads = compose([...list, norm], () => {
    // clipNorm * min(1/norm, 1/clipNorm) is 1 for norm <= clipNorm; adding (norm - norm) turns inf/NaN into NaN
    const scale = add(mul(minimum(div(1, norm), 1 / clipNorm), clipNorm), sub(norm, norm));
    return tensors.map((t) => (t == null ? null : withBackend(t.backend.name, () => mul(t, cast(scale, t.dtype)))));
  });
  return { grads, globalNorm: norm };
}
