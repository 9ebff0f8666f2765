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
