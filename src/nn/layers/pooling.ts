/**
 * Pooling layers (Keras 3): MaxPooling2D, AveragePooling2D (poolSize 2, strides = poolSize, padding 'valid'),
 * GlobalAveragePooling2D, GlobalMaxPooling2D (keepdims false). No weights. Like the conv layers, `padding` also
 * takes numbers (PyTorch's `padding=`; pads must be smaller than the window).
 */
import type { Tensor } from '../../core/tensor.js';
import { avgPool2d, maxPool2d } from '../../ops/conv.js';
import { convOutputLength, normalizeDataFormat, normalizePadding, pair, type DataFormat, type Pair, type Padding } from '../../ops/conv-utils.js';
import { max, mean } from '../../ops/reduce.js';
import { Layer, type LayerConfig } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { registerLayer } from '../registry.js';
import { makeShape, singleInput, singleShape, spatialOf } from './conv.js';

export interface Pooling2DConfig extends LayerConfig {
  /** default 2 */
  poolSize?: Pair;
  /** default: poolSize */
  strides?: Pair | null;
  padding?: Padding;
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
}

abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: ReturnType<typeof normalizePadding>;
  readonly dataFormat: DataFormat;

  constructor(config: Pooling2DConfig, op: string) {
    super(config);
    this.poolSize = pair(op, 'poolSize', config.poolSize, 2);
    this.strides = config.strides === undefined || config.strides === null ? this.poolSize : pair(op, 'strides', config.strides, 1);
    this.padding = normalizePadding(op, config.padding);
    this.dataFormat = normalizeDataFormat(op, config.dataFormat);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    const { h, w, c } = spatialOf(this.name, s, this.dataFormat);
    const oh = convOutputLength(h, this.poolSize[0], this.strides[0], 1, this.padding, 0);
    const ow = convOutputLength(w, this.poolSize[1], this.strides[1], 1, this.padding, 1);
    return makeShape(s[0], oh, ow, c, this.dataFormat);
  }

  protected options(): { poolSize: [number, number]; strides: [number, number]; padding: Padding; dataFormat: DataFormat } {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding, dataFormat: this.dataFormat };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding, dataFormat: this.dataFormat };
  }
}

/** Max over poolSize windows. */
export class MaxPooling2D extends Pooling2D {
  readonly className = 'MaxPooling2D';
  constructor(config: Pooling2DConfig = {}) {
    super(config, 'maxPooling2d');
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return maxPool2d(singleInput(inputs, this.name), this.options());
  }
}

/** Mean over poolSize windows ('same': each window averages only its positions inside the input). */
export class AveragePooling2D extends Pooling2D {
  readonly className = 'AveragePooling2D';
  constructor(config: Pooling2DConfig = {}) {
    super(config, 'averagePooling2d');
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return avgPool2d(singleInput(inputs, this.name), this.options());
  }
}

export interface GlobalPooling2DConfig extends LayerConfig {
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
  /** keep the spatial axes as size 1 (default false: output [batch, channels]) */
  keepdims?: boolean;
}

abstract class GlobalPooling2D extends Layer {
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;
  constructor(config: GlobalPooling2DConfig, op: string) {
    super(config);
    this.dataFormat = normalizeDataFormat(op, config.dataFormat);
    this.keepdims = config.keepdims ?? false;
  }
  protected get axes(): number[] {
    return this.dataFormat === 'channelsFirst' ? [2, 3] : [1, 2];
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    const { c } = spatialOf(this.name, s, this.dataFormat);
    return this.keepdims ? makeShape(s[0], 1, 1, c, this.dataFormat) : [s[0], c];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dataFormat: this.dataFormat, keepdims: this.keepdims };
  }
}

/** Mean over height and width. */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  readonly className = 'GlobalAveragePooling2D';
  constructor(config: GlobalPooling2DConfig = {}) {
    super(config, 'globalAveragePooling2d');
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = singleInput(inputs, this.name);
    spatialOf(this.name, x.shape.slice(), this.dataFormat);
    return mean(x, this.axes, this.keepdims);
  }
}

/** Max over height and width. */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  readonly className = 'GlobalMaxPooling2D';
  constructor(config: GlobalPooling2DConfig = {}) {
    super(config, 'globalMaxPooling2d');
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = singleInput(inputs, this.name);
    spatialOf(this.name, x.shape.slice(), this.dataFormat);
    return max(x, this.axes, this.keepdims);
  }
}

registerLayer('MaxPooling2D', (c) => new MaxPooling2D(c as Pooling2DConfig));
registerLayer('MaxPool2D', (c) => new MaxPooling2D(c as Pooling2DConfig));
registerLayer('AveragePooling2D', (c) => new AveragePooling2D(c as Pooling2DConfig));
registerLayer('AvgPool2D', (c) => new AveragePooling2D(c as Pooling2DConfig));
registerLayer('GlobalAveragePooling2D', (c) => new GlobalAveragePooling2D(c as GlobalPooling2DConfig));
registerLayer('GlobalAvgPool2D', (c) => new GlobalAveragePooling2D(c as GlobalPooling2DConfig));
registerLayer('GlobalMaxPooling2D', (c) => new GlobalMaxPooling2D(c as GlobalPooling2DConfig));
registerLayer('GlobalMaxPool2D', (c) => new GlobalMaxPooling2D(c as GlobalPooling2DConfig));
