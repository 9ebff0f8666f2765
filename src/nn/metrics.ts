/**
 * Stateful metrics with Keras 3 semantics: `update(yTrue, yPred, sampleWeight?)` once per batch, `result()` for
 * the running (weighted) mean over everything seen since `reset()`.
 *
 * Updates run without recording gradients and inside a scope that frees every temporary; each update reads
 * back one tiny tensor (the batch's weighted sum and weight total) and accumulates it in float64 in JS.
 */
import { isFloat } from '../core/dtype.js';
import { noGrad } from '../core/engine.js';
import { DTypeError, ShapeError, ValueError } from '../core/errors.js';
import { scope } from '../core/memory.js';
import { fmtShape, shapesEqual, sizeOf } from '../core/shape.js';
import { Tensor, type TensorLike } from '../core/tensor.js';
import { arange, toTensor } from '../ops/create.js';
import { add, equal, greater, isFinite, less, logicalAnd, mul } from '../ops/elementwise.js';
import { broadcastTo, cast, gather, reshape, squeeze, stack } from '../ops/movement.js';
import { argmax, mean as meanOf, sum } from '../ops/reduce.js';
import {
  binaryCrossentropyFn, categoricalCrossentropyFn, huberFn, lossClassName, meanAbsoluteErrorFn, meanSquaredErrorFn,
  sparseCategoricalCrossentropyFn, squeezeOrExpandToSameRank, type LossId,
} from './losses.js';
import { NameRegistry, registryKey, type ObjectFactory, type ObjectSpec, type RegisterOptions } from './name-registry.js';

/** A per-sample metric function: (yTrue, yPred) -> one value per sample. */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** `{className, config}`, the JSON form of a metric. */
export type MetricSpec = ObjectSpec;

export abstract class Metric {
  /** Keras class name, used by serialization */
  abstract readonly className: string;
  /** The key in logs and history ('accuracy', 'val_accuracy'...). */
  name: string;
  constructor(name: string) {
    this.name = name;
  }
  /** Accumulates one batch. */
  abstract update(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike): void;
  /** The value over everything accumulated since the last reset (0 before any update). */
  abstract result(): number;
  /** Forgets the accumulated state (called at the start of each epoch). */
  abstract reset(): void;
  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}

/** Weighted sum and weight total of `values` (weights broadcast like Keras's Reduce metric). One read-back. */
function weightedSums(op: string, values: Tensor, sampleWeight?: TensorLike): [number, number] {
  const v = isFloat(values.dtype) ? values : cast(values, 'float32');
  if (sampleWeight === undefined || sampleWeight === null) {
    if (v.size === 0) return [0, 0];
    return [sum(v).item(), v.size];
  }
  const sw0 = toTensor(sampleWeight);
  let sw = cast(sw0, v.dtype);
  if (sw.rank === v.rank + 1 && sw.shape[sw.rank - 1] === 1) sw = squeeze(sw, -1);
  else if (sw.rank > 0 && sw.rank < v.rank && shapesEqual(sw.shape, v.shape.slice(0, sw.rank))) {
    sw = reshape(sw, [...sw.shape, ...Array<number>(v.rank - sw.rank).fill(1)]);
  }
  const fits = sw.rank <= v.rank && sw.shape.every((d, i) => d === 1 || d === v.shape[v.rank - sw.rank + i]);
  if (!fits) throw new ShapeError(`${op}: sampleWeight ${fmtShape(sw0.shape)} does not match the values ${fmtShape(v.shape)}`);
  const w = broadcastTo(sw, v.shape);
  if (v.size === 0) return [0, 0];
  const both = stack([sum(mul(v, w)), sum(w)]).dataSync();
  return [both[0], both[1]];
}

/** Runs a metric update: no gradient recording, every temporary freed. */
function quietly<T>(fn: () => T): T {
  return noGrad(() => scope(fn));
}

/**
 * The running weighted mean of values (Keras `Mean`): the trainer's loss tracker. `update(value, weight?)` takes
 * numbers (no tensor work) or tensors; `update(loss, batchSize)` weights a batch mean by its size.
 */
export class Mean extends Metric {
  readonly className: string = 'Mean';
  total = 0;
  count = 0;
  constructor(options: { name?: string } | string = {}) {
    super(typeof options === 'string' ? options : options.name ?? 'mean');
  }
  override update(values: TensorLike, sampleWeight?: TensorLike): void {
    if (typeof values === 'number' && (sampleWeight === undefined || typeof sampleWeight === 'number')) {
      const w = sampleWeight ?? 1;
      this.total += values * w;
      this.count += w;
      return;
    }
    const [t, c] = quietly(() => weightedSums(this.name, toTensor(values), sampleWeight));
    this.total += t;
    this.count += c;
  }
  /** Adds already-reduced sums (for metrics that compute their own per-sample values). */
  addSums(total: number, count: number): void {
    this.total += total;
    this.count += count;
  }
  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }
  reset(): void {
    this.total = 0;
    this.count = 0;
  }
}

/** A metric from a per-sample function: the weighted mean of fn(yTrue, yPred) (Keras `MeanMetricWrapper`). */
export class MeanMetricWrapper extends Metric {
  readonly className: string = 'MeanMetricWrapper';
  private readonly mean = new Mean();
  constructor(
    readonly fn: MetricFn,
    name?: string,
  ) {
    super(name ?? (fn.name || 'metric'));
  }
  update(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike): void {
    const [t, c] = quietly(() => weightedSums(this.name, this.fn(toTensor(yTrue), toTensor(yPred)), sampleWeight));
    this.mean.addSums(t, c);
  }
  result(): number {
    return this.mean.result();
  }
  reset(): void {
    this.mean.reset();
  }
  /** The accumulated weighted sum and weight total (for tests and for merging). */
  get state(): { total: number; count: number } {
    return { total: this.mean.total, count: this.mean.count };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// per-sample metric functions

function predTensor(op: string, yPred: Tensor): Tensor {
  if (yPred.dtype === 'bool') throw new DTypeError(`${op}: yPred must be numeric, got bool ${fmtShape(yPred.shape)}`);
  return yPred;
}

/** [B] vs [B,1] reconciled like Keras; then the shapes must be equal. */
function sameShape(op: string, yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  const [t, p] = squeezeOrExpandToSameRank(yTrue, yPred);
  if (!shapesEqual(t.shape, p.shape)) throw new ShapeError(`${op}: yTrue ${fmtShape(yTrue.shape)} and yPred ${fmtShape(yPred.shape)} have incompatible shapes`);
  return [t, p];
}

/** Sparse labels: squeeze a trailing 1 ([B,1] -> [B]); they must match yPred without its last axis. */
function sparseLabels(op: string, yTrue: Tensor, yPred: Tensor): Tensor {
  if (yPred.rank < 1) throw new ShapeError(`${op}: yPred must have a class axis, got a scalar`);
  let t = yTrue;
  if (t.rank === yPred.rank && t.shape[t.rank - 1] === 1) t = squeeze(t, -1);
  const expected = yPred.shape.slice(0, -1);
  if (!shapesEqual(t.shape, expected)) {
    throw new ShapeError(`${op}: labels ${fmtShape(yTrue.shape)} do not match yPred ${fmtShape(yPred.shape)}: expected ${fmtShape(expected)} (or with a trailing 1)`);
  }
  return t;
}

/** 1 where (yPred > threshold) equals yTrue, averaged over the last axis. */
export function binaryAccuracyFn(yTrue: TensorLike, yPred: TensorLike, threshold = 0.5): Tensor {
  const op = 'binaryAccuracy';
  const [t, p] = sameShape(op, toTensor(yTrue), predTensor(op, toTensor(yPred)));
  const hit = cast(equal(cast(t, 'float32'), cast(greater(p, threshold), 'float32')), 'float32');
  return hit.rank === 0 ? hit : meanOf(hit, -1);
}

/** 1 where argmax(yTrue) equals argmax(yPred) along the last axis. */
export function categoricalAccuracyFn(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const op = 'categoricalAccuracy';
  const t = toTensor(yTrue);
  const p = predTensor(op, toTensor(yPred));
  if (p.rank < 1 || !shapesEqual(t.shape, p.shape)) {
    throw new ShapeError(`${op}: yTrue ${fmtShape(t.shape)} and yPred ${fmtShape(p.shape)} must have the same shape (one-hot targets); for class indices use sparseCategoricalAccuracy`);
  }
  return cast(equal(argmax(t, -1), argmax(p, -1)), 'float32');
}

/** 1 where the label equals argmax(yPred) along the last axis. */
export function sparseCategoricalAccuracyFn(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const op = 'sparseCategoricalAccuracy';
  const p = predTensor(op, toTensor(yPred));
  const t = sparseLabels(op, toTensor(yTrue), p);
  return cast(equal(t, argmax(p, -1)), 'float32');
}

/**
 * 1 where the target class is among the k highest predictions: fewer than k classes score strictly higher (ties
 * at the boundary count as in, like tf.math.in_top_k; a non-finite target score counts as out).
 */
function inTopK(labels: Tensor, p: Tensor, k: number): Tensor {
  const c = p.shape[p.rank - 1];
  const lead = p.shape.slice(0, -1);
  const n = sizeOf(lead);
  const idx = cast(reshape(labels, [n]), 'int32');
  const flat = add(mul(arange(0, n, 1, 'int32'), c), idx);
  const target = gather(reshape(p, [n * c]), flat, 0);
  const above = sum(cast(greater(reshape(p, [n, c]), reshape(target, [n, 1])), 'int32'), -1);
  return reshape(cast(logicalAnd(less(above, k), isFinite(target)), 'float32'), lead);
}

function checkK(op: string, k: unknown): number {
  if (!Number.isInteger(k) || (k as number) < 1) throw new ValueError(`${op}: k must be a positive integer, got ${JSON.stringify(k)}`);
  return k as number;
}

export function topKCategoricalAccuracyFn(yTrue: TensorLike, yPred: TensorLike, k = 5): Tensor {
  const op = 'topKCategoricalAccuracy';
  const t = toTensor(yTrue);
  const p = predTensor(op, toTensor(yPred));
  if (p.rank < 1 || !shapesEqual(t.shape, p.shape)) throw new ShapeError(`${op}: yTrue ${fmtShape(t.shape)} and yPred ${fmtShape(p.shape)} must have the same shape (one-hot targets)`);
  return inTopK(argmax(t, -1), p, checkK(op, k));
}

export function sparseTopKCategoricalAccuracyFn(yTrue: TensorLike, yPred: TensorLike, k = 5): Tensor {
  const op = 'sparseTopKCategoricalAccuracy';
  const p = predTensor(op, toTensor(yPred));
  const t = sparseLabels(op, toTensor(yTrue), p);
  const c = p.shape[p.rank - 1];
  const bad = quietly(() => (t.size ? sum(cast(logicalAnd(greater(cast(t, 'float32'), -1), less(cast(t, 'float32'), c)), 'int32')).item() : 0));
  if (bad !== t.size) throw new ValueError(`${op}: labels must be class indices in [0, ${c - 1}] for yPred ${fmtShape(p.shape)}`);
  return inTopK(t, p, checkK(op, k));
}

/** The per-sample metric functions by name. */
export const metricFunctions = {
  binaryAccuracy: binaryAccuracyFn,
  categoricalAccuracy: categoricalAccuracyFn,
  sparseCategoricalAccuracy: sparseCategoricalAccuracyFn,
  topKCategoricalAccuracy: topKCategoricalAccuracyFn,
  sparseTopKCategoricalAccuracy: sparseTopKCategoricalAccuracyFn,
};

// ---------------------------------------------------------------------------------------------------------------
// metric classes

export class BinaryAccuracy extends MeanMetricWrapper {
  override readonly className = 'BinaryAccuracy';
  readonly threshold: number;
  constructor(options: { name?: string; threshold?: number } = {}) {
    const threshold = options.threshold ?? 0.5;
    if (typeof threshold !== 'number' || !Number.isFinite(threshold)) throw new ValueError(`BinaryAccuracy: threshold must be a finite number, got ${JSON.stringify(threshold)}`);
    super((t, p) => binaryAccuracyFn(t, p, threshold), options.name ?? 'binary_accuracy');
    this.threshold = threshold;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), threshold: this.threshold };
  }
}

export class CategoricalAccuracy extends MeanMetricWrapper {
  override readonly className = 'CategoricalAccuracy';
  constructor(options: { name?: string } = {}) {
    super(categoricalAccuracyFn, options.name ?? 'categorical_accuracy');
  }
}

export class SparseCategoricalAccuracy extends MeanMetricWrapper {
  override readonly className = 'SparseCategoricalAccuracy';
  constructor(options: { name?: string } = {}) {
    super(sparseCategoricalAccuracyFn, options.name ?? 'sparse_categorical_accuracy');
  }
}

export class TopKCategoricalAccuracy extends MeanMetricWrapper {
  override readonly className = 'TopKCategoricalAccuracy';
  readonly k: number;
  constructor(options: { name?: string; k?: number } = {}) {
    const k = checkK('TopKCategoricalAccuracy', options.k ?? 5);
    super((t, p) => topKCategoricalAccuracyFn(t, p, k), options.name ?? 'top_k_categorical_accuracy');
    this.k = k;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), k: this.k };
  }
}

export class SparseTopKCategoricalAccuracy extends MeanMetricWrapper {
  override readonly className = 'SparseTopKCategoricalAccuracy';
  readonly k: number;
  constructor(options: { name?: string; k?: number } = {}) {
    const k = checkK('SparseTopKCategoricalAccuracy', options.k ?? 5);
    super((t, p) => sparseTopKCategoricalAccuracyFn(t, p, k), options.name ?? 'sparse_top_k_categorical_accuracy');
    this.k = k;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), k: this.k };
  }
}

export class MeanSquaredErrorMetric extends MeanMetricWrapper {
  override readonly className = 'MeanSquaredError';
  constructor(options: { name?: string } = {}) {
    super(meanSquaredErrorFn, options.name ?? 'mean_squared_error');
  }
}

export class MeanAbsoluteErrorMetric extends MeanMetricWrapper {
  override readonly className = 'MeanAbsoluteError';
  constructor(options: { name?: string } = {}) {
    super(meanAbsoluteErrorFn, options.name ?? 'mean_absolute_error');
  }
}

export class HuberMetric extends MeanMetricWrapper {
  override readonly className = 'Huber';
  readonly delta: number;
  constructor(options: { name?: string; delta?: number } = {}) {
    const delta = options.delta ?? 1;
    super((t, p) => huberFn(t, p, delta), options.name ?? 'huber');
    this.delta = delta;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), delta: this.delta };
  }
}

export class BinaryCrossentropyMetric extends MeanMetricWrapper {
  override readonly className = 'BinaryCrossentropy';
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  constructor(options: { name?: string; fromLogits?: boolean; labelSmoothing?: number } = {}) {
    const o = { fromLogits: options.fromLogits ?? false, labelSmoothing: options.labelSmoothing ?? 0 };
    super((t, p) => binaryCrossentropyFn(t, p, o), options.name ?? 'binary_crossentropy');
    this.fromLogits = o.fromLogits;
    this.labelSmoothing = o.labelSmoothing;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing };
  }
}

export class CategoricalCrossentropyMetric extends MeanMetricWrapper {
  override readonly className = 'CategoricalCrossentropy';
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  constructor(options: { name?: string; fromLogits?: boolean; labelSmoothing?: number } = {}) {
    const o = { fromLogits: options.fromLogits ?? false, labelSmoothing: options.labelSmoothing ?? 0 };
    super((t, p) => categoricalCrossentropyFn(t, p, o), options.name ?? 'categorical_crossentropy');
    this.fromLogits = o.fromLogits;
    this.labelSmoothing = o.labelSmoothing;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing };
  }
}

export class SparseCategoricalCrossentropyMetric extends MeanMetricWrapper {
  override readonly className = 'SparseCategoricalCrossentropy';
  readonly fromLogits: boolean;
  constructor(options: { name?: string; fromLogits?: boolean } = {}) {
    const fromLogits = options.fromLogits ?? false;
    super((t, p) => sparseCategoricalCrossentropyFn(t, p, { fromLogits }), options.name ?? 'sparse_categorical_crossentropy');
    this.fromLogits = fromLogits;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), fromLogits: this.fromLogits };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 'accuracy' resolution

export type AccuracyKind = 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy';

/**
 * Which accuracy the string 'accuracy' means for a model (Keras compile_utils.get_metric, with the loss taken
 * into account first):
 *  1. binary cross-entropy loss -> binaryAccuracy (also multi-label outputs with many sigmoid units);
 *     sparse categorical cross-entropy -> sparseCategoricalAccuracy; categorical cross-entropy -> categoricalAccuracy;
 *  2. else a 'sigmoid' output activation -> binaryAccuracy;
 *  3. else by shapes, like Keras: one output unit -> binary; labels of lower rank than yPred, or labels ending in 1
 *     with yPred ending in more than 1 -> sparse categorical; otherwise categorical.
 */
export function resolveAccuracy(
  loss: LossId | null | undefined,
  yTrueShape: readonly number[],
  yPredShape: readonly number[],
  activation?: string | null,
): AccuracyKind {
  const cls = lossClassName(loss);
  if (cls === 'BinaryCrossentropy') return 'binaryAccuracy';
  if (cls === 'SparseCategoricalCrossentropy') return 'sparseCategoricalAccuracy';
  if (cls === 'CategoricalCrossentropy') return 'categoricalAccuracy';
  if (typeof activation === 'string' && registryKey(activation) === 'sigmoid') return 'binaryAccuracy';
  const pLast = yPredShape.length ? yPredShape[yPredShape.length - 1] : 1;
  const tLast = yTrueShape.length ? yTrueShape[yTrueShape.length - 1] : 1;
  if (pLast === 1 || yPredShape.length === 0) return 'binaryAccuracy';
  if (yTrueShape.length < yPredShape.length || (tLast === 1 && pLast > 1)) return 'sparseCategoricalAccuracy';
  return 'categoricalAccuracy';
}

export interface AccuracyOptions {
  name?: string;
  /** the model's loss (name, Loss or spec), consulted first by the resolution rule */
  loss?: LossId | null;
  /** the output activation name ('sigmoid' means binary) */
  activation?: string | null;
  /** threshold of the binary variant */
  threshold?: number;
}

/**
 * 'accuracy': picks binary, categorical or sparse categorical accuracy (see `resolveAccuracy`) at the first
 * update, from the loss given here and the shapes of that batch. `resolved` exposes the chosen metric.
 */
export class Accuracy extends Metric {
  readonly className = 'Accuracy';
  resolved: MeanMetricWrapper | null = null;
  constructor(readonly options: AccuracyOptions = {}) {
    super(options.name ?? 'accuracy');
  }
  update(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike): void {
    if (!this.resolved) {
      const shapeOf = (x: TensorLike): number[] => (x instanceof Tensor ? x.shape.slice() : quietly(() => toTensor(x).shape.slice()));
      const kind = resolveAccuracy(this.options.loss, shapeOf(yTrue), shapeOf(yPred), this.options.activation);
      this.resolved = kind === 'binaryAccuracy' ? new BinaryAccuracy({ name: this.name, threshold: this.options.threshold })
        : kind === 'sparseCategoricalAccuracy' ? new SparseCategoricalAccuracy({ name: this.name })
          : new CategoricalAccuracy({ name: this.name });
    }
    this.resolved.update(yTrue, yPred, sampleWeight);
  }
  result(): number {
    return this.resolved ? this.resolved.result() : 0;
  }
  reset(): void {
    this.resolved?.reset();
  }
  /** The auto form ({name, threshold?}): deserializing resolves again from the new context and shapes. */
  override getConfig(): Record<string, unknown> {
    return { name: this.name, ...(this.options.threshold !== undefined ? { threshold: this.options.threshold } : {}) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// factories

export const accuracy = (options: AccuracyOptions = {}): Accuracy => new Accuracy(options);
export const binaryAccuracy = (options: { name?: string; threshold?: number } = {}): BinaryAccuracy => new BinaryAccuracy(options);
export const categoricalAccuracy = (options: { name?: string } = {}): CategoricalAccuracy => new CategoricalAccuracy(options);
export const sparseCategoricalAccuracy = (options: { name?: string } = {}): SparseCategoricalAccuracy => new SparseCategoricalAccuracy(options);
export const topKCategoricalAccuracy = (options: { name?: string; k?: number } = {}): TopKCategoricalAccuracy => new TopKCategoricalAccuracy(options);
export const sparseTopKCategoricalAccuracy = (options: { name?: string; k?: number } = {}): SparseTopKCategoricalAccuracy =>
  new SparseTopKCategoricalAccuracy(options);
export const meanSquaredError = (options: { name?: string } = {}): MeanSquaredErrorMetric => new MeanSquaredErrorMetric(options);
export const meanAbsoluteError = (options: { name?: string } = {}): MeanAbsoluteErrorMetric => new MeanAbsoluteErrorMetric(options);
export const mse = meanSquaredError;
export const mae = meanAbsoluteError;
export const mean = (options: { name?: string } = {}): Mean => new Mean(options);

// ---------------------------------------------------------------------------------------------------------------
// registry

export type MetricId = string | Metric | MetricFn | MetricSpec;

/** What `getMetric` needs to resolve 'accuracy' (the model's loss and output activation). */
export interface MetricContext {
  loss?: LossId | null;
  activation?: string | null;
}

const registry = new NameRegistry<Metric, MetricContext>({ kind: 'metric', defaultConfigKeys: ['name'] }, [
  {
    className: 'Accuracy', name: 'accuracy', aliases: ['acc'], configKeys: ['name', 'threshold', 'loss', 'activation'],
    // the auto accuracy resolves from the model's loss and activation; a spec's own keys win
    make: (c, context) => new Accuracy({ ...context, ...c } as AccuracyOptions),
  },
  { className: 'BinaryAccuracy', name: 'binaryAccuracy', aliases: [], configKeys: ['name', 'threshold'], make: (c) => new BinaryAccuracy(c) },
  { className: 'CategoricalAccuracy', name: 'categoricalAccuracy', aliases: [], configKeys: ['name'], make: (c) => new CategoricalAccuracy(c) },
  { className: 'SparseCategoricalAccuracy', name: 'sparseCategoricalAccuracy', aliases: [], configKeys: ['name'], make: (c) => new SparseCategoricalAccuracy(c) },
  { className: 'TopKCategoricalAccuracy', name: 'topKCategoricalAccuracy', aliases: [], configKeys: ['name', 'k'], make: (c) => new TopKCategoricalAccuracy(c) },
  {
    className: 'SparseTopKCategoricalAccuracy', name: 'sparseTopKCategoricalAccuracy', aliases: [], configKeys: ['name', 'k'],
    make: (c) => new SparseTopKCategoricalAccuracy(c),
  },
  { className: 'MeanSquaredError', name: 'meanSquaredError', aliases: ['mse'], configKeys: ['name'], make: (c) => new MeanSquaredErrorMetric(c) },
  { className: 'MeanAbsoluteError', name: 'meanAbsoluteError', aliases: ['mae'], configKeys: ['name'], make: (c) => new MeanAbsoluteErrorMetric(c) },
  { className: 'Huber', name: 'huber', aliases: [], configKeys: ['name', 'delta'], make: (c) => new HuberMetric(c) },
  {
    className: 'BinaryCrossentropy', name: 'binaryCrossentropy', aliases: ['bce'], configKeys: ['name', 'fromLogits', 'labelSmoothing'],
    make: (c) => new BinaryCrossentropyMetric(c),
  },
  {
    className: 'CategoricalCrossentropy', name: 'categoricalCrossentropy', aliases: [], configKeys: ['name', 'fromLogits', 'labelSmoothing'],
    make: (c) => new CategoricalCrossentropyMetric(c),
  },
  {
    className: 'SparseCategoricalCrossentropy', name: 'sparseCategoricalCrossentropy', aliases: [], configKeys: ['name', 'fromLogits'],
    make: (c) => new SparseCategoricalCrossentropyMetric(c),
  },
  { className: 'Mean', name: 'mean', aliases: [], configKeys: ['name'], make: (c) => new Mean(c) },
]);

export function metricNames(): string[] {
  return registry.names();
}

/** Registers a custom metric class so names and `{className, config}` find it (a spec may set 'name' unless `configKeys` say otherwise). */
export function registerMetric(className: string, make: ObjectFactory<Metric, MetricContext>, options: RegisterOptions = {}): void {
  registry.register(className, make, options);
}

/**
 * A new Metric from a name (camelCase, snake_case or class name; aliases 'acc', 'mse', 'mae', 'bce'), a
 * `{className, config}` object, a per-sample function (wrapped) or a Metric (returned as is). A metric made from
 * a string is named by that string, like Keras ('mse' logs as 'mse'). 'accuracy'/'acc' resolve with `context`.
 */
export function getMetric(identifier: MetricId, context: MetricContext = {}): Metric {
  if (identifier instanceof Metric) return identifier;
  if (typeof identifier === 'function') return new MeanMetricWrapper(identifier);
  if (typeof identifier === 'string') return registry.fromName(identifier, { name: identifier }, context);
  return registry.fromIdentifier(identifier, 'getMetric: expected a name, a {className, config} object, a Metric or a function', context);
}

export function serializeMetric(metric: Metric): MetricSpec {
  return registry.serialize(metric);
}

export function deserializeMetric(spec: MetricSpec, context: MetricContext = {}): Metric {
  return registry.fromSpec(spec, context);
}

/** The registry as one object: `metrics.get('accuracy', {loss})`, `metrics.binaryAccuracy()`. */
export const metrics = {
  get: getMetric,
  serialize: serializeMetric,
  deserialize: deserializeMetric,
  register: registerMetric,
  names: metricNames,
  resolveAccuracy,
  accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, topKCategoricalAccuracy,
  sparseTopKCategoricalAccuracy, meanSquaredError, meanAbsoluteError, mse, mae, mean,
  functions: metricFunctions,
  Metric, Mean, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
  TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
};
