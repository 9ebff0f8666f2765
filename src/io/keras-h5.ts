/**
 * Keras HDF5 import: `loadKerasModel(file)` rebuilds a Keras `.h5` model (topology from the `model_config`
 * attribute, weights from `model_weights`), `loadKerasWeights(model, file)` loads the weights of a `.h5` file
 * (a full model or a `save_weights` file) into a deepts model, by layer order like Keras or by layer name.
 *
 * Layout read (Keras 2 `hdf5_format.py` / Keras 3 `legacy_h5_format.py`): root attributes `keras_version`,
 * `backend`, `model_config` (JSON); group `model_weights` (or the root, for weights-only files) with attribute
 * `layer_names` (possibly split into `layer_names0`, `layer_names1`, ... when large); one group per layer with
 * attribute `weight_names` (e.g. `dense/kernel:0` in Keras 2, `sequential/dense/kernel` in Keras 3) naming
 * datasets relative to that group. Strings may be fixed-length or variable-length (h5py 2 vs 3).
 *
 * HDF5 is parsed by h5wasm (HDF5 compiled to WebAssembly) in a worker thread: libhdf5 can loop forever or abort
 * on a corrupt file, so each read has a time limit and a hung or broken worker is replaced. The call is still
 * synchronous (the main thread waits on a shared flag). Every failure is a FormatError naming the file; nothing
 * from the file is evaluated.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { DeeptsError, FormatError } from '../core/errors.js';
import { noGrad } from '../core/engine.js';
import { scope } from '../core/memory.js';
import { fmtShape, shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { assign } from '../core/assign.js';
import { tensor } from '../ops/create.js';
import { shapeOnly, type Layer } from '../nn/layer.js';
import type { Model } from '../train/model.js';
import { modelFromKerasConfig } from './keras-config.js';
import type { KerasH5Contents, KerasLayerWeights, KerasWeight } from './keras-h5-reader.js';

export type { KerasH5Contents, KerasLayerWeights, KerasWeight } from './keras-h5-reader.js';

const MAX_FILE_BYTES = 4 * 1024 ** 3;

/** Messages of the worker protocol. */
export type KerasWorkerReply = { ok: KerasH5Contents } | { format: string; restart: boolean } | { fatal: string };

interface Host {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}
let host: Host | null = null;

function spawnWorker(workerData: unknown, transfer: MessagePort[]): Worker {
  // From the built package the worker is plain JS; from the TypeScript sources (under tsx) the loader hooks are
  // not inherited by worker threads, so a small bootstrap registers tsx first (as src/io/fuzz.ts does).
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./keras-h5-worker.js', import.meta.url), { workerData, transferList: transfer });
  const target = new URL('./keras-h5-worker.ts', import.meta.url).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(target)}); })` +
    `.catch((e) => { const d = require('node:worker_threads').workerData; const f = new Int32Array(d.flag); d.port.postMessage({ fatal: String(e && e.stack || e) }); Atomics.store(f, 1, 2); Atomics.notify(f, 1); });`;
  return new Worker(code, { eval: true, workerData, transferList: transfer });
}

/** Starts a worker (without waiting for it). */
function spawnHost(): Host {
  const sab = new SharedArrayBuffer(8);
  const flag = new Int32Array(sab);
  const { port1, port2 } = new MessageChannel();
  const worker = spawnWorker({ flag: sab, port: port2 }, [port2]);
  worker.unref();
  worker.on('error', () => {
    // reported through the flag/port protocol or as a timeout; a dead worker is replaced on the next call
  });
  return { worker, port: port1, flag };
}

/** Waits until a worker has loaded h5wasm. */
function awaitReady(h: Host): void {
  Atomics.wait(h.flag, 1, 0, 60_000);
  const state = Atomics.load(h.flag, 1);
  if (state !== 1) {
    const msg = receiveMessageOnPort(h.port)?.message as { fatal?: string } | undefined;
    void h.worker.terminate();
    if (host === h) host = null;
    throw new DeeptsError(`Keras HDF5 reader: the h5wasm worker did not start${msg?.fatal ? `: ${msg.fatal}` : ' within 60 s'}`);
  }
}

/**
 * A worker loading in the background, kept once a worker had to be replaced (a corrupt file), so the next
 * replacement is ready at once.
 */
let spare: Host | null = null;

function dropHost(): void {
  if (host) void host.worker.terminate();
  host = spare;
  spare = spawnHost();
}

/** Time allowed for one read: generous for big files, short enough that a looping libhdf5 is caught. */
function defaultTimeout(bytes: number): number {
  return 10_000 + Math.ceil(bytes / (1024 * 1024)) * 200;
}

/**
 * Reads the Keras layout of `.h5` bytes: versions, the parsed `model_config` (when present), and every layer's
 * weights in `layer_names` / `weight_names` order. Synchronous; the HDF5 work runs in a worker thread and a read
 * that takes longer than `timeoutMs` (a corrupt file can make libhdf5 loop) is a FormatError.
 */
export function readKerasH5(bytes: Uint8Array, file = '<buffer>', options: { timeoutMs?: number } = {}): KerasH5Contents {
  const timeout = options.timeoutMs ?? defaultTimeout(bytes.length);
  host ??= spawnHost();
  const h = host;
  awaitReady(h);
  Atomics.store(h.flag, 0, 0);
  h.port.postMessage({ bytes, file });
  const waited = Atomics.wait(h.flag, 0, 0, timeout);
  const reply = receiveMessageOnPort(h.port)?.message as KerasWorkerReply | undefined;
  if (!reply) {
    dropHost();
    if (waited === 'timed-out') throw new FormatError(file, `HDF5 read did not finish within ${timeout} ms (libhdf5 can loop on a corrupt file)`);
    throw new FormatError(file, 'HDF5 reader worker died while reading the file');
  }
  if ('ok' in reply) return reply.ok;
  if ('format' in reply) {
    if (reply.restart) dropHost();
    throw new FormatError(file, reply.format);
  }
  dropHost();
  throw new DeeptsError(`Keras HDF5 reader failed: ${reply.fatal}`);
}

/** Stops the reader's worker threads (they are started again when needed). */
export function closeKerasH5Reader(): void {
  for (const h of [host, spare]) if (h) void h.worker.terminate();
  host = null;
  spare = null;
}

export interface KerasLoadOptions {
  /** match layers by name instead of by order (Keras's `by_name=True`); unmatched layers are reported */
  byName?: boolean;
  /** skip layers whose weight count or shapes differ instead of throwing (reported in `skipped`) */
  skipMismatch?: boolean;
}

export interface KerasLoadReport {
  /** deepts layers that received weights */
  loaded: string[];
  /** layers skipped for a count/shape mismatch (skipMismatch) */
  skipped: string[];
  /** deepts layers with weights that got none */
  missing: string[];
  /** file layers with weights that matched no deepts layer */
  unexpected: string[];
  kerasVersion?: string;
  backend?: string;
}

/** Layers of a model that own weights, in model order (nested models count as one layer, as in Keras). */
function weightedLayers(model: Model): Layer[] {
  return model.layers.filter((l) => l.weights.length > 0);
}

/**
 * Copies the file's layer weights into the model's layers (Keras's legacy weight order: trainable weights, then
 * non-trainable, which is deepts's `layer.weights` order). Checks everything before the first write.
 */
function applyWeights(model: Model, contents: KerasH5Contents, file: string, options: KerasLoadOptions): KerasLoadReport {
  const report: KerasLoadReport = { loaded: [], skipped: [], missing: [], unexpected: [], kerasVersion: contents.kerasVersion, backend: contents.backend };
  const fileLayers = contents.layers.filter((l) => l.weights.length > 0);
  const targets = weightedLayers(model);
  const pairs: [Layer, KerasLayerWeights][] = [];
  if (options.byName) {
    const byName = new Map(fileLayers.map((l) => [l.name, l]));
    const used = new Set<string>();
    for (const layer of targets) {
      const src = byName.get(layer.name);
      if (!src) report.missing.push(layer.name);
      else {
        pairs.push([layer, src]);
        used.add(src.name);
      }
    }
    for (const l of fileLayers) if (!used.has(l.name)) report.unexpected.push(l.name);
  } else {
    if (fileLayers.length !== targets.length) {
      throw new FormatError(file, `layer count mismatch: the model has ${targets.length} layers with weights (${targets.map((l) => l.name).join(', ')}), the file ${fileLayers.length} (${fileLayers.map((l) => l.name).join(', ')})`);
    }
    targets.forEach((l, i) => pairs.push([l, fileLayers[i]]));
  }
  if (contents.topLevelWeights.length > 0 && !options.skipMismatch) {
    throw new FormatError(file, `the file has ${contents.topLevelWeights.length} top-level model weights, which deepts models do not have`);
  }
  const plan: [Tensor, KerasWeight][] = [];
  for (const [layer, src] of pairs) {
    const ws = layer.weights;
    const mismatch = ws.length !== src.weights.length
      ? `layer "${layer.name}" has ${ws.length} weights (${ws.map((w) => `${w.name} ${fmtShape(w.shape)}`).join(', ')}), the file's "${src.name}" has ${src.weights.length} (${src.weights.map((w) => `${w.name} ${fmtShape(w.shape)}`).join(', ')})`
      : ws.map((w, i) => (shapesEqual(w.shape, src.weights[i].shape) ? null : `weight ${w.name} of layer "${layer.name}" has shape ${fmtShape(w.shape)}, the file's ${src.weights[i].name} has ${fmtShape(src.weights[i].shape)}`)).find((m) => m !== null);
    if (mismatch) {
      if (options.skipMismatch) {
        report.skipped.push(layer.name);
        continue;
      }
      throw new FormatError(file, mismatch);
    }
    ws.forEach((w, i) => plan.push([w, src.weights[i]]));
    report.loaded.push(layer.name);
  }
  noGrad(() =>
    scope(() => {
      for (const [w, src] of plan) assign(w, tensor(src.data, { shape: src.shape, dtype: w.dtype }));
    }),
  );
  return report;
}

function readBytes(file: string): Uint8Array {
  if (!existsSync(file)) throw new FormatError(file, 'file not found');
  const st = statSync(file);
  if (!st.isFile()) throw new FormatError(file, 'not a regular file');
  if (st.size > MAX_FILE_BYTES) throw new FormatError(file, `file is ${st.size} bytes, more than the ${MAX_FILE_BYTES} supported`);
  return new Uint8Array(readFileSync(file));
}

/**
 * Builds the deepts model of a Keras `.h5` model from bytes (synchronous). The
 * architecture is first built with placeholder weights to check that the file holds as many weight values as it
 * needs, so a config cannot make deepts allocate more than the file backs.
 */
export function kerasModelFromBytes(bytes: Uint8Array, file = '<buffer>', options: { timeoutMs?: number } = {}): { model: Model; report: KerasLoadReport } {
  const contents = readKerasH5(bytes, file, options);
  if (contents.modelConfig === undefined) {
    throw new FormatError(file, 'no model_config attribute: this is a weights-only file; build the model in deepts and use loadKerasWeights(model, file)');
  }
  const stored = contents.layers.reduce((n, l) => n + l.weights.reduce((m, w) => m + w.data.length, 0), 0);
  const needed = shapeOnly(() => {
    const m = modelFromKerasConfig(contents.modelConfig, file);
    return m.weights.reduce((n, w) => n + w.size, 0);
  });
  if (needed > stored) throw new FormatError(file, `model_config describes ${needed} weight values, the file stores ${stored}`);
  const model = modelFromKerasConfig(contents.modelConfig, file);
  try {
    const report = applyWeights(model, contents, file, {});
    return { model, report };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Loads a Keras `.h5` model (architecture + weights) as a deepts model, ready for predict/evaluate/fit. */
export async function loadKerasModel(file: string): Promise<Model> {
  return kerasModelFromBytes(readBytes(file), file).model;
}

/** Loads the weights of a Keras `.h5` file (full model or `save_weights`) into `model`; returns what matched. */
export async function loadKerasWeights(model: Model, file: string, options: KerasLoadOptions = {}): Promise<KerasLoadReport> {
  const contents = readKerasH5(readBytes(file), file);
  return applyWeights(model, contents, file, options);
}
