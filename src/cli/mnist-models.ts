/** The networks `deepts train mnist --model NAME` trains. */
import * as layers from '../nn/layers/index.js';
import { sequential, type Model } from '../train/model.js';
import { lenet5, resnetSmall } from '../zoo/index.js';
import { CosineDecay } from '../optim/schedules.js';
import type { LearningRate } from '../optim/optimizer.js';

export interface MnistModelSpec {
  description: string;
  layout: 'flat' | 'image' | 'nhwc';
  optimizer: string;
  epochs: number;
  /** Default --batch-size (128 when absent). */
  batchSize?: number;
  /** The learning rate (schedule) for a run of `totalSteps` updates; `initial` is --lr when given. Default: the optimizer's. */
  learningRate?(totalSteps: number, initial?: number): LearningRate;
  build(): Model;
}

export const mnistModels: Record<string, MnistModelSpec> = {
  mlp: {
    description: 'Dense(512, relu) + Dense(10, softmax), rmsprop: the classic Keras MNIST example',
    layout: 'flat',
    optimizer: 'rmsprop',
    epochs: 5,
    build: () =>
      sequential({
        name: 'mnist_mlp',
        layers: [layers.dense({ units: 512, activation: 'relu', inputShape: [784] }), layers.dense({ units: 10, activation: 'softmax' })],
      }),
  },
  cnn: {
    description: 'two Conv2D(3x3, same)+BatchNorm(momentum 0.9)+ReLU+MaxPool blocks (32, 64 filters), Dropout(0.25), Dense(10, softmax), batch 64, adam with cosine decay from 3e-3',
    layout: 'nhwc',
    optimizer: 'adam',
    epochs: 3,
    batchSize: 64,
    // BatchNorm tolerates a high rate; decaying it to ~0 by the last step gives the 3-epoch run its last ~0.2%
    learningRate: (totalSteps, initial = 3e-3) => new CosineDecay(initial, totalSteps, 0.02),
    build: () =>
      sequential({
        name: 'mnist_cnn',
        layers: [
          layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', inputShape: [28, 28, 1] }),
          // PyTorch's default (its momentum 0.1): Keras's 0.99 leaves the moving variance far from the batch's for the
          // first few hundred steps, so a short run evaluates badly although it trained well
          layers.batchNormalization({ momentum: 0.9 }),
          layers.activation({ activation: 'relu' }),
          layers.maxPooling2d({ poolSize: 2 }),
          layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same' }),
          layers.batchNormalization({ momentum: 0.9 }),
          layers.activation({ activation: 'relu' }),
          layers.maxPooling2d({ poolSize: 2 }),
          layers.flatten(),
          layers.dropout({ rate: 0.25 }),
          layers.dense({ units: 10, activation: 'softmax' }),
        ],
      }),
  },
  lenet5: {
    description: 'LeNet-5 (zoo.lenet5): 28x28 digits zero-padded to 32x32, tanh, average pooling, adam',
    layout: 'nhwc',
    optimizer: 'adam',
    epochs: 3,
    build: () => lenet5({ inputShape: [28, 28, 1], classes: 10 }),
  },
  'resnet-small': {
    description: 'zoo.resnetSmall: 3x3 stem, three residual stages (16, 32, 64 channels), global average pooling, adam',
    layout: 'nhwc',
    optimizer: 'adam',
    epochs: 2,
    build: () => resnetSmall({ inputShape: [28, 28, 1], classes: 10 }),
  },
};
