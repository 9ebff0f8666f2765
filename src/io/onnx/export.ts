/**
 * ONNX export: `exportOnnx(model, file, {opset})` / `onnxBytes(model)` turn a deepts model (Sequential,
 * Functional, nested models) into an ONNX ModelProto for inference.
 *
 * Layout: deepts is channels-last (NHWC). The ONNX model takes and returns exactly what `model.predict` does, so
 * its inputs are NHWC too. Convolutions and pooling run in ONNX's NCHW: the exporter tracks, for every value,
 * whether the ONNX tensor is the deepts tensor as is or its NCHW transpose, and inserts a Transpose only where a
 * layer needs the other one (typically one after the input and one before Flatten/Dense or the output).
 * Kernels are converted HWIO -> OIHW. Layers with no mapping throw a ValueError naming the layer.
 */
import { ValueError } from '../../core/errors.js';
import { normalizeAxis } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { samePads } from '../../ops/conv-utils.js';
import type { Layer } from '../../nn/layer.js';
import type { LayerShape } from '../../nn/symbolic.js';
import { serializeActivation, type ActivationFn } from '../../nn/activations.js';
import { Activation, Dense, Dropout, Flatten, InputLayer, Reshape } from '../../nn/layers/core.js';
import { BatchNormalization } from '../../nn/layers/normalization.js';
import { Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D } from '../../nn/layers/conv.js';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from '../../nn/layers/pooling.js';
import { UpSampling2D, ZeroPadding2D } from '../../nn/layers/reshaping.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from '../../nn/layers/merge.js';
import { Functional, Sequential, type Model } from '../../train/model.js';
import { encodeModel, ONNX_FLOAT, ONNX_INT64, type OnnxAttr, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './proto.js';

export interface OnnxExportOptions {
  /** ONNX opset of the default domain, 11..21 (default 13) */
  opset?: number;
  /** name(s) of the graph input(s) (default 'input' for one input, the input layers' names for several) */
  inputName?: string | string[];
  /** name(s) of the graph output(s) (default 'output' for one output, the output layers' names for several) */
  outputName?: string | string[];
  /** ModelProto.doc_string */
  docString?: string;
}

export const MIN_OPSET = 11;
export const MAX_OPSET = 21;
/** The IR version that goes with each opset (onnx/helper.py VERSION_TABLE). */
function irVersionFor(opset: number): number {
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** The layer classes the exporter maps (for error messages and docs). */
export const ONNX_SUPPORTED_LAYERS = [
  'InputLayer', 'Dense', 'Activation', 'Dropout', 'Flatten', 'Reshape', 'BatchNormalization', 'Conv2D', 'Conv2DTranspose',
  'DepthwiseConv2D', 'SeparableConv2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D',
  'ZeroPadding2D', 'UpSampling2D', 'Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate',
  'Sequential', 'Functional',
];

/** One value of the graph: its ONNX name, its deepts shape, and whether the ONNX tensor is the NCHW transpose. */
interface Value {
  name: string;
  shape: LayerShape;
  /** true: the ONNX tensor is transpose(deepts tensor, [0, 3, 1, 2]) (rank 4 only) */
  nchw: boolean;
}

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

/** Permutes a row-major 4-D array: out[i_perm[0], ...] = in[i0, i1, i2, i3]. `perm` as in numpy.transpose. */
export function permute4(data: ArrayLike<number>, shape: number[], perm: number[]): { data: Float32Array; shape: number[] } {
  const outShape = perm.map((p) => shape[p]);
  const inStrides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  const s = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  let o = 0;
  for (let a = 0; a < outShape[0]; a++) {
    for (let b = 0; b < outShape[1]; b++) {
      for (let c = 0; c < outShape[2]; c++) {
        let idx = a * s[0] + b * s[1] + c * s[2];
        for (let d = 0; d < outShape[3]; d++, idx += s[3]) out[o++] = data[idx];
      }
    }
  }
  return { data: out, shape: outShape };
}

class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>();
  private readonly weightNames = new Map<Tensor, Map<string, string>>();
  private readonly converted = new Map<string, string>();

  constructor(readonly opset: number, reserved: string[]) {
    for (const r of reserved) this.used.add(r);
  }

  /** A name not used yet, based on `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  node(opType: string, inputs: string[], base: string, attributes: OnnxAttr[] = [], output?: string): string {
    const out = output ?? this.fresh(base);
    this.nodes.push({ opType, inputs, outputs: [out], name: this.fresh(`${base}/${opType}`), attributes });
    return out;
  }

  floats(base: string, dims: number[], data: ArrayLike<number>): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dataType: ONNX_FLOAT, dims, data: data instanceof Float32Array ? data : Float32Array.from(data) });
    return name;
  }

  int64s(base: string, dims: number[], data: number[]): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dataType: ONNX_INT64, dims, data });
    return name;
  }

  /** An initializer for a weight (once per tensor and transform: shared layers share it). */
  weight(t: Tensor, transform: 'as-is' | 'oihw' | 'depthwise-oihw' = 'as-is'): string {
    let byTransform = this.weightNames.get(t);
    if (!byTransform) this.weightNames.set(t, (byTransform = new Map()));
    const cached = byTransform.get(transform);
    if (cached) return cached;
    const base = t.name ?? `weight_${t.id}`;
    const data = t.dataSync();
    let name: string;
    if (transform === 'as-is') {
      name = this.floats(base, t.shape.slice(), data);
    } else {
      let shape = t.shape.slice();
      // depthwise [kh, kw, C, m] is a grouped conv kernel [kh, kw, 1, C*m] (output channel c*m + j)
      if (transform === 'depthwise-oihw') shape = [shape[0], shape[1], 1, shape[2] * shape[3]];
      const p = permute4(data, shape, [3, 2, 0, 1]);
      name = this.floats(base, p.shape, p.data);
    }
    byTransform.set(transform, name);
    return name;
  }

  /** The value as an NCHW ONNX tensor (inserting a Transpose once per value when needed). */
  nchw(v: Value): string {
    if (v.nchw) return v.name;
    return this.transposed(v.name, TO_NCHW, 'to_nchw');
  }
  /** The value in deepts's own layout. */
  native(v: Value): string {
    if (!v.nchw) return v.name;
    return this.transposed(v.name, TO_NHWC, 'to_nhwc');
  }
  private transposed(name: string, perm: number[], tag: string): string {
    const key = `${name}\u0000${tag}`;
    const hit = this.converted.get(key);
    if (hit) return hit;
    const out = this.node('Transpose', [name], `${name}/${tag}`, [{ name: 'perm', kind: 'ints', value: perm }]);
    this.converted.set(key, out);
    return out;
  }
}

function layerError(layer: Layer, why: string): ValueError {
  return new ValueError(`exportOnnx: layer "${layer.name}" (${layer.className}): ${why}`);
}

/** Explicit ONNX pads [top, left, bottom, right] of a conv/pool padding on an input of spatial size h, w. */
function onnxPads(layer: Layer, padding: 'valid' | 'same' | [[number, number], [number, number]], size: [number | null, number | null], kernel: [number, number], strides: [number, number], dilations: [number, number]): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    if (size[0] === null || size[1] === null) throw layerError(layer, "'same' padding needs known spatial dimensions to compute explicit pads");
    const [t, b] = samePads(size[0], kernel[0], strides[0], dilations[0]);
    const [l, r] = samePads(size[1], kernel[1], strides[1], dilations[1]);
    return [t, l, b, r];
  }
  return [padding[0][0], padding[1][0], padding[0][1], padding[1][1]];
}

/** The spatial size [h, w] of a rank-4 deepts shape in a data format. */
function spatial(shape: LayerShape, channelsFirst: boolean): [number | null, number | null] {
  return channelsFirst ? [shape[2], shape[3]] : [shape[1], shape[2]];
}

class Exporter {
  constructor(readonly g: GraphBuilder) {}

  /** Applies an activation to `x` (an ONNX value name); `nchw` tells whether x is in the NCHW layout. */
  activation(fn: ActivationFn, v: Value, layer: Layer): Value {
    let name: string;
    try {
      name = serializeActivation(fn);
    } catch {
      throw layerError(layer, 'its activation is an anonymous function, which has no ONNX mapping');
    }
    const g = this.g;
    const base = layer.name;
    const x = v.name;
    const same = (out: string): Value => ({ name: out, shape: v.shape, nchw: v.nchw });
    const scalar = (value: number, tag: string) => g.floats(`${base}/${tag}`, [], [value]);
    switch (name) {
      case 'linear': return v;
      case 'relu': return same(g.node('Relu', [x], base));
      case 'relu6': return same(g.node('Clip', [x, scalar(0, 'min'), scalar(6, 'max')], base));
      case 'sigmoid': return same(g.node('Sigmoid', [x], base));
      case 'tanh': return same(g.node('Tanh', [x], base));
      case 'softmax':
      case 'log_softmax': {
        // over deepts's last axis: work in the native layout
        const nx = g.native(v);
        return { name: g.node(name === 'softmax' ? 'Softmax' : 'LogSoftmax', [nx], base, [{ name: 'axis', kind: 'int', value: -1 }]), shape: v.shape, nchw: false };
      }
      case 'elu': return same(g.node('Elu', [x], base, [{ name: 'alpha', kind: 'float', value: 1 }]));
      case 'selu': return same(g.node('Selu', [x], base, [
        { name: 'alpha', kind: 'float', value: 1.6732632423543772 }, { name: 'gamma', kind: 'float', value: 1.0507009873554805 },
      ]));
      case 'gelu': {
        // exact GELU: 0.5 x (1 + erf(x / sqrt 2))
        const e = g.node('Erf', [g.node('Mul', [x, scalar(Math.SQRT1_2, 'rsqrt2')], base)], base);
        const onePlus = g.node('Add', [e, scalar(1, 'one')], base);
        return same(g.node('Mul', [g.node('Mul', [x, scalar(0.5, 'half')], base), onePlus], base));
      }
      case 'softplus': return same(g.node('Softplus', [x], base));
      case 'softsign': return same(g.node('Softsign', [x], base));
      case 'silu': return same(g.node('Mul', [x, g.node('Sigmoid', [x], base)], base));
      case 'leaky_relu': return same(g.node('LeakyRelu', [x], base, [{ name: 'alpha', kind: 'float', value: 0.2 }]));
      case 'hard_sigmoid': return same(g.node('HardSigmoid', [x], base, [{ name: 'alpha', kind: 'float', value: 1 / 6 }, { name: 'beta', kind: 'float', value: 0.5 }]));
      case 'hard_silu': {
        const hs = g.node('HardSigmoid', [x], base, [{ name: 'alpha', kind: 'float', value: 1 / 6 }, { name: 'beta', kind: 'float', value: 0.5 }]);
        return same(g.node('Mul', [x, hs], base));
      }
      case 'exponential': return same(g.node('Exp', [x], base));
      case 'mish': return same(g.node('Mul', [x, g.node('Tanh', [g.node('Softplus', [x], base)], base)], base));
      case 'log_sigmoid': return same(g.node('Neg', [g.node('Softplus', [g.node('Neg', [x], base)], base)], base));
      default:
        throw layerError(layer, `activation "${name}" has no ONNX mapping (only the built-in activations export)`);
    }
  }

  /** Exports one layer call; returns its outputs. */
  layer(layer: Layer, inputs: Value[]): Value[] {
    const g = this.g;
    const base = layer.name;
    const one = (): Value => {
      if (inputs.length !== 1) throw layerError(layer, `expected one input, got ${inputs.length}`);
      return inputs[0];
    };
    const outShape = (): LayerShape => {
      const s = layer.computeOutputShape(inputs.length === 1 ? inputs[0].shape : inputs.map((v) => v.shape));
      if (Array.isArray(s[0])) throw layerError(layer, 'layers with several outputs are not supported');
      return s as LayerShape;
    };

    if (layer instanceof Functional || layer instanceof Sequential) return this.model(layer, inputs);
    if (layer instanceof InputLayer) return [one()];
    if (layer instanceof Dropout) return [one()];
    if (layer instanceof Activation) return [this.activation(layer.activation, one(), layer)];

    if (layer instanceof Dense) {
      const v = one();
      const x = g.native(v);
      const k = g.weight(layer.kernel!);
      let y: string;
      if (v.shape.length === 2) {
        y = g.node('Gemm', layer.bias ? [x, k, g.weight(layer.bias)] : [x, k], base);
      } else {
        y = g.node('MatMul', [x, k], base);
        if (layer.bias) y = g.node('Add', [y, g.weight(layer.bias)], base);
      }
      return [this.activation(layer.activation, { name: y, shape: outShape(), nchw: false }, layer)];
    }

    if (layer instanceof Flatten) {
      const v = one();
      return [{ name: g.node('Flatten', [g.native(v)], base, [{ name: 'axis', kind: 'int', value: 1 }]), shape: outShape(), nchw: false }];
    }

    if (layer instanceof Reshape) {
      const v = one();
      const shape = g.int64s(`${base}/shape`, [layer.targetShape.length + 1], [0, ...layer.targetShape]);
      return [{ name: g.node('Reshape', [g.native(v), shape], base), shape: outShape(), nchw: false }];
    }

    if (layer instanceof BatchNormalization) return [this.batchNorm(layer, one())];

    if (layer instanceof Conv2D || layer instanceof DepthwiseConv2D || layer instanceof SeparableConv2D || layer instanceof Conv2DTranspose) {
      return [this.conv(layer, one(), outShape())];
    }

    if (layer instanceof MaxPooling2D || layer instanceof AveragePooling2D) {
      const v = one();
      const cf = layer.dataFormat === 'channelsFirst';
      const x = cf ? g.native(v) : g.nchw(v);
      const attrs: OnnxAttr[] = [
        { name: 'kernel_shape', kind: 'ints', value: layer.poolSize },
        { name: 'strides', kind: 'ints', value: layer.strides },
        { name: 'pads', kind: 'ints', value: onnxPads(layer, layer.padding, spatial(v.shape, cf), layer.poolSize, layer.strides, [1, 1]) },
      ];
      if (layer instanceof AveragePooling2D) attrs.push({ name: 'count_include_pad', kind: 'int', value: 0 });
      return [{ name: g.node(layer instanceof MaxPooling2D ? 'MaxPool' : 'AveragePool', [x], base, attrs), shape: outShape(), nchw: !cf }];
    }

    if (layer instanceof GlobalAveragePooling2D || layer instanceof GlobalMaxPooling2D) {
      const v = one();
      const cf = layer.dataFormat === 'channelsFirst';
      const y = g.node(layer instanceof GlobalAveragePooling2D ? 'GlobalAveragePool' : 'GlobalMaxPool', [cf ? g.native(v) : g.nchw(v)], base);
      if (layer.keepdims) return [{ name: y, shape: outShape(), nchw: !cf }];
      return [{ name: g.node('Flatten', [y], base, [{ name: 'axis', kind: 'int', value: 1 }]), shape: outShape(), nchw: false }];
    }

    if (layer instanceof ZeroPadding2D) {
      const v = one();
      if (v.shape.length !== 4) throw layerError(layer, 'expected a rank-4 input');
      const [[t, b], [l, r]] = layer.padding;
      // pads per ONNX axis of the tensor as it is: [x1_begin, x2_begin, ..., x1_end, ...]
      const spatialAxes = v.nchw || layer.dataFormat === 'channelsFirst' ? [2, 3] : [1, 2];
      const begin = [0, 0, 0, 0];
      const end = [0, 0, 0, 0];
      begin[spatialAxes[0]] = t; end[spatialAxes[0]] = b; begin[spatialAxes[1]] = l; end[spatialAxes[1]] = r;
      const pads = g.int64s(`${base}/pads`, [8], [...begin, ...end]);
      return [{ name: g.node('Pad', [v.name, pads], base, [{ name: 'mode', kind: 'string', value: 'constant' }]), shape: outShape(), nchw: v.nchw }];
    }

    if (layer instanceof UpSampling2D) {
      const v = one();
      const cf = layer.dataFormat === 'channelsFirst';
      const x = cf ? g.native(v) : g.nchw(v);
      const scales = g.floats(`${base}/scales`, [4], [1, 1, layer.size[0], layer.size[1]]);
      const roi = g.opset >= 13 ? '' : g.floats(`${base}/roi`, [0], []);
      const attrs: OnnxAttr[] = layer.interpolation === 'nearest'
        ? [{ name: 'mode', kind: 'string', value: 'nearest' }, { name: 'coordinate_transformation_mode', kind: 'string', value: 'asymmetric' }, { name: 'nearest_mode', kind: 'string', value: 'floor' }]
        : [{ name: 'mode', kind: 'string', value: 'linear' }, { name: 'coordinate_transformation_mode', kind: 'string', value: 'half_pixel' }];
      return [{ name: g.node('Resize', [x, roi, scales], base, attrs), shape: outShape(), nchw: !cf }];
    }

    if (layer instanceof Add || layer instanceof Subtract || layer instanceof Multiply || layer instanceof Average || layer instanceof Maximum || layer instanceof Minimum) {
      if (inputs.length < 1) throw layerError(layer, 'a merge layer needs inputs');
      // NCHW when every input is rank 4 and one of them is NCHW already (a residual add after convolutions)
      const useNchw = inputs.every((v) => v.shape.length === 4) && inputs.some((v) => v.nchw);
      const xs = inputs.map((v) => (useNchw ? g.nchw(v) : g.native(v)));
      const out = (name: string): Value[] => [{ name, shape: outShape(), nchw: useNchw }];
      if (xs.length === 1) return out(g.node('Identity', xs, base));
      if (layer instanceof Subtract) return out(g.node('Sub', xs, base));
      const op = layer instanceof Add ? 'Sum' : layer instanceof Multiply ? 'Mul' : layer instanceof Average ? 'Mean' : layer instanceof Maximum ? 'Max' : 'Min';
      if (op === 'Mul') return out(xs.slice(1).reduce((acc, x) => g.node('Mul', [acc, x], base), xs[0]));
      if (op === 'Sum' && xs.length === 2) return out(g.node('Add', xs, base));
      return out(g.node(op, xs, base));
    }

    if (layer instanceof Concatenate) {
      if (inputs.length < 1) throw layerError(layer, 'needs inputs');
      const rank = inputs[0].shape.length;
      const axis = normalizeAxis(layer.name, layer.axis, rank);
      const useNchw = rank === 4 && inputs.every((v) => v.shape.length === 4) && inputs.some((v) => v.nchw);
      const xs = inputs.map((v) => (useNchw ? g.nchw(v) : g.native(v)));
      const onnxAxis = useNchw ? TO_NCHW.indexOf(axis) : axis;
      return [{ name: g.node('Concat', xs, base, [{ name: 'axis', kind: 'int', value: onnxAxis }]), shape: outShape(), nchw: useNchw }];
    }

    throw layerError(layer, `this layer class has no ONNX mapping (supported: ${ONNX_SUPPORTED_LAYERS.join(', ')})`);
  }

  batchNorm(layer: BatchNormalization, v: Value): Value {
    const g = this.g;
    const rank = v.shape.length;
    const axis = normalizeAxis(layer.name, layer.axis, rank);
    const c = v.shape[axis];
    if (c === null) throw layerError(layer, 'the feature axis must have a known size');
    const ones = new Float32Array(c).fill(1);
    const params = (): string[] => [
      layer.gamma ? g.weight(layer.gamma) : g.floats(`${layer.name}/gamma`, [c], ones),
      layer.beta ? g.weight(layer.beta) : g.floats(`${layer.name}/beta`, [c], new Float32Array(c)),
      g.weight(layer.movingMean!),
      g.weight(layer.movingVariance!),
    ];
    const attrs: OnnxAttr[] = [{ name: 'epsilon', kind: 'float', value: layer.epsilon }];
    // ONNX BatchNormalization normalizes axis 1 (inference form: the moving statistics)
    if (rank === 4 && axis === 3) {
      return { name: g.node('BatchNormalization', [g.nchw(v), ...params()], layer.name, attrs), shape: v.shape, nchw: true };
    }
    if (axis === 1 && !v.nchw) {
      return { name: g.node('BatchNormalization', [v.name, ...params()], layer.name, attrs), shape: v.shape, nchw: false };
    }
    // any other axis: y = x * s + t with s = gamma / sqrt(var + eps), t = beta - mean * s, shaped to broadcast
    const gamma = layer.gamma ? layer.gamma.dataSync() : ones;
    const beta = layer.beta ? layer.beta.dataSync() : new Float32Array(c);
    const m = layer.movingMean!.dataSync();
    const vr = layer.movingVariance!.dataSync();
    const s = new Float32Array(c);
    const t = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      const inv = 1 / Math.sqrt(vr[i] + layer.epsilon);
      s[i] = gamma[i] * inv;
      t[i] = beta[i] - m[i] * gamma[i] * inv;
    }
    const x = g.native(v);
    const dims = v.shape.map((_, i) => (i === axis ? c : 1)).slice(1);
    const y = g.node('Add', [g.node('Mul', [x, g.floats(`${layer.name}/scale`, dims, s)], layer.name), g.floats(`${layer.name}/shift`, dims, t)], layer.name);
    return { name: y, shape: v.shape, nchw: false };
  }

  conv(layer: Conv2D | DepthwiseConv2D | SeparableConv2D | Conv2DTranspose, v: Value, shape: LayerShape): Value {
    const g = this.g;
    const base = layer.name;
    if (v.shape.length !== 4) throw layerError(layer, 'expected a rank-4 input');
    const cf = layer.dataFormat === 'channelsFirst';
    const x = cf ? g.native(v) : g.nchw(v);
    const size = spatial(v.shape, cf);
    const common: OnnxAttr[] = [
      { name: 'strides', kind: 'ints', value: layer.strides },
      { name: 'dilations', kind: 'ints', value: layer.dilationRate },
    ];
    let y: string;
    if (layer instanceof Conv2DTranspose) {
      const k = layer.kernel!;
      const [kh, kw] = layer.kernelSize;
      const outSize = spatial(shape, cf);
      if (size[0] === null || size[1] === null || outSize[0] === null || outSize[1] === null) throw layerError(layer, 'needs known spatial dimensions');
      // the same pads as deepts's conv2dTranspose: before from the padding rule, after fixes the output length
      const before: number[] = [];
      const after: number[] = [];
      const outPad: number[] = [];
      for (const a of [0, 1]) {
        const kd = ([kh, kw][a] - 1) * layer.dilationRate[a] + 1;
        const inLen = size[a]!;
        const outLen = outSize[a]!;
        let b: number;
        if (layer.padding === 'valid') b = 0;
        else if (layer.padding === 'same') {
          const op = layer.outputPadding ? layer.outputPadding[a] : null;
          const padLen = op === null ? layer.strides[a] + kd - 2 : kd + (kd % 2) - 2 + op;
          const left = Math.min(Math.floor(padLen / 2) + (padLen % 2), kd - 1);
          b = kd - 1 - left;
        } else b = layer.padding[a][0];
        const e = (inLen - 1) * layer.strides[a] + kd - outLen - b;
        before.push(b);
        after.push(Math.max(e, 0));
        outPad.push(Math.max(-e, 0));
      }
      const attrs: OnnxAttr[] = [
        { name: 'kernel_shape', kind: 'ints', value: [kh, kw] }, ...common,
        { name: 'pads', kind: 'ints', value: [before[0], before[1], after[0], after[1]] },
      ];
      if (outPad.some((p) => p > 0)) attrs.push({ name: 'output_padding', kind: 'ints', value: outPad });
      const inputs = [x, g.weight(k, 'oihw')];
      if (layer.bias) inputs.push(g.weight(layer.bias));
      y = g.node('ConvTranspose', inputs, base, attrs);
    } else {
      const pads = onnxPads(layer, layer.padding, size, layer.kernelSize, layer.strides, layer.dilationRate);
      const attrs = (group: number): OnnxAttr[] => [
        { name: 'kernel_shape', kind: 'ints', value: layer.kernelSize }, ...common,
        { name: 'pads', kind: 'ints', value: pads }, { name: 'group', kind: 'int', value: group },
      ];
      const channels = cf ? v.shape[1] : v.shape[3];
      if (layer instanceof Conv2D) {
        const inputs = [x, g.weight(layer.kernel!, 'oihw')];
        if (layer.bias) inputs.push(g.weight(layer.bias));
        y = g.node('Conv', inputs, base, attrs(layer.groups));
      } else if (layer instanceof DepthwiseConv2D) {
        if (channels === null) throw layerError(layer, 'the channel dimension must be known');
        const inputs = [x, g.weight(layer.kernel!, 'depthwise-oihw')];
        if (layer.bias) inputs.push(g.weight(layer.bias));
        y = g.node('Conv', inputs, base, attrs(channels));
      } else {
        if (channels === null) throw layerError(layer, 'the channel dimension must be known');
        const dw = g.node('Conv', [x, g.weight(layer.depthwiseKernel!, 'depthwise-oihw')], `${base}/depthwise`, attrs(channels));
        const inputs = [dw, g.weight(layer.pointwiseKernel!, 'oihw')];
        if (layer.bias) inputs.push(g.weight(layer.bias));
        y = g.node('Conv', inputs, `${base}/pointwise`, [{ name: 'kernel_shape', kind: 'ints', value: [1, 1] }]);
      }
    }
    return this.activation(layer.activation, { name: y, shape, nchw: !cf }, layer);
  }

  /** Inlines a (nested) model called on `inputs`. */
  model(m: Model, inputs: Value[]): Value[] {
    if (m instanceof Sequential) {
      if (inputs.length !== 1) throw layerError(m, `a Sequential model takes one input, got ${inputs.length}`);
      let vs = inputs;
      for (const l of m.layers) vs = this.layer(l, vs);
      return vs;
    }
    if (!(m instanceof Functional)) throw layerError(m, 'unknown model class');
    if (inputs.length !== m.inputs.length) throw layerError(m, `expected ${m.inputs.length} inputs, got ${inputs.length}`);
    const values = new Map<number, Value>();
    m.inputs.forEach((t, i) => values.set(t.id, inputs[i]));
    for (const node of m.callNodes) {
      const ins = node.inputs.map((t) => {
        const v = values.get(t.id);
        if (!v) throw layerError(node.layer, `its input ${t} is not computed by model "${m.name}"`);
        return v;
      });
      const outs = this.layer(node.layer, ins);
      if (outs.length !== node.outputs.length) throw layerError(node.layer, `produced ${outs.length} outputs, the graph expects ${node.outputs.length}`);
      node.outputs.forEach((t, i) => values.set(t.id, { ...outs[i], shape: t.shape }));
    }
    return m.outputs.map((t) => {
      const v = values.get(t.id);
      if (!v) throw layerError(m, `output ${t} is not computed`);
      return v;
    });
  }
}

function valueInfo(name: string, shape: LayerShape): OnnxValueInfo {
  return { name, elemType: ONNX_FLOAT, shape: shape.map((d, i) => (d === null ? (i === 0 ? 'batch' : `${name}_dim${i}`) : d)) };
}

function names(given: string | string[] | undefined, count: number, defaults: string[], what: string): string[] {
  const list = given === undefined ? (count === 1 ? [what] : defaults) : Array.isArray(given) ? given : [given];
  if (list.length !== count) throw new ValueError(`exportOnnx: the model has ${count} ${what}s, got ${list.length} ${what} names`);
  if (new Set(list).size !== list.length || list.some((n) => typeof n !== 'string' || n === '')) throw new ValueError(`exportOnnx: ${what} names must be distinct non-empty strings, got ${JSON.stringify(list)}`);
  return list;
}

/** The ONNX model (a ModelProto's bytes) of a deepts model, for inference (dropout off, batch-norm moving statistics). */
export function onnxBytes(model: Model, options: OnnxExportOptions = {}): Uint8Array {
  const opset = options.opset ?? 13;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new ValueError(`exportOnnx: opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${JSON.stringify(options.opset)}`);
  }
  if (!(model instanceof Sequential) && !(model instanceof Functional)) {
    throw new ValueError(`exportOnnx: expected a Sequential or Functional model, got ${(model as Layer)?.className ?? typeof model}`);
  }
  if (!model.built || !model.inputShapes) throw new ValueError(`exportOnnx: model "${model.name}" is not built: give its first layer an inputShape or call it on data`);
  const inShapes = model.inputShapes;
  const inputNames = names(options.inputName, inShapes.length, model instanceof Functional ? model.inputs.map((t) => t.node!.layer.name) : ['input'], 'input');
  const outputCount = model instanceof Functional ? model.outputs.length : 1;
  const outputNames = names(options.outputName, outputCount, model.outputNames, 'output');
  const g = new GraphBuilder(opset, [...inputNames, ...outputNames]);
  const ex = new Exporter(g);
  const outs = ex.model(model, inShapes.map((s, i) => ({ name: inputNames[i], shape: s, nchw: false })));
  // graph outputs in deepts's layout, under the requested names
  outs.forEach((v, i) => {
    const x = g.native(v);
    g.node('Identity', [x], outputNames[i], [], outputNames[i]);
  });
  const outShapes = model.outputShapes ?? outs.map((v) => v.shape);
  return encodeModel({
    irVersion: irVersionFor(opset),
    opsetVersion: opset,
    producerName: 'deepts',
    producerVersion: '0.1.0',
    docString: options.docString,
    graph: {
      name: model.name,
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: inShapes.map((s, i) => valueInfo(inputNames[i], s)),
      outputs: outs.map((v, i) => valueInfo(outputNames[i], outShapes[i] ?? v.shape)),
    },
  });
}
