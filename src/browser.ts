/**
 * deepts for the browser (`import * as dt from 'deepts/browser'`): the framework without its Node-only
 * parts (files, MNIST download, saving to disk, the CLI), with the wasm backend on Web Workers.
 *
 *   const info = await dt.ready();   // fetches the .wasm files next to the bundle, starts the workers
 *   const y = dt.matmul(a, b);       // runs on the wasm backend from here on
 *
 * The page must be cross-origin isolated (Cross-Origin-Opener-Policy: same-origin and
 * Cross-Origin-Embedder-Policy: require-corp) to share the wasm memory with workers; without it ready()
 * runs the wasm backend on one thread (or, where shared wasm memory is refused, the CPU reference backend,
 * saying why). Until ready() resolves, tensors use the CPU backend.
 * This file only re-exports (plus the start-up below); nothing reachable from it imports node: modules.
 */
import { registerBackend } from './core/engine.js';
import { setTensorCheck } from './core/memory.js';
import { Tensor } from './core/tensor.js';
import { cpuBackend } from './backends/cpu/index.js';
import { setWasmHost } from './backends/wasm/runtime.js';
import { browserHost } from './backends/wasm/browser-host.js';
import './ops/methods.js';

setWasmHost(browserHost);
registerBackend(cpuBackend);
setTensorCheck((v): v is Tensor => v instanceof Tensor);

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
