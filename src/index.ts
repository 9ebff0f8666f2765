/** deepts public API. This file only re-exports. */
import { registerBackend } from './core/engine.js';
import { setTensorCheck } from './core/memory.js';
import { Tensor } from './core/tensor.js';
import { cpuBackend } from './backends/cpu/index.js';
import { tryInitWasm, wasmBackend } from './backends/wasm/index.js';
import { setWasmHost } from './backends/wasm/runtime.js';
import { nodeHost } from './backends/wasm/node-host.js';
import { setWasmUnavailable } from './ready.js';
import './ops/methods.js';

// The Node entry: the wasm runtime loads its files with fs and runs its pool on worker_threads
// (src/browser.ts is the browser entry).
setWasmHost(nodeHost);
registerBackend(cpuBackend);
// The wasm backend is the default wherever WebAssembly SIMD runs; DEEPTS_BACKEND=cpu keeps the reference.
const wanted = typeof process !== 'undefined' ? process.env.DEEPTS_BACKEND : undefined;
const wasmStatus = wanted === 'cpu' ? { ok: false as const, reason: 'DEEPTS_BACKEND=cpu' } : tryInitWasm();
if (wasmStatus.ok) registerBackend(wasmBackend, true);
else if (wanted === 'wasm') throw new Error(`deepts: DEEPTS_BACKEND=wasm, but the wasm backend cannot start: ${wasmStatus.reason}`);
if (!wasmStatus.ok) setWasmUnavailable(wasmStatus.reason);
setTensorCheck((v): v is Tensor => v instanceof Tensor);

export { Tensor } from './core/tensor.js';
export type { NestedArray, TensorLike } from './core/tensor.js';
export type { DType, DataArray } from './core/dtype.js';
export { DeeptsError, ShapeError, DTypeError, ValueError, FormatError } from './core/errors.js';
export { getBackend, setBackend, listBackends, withBackend, registerBackend, noGrad, enableGrad, isGradEnabled, detach } from './core/engine.js';
export { setNumThreads, getNumThreads, poolStats as wasmPoolStats } from './backends/wasm/runtime.js';
export { ready } from './ready.js';
export type { ReadyOptions, ReadyInfo } from './ready.js';
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
export { loadModel, saveModel, loadWeights, saveWeights, formatLoadReport } from './train/saving.js';
export type { LoadWeightsReport } from './train/saving.js';
export { EarlyStopping, LearningRateScheduler, ReduceLROnPlateau, TerminateOnNaN, LambdaCallback } from './train/callbacks.js';
export type { EarlyStoppingOptions, ReduceLROnPlateauOptions } from './train/callbacks.js';
export { ModelCheckpoint, CSVLogger, callbacks } from './train/callbacks-files.js';
export type { ModelCheckpointOptions, CSVLoggerOptions } from './train/callbacks-files.js';

// ---- data ----
export { mnist, loadMnist } from './data/mnist.js';
export { Dataset, toCategorical } from './data/dataset.js';
export { parseIdx, encodeIdx } from './data/idx.js';
export { encodeSafetensors, decodeSafetensors } from './io/safetensors.js';
import { mnist as mnistDataset } from './data/mnist.js';
/** Built-in datasets: `datasets.mnist.load()`. */
export const datasets = { mnist: mnistDataset };

// ---- pictures ----
export { encodePng, savePng, imageGrid } from './viz/png.js';
export type { Image, ImageGridOptions } from './viz/png.js';

// ---- interoperability: ONNX export, Keras HDF5 import, PyTorch state_dict import (docs/interop.md) ----
export { exportOnnx, onnxBytes } from './io/onnx/index.js';
export type { OnnxExportOptions } from './io/onnx/index.js';
export { loadKerasWeights, loadKerasModel, readKerasH5 } from './io/keras-h5.js';
export type { KerasLoadOptions, KerasLoadReport, KerasH5Contents } from './io/keras-h5.js';
export { loadTorchStateDict } from './io/torch.js';
export type { TorchLoadOptions, TorchLoadReport } from './io/torch.js';
