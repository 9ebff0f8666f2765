/**
 * Residual networks: ResNet50 (Keras applications), ResNet18 (torchvision) and a small ResNet for MNIST. Every
 * residual block is a nested functional model, so summary() prints one row per block.
 */
import * as layers from '../nn/layers/index.js';
import type { SymbolicTensor } from '../nn/symbolic.js';
import { input, model, type Functional } from '../train/model.js';
import { block, build, chain, headlessPooling, resolveOptions, type ZooOptions } from './common.js';

// ---- Keras applications ResNet50 ----

const kerasBn = (name: string) => layers.batchNormalization({ epsilon: 1.001e-5, name });

/** Keras's block1: 1x1 -> 3x3 -> 1x1 (4x filters) bottleneck, projection shortcut on the first block of a stack. */
function kerasBottleneck(x: SymbolicTensor, filters: number, stride: number, convShortcut: boolean, name: string): SymbolicTensor {
  return block(name, x, (inp) => {
    const shortcut = convShortcut
      ? chain(inp, layers.conv2d({ filters: 4 * filters, kernelSize: 1, strides: stride, name: `${name}_0_conv` }), kerasBn(`${name}_0_bn`))
      : inp;
    const y = chain(inp,
      layers.conv2d({ filters, kernelSize: 1, strides: stride, name: `${name}_1_conv` }), kerasBn(`${name}_1_bn`), layers.activation({ activation: 'relu', name: `${name}_1_relu` }),
      layers.conv2d({ filters, kernelSize: 3, padding: 'same', name: `${name}_2_conv` }), kerasBn(`${name}_2_bn`), layers.activation({ activation: 'relu', name: `${name}_2_relu` }),
      layers.conv2d({ filters: 4 * filters, kernelSize: 1, name: `${name}_3_conv` }), kerasBn(`${name}_3_bn`),
    );
    const sum = layers.add({ name: `${name}_add` }).apply([shortcut, y]) as SymbolicTensor;
    return layers.activation({ activation: 'relu', name: `${name}_out` }).apply(sum);
  });
}

/**
 * ResNet50 as in Keras applications (convolutions with bias, BatchNormalization epsilon 1.001e-5):
 * 25,636,712 parameters for 224x224x3 and 1000 classes, moving statistics included as Keras counts them.
 */
export function resnet50(options: ZooOptions = {}): Functional {
  const o = resolveOptions('resnet50', options, { inputShape: [224, 224, 3], name: 'resnet50' });
  return build(options, () => {
    const img = input({ shape: o.inputShape, name: 'input_layer' });
    let x = chain(img,
      layers.zeroPadding2d({ padding: 3, name: 'conv1_pad' }),
      layers.conv2d({ filters: 64, kernelSize: 7, strides: 2, name: 'conv1_conv' }),
      kerasBn('conv1_bn'),
      layers.activation({ activation: 'relu', name: 'conv1_relu' }),
      layers.zeroPadding2d({ padding: 1, name: 'pool1_pad' }),
      layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }),
    );
    const stacks: [string, number, number, number][] = [['conv2', 64, 3, 1], ['conv3', 128, 4, 2], ['conv4', 256, 6, 2], ['conv5', 512, 3, 2]];
    for (const [name, filters, blocks, stride] of stacks) {
      x = kerasBottleneck(x, filters, stride, true, `${name}_block1`);
      for (let i = 2; i <= blocks; i++) x = kerasBottleneck(x, filters, 1, false, `${name}_block${i}`);
    }
    if (o.includeTop) {
      x = chain(x, layers.globalAveragePooling2d({ name: 'avg_pool' }), layers.dense({ units: o.classes, activation: o.classifierActivation, name: 'predictions' }));
    } else {
      x = headlessPooling(x, o.pooling);
    }
    return model({ inputs: img, outputs: x, name: o.name });
  });
}

// ---- torchvision-style ResNets (BasicBlock) ----

interface TorchStyle {
  /** PyTorch conventions: running statistics are buffers, BN epsilon 1e-5 and momentum 0.1 (Keras 0.9) */
  bn: (name: string) => ReturnType<typeof layers.batchNormalization>;
}
const torchBn = (name: string) => layers.batchNormalization({ epsilon: 1e-5, momentum: 0.9, countMovingStatistics: false, name });
const kerasStyleBn = (name: string) => layers.batchNormalization({ name });

/** torchvision's BasicBlock: 3x3 (stride) -> BN -> ReLU -> 3x3 -> BN, plus the (projected) input, then ReLU. */
function basicBlock(x: SymbolicTensor, filters: number, stride: number, name: string, style: TorchStyle): SymbolicTensor {
  return block(name, x, (inp) => {
    const inChannels = inp.shape[3];
    const y = chain(inp,
      layers.conv2d({ filters, kernelSize: 3, strides: stride, padding: 1, useBias: false, kernelInitializer: 'heNormal', name: `${name}_conv1` }),
      style.bn(`${name}_bn1`),
      layers.activation({ activation: 'relu', name: `${name}_relu1` }),
      layers.conv2d({ filters, kernelSize: 3, padding: 1, useBias: false, kernelInitializer: 'heNormal', name: `${name}_conv2` }),
      style.bn(`${name}_bn2`),
    );
    const shortcut = stride !== 1 || inChannels !== filters
      ? chain(inp, layers.conv2d({ filters, kernelSize: 1, strides: stride, useBias: false, kernelInitializer: 'heNormal', name: `${name}_downsample_0` }), style.bn(`${name}_downsample_1`))
      : inp;
    return layers.activation({ activation: 'relu', name: `${name}_relu2` }).apply(layers.add({ name: `${name}_add` }).apply([y, shortcut]) as SymbolicTensor);
  });
}

/**
 * ResNet18 as in torchvision (convolutions without bias, BatchNormalization with PyTorch's epsilon and momentum):
 * 11,689,512 parameters for 224x224x3 and 1000 classes. As in PyTorch, the running statistics are buffers,
 * not parameters (summary() lists them apart).
 */
export function resnet18(options: ZooOptions = {}): Functional {
  const o = resolveOptions('resnet18', options, { inputShape: [224, 224, 3], name: 'resnet18' });
  return build(options, () => {
    const img = input({ shape: o.inputShape, name: 'input' });
    const style = { bn: torchBn };
    let x = chain(img,
      layers.conv2d({ filters: 64, kernelSize: 7, strides: 2, padding: 3, useBias: false, kernelInitializer: 'heNormal', name: 'conv1' }),
      torchBn('bn1'),
      layers.activation({ activation: 'relu', name: 'relu' }),
      layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 1, name: 'maxpool' }),
    );
    [64, 128, 256, 512].forEach((filters, i) => {
      x = basicBlock(x, filters, i === 0 ? 1 : 2, `layer${i + 1}_0`, style);
      x = basicBlock(x, filters, 1, `layer${i + 1}_1`, style);
    });
    if (o.includeTop) {
      x = chain(x, layers.globalAveragePooling2d({ name: 'avgpool' }), layers.dense({ units: o.classes, activation: o.classifierActivation, name: 'fc' }));
    } else {
      x = headlessPooling(x, o.pooling);
    }
    return model({ inputs: img, outputs: x, name: o.name });
  });
}

export interface ResNetSmallOptions extends ZooOptions {
  /** channels of the stages (default [16, 32, 64]); every stage after the first halves the resolution */
  filters?: number[];
  /** basic blocks per stage (default 1) */
  blocksPerStage?: number;
}

/**
 * A small ResNet for 28x28 digits: a 3x3 stem, one basic block per stage (16, 32, 64 channels; stride 2 between
 * stages), global average pooling and the classifier. Keras BatchNormalization defaults.
 */
export function resnetSmall(options: ResNetSmallOptions = {}): Functional {
  const o = resolveOptions('resnetSmall', options, { inputShape: [28, 28, 1], classes: 10, name: 'resnet_small' });
  const filters = options.filters ?? [16, 32, 64];
  const perStage = options.blocksPerStage ?? 1;
  return build(options, () => {
    const img = input({ shape: o.inputShape, name: 'input' });
    const style = { bn: kerasStyleBn };
    let x = chain(img,
      layers.conv2d({ filters: filters[0], kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'heNormal', name: 'stem_conv' }),
      kerasStyleBn('stem_bn'),
      layers.activation({ activation: 'relu', name: 'stem_relu' }),
    );
    filters.forEach((f, s) => {
      for (let b = 0; b < perStage; b++) x = basicBlock(x, f, s > 0 && b === 0 ? 2 : 1, `stage${s + 1}_block${b + 1}`, style);
    });
    if (o.includeTop) {
      x = chain(x, layers.globalAveragePooling2d({ name: 'avg_pool' }), layers.dense({ units: o.classes, activation: o.classifierActivation, name: 'predictions' }));
    } else {
      x = headlessPooling(x, o.pooling);
    }
    return model({ inputs: img, outputs: x, name: o.name });
  });
}
