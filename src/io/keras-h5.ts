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
 * HDF5 is parsed by h5wasm (HDF5 compiled to WebAssembly): the bytes go into its in-memory file system, are read
 * in one synchronous pass, and every failure, from h5wasm or from a malformed layout, becomes a FormatError
 * naming the file. Nothing from the file is evaluated.
 */
import { readFileSync, existsSync, statSync } from 'node:fs';
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

type H5Namespace = typeof import('h5wasm');
type H5Group = import('h5wasm').Group;
type H5Attr = import('h5wasm').Attribute;
type H5Dataset = import('h5wasm').Dataset;

let h5: H5Namespace | null = null;
let loading: Promise<void> | null = null;

/** Loads h5wasm once (a few MB of WebAssembly); the loaders call it, parsers that run synchronously need it first. */
export async function initKerasH5(): Promise<void> {
  if (h5) return;
  loading ??= (async () => {
    const ns = await import('h5wasm');
    const M = await ns.ready;
    // HDF5 errors become JS exceptions instead of diagnostics printed to stderr
    (M as unknown as { activate_throwing_error_handler?: () => number }).activate_throwing_error_handler?.();
    h5 = ns;
  })();
  await loading;
}

/** Limits against hostile files. */
const MAX_FILE_BYTES = 4 * 1024 ** 3;
const MAX_ATTR_BYTES = 64 * 1024 * 1024;
const MAX_JSON_DEPTH = 200;
const MAX_NAMES = 1_000_000;

export interface KerasWeight {
  /** the name in `weight_names` (e.g. `dense/kernel:0`) */
  name: string;
  shape: number[];
  data: Float32Array | Float64Array;
}
export interface KerasLayerWeights {
  name: string;
  weights: KerasWeight[];
}
export interface KerasH5Contents {
  kerasVersion?: string;
  backend?: string;
  /** the parsed `model_config` JSON, when the file has one (full-model files) */
  modelConfig?: unknown;
  /** the layers in `layer_names` order, each with its weights in `weight_names` order */
  layers: KerasLayerWeights[];
  /** Keras 3's `top_level_model_weights` (usually empty) */
  topLevelWeights: KerasWeight[];
}

let fileCounter = 0;

/** First line of an error message, trimmed (HDF5 diagnostics are long stacks). */
function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const lines = m.split('\n').map((l) => l.trim()).filter(Boolean);
  const useful = lines.find((l) => /^#\d+:/.test(l)) ?? lines[0] ?? 'unknown error';
  return useful.slice(0, 300);
}

class Reader {
  /** bytes of dataset values read so far (bounded by the file's size) */
  private budget: number;
  constructor(readonly file: string, size: number) {
    // weights can be compressed, so allow some headroom over the file size, but never unbounded
    this.budget = Math.max(size * 64, 64 * 1024 * 1024);
  }

  fail(detail: string): never {
    throw new FormatError(this.file, detail);
  }

  /** attribute names of a group */
  attrNames(g: H5Group): string[] {
    return Object.keys(g.attrs);
  }

  attr(g: H5Group, name: string): H5Attr | undefined {
    const attrs = g.attrs;
    return Object.prototype.hasOwnProperty.call(attrs, name) ? attrs[name] : undefined;
  }

  /** The values of an attribute holding strings (a scalar or a 1-D list), size-checked before reading. */
  strings(a: H5Attr, where: string): string[] {
    const meta = a.metadata;
    const count = (a.shape ?? []).reduce((p, d) => p * d, 1);
    if (!Number.isSafeInteger(count) || count < 0 || count > MAX_NAMES) this.fail(`${where}: attribute of ${count} elements`);
    if (count * Math.max(meta.size, 1) > MAX_ATTR_BYTES) this.fail(`${where}: attribute of ${count * meta.size} bytes`);
    // Keras writes an empty weight list as an empty float array
    if (count === 0) return [];
    if (meta.type !== 3) this.fail(`${where}: expected strings, found an attribute of HDF5 type class ${meta.type}`);
    const v = a.value;
    const list = Array.isArray(v) ? v : [v];
    return list.map((s, i) => {
      if (typeof s === 'string') return s;
      if (s instanceof Uint8Array) return new TextDecoder().decode(s);
      return this.fail(`${where}[${i}]: expected a string, got ${typeof s}`);
    });
  }

  /** `name` or its chunks `name0`, `name1`, ... (Keras splits lists larger than the 64 KB header limit). */
  stringList(g: H5Group, name: string, where: string): string[] | undefined {
    const a = this.attr(g, name);
    if (a) return this.strings(a, `${where} attribute "${name}"`);
    const out: string[] = [];
    let found = false;
    for (let i = 0; ; i++) {
      const chunk = this.attr(g, `${name}${i}`);
      if (!chunk) break;
      found = true;
      out.push(...this.strings(chunk, `${where} attribute "${name}${i}"`));
      if (out.length > MAX_NAMES) this.fail(`${where}: more than ${MAX_NAMES} names in "${name}"`);
    }
    return found ? out : undefined;
  }

  scalarString(g: H5Group, name: string): string | undefined {
    const a = this.attr(g, name);
    if (!a) return undefined;
    const list = this.strings(a, `attribute "${name}"`);
    if (list.length !== 1) this.fail(`attribute "${name}": expected one string, got ${list.length}`);
    return list[0];
  }

  group(parent: H5Group, path: string, where: string): H5Group {
    const g = parent.get(path);
    if (!g || (g as { type?: string }).type !== 'Group') this.fail(`${where}: no group "${path}"`);
    return g as H5Group;
  }

  dataset(parent: H5Group, path: string, where: string): KerasWeight {
    const d = parent.get(path) as H5Dataset | null;
    if (!d || (d as { type?: string }).type !== 'Dataset') this.fail(`${where}: no dataset "${path}"`);
    const meta = d.metadata;
    const shape = d.shape ?? [];
    if (shape.length > 8 || !shape.every((x) => Number.isSafeInteger(x) && x >= 0)) this.fail(`${where}: dataset "${path}" has shape ${JSON.stringify(shape)}`);
    if (meta.type !== 1) this.fail(`${where}: dataset "${path}" is not floating point (HDF5 type class ${meta.type})`);
    if (meta.size !== 4 && meta.size !== 8) this.fail(`${where}: dataset "${path}" is float${meta.size * 8}; only float32 and float64 weights are read (convert float16 weights with Keras first)`);
    const count = shape.reduce((p, x) => p * x, 1);
    const bytes = count * meta.size;
    if (!Number.isSafeInteger(bytes) || bytes > this.budget) this.fail(`${where}: dataset "${path}" of shape ${fmtShape(shape)} is larger than the file can hold`);
    this.budget -= bytes;
    const v = d.value;
    let data: Float32Array | Float64Array;
    if (v instanceof Float32Array || v instanceof Float64Array) data = v;
    else if (typeof v === 'number') data = Float64Array.of(v);
    else return this.fail(`${where}: dataset "${path}" did not read as floats`);
    if (data.length !== count) this.fail(`${where}: dataset "${path}" has ${data.length} values for shape ${fmtShape(shape)}`);
    return { name: path, shape, data };
  }

  weightsOf(g: H5Group, where: string): KerasWeight[] {
    const names = this.stringList(g, 'weight_names', where) ?? [];
    return names.map((n) => this.dataset(g, n, where));
  }
}

function parseJsonAttr(r: Reader, text: string, what: string): unknown {
  if (text.length > MAX_ATTR_BYTES) r.fail(`${what} is ${text.length} characters`);
  let depth = 0;
  let maxDepth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x7b || ch === 0x5b) maxDepth = Math.max(maxDepth, ++depth);
    else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  if (maxDepth > MAX_JSON_DEPTH) r.fail(`${what}: JSON nesting depth ${maxDepth} exceeds ${MAX_JSON_DEPTH}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    return r.fail(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Reads the Keras layout of `.h5` bytes (synchronously; call {@link initKerasH5} once before). Every problem,
 * including HDF5-level corruption, is a FormatError naming `file`.
 */
export function readKerasH5(bytes: Uint8Array, file = '<buffer>'): KerasH5Contents {
  if (!h5) throw new DeeptsError('readKerasH5: h5wasm is not loaded yet; await initKerasH5() first (loadKerasModel/loadKerasWeights do)');
  const r = new Reader(file, bytes.length);
  if (bytes.length < 8 || bytes[0] !== 0x89 || bytes[1] !== 0x48 || bytes[2] !== 0x44 || bytes[3] !== 0x46) {
    // the HDF5 signature may also sit at 512, 1024, ... (a user block); Keras never writes one
    r.fail('not an HDF5 file (no \\x89HDF signature at the start)');
  }
  const ns = h5;
  const path = `/deepts-keras-${process.pid}-${fileCounter++}.h5`;
  const emfs = ns.FS as unknown as { writeFile(p: string, b: Uint8Array): void; unlink(p: string): void };
  emfs.writeFile(path, bytes);
  let f: import('h5wasm').File | null = null;
  try {
    try {
      f = new ns.File(path, 'r');
    } catch (e) {
      r.fail(`not a readable HDF5 file: ${firstLine(e)}`);
    }
    const root = f as unknown as H5Group;
    const kerasVersion = r.scalarString(root, 'keras_version');
    const backend = r.scalarString(root, 'backend');
    const configText = r.scalarString(root, 'model_config');
    const modelConfig = configText === undefined ? undefined : parseJsonAttr(r, configText, 'the model_config attribute');
    const hasModelWeights = root.keys().includes('model_weights');
    const wg = hasModelWeights ? r.group(root, 'model_weights', 'the file') : root;
    const layerNames = r.stringList(wg, 'layer_names', hasModelWeights ? 'model_weights' : 'the root group');
    if (!layerNames) {
      if (root.keys().includes('layers') || root.keys().includes('_layer_checkpoint_dependencies')) {
        r.fail('this looks like a Keras 3 `.weights.h5` / `.keras` weights file, which is not the legacy layout deepts reads; save with model.save("model.h5") in Keras');
      }
      return r.fail(`no "layer_names" attribute on ${hasModelWeights ? 'model_weights' : 'the root group'}: not a Keras HDF5 file`);
    }
    const seen = new Set<string>();
    const layers = layerNames.map((name) => {
      if (seen.has(name)) r.fail(`layer "${name}" is listed twice in layer_names`);
      seen.add(name);
      const g = r.group(wg, name, `layer "${name}"`);
      return { name, weights: r.weightsOf(g, `layer "${name}"`) };
    });
    const topLevelWeights = wg.keys().includes('top_level_model_weights') ? r.weightsOf(r.group(wg, 'top_level_model_weights', 'the file'), 'top_level_model_weights') : [];
    return { kerasVersion, backend, modelConfig, layers, topLevelWeights };
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(file, `HDF5 read failed: ${firstLine(e)}`);
  } finally {
    try {
      f?.close();
    } catch {
      // a file h5wasm could not close is dropped with its in-memory copy below
    }
    try {
      emfs.unlink(path);
    } catch {
      // already gone
    }
  }
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
 * Builds the deepts model of a Keras `.h5` model from bytes (synchronous; {@link initKerasH5} first). The
 * architecture is first built with placeholder weights to check that the file holds as many weight values as it
 * needs, so a config cannot make deepts allocate more than the file backs.
 */
export function kerasModelFromBytes(bytes: Uint8Array, file = '<buffer>'): { model: Model; report: KerasLoadReport } {
  const contents = readKerasH5(bytes, file);
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
  await initKerasH5();
  return kerasModelFromBytes(readBytes(file), file).model;
}

/** Loads the weights of a Keras `.h5` file (full model or `save_weights`) into `model`; returns what matched. */
export async function loadKerasWeights(model: Model, file: string, options: KerasLoadOptions = {}): Promise<KerasLoadReport> {
  await initKerasH5();
  const contents = readKerasH5(readBytes(file), file);
  return applyWeights(model, contents, file, options);
}
