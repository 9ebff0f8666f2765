/** deepts public API for Node (src/browser.ts is the browser's). This file only re-exports, after the start-up below. */
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

export * from './api-portable.js';

// ---- Node only: files, datasets, pictures, interoperability ----
export { loadModel, saveModel, loadWeights, saveWeights, formatLoadReport } from './train/saving.js';
export type { LoadWeightsReport } from './train/saving.js';
// the file-writing callbacks, and the factories with them (shadowing the portable `callbacks`)
export { ModelCheckpoint, CSVLogger, callbacks } from './train/callbacks-files.js';
export type { ModelCheckpointOptions, CSVLoggerOptions } from './train/callbacks-files.js';

// ---- data ----
export { mnist, loadMnist } from './data/mnist.js';
import { mnist as mnistDataset } from './data/mnist.js';
/** Built-in datasets: `datasets.mnist.load()`. */
export const datasets = { mnist: mnistDataset };

// ---- pictures ----
export { encodePng, savePng, imageGrid } from './viz/png.js';
export type { Image, ImageGridOptions } from './viz/png.js';

// ---- interoperability: ONNX export, Keras HDF5 import, PyTorch state_dict import (docs/interop.md) ----
export { exportOnnx } from './io/onnx/index.js';
export { loadKerasWeights, loadKerasModel, readKerasH5 } from './io/keras-h5.js';
export type { KerasLoadOptions, KerasLoadReport, KerasH5Contents } from './io/keras-h5.js';
export { loadTorchStateDict } from './io/torch.js';
export type { TorchLoadOptions, TorchLoadReport } from './io/torch.js';
