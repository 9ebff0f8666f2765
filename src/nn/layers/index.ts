/** Layer factories in camelCase, like tfjs-layers: `layers.dense({units: 10})`. */
import { Activation, Dense, Dropout, Flatten, InputLayer, Reshape, type DenseConfig, type InputLayerConfig } from './core.js';
import { BatchNormalization, type BatchNormalizationConfig } from './normalization.js';
import type { LayerConfig } from '../layer.js';
import type { ActivationFn } from '../activations.js';

export { Activation, Dense, Dropout, Flatten, InputLayer, Reshape, BatchNormalization };
export type { DenseConfig, InputLayerConfig, BatchNormalizationConfig };

export const dense = (config: DenseConfig): Dense => new Dense(config);
export const activation = (config: LayerConfig & { activation: string | ActivationFn }): Activation => new Activation(config);
export const flatten = (config: LayerConfig = {}): Flatten => new Flatten(config);
export const reshape = (config: LayerConfig & { targetShape: number[] }): Reshape => new Reshape(config);
export const dropout = (config: LayerConfig & { rate: number }): Dropout => new Dropout(config);
export const batchNormalization = (config: BatchNormalizationConfig = {}): BatchNormalization => new BatchNormalization(config);
export const inputLayer = (config: InputLayerConfig): InputLayer => new InputLayer(config);

// ---- convolution, pooling, reshaping and merge layers ----
import { Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, type Conv2DConfig, type Conv2DTransposeConfig, type DepthwiseConv2DConfig, type SeparableConv2DConfig } from './conv.js';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, type GlobalPooling2DConfig, type Pooling2DConfig } from './pooling.js';
import { UpSampling2D, ZeroPadding2D, type UpSampling2DConfig, type ZeroPadding2DConfig } from './reshaping.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from './merge.js';

export { Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D };
export { ZeroPadding2D, UpSampling2D, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate };
export type { Conv2DConfig, Conv2DTransposeConfig, DepthwiseConv2DConfig, SeparableConv2DConfig, Pooling2DConfig, GlobalPooling2DConfig, ZeroPadding2DConfig, UpSampling2DConfig };

export const conv2d = (config: Conv2DConfig): Conv2D => new Conv2D(config);
export const conv2dTranspose = (config: Conv2DTransposeConfig): Conv2DTranspose => new Conv2DTranspose(config);
export const depthwiseConv2d = (config: DepthwiseConv2DConfig): DepthwiseConv2D => new DepthwiseConv2D(config);
export const separableConv2d = (config: SeparableConv2DConfig): SeparableConv2D => new SeparableConv2D(config);
export const maxPooling2d = (config: Pooling2DConfig = {}): MaxPooling2D => new MaxPooling2D(config);
export const averagePooling2d = (config: Pooling2DConfig = {}): AveragePooling2D => new AveragePooling2D(config);
export const globalAveragePooling2d = (config: GlobalPooling2DConfig = {}): GlobalAveragePooling2D => new GlobalAveragePooling2D(config);
export const globalMaxPooling2d = (config: GlobalPooling2DConfig = {}): GlobalMaxPooling2D => new GlobalMaxPooling2D(config);
export const zeroPadding2d = (config: ZeroPadding2DConfig = {}): ZeroPadding2D => new ZeroPadding2D(config);
export const upSampling2d = (config: UpSampling2DConfig = {}): UpSampling2D => new UpSampling2D(config);
export const add = (config: LayerConfig = {}): Add => new Add(config);
export const subtract = (config: LayerConfig = {}): Subtract => new Subtract(config);
export const multiply = (config: LayerConfig = {}): Multiply => new Multiply(config);
export const average = (config: LayerConfig = {}): Average => new Average(config);
export const maximum = (config: LayerConfig = {}): Maximum => new Maximum(config);
export const minimum = (config: LayerConfig = {}): Minimum => new Minimum(config);
export const concatenate = (config: LayerConfig & { axis?: number } = {}): Concatenate => new Concatenate(config);
