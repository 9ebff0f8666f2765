/**
 * The in-thread Keras HDF5 reader on top of h5wasm (HDF5 compiled to WebAssembly). It runs inside a worker thread
 * (keras-h5-worker.ts), because a corrupt file can make libhdf5 loop forever or abort; keras-h5.ts calls it
 * there with a time limit. Layout details: see keras-h5.ts.
 */
import { DeeptsError, FormatError } from '../core/errors.js';
import { fmtShape } from '../core/shape.js';

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
    // a tiny file written once, re-read after every failure to check that libhdf5 still works
    const f = new ns.File(HEALTH_FILE, 'w');
    f.create_attribute('ok', 'yes');
    f.close();
  })();
  await loading;
}

const HEALTH_FILE = '/deepts-h5-health.h5';

/** Whether an error is a WebAssembly trap (an abort or a bad memory access inside libhdf5). */
export function isTrap(e: unknown): boolean {
  return e instanceof WebAssembly.RuntimeError || (e as Error)?.name === 'RuntimeError' || /^Aborted\(/.test(String((e as Error)?.message ?? ''));
}

/**
 * Whether libhdf5 still reads a known-good file. After some failures on corrupt input it may not (a trap leaves
 * its state inconsistent); the worker then gets replaced.
 */
export function h5Healthy(): boolean {
  if (!h5) return false;
  try {
    const f = new h5.File(HEALTH_FILE, 'r');
    try {
      return f.attrs.ok?.value === 'yes';
    } finally {
      f.close();
    }
  } catch {
    return false;
  }
}

/** Limits against hostile files. */
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
 * Reads the Keras layout of `.h5` bytes in this thread (call {@link initKerasH5} once before). Every problem,
 * including HDF5-level corruption, is a FormatError naming `file` — but libhdf5 may also hang on a corrupt file,
 * so call it through keras-h5.ts's readKerasH5, which runs it in a worker with a time limit.
 */
export function readKerasH5InThread(bytes: Uint8Array, file = '<buffer>'): KerasH5Contents {
  if (!h5) throw new DeeptsError('readKerasH5InThread: h5wasm is not loaded yet; await initKerasH5() first (loadKerasModel/loadKerasWeights do)');
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
      r.fail(`not a readable HDF5 file: ${isTrap(e) ? `WebAssembly trap: ${firstLine(e)}` : firstLine(e)}`);
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
    throw new FormatError(file, `HDF5 read failed: ${isTrap(e) ? `WebAssembly trap: ${firstLine(e)}` : firstLine(e)}`);
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

