/**
 * Convolution layers (Keras 3): Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D. Channels-last by
 * default, `dataFormat: 'channelsFirst'` accepted; kernels are HWIO in both formats. Weight names and parameter
 * counts match Keras: `kernel` [kh, kw, cin/groups, filters] + `bias`; Conv2DTranspose `kernel` [kh, kw, filters,
 * cin]; DepthwiseConv2D `kernel` [kh, kw, cin, depthMultiplier]; SeparableConv2D `depthwise_kernel`,
 * `pointwise_kernel` [1, 1, cin*depthMultiplier, filters] + `bias`.
 *
 * Beyond Keras, `padding` also takes numbers like PyTorch (`padding: 3` pads 3 on every side; [ph, pw];
 * [[top, bottom], [left, right]]), so ports of torchvision models keep their exact windows.
 */
import { ShapeError, ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { add } from '../../ops/elementwise.js';
import { reshape } from '../../ops/movement.js';
import { conv2d, conv2dTranspose, depthwiseConv2d, separableConv2d } from '../../ops/conv.js';
import { convOutputLength, convTransposeLength, normalizeDataFormat, normalizePadding, pair, type DataFormat, type Pair, type Padding } from '../../ops/conv-utils.js';
import { Layer, type LayerConfig, type WeightInitializer, type WeightRegularizer } from '../layer.js';
import { fmtLayerShape, type LayerShape } from '../symbolic.js';
import { registerLayer } from '../registry.js';
import { getActivation, serializeActivation, type ActivationFn } from '../activations.js';
import { getInitializer, serializeInitializer, type InitializerId } from '../initializers.js';
import { getRegularizer, serializeRegularizer, type RegularizerId } from '../regularizers.js';

/** The one input of a single-input layer. */
export function singleInput(x: Tensor | Tensor[], layer: string): Tensor {
  if (Array.isArray(x)) {
    if (x.length !== 1) throw new ValueError(`${layer}: expected one input, got ${x.length}`);
    return x[0];
  }
  return x;
}
export const singleShape = (s: LayerShape | LayerShape[]): LayerShape => (Array.isArray(s[0]) ? (s as LayerShape[])[0] : (s as LayerShape));

/** [height, width, channels] of a rank-4 layer shape in the given data format. */
export function spatialOf(layer: string, s: LayerShape, format: DataFormat): { h: number | null; w: number | null; c: number | null } {
  if (s.length !== 4) throw new ShapeError(`${layer}: expected a rank-4 input (batch, ${format === 'channelsFirst' ? 'channels, height, width' : 'height, width, channels'}), got ${fmtLayerShape(s)}`);
  return format === 'channelsFirst' ? { h: s[2], w: s[3], c: s[1] } : { h: s[1], w: s[2], c: s[3] };
}
/** A rank-4 layer shape from its parts. */
export function makeShape(batch: number | null, h: number | null, w: number | null, c: number | null, format: DataFormat): LayerShape {
  return format === 'channelsFirst' ? [batch, c, h, w] : [batch, h, w, c];
}

/** JSON form of a padding: 'valid', 'same' or [[top, bottom], [left, right]]. */
function paddingConfig(p: ReturnType<typeof normalizePadding>): Padding {
  return typeof p === 'string' ? p : [[p[0][0], p[0][1]], [p[1][0], p[1][1]]];
}

export interface BaseConvConfig extends LayerConfig {
  kernelSize: Pair;
  strides?: Pair;
  padding?: Padding;
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
  dilationRate?: Pair;
  activation?: string | ActivationFn | null;
  useBias?: boolean;
  biasInitializer?: InitializerId;
  biasRegularizer?: RegularizerId;
}

/** Options and bias handling shared by the convolution layers. */
abstract class BaseConv extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: ReturnType<typeof normalizePadding>;
  readonly dataFormat: DataFormat;
  readonly dilationRate: [number, number];
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  protected readonly biasInitializer: WeightInitializer;
  protected readonly biasRegularizer?: WeightRegularizer;
  bias?: Tensor;

  constructor(config: BaseConvConfig, op: string, nameBase?: string) {
    super(config, nameBase);
    this.kernelSize = pair(op, 'kernelSize', config.kernelSize, 0);
    this.strides = pair(op, 'strides', config.strides, 1);
    this.padding = normalizePadding(op, config.padding);
    this.dataFormat = normalizeDataFormat(op, config.dataFormat);
    this.dilationRate = pair(op, 'dilationRate', config.dilationRate, 1);
    this.activation = getActivation(config.activation ?? 'linear');
    this.useBias = config.useBias ?? true;
    this.biasInitializer = getInitializer(config.biasInitializer ?? 'zeros');
    this.biasRegularizer = config.biasRegularizer ? getRegularizer(config.biasRegularizer) : undefined;
  }

  /** The known channel count of the input, or a ShapeError. */
  protected inputChannels(inputShape: LayerShape | LayerShape[]): number {
    const s = singleShape(inputShape);
    const { c } = spatialOf(this.name, s, this.dataFormat);
    if (c === null) throw new ShapeError(`${this.name}: the channel dimension of the input must be known, got ${fmtLayerShape(s)}`);
    return c;
  }

  protected addBias(units: number): void {
    if (this.useBias) this.bias = this.addWeight('bias', [units], this.biasInitializer, { regularizer: this.biasRegularizer });
  }

  /** bias + activation on a conv output in this layer's format. */
  protected finish(y: Tensor): Tensor {
    if (this.bias) y = add(y, this.dataFormat === 'channelsFirst' ? reshape(this.bias, [1, this.bias.shape[0], 1, 1]) : this.bias);
    return this.activation(y);
  }

  protected convOutputShape(inputShape: LayerShape | LayerShape[], channels: number | null): LayerShape {
    const s = singleShape(inputShape);
    const { h, w } = spatialOf(this.name, s, this.dataFormat);
    const oh = convOutputLength(h, this.kernelSize[0], this.strides[0], this.dilationRate[0], this.padding, 0);
    const ow = convOutputLength(w, this.kernelSize[1], this.strides[1], this.dilationRate[1], this.padding, 1);
    if ((oh !== null && oh < 1) || (ow !== null && ow < 1)) {
      throw new ShapeError(`${this.name}: input ${fmtLayerShape(s)} is too small for the ${this.kernelSize.join('x')} kernel${this.dilationRate.some((d) => d > 1) ? ` dilated by ${JSON.stringify(this.dilationRate)}` : ''} with padding ${JSON.stringify(this.padding)}`);
    }
    return makeShape(s[0], oh, ow, channels, this.dataFormat);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      kernelSize: this.kernelSize, strides: this.strides, padding: paddingConfig(this.padding), dataFormat: this.dataFormat,
      dilationRate: this.dilationRate, activation: serializeActivation(this.activation), useBias: this.useBias,
      biasInitializer: serializeInitializer(this.biasInitializer),
      biasRegularizer: this.biasRegularizer ? serializeRegularizer(this.biasRegularizer) : null,
    };
  }
}

export interface Conv2DConfig extends BaseConvConfig {
  filters: number;
  groups?: number;
  kernelInitializer?: InitializerId;
  kernelRegularizer?: RegularizerId;
}

function checkFilters(op: string, filters: unknown): number {
  if (!Number.isInteger(filters) || (filters as number) <= 0) throw new ValueError(`${op}: filters must be a positive integer, got ${JSON.stringify(filters)}`);
  return filters as number;
}

/** 2-D convolution: activation(conv2d(x, kernel) + bias). kernel [kh, kw, cin/groups, filters]. */
export class Conv2D extends BaseConv {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly groups: number;
  private readonly kernelInitializer: WeightInitializer;
  private readonly kernelRegularizer?: WeightRegularizer;
  kernel?: Tensor;

  constructor(config: Conv2DConfig) {
    super(config, 'conv2d');
    this.filters = checkFilters('conv2d', config.filters);
    this.groups = config.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups < 1 || this.filters % this.groups !== 0) {
      throw new ValueError(`conv2d: groups must be a positive integer dividing filters (${this.filters}), got ${JSON.stringify(config.groups)}`);
    }
    this.kernelInitializer = getInitializer(config.kernelInitializer ?? 'glorotUniform');
    this.kernelRegularizer = config.kernelRegularizer ? getRegularizer(config.kernelRegularizer) : undefined;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const c = this.inputChannels(inputShape);
    if (c % this.groups !== 0) throw new ShapeError(`${this.name}: ${c} input channels do not split into ${this.groups} groups`);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, c / this.groups, this.filters], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    this.addBias(this.filters);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return this.convOutputShape(inputShape, this.filters);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = singleInput(inputs, this.name);
    return this.finish(conv2d(x, this.kernel!, { strides: this.strides, padding: this.padding, dilations: this.dilationRate, groups: this.groups, dataFormat: this.dataFormat }));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, groups: this.groups,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      kernelRegularizer: this.kernelRegularizer ? serializeRegularizer(this.kernelRegularizer) : null,
    };
  }
}

export interface Conv2DTransposeConfig extends BaseConvConfig {
  filters: number;
  outputPadding?: Pair | null;
  kernelInitializer?: InitializerId;
  kernelRegularizer?: RegularizerId;
}

/**
 * Transposed convolution (Keras Conv2DTranspose): kernel [kh, kw, filters, cin]. Output size per spatial axis:
 * 'same' -> in * stride; 'valid' -> (in - 1) * stride + max(k, stride); with outputPadding Keras's formulas.
 */
export class Conv2DTranspose extends BaseConv {
  readonly className = 'Conv2DTranspose';
  readonly filters: number;
  readonly outputPadding: [number, number] | null;
  private readonly kernelInitializer: WeightInitializer;
  private readonly kernelRegularizer?: WeightRegularizer;
  kernel?: Tensor;

  constructor(config: Conv2DTransposeConfig) {
    super(config, 'conv2dTranspose', 'conv2d_transpose');
    this.filters = checkFilters('conv2dTranspose', config.filters);
    const op = config.outputPadding;
    this.outputPadding = op === undefined || op === null ? null : typeof op === 'number' ? [op, op] : [op[0], op[1]];
    if (this.outputPadding && !this.outputPadding.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new ValueError(`conv2dTranspose: outputPadding must be non-negative integers, got ${JSON.stringify(op)}`);
    }
    this.kernelInitializer = getInitializer(config.kernelInitializer ?? 'glorotUniform');
    this.kernelRegularizer = config.kernelRegularizer ? getRegularizer(config.kernelRegularizer) : undefined;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const c = this.inputChannels(inputShape);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, this.filters, c], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    this.addBias(this.filters);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    const { h, w } = spatialOf(this.name, s, this.dataFormat);
    const len = (size: number | null, a: 0 | 1): number | null =>
      size === null ? null : convTransposeLength(size, this.kernelSize[a], this.strides[a], this.dilationRate[a], this.padding, this.outputPadding ? this.outputPadding[a] : null, a).length;
    return makeShape(s[0], len(h, 0), len(w, 1), this.filters, this.dataFormat);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = singleInput(inputs, this.name);
    return this.finish(conv2dTranspose(x, this.kernel!, {
      strides: this.strides, padding: this.padding, outputPadding: this.outputPadding, dilations: this.dilationRate, dataFormat: this.dataFormat,
    }));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, outputPadding: this.outputPadding,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      kernelRegularizer: this.kernelRegularizer ? serializeRegularizer(this.kernelRegularizer) : null,
    };
  }
}

export interface DepthwiseConv2DConfig extends BaseConvConfig {
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerId;
  depthwiseRegularizer?: RegularizerId;
}

function checkMultiplier(op: string, m: unknown): number {
  const v = m ?? 1;
  if (!Number.isInteger(v) || (v as number) < 1) throw new ValueError(`${op}: depthMultiplier must be a positive integer, got ${JSON.stringify(m)}`);
  return v as number;
}

/** Depthwise convolution: each channel with its own depthMultiplier filters. kernel [kh, kw, cin, depthMultiplier]. */
export class DepthwiseConv2D extends BaseConv {
  readonly className = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  private readonly depthwiseInitializer: WeightInitializer;
  private readonly depthwiseRegularizer?: WeightRegularizer;
  kernel?: Tensor;

  constructor(config: DepthwiseConv2DConfig) {
    super(config, 'depthwiseConv2d');
    this.depthMultiplier = checkMultiplier('depthwiseConv2d', config.depthMultiplier);
    this.depthwiseInitializer = getInitializer(config.depthwiseInitializer ?? 'glorotUniform');
    this.depthwiseRegularizer = config.depthwiseRegularizer ? getRegularizer(config.depthwiseRegularizer) : undefined;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const c = this.inputChannels(inputShape);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, c, this.depthMultiplier], this.depthwiseInitializer, { regularizer: this.depthwiseRegularizer });
    this.addBias(c * this.depthMultiplier);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const c = spatialOf(this.name, singleShape(inputShape), this.dataFormat).c;
    return this.convOutputShape(inputShape, c === null ? null : c * this.depthMultiplier);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = singleInput(inputs, this.name);
    return this.finish(depthwiseConv2d(x, this.kernel!, { strides: this.strides, padding: this.padding, dilations: this.dilationRate, dataFormat: this.dataFormat }));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), depthMultiplier: this.depthMultiplier,
      depthwiseInitializer: serializeInitializer(this.depthwiseInitializer),
      depthwiseRegularizer: this.depthwiseRegularizer ? serializeRegularizer(this.depthwiseRegularizer) : null,
    };
  }
}

export interface SeparableConv2DConfig extends BaseConvConfig {
  filters: number;
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerId;
  pointwiseInitializer?: InitializerId;
  depthwiseRegularizer?: RegularizerId;
  pointwiseRegularizer?: RegularizerId;
}

/** Depthwise convolution, then a 1x1 convolution to `filters` channels, then bias and activation. */
export class SeparableConv2D extends BaseConv {
  readonly className = 'SeparableConv2D';
  readonly filters: number;
  readonly depthMultiplier: number;
  private readonly depthwiseInitializer: WeightInitializer;
  private readonly pointwiseInitializer: WeightInitializer;
  private readonly depthwiseRegularizer?: WeightRegularizer;
  private readonly pointwiseRegularizer?: WeightRegularizer;
  depthwiseKernel?: Tensor;
  pointwiseKernel?: Tensor;

  constructor(config: SeparableConv2DConfig) {
    super(config, 'separableConv2d');
    this.filters = checkFilters('separableConv2d', config.filters);
    this.depthMultiplier = checkMultiplier('separableConv2d', config.depthMultiplier);
    this.depthwiseInitializer = getInitializer(config.depthwiseInitializer ?? 'glorotUniform');
    this.pointwiseInitializer = getInitializer(config.pointwiseInitializer ?? 'glorotUniform');
    this.depthwiseRegularizer = config.depthwiseRegularizer ? getRegularizer(config.depthwiseRegularizer) : undefined;
    this.pointwiseRegularizer = config.pointwiseRegularizer ? getRegularizer(config.pointwiseRegularizer) : undefined;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const c = this.inputChannels(inputShape);
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [...this.kernelSize, c, this.depthMultiplier], this.depthwiseInitializer, { regularizer: this.depthwiseRegularizer });
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, c * this.depthMultiplier, this.filters], this.pointwiseInitializer, { regularizer: this.pointwiseRegularizer });
    this.addBias(this.filters);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return this.convOutputShape(inputShape, this.filters);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = singleInput(inputs, this.name);
    return this.finish(separableConv2d(x, this.depthwiseKernel!, this.pointwiseKernel!, { strides: this.strides, padding: this.padding, dilations: this.dilationRate, dataFormat: this.dataFormat }));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, depthMultiplier: this.depthMultiplier,
      depthwiseInitializer: serializeInitializer(this.depthwiseInitializer),
      pointwiseInitializer: serializeInitializer(this.pointwiseInitializer),
      depthwiseRegularizer: this.depthwiseRegularizer ? serializeRegularizer(this.depthwiseRegularizer) : null,
      pointwiseRegularizer: this.pointwiseRegularizer ? serializeRegularizer(this.pointwiseRegularizer) : null,
    };
  }
}

registerLayer('Conv2D', (c) => new Conv2D(c as unknown as Conv2DConfig));
registerLayer('Convolution2D', (c) => new Conv2D(c as unknown as Conv2DConfig));
registerLayer('Conv2DTranspose', (c) => new Conv2DTranspose(c as unknown as Conv2DTransposeConfig));
registerLayer('Convolution2DTranspose', (c) => new Conv2DTranspose(c as unknown as Conv2DTransposeConfig));
registerLayer('DepthwiseConv2D', (c) => new DepthwiseConv2D(c as unknown as DepthwiseConv2DConfig));
registerLayer('SeparableConv2D', (c) => new SeparableConv2D(c as unknown as SeparableConv2DConfig));
registerLayer('SeparableConvolution2D', (c) => new SeparableConv2D(c as unknown as SeparableConv2DConfig));
