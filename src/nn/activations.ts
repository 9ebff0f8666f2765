/**
 * Activation functions by Keras name (`relu`, `softmax`, `leaky_relu`...), for layers' `activation` option.
 *
 * `softmax` and `sigmoid` remember their input: the output tensor carries `_logits` (plus `_logitsKind` and, for
 * softmax, `_logitsAxis`), so a cross-entropy loss given the probabilities can work from the logits instead
 * (log-softmax / stable sigmoid cross-entropy): exact where log(clipped probability) would saturate, and cheaper.
 * This is Keras's `_keras_logits` trick; see docs/losses-metrics.md.
 */
import { ValueError } from '../core/errors.js';
import { normalizeAxis, shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import {
  elu as eluOp, exp, gelu as geluOp, hardSigmoid as hardSigmoidOp, leakyRelu as leakyReluOp, mul, neg, relu as reluOp,
  relu6 as relu6Op, selu as seluOp, sigmoid as sigmoidOp, silu as siluOp, softplus as softplusOp, softsign as softsignOp,
  tanh as tanhOp,
} from '../ops/elementwise.js';
import { logSoftmax as logSoftmaxOp, softmax as softmaxOp } from '../ops/nn.js';

declare module '../core/tensor.js' {
  interface Tensor {
    /**
     * @internal The pre-activation input of the softmax/sigmoid that produced this tensor. Cross-entropy losses
     * use it instead of log(probabilities). Set by `activations.softmax` / `activations.sigmoid` only.
     */
    _logits?: Tensor;
    /** @internal Which activation produced this tensor from `_logits`. */
    _logitsKind?: 'softmax' | 'sigmoid';
    /** @internal The (non-negative) axis the softmax normalized over. */
    _logitsAxis?: number;
  }
}

/** An activation: one tensor in, one tensor out. */
export type ActivationFn = (x: Tensor) => Tensor;

/** Marks `out` as `kind(logits)` so losses can take the fused path. Returns `out`. */
export function attachLogits(out: Tensor, logits: Tensor, kind: 'softmax' | 'sigmoid', axis?: number): Tensor {
  out._logits = logits;
  out._logitsKind = kind;
  if (kind === 'softmax') out._logitsAxis = normalizeAxis('softmax', axis ?? -1, out.rank);
  return out;
}

/**
 * The logits behind a softmax (over `axis`) or sigmoid output, or undefined when `probs` is not such an output,
 * when its logits tensor has been disposed (e.g. freed by a scope that only kept the probabilities) or when the
 * activation does not match. A tensor with `_logits` but no `_logitsKind` (set by hand) is trusted for either.
 */
export function logitsOf(probs: Tensor, kind: 'softmax' | 'sigmoid', axis = -1): Tensor | undefined {
  const z = probs._logits;
  if (!z || z.isDisposed || !shapesEqual(z.shape, probs.shape)) return undefined;
  if (probs._logitsKind !== undefined && probs._logitsKind !== kind) return undefined;
  if (kind === 'softmax' && probs._logitsAxis !== undefined && probs.rank > 0) {
    if (normalizeAxis('logitsOf', axis, probs.rank) !== probs._logitsAxis) return undefined;
  }
  return z;
}

// ---- the activations (stable function objects: serialization looks them up by identity) ----
export const linear: ActivationFn = (x) => x;
export const relu: ActivationFn = (x) => reluOp(x);
export const relu6: ActivationFn = (x) => relu6Op(x);
/** Sigmoid; the result remembers its logits for binaryCrossentropy. */
export const sigmoid: ActivationFn = (x) => attachLogits(sigmoidOp(x), x, 'sigmoid');
export const tanh: ActivationFn = (x) => tanhOp(x);
/** Softmax over the last axis; the result remembers its logits for (sparse) categorical cross-entropy. */
export const softmax: ActivationFn = (x) => attachLogits(softmaxOp(x, -1), x, 'softmax', -1);
export const logSoftmax: ActivationFn = (x) => logSoftmaxOp(x, -1);
/** ELU with alpha = 1 (Keras default). */
export const elu: ActivationFn = (x) => eluOp(x, 1);
export const selu: ActivationFn = (x) => seluOp(x);
/** Exact (erf) GELU, the Keras 3 `activations.gelu` default (approximate=false). */
export const gelu: ActivationFn = (x) => geluOp(x, false);
export const softplus: ActivationFn = (x) => softplusOp(x);
export const softsign: ActivationFn = (x) => softsignOp(x);
/** x * sigmoid(x), a.k.a. swish. */
export const silu: ActivationFn = (x) => siluOp(x);
export const swish = silu;
/** Leaky ReLU with Keras 3's `activations.leaky_relu` default negative slope 0.2 (the LeakyReLU layer uses 0.3). */
export const leakyRelu: ActivationFn = (x) => leakyReluOp(x, 0.2);
/** relu6(x + 3) / 6 (Keras 3). */
export const hardSigmoid: ActivationFn = (x) => hardSigmoidOp(x);
/** x * hardSigmoid(x), a.k.a. hard swish. */
export const hardSilu: ActivationFn = (x) => mul(x, hardSigmoidOp(x));
export const exponential: ActivationFn = (x) => exp(x);
/** x * tanh(softplus(x)). */
export const mish: ActivationFn = (x) => mul(x, tanhOp(softplusOp(x)));
/** log(sigmoid(x)) = -softplus(-x), without overflow. */
export const logSigmoid: ActivationFn = (x) => neg(softplusOp(neg(x)));

/** Canonical (Keras snake_case) name -> function. Serialization writes these names. */
const builtins: [string, ActivationFn][] = [
  ['linear', linear], ['relu', relu], ['relu6', relu6], ['sigmoid', sigmoid], ['tanh', tanh], ['softmax', softmax],
  ['log_softmax', logSoftmax], ['elu', elu], ['selu', selu], ['gelu', gelu], ['softplus', softplus],
  ['softsign', softsign], ['silu', silu], ['leaky_relu', leakyRelu], ['hard_sigmoid', hardSigmoid],
  ['hard_silu', hardSilu], ['exponential', exponential], ['mish', mish], ['log_sigmoid', logSigmoid],
];
/** Extra spellings (besides camelCase/snake_case/any case, which are all accepted). */
const aliases: Record<string, string> = { swish: 'silu', hard_swish: 'hard_silu', none: 'linear', identity: 'linear' };

/** 'leaky_relu', 'leakyRelu', 'LeakyReLU' -> 'leakyrelu'. */
const key = (name: string): string => name.toLowerCase().replace(/[_\-\s]/g, '');

const byKey = new Map<string, ActivationFn>();
const nameOf = new Map<ActivationFn, string>();
const custom = new Set<string>();
for (const [name, fn] of builtins) {
  byKey.set(key(name), fn);
  nameOf.set(fn, name);
}
for (const [alias, target] of Object.entries(aliases)) byKey.set(key(alias), byKey.get(key(target))!);

/** Every accepted canonical name (aliases such as 'swish' not included). */
export function activationNames(): string[] {
  return [...builtins.map(([n]) => n), ...custom];
}

/**
 * Makes a custom activation available by name to `getActivation` and to model JSON (serialized as `name`).
 * Registering a built-in name again throws.
 */
export function registerActivation(name: string, fn: ActivationFn): void {
  const k = key(name);
  if (byKey.has(k) && !custom.has(name)) throw new ValueError(`registerActivation: "${name}" is already a built-in activation`);
  byKey.set(k, fn);
  nameOf.set(fn, name);
  custom.add(name);
}

/**
 * The activation for a name (Keras snake_case, camelCase or any case: 'relu', 'leaky_relu', 'leakyRelu',
 * 'swish'...), a function (returned as is), or null/undefined/'linear' (the identity). Unknown names throw a
 * ValueError listing the known ones.
 */
export function getActivation(identifier?: string | ActivationFn | null): ActivationFn {
  if (identifier === undefined || identifier === null) return linear;
  if (typeof identifier === 'function') return identifier;
  if (typeof identifier !== 'string') {
    throw new ValueError(`getActivation: expected a name or a function, got ${JSON.stringify(identifier)}`);
  }
  const fn = byKey.get(key(identifier));
  if (!fn) throw new ValueError(`unknown activation "${identifier}" (known: ${activationNames().join(', ')}; custom ones need registerActivation)`);
  return fn;
}

/**
 * The name to store in a config: the Keras name of a built-in ('relu', 'leaky_relu'), the registered name of a
 * custom one, else the function's own name (which `getActivation` will only resolve once it is registered).
 */
export function serializeActivation(fn: ActivationFn): string {
  const n = nameOf.get(fn);
  if (n !== undefined) return n;
  if (fn.name) return fn.name;
  throw new ValueError('serializeActivation: an anonymous activation function cannot be saved; give it a name with registerActivation(name, fn)');
}

/** The registry as one object: `activations.get('relu')`, `activations.relu(x)`. */
export const activations = {
  get: getActivation,
  serialize: serializeActivation,
  register: registerActivation,
  names: activationNames,
  linear, relu, relu6, sigmoid, tanh, softmax, logSoftmax, elu, selu, gelu, softplus, softsign, silu, swish,
  leakyRelu, hardSigmoid, hardSilu, exponential, mish, logSigmoid,
};
