// deepts WebAssembly runtime: module loading, one shared WebAssembly.Memory, a JS-side allocator
// for it, typed-array access, and a persistent worker pool that runs kernel tasks on the same memory.
//
// Pointers are byte offsets (numbers) into the shared memory. Nothing is allocated inside wasm.
// All calls are synchronous; the main thread takes part in every parallel job and then waits for the
// workers with Atomics.wait (allowed on Node's main thread), or spins with Atomics.load where the host
// says the main thread cannot block (a browser page).
//
// The platform (file loading, workers) comes from a WasmHost set with setWasmHost() before the first
// use: the Node entry (src/index.ts) sets node-host.ts, the browser entry (src/browser.ts) browser-host.ts.
// This module imports neither, so it carries no node: import into a browser bundle.
import * as ABI from './assembly/abi.js';
import {
  CTRL_JOB, CTRL_LINE, CTRL_MAIN_SLEEPING, CTRL_SPIN, W_CHUNKS, W_ERROR, W_EXIT, W_SEQ, W_SLEEPING, W_STATE,
  workerLoopSource, type WasmHost, type WorkerHandle,
} from './host.js';

export type WasmVariant = 'simd' | 'relaxed';

export interface WasmInitOptions {
  /**
   * 'auto' (default; env DEEPTS_WASM_SIMD=simd|relaxed overrides) picks the relaxed-SIMD build (FMA) when
   * the engine accepts it: Node >= 22 does; on Node 20 the V8 flag --experimental-wasm-relaxed-simd is
   * turned on at run time (v8.setFlagsFromString) first. Otherwise it falls back to the plain SIMD build;
   * 'relaxed' throws instead. 'simd' forces the plain build.
   */
  simd?: 'auto' | WasmVariant;
  /** Directory holding deepts-simd.wasm / deepts-relaxed.wasm (default: search upward for build/wasm). */
  wasmDir?: string;
  /** Initial memory size in bytes (default 16 MiB). */
  initialBytes?: number;
  /** Thread count (default: env DEEPTS_NUM_THREADS, else the machine's available parallelism). */
  threads?: number;
  /**
   * Browser: URL of the directory holding the .wasm files (default: next to the bundle). Only read by
   * initWasmAsync(), which fetches them.
   */
  wasmUrl?: string | URL;
}

export interface WasmInfo {
  variant: WasmVariant;
  path: string;
  threads: number;
  heapBase: number;
  memoryBytes: number;
  mr: number;
  nr: number;
}

/** Most threads a pool may use (control lines are preallocated for this many). */
export const MAX_THREADS = 64;
const ABI_VERSION = 3;
const { J_NCHUNKS, J_COUNTER } = ABI;
const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB

interface Exports {
  run_job(job: number, tid: number): number;
  heap_base(): number;
  abi_version(): number;
  relaxed_simd(): number;
  gemm_scratch_bytes(mc: number, kc: number, nc: number): number;
  gemm_narrow_scratch_bytes(n: number, k: number): number;
  gemm_mr(): number;
  gemm_nr(): number;
  packed_weights_bytes(rows: number, cols: number): number;
  filter_grad_partial_bytes(kd: number, co: number): number;
  conv_forward_scratch_bytes(mc: number, kc: number, c: number): number;
  conv_filter_grad_scratch_bytes(kdBlock: number, rowBlock: number, co: number, c: number): number;
  conv_input_grad_tile_bytes(rowBlock: number, kd: number): number;
  winograd_weights_bytes(c: number, co: number): number;
  winograd_scratch_bytes(tilesPerBlock: number, c: number): number;
  winograd_filter_grad_partial_bytes(c: number, co: number): number;
  winograd_filter_grad_scratch_bytes(tilesPerBlock: number, c: number, co: number): number;
}

interface State {
  host: WasmHost;
  variant: WasmVariant;
  path: string;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  exports: Exports;
  heapBase: number;
  ctrlPtr: number;
  jobPtr: number;
  ctrl: Int32Array;
  threads: number;
  workers: (WorkerHandle | null)[]; // index = tid (0 unused: the main thread)
  workerFailed: boolean[];
  scratch: { ptr: number; bytes: number } | null;
  results: { ptr: number; bytes: number } | null;
}

let S: State | null = null;
let host: WasmHost | null = null;

/**
 * Sets the platform host (Node: node-host.ts, browser: browser-host.ts). Must be called before the
 * runtime is initialised; setting the same host again is a no-op.
 */
export function setWasmHost(h: WasmHost): void {
  if (h === host) return;
  if (S) throw new Error('deepts wasm: setWasmHost() must be called before the runtime is initialised');
  host = h;
  canBlock = h.canBlockMainThread;
}

/** The platform host, or null before setWasmHost(). */
export function getWasmHost(): WasmHost | null {
  return host;
}

function needHost(): WasmHost {
  if (host) return host;
  throw new Error(
    "deepts wasm: no platform host; import 'deepts' (Node) or 'deepts/browser', or call setWasmHost(nodeHost) " +
      "from 'src/backends/wasm/node-host.js' before using the runtime directly",
  );
}

/** Whether the calling thread may block in Atomics.wait (false on a browser page's main thread). */
let canBlock = true;

// ---------------------------------------------------------------------------------------------
// Views. Shared memory never moves: a view made before a grow still covers its old range, but
// the heap-wide views below are re-created whenever this runtime grows the memory.

let buf: ArrayBuffer | SharedArrayBuffer | null = null;
let vF32: Float32Array<ArrayBufferLike> = new Float32Array(0);
let vI32: Int32Array<ArrayBufferLike> = new Int32Array(0);
let vU32: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
let vU8: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
let vF64: Float64Array<ArrayBufferLike> = new Float64Array(0);

/** What a kernel wrapper needs to write a job, in one object (one call per op: see beginJob()). */
export interface JobContext {
  i32: Int32Array<ArrayBufferLike>;
  u32: Uint32Array<ArrayBufferLike>;
  f32: Float32Array<ArrayBufferLike>;
  f64: Float64Array<ArrayBufferLike>;
  /** 32-bit slot index of the job block */
  slot: number;
  /** current thread count */
  threads: number;
}
const jobCtx: JobContext = { i32: vI32, u32: vU32, f32: vF32, f64: vF64, slot: 0, threads: 1 };

function refreshViews(): void {
  const b = S!.memory.buffer;
  if (b === buf) return;
  buf = b;
  vF32 = new Float32Array(b);
  vI32 = new Int32Array(b);
  vU32 = new Uint32Array(b);
  vU8 = new Uint8Array(b);
  vF64 = new Float64Array(b);
  jobCtx.i32 = vI32;
  jobCtx.u32 = vU32;
  jobCtx.f32 = vF32;
  jobCtx.f64 = vF64;
}

/**
 * The job-writing context (heap views, job block slot, thread count), kept current by the runtime.
 * Write the job's slots (abi.ts) through it, then call runJob(). Do not alloc() in between.
 */
export function beginJob(): JobContext {
  if (!S) st();
  return jobCtx;
}

// Only this runtime grows the memory (alloc -> ensureCapacity -> refreshViews; the kernels never
// do), so the cached views are current without re-reading memory.buffer on every access.

/** Whole-heap views (index = byte offset >> 2 for 32-bit types, >> 3 for f64). Re-fetch after alloc(). */
export function heapF32(): Float32Array<ArrayBufferLike> { if (!S) st(); return vF32; }
export function heapI32(): Int32Array<ArrayBufferLike> { if (!S) st(); return vI32; }
export function heapU32(): Uint32Array<ArrayBufferLike> { if (!S) st(); return vU32; }
export function heapU8(): Uint8Array<ArrayBufferLike> { if (!S) st(); return vU8; }
export function heapF64(): Float64Array<ArrayBufferLike> { if (!S) st(); return vF64; }

/** A Float32Array view of n floats at ptr (no copy). Stays valid after memory growth. */
export function f32View(ptr: number, n: number): Float32Array<ArrayBufferLike> {
  return new Float32Array(st().memory.buffer, ptr, n);
}
/** An Int32Array view of n ints at ptr (no copy). */
export function i32View(ptr: number, n: number): Int32Array<ArrayBufferLike> {
  return new Int32Array(st().memory.buffer, ptr, n);
}
/** Copies data into the memory at ptr. */
export function writeF32(ptr: number, data: ArrayLike<number>): void {
  heapF32().set(data, ptr >>> 2);
}
export function writeI32(ptr: number, data: ArrayLike<number>): void {
  heapI32().set(data, ptr >>> 2);
}
/** Copies n floats out of the memory (a fresh, unshared Float32Array). */
export function readF32(ptr: number, n: number): Float32Array {
  return heapF32().slice(ptr >>> 2, (ptr >>> 2) + n);
}
export function readI32(ptr: number, n: number): Int32Array {
  return heapI32().slice(ptr >>> 2, (ptr >>> 2) + n);
}

// ---------------------------------------------------------------------------------------------
// Allocator: size classes over a bump region, O(1) alloc/free (no coalescing). Blocks are
// 64-byte aligned; class sizes are multiples of 64 up to 1 KiB, then 4 classes per power of two
// (<= 25% rounding). Freed blocks are reused for requests of the same class. Contents of a fresh
// allocation are unspecified (use allocZeroed).

const NUM_CLASSES = 16 + 4 * 23; // up to 2^33
const freeLists: number[][] = Array.from({ length: NUM_CLASSES }, () => []);
const liveClass = new Map<number, number>(); // ptr -> class
const alignedBase = new Map<number, number>(); // over-aligned ptr -> underlying block ptr
let heapTop = 0;
let bytesInUse = 0;
let blocksInUse = 0;
let bytesFree = 0;
let peakBytesInUse = 0;

function classOf(bytes: number): number {
  if (bytes <= 1024) return Math.max(1, Math.ceil(bytes / 64)) - 1;
  const k = 31 - Math.clz32(bytes - 1); // bytes in (2^k, 2^(k+1)], k >= 10
  const step = 2 ** (k - 2);
  const n = Math.ceil(bytes / step); // 5..8
  return 16 + (k - 10) * 4 + (n - 5);
}
function classSize(c: number): number {
  if (c < 16) return (c + 1) * 64;
  const k = 10 + ((c - 16) >> 2);
  return (((c - 16) & 3) + 5) * 2 ** (k - 2);
}

function heapBaseBytes(): number {
  return Math.max(1024, S ? S.heapBase : 0);
}

function ensureCapacity(end: number): void {
  const mem = S!.memory;
  const have = mem.buffer.byteLength;
  if (end <= have) return;
  const needPages = Math.ceil((end - have) / PAGE);
  const curPages = have / PAGE;
  const want = Math.min(MAX_PAGES - curPages, Math.max(needPages, Math.ceil(curPages / 2)));
  if (needPages > MAX_PAGES - curPages) {
    throw new RangeError(`deepts wasm: out of memory (need ${end} bytes, the limit is 4 GiB)`);
  }
  try {
    mem.grow(want);
  } catch {
    mem.grow(needPages);
  }
  refreshViews();
}

/**
 * Allocates `bytes` in the shared memory and returns the byte offset (never 0). align: power of two
 * (default 64). A zero-byte request returns a valid, distinct 64-byte block.
 */
export function alloc(bytes: number, align = 64): number {
  st();
  if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new RangeError(`deepts wasm: alloc(${bytes})`);
  if (bytes > MAX_PAGES * PAGE - heapBaseBytes()) {
    throw new RangeError(`deepts wasm: out of memory (alloc of ${bytes} bytes, the limit is 4 GiB)`);
  }
  if (align > 64) {
    if (!Number.isInteger(align) || (align & (align - 1)) !== 0) throw new RangeError(`deepts wasm: alignment ${align} is not a power of two`);
    const base = alloc(bytes + align - 64);
    const p = Math.ceil(base / align) * align;
    if (p !== base) alignedBase.set(p, base);
    return p;
  }
  let c = classOf(bytes);
  let p = freeLists[c]!.pop();
  if (p === undefined) {
    const need = classSize(c);
    if (heapTop + need > S!.memory.buffer.byteLength) {
      // Rather than growing the memory, reuse a free block of one of the next larger classes.
      for (let d = c + 1; d <= c + 3 && d < NUM_CLASSES; d++) {
        p = freeLists[d]!.pop();
        if (p !== undefined) {
          c = d;
          break;
        }
      }
    }
    if (p === undefined) {
      ensureCapacity(heapTop + need);
      p = heapTop;
      heapTop += need;
    } else {
      bytesFree -= classSize(c);
    }
  } else {
    bytesFree -= classSize(c);
  }
  const size = classSize(c);
  liveClass.set(p, c);
  bytesInUse += size;
  blocksInUse++;
  if (bytesInUse > peakBytesInUse) peakBytesInUse = bytesInUse;
  return p;
}

/** alloc() + zero fill. */
export function allocZeroed(bytes: number, align = 64): number {
  const p = alloc(bytes, align);
  heapU8().fill(0, p, p + bytes);
  return p;
}

/** Allocates and fills n float32 values. */
export function allocF32(data: ArrayLike<number>): number {
  const p = alloc(data.length * 4);
  writeF32(p, data);
  return p;
}

/** Returns a block to its size class. Freeing an unknown pointer throws. free(0) is a no-op. */
export function free(ptr: number): void {
  if (ptr === 0) return;
  const base = alignedBase.get(ptr);
  if (base !== undefined) {
    alignedBase.delete(ptr);
    ptr = base;
  }
  const c = liveClass.get(ptr);
  if (c === undefined) throw new Error(`deepts wasm: free(${ptr}): not an allocated block (double free?)`);
  liveClass.delete(ptr);
  const size = classSize(c);
  freeLists[c]!.push(ptr);
  bytesInUse -= size;
  bytesFree += size;
  blocksInUse--;
}

/** Usable size of an allocated block (its class size). */
export function blockSize(ptr: number): number {
  const c = liveClass.get(alignedBase.get(ptr) ?? ptr);
  if (c === undefined) throw new Error(`deepts wasm: blockSize(${ptr}): not an allocated block`);
  return classSize(c);
}

export interface MemoryStats {
  /** bytes in live blocks (class-rounded) */
  bytesInUse: number;
  blocksInUse: number;
  peakBytesInUse: number;
  /** bytes sitting in free lists, reusable by same-class requests */
  bytesFree: number;
  /** end of the bump region */
  heapTop: number;
  /** current size of the WebAssembly.Memory */
  memoryBytes: number;
}

export function memoryStats(): MemoryStats {
  const s = st();
  return {
    bytesInUse, blocksInUse, peakBytesInUse, bytesFree, heapTop, memoryBytes: s.memory.buffer.byteLength,
  };
}

// ---------------------------------------------------------------------------------------------
// Initialisation

type WasmFile = { bytes: Uint8Array; path: string };

function wantedVariant(opt: 'auto' | WasmVariant | undefined): 'auto' | WasmVariant {
  const env = needHost().env('DEEPTS_WASM_SIMD');
  return opt ?? (env === 'simd' || env === 'relaxed' ? env : 'auto');
}

function chooseVariant(
  opt: 'auto' | WasmVariant | undefined,
  read: (file: string) => WasmFile,
): { variant: WasmVariant; bytes: Uint8Array; path: string } {
  const host = needHost();
  const want = wantedVariant(opt);
  if (want !== 'simd') {
    try {
      const r = read('deepts-relaxed.wasm');
      if (WebAssembly.validate(r.bytes as BufferSource)) return { variant: 'relaxed', ...r };
      // Node 20 has relaxed SIMD behind a V8 flag that only gates validation: turn it on (auto too) and re-check
      if (host.enableRelaxedSimd?.() && WebAssembly.validate(r.bytes as BufferSource)) {
        return { variant: 'relaxed', ...r };
      }
      if (want === 'relaxed') {
        throw new Error('deepts wasm: this engine does not accept relaxed SIMD (Node 20: run with --experimental-wasm-relaxed-simd)');
      }
    } catch (e) {
      if (want === 'relaxed') throw e;
    }
  }
  const r = read('deepts-simd.wasm');
  if (!WebAssembly.validate(r.bytes as BufferSource)) throw new Error('deepts wasm: this engine does not support WebAssembly SIMD');
  return { variant: 'simd', ...r };
}

/**
 * Loads and instantiates the kernels (synchronously) and creates the shared memory. Idempotent:
 * later calls return the current info (and apply `threads` if given).
 */
export function initWasm(opts: WasmInitOptions = {}): WasmInfo {
  return initFrom(opts, (file) => needHost().readWasm(file, opts.wasmDir));
}

/**
 * initWasm() for hosts that load the .wasm files asynchronously (a browser: fetch from `wasmUrl`,
 * default next to the bundle): fetches the files, then initialises exactly like initWasm(). Where the
 * host has no async loader (Node) it is initWasm().
 */
export async function initWasmAsync(opts: WasmInitOptions = {}): Promise<WasmInfo> {
  const h = needHost();
  if (S || !h.fetchWasm) return initWasm(opts);
  const want = wantedVariant(opts.simd);
  const files = want === 'simd' ? ['deepts-simd.wasm'] : ['deepts-relaxed.wasm', 'deepts-simd.wasm'];
  const loaded = new Map<string, WasmFile | Error>();
  await Promise.all(files.map(async (f) => {
    try {
      loaded.set(f, await h.fetchWasm!(f, opts.wasmUrl ?? opts.wasmDir));
    } catch (e) {
      loaded.set(f, e instanceof Error ? e : new Error(String(e)));
    }
  }));
  if (S) return initWasm(opts); // initialised while we were fetching
  return initFrom(opts, (file) => {
    const r = loaded.get(file);
    if (!r) throw new Error(`deepts wasm: ${file} was not fetched`);
    if (r instanceof Error) throw r;
    return r;
  });
}

function initFrom(opts: WasmInitOptions, read: (file: string) => WasmFile): WasmInfo {
  if (!S) {
    const host = needHost();
    const { variant, bytes, path } = chooseVariant(opts.simd, read);
    const module = new WebAssembly.Module(bytes as BufferSource);
    const initialBytes = opts.initialBytes ?? 16 << 20;
    const memory = new WebAssembly.Memory({
      initial: Math.max(1, Math.ceil(initialBytes / PAGE)),
      maximum: MAX_PAGES,
      shared: true,
    });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const exports = instance.exports as unknown as Exports;
    if (exports.abi_version() !== ABI_VERSION) {
      throw new Error(`deepts wasm: ${path} has ABI ${exports.abi_version()}, expected ${ABI_VERSION}; rebuild with npm run build:wasm`);
    }
    const heapBase = exports.heap_base();
    S = {
      host, variant, path, module, memory, exports, heapBase, ctrlPtr: 0, jobPtr: 0, ctrl: new Int32Array(0),
      threads: 1, workers: [], workerFailed: [], scratch: null, results: null,
    };
    buf = null;
    refreshViews();
    // Everything below heap_base (the module's static area; empty today) and the first 1 KiB
    // (so that no valid pointer is 0 or near it) is never handed out.
    heapTop = Math.max(1024, (heapBase + 63) & ~63);
    S.ctrlPtr = alloc(MAX_THREADS * CTRL_LINE * 4);
    S.jobPtr = allocZeroed(ABI.ARG_BYTES);
    jobCtx.slot = S.jobPtr >>> 2;
    heapU8().fill(0, S.ctrlPtr, S.ctrlPtr + MAX_THREADS * CTRL_LINE * 4);
    S.ctrl = new Int32Array(memory.buffer, S.ctrlPtr, MAX_THREADS * CTRL_LINE);
    Atomics.store(S.ctrl, CTRL_SPIN, spinIterations);
    const envThreads = Number(host.env('DEEPTS_NUM_THREADS'));
    setNumThreads(opts.threads ?? (envThreads > 0 ? envThreads : host.defaultThreads()));
  } else if (opts.threads !== undefined) {
    setNumThreads(opts.threads);
  }
  return wasmInfo();
}

function st(): State {
  return S ?? (initWasm(), S!);
}

export function wasmInfo(): WasmInfo {
  const s = st();
  return {
    variant: s.variant, path: s.path, threads: s.threads, heapBase: s.heapBase,
    memoryBytes: s.memory.buffer.byteLength, mr: s.exports.gemm_mr(), nr: s.exports.gemm_nr(),
  };
}

export function isWasmInitialized(): boolean {
  return S !== null;
}

/** The raw wasm exports (run_job etc.) and memory, for tests and advanced use. */
export function wasmInternals(): { exports: Exports; memory: WebAssembly.Memory; module: WebAssembly.Module } {
  const s = st();
  return { exports: s.exports, memory: s.memory, module: s.module };
}

// ---------------------------------------------------------------------------------------------
// Thread pool

let spinIterations = 20000;

/**
 * Sets how many threads kernels may use (main thread included), 1..MAX_THREADS. Workers are
 * started on demand; lowering the count parks the extra workers (asleep) instead of stopping them,
 * so switching back is free. shutdownPool() stops them all.
 */
export function setNumThreads(n: number): void {
  const s = st();
  s.threads = Math.max(1, Math.min(MAX_THREADS, Math.floor(n) || 1));
  jobCtx.threads = s.threads;
}

/**
 * Starts the workers for the current thread count and waits (up to timeoutMs) until each has
 * instantiated the module, so that the first parallel kernels do not run alone on the main thread.
 * Returns the number of running workers. Optional: kernels work without it.
 */
export function warmupPool(timeoutMs = 10000): number {
  const s = st();
  ensureWorkers(s.threads);
  const t0 = Date.now();
  let ready = 0;
  for (let t = 1; t < s.threads; t++) {
    const idx = CTRL_LINE * t + W_STATE;
    if (canBlock) {
      while (Atomics.load(s.ctrl, idx) === 0 && Date.now() - t0 < timeoutMs) Atomics.wait(s.ctrl, idx, 0, 50);
    } else {
      // A browser page cannot block (and its workers may only start once it yields: use warmupPoolAsync()).
      while (Atomics.load(s.ctrl, idx) === 0 && Date.now() - t0 < timeoutMs);
    }
    if (Atomics.load(s.ctrl, idx) === 1) ready++;
  }
  return ready;
}

/**
 * warmupPool() that yields to the event loop while it waits: in a browser, Web Workers only start
 * running once the page's main thread returns to its event loop, so this is the way to have the pool
 * running before the first kernels (ready() calls it). Resolves with the number of running workers.
 */
export async function warmupPoolAsync(timeoutMs = 10000): Promise<number> {
  const s = st();
  ensureWorkers(s.threads);
  const t0 = Date.now();
  const pending = (): number[] => {
    const p: number[] = [];
    for (let t = 1; t < s.threads; t++) if (Atomics.load(s.ctrl, CTRL_LINE * t + W_STATE) === 0 && !s.workerFailed[t]) p.push(t);
    return p;
  };
  while (pending().length > 0 && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 2));
  let ready = 0;
  for (let t = 1; t < s.threads; t++) if (Atomics.load(s.ctrl, CTRL_LINE * t + W_STATE) === 1) ready++;
  return ready;
}

export function getNumThreads(): number {
  return st().threads;
}

/** Spin iterations (each an Atomics.load, a few ns) a worker polls before sleeping in Atomics.wait. */
export function setSpinIterations(n: number): void {
  spinIterations = Math.max(0, Math.floor(n));
  if (S) Atomics.store(S.ctrl, CTRL_SPIN, spinIterations);
}

function stopWorker(t: number): void {
  const s = S!;
  const w = s.workers[t];
  if (!w) return;
  const base = CTRL_LINE * t;
  Atomics.store(s.ctrl, base + W_EXIT, 1);
  Atomics.add(s.ctrl, base + W_SEQ, 1);
  Atomics.notify(s.ctrl, base + W_SEQ);
  w.terminate();
  s.workers[t] = null;
}

/** Stops all workers (they are restarted on demand). */
export function shutdownPool(): void {
  if (!S) return;
  for (let t = 1; t < S.workers.length; t++) stopWorker(t);
  S.workers.length = 0;
}

function ensureWorkers(n: number): void {
  const s = S!;
  for (let t = 1; t < n; t++) {
    if (s.workers[t]) continue;
    const base = CTRL_LINE * t;
    for (let i = 0; i < CTRL_LINE; i++) Atomics.store(s.ctrl, base + i, 0);
    s.workerFailed[t] = false;
    const tid = t;
    s.workers[t] = s.host.spawnWorker(workerLoopSource(), {
      module: s.module, memory: s.memory, ctrlPtr: s.ctrlPtr, jobPtr: s.jobPtr, tid,
    }, () => {
      s.workerFailed[tid] = true;
    });
  }
}

/** Byte offset of the job block (layout: assembly/abi.ts). Write the job, then call runJob(). */
export function jobBlock(): number {
  return st().jobPtr;
}

const counters = { jobs: 0, parallelJobs: 0, mainChunks: 0, wakeups: 0 };

/**
 * Pool statistics: jobs run, jobs offered to workers, chunks run by the main thread and by each
 * worker (workerChunks[t-1] for tid t; counts of stopped workers are lost).
 */
export function poolStats(): { jobs: number; parallelJobs: number; mainChunks: number; wakeups: number; workerChunks: number[] } {
  const s = st();
  const workerChunks: number[] = [];
  for (let t = 1; t < s.workers.length; t++) workerChunks.push(s.workers[t] ? Atomics.load(s.ctrl, CTRL_LINE * t + W_CHUNKS) : 0);
  return { ...counters, workerChunks };
}

/**
 * Runs the job already written to jobBlock(), cut into nChunks chunks: this thread and up to
 * getNumThreads()-1 workers claim chunks until none are left. Returns when every chunk is done.
 * Workers that are asleep or descheduled and join late just find no chunks left; the main
 * thread only waits for workers that are inside the job. Throws if a kernel trapped.
 */
export function runJob(nChunks: number): void {
  const s = S ?? st();
  const J = vI32;
  const jo = jobCtx.slot;
  J[jo + J_NCHUNKS] = nChunks;
  J[jo + J_COUNTER] = 0;
  counters.jobs++;
  const helpers = Math.min(s.threads, nChunks) - 1;
  if (helpers <= 0) {
    counters.mainChunks += s.exports.run_job(s.jobPtr, 0);
    return;
  }
  counters.parallelJobs++;
  ensureWorkers(helpers + 1);
  const ctrl = s.ctrl;
  Atomics.store(ctrl, CTRL_JOB, 0); // open
  for (let t = 1; t <= helpers; t++) {
    const base = CTRL_LINE * t;
    Atomics.add(ctrl, base + W_SEQ, 1);
    if (Atomics.load(ctrl, base + W_SLEEPING) !== 0) { counters.wakeups++; Atomics.notify(ctrl, base + W_SEQ, 1); }
  }
  let mainErr: unknown = null;
  try {
    counters.mainChunks += s.exports.run_job(s.jobPtr, 0);
  } catch (e) {
    mainErr = e;
  }
  // Close the job to newcomers, then wait for the workers inside it (state == 1).
  Atomics.or(ctrl, CTRL_JOB, 1);
  let spins = 0;
  while (Atomics.load(ctrl, CTRL_JOB) !== 1 && spins < spinIterations) spins++;
  if (!canBlock && Atomics.load(ctrl, CTRL_JOB) !== 1) spinUntilClosed(ctrl);
  else if (Atomics.load(ctrl, CTRL_JOB) !== 1) {
    const t0 = Date.now();
    for (;;) {
      Atomics.store(ctrl, CTRL_MAIN_SLEEPING, 1);
      const v = Atomics.load(ctrl, CTRL_JOB);
      if (v === 1) break;
      Atomics.wait(ctrl, CTRL_JOB, v, 1000);
      if (Atomics.load(ctrl, CTRL_JOB) !== 1 && Date.now() - t0 > 120000) {
        Atomics.store(ctrl, CTRL_MAIN_SLEEPING, 0);
        shutdownPool(); // the next parallel call starts fresh workers
        throw new Error('deepts wasm: a worker did not finish its chunk within 120 s; the pool was restarted');
      }
    }
    Atomics.store(ctrl, CTRL_MAIN_SLEEPING, 0);
  }
  if (mainErr) throw mainErr;
  for (let t = 1; t <= helpers; t++) {
    const base = CTRL_LINE * t;
    if (Atomics.load(ctrl, base + W_ERROR) !== 0) {
      Atomics.store(ctrl, base + W_ERROR, 0);
      throw new Error(`deepts wasm: kernel trapped in worker ${t}`);
    }
  }
}

/**
 * The main thread of a browser page may not Atomics.wait: it spins until the workers inside the job
 * have left it (they only run their remaining chunks, so this is as short as the wait would be).
 */
function spinUntilClosed(ctrl: Int32Array): void {
  const t0 = Date.now();
  for (let i = 1; Atomics.load(ctrl, CTRL_JOB) !== 1; i++) {
    if ((i & 0xffff) === 0 && Date.now() - t0 > 120000) {
      shutdownPool();
      throw new Error('deepts wasm: a worker did not finish its chunk within 120 s; the pool was restarted');
    }
  }
}

/**
 * Per-thread scratch: returns the base of a region of getNumThreads() slices of `bytesPerThread`
 * (64-byte multiple) bytes; thread tid uses base + tid * stride. Kept and reused across calls.
 */
export function poolScratch(bytesPerThread: number): { base: number; stride: number } {
  const s = st();
  const stride = Math.ceil(bytesPerThread / 64) * 64;
  const need = stride * s.threads;
  if (!s.scratch || s.scratch.bytes < need) {
    if (s.scratch) free(s.scratch.ptr);
    const bytes = Math.max(need, s.scratch ? Math.floor(s.scratch.bytes * 1.5) : 0);
    s.scratch = { ptr: alloc(bytes), bytes };
  }
  return { base: s.scratch.ptr, stride };
}

/** A reusable buffer for per-chunk results (partial sums); valid until the next call. */
export function resultsBuffer(bytes: number): number {
  const s = st();
  if (!s.results || s.results.bytes < bytes) {
    if (s.results) free(s.results.ptr);
    s.results = { ptr: alloc(Math.max(bytes, 4096)), bytes: Math.max(bytes, 4096) };
  }
  return s.results.ptr;
}

/** Releases the scratch and results buffers (re-created on demand). */
export function releaseScratch(): void {
  const s = st();
  if (s.scratch) free(s.scratch.ptr);
  if (s.results) free(s.results.ptr);
  s.scratch = null;
  s.results = null;
}
