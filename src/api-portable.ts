/**
 * The public API that runs anywhere (tensors, ops, autograd, layers, models, training, in-memory formats): both
 * entries re-export it, src/index.ts (Node) adding files, datasets, pictures and interoperability, src/browser.ts
 * nothing. Nothing reachable from here imports node: modules (scripts/build-browser.mjs checks). Re-exports only.
 */
export { ready } from './ready.js';
export type { ReadyOptions, ReadyInfo } from './ready.js';
export { Tensor } from './core/tensor.js';
export type { NestedArray, TensorLike } from './core/tensor.js';
export type { DType, DataArray } from './core/dtype.js';
export { DeeptsError, ShapeError, DTypeError, ValueError, FormatError } from './core/errors.js';
export { getBackend, setBackend, listBackends, withBackend, registerBackend, noGrad, enableGrad, isGradEnabled, detach } from './core/engine.js';
export { setNumThreads, getNumThreads, poolStats as wasmPoolStats } from './backends/wasm/runtime.js';
export { scope, scope as tidy, keep, memory as memoryManager } from './core/memory.js';
export { memoryInfo as memory } from './core/memory-info.js';
export { seed, getRngState, setRngState } from './core/random.js';
export { variable } from './core/variable.js';
export { assign } from './core/assign.js';
export * from './ops/create.js';
export * from './ops/elementwise.js';
export * from './ops/movement.js';
export * from './ops/reduce.js';
export * from './ops/linalg.js';
export * from './ops/nn.js';
export * from './ops/conv.js';
export { backward, gradients, grad, valueAndGrad, GradientTape } from './autograd/backward.js';
export { numericalGrad, gradCheck } from './autograd/gradcheck.js';
export type { GradCheckResult, GradCheckInput } from './autograd/gradcheck.js';

// ---- layers, models and training ----
export * as layers from './nn/layers/index.js';
export * as zoo from './zoo/index.js';
export { Layer, clearSession, shapeOnly } from './nn/layer.js';
export type { LayerConfig, CallOptions, LayerWeight } from './nn/layer.js';
export { SymbolicTensor } from './nn/symbolic.js';
export type { LayerShape } from './nn/symbolic.js';
export { registerLayer, deserializeLayer, serializeLayer } from './nn/registry.js';
export { losses, Loss } from './nn/losses.js';
export { metrics, Metric } from './nn/metrics.js';
export { initializers, Initializer } from './nn/initializers.js';
export { regularizers } from './nn/regularizers.js';
export { activations } from './nn/activations.js';
export { Optimizer, SGD, RMSprop, Adam, AdamW, Adagrad, clipByValue, clipByNorm, clipByGlobalNorm, globalNorm, optimizers, schedules } from './optim/index.js';
export { Model, Sequential, Functional, sequential, model, input, featureExtractor } from './train/model.js';
export type { CompileArgs, FitArgs, EvaluateArgs } from './train/trainer.js';
export { Callback, History } from './train/callbacks-base.js';
export type { Logs, CallbackHooks } from './train/callbacks-base.js';
export { EarlyStopping, LearningRateScheduler, ReduceLROnPlateau, TerminateOnNaN, LambdaCallback, callbacks } from './train/callbacks.js';
export type { EarlyStoppingOptions, ReduceLROnPlateauOptions } from './train/callbacks.js';

// ---- data and formats (in memory) ----
export { Dataset, toCategorical } from './data/dataset.js';
export { parseIdx, encodeIdx } from './data/idx.js';
export { encodeSafetensors, decodeSafetensors } from './io/safetensors-codec.js';
export { onnxBytes } from './io/onnx/export.js';
export type { OnnxExportOptions } from './io/onnx/export.js';
