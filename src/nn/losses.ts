/**
 * Losses with Keras 3 semantics and defaults. A `Loss` computes per-sample values (`perSample`, Keras's
 * `Loss.call`), weights them (sample weights, masks) and reduces them (`reduction`, default
 * 'sum_over_batch_size': the mean over every per-sample value) to a scalar in `call(yTrue, yPred, sampleWeight?)`.
 *
 * Cross-entropies are numerically stable: probabilities are clipped to [1e-7, 1 - 1e-7] like Keras, and when
 * `yPred` is the output of `activations.softmax`/`activations.sigmoid` (it carries `_logits`) the loss is computed
 * from the logits instead (log-softmax, stable sigmoid cross-entropy). See docs/losses-metrics.md.
 */
import { isFloat } from '../core/dtype.js';
import { noGrad } from '../core/engine.js';
import { DTypeError, ShapeError, ValueError } from '../core/errors.js';
import { scope } from '../core/memory.js';
import { fmtShape, normalizeAxis, shapesEqual, sizeOf } from '../core/shape.js';
import { Tensor, type TensorLike } from '../core/tensor.js';
import { arange, scalar, toTensor } from '../ops/create.js';
import {
  abs, add, clip, div, equal, exp, floor, greater, greaterEqual, log, log1p, maximum, mul, neg, notEqual, square, sub,
  where,
} from '../ops/elementwise.js';
import { broadcastTo, cast, gather, reshape, squeeze, stack, transpose, unsqueeze } from '../ops/movement.js';
import { max, mean, min, sum } from '../ops/reduce.js';
import { logSoftmax, sparseSoftmaxCrossEntropy } from '../ops/nn.js';
import { composite } from '../ops/util.js';
import { logitsOf } from './activations.js';
import { NameRegistry, type ObjectFactory, type ObjectSpec, type RegisterOptions } from './name-registry.js';

/** Keras's `backend.epsilon()`: probabilities are clipped to [EPSILON, 1 - EPSILON] before the log. */
export const EPSILON = 1e-7;

/**
 * How per-sample losses become the result (Keras names). 'sum_over_batch_size' (= 'mean'): sum / number of values;
 * 'sum'; 'mean_with_sample_weight': sum / sum of the sample weights; 'none': the weighted per-sample values.
 */
export type Reduction = 'sum_over_batch_size' | 'mean' | 'sum' | 'mean_with_sample_weight' | 'none';
const REDUCTIONS: readonly Reduction[] = ['sum_over_batch_size', 'mean', 'sum', 'mean_with_sample_weight', 'none'];

export interface LossOptions {
  /** default 'sum_over_batch_size' */
  reduction?: Reduction;
  /** default: the Keras snake_case name ('mean_squared_error', ...) */
  name?: string;
}

/** Per-sample values, optionally with a mask of valid entries (same shape; used by `ignoreClass`). */
export interface PerSample {
  values: Tensor;
  mask?: Tensor;
}

/** A per-sample loss function: (yTrue, yPred) -> one value per sample (the last axis reduced). */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** `{className, config}`, the JSON form of a loss. */
export type LossSpec = ObjectSpec;

// ---------------------------------------------------------------------------------------------------------------
// shape and dtype preparation

function floatPred(op: string, yPred: TensorLike): Tensor {
  const p = toTensor(yPred);
  if (!isFloat(p.dtype)) throw new DTypeError(`${op}: yPred must be float32 or float64, got ${p.dtype} ${fmtShape(p.shape)}`);
  return p;
}

/**
 * Keras's squeeze_or_expand_to_same_rank: when the ranks differ by one and the longer shape ends in 1, squeeze it
 * (or expand a rank-1 partner). Returns the two tensors.
 */
export function squeezeOrExpandToSameRank(a: Tensor, b: Tensor): [Tensor, Tensor] {
  if (a.rank === b.rank + 1 && a.shape[a.rank - 1] === 1) return b.rank === 1 ? [a, unsqueeze(b, -1)] : [squeeze(a, -1), b];
  if (b.rank === a.rank + 1 && b.shape[b.rank - 1] === 1) return a.rank === 1 ? [unsqueeze(a, -1), b] : [a, squeeze(b, -1)];
  return [a, b];
}

/**
 * yTrue cast to yPred's dtype, ranks reconciled like Keras ([B] vs [B,1]); the shapes must then be equal
 * (no silent broadcasting of [B] against [B,1] into [B,B]).
 */
function prepare(op: string, yTrue: TensorLike, yPred: Tensor): [Tensor, Tensor] {
  const t0 = toTensor(yTrue);
  const [t, p] = squeezeOrExpandToSameRank(cast(t0, yPred.dtype), yPred);
  if (!shapesEqual(t.shape, p.shape)) {
    throw new ShapeError(`${op}: yTrue ${fmtShape(t0.shape)} and yPred ${fmtShape(yPred.shape)} have incompatible shapes (they must be equal, up to a trailing 1)`);
  }
  return [t, p];
}

/** Mean over the last axis (a rank-0 tensor is its own per-sample value). */
const meanLast = (x: Tensor): Tensor => (x.rank === 0 ? x : mean(x, -1));

let warned = new Set<string>();
function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(`deepts: ${message}`);
}
/** @internal for tests */
export function resetLossWarnings(): void {
  warned = new Set();
}

// ---------------------------------------------------------------------------------------------------------------
// per-sample functions (Keras's keras.losses.mean_squared_error etc.)

/** mean((yPred - yTrue)^2, axis=-1) */
export function meanSquaredErrorFn(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = prepare('meanSquaredError', yTrue, floatPred('meanSquaredError', yPred));
  return meanLast(square(sub(p, t)));
}

/** mean(|yPred - yTrue|, axis=-1) */
export function meanAbsoluteErrorFn(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = prepare('meanAbsoluteError', yTrue, floatPred('meanAbsoluteError', yPred));
  return meanLast(abs(sub(p, t)));
}

/** mean(0.5 e^2 where |e| <= delta, else delta (|e| - delta/2)), axis=-1), e = yPred - yTrue. */
export function huberFn(yTrue: TensorLike, yPred: TensorLike, delta = 1): Tensor {
  const [t, p] = prepare('huber', yTrue, floatPred('huber', yPred));
  const e = sub(p, t);
  const a = abs(e);
  return meanLast(where(greater(a, delta), sub(mul(a, delta), 0.5 * delta * delta), mul(square(e), 0.5)));
}

/**
 * Elementwise sigmoid cross-entropy from logits x and targets z, stable for any x:
 * max(x, 0) - x z + log1p(exp(-|x|)). The max and |x| are written with a `x >= 0` selection so the gradient is
 * exact at x = 0 too (sigmoid(0) - z).
 */
export function sigmoidCrossEntropyWithLogits(z: Tensor, x: Tensor): Tensor {
  const pos = greaterEqual(x, 0);
  const relu = where(pos, x, 0);
  const absx = where(pos, x, neg(x));
  return add(sub(relu, mul(x, z)), log1p(exp(neg(absx))));
}

export interface BinaryCrossentropyOptions {
  /** yPred holds logits rather than probabilities (default false) */
  fromLogits?: boolean;
  /** targets become z (1 - s) + s / 2 (default 0) */
  labelSmoothing?: number;
  /** axis averaged over for the per-sample value (default -1) */
  axis?: number;
}

export function binaryCrossentropyFn(yTrue: TensorLike, yPred: TensorLike, options: BinaryCrossentropyOptions = {}): Tensor {
  const op = 'binaryCrossentropy';
  const { fromLogits = false, labelSmoothing = 0, axis = -1 } = options;
  const probs = floatPred(op, yPred);
  const fused = logitsOf(probs, 'sigmoid');
  if (fused && fromLogits) warnOnce('bce-logits', `${op}: fromLogits is true but yPred is a sigmoid output; using its logits`);
  const useLogits = fromLogits || fused !== undefined;
  const [t0, x] = prepare(op, yTrue, fused ?? probs);
  const t = labelSmoothing ? add(mul(t0, 1 - labelSmoothing), 0.5 * labelSmoothing) : t0;
  let ce: Tensor;
  if (useLogits) ce = sigmoidCrossEntropyWithLogits(t, x);
  else {
    const p = clip(x, EPSILON, 1 - EPSILON);
    ce = neg(add(mul(t, log(p)), mul(sub(1, t), log(sub(1, p)))));
  }
  return ce.rank === 0 ? ce : mean(ce, normalizeAxis(op, axis, ce.rank));
}

export interface CategoricalCrossentropyOptions {
  fromLogits?: boolean;
  /** targets become t (1 - s) + s / numClasses (default 0) */
  labelSmoothing?: number;
  /** the class axis (default -1) */
  axis?: number;
}

export function categoricalCrossentropyFn(yTrue: TensorLike, yPred: TensorLike, options: CategoricalCrossentropyOptions = {}): Tensor {
  const op = 'categoricalCrossentropy';
  const { fromLogits = false, labelSmoothing = 0, axis = -1 } = options;
  const probs = floatPred(op, yPred);
  if (probs.rank < 1) throw new ShapeError(`${op}: yPred must have a class axis, got a scalar`);
  const ax = normalizeAxis(op, axis, probs.rank);
  const fused = logitsOf(probs, 'softmax', ax);
  if (fused && fromLogits) warnOnce('cce-logits', `${op}: fromLogits is true but yPred is a softmax output; using its logits`);
  const useLogits = fromLogits || fused !== undefined;
  const x = fused ?? probs;
  const t0 = toTensor(yTrue);
  if (!shapesEqual(t0.shape, x.shape)) {
    throw new ShapeError(`${op}: yTrue ${fmtShape(t0.shape)} and yPred ${fmtShape(x.shape)} must have the same shape (one-hot targets); for integer class labels use sparseCategoricalCrossentropy`);
  }
  if (x.shape[ax] === 1) warnOnce('cce-1', `${op}: yPred has a single class along axis ${ax}, so the loss is always 0; use binaryCrossentropy for one output unit`);
  const n = x.shape[ax];
  const t1 = cast(t0, x.dtype);
  const t = labelSmoothing ? add(mul(t1, 1 - labelSmoothing), labelSmoothing / n) : t1;
  let logp: Tensor;
  if (useLogits) logp = logSoftmax(x, ax);
  else logp = log(clip(div(x, sum(x, ax, true)), EPSILON, 1 - EPSILON));
  return neg(sum(mul(t, logp), ax));
}

export interface SparseCategoricalCrossentropyOptions {
  fromLogits?: boolean;
  /** a label value that contributes nothing (e.g. padding); the mean is taken over the other entries */
  ignoreClass?: number | null;
  /** the class axis of yPred (default -1) */
  axis?: number;
}

/** One sync read of [min, max, non-integer count] of the labels, to report bad labels clearly. */
function checkLabels(op: string, labels: Tensor, numClasses: number, predShape: readonly number[], ignoreClass: number | null): void {
  if (labels.size === 0) return;
  const [lo, hi, nonInt] = noGrad(() =>
    scope(() => {
      const l = ignoreClass === null ? labels : where(equal(labels, ignoreClass), 0, labels);
      const f = cast(l, 'float32');
      const bad = isFloat(labels.dtype) ? sum(cast(notEqual(floor(labels), labels), 'float32')) : scalar(0);
      return stack([cast(min(f), 'float32'), cast(max(f), 'float32'), cast(bad, 'float32')]).dataSync();
    }),
  );
  if (nonInt > 0) throw new ValueError(`${op}: labels must be integer class indices, but ${nonInt} of them (shape ${fmtShape(labels.shape)}) are not`);
  if (lo < 0 || hi >= numClasses) {
    const v = lo < 0 ? lo : hi;
    const ign = ignoreClass === null ? '' : ` (or ignoreClass ${ignoreClass})`;
    throw new ValueError(`${op}: label ${v} is out of range for ${numClasses} classes (yPred ${fmtShape(predShape)}); labels must be in [0, ${numClasses - 1}]${ign}`);
  }
}

/**
 * Per-sample -log p[label] for integer labels of shape yPred.shape without the class axis (a trailing 1 is
 * accepted: [B] or [B,1]). With `ignoreClass`, those entries are 0 and masked out of the mean.
 */
export function sparseCategoricalCrossentropyPerSample(yTrue: TensorLike, yPred: TensorLike, options: SparseCategoricalCrossentropyOptions = {}): PerSample {
  const op = 'sparseCategoricalCrossentropy';
  const { fromLogits = false, axis = -1 } = options;
  const ignoreClass = options.ignoreClass ?? null;
  const probs = floatPred(op, yPred);
  if (probs.rank < 1) throw new ShapeError(`${op}: yPred must have a class axis, got a scalar`);
  const ax = normalizeAxis(op, axis, probs.rank);
  const fused = logitsOf(probs, 'softmax', ax);
  if (fused && fromLogits) warnOnce('scce-logits', `${op}: fromLogits is true but yPred is a softmax output; using its logits`);
  const useLogits = fromLogits || fused !== undefined;
  let x = fused ?? probs;
  let labels = toTensor(yTrue);
  if (labels.dtype === 'bool') throw new DTypeError(`${op}: labels must be int32 or float class indices, got bool ${fmtShape(labels.shape)}`);
  if (labels.rank === x.rank && labels.shape[ax] === 1) labels = squeeze(labels, ax);
  const expected = x.shape.filter((_, i) => i !== ax);
  if (!shapesEqual(labels.shape, expected)) {
    throw new ShapeError(`${op}: labels ${fmtShape(toTensor(yTrue).shape)} do not match yPred ${fmtShape(x.shape)}: expected ${fmtShape(expected)} (or with a trailing 1) holding class indices; for one-hot targets use categoricalCrossentropy`);
  }
  const numClasses = x.shape[ax];
  if (ax !== x.rank - 1) x = transpose(x, [...expected.map((_, i) => (i < ax ? i : i + 1)), ax]);
  const n = sizeOf(expected);
  if (useLogits && ignoreClass === null && labels.dtype === 'int32') {
    // fused kernel: one pass, validates the label range itself
    return { values: reshape(sparseSoftmaxCrossEntropy(reshape(x, [n, numClasses]), reshape(labels, [n])), expected) };
  }
  checkLabels(op, labels, numClasses, x.shape, ignoreClass);
  let idx = cast(labels, 'int32');
  const mask = ignoreClass === null ? undefined : notEqual(idx, ignoreClass);
  if (mask) idx = where(mask, idx, 0);
  const logp = useLogits ? logSoftmax(x, -1) : logSoftmax(log(clip(x, EPSILON, 1 - EPSILON)), -1);
  const flatIdx = add(mul(arange(0, n, 1, 'int32'), numClasses), reshape(idx, [n]));
  let nll = reshape(neg(gather(reshape(logp, [n * numClasses]), flatIdx, 0)), expected);
  if (mask) nll = where(mask, nll, 0);
  return { values: nll, mask };
}

export function sparseCategoricalCrossentropyFn(yTrue: TensorLike, yPred: TensorLike, options: SparseCategoricalCrossentropyOptions = {}): Tensor {
  return sparseCategoricalCrossentropyPerSample(yTrue, yPred, options).values;
}

/** The per-sample functions by name (for metrics and custom losses). */
export const lossFunctions = {
  meanSquaredError: meanSquaredErrorFn,
  meanAbsoluteError: meanAbsoluteErrorFn,
  huber: huberFn,
  binaryCrossentropy: binaryCrossentropyFn,
  categoricalCrossentropy: categoricalCrossentropyFn,
  sparseCategoricalCrossentropy: sparseCategoricalCrossentropyFn,
};

// ---------------------------------------------------------------------------------------------------------------
// reduction

/**
 * Keras's reduce_weighted_values: merges the mask into the sample weights (valid entries weigh total/valid under
 * a mean reduction, so the mean runs over valid entries only), multiplies, then reduces.
 */
export function reduceWeighted(op: string, values: Tensor, sampleWeight: TensorLike | undefined, mask: Tensor | undefined, reduction: Reduction): Tensor {
  let w: Tensor | undefined;
  if (mask) {
    let m = cast(mask, values.dtype);
    if (reduction === 'sum_over_batch_size' || reduction === 'mean') {
      const valid = sum(m);
      m = mul(m, where(greater(valid, 0), div(m.size, maximum(valid, 1)), 0));
    }
    w = m;
  }
  if (sampleWeight !== undefined && sampleWeight !== null) {
    const sw0 = toTensor(sampleWeight);
    let sw = cast(sw0, values.dtype);
    // [B,1] weights for [B] values: drop the 1; [B] weights for [B,T] values: one weight per sample, broadcast
    if (sw.rank === values.rank + 1 && sw.shape[sw.rank - 1] === 1) sw = squeeze(sw, -1);
    else if (sw.rank > 0 && sw.rank < values.rank && shapesEqual(sw.shape, values.shape.slice(0, sw.rank))) {
      sw = reshape(sw, [...sw.shape, ...Array<number>(values.rank - sw.rank).fill(1)]);
    }
    const fits = sw.rank <= values.rank && sw.shape.every((d, i) => d === 1 || d === values.shape[values.rank - sw.rank + i]);
    if (!fits) {
      throw new ShapeError(`${op}: sampleWeight ${fmtShape(sw0.shape)} does not match the per-sample losses ${fmtShape(values.shape)} (expected ${fmtShape(values.shape.slice(0, 1))}, ${fmtShape(values.shape)} or a scalar)`);
    }
    w = w ? mul(w, sw) : sw;
  }
  const weighted = w ? mul(values, w) : values;
  if (reduction === 'none' || weighted.rank === 0) return weighted;
  const total = sum(weighted);
  switch (reduction) {
    case 'sum':
      return total;
    case 'mean_with_sample_weight': {
      if (!w) return weighted.size === 0 ? total : div(total, weighted.size);
      const ws = sum(broadcastTo(w, weighted.shape));
      return where(notEqual(ws, 0), div(total, where(notEqual(ws, 0), ws, 1)), 0);
    }
    default:
      return weighted.size === 0 ? total : div(total, weighted.size);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Loss classes

function checkReduction(op: string, r: unknown): Reduction {
  if (r === null) return 'none';
  if (!(REDUCTIONS as readonly unknown[]).includes(r)) throw new ValueError(`${op}: invalid reduction ${JSON.stringify(r)} (expected one of ${REDUCTIONS.join(', ')})`);
  return r as Reduction;
}
function checkBool(op: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ValueError(`${op}: ${name} must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}
function checkSmoothing(op: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new ValueError(`${op}: labelSmoothing must be a number in [0, 1], got ${JSON.stringify(v)}`);
  return v;
}
function checkAxis(op: string, v: unknown): number {
  if (!Number.isInteger(v)) throw new ValueError(`${op}: axis must be an integer, got ${JSON.stringify(v)}`);
  return v as number;
}

export abstract class Loss {
  /** Keras class name, used by serialization */
  abstract readonly className: string;
  readonly name: string;
  readonly reduction: Reduction;

  constructor(options: LossOptions, defaultName: string) {
    this.name = options.name ?? defaultName;
    this.reduction = checkReduction(this.constructor.name, options.reduction ?? 'sum_over_batch_size');
  }

  /** Per-sample values (and an optional validity mask), before weighting and reduction. */
  abstract perSample(yTrue: TensorLike, yPred: Tensor): PerSample;

  /**
   * The loss: per-sample values, times `sampleWeight` (shape [B], [B,1], per-value or scalar), reduced by
   * `reduction` (a scalar unless 'none'). Differentiable with respect to yPred (or its logits, see above).
   */
  call(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike): Tensor {
    const p = floatPred(this.className, yPred);
    const watched = [p, ...(p._logits && !p._logits.isDisposed ? [p._logits] : []), ...(sampleWeight instanceof Tensor ? [sampleWeight] : [])];
    return composite(watched, () => {
      const { values, mask } = this.perSample(yTrue, p);
      return reduceWeighted(this.className, values, sampleWeight, mask, this.reduction);
    });
  }

  /** The constructor options as JSON (camelCase keys). */
  getConfig(): Record<string, unknown> {
    return { name: this.name, reduction: this.reduction };
  }
}

export class MeanSquaredError extends Loss {
  readonly className = 'MeanSquaredError';
  constructor(options: LossOptions = {}) {
    super(options, 'mean_squared_error');
  }
  perSample(yTrue: TensorLike, yPred: Tensor): PerSample {
    return { values: meanSquaredErrorFn(yTrue, yPred) };
  }
}

export class MeanAbsoluteError extends Loss {
  readonly className = 'MeanAbsoluteError';
  constructor(options: LossOptions = {}) {
    super(options, 'mean_absolute_error');
  }
  perSample(yTrue: TensorLike, yPred: Tensor): PerSample {
    return { values: meanAbsoluteErrorFn(yTrue, yPred) };
  }
}

export interface HuberOptions extends LossOptions {
  /** where the loss turns from quadratic to linear (default 1) */
  delta?: number;
}
export class Huber extends Loss {
  readonly className = 'Huber';
  readonly delta: number;
  constructor(options: HuberOptions = {}) {
    super(options, 'huber_loss');
    const d = options.delta ?? 1;
    if (typeof d !== 'number' || !(d > 0) || !Number.isFinite(d)) throw new ValueError(`Huber: delta must be a positive number, got ${JSON.stringify(d)}`);
    this.delta = d;
  }
  perSample(yTrue: TensorLike, yPred: Tensor): PerSample {
    return { values: huberFn(yTrue, yPred, this.delta) };
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), delta: this.delta };
  }
}

export class BinaryCrossentropy extends Loss {
  readonly className = 'BinaryCrossentropy';
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly axis: number;
  constructor(options: BinaryCrossentropyOptions & LossOptions = {}) {
    super(options, 'binary_crossentropy');
    this.fromLogits = checkBool(this.className, 'fromLogits', options.fromLogits ?? false);
    this.labelSmoothing = checkSmoothing(this.className, options.labelSmoothing ?? 0);
    this.axis = checkAxis(this.className, options.axis ?? -1);
  }
  perSample(yTrue: TensorLike, yPred: Tensor): PerSample {
    return { values: binaryCrossentropyFn(yTrue, yPred, this) };
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing, axis: this.axis };
  }
}

export class CategoricalCrossentropy extends Loss {
  readonly className = 'CategoricalCrossentropy';
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly axis: number;
  constructor(options: CategoricalCrossentropyOptions & LossOptions = {}) {
    super(options, 'categorical_crossentropy');
    this.fromLogits = checkBool(this.className, 'fromLogits', options.fromLogits ?? false);
    this.labelSmoothing = checkSmoothing(this.className, options.labelSmoothing ?? 0);
    this.axis = checkAxis(this.className, options.axis ?? -1);
  }
  perSample(yTrue: TensorLike, yPred: Tensor): PerSample {
    return { values: categoricalCrossentropyFn(yTrue, yPred, this) };
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing, axis: this.axis };
  }
}

export class SparseCategoricalCrossentropy extends Loss {
  readonly className = 'SparseCategoricalCrossentropy';
  readonly fromLogits: boolean;
  readonly ignoreClass: number | null;
  readonly axis: number;
  constructor(options: SparseCategoricalCrossentropyOptions & LossOptions = {}) {
    super(options, 'sparse_categorical_crossentropy');
    this.fromLogits = checkBool(this.className, 'fromLogits', options.fromLogits ?? false);
    const ic = options.ignoreClass ?? null;
    if (ic !== null && !Number.isInteger(ic)) throw new ValueError(`SparseCategoricalCrossentropy: ignoreClass must be an integer or null, got ${JSON.stringify(ic)}`);
    this.ignoreClass = ic;
    this.axis = checkAxis(this.className, options.axis ?? -1);
  }
  perSample(yTrue: TensorLike, yPred: Tensor): PerSample {
    return sparseCategoricalCrossentropyPerSample(yTrue, yPred, this);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), fromLogits: this.fromLogits, ignoreClass: this.ignoreClass, axis: this.axis };
  }
}

/** A loss from any per-sample function `(yTrue, yPred) => Tensor` (what `losses.get(fn)` makes). */
export class LossFunctionWrapper extends Loss {
  readonly className = 'LossFunctionWrapper';
  constructor(
    readonly fn: LossFn,
    options: LossOptions = {},
  ) {
    super(options, options.name ?? (fn.name || 'loss'));
  }
  perSample(yTrue: TensorLike, yPred: Tensor): PerSample {
    return { values: this.fn(toTensor(yTrue), yPred) };
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), fn: this.fn.name || null };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// factories (the brief, camelCase API)

export const meanSquaredError = (options: LossOptions = {}): MeanSquaredError => new MeanSquaredError(options);
export const meanAbsoluteError = (options: LossOptions = {}): MeanAbsoluteError => new MeanAbsoluteError(options);
/** `huber()`, `huber(2)` or `huber({delta: 2, reduction: 'sum'})`. */
export const huber = (deltaOrOptions: number | HuberOptions = 1): Huber =>
  new Huber(typeof deltaOrOptions === 'number' ? { delta: deltaOrOptions } : deltaOrOptions);
export const binaryCrossentropy = (options: BinaryCrossentropyOptions & LossOptions = {}): BinaryCrossentropy => new BinaryCrossentropy(options);
export const categoricalCrossentropy = (options: CategoricalCrossentropyOptions & LossOptions = {}): CategoricalCrossentropy => new CategoricalCrossentropy(options);
export const sparseCategoricalCrossentropy = (options: SparseCategoricalCrossentropyOptions & LossOptions = {}): SparseCategoricalCrossentropy =>
  new SparseCategoricalCrossentropy(options);

// ---------------------------------------------------------------------------------------------------------------
// registry

const BASE_KEYS = ['name', 'reduction'];
const registry = new NameRegistry<Loss>({ kind: 'loss', defaultConfigKeys: BASE_KEYS }, [
  { className: 'MeanSquaredError', name: 'meanSquaredError', aliases: ['mse'], configKeys: BASE_KEYS, make: (c) => new MeanSquaredError(c) },
  { className: 'MeanAbsoluteError', name: 'meanAbsoluteError', aliases: ['mae'], configKeys: BASE_KEYS, make: (c) => new MeanAbsoluteError(c) },
  { className: 'Huber', name: 'huber', aliases: ['huber_loss'], configKeys: [...BASE_KEYS, 'delta'], make: (c) => new Huber(c) },
  {
    className: 'BinaryCrossentropy', name: 'binaryCrossentropy', aliases: ['bce'],
    configKeys: [...BASE_KEYS, 'fromLogits', 'labelSmoothing', 'axis'], make: (c) => new BinaryCrossentropy(c),
  },
  {
    className: 'CategoricalCrossentropy', name: 'categoricalCrossentropy', aliases: ['cce'],
    configKeys: [...BASE_KEYS, 'fromLogits', 'labelSmoothing', 'axis'], make: (c) => new CategoricalCrossentropy(c),
  },
  {
    className: 'SparseCategoricalCrossentropy', name: 'sparseCategoricalCrossentropy', aliases: ['scce'],
    configKeys: [...BASE_KEYS, 'fromLogits', 'ignoreClass', 'axis'], make: (c) => new SparseCategoricalCrossentropy(c),
  },
]);

/** Known loss names (camelCase) and aliases, for messages and completion. */
export function lossNames(): string[] {
  return registry.names();
}

/**
 * Registers a custom loss class by name so `losses.get(name)` and `{className: name, config}` find it.
 * `make` receives the (camelCase) config; without `configKeys` a spec may set 'name' and 'reduction'.
 */
export function registerLoss(className: string, make: ObjectFactory<Loss>, options: RegisterOptions = {}): void {
  registry.register(className, make, options);
}

export type LossId = string | Loss | LossFn | LossSpec;

/**
 * A Loss from a name ('mse', 'sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy',
 * 'SparseCategoricalCrossentropy'), a `{className, config}` object, a Loss (returned as is) or a per-sample
 * function (wrapped in LossFunctionWrapper). Unknown names throw a ValueError listing the known ones.
 */
export function getLoss(identifier: LossId): Loss {
  if (identifier instanceof Loss) return identifier;
  if (typeof identifier === 'function') return new LossFunctionWrapper(identifier);
  return registry.fromIdentifier(identifier, 'getLoss: expected a name, a {className, config} object, a Loss or a function');
}

export function serializeLoss(loss: Loss): LossSpec {
  return registry.serialize(loss);
}

/** A Loss from `{className, config}` (Keras snake_case config keys accepted, 'dtype' ignored, unknown keys refused). */
export function deserializeLoss(spec: LossSpec): Loss {
  return registry.fromSpec(spec);
}

/** The Keras class name of a loss identifier without building it ('mse' -> 'MeanSquaredError'), else undefined. */
export function lossClassName(identifier: LossId | null | undefined): string | undefined {
  if (identifier === null || identifier === undefined) return undefined;
  if (identifier instanceof Loss) return identifier.className;
  if (typeof identifier === 'string') return registry.find(identifier)?.className;
  if (typeof identifier === 'object' && typeof identifier.className === 'string') return registry.find(identifier.className)?.className ?? identifier.className;
  if (typeof identifier === 'function') {
    const fns: [LossFn, string][] = [
      [meanSquaredErrorFn, 'MeanSquaredError'], [meanAbsoluteErrorFn, 'MeanAbsoluteError'], [huberFn, 'Huber'],
      [binaryCrossentropyFn, 'BinaryCrossentropy'], [categoricalCrossentropyFn, 'CategoricalCrossentropy'],
      [sparseCategoricalCrossentropyFn, 'SparseCategoricalCrossentropy'],
    ];
    return fns.find(([f]) => f === identifier)?.[1];
  }
  return undefined;
}

/** The registry as one object: `losses.get('mse')`, `losses.huber(2)`, `losses.serialize(loss)`. */
export const losses = {
  get: getLoss,
  serialize: serializeLoss,
  deserialize: deserializeLoss,
  register: registerLoss,
  names: lossNames,
  classNameOf: lossClassName,
  meanSquaredError, meanAbsoluteError, huber, binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy,
  mse: meanSquaredError,
  mae: meanAbsoluteError,
  functions: lossFunctions,
  Loss, MeanSquaredError, MeanAbsoluteError, Huber, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
  LossFunctionWrapper,
  EPSILON,
};
