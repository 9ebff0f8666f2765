/**
 * PyTorch -> deepts weights: `loadTorchStateDict(model, file)` reads a safetensors file holding a PyTorch
 * `state_dict` (names like `0.weight`, `conv1.weight`, `bn1.running_mean`, `layer1.0.downsample.0.weight`) and
 * copies it into the matching deepts model, converting layouts:
 *
 *   nn.Linear           weight [out, in]             -> Dense kernel [in, out] (transposed), bias
 *   nn.Conv2d           weight [out, in/g, kh, kw]   -> Conv2D kernel [kh, kw, in/g, out] (OIHW -> HWIO), bias
 *   nn.Conv2d groups=C  weight [C*m, 1, kh, kw]      -> DepthwiseConv2D kernel [kh, kw, C, m]
 *   nn.ConvTranspose2d  weight [in, out, kh, kw]     -> Conv2DTranspose kernel [kh, kw, out, in]
 *   nn.BatchNorm*d      weight, bias, running_mean, running_var -> gamma, beta, moving_mean, moving_variance
 *                       (num_batches_tracked is skipped)
 *
 * deepts is channels-last, so a Dense layer that follows a Flatten of an image reads its input in (h, w, c)
 * order where PyTorch's flatten gives (c, h, w): the columns of that Linear weight are permuted to match.
 *
 * Matching: an explicit `mapping` (deepts layer name -> PyTorch module prefix), else by name when every deepts
 * layer with weights has a module whose prefix, with dots as underscores, is its name (`layer1.0.conv1` ->
 * `layer1_0_conv1`, the zoo's torchvision ports), else by order: the modules in the order their tensors are
 * stored in the file (state_dict order when written in that order) against the deepts layers in model order.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { FormatError, ValueError } from '../core/errors.js';
import { noGrad } from '../core/engine.js';
import { scope } from '../core/memory.js';
import { fmtShape, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { assign } from '../core/assign.js';
import { tensor } from '../ops/create.js';
import type { Layer } from '../nn/layer.js';
import type { LayerShape } from '../nn/symbolic.js';
import { Activation, Dense, Dropout, Flatten, InputLayer } from '../nn/layers/core.js';
import { BatchNormalization } from '../nn/layers/normalization.js';
import { Conv2D, Conv2DTranspose, DepthwiseConv2D } from '../nn/layers/conv.js';
import { Functional, Sequential, type Model } from '../train/model.js';
import { decodeSafetensors, type SafetensorsTensor } from './safetensors.js';
import { permute4 } from './onnx/export.js';

export interface TorchLoadOptions {
  /** deepts layer name -> PyTorch module prefix (e.g. `{dense: 'fc', conv: 'features.0'}`), or a function */
  mapping?: Record<string, string> | ((layerName: string) => string | undefined);
  /** throw when a deepts weight is missing or a file tensor is unused (default true, like load_state_dict) */
  strict?: boolean;
  /**
   * permute the input columns of a Linear that follows a Flatten of an image from PyTorch's (c, h, w) order to
   * deepts's (h, w, c) (default true)
   */
  nchwFlatten?: boolean;
}

export interface TorchLoadReport {
  /** `torch key -> deepts weight` for every tensor copied */
  loaded: string[];
  /** deepts weights that got no value */
  missing: string[];
  /** tensors in the file that matched nothing */
  unexpected: string[];
  /** tensors skipped on purpose (num_batches_tracked) */
  skipped: string[];
  /** how layers were matched */
  matchedBy: 'mapping' | 'name' | 'order';
}

interface TorchModule {
  prefix: string;
  params: Map<string, SafetensorsTensor>;
}

/** The weighted leaf layers of a model, in model order (nested models expanded, shared layers once). */
function leafLayers(model: Layer, out: Layer[] = [], seen = new Set<Layer>()): Layer[] {
  for (const l of model.subLayers()) {
    if (seen.has(l)) continue;
    seen.add(l);
    if (l instanceof Sequential || l instanceof Functional) leafLayers(l, out, seen);
    else if (l.weights.length > 0) out.push(l);
  }
  return out;
}

/** Layers that pass a flattened image through unchanged in layout (elementwise on the features). */
const passesThrough = (l: Layer): boolean => l instanceof Dropout || l instanceof Activation;

/**
 * For each Dense layer fed by a Flatten of a rank-4 channels-last tensor (possibly through Dropout/Activation
 * layers): that tensor's [h, w, c].
 */
function denseAfterImageFlatten(model: Layer, out = new Map<Layer, [number, number, number]>()): Map<Layer, [number, number, number]> {
  const image = (s: LayerShape | undefined): [number, number, number] | undefined =>
    s && s.length === 4 && s[1] !== null && s[2] !== null && s[3] !== null ? [s[1], s[2], s[3]] : undefined;
  if (model instanceof Sequential) {
    let shape = model.inputShapes?.[0];
    let pending: [number, number, number] | undefined;
    for (const l of model.layers) {
      if (l instanceof InputLayer) continue;
      if (l instanceof Sequential || l instanceof Functional) denseAfterImageFlatten(l, out);
      if (l instanceof Dense && pending) out.set(l, pending);
      if (l instanceof Flatten) pending = image(shape);
      else if (!passesThrough(l)) pending = undefined;
      shape = shape ? (l.computeOutputShape(shape) as LayerShape) : undefined;
    }
  } else if (model instanceof Functional) {
    for (const node of model.callNodes) {
      if (node.layer instanceof Sequential || node.layer instanceof Functional) denseAfterImageFlatten(node.layer, out);
      if (!(node.layer instanceof Dense) || node.inputs.length !== 1) continue;
      let src = node.inputs[0].node;
      while (src && passesThrough(src.layer) && src.inputs.length === 1) src = src.inputs[0].node;
      if (src?.layer instanceof Flatten && src.inputs.length === 1) {
        const hwc = image(src.inputs[0].shape);
        if (hwc) out.set(node.layer, hwc);
      }
    }
  }
  return out;
}

/** The tensor a deepts weight should receive from a PyTorch tensor, or an error message. */
function convert(layer: Layer, weight: string, t: SafetensorsTensor, target: Tensor, flat?: [number, number, number]): Float32Array | Float64Array | string {
  const src = t.data;
  if (!(src instanceof Float32Array || src instanceof Float64Array)) return `${t.dtype} tensors are not weights (expected F32/F64/F16/BF16)`;
  const want = target.shape;
  const bad = () => `PyTorch shape ${fmtShape(t.shape)} does not fit ${layer.name}/${weight} ${fmtShape(want)}`;
  if (weight === 'kernel' && layer instanceof Dense) {
    const [inDim, outDim] = want;
    if (t.shape.length !== 2 || t.shape[0] !== outDim || t.shape[1] !== inDim) return bad();
    const k = new Float32Array(inDim * outDim);
    if (flat && flat[0] * flat[1] * flat[2] === inDim) {
      // torch column index c*h*w order -> deepts row index in (h, w, c) order
      const [h, w, c] = flat;
      for (let o = 0; o < outDim; o++) {
        for (let ci = 0; ci < c; ci++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
          k[((y * w + x) * c + ci) * outDim + o] = src[o * inDim + (ci * h + y) * w + x];
        }
      }
    } else {
      for (let o = 0; o < outDim; o++) for (let i = 0; i < inDim; i++) k[i * outDim + o] = src[o * inDim + i];
    }
    return k;
  }
  if (weight === 'kernel' && (layer instanceof Conv2D || layer instanceof Conv2DTranspose)) {
    // OIHW (conv) / [in, out, kh, kw] (transposed conv) -> [kh, kw, *, *]
    if (t.shape.length !== 4) return bad();
    const p = permute4(src, t.shape, [2, 3, 1, 0]);
    if (p.shape.some((d, i) => d !== want[i])) return bad();
    return p.data;
  }
  if (weight === 'kernel' && layer instanceof DepthwiseConv2D) {
    const [kh, kw, c, m] = want;
    if (t.shape.length !== 4 || t.shape[0] !== c * m || t.shape[1] !== 1 || t.shape[2] !== kh || t.shape[3] !== kw) return bad();
    return permute4(src, t.shape, [2, 3, 1, 0]).data; // [kh, kw, 1, C*m] == [kh, kw, C, m] in memory
  }
  if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) return bad();
  return src;
}

/** The PyTorch parameter name for each deepts weight of a supported layer. */
function torchNames(layer: Layer): Map<string, string> | string {
  if (layer instanceof Dense || layer instanceof Conv2D || layer instanceof Conv2DTranspose || layer instanceof DepthwiseConv2D) {
    return new Map([['kernel', 'weight'], ['bias', 'bias']]);
  }
  if (layer instanceof BatchNormalization) {
    return new Map([['gamma', 'weight'], ['beta', 'bias'], ['moving_mean', 'running_mean'], ['moving_variance', 'running_var']]);
  }
  return `layer "${layer.name}" (${layer.className}) has no PyTorch counterpart in this loader (Dense, Conv2D, DepthwiseConv2D, Conv2DTranspose, BatchNormalization)`;
}

/** PyTorch modules (prefix -> params) in the order their tensors are stored. */
function modulesOf(tensors: Map<string, SafetensorsTensor>, report: TorchLoadReport): TorchModule[] {
  const byPrefix = new Map<string, TorchModule>();
  for (const [key, t] of tensors) {
    const cut = key.lastIndexOf('.');
    const prefix = cut < 0 ? '' : key.slice(0, cut);
    const param = key.slice(cut + 1);
    if (param === 'num_batches_tracked') {
      report.skipped.push(key);
      continue;
    }
    let m = byPrefix.get(prefix);
    if (!m) byPrefix.set(prefix, (m = { prefix, params: new Map() }));
    m.params.set(param, t);
  }
  return [...byPrefix.values()];
}

/**
 * Loads a PyTorch `state_dict` saved as safetensors into `model` (see the file comment for the layout
 * conversions and the matching rules). Everything is checked before the first weight is written.
 */
export function loadTorchStateDict(model: Model, file: string, options: TorchLoadOptions = {}): TorchLoadReport {
  if (!existsSync(file)) throw new FormatError(file, 'file not found');
  if (!statSync(file).isFile()) throw new FormatError(file, 'not a regular file');
  return loadTorchStateDictBytes(model, new Uint8Array(readFileSync(file)), file, options);
}

/** {@link loadTorchStateDict} on bytes already in memory. */
export function loadTorchStateDictBytes(model: Model, bytes: Uint8Array, file = '<buffer>', options: TorchLoadOptions = {}): TorchLoadReport {
  const decoded = decodeSafetensors(bytes, file);
  const strict = options.strict ?? true;
  const report: TorchLoadReport = { loaded: [], missing: [], unexpected: [], skipped: [], matchedBy: 'order' };
  const modules = modulesOf(decoded.tensors, report);
  const layers = leafLayers(model);
  for (const l of layers) {
    const names = torchNames(l);
    if (typeof names === 'string') throw new ValueError(`loadTorchStateDict: ${names}`);
  }
  // pair deepts layers with modules
  const pairs: [Layer, TorchModule | undefined][] = [];
  const byPrefix = new Map(modules.map((m) => [m.prefix, m]));
  if (options.mapping) {
    report.matchedBy = 'mapping';
    const map = options.mapping;
    for (const l of layers) {
      const prefix = typeof map === 'function' ? map(l.name) : map[l.name];
      pairs.push([l, prefix === undefined ? undefined : byPrefix.get(prefix)]);
    }
  } else {
    const underscored = new Map(modules.map((m) => [m.prefix.replace(/\./g, '_'), m]));
    if (layers.length > 0 && layers.every((l) => underscored.has(l.name))) {
      report.matchedBy = 'name';
      for (const l of layers) pairs.push([l, underscored.get(l.name)]);
    } else {
      report.matchedBy = 'order';
      if (modules.length !== layers.length && strict) {
        throw new FormatError(file, `the model has ${layers.length} layers with weights (${layers.map((l) => l.name).join(', ')}), the state_dict ${modules.length} modules (${modules.map((m) => m.prefix || '<root>').join(', ')}); give a mapping`);
      }
      layers.forEach((l, i) => pairs.push([l, modules[i]]));
    }
  }
  const flats = options.nchwFlatten === false ? new Map<Layer, [number, number, number]>() : denseAfterImageFlatten(model);
  const used = new Set<string>();
  const plan: [Tensor, Float32Array | Float64Array][] = [];
  for (const [layer, mod] of pairs) {
    const names = torchNames(layer) as Map<string, string>;
    for (const w of layer.ownWeights()) {
      const param = names.get(w.name);
      const t = mod && param ? mod.params.get(param) : undefined;
      const key = mod ? `${mod.prefix ? `${mod.prefix}.` : ''}${param}` : undefined;
      if (!t || !key) {
        report.missing.push(`${layer.name}/${w.name}`);
        continue;
      }
      const v = convert(layer, w.name, t, w.value, flats.get(layer));
      if (typeof v === 'string') throw new FormatError(file, `${key}: ${v}`);
      if (v.length !== sizeOf(w.value.shape)) throw new FormatError(file, `${key}: ${v.length} values for ${layer.name}/${w.name} ${fmtShape(w.value.shape)}`);
      used.add(key);
      plan.push([w.value, v]);
      report.loaded.push(`${key} -> ${layer.name}/${w.name}`);
    }
  }
  for (const m of modules) for (const p of m.params.keys()) {
    const key = m.prefix ? `${m.prefix}.${p}` : p;
    if (!used.has(key)) report.unexpected.push(key);
  }
  if (strict && (report.missing.length || report.unexpected.length)) {
    throw new FormatError(file, `state_dict does not match the model (matched by ${report.matchedBy}): ${report.missing.length ? `missing ${report.missing.join(', ')}` : ''}${report.missing.length && report.unexpected.length ? '; ' : ''}${report.unexpected.length ? `unexpected ${report.unexpected.join(', ')}` : ''}`);
  }
  noGrad(() =>
    scope(() => {
      for (const [w, data] of plan) assign(w, tensor(data, { shape: w.shape.slice(), dtype: w.dtype }));
    }),
  );
  return report;
}
