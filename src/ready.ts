// ready(): the one asynchronous start-up step. In Node the wasm backend starts synchronously when deepts is
// imported, so ready() resolves at once; in a browser the .wasm files must be fetched and the Web Workers
// must start (they only run once the page yields to its event loop), so a page does `await ready()` before
// it uses tensors (until then they run on the CPU reference backend).
import { getBackend, registerBackend } from './core/engine.js';
import { wasmBackend } from './backends/wasm/index.js';
import {
  getNumThreads, getWasmHost, initWasmAsync, isWasmInitialized, setNumThreads, warmupPoolAsync, wasmInfo,
  type WasmInitOptions, type WasmVariant,
} from './backends/wasm/runtime.js';

export interface ReadyOptions {
  /** Browser: URL of the directory holding deepts-simd.wasm / deepts-relaxed.wasm (default: next to the bundle). */
  wasmUrl?: string | URL;
  /** Thread count, main thread included (default: navigator.hardwareConcurrency / the CPUs of the machine). */
  threads?: number;
  /** Which wasm build: 'auto' (default: relaxed SIMD where the engine has it), 'simd' or 'relaxed'. */
  simd?: WasmInitOptions['simd'];
}

export interface ReadyInfo {
  /** the active backend: 'wasm', or 'cpu' when the wasm backend cannot run here (see reason) */
  backend: string;
  /** threads of the wasm pool (1 without it) */
  threads: number;
  /** pool workers: running ones in a browser (started by ready()); in Node the pool size (they start on demand) */
  workers: number;
  variant?: WasmVariant;
  /** why the wasm backend is not active */
  reason?: string;
}

let unavailable: string | null = null;

/** Records that the wasm backend cannot (or must not) start here; ready() then reports the CPU backend. */
export function setWasmUnavailable(reason: string): void {
  unavailable = reason;
}

/**
 * Resolves once the default backend is ready: `await ready({ wasmUrl })` in a browser page before the
 * first tensor; a no-op in Node. Never rejects for a missing wasm backend: `backend` is then 'cpu' and
 * `reason` says why. A page that is not cross-origin isolated gets no workers (threads: 1).
 */
export async function ready(opts: ReadyOptions = {}): Promise<ReadyInfo> {
  const host = getWasmHost();
  if (!isWasmInitialized() && unavailable === null) {
    if (!host) {
      unavailable = 'no wasm host (import deepts or deepts/browser)';
    } else {
      try {
        await initWasmAsync({ wasmUrl: opts.wasmUrl, threads: opts.threads, simd: opts.simd });
        registerBackend(wasmBackend, true);
      } catch (e) {
        unavailable = (e as Error).message;
      }
    }
  } else if (isWasmInitialized() && opts.threads !== undefined) {
    setNumThreads(opts.threads);
  }
  if (!isWasmInitialized() || unavailable !== null) {
    return { backend: getBackend().name, threads: 1, workers: 0, reason: unavailable ?? undefined };
  }
  const workers = host && !host.canBlockMainThread ? await warmupPoolAsync() : getNumThreads() - 1;
  return { backend: getBackend().name, threads: getNumThreads(), workers, variant: wasmInfo().variant };
}
