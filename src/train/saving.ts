/**
 * model.save(dir) / loadModel(dir): `model.json` (topology + training config, JSON only: nothing from a file is
 * ever evaluated) and `weights.safetensors` (tensor names like `dense_1/kernel`), plus `optimizer.safetensors`
 * with the optimizer's slots so training resumes where it stopped. All files are written atomically.
 */
import { readFileSync, existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DataArray, DType } from '../core/dtype.js';
import { DeeptsError, FormatError } from '../core/errors.js';
import { fromData, noGrad } from '../core/engine.js';
import { scope } from '../core/memory.js';
import { fmtShape, shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { assign } from '../core/assign.js';
import { getRngState, setRngState, type RngState } from '../core/random.js';
import { decodeSafetensors, encodeSafetensors, int64ToInt32, type SafetensorsDType, type SafetensorsTensor } from '../io/safetensors.js';
import { writeFileAtomic, writeFilesAtomic } from '../io/atomic-write.js';
import { deserializeLayer, serializeLayer } from '../nn/registry.js';
import { shapeOnly, type Layer } from '../nn/layer.js';
import { serializeLoss, type Loss } from '../nn/losses.js';
import { serializeMetric, Metric } from '../nn/metrics.js';
import { serialize as serializeOptimizer } from '../optim/registry.js';
import { Model } from './model.js';
import type { Compiled } from './trainer.js';

export const MODEL_FORMAT = 'deepts-model';
export const MODEL_FORMAT_VERSION = 1;
const MODEL_JSON = 'model.json';
const WEIGHTS_FILE = 'weights.safetensors';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const MAX_JSON_BYTES = 64 * 1024 * 1024;

const TO_ST: Record<DType, SafetensorsDType> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };

function toSafetensors(named: [string, Tensor][], metadata: Record<string, string> = {}): Uint8Array {
  return encodeSafetensors(
    named.map(([name, t]) => ({ name, dtype: TO_ST[t.dtype], shape: t.shape.slice(), data: t.dataSync() })),
    { format: 'deepts', ...metadata },
  );
}

/** One id per save, written into every file of the checkpoint, so a torn checkpoint is detected on load. */
function newCheckpointId(): string {
  return `${Date.now().toString(36)}-${Math.floor(Math.random() * 2 ** 48).toString(36)}`;
}

export interface SaveOptions {
  /** also save the optimizer's state (default true when compiled) */
  includeOptimizer?: boolean;
}

/** Serializable description of how the model was compiled. */
function trainingConfigOf(model: Model): Record<string, unknown> | null {
  const c = model.training.compiled as Compiled | undefined;
  if (!c) return null;
  return {
    optimizer: serializeOptimizer(c.optimizer),
    loss: c.outputs.map((o) => serializeLoss(o.loss as Loss)),
    lossWeights: c.outputs.map((o) => o.weight),
    metrics: c.outputs.map((o) => o.metricIds.map((m) => (m instanceof Metric ? serializeMetric(m) : typeof m === 'string' ? m : null)).filter((m) => m !== null)),
    outputNames: c.outputs.map((o) => o.name),
  };
}

/** The names weights are saved under (`dense_1/kernel`); a duplicate is a FormatError naming `file`. */
function weightNames(model: Model, file: string): string[] {
  const names = model.weights.map((w) => w.name ?? `weight_${w.id}`);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new FormatError(file, `two weights are named "${dup}"; layer names in a model must be unique`);
  return names;
}

/**
 * Writes only the weights, by name, to one safetensors file (atomically; the folder is created). The
 * counterpart of {@link loadWeights}; `ModelCheckpoint({saveWeightsOnly: true})` uses it.
 */
export async function saveWeights(model: Model, file: string): Promise<void> {
  if (!model.built) throw new FormatError(file, `model ${model.name} is not built: call it on data (or give an inputShape) before saving`);
  const weights = model.weights;
  const names = weightNames(model, file);
  const bytes = toSafetensors(weights.map((w, i) => [names[i], w]));
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, bytes);
}

export async function saveModel(model: Model, dir: string, options: SaveOptions = {}): Promise<void> {
  if (!model.built) throw new FormatError(dir, `model ${model.name} is not built: call it on data (or give an inputShape) before saving`);
  const files: Record<string, Uint8Array | string> = {};
  const weights = model.weights;
  const names = weightNames(model, join(dir, WEIGHTS_FILE));
  const checkpoint = newCheckpointId();
  files[WEIGHTS_FILE] = toSafetensors(weights.map((w, i) => [names[i], w]), { checkpoint });
  const trainingConfig = trainingConfigOf(model);
  let optimizerInfo: Record<string, unknown> | null = null;
  const optimizer = (model.training.compiled as Compiled | undefined)?.optimizer;
  if (optimizer && (options.includeOptimizer ?? true)) {
    scope(() => {
      const state = optimizer.getState();
      const entries: [string, Tensor][] = [];
      for (const [v, slots] of Object.entries(state.slots)) for (const [s, t] of Object.entries(slots)) entries.push([`${v}/${s}`, t]);
      files[OPTIMIZER_FILE] = toSafetensors(entries, { checkpoint });
      optimizerInfo = { iterations: state.iterations, learningRate: state.learningRate ?? null, file: OPTIMIZER_FILE };
    });
  }
  const json = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    modelConfig: serializeLayer(model),
    trainingConfig,
    optimizerState: optimizerInfo,
    // where training stands: completed epochs and the random stream (shuffling, dropout) for exact resume
    trainingState: { epoch: model.training.epoch, rng: getRngState() },
    weights: { file: WEIGHTS_FILE, names },
    checkpoint,
  };
  // model.json is renamed into place last: it is the commit point of the checkpoint
  files[MODEL_JSON] = JSON.stringify(json, null, 1);
  await writeFilesAtomic(dir, files);
}

/** JSON text -> object, with a size and nesting limit; anything else is a FormatError naming `file`. */
function parseJsonObject(bytes: Uint8Array, file: string): Record<string, unknown> {
  if (bytes.length > MAX_JSON_BYTES) throw new FormatError(file, `model JSON is ${bytes.length} bytes, more than the ${MAX_JSON_BYTES} allowed`);
  const text = new TextDecoder().decode(bytes);
  let depth = 0;
  let maxDepth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x7b || ch === 0x5b) maxDepth = Math.max(maxDepth, ++depth);
    else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  if (maxDepth > 200) throw new FormatError(file, `JSON nesting depth ${maxDepth} exceeds 200`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new FormatError(file, `not valid JSON: ${(e as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new FormatError(file, 'expected a JSON object');
  return value as Record<string, unknown>;
}

/**
 * The model described by the bytes of a `model.json` (weights not loaded), plus the parsed JSON. The architecture
 * is first built with placeholder weights (no memory) and refused when it needs more than `maxWeightValues`
 * values, so a hostile file cannot make deepts allocate gigabytes; any error building it is a FormatError.
 */
export function modelFromJson(bytes: Uint8Array, file: string, options: { maxWeightValues?: number } = {}): { model: Model; json: Record<string, unknown> } {
  const json = parseJsonObject(bytes, file);
  if (json.format !== MODEL_FORMAT) throw new FormatError(file, `"format" is ${JSON.stringify(json.format)}, expected "${MODEL_FORMAT}"`);
  if (json.formatVersion !== MODEL_FORMAT_VERSION) throw new FormatError(file, `unsupported formatVersion ${JSON.stringify(json.formatVersion)} (this deepts reads ${MODEL_FORMAT_VERSION})`);
  const build = (): Layer => {
    try {
      return deserializeLayer(json.modelConfig, file);
    } catch (e) {
      // nested configs (the layers of a Sequential/Functional) are read without the file name: put it back
      if (e instanceof FormatError) throw e.file === file ? e : new FormatError(file, e.detail, e.offset);
      if (e instanceof DeeptsError || e instanceof TypeError || e instanceof RangeError) throw new FormatError(file, `modelConfig: ${(e as Error).message}`);
      throw e;
    }
  };
  const limit = options.maxWeightValues ?? 2 ** 31;
  const needed = shapeOnly(() => {
    const l = build();
    return l.built ? l.weights.reduce((n, w) => n + w.size, 0) : 0;
  });
  if (needed > limit) throw new FormatError(file, `modelConfig describes ${needed} weight values, more than the ${limit} allowed here`);
  const layer = build();
  if (!(layer instanceof Model)) throw new FormatError(file, `modelConfig describes a ${layer.className}, not a model`);
  if (!layer.built) throw new FormatError(file, 'the saved model has no input shape, so its weights cannot be created');
  return { model: layer, json };
}

function tensorFrom(entry: SafetensorsTensor, file: string, name: string): Tensor {
  let data: DataArray;
  let dtype: DType;
  switch (entry.dtype) {
    case 'F32': case 'F16': case 'BF16': data = entry.data as Float32Array; dtype = 'float32'; break;
    case 'F64': data = entry.data as Float64Array; dtype = 'float64'; break;
    case 'I32': data = entry.data as Int32Array; dtype = 'int32'; break;
    case 'I64': data = int64ToInt32(entry.data as BigInt64Array, `${file}: ${name}`); dtype = 'int32'; break;
    case 'BOOL': data = entry.data as Uint8Array; dtype = 'bool'; break;
    default: {
      const f = new Float32Array(entry.data.length);
      f.set(entry.data as ArrayLike<number>);
      data = f;
      dtype = 'float32';
    }
  }
  return fromData(data, entry.shape, dtype);
}

export interface LoadWeightsReport {
  /** written into the model (file names, prefix included), in the model's weight order */
  loaded: string[];
  /** in the file but not loaded: shape mismatches (with skipMismatch) first, then names the model does not have */
  skipped: string[];
  /** in the model but not in the file (left as they were; allowed with allowMissing) */
  missing: string[];
  /** the skipped weights whose shape differs, with both shapes (a subset of `skipped`) */
  mismatched: { name: string; fileShape: number[]; modelShape: number[] }[];
}

/** A readable multi-line account of a LoadWeightsReport: counts, then each skipped and missing name. */
export function formatLoadReport(report: LoadWeightsReport): string {
  const mism = new Map(report.mismatched.map((m) => [m.name, m]));
  const lines = [`loaded ${report.loaded.length}, skipped ${report.skipped.length}, missing ${report.missing.length}`];
  for (const k of report.skipped) {
    const m = mism.get(k);
    lines.push(m ? `  skipped ${k}: shape ${fmtShape(m.fileShape)} in the file, ${fmtShape(m.modelShape)} in the model` : `  skipped ${k}: not in the model`);
  }
  for (const k of report.missing) lines.push(`  missing ${k}: not in the file (left as it was)`);
  return lines.join('\n');
}

/**
 * Loads weights by name from a safetensors file into `model`. Strict by default (every weight present, shapes
 * equal); `skipMismatch` skips weights whose shape differs and `allowMissing` leaves absent weights as they are.
 */
export function loadWeights(model: Model, file: string, options: { skipMismatch?: boolean; allowMissing?: boolean; prefix?: string } = {}): LoadWeightsReport {
  if (!existsSync(file)) throw new FormatError(file, 'file not found');
  const decoded = decodeSafetensors(new Uint8Array(readFileSync(file)), file);
  const report: LoadWeightsReport = { loaded: [], skipped: [], missing: [], mismatched: [] };
  const prefix = options.prefix ?? '';
  const used = new Set<string>();
  const plan: [Tensor, SafetensorsTensor, string][] = [];
  for (const w of model.weights) {
    const key = prefix + (w.name ?? '');
    const entry = decoded.tensors.get(key);
    if (!entry) {
      report.missing.push(key);
      continue;
    }
    used.add(key);
    if (!shapesEqual(entry.shape, w.shape)) {
      if (options.skipMismatch) {
        report.skipped.push(key);
        report.mismatched.push({ name: key, fileShape: entry.shape.slice(), modelShape: w.shape.slice() });
        continue;
      }
      throw new FormatError(file, `weight "${key}" has shape ${fmtShape(entry.shape)} in the file but ${fmtShape(w.shape)} in the model`);
    }
    plan.push([w, entry, key]);
  }
  if (report.missing.length && !options.allowMissing) {
    throw new FormatError(file, `missing weights: ${report.missing.join(', ')} (the file has: ${[...decoded.tensors.keys()].join(', ')})`);
  }
  // everything is checked before the first write, so a bad file leaves the model as it was
  noGrad(() =>
    scope(() => {
      for (const [w, entry, key] of plan) {
        assign(w, tensorFrom(entry, file, key));
        report.loaded.push(key);
      }
    }),
  );
  for (const k of decoded.tensors.keys()) if (!used.has(k)) report.skipped.push(k);
  return report;
}

/**
 * Rebuilds a model saved with `model.save(dir)`: same topology, weights, compile settings, optimizer state, completed
 * epochs and (unless `restoreRngState: false`) the random stream, so training continues exactly where it stopped.
 */
export async function loadModel(dir: string, options: { compile?: boolean; restoreRngState?: boolean } = {}): Promise<Model> {
  const jsonFile = join(dir, MODEL_JSON);
  if (!existsSync(jsonFile)) throw new FormatError(jsonFile, 'file not found (is this a folder written by model.save?)');
  // the weights file bounds how many weight values the architecture may ask for (1 byte per value at least)
  const weightsFile = join(dir, WEIGHTS_FILE);
  const maxWeightValues = existsSync(weightsFile) ? statSync(weightsFile).size : undefined;
  const { model, json } = modelFromJson(new Uint8Array(readFileSync(jsonFile)), jsonFile, { maxWeightValues });
  const checkpoint = typeof json.checkpoint === 'string' ? json.checkpoint : undefined;
  checkCheckpointId(join(dir, WEIGHTS_FILE), checkpoint);
  loadWeights(model, join(dir, WEIGHTS_FILE));
  const tc = json.trainingConfig as Record<string, unknown> | null | undefined;
  if (tc && (options.compile ?? true)) {
    const losses = tc.loss as unknown[];
    const metrics = tc.metrics as unknown[];
    if (!Array.isArray(losses) || !Array.isArray(metrics)) throw new FormatError(jsonFile, 'trainingConfig.loss and .metrics must be arrays');
    model.compile({
      optimizer: tc.optimizer as Record<string, unknown>,
      loss: losses.length === 1 ? (losses[0] as never) : (losses as never),
      metrics: metrics.length === 1 ? (metrics[0] as never) : Object.fromEntries(model.outputNames.map((n, i) => [n, metrics[i]])) as never,
      lossWeights: tc.lossWeights as number[] | undefined,
    });
    const os = json.optimizerState as { iterations?: unknown; learningRate?: unknown; file?: unknown } | null;
    if (os && typeof os.file === 'string') {
      const file = join(dir, os.file === OPTIMIZER_FILE ? OPTIMIZER_FILE : OPTIMIZER_FILE);
      const decoded = decodeSafetensors(new Uint8Array(readFileSync(file)), file);
      if (checkpoint !== undefined && decoded.metadata.checkpoint !== checkpoint) throw tornCheckpoint(file, checkpoint, decoded.metadata.checkpoint);
      const slots: Record<string, Record<string, DataArray>> = {};
      for (const [key, entry] of decoded.tensors) {
        const cut = key.lastIndexOf('/');
        if (cut <= 0) throw new FormatError(file, `slot name "${key}" is not VARIABLE/SLOT`);
        (slots[key.slice(0, cut)] ??= {})[key.slice(cut + 1)] = entry.data as DataArray;
      }
      model.optimizer!.setState({
        iterations: Number(os.iterations),
        slots,
        learningRate: typeof os.learningRate === 'number' ? os.learningRate : undefined,
      });
    }
  }
  const ts = json.trainingState as { epoch?: unknown; rng?: unknown } | null | undefined;
  if (ts && typeof ts === 'object') {
    if (typeof ts.epoch === 'number' && Number.isInteger(ts.epoch) && ts.epoch >= 0) model.training.epoch = ts.epoch;
    if ((options.restoreRngState ?? true) && ts.rng !== undefined) setRngState(checkRngState(jsonFile, ts.rng));
  }
  return model;
}

function tornCheckpoint(file: string, expected: string, found: string | undefined): FormatError {
  return new FormatError(file, `belongs to checkpoint ${JSON.stringify(found ?? null)} but model.json is checkpoint "${expected}": the folder holds parts of two saves (a save was interrupted)`);
}

function checkCheckpointId(file: string, checkpoint: string | undefined): void {
  if (checkpoint === undefined || !existsSync(file)) return;
  const found = decodeSafetensors(new Uint8Array(readFileSync(file)), file).metadata.checkpoint;
  if (found !== checkpoint) throw tornCheckpoint(file, checkpoint, found);
}

function checkRngState(file: string, v: unknown): RngState {
  const r = v as { s?: unknown; spare?: unknown };
  const ok = r && Array.isArray(r.s) && r.s.length === 4 && r.s.every((x) => Number.isInteger(x)) && (r.spare === null || typeof r.spare === 'number');
  if (!ok) throw new FormatError(file, 'trainingState.rng must be {s: [4 integers], spare: number|null}');
  return r as RngState;
}

