/**
 * The Layer base class (Keras 3 shape): weights are created in `build(inputShape)`, the computation is `call`,
 * `getConfig()` + the registry rebuild a layer from JSON. Layers know nothing about training loops.
 */
import type { DType } from '../core/dtype.js';
import { DeeptsError, ShapeError, ValueError } from '../core/errors.js';
import { keep } from '../core/memory.js';
import { sizeOf, fmtShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { variable } from '../core/variable.js';
import { assign } from '../core/assign.js';
import { noGrad } from '../core/engine.js';
import { scalar, tensor } from '../ops/create.js';
import { broadcastTo } from '../ops/movement.js';
import { scope } from '../core/memory.js';
import { SymbolicTensor, fmtLayerShape, type CallNode, type LayerShape } from './symbolic.js';

export interface LayerConfig {
  name?: string;
  trainable?: boolean;
  dtype?: DType;
  /** Shape of one sample (without the batch axis), for the first layer of a Sequential model. */
  inputShape?: number[];
  batchSize?: number;
}

export interface CallOptions {
  /** training mode: dropout active, batch statistics in BatchNormalization */
  training?: boolean;
}

/** Anything with a `call(weight) => scalar penalty` (L1/L2 regularizers). */
export interface WeightRegularizer {
  call(w: Tensor): Tensor;
  getConfig(): Record<string, unknown>;
}
/** Anything that makes an initial value (initializers). */
export interface WeightInitializer {
  init(shape: number[], dtype?: DType): Tensor;
}

export interface LayerWeight {
  /** short name inside the layer: kernel, bias, gamma, moving_mean... */
  readonly name: string;
  readonly value: Tensor;
  trainable: boolean;
  readonly regularizer?: WeightRegularizer;
  /** State that is not a parameter (PyTorch's buffers, e.g. BatchNormalization's moving statistics when
   * `countMovingStatistics` is false): saved and loaded like any weight, left out of countParams. */
  readonly buffer?: boolean;
}

let shapeOnlyDepth = 0;
/**
 * Runs `fn` with layers building placeholder weights: each has its shape and dtype, but all of them are views of
 * one zero scalar, so no memory is allocated (like PyTorch's meta device). For counting parameters and printing
 * summaries of big models (VGG16's 138M weights) without materializing them; the weights are read-only zeros,
 * so such a model can run forward but not train or load weights.
 */
export function shapeOnly<T>(fn: () => T): T {
  shapeOnlyDepth++;
  try {
    return fn();
  } finally {
    shapeOnlyDepth--;
  }
}

const nameCounts = new Map<string, number>();
/** Keras-style unique names: dense, dense_1, dense_2... */
export function uniqueName(base: string): string {
  const n = nameCounts.get(base) ?? 0;
  nameCounts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}
/** Forgets generated names (like keras.backend.clear_session) so the next Dense is `dense` again. */
export function clearSession(): void {
  nameCounts.clear();
}

export function toSnakeCase(className: string): string {
  return className
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/(\d)_d\b/g, '$1d');
}

export abstract class Layer {
  /** The registered class name used in configs (e.g. 'Dense'). */
  abstract readonly className: string;
  readonly name: string;
  built = false;
  dtype: DType;
  /** Declared input shape including the batch axis (null = any), when known. */
  batchInputShape?: LayerShape;
  protected readonly layerWeights: LayerWeight[] = [];
  private trainableFlag: boolean;
  /** Symbolic calls of this layer (functional API). */
  readonly inboundNodes: CallNode[] = [];

  constructor(config: LayerConfig = {}, defaultBase?: string) {
    this.name = config.name ?? uniqueName(defaultBase ?? toSnakeCase(new.target.name));
    this.trainableFlag = config.trainable ?? true;
    this.dtype = config.dtype ?? 'float32';
    if (config.inputShape) this.batchInputShape = [config.batchSize ?? null, ...config.inputShape];
  }

  /**
   * Frozen layers keep their weights; BatchNormalization also runs in inference mode when frozen (Keras 3).
   * Setting it on a model (or any layer with sublayers) sets it on every sublayer too, as in Keras 3, so a frozen
   * model's BatchNormalization layers stop updating their moving statistics.
   */
  get trainable(): boolean {
    return this.trainableFlag;
  }
  set trainable(v: boolean) {
    this.trainableFlag = v;
    for (const l of this.subLayers()) l.trainable = v;
  }

  /**
   * The symbolic output of this layer's first call on symbolic tensors (Keras's `layer.output`): with it a
   * model's intermediate results become the outputs of a new model that shares the weights, e.g.
   * `model({inputs: base.inputs, outputs: base.getLayer('pool2').output})`. An array for a layer with several
   * outputs. Layers of a Sequential model are not called symbolically: use `featureExtractor(model, name)`.
   */
  get output(): SymbolicTensor | SymbolicTensor[] {
    const node = this.firstNode('output');
    return node.outputs.length === 1 ? node.outputs[0] : node.outputs;
  }
  /** The symbolic input(s) of this layer's first call on symbolic tensors (Keras's `layer.input`). */
  get input(): SymbolicTensor | SymbolicTensor[] {
    const node = this.firstNode('input');
    if (node.inputs.length === 0) return node.outputs[0]; // an InputLayer: its input is its output, as in Keras
    return node.inputs.length === 1 ? node.inputs[0] : node.inputs;
  }
  private firstNode(what: string): CallNode {
    const node = this.inboundNodes[0];
    if (!node) {
      throw new ValueError(`${this.name}.${what}: the layer has not been called on a symbolic tensor, so it has no symbolic ${what} (layers of a Sequential model are called on data: use featureExtractor(model, layerName))`);
    }
    return node;
  }

  /** Creates the weights for inputs of this shape. Subclasses call super.build at the end. */
  build(_inputShape: LayerShape | LayerShape[]): void {
    this.built = true;
  }

  abstract call(inputs: Tensor | Tensor[], options: CallOptions): Tensor | Tensor[];

  /** Output shape for an input shape (batch axis included, null for unknown). */
  computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape | LayerShape[] {
    return inputShape;
  }

  /**
   * Calls the layer. On symbolic tensors (functional API) it records the call and returns symbolic outputs;
   * on real tensors it builds the layer if needed and computes.
   */
  apply(inputs: SymbolicTensor, options?: CallOptions): SymbolicTensor;
  apply(inputs: SymbolicTensor[], options?: CallOptions): SymbolicTensor | SymbolicTensor[];
  apply(inputs: Tensor, options?: CallOptions): Tensor;
  apply(inputs: Tensor[], options?: CallOptions): Tensor | Tensor[];
  apply(inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[], options: CallOptions = {}): unknown {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length > 0 && list.every((x) => x instanceof SymbolicTensor)) return this.applySymbolic(inputs as SymbolicTensor | SymbolicTensor[]);
    if (list.some((x) => x instanceof SymbolicTensor)) throw new DeeptsError(`${this.name}: cannot mix symbolic and real tensors in one call`);
    const real = inputs as Tensor | Tensor[];
    this.ensureBuilt(Array.isArray(real) ? real.map(shapeOf) : shapeOf(real));
    return this.call(real, options);
  }

  private applySymbolic(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const shapes = Array.isArray(inputs) ? list.map((s) => s.shape) : list[0].shape;
    this.ensureBuilt(shapes);
    const outShape = this.computeOutputShape(shapes);
    const multi = Array.isArray(outShape[0]);
    const outShapes = (multi ? outShape : [outShape]) as LayerShape[];
    const node: CallNode = { layer: this, inputs: list, outputs: [], args: {} };
    outShapes.forEach((s, i) => node.outputs.push(new SymbolicTensor(s, this.dtype, node, i, `${this.name}/output_${i}`)));
    this.inboundNodes.push(node);
    return multi ? node.outputs : node.outputs[0];
  }

  /** @internal */
  ensureBuilt(shape: LayerShape | LayerShape[]): void {
    if (this.built) return;
    this.build(shape);
    this.built = true;
  }

  /** Creates a weight named `${layer}/${name}`; regularizers add to the model's loss. */
  protected addWeight(
    name: string,
    shape: number[],
    init: WeightInitializer,
    options: { trainable?: boolean; regularizer?: WeightRegularizer; dtype?: DType; buffer?: boolean } = {},
  ): Tensor {
    if (this.layerWeights.some((w) => w.name === name)) throw new DeeptsError(`${this.name}: weight ${name} exists already`);
    const dtype = options.dtype ?? this.dtype;
    const initial = shapeOnlyDepth > 0 ? scope(() => broadcastTo(scalar(0, dtype), shape)) : noGrad(() => init.init(shape, dtype));
    const trainable = options.trainable ?? true;
    const v = variable(initial, { name: `${this.name}/${name}`, trainable });
    if (v !== initial) initial.dispose();
    this.layerWeights.push({ name, value: v, trainable, regularizer: options.regularizer, buffer: options.buffer });
    return v;
  }

  /** All weights, trainable first (Keras order), including those of nested layers. */
  get weights(): Tensor[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }
  get trainableWeights(): Tensor[] {
    if (!this.trainable) return [];
    return this.ownWeights().filter((w) => w.trainable).map((w) => w.value);
  }
  get nonTrainableWeights(): Tensor[] {
    const own = this.ownWeights();
    return this.trainable ? own.filter((w) => !w.trainable).map((w) => w.value) : own.map((w) => w.value);
  }
  /** The weights this layer (and its sublayers) declare, in creation order. */
  ownWeights(): LayerWeight[] {
    return [...this.layerWeights, ...this.subLayers().flatMap((l) => l.ownWeights())];
  }
  /** Layers nested inside this one (models, blocks); none for plain layers. */
  subLayers(): Layer[] {
    return [];
  }
  /** Regularization penalties of the trainable weights (scalars to add to the loss). */
  regularizationLosses(): Tensor[] {
    if (!this.trainable) return [];
    const own = this.layerWeights.filter((w) => w.trainable && w.regularizer).map((w) => w.regularizer!.call(w.value));
    return [...own, ...this.subLayers().flatMap((l) => l.regularizationLosses())];
  }

  countParams(): number {
    if (!this.built) throw new DeeptsError(`${this.name}: the layer is not built yet, so it has no weights to count (call it on data or give an inputShape)`);
    const buffers = new Set(this.ownWeights().filter((w) => w.buffer).map((w) => w.value));
    return this.weights.reduce((n, w) => n + (buffers.has(w) ? 0 : sizeOf(w.shape)), 0);
  }

  /** Copies of the weight values (same order as `weights`). */
  getWeights(): Tensor[] {
    return this.weights.map((w) => keep(w.clone()));
  }

  /** Overwrites the weights in `weights` order; shapes must match. */
  setWeights(values: (Tensor | ArrayLike<number>)[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) {
      throw new ValueError(`${this.name}.setWeights: expected ${ws.length} arrays (${ws.map((w) => `${w.name} ${fmtShape(w.shape)}`).join(', ')}), got ${values.length}`);
    }
    ws.forEach((w, i) => {
      const v = values[i];
      const t = v instanceof Tensor ? v : tensor(v as Float32Array, { shape: w.shape.slice(), dtype: w.dtype });
      if (t.size !== w.size) throw new ShapeError(`${this.name}.setWeights: ${w.name} has shape ${fmtShape(w.shape)}, got ${fmtShape(t.shape)}`);
      assign(w, t.shape.length === w.shape.length ? t : t.reshape(w.shape));
    });
  }

  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable, dtype: this.dtype };
    if (this.batchInputShape) {
      config.inputShape = this.batchInputShape.slice(1);
      if (this.batchInputShape[0] !== null) config.batchSize = this.batchInputShape[0];
    }
    return config;
  }

  /** Frees the weights. */
  dispose(): void {
    for (const w of this.layerWeights) w.value.dispose();
    this.layerWeights.length = 0;
    this.built = false;
  }

  toString(): string {
    return `${this.className}(name=${this.name}${this.batchInputShape ? `, inputShape=${fmtLayerShape(this.batchInputShape)}` : ''})`;
  }
}

export function shapeOf(t: Tensor): LayerShape {
  return [null, ...t.shape.slice(1)];
}

/** Checks an input against a declared shape (null = any); the error names the layer and both shapes. */
export function checkInputShape(layer: string, expected: LayerShape, actual: readonly number[]): void {
  const ok = expected.length === actual.length && expected.every((d, i) => d === null || d === actual[i]);
  if (!ok) {
    throw new ShapeError(`${layer}: expected input of shape ${fmtLayerShape(expected)}, got ${fmtShape(actual)}`);
  }
}
