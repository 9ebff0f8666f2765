/** Core layers: Input, Dense, Activation, Flatten, Reshape, Dropout. */
import { DeeptsError, ShapeError, ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { fmtShape, sizeOf } from '../../core/shape.js';
import { rand } from '../../ops/create.js';
import { matmul } from '../../ops/linalg.js';
import { add, div, less, where } from '../../ops/elementwise.js';
import { reshape } from '../../ops/movement.js';
import { Layer, type CallOptions, type LayerConfig, type WeightInitializer, type WeightRegularizer } from '../layer.js';
import { fmtLayerShape, type LayerShape } from '../symbolic.js';
import { registerLayer } from '../registry.js';
import { getActivation, serializeActivation, type ActivationFn } from '../activations.js';
import { getInitializer, serializeInitializer, type InitializerId } from '../initializers.js';
import { getRegularizer, serializeRegularizer, type RegularizerId } from '../regularizers.js';

const single = (x: Tensor | Tensor[], layer: string): Tensor => {
  if (Array.isArray(x)) {
    if (x.length !== 1) throw new DeeptsError(`${layer}: expected one input, got ${x.length}`);
    return x[0];
  }
  return x;
};
const singleShape = (s: LayerShape | LayerShape[]): LayerShape => (Array.isArray(s[0]) ? (s as LayerShape[])[0] : (s as LayerShape));

export interface InputLayerConfig extends LayerConfig {
  /** shape of one sample */
  shape?: number[];
  batchShape?: (number | null)[];
}

/** The entry of a functional model; `input({shape})` creates one and returns its symbolic output. */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';
  constructor(config: InputLayerConfig = {}) {
    super(config, 'input_layer');
    const batchShape = config.batchShape ?? (config.shape ? [config.batchSize ?? null, ...config.shape] : this.batchInputShape);
    if (!batchShape) throw new ValueError('input: give the shape of one sample, e.g. input({shape: [784]})');
    this.batchInputShape = batchShape.slice();
    this.built = true;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return single(inputs, this.name);
  }
  override getConfig(): Record<string, unknown> {
    return { name: this.name, dtype: this.dtype, batchShape: this.batchInputShape };
  }
}

export interface DenseConfig extends LayerConfig {
  units: number;
  activation?: string | ActivationFn;
  useBias?: boolean;
  kernelInitializer?: InitializerId;
  biasInitializer?: InitializerId;
  kernelRegularizer?: RegularizerId;
  biasRegularizer?: RegularizerId;
}

/** y = activation(x @ kernel + bias) on the last axis. kernel: [inputDim, units]. */
export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  private readonly kernelInitializer: WeightInitializer;
  private readonly biasInitializer: WeightInitializer;
  private readonly kernelRegularizer?: WeightRegularizer;
  private readonly biasRegularizer?: WeightRegularizer;
  kernel?: Tensor;
  bias?: Tensor;

  constructor(config: DenseConfig) {
    super(config);
    if (!Number.isInteger(config.units) || config.units <= 0) throw new ValueError(`dense: units must be a positive integer, got ${config.units}`);
    this.units = config.units;
    this.activation = getActivation(config.activation ?? 'linear');
    this.useBias = config.useBias ?? true;
    this.kernelInitializer = getInitializer(config.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(config.biasInitializer ?? 'zeros');
    this.kernelRegularizer = config.kernelRegularizer ? getRegularizer(config.kernelRegularizer) : undefined;
    this.biasRegularizer = config.biasRegularizer ? getRegularizer(config.biasRegularizer) : undefined;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const s = singleShape(inputShape);
    const inputDim = s[s.length - 1];
    if (inputDim === null || inputDim === undefined) throw new ShapeError(`${this.name}: the last input dimension must be known, got ${fmtLayerShape(s)}`);
    this.kernel = this.addWeight('kernel', [inputDim, this.units], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInitializer, { regularizer: this.biasRegularizer });
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    return [...s.slice(0, -1), this.units];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs, this.name);
    const kernel = this.kernel!;
    if (x.rank < 1 || x.shape[x.rank - 1] !== kernel.shape[0]) {
      throw new ShapeError(`${this.name}: expected inputs with last dimension ${kernel.shape[0]}, got ${fmtShape(x.shape)}`);
    }
    // flatten leading axes so the product is one 2-D GEMM
    const flat = x.rank === 2 ? x : reshape(x, [-1, kernel.shape[0]]);
    let y = matmul(flat, kernel);
    if (this.bias) y = add(y, this.bias);
    if (x.rank !== 2) y = reshape(y, [...x.shape.slice(0, -1), this.units]);
    return this.activation(y);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: serializeActivation(this.activation),
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: this.kernelRegularizer ? serializeRegularizer(this.kernelRegularizer) : null,
      biasRegularizer: this.biasRegularizer ? serializeRegularizer(this.biasRegularizer) : null,
    };
  }
}

/** Applies an activation function by name (relu, softmax, ...). */
export class Activation extends Layer {
  readonly className = 'Activation';
  readonly activation: ActivationFn;
  constructor(config: LayerConfig & { activation: string | ActivationFn }) {
    super(config);
    this.activation = getActivation(config.activation);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return this.activation(single(inputs, this.name));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: serializeActivation(this.activation) };
  }
}

/** Flattens every axis but the batch axis. */
export class Flatten extends Layer {
  readonly className = 'Flatten';
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    const rest = s.slice(1);
    return [s[0], rest.some((d) => d === null) ? null : sizeOf(rest as number[])];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs, this.name);
    return reshape(x, [x.shape[0], -1]);
  }
}

/** Reshapes each sample to `targetShape` (one entry may be -1). */
export class Reshape extends Layer {
  readonly className = 'Reshape';
  readonly targetShape: number[];
  constructor(config: LayerConfig & { targetShape: number[] }) {
    super(config);
    if (!Array.isArray(config.targetShape)) throw new ValueError('reshape: targetShape must be an array of integers');
    this.targetShape = config.targetShape.slice();
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    const rest = s.slice(1);
    if (rest.some((d) => d === null)) return [s[0], ...this.targetShape.map((d) => (d === -1 ? null : d))];
    const total = sizeOf(rest as number[]);
    const known = this.targetShape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
    const target = this.targetShape.map((d) => (d === -1 ? total / known : d));
    if (sizeOf(target) !== total || !target.every(Number.isInteger)) {
      throw new ShapeError(`${this.name}: cannot reshape samples of shape ${fmtLayerShape(rest)} into ${fmtShape(this.targetShape)}`);
    }
    return [s[0], ...target];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs, this.name);
    return reshape(x, [x.shape[0], ...this.targetShape]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }
}

/** Zeroes a fraction `rate` of the inputs during training and scales the rest by 1/(1-rate). */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  constructor(config: LayerConfig & { rate: number }) {
    super(config);
    if (!(config.rate >= 0 && config.rate < 1)) throw new ValueError(`dropout: rate must be in [0, 1), got ${config.rate}`);
    this.rate = config.rate;
  }
  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor {
    const x = single(inputs, this.name);
    if (!options.training || this.rate === 0) return x;
    const keepMask = less(rand(x.shape.slice(), { dtype: x.dtype }), 1 - this.rate);
    return div(where(keepMask, x, 0), 1 - this.rate);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate };
  }
}

registerLayer('InputLayer', (c) => new InputLayer(c as InputLayerConfig));
registerLayer('Dense', (c) => new Dense(c as unknown as DenseConfig));
registerLayer('Activation', (c) => new Activation(c as unknown as LayerConfig & { activation: string }));
registerLayer('Flatten', (c) => new Flatten(c as LayerConfig));
registerLayer('Reshape', (c) => new Reshape(c as unknown as LayerConfig & { targetShape: number[] }));
registerLayer('Dropout', (c) => new Dropout(c as unknown as LayerConfig & { rate: number }));
