// The platform seam of the wasm runtime: how to read the .wasm bytes, how many threads the machine
// has, and how to start a worker. runtime.ts only talks to a WasmHost, so a browser host (fetch +
// Web Workers, same worker loop source: browser-host.ts) is swapped in with setWasmHost() without touching it.

/** What every pool worker receives once at start (structured-cloneable). */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** byte offset of the control block (Int32Array of CTRL_INTS) */
  ctrlPtr: number;
  /** byte offset of the job block (abi.ts) */
  jobPtr: number;
  tid: number;
}

export interface WorkerHandle {
  terminate(): void;
}

export interface WasmHost {
  /**
   * Reads build/wasm/<file> (e.g. deepts-simd.wasm) synchronously; `dir` overrides the search. A host
   * that can only load asynchronously (a browser) throws here and implements fetchWasm().
   */
  readWasm(file: string, dir?: string): { bytes: Uint8Array; path: string };
  /** Optional asynchronous loader (browser: fetch from `base`, default next to the bundle); initWasmAsync() uses it. */
  fetchWasm?(file: string, base?: string | URL): Promise<{ bytes: Uint8Array; path: string }>;
  /**
   * Whether the thread that drives the runtime may block in Atomics.wait. Node's main thread may; a
   * browser page's main thread may not, so the runtime spins (Atomics.load) where it would wait.
   */
  canBlockMainThread: boolean;
  /** Default thread count (logical CPUs available to the process). */
  defaultThreads(): number;
  /** Starts a worker running `source` (see workerSource()) with `init`. Must not keep the process alive. */
  spawnWorker(source: string, init: WorkerInit, onError: (err: unknown) => void): WorkerHandle;
  /** Environment variable lookup (undefined where there is none). */
  env(name: string): string | undefined;
  /**
   * Optional: tries to turn on relaxed SIMD in an engine that has it behind a flag (Node 20:
   * v8.setFlagsFromString('--experimental-wasm-relaxed-simd')). Only called when asked for
   * explicitly (simd: 'relaxed'). Returns whether it did something.
   */
  enableRelaxedSimd?(): boolean;
}

// Control block layout, in Int32 slots. Line 0 is shared; worker t owns the 64-byte line t.
export const CTRL_LINE = 16;
// Job state: bit 0 = closed (no new participants), bits 1.. = 2 * number of workers inside run_job.
export const CTRL_JOB = 0;
export const CTRL_MAIN_SLEEPING = 1; // main thread is (about to be) in Atomics.wait on CTRL_JOB
export const CTRL_SPIN = 2; // spin iterations before a worker sleeps
export const W_SEQ = 0; // job sequence number for this worker (main increments)
export const W_SLEEPING = 1; // worker is (about to be) in Atomics.wait on W_SEQ
export const W_STATE = 2; // 0 starting, 1 running, -1 instantiation failed
export const W_ERROR = 3; // nonzero after a trap in run_task
export const W_EXIT = 4; // set by main to stop the worker
export const W_CHUNKS = 5; // chunks this worker has run (statistics)

/**
 * The worker loop, as a self-contained function body `(init, Atomics) => void` so that any host can
 * run it: Node wraps it in an eval'd worker_threads script, a browser host in a Blob URL module.
 */
export function workerLoopSource(): string {
  return `
function deeptsWorkerLoop(init) {
  const { module, memory, ctrlPtr, jobPtr, tid } = init;
  const ctrl = new Int32Array(memory.buffer, ctrlPtr, ${CTRL_LINE} * (tid + 1));
  const base = ${CTRL_LINE} * tid;
  const SEQ = base + ${W_SEQ}, SLEEPING = base + ${W_SLEEPING}, STATE = base + ${W_STATE};
  const ERROR = base + ${W_ERROR}, EXIT = base + ${W_EXIT}, CHUNKS = base + ${W_CHUNKS};
  const JOB = ${CTRL_JOB}, MAIN_SLEEPING = ${CTRL_MAIN_SLEEPING}, SPIN = ${CTRL_SPIN};
  let run = null;
  try {
    run = new WebAssembly.Instance(module, { env: { memory } }).exports.run_job;
    Atomics.store(ctrl, STATE, 1);
  } catch (e) {
    Atomics.store(ctrl, STATE, -1);
  }
  Atomics.notify(ctrl, STATE);
  let seen = 0;
  for (;;) {
    let s = Atomics.load(ctrl, SEQ);
    if (s === seen) {
      const spin = Atomics.load(ctrl, SPIN);
      for (let i = 0; i < spin && s === seen; i++) s = Atomics.load(ctrl, SEQ);
      if (s === seen) {
        Atomics.store(ctrl, SLEEPING, 1);
        Atomics.wait(ctrl, SEQ, seen);
        Atomics.store(ctrl, SLEEPING, 0);
        continue;
      }
    }
    seen = s;
    if (Atomics.load(ctrl, EXIT) !== 0) return;
    if (run === null) continue;
    // Join the open job, if it is still open: the main thread never waits for a worker that has
    // not joined, so a slow-to-wake or descheduled worker cannot delay it.
    let joined = false;
    for (;;) {
      const j = Atomics.load(ctrl, JOB);
      if ((j & 1) !== 0) break;
      if (Atomics.compareExchange(ctrl, JOB, j, j + 2) === j) { joined = true; break; }
    }
    if (!joined) continue;
    try { Atomics.add(ctrl, CHUNKS, run(jobPtr, tid)); } catch (e) { Atomics.store(ctrl, ERROR, 1); }
    if (Atomics.sub(ctrl, JOB, 2) === 3 && Atomics.load(ctrl, MAIN_SLEEPING) !== 0) Atomics.notify(ctrl, JOB, 1);
  }
}
`;
}
