/** GoogLeNet (Inception v1) as in torchvision, without the auxiliary classifiers. */
import * as layers from '../nn/layers/index.js';
import type { SymbolicTensor } from '../nn/symbolic.js';
import type { Padding } from '../ops/conv-utils.js';
import { input, model, type Functional } from '../train/model.js';
import { block, build, chain, headlessPooling, resolveOptions, type ZooOptions } from './common.js';

/** torchvision's BasicConv2d: convolution without bias, BatchNormalization (epsilon 0.001), ReLU. */
function basicConv(x: SymbolicTensor, filters: number, kernelSize: number, name: string, o: { strides?: number; padding?: Padding } = {}): SymbolicTensor {
  return chain(x,
    layers.conv2d({ filters, kernelSize, strides: o.strides ?? 1, padding: o.padding ?? 0, useBias: false, name: `${name}_conv` }),
    layers.batchNormalization({ epsilon: 0.001, momentum: 0.9, countMovingStatistics: false, name: `${name}_bn` }),
    layers.activation({ activation: 'relu', name: `${name}_relu` }),
  );
}

/**
 * An inception module: 1x1 | 1x1 -> 3x3 | 1x1 -> "5x5" | 3x3 max pool -> 1x1, concatenated on channels.
 * torchvision's "5x5" branch uses a 3x3 convolution (a known quirk kept for its weights), and so does this.
 */
function inception(x: SymbolicTensor, name: string, c1: number, c3r: number, c3: number, c5r: number, c5: number, pp: number): SymbolicTensor {
  return block(name, x, (inp) => {
    const b1 = basicConv(inp, c1, 1, `${name}_branch1`);
    const b2 = basicConv(basicConv(inp, c3r, 1, `${name}_branch2_0`), c3, 3, `${name}_branch2_1`, { padding: 1 });
    const b3 = basicConv(basicConv(inp, c5r, 1, `${name}_branch3_0`), c5, 3, `${name}_branch3_1`, { padding: 1 });
    const pooled = layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 1, name: `${name}_branch4_pool` }).apply(inp);
    const b4 = basicConv(pooled, pp, 1, `${name}_branch4_1`);
    return layers.concatenate({ axis: -1, name: `${name}_concat` }).apply([b1, b2, b3, b4]) as SymbolicTensor;
  });
}

/**
 * GoogLeNet as in torchvision without auxiliary heads: 6,624,904 parameters for 224x224x3 and 1000 classes
 * (BatchNormalization running statistics are buffers, as in PyTorch). torchvision's ceil-mode max pools are
 * 'same' pools here: the same windows on even-sized feature maps (all of them at 224x224).
 */
export function googlenet(options: ZooOptions = {}): Functional {
  const o = resolveOptions('googlenet', options, { inputShape: [224, 224, 3], name: 'googlenet' });
  return build(options, () => {
    const img = input({ shape: o.inputShape, name: 'input' });
    let x = basicConv(img, 64, 7, 'conv1', { strides: 2, padding: 3 });
    x = layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'maxpool1' }).apply(x);
    x = basicConv(x, 64, 1, 'conv2');
    x = basicConv(x, 192, 3, 'conv3', { padding: 1 });
    x = layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'maxpool2' }).apply(x);
    x = inception(x, 'inception3a', 64, 96, 128, 16, 32, 32);
    x = inception(x, 'inception3b', 128, 128, 192, 32, 96, 64);
    x = layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'maxpool3' }).apply(x);
    x = inception(x, 'inception4a', 192, 96, 208, 16, 48, 64);
    x = inception(x, 'inception4b', 160, 112, 224, 24, 64, 64);
    x = inception(x, 'inception4c', 128, 128, 256, 24, 64, 64);
    x = inception(x, 'inception4d', 112, 144, 288, 32, 64, 64);
    x = inception(x, 'inception4e', 256, 160, 320, 32, 128, 128);
    x = layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: 'maxpool4' }).apply(x);
    x = inception(x, 'inception5a', 256, 160, 320, 32, 128, 128);
    x = inception(x, 'inception5b', 384, 192, 384, 48, 128, 128);
    if (o.includeTop) {
      x = chain(x,
        layers.globalAveragePooling2d({ name: 'avgpool' }),
        layers.dropout({ rate: 0.2, name: 'dropout' }),
        layers.dense({ units: o.classes, activation: o.classifierActivation, name: 'fc' }),
      );
    } else {
      x = headlessPooling(x, o.pooling);
    }
    return model({ inputs: img, outputs: x, name: o.name });
  });
}
