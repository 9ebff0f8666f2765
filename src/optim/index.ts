/** deepts optimizers: Keras 3 semantics, updates through each backend's fused `step` kernel. */
export { Optimizer } from './optimizer.js';
export type { OptimizerOptions, OptimizerConfig, OptimizerState, OptimizerStateInput, GradientPair, LearningRate, SlotSpec } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { Adam, AdamW, type AdamOptions, type AdamWOptions } from './adam.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export type { SerializedOptimizer } from './registry.js';
export { clipByValue, clipByNorm, clipByGlobalNorm, globalNorm, type ClipByGlobalNormResult } from './clip.js';
export {
  LearningRateSchedule,
  ExponentialDecay,
  PiecewiseConstantDecay,
  StepDecay,
  InverseTimeDecay,
  CosineDecay,
  CosineDecayRestarts,
  PolynomialDecay,
  FunctionSchedule,
  type ScheduleConfig,
  type SerializedSchedule,
} from './schedules.js';
export * as optimizers from './optimizers.js';
export * as schedules from './schedules.js';
