/** LeNet-5, AlexNet (torchvision) and VGG16 (Keras applications): plain stacks, no branches. */
import { ValueError } from '../core/errors.js';
import * as layers from '../nn/layers/index.js';
import type { SymbolicTensor } from '../nn/symbolic.js';
import { input, model, type Functional } from '../train/model.js';
import { build, chain, headlessPooling, resolveOptions, type ZooOptions } from './common.js';

/**
 * LeNet-5 (LeCun et al. 1998) on 32x32 grayscale: C1 conv 6@5x5, S2 avg pool, C3 conv 16@5x5, S4 avg pool,
 * C5 dense 120, F6 dense 84, output; tanh activations. (The original's sparse C3 connections and RBF output
 * are the usual dense simplifications.) Smaller inputs (MNIST's 28x28) are zero-padded to 32x32 first.
 * 61,706 parameters with 10 classes.
 */
export function lenet5(options: ZooOptions = {}): Functional {
  const o = resolveOptions('lenet5', options, { inputShape: [32, 32, 1], classes: 10, name: 'lenet5' });
  return build(options, () => {
    const img = input({ shape: o.inputShape, name: 'input' });
    let x: SymbolicTensor = img;
    const [h, w] = o.inputShape;
    if (h < 32 || w < 32) {
      const ph = Math.max(32 - h, 0);
      const pw = Math.max(32 - w, 0);
      x = layers.zeroPadding2d({ padding: [[Math.floor(ph / 2), ph - Math.floor(ph / 2)], [Math.floor(pw / 2), pw - Math.floor(pw / 2)]], name: 'pad' }).apply(x);
    }
    x = chain(x,
      layers.conv2d({ filters: 6, kernelSize: 5, activation: 'tanh', name: 'c1' }),
      layers.averagePooling2d({ poolSize: 2, name: 's2' }),
      layers.conv2d({ filters: 16, kernelSize: 5, activation: 'tanh', name: 'c3' }),
      layers.averagePooling2d({ poolSize: 2, name: 's4' }),
    );
    if (o.includeTop) {
      x = chain(x,
        layers.flatten({ name: 'flatten' }),
        layers.dense({ units: 120, activation: 'tanh', name: 'c5' }),
        layers.dense({ units: 84, activation: 'tanh', name: 'f6' }),
        layers.dense({ units: o.classes, activation: o.classifierActivation, name: 'output' }),
      );
    } else {
      x = headlessPooling(x, o.pooling);
    }
    return model({ inputs: img, outputs: x, name: o.name });
  });
}

/**
 * AlexNet as in torchvision (the "one weird trick" variant: 64-192-384-256-256 filters): 61,100,840 parameters
 * for 224x224x3 inputs and 1000 classes. torchvision's adaptive average pool to 6x6 is the identity at 224x224;
 * other sizes whose last feature map is a multiple of 6 get the equivalent average pooling.
 */
export function alexnet(options: ZooOptions = {}): Functional {
  const o = resolveOptions('alexnet', options, { inputShape: [224, 224, 3], name: 'alexnet' });
  return build(options, () => {
    const img = input({ shape: o.inputShape, name: 'input' });
    let x = chain(img,
      layers.conv2d({ filters: 64, kernelSize: 11, strides: 4, padding: 2, activation: 'relu', name: 'features_0' }),
      layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'features_2' }),
      layers.conv2d({ filters: 192, kernelSize: 5, padding: 2, activation: 'relu', name: 'features_3' }),
      layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'features_5' }),
      layers.conv2d({ filters: 384, kernelSize: 3, padding: 1, activation: 'relu', name: 'features_6' }),
      layers.conv2d({ filters: 256, kernelSize: 3, padding: 1, activation: 'relu', name: 'features_8' }),
      layers.conv2d({ filters: 256, kernelSize: 3, padding: 1, activation: 'relu', name: 'features_10' }),
      layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'features_12' }),
    );
    if (o.includeTop) {
      const [, fh, fw] = x.shape as number[];
      if (fh % 6 !== 0 || fw % 6 !== 0) {
        throw new ValueError(`zoo.alexnet: the last feature map is ${fh}x${fw}; the classifier needs 6x6 (or a multiple of 6 to average down), as at 224x224 inputs`);
      }
      if (fh !== 6 || fw !== 6) x = layers.averagePooling2d({ poolSize: [fh / 6, fw / 6], name: 'avgpool' }).apply(x);
      x = chain(x,
        layers.flatten({ name: 'flatten' }),
        layers.dropout({ rate: 0.5, name: 'classifier_0' }),
        layers.dense({ units: 4096, activation: 'relu', name: 'classifier_1' }),
        layers.dropout({ rate: 0.5, name: 'classifier_3' }),
        layers.dense({ units: 4096, activation: 'relu', name: 'classifier_4' }),
        layers.dense({ units: o.classes, activation: o.classifierActivation, name: 'classifier_6' }),
      );
    } else {
      x = headlessPooling(x, o.pooling);
    }
    return model({ inputs: img, outputs: x, name: o.name });
  });
}

/** VGG16 as in Keras applications: 138,357,544 parameters for 224x224x3 and 1000 classes (553 MB of float32). */
export function vgg16(options: ZooOptions = {}): Functional {
  const o = resolveOptions('vgg16', options, { inputShape: [224, 224, 3], name: 'vgg16' });
  return build(options, () => {
    const img = input({ shape: o.inputShape, name: 'input_layer' });
    let x: SymbolicTensor = img;
    const stages = [[64, 2], [128, 2], [256, 3], [512, 3], [512, 3]];
    stages.forEach(([filters, convs], b) => {
      for (let i = 1; i <= convs; i++) {
        x = layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `block${b + 1}_conv${i}` }).apply(x);
      }
      x = layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }).apply(x);
    });
    if (o.includeTop) {
      x = chain(x,
        layers.flatten({ name: 'flatten' }),
        layers.dense({ units: 4096, activation: 'relu', name: 'fc1' }),
        layers.dense({ units: 4096, activation: 'relu', name: 'fc2' }),
        layers.dense({ units: o.classes, activation: o.classifierActivation, name: 'predictions' }),
      );
    } else {
      x = headlessPooling(x, o.pooling);
    }
    return model({ inputs: img, outputs: x, name: o.name });
  });
}
