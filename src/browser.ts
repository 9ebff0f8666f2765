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

export * from './api-portable.js';
