/**
 * Keras model configs (the `model_config` JSON of a Keras `.h5` file) -> deepts models. JSON in, layers out:
 * nothing from the file is ever evaluated (Lambda layers and custom objects are refused with a FormatError).
 *
 * Covers the configs Keras 2 (tf.keras 2.x, and standalone Keras 2.2+) and Keras 3 (its legacy `.h5` writer)
 * produce: Sequential (with an InputLayer entry, or `batch_input_shape` on the first layer), Functional / Model
 * graphs (Keras 2 `inbound_nodes` lists and Keras 3 `{args, kwargs}` nodes with `__keras_tensor__` references),
 * nested models, and the layer classes deepts has.
 */
import { DeeptsError, FormatError } from '../core/errors.js';
import type { Layer } from '../nn/layer.js';
import type { SymbolicTensor } from '../nn/symbolic.js';
import { Activation, Dense, Dropout, Flatten, InputLayer, Reshape } from '../nn/layers/core.js';
import { BatchNormalization } from '../nn/layers/normalization.js';
import { Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D } from '../nn/layers/conv.js';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from '../nn/layers/pooling.js';
import { UpSampling2D, ZeroPadding2D } from '../nn/layers/reshaping.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from '../nn/layers/merge.js';
import { Functional, Sequential, input, type Model } from '../train/model.js';

type Json = Record<string, unknown>;

/** Limits that keep a hostile config from exhausting memory or time. */
const MAX_LAYERS = 100_000;
const MAX_NESTING = 32;

class Ctx {
  /** 'keras2' (list inbound nodes) or 'keras3' ({args} nodes), learned from the first node seen */
  style: 'keras2' | 'keras3' | undefined;
  layers = 0;
  constructor(readonly file: string) {}
  fail(detail: string): never {
    throw new FormatError(this.file, `model_config: ${detail}`);
  }
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(ctx: Ctx, where: string, v: unknown): string {
  if (typeof v !== 'string') ctx.fail(`${where} must be a string, got ${short(v)}`);
  return v;
}
function short(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** A positive integer. */
function posInt(ctx: Ctx, where: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 2 ** 31) ctx.fail(`${where} must be a positive integer, got ${short(v)}`);
  return v as number;
}
function nonNegInt(ctx: Ctx, where: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 2 ** 31) ctx.fail(`${where} must be a non-negative integer, got ${short(v)}`);
  return v as number;
}
/** An int or a pair of them ([a, b] or (a, b)) as a pair. */
function intPair(ctx: Ctx, where: string, v: unknown, def?: number, min = 1): [number, number] {
  if (v === undefined || v === null) {
    if (def === undefined) ctx.fail(`${where} is missing`);
    return [def, def];
  }
  const check = (x: unknown) => (min === 0 ? nonNegInt(ctx, where, x) : posInt(ctx, where, x));
  if (typeof v === 'number') return [check(v), check(v)];
  if (Array.isArray(v) && v.length === 2) return [check(v[0]), check(v[1])];
  if (Array.isArray(v) && v.length === 1) return [check(v[0]), check(v[0])];
  return ctx.fail(`${where} must be an integer or a pair of integers, got ${short(v)}`);
}
function bool(ctx: Ctx, where: string, v: unknown, def: boolean): boolean {
  if (v === undefined || v === null) return def;
  if (typeof v !== 'boolean') ctx.fail(`${where} must be true or false, got ${short(v)}`);
  return v;
}
function finite(ctx: Ctx, where: string, v: unknown, def: number): number {
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isFinite(v)) ctx.fail(`${where} must be a finite number, got ${short(v)}`);
  return v;
}
/** A layer shape with the batch axis: [null | n, d1, ...]. */
function batchShape(ctx: Ctx, where: string, v: unknown): (number | null)[] {
  if (!Array.isArray(v) || v.length < 1 || v.length > 8) ctx.fail(`${where} must be a shape list like [null, 28, 28, 1], got ${short(v)}`);
  return v.map((d, i) => (d === null ? null : i === 0 ? posInt(ctx, where, d) : posInt(ctx, where, d)));
}

/** Keras activation configs: 'relu', or Keras 3's {class_name: 'function', config: 'relu'}. */
function activation(ctx: Ctx, where: string, v: unknown): string {
  if (v === undefined || v === null) return 'linear';
  let name: string;
  if (typeof v === 'string') name = v;
  else if (isObj(v) && typeof v.config === 'string') name = v.config;
  else if (isObj(v) && isObj(v.config) && typeof v.config.name === 'string') name = v.config.name;
  else return ctx.fail(`${where}: unsupported activation ${short(v)}`);
  const known = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'log_softmax', 'elu', 'selu', 'gelu', 'softplus', 'softsign', 'silu', 'swish', 'exponential', 'mish', 'leaky_relu', 'hard_silu', 'hard_swish', 'log_sigmoid'];
  if (name === 'hard_sigmoid') return ctx.fail(`${where}: activation "hard_sigmoid" differs between Keras 2 (0.2x + 0.5) and Keras 3 (relu6(x + 3) / 6); not imported`);
  if (!known.includes(name)) ctx.fail(`${where}: unknown activation "${name}" (known: ${known.join(', ')})`);
  return name;
}

function dataFormat(ctx: Ctx, where: string, v: unknown): 'channelsLast' | 'channelsFirst' {
  if (v === undefined || v === null || v === 'channels_last') return 'channelsLast';
  if (v === 'channels_first') return 'channelsFirst';
  return ctx.fail(`${where}: data_format must be channels_last or channels_first, got ${short(v)}`);
}
function padding(ctx: Ctx, where: string, v: unknown): 'valid' | 'same' {
  if (v === undefined || v === null) return 'valid';
  if (v === 'valid' || v === 'same') return v;
  return ctx.fail(`${where}: padding must be "valid" or "same", got ${short(v)}${v === 'causal' ? ' (causal padding is for 1-D convolutions)' : ''}`);
}
function dtypeOf(ctx: Ctx, where: string, v: unknown): 'float32' | 'float64' {
  // Keras 2: 'float32'; Keras 3: a DTypePolicy {class_name: 'DTypePolicy', config: {name: 'float32'}}
  let name: unknown = v;
  if (isObj(v)) name = isObj(v.config) ? v.config.name : v.name;
  if (name === undefined || name === null || name === 'float32' || name === 'mixed_float16' || name === 'mixed_bfloat16') return 'float32';
  if (name === 'float64') return 'float64';
  return ctx.fail(`${where}: unsupported dtype ${short(v)}`);
}

/** The Keras classes deepts imports, mapped to deepts layers. */
const LAYER_BUILDERS: Record<string, (ctx: Ctx, c: Json, where: string, base: { name: string; trainable: boolean; dtype: 'float32' | 'float64' }) => Layer> = {
  Dense: (ctx, c, w, b) => new Dense({ ...b, units: posInt(ctx, `${w}.units`, c.units), activation: activation(ctx, w, c.activation), useBias: bool(ctx, `${w}.use_bias`, c.use_bias, true) }),
  Activation: (ctx, c, w, b) => new Activation({ ...b, activation: activation(ctx, w, c.activation) }),
  ReLU: (ctx, c, w, b) => {
    const slope = c.negative_slope ?? 0;
    const threshold = c.threshold ?? 0;
    const max = c.max_value ?? null;
    if (slope !== 0 || threshold !== 0 || (max !== null && max !== 6)) ctx.fail(`${w}: ReLU with negative_slope/threshold or max_value other than 6 has no deepts equivalent`);
    return new Activation({ ...b, activation: max === 6 ? 'relu6' : 'relu' });
  },
  Softmax: (ctx, c, w, b) => {
    if (c.axis !== undefined && c.axis !== -1 && !(Array.isArray(c.axis) && c.axis.length === 1 && c.axis[0] === -1)) ctx.fail(`${w}: Softmax over axis ${short(c.axis)} is not supported (only -1)`);
    return new Activation({ ...b, activation: 'softmax' });
  },
  Dropout: (ctx, c, w, b) => {
    const rate = finite(ctx, `${w}.rate`, c.rate, 0);
    if (!(rate >= 0 && rate < 1)) ctx.fail(`${w}.rate must be in [0, 1), got ${rate}`);
    return new Dropout({ ...b, rate });
  },
  Flatten: (ctx, c, w, b) => {
    if (dataFormat(ctx, w, c.data_format) === 'channelsFirst') ctx.fail(`${w}: Flatten with data_format channels_first is not supported`);
    return new Flatten(b);
  },
  Reshape: (ctx, c, w, b) => {
    const t = c.target_shape;
    if (!Array.isArray(t) || t.length < 1 || t.length > 8 || !t.every((d) => d === -1 || (Number.isInteger(d) && d > 0 && d <= 2 ** 31))) ctx.fail(`${w}.target_shape must be a list of positive integers (one may be -1), got ${short(t)}`);
    if ((t as number[]).filter((d) => d === -1).length > 1) ctx.fail(`${w}.target_shape has more than one -1`);
    return new Reshape({ ...b, targetShape: t as number[] });
  },
  BatchNormalization: (ctx, c, w, b) => {
    let axis = c.axis ?? -1;
    if (Array.isArray(axis)) {
      if (axis.length !== 1) ctx.fail(`${w}.axis: normalizing over several axes ${short(axis)} is not supported`);
      axis = axis[0];
    }
    if (!Number.isInteger(axis) || Math.abs(axis as number) > 8) ctx.fail(`${w}.axis must be an integer, got ${short(axis)}`);
    const epsilon = finite(ctx, `${w}.epsilon`, c.epsilon, 1e-3);
    if (!(epsilon > 0)) ctx.fail(`${w}.epsilon must be positive`);
    if (c.renorm === true) ctx.fail(`${w}: batch renormalization is not supported`);
    return new BatchNormalization({
      ...b, axis: axis as number, momentum: finite(ctx, `${w}.momentum`, c.momentum, 0.99), epsilon,
      center: bool(ctx, `${w}.center`, c.center, true), scale: bool(ctx, `${w}.scale`, c.scale, true),
    });
  },
  Conv2D: (ctx, c, w, b) => new Conv2D({
    ...b, filters: posInt(ctx, `${w}.filters`, c.filters), kernelSize: intPair(ctx, `${w}.kernel_size`, c.kernel_size), strides: intPair(ctx, `${w}.strides`, c.strides, 1),
    padding: padding(ctx, w, c.padding), dataFormat: dataFormat(ctx, w, c.data_format), dilationRate: intPair(ctx, `${w}.dilation_rate`, c.dilation_rate, 1),
    groups: c.groups === undefined ? 1 : posInt(ctx, `${w}.groups`, c.groups), activation: activation(ctx, w, c.activation), useBias: bool(ctx, `${w}.use_bias`, c.use_bias, true),
  }),
  Conv2DTranspose: (ctx, c, w, b) => new Conv2DTranspose({
    ...b, filters: posInt(ctx, `${w}.filters`, c.filters), kernelSize: intPair(ctx, `${w}.kernel_size`, c.kernel_size), strides: intPair(ctx, `${w}.strides`, c.strides, 1),
    padding: padding(ctx, w, c.padding), dataFormat: dataFormat(ctx, w, c.data_format), dilationRate: intPair(ctx, `${w}.dilation_rate`, c.dilation_rate, 1),
    outputPadding: c.output_padding === undefined || c.output_padding === null ? null : intPair(ctx, `${w}.output_padding`, c.output_padding, 0, 0),
    activation: activation(ctx, w, c.activation), useBias: bool(ctx, `${w}.use_bias`, c.use_bias, true),
  }),
  DepthwiseConv2D: (ctx, c, w, b) => new DepthwiseConv2D({
    ...b, kernelSize: intPair(ctx, `${w}.kernel_size`, c.kernel_size), strides: intPair(ctx, `${w}.strides`, c.strides, 1), padding: padding(ctx, w, c.padding),
    dataFormat: dataFormat(ctx, w, c.data_format), dilationRate: intPair(ctx, `${w}.dilation_rate`, c.dilation_rate, 1),
    depthMultiplier: c.depth_multiplier === undefined ? 1 : posInt(ctx, `${w}.depth_multiplier`, c.depth_multiplier), activation: activation(ctx, w, c.activation), useBias: bool(ctx, `${w}.use_bias`, c.use_bias, true),
  }),
  SeparableConv2D: (ctx, c, w, b) => new SeparableConv2D({
    ...b, filters: posInt(ctx, `${w}.filters`, c.filters), kernelSize: intPair(ctx, `${w}.kernel_size`, c.kernel_size), strides: intPair(ctx, `${w}.strides`, c.strides, 1),
    padding: padding(ctx, w, c.padding), dataFormat: dataFormat(ctx, w, c.data_format), dilationRate: intPair(ctx, `${w}.dilation_rate`, c.dilation_rate, 1),
    depthMultiplier: c.depth_multiplier === undefined ? 1 : posInt(ctx, `${w}.depth_multiplier`, c.depth_multiplier), activation: activation(ctx, w, c.activation), useBias: bool(ctx, `${w}.use_bias`, c.use_bias, true),
  }),
  MaxPooling2D: (ctx, c, w, b) => new MaxPooling2D({ ...b, poolSize: intPair(ctx, `${w}.pool_size`, c.pool_size, 2), strides: c.strides === undefined || c.strides === null ? null : intPair(ctx, `${w}.strides`, c.strides), padding: padding(ctx, w, c.padding), dataFormat: dataFormat(ctx, w, c.data_format) }),
  AveragePooling2D: (ctx, c, w, b) => new AveragePooling2D({ ...b, poolSize: intPair(ctx, `${w}.pool_size`, c.pool_size, 2), strides: c.strides === undefined || c.strides === null ? null : intPair(ctx, `${w}.strides`, c.strides), padding: padding(ctx, w, c.padding), dataFormat: dataFormat(ctx, w, c.data_format) }),
  GlobalAveragePooling2D: (ctx, c, w, b) => new GlobalAveragePooling2D({ ...b, dataFormat: dataFormat(ctx, w, c.data_format), keepdims: bool(ctx, `${w}.keepdims`, c.keepdims, false) }),
  GlobalMaxPooling2D: (ctx, c, w, b) => new GlobalMaxPooling2D({ ...b, dataFormat: dataFormat(ctx, w, c.data_format), keepdims: bool(ctx, `${w}.keepdims`, c.keepdims, false) }),
  ZeroPadding2D: (ctx, c, w, b) => {
    const p = c.padding ?? 1;
    let pads: [[number, number], [number, number]];
    if (typeof p === 'number') pads = [[nonNegInt(ctx, w, p), p], [p, p]];
    else if (Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'number')) pads = [[nonNegInt(ctx, w, p[0]), p[0]], [nonNegInt(ctx, w, p[1]), p[1]]];
    else if (Array.isArray(p) && p.length === 2 && p.every((x) => Array.isArray(x) && x.length === 2)) {
      pads = [[nonNegInt(ctx, w, p[0][0]), nonNegInt(ctx, w, p[0][1])], [nonNegInt(ctx, w, p[1][0]), nonNegInt(ctx, w, p[1][1])]];
    } else return ctx.fail(`${w}.padding must be an int, a pair or a pair of pairs, got ${short(p)}`);
    return new ZeroPadding2D({ ...b, padding: pads, dataFormat: dataFormat(ctx, w, c.data_format) });
  },
  UpSampling2D: (ctx, c, w, b) => {
    const interpolation = c.interpolation ?? 'nearest';
    if (interpolation !== 'nearest' && interpolation !== 'bilinear') ctx.fail(`${w}: interpolation ${short(interpolation)} is not supported (nearest, bilinear)`);
    return new UpSampling2D({ ...b, size: intPair(ctx, `${w}.size`, c.size, 2), dataFormat: dataFormat(ctx, w, c.data_format), interpolation: interpolation as 'nearest' | 'bilinear' });
  },
  Add: (_ctx, _c, _w, b) => new Add(b),
  Subtract: (_ctx, _c, _w, b) => new Subtract(b),
  Multiply: (_ctx, _c, _w, b) => new Multiply(b),
  Average: (_ctx, _c, _w, b) => new Average(b),
  Maximum: (_ctx, _c, _w, b) => new Maximum(b),
  Minimum: (_ctx, _c, _w, b) => new Minimum(b),
  Concatenate: (ctx, c, w, b) => {
    const axis = c.axis ?? -1;
    if (!Number.isInteger(axis) || Math.abs(axis as number) > 8) ctx.fail(`${w}.axis must be an integer, got ${short(axis)}`);
    return new Concatenate({ ...b, axis: axis as number });
  },
};
const ALIASES: Record<string, string> = {
  Convolution2D: 'Conv2D', Conv2DTranspose: 'Conv2DTranspose', Convolution2DTranspose: 'Conv2DTranspose', SeparableConvolution2D: 'SeparableConv2D',
  MaxPool2D: 'MaxPooling2D', AvgPool2D: 'AveragePooling2D', GlobalAvgPool2D: 'GlobalAveragePooling2D', GlobalMaxPool2D: 'GlobalMaxPooling2D',
};
const MODEL_CLASSES = ['Sequential', 'Functional', 'Model'];

/** Keras class names this importer understands. */
export const KERAS_SUPPORTED_CLASSES = ['InputLayer', ...Object.keys(LAYER_BUILDERS), ...Object.keys(ALIASES).filter((a) => !(a in LAYER_BUILDERS)), ...MODEL_CLASSES].sort();

function className(ctx: Ctx, spec: Json, where: string): string {
  const cls = str(ctx, `${where}.class_name`, spec.class_name);
  if (cls === 'Lambda' || cls === 'TFOpLambda' || cls === 'SlicingOpLambda') {
    ctx.fail(`${where}: ${cls} layers hold Python code, which deepts never runs; rebuild that part of the model in deepts`);
  }
  return ALIASES[cls] ?? cls;
}

function baseConfig(ctx: Ctx, c: Json, where: string): { name: string; trainable: boolean; dtype: 'float32' | 'float64' } {
  const name = str(ctx, `${where}.name`, c.name);
  if (name.length === 0 || name.length > 1000) ctx.fail(`${where}.name must be a non-empty string of at most 1000 characters`);
  return { name, trainable: bool(ctx, `${where}.trainable`, c.trainable, true), dtype: dtypeOf(ctx, where, c.dtype) };
}

/** A non-model layer from its spec. */
function buildLayer(ctx: Ctx, spec: Json, where: string, depth: number): Layer {
  if (++ctx.layers > MAX_LAYERS) ctx.fail(`more than ${MAX_LAYERS} layers`);
  const cls = className(ctx, spec, where);
  if (MODEL_CLASSES.includes(cls)) return buildModel(ctx, spec, where, depth + 1);
  const c = spec.config;
  if (!isObj(c)) ctx.fail(`${where} (${cls}) has no config object`);
  const builder = LAYER_BUILDERS[cls];
  if (!builder) ctx.fail(`${where}: unknown or unsupported layer class "${cls}" (supported: ${KERAS_SUPPORTED_CLASSES.join(', ')})`);
  const b = baseConfig(ctx, c, where);
  try {
    return builder(ctx, c, `${where} "${b.name}"`, b);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    if (e instanceof DeeptsError || e instanceof TypeError || e instanceof RangeError) ctx.fail(`${where} "${b.name}" (${cls}): ${(e as Error).message}`);
    throw e;
  }
}

/** The declared input shape of a layer config, in any of Keras's spellings. */
function declaredShape(ctx: Ctx, c: Json, where: string): (number | null)[] | undefined {
  if (c.batch_shape !== undefined && c.batch_shape !== null) return batchShape(ctx, `${where}.batch_shape`, c.batch_shape);
  if (c.batch_input_shape !== undefined && c.batch_input_shape !== null) return batchShape(ctx, `${where}.batch_input_shape`, c.batch_input_shape);
  if (c.input_shape !== undefined && c.input_shape !== null) return [null, ...batchShape(ctx, `${where}.input_shape`, c.input_shape)];
  return undefined;
}

function buildModel(ctx: Ctx, spec: Json, where: string, depth: number): Model {
  if (depth > MAX_NESTING) ctx.fail(`models nested more than ${MAX_NESTING} deep`);
  const cls = className(ctx, spec, where);
  // Keras 2.0/2.1 wrote a Sequential config as the bare list of layers
  const c = cls === 'Sequential' && Array.isArray(spec.config) ? { layers: spec.config } : spec.config;
  if (!isObj(c)) ctx.fail(`${where} (${cls}) has no config object`);
  if (cls === 'Sequential') return buildSequential(ctx, c, where, depth);
  if (cls === 'Functional' || cls === 'Model') return buildFunctional(ctx, c, where, depth);
  return ctx.fail(`${where}: expected a Sequential or Functional model, got "${cls}"`);
}

function buildSequential(ctx: Ctx, c: Json, where: string, depth: number): Sequential {
  const specs = c.layers;
  if (!Array.isArray(specs)) ctx.fail(`${where}: a Sequential config needs a "layers" list`);
  const name = typeof c.name === 'string' && c.name ? c.name : undefined;
  const layers: Layer[] = [];
  let shape: (number | null)[] | undefined;
  specs.forEach((s, i) => {
    const w = `${where}.layers[${i}]`;
    if (!isObj(s)) ctx.fail(`${w} must be an object`);
    const cls = className(ctx, s, w);
    const lc = s.config;
    if (!isObj(lc)) ctx.fail(`${w} (${cls}) has no config object`);
    if (cls === 'InputLayer') {
      if (layers.length > 0) ctx.fail(`${w}: an InputLayer after other layers`);
      shape = declaredShape(ctx, lc, w);
      if (!shape) ctx.fail(`${w}: InputLayer without batch_shape / batch_input_shape`);
      return;
    }
    if (layers.length === 0 && !shape) shape = declaredShape(ctx, lc, w);
    layers.push(buildLayer(ctx, s, w, depth));
  });
  if (!shape && c.build_input_shape !== undefined && c.build_input_shape !== null) shape = batchShape(ctx, `${where}.build_input_shape`, c.build_input_shape);
  if (!shape) ctx.fail(`${where}: the Sequential model declares no input shape, so its weights cannot be created`);
  if (layers.length === 0) ctx.fail(`${where}: the Sequential model has no layers`);
  try {
    return new Sequential({ name, trainable: c.trainable !== false, layers: [new InputLayer({ batchShape: shape, name: `${name ?? 'sequential'}_input` }), ...layers] });
  } catch (e) {
    if (e instanceof DeeptsError || e instanceof TypeError || e instanceof RangeError) ctx.fail(`${where}: cannot build the Sequential model: ${(e as Error).message}`);
    throw e;
  }
}

/** [layer name, node index, tensor index] of a Keras tensor reference in either style. */
type Ref = [string, number, number];

function parseRef(ctx: Ctx, v: unknown, where: string): Ref {
  // Keras 3: {class_name: '__keras_tensor__', config: {keras_history: [name, node, tensor]}}
  if (isObj(v)) {
    if (v.class_name !== '__keras_tensor__' || !isObj(v.config)) ctx.fail(`${where}: expected a __keras_tensor__ reference, got ${short(v)}`);
    return parseRef(ctx, v.config.keras_history, where);
  }
  // Keras 2: [name, node, tensor] or [name, node, tensor, kwargs]
  if (Array.isArray(v) && (v.length === 3 || v.length === 4) && typeof v[0] === 'string') {
    return [v[0], nonNegInt(ctx, `${where} node index`, v[1]), nonNegInt(ctx, `${where} tensor index`, v[2])];
  }
  return ctx.fail(`${where}: malformed tensor reference ${short(v)}`);
}

/** The input references of one inbound node (Keras 2 list or Keras 3 {args, kwargs}). */
function parseNode(ctx: Ctx, node: unknown, where: string): Ref[] {
  if (isObj(node)) {
    ctx.style ??= 'keras3';
    const args = node.args;
    if (!Array.isArray(args) || args.length < 1) ctx.fail(`${where}: a node needs "args" with the call's inputs`);
    const first = args[0];
    const list = Array.isArray(first) ? first : [first];
    if (list.length === 0 || list.length > 10_000) ctx.fail(`${where}: a call with ${list.length} inputs`);
    return list.map((r, i) => parseRef(ctx, r, `${where} input ${i}`));
  }
  if (Array.isArray(node)) {
    ctx.style ??= 'keras2';
    if (node.length === 0 || node.length > 10_000) ctx.fail(`${where}: a call with ${node.length} inputs`);
    return node.map((r, i) => parseRef(ctx, r, `${where} input ${i}`));
  }
  return ctx.fail(`${where}: malformed inbound node ${short(node)}`);
}

/** input_layers / output_layers: a list of refs, or (Keras 3, single tensor) one ref. */
function parseRefList(ctx: Ctx, v: unknown, where: string): Ref[] {
  if (Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && typeof v[1] === 'number') return [parseRef(ctx, v, where)];
  if (isObj(v)) return Object.keys(v).sort().map((k) => parseRef(ctx, (v as Json)[k], `${where}.${k}`));
  if (!Array.isArray(v) || v.length === 0) ctx.fail(`${where} must be a non-empty list of [layer, node, tensor] references`);
  return v.map((r, i) => parseRef(ctx, r, `${where}[${i}]`));
}

function buildFunctional(ctx: Ctx, c: Json, where: string, depth: number): Functional {
  const specs = c.layers;
  if (!Array.isArray(specs)) ctx.fail(`${where}: a Functional config needs a "layers" list`);
  interface Entry {
    layer: Layer | null;
    cls: string;
    nested: Json | null;
    /** outputs of each call, in node order */
    calls: SymbolicTensor[][];
    pending: Ref[][];
    isInput: boolean;
  }
  const byName = new Map<string, Entry>();
  const order: string[] = [];
  specs.forEach((s, i) => {
    const w = `${where}.layers[${i}]`;
    if (!isObj(s)) ctx.fail(`${w} must be an object`);
    const cls = className(ctx, s, w);
    const lc = s.config;
    if (!isObj(lc)) ctx.fail(`${w} (${cls}) has no config object`);
    const name = typeof s.name === 'string' ? s.name : str(ctx, `${w}.config.name`, lc.name);
    if (byName.has(name)) ctx.fail(`${w}: two layers are named "${name}"`);
    const inbound = s.inbound_nodes ?? [];
    if (!Array.isArray(inbound)) ctx.fail(`${w}.inbound_nodes must be a list`);
    const entry: Entry = { layer: null, cls, nested: null, calls: [], pending: [], isInput: cls === 'InputLayer' };
    if (cls === 'InputLayer') {
      const shape = declaredShape(ctx, lc, w);
      if (!shape) ctx.fail(`${w}: InputLayer without batch_shape / batch_input_shape`);
      try {
        const t = input({ batchShape: shape, name, dtype: dtypeOf(ctx, w, lc.dtype) });
        entry.layer = t.node!.layer;
        entry.calls.push([t]);
      } catch (e) {
        if (e instanceof DeeptsError) ctx.fail(`${w}: ${(e as Error).message}`);
        throw e;
      }
    } else {
      entry.layer = buildLayer(ctx, { ...s, config: { ...lc, name } }, w, depth);
      entry.pending = inbound.map((n, k) => parseNode(ctx, n, `${w}.inbound_nodes[${k}]`));
    }
    byName.set(name, entry);
    order.push(name);
  });
  // Functional models (and, in Keras 2, Sequential models with an input shape) own a first node of their own
  // that the config leaves out, so references to their calls count from 1.
  const offset = (e: Entry): number => {
    if (!(e.layer instanceof Functional || e.layer instanceof Sequential)) return 0;
    if (e.cls === 'Functional' || e.cls === 'Model') return 1;
    return ctx.style === 'keras2' ? 1 : 0;
  };
  const lookup = ([name, node, tensor]: Ref): SymbolicTensor | undefined => {
    const e = byName.get(name);
    if (!e) return undefined;
    let idx = node - (e.isInput ? 0 : offset(e));
    // a layer called once: accept either numbering
    if (e.calls.length === 1 && e.pending.length === 0 && (idx < 0 || idx >= 1)) idx = 0;
    return e.calls[idx]?.[tensor];
  };
  // replay the calls whose inputs exist until none is left; each pass must make progress
  let remaining = order.reduce((n, k) => n + byName.get(k)!.pending.length, 0);
  while (remaining > 0) {
    let progressed = false;
    for (const name of order) {
      const e = byName.get(name)!;
      while (e.pending.length) {
        const refs = e.pending[0];
        const ins = refs.map(lookup);
        if (ins.some((t) => !t)) break;
        let out: SymbolicTensor | SymbolicTensor[];
        try {
          out = ins.length === 1 ? e.layer!.apply(ins[0]!) : e.layer!.apply(ins as SymbolicTensor[]);
        } catch (err) {
          if (err instanceof DeeptsError || err instanceof TypeError || err instanceof RangeError) {
            ctx.fail(`${where}: layer "${name}" (${e.cls}) cannot be called on ${ins.map((t) => JSON.stringify(t!.shape)).join(', ')}: ${(err as Error).message}`);
          }
          throw err;
        }
        e.calls.push(Array.isArray(out) ? out : [out]);
        e.pending.shift();
        remaining--;
        progressed = true;
      }
    }
    if (!progressed) {
      const stuck = order.find((n) => byName.get(n)!.pending.length > 0)!;
      ctx.fail(`${where}: cannot connect layer "${stuck}": its inputs ${short(byName.get(stuck)!.pending[0])} are not produced by any layer`);
    }
  }
  const resolve = (key: string): SymbolicTensor[] =>
    parseRefList(ctx, c[key], `${where}.${key}`).map((r) => {
      const t = lookup(r);
      if (!t) ctx.fail(`${where}.${key}: ${short(r)} names no layer output`);
      return t;
    });
  const inputs = resolve('input_layers');
  const outputs = resolve('output_layers');
  try {
    return new Functional({ inputs, outputs, name: typeof c.name === 'string' && c.name ? c.name : undefined, trainable: c.trainable !== false });
  } catch (e) {
    if (e instanceof DeeptsError) ctx.fail(`${where}: ${(e as Error).message}`);
    throw e;
  }
}

/**
 * A deepts model from a parsed Keras `model_config` ({class_name, config}). Throws a FormatError naming `file`
 * for anything it cannot map (unknown classes list the supported ones).
 */
export function modelFromKerasConfig(config: unknown, file: string): Model {
  const ctx = new Ctx(file);
  if (!isObj(config)) return ctx.fail(`expected an object with "class_name" and "config", got ${short(config)}`);
  return buildModel(ctx, config, 'model', 0);
}
