// Node.js implementation of WasmHost: fs for the .wasm files, worker_threads for the pool.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { workerLoopSource, type WasmHost, type WorkerInit } from './host.js';

/**
 * Finds build/wasm by walking up from this file: src/backends/wasm/ under tsx and
 * dist/backends/wasm/ after `npm run build` both reach the package root three levels up, and the
 * walk also covers other layouts (bundles, nested installs). DEEPTS_WASM_DIR overrides.
 */
export function findWasmDir(file = 'deepts-simd.wasm'): string {
  const env = process.env.DEEPTS_WASM_DIR;
  if (env) return env;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const cand = path.join(dir, 'build', 'wasm');
    if (existsSync(path.join(cand, file))) return cand;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(
    `deepts wasm: build/wasm/${file} not found above ${path.dirname(fileURLToPath(import.meta.url))}; ` +
      'run `npm run build:wasm` (or set DEEPTS_WASM_DIR)',
  );
}

const workerScript = `
const { workerData } = require('node:worker_threads');
${workerLoopSource()}
deeptsWorkerLoop(workerData);
`;

export const nodeHost: WasmHost = {
  canBlockMainThread: true,
  readWasm(file: string, dir?: string) {
    const p = path.join(dir ?? findWasmDir(file), file);
    return { bytes: readFileSync(p), path: p };
  },
  defaultThreads() {
    return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  },
  spawnWorker(_source: string, init: WorkerInit, onError: (err: unknown) => void) {
    const w = new Worker(workerScript, {
      eval: true,
      workerData: init,
      // The worker needs no loaders (tsx) or inspector flags of the parent.
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    w.on('error', onError);
    // The pool must never keep the process alive.
    w.unref();
    return {
      terminate() {
        void w.terminate();
      },
    };
  },
  env(name: string) {
    return process.env[name];
  },
  enableRelaxedSimd() {
    // Node 20 ships relaxed SIMD behind this V8 flag (on by default from Node 22). Setting a V8
    // flag after start-up is officially unsupported, but this one only gates module validation.
    setFlagsFromString('--experimental-wasm-relaxed-simd');
    return true;
  },
};
