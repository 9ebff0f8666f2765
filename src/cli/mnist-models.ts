/** The networks `deepts train mnist --model NAME` trains. */
import * as layers from '../nn/layers/index.js';
import { sequential, type Model } from '../train/model.js';

export interface MnistModelSpec {
  description: string;
  layout: 'flat' | 'image' | 'nhwc';
  optimizer: string;
  epochs: number;
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
};
