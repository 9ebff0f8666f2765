// Browser implementation of WasmHost: fetch for the .wasm files, Web Workers (started from a Blob URL
// running the same worker loop as Node's) for the pool. No node: imports.
//
// Requirements: the page must be cross-origin isolated (served with Cross-Origin-Opener-Policy:
// same-origin and Cross-Origin-Embedder-Policy: require-corp) so that SharedArrayBuffer and shared
// WebAssembly.Memory exist. The page's main thread may not Atomics.wait: canBlockMainThread is false,
// so the runtime spins there instead. Workers only start once the page yields to its event loop,
// which ready() does (initWasmAsync + warmupPoolAsync).
import { workerLoopSource, type WasmHost, type WorkerInit } from './host.js';

let workerUrl: string | null = null;

function workerBlobUrl(): string {
  if (workerUrl === null) {
    // The worker receives its WorkerInit (the compiled WebAssembly.Module and the shared Memory are
    // structured-cloneable) in its first message, then never returns to its event loop.
    const src = `${workerLoopSource()}
self.onmessage = (e) => { self.onmessage = null; deeptsWorkerLoop(e.data); };
`;
    workerUrl = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
  }
  return workerUrl;
}

/** Where the .wasm files are by default: the directory of this module (the bundle: dist/browser/). */
function defaultBase(): string {
  return new URL('.', import.meta.url).href;
}

export const browserHost: WasmHost = {
  canBlockMainThread: false,
  readWasm(file: string) {
    throw new Error(`deepts wasm: ${file} cannot be read synchronously in a browser; call \`await ready()\` first`);
  },
  async fetchWasm(file: string, base?: string | URL) {
    let dir = base === undefined ? defaultBase() : String(base);
    if (!dir.endsWith('/')) dir += '/';
    const url = new URL(file, new URL(dir, globalThis.location?.href ?? defaultBase())).href;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`deepts wasm: fetching ${url} failed: HTTP ${res.status}`);
    return { bytes: new Uint8Array(await res.arrayBuffer()), path: url };
  },
  defaultThreads() {
    // Without cross-origin isolation the memory cannot be shared with workers: run on the page's thread.
    if (!browserCanShareMemory()) return 1;
    const n = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : 0;
    return n > 0 ? n : 1;
  },
  spawnWorker(_source: string, init: WorkerInit, onError: (err: unknown) => void) {
    const w = new Worker(workerBlobUrl(), { name: `deepts-wasm-${init.tid}` });
    w.onerror = (e) => onError(e);
    w.onmessageerror = (e) => onError(e);
    try {
      w.postMessage(init); // DataCloneError where the page is not cross-origin isolated
    } catch (e) {
      w.terminate();
      onError(e);
    }
    return {
      terminate() {
        w.terminate();
      },
    };
  },
  env() {
    return undefined;
  },
};

/** Whether this page can share wasm memory with workers (SharedArrayBuffer: cross-origin isolation). */
function browserCanShareMemory(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}
