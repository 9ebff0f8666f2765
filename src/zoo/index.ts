/**
 * The model zoo: `zoo.lenet5()`, `zoo.alexnet()`, `zoo.vgg16()`, `zoo.googlenet()`, `zoo.resnet18()`,
 * `zoo.resnet50()`, `zoo.resnetSmall()`, each with `{inputShape, classes, includeTop, pooling,
 * classifierActivation, shapeOnly}`. Parameter counts equal the reference implementations (see docs/cnn.md).
 */
export { lenet5, alexnet, vgg16 } from './classic.js';
export { resnet18, resnet50, resnetSmall } from './resnet.js';
export type { ResNetSmallOptions } from './resnet.js';
export { googlenet } from './googlenet.js';
export type { ZooOptions } from './common.js';
