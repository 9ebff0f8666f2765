/**
 * THE list of primitives. Every user-facing op is composed of these. Each primitive has:
 *   - typed parameters (PrimParams),
 *   - one shape/dtype rule (here, `infer`),
 *   - one gradient rule (core/vjp.ts),
 *   - one kernel per backend (backends/<name>/kernels.ts), except view primitives, which only change strides.
 * All tables are mapped types over `Prim`, so a missing entry is a compile error.
 *
 * Primitives are strict: elementwise inputs already have the same shape and dtype (ops/ broadcasts and promotes
 * first), reductions drop the reduced axes (ops/ re-inserts them for keepDims).
 */
import type { DType } from './dtype.js';
import { isFloat } from './dtype.js';
import { DTypeError, ShapeError } from './errors.js';
import { fmtShape, shapesEqual, sizeOf, type Shape } from './shape.js';

type None = Record<string, never>;

export interface UnaryParams {
  neg: None; abs: None; sign: None; exp: None; log: None; log1p: None; sqrt: None; sin: None; cos: None;
  tanh: None; sigmoid: None; relu: None; erf: None; floor: None; ceil: None; round: None; logicalNot: None;
}
export interface BinaryParams {
  add: None; sub: None; mul: None; div: None; pow: None; maximum: None; minimum: None;
}
export interface CompareParams {
  equal: None; notEqual: None; less: None; lessEqual: None; greater: None; greaterEqual: None;
  logicalAnd: None; logicalOr: None; logicalXor: None;
}
export interface ReduceParams {
  sum: { axes: number[] }; prod: { axes: number[] }; max: { axes: number[] }; min: { axes: number[] };
}
export interface ViewParams {
  /** Same number of elements; only valid on a contiguous input (the engine copies first otherwise). */
  reshape: { shape: number[] };
  permute: { axes: number[] };
  /** Broadcast size-1 dims (same rank) to `shape` with stride 0. */
  expand: { shape: number[] };
  /** starts/steps per axis (steps may be negative), `shape` is the result shape. */
  slice: { starts: number[]; steps: number[]; shape: number[] };
}
export interface OtherParams {
  where: None;
  argmax: { axis: number }; argmin: { axis: number };
  /** [...batch, M, K] x [...batch, K, N] with equal batch dims. */
  matmul: None;
  /** The adjoint of slice: places the input at starts/steps inside zeros of `shape`. */
  unslice: { shape: number[]; starts: number[]; steps: number[] };
  concat: { axis: number };
  /** out = x.shape[:axis] + indices.shape + x.shape[axis+1:] */
  gather: { axis: number };
  /** The adjoint of gather: sums slices of the input into zeros of length `size` along `axis`. */
  scatterAdd: { axis: number; size: number; indexRank: number };
  cast: { dtype: DType };
  copy: None;
}

/** Fused primitives: each replaces a chain of simple ones on a hot path (checked against that chain in tests). */
export interface FusedParams {
  /** ReLU's backward pass: g where x > 0, else 0. Inputs (x, g). */
  reluGrad: None;
  /** softmax along the last axis */
  softmax: None;
  /** per-sample -log(softmax(logits)[label]); logits [B,C] float, labels int32 [B] → [B] */
  sparseSoftmaxCrossEntropy: None;
  /** its gradient (softmax(logits) - onehot(labels)) * g[:, None]; inputs (logits, labels, g) → [B,C] */
  sparseSoftmaxCrossEntropyGrad: None;
}

export interface PrimParams extends UnaryParams, BinaryParams, CompareParams, ReduceParams, ViewParams, OtherParams, FusedParams, ConvParams, NormParams {}
export type Prim = keyof PrimParams;
export type ViewPrim = keyof ViewParams;
export type KernelPrim = Exclude<Prim, ViewPrim>;

export const VIEW_PRIMS: readonly ViewPrim[] = ['reshape', 'permute', 'expand', 'slice'];
export function isViewPrim(p: Prim): p is ViewPrim {
  return (VIEW_PRIMS as readonly string[]).includes(p);
}

export interface Meta {
  readonly shape: Shape;
  readonly dtype: DType;
}
export interface OutMeta {
  shape: number[];
  dtype: DType;
}
/** Number of inputs, or 'n' for variadic. */
type Arity = number | 'n';
interface Rule<P extends Prim> {
  arity: Arity;
  infer: (inputs: Meta[], p: PrimParams[P]) => OutMeta;
}

const FLOAT_ONLY = new Set<Prim>(['exp', 'log', 'log1p', 'sqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'erf']);

function unary<P extends keyof UnaryParams>(name: P): Rule<P> {
  return {
    arity: 1,
    infer: ([x]) => {
      if (name === 'logicalNot') return { shape: x.shape.slice(), dtype: 'bool' };
      if (FLOAT_ONLY.has(name) && !isFloat(x.dtype)) throw new DTypeError(`${name}: needs a float tensor, got ${x.dtype}`);
      if (x.dtype === 'bool') throw new DTypeError(`${name}: not defined for bool tensors`);
      return { shape: x.shape.slice(), dtype: x.dtype };
    },
  };
}

function sameShapeAndDType(op: string, a: Meta, b: Meta): void {
  if (!shapesEqual(a.shape, b.shape)) {
    throw new ShapeError(`${op}: operands must have the same shape after broadcasting: ${fmtShape(a.shape)} vs ${fmtShape(b.shape)}`);
  }
  if (a.dtype !== b.dtype) throw new DTypeError(`${op}: operands must have the same dtype: ${a.dtype} vs ${b.dtype}`);
}

function binary<P extends keyof BinaryParams>(name: P): Rule<P> {
  return {
    arity: 2,
    infer: ([a, b]) => {
      sameShapeAndDType(name, a, b);
      if (a.dtype === 'bool') throw new DTypeError(`${name}: not defined for bool tensors`);
      return { shape: a.shape.slice(), dtype: a.dtype };
    },
  };
}

function compare<P extends keyof CompareParams>(name: P): Rule<P> {
  return {
    arity: 2,
    infer: ([a, b]) => {
      sameShapeAndDType(name, a, b);
      return { shape: a.shape.slice(), dtype: 'bool' };
    },
  };
}

function reduce<P extends keyof ReduceParams>(name: P): Rule<P> {
  return {
    arity: 1,
    infer: ([x], p) => {
      if (x.dtype === 'bool') throw new DTypeError(`${name}: not defined for bool tensors`);
      return { shape: x.shape.filter((_, i) => !p.axes.includes(i)), dtype: x.dtype };
    },
  };
}

function argReduce<P extends 'argmax' | 'argmin'>(name: P): Rule<P> {
  return {
    arity: 1,
    infer: ([x], p) => {
      if (x.shape[p.axis] === 0) throw new ShapeError(`${name}: cannot reduce an empty axis ${p.axis} of ${fmtShape(x.shape)}`);
      return { shape: x.shape.filter((_, i) => i !== p.axis), dtype: 'int32' };
    },
  };
}

export const rules: { [P in Prim]: Rule<P> } = {
  neg: unary('neg'), abs: unary('abs'), sign: unary('sign'), exp: unary('exp'), log: unary('log'),
  log1p: unary('log1p'), sqrt: unary('sqrt'), sin: unary('sin'), cos: unary('cos'), tanh: unary('tanh'),
  sigmoid: unary('sigmoid'), relu: unary('relu'), erf: unary('erf'), floor: unary('floor'), ceil: unary('ceil'),
  round: unary('round'), logicalNot: unary('logicalNot'),
  add: binary('add'), sub: binary('sub'), mul: binary('mul'), div: binary('div'), pow: binary('pow'),
  maximum: binary('maximum'), minimum: binary('minimum'),
  equal: compare('equal'), notEqual: compare('notEqual'), less: compare('less'), lessEqual: compare('lessEqual'),
  greater: compare('greater'), greaterEqual: compare('greaterEqual'),
  logicalAnd: compare('logicalAnd'), logicalOr: compare('logicalOr'), logicalXor: compare('logicalXor'),
  sum: reduce('sum'), prod: reduce('prod'), max: reduce('max'), min: reduce('min'),
  argmax: argReduce('argmax'), argmin: argReduce('argmin'),
  where: {
    arity: 3,
    infer: ([c, a, b]) => {
      if (c.dtype !== 'bool') throw new DTypeError(`where: condition must be bool, got ${c.dtype}`);
      if (!shapesEqual(c.shape, a.shape)) throw new ShapeError(`where: condition ${fmtShape(c.shape)} vs values ${fmtShape(a.shape)}`);
      sameShapeAndDType('where', a, b);
      return { shape: a.shape.slice(), dtype: a.dtype };
    },
  },
  matmul: {
    arity: 2,
    infer: ([a, b]) => {
      if (a.shape.length < 2 || b.shape.length !== a.shape.length) {
        throw new ShapeError(`matmul: expected equal ranks >= 2, got ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
      }
      if (a.dtype !== b.dtype) throw new DTypeError(`matmul: dtypes differ: ${a.dtype} x ${b.dtype}`);
      if (a.dtype === 'bool') throw new DTypeError('matmul: not defined for bool tensors');
      const r = a.shape.length;
      if (a.shape[r - 1] !== b.shape[r - 2]) {
        throw new ShapeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
      }
      if (!shapesEqual(a.shape.slice(0, r - 2), b.shape.slice(0, r - 2))) {
        throw new ShapeError(`matmul: batch dimensions differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
      }
      return { shape: [...a.shape.slice(0, r - 1), b.shape[r - 1]], dtype: a.dtype };
    },
  },
  reshape: {
    arity: 1,
    infer: ([x], p) => {
      if (sizeOf(p.shape) !== sizeOf(x.shape)) throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} into ${fmtShape(p.shape)}`);
      return { shape: p.shape.slice(), dtype: x.dtype };
    },
  },
  permute: {
    arity: 1,
    infer: ([x], p) => {
      const r = x.shape.length;
      const sorted = p.axes.slice().sort((u, v) => u - v);
      if (p.axes.length !== r || sorted.some((a, i) => a !== i)) {
        throw new ShapeError(`permute: axes ${JSON.stringify(p.axes)} are not a permutation of ${r} axes of ${fmtShape(x.shape)}`);
      }
      return { shape: p.axes.map((a) => x.shape[a]), dtype: x.dtype };
    },
  },
  expand: {
    arity: 1,
    infer: ([x], p) => {
      if (p.shape.length !== x.shape.length || x.shape.some((d, i) => d !== 1 && d !== p.shape[i])) {
        throw new ShapeError(`expand: cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(p.shape)}`);
      }
      return { shape: p.shape.slice(), dtype: x.dtype };
    },
  },
  slice: {
    arity: 1,
    infer: ([x], p) => {
      checkSliceBounds('slice', x.shape, p.shape, p.starts, p.steps);
      return { shape: p.shape.slice(), dtype: x.dtype };
    },
  },
  unslice: {
    arity: 1,
    infer: ([x], p) => {
      checkSliceBounds('unslice', p.shape, x.shape, p.starts, p.steps);
      return { shape: p.shape.slice(), dtype: x.dtype };
    },
  },
  concat: {
    arity: 'n',
    infer: (xs, p) => {
      if (xs.length === 0) throw new ShapeError('concat: needs at least one tensor');
      const first = xs[0];
      let total = 0;
      for (const x of xs) {
        if (x.dtype !== first.dtype) throw new DTypeError(`concat: dtypes differ: ${first.dtype} vs ${x.dtype}`);
        if (x.shape.length !== first.shape.length || x.shape.some((d, i) => i !== p.axis && d !== first.shape[i])) {
          throw new ShapeError(`concat: shapes ${xs.map((t) => fmtShape(t.shape)).join(', ')} differ outside axis ${p.axis}`);
        }
        total += x.shape[p.axis];
      }
      const shape = first.shape.slice();
      shape[p.axis] = total;
      return { shape, dtype: first.dtype };
    },
  },
  gather: {
    arity: 2,
    infer: ([x, idx], p) => {
      if (idx.dtype !== 'int32') throw new DTypeError(`gather: indices must be int32, got ${idx.dtype}`);
      return { shape: [...x.shape.slice(0, p.axis), ...idx.shape, ...x.shape.slice(p.axis + 1)], dtype: x.dtype };
    },
  },
  scatterAdd: {
    arity: 2,
    infer: ([g, idx], p) => {
      if (idx.dtype !== 'int32') throw new DTypeError(`scatterAdd: indices must be int32, got ${idx.dtype}`);
      const shape = [...g.shape.slice(0, p.axis), p.size, ...g.shape.slice(p.axis + p.indexRank)];
      return { shape, dtype: g.dtype };
    },
  },
  cast: { arity: 1, infer: ([x], p) => ({ shape: x.shape.slice(), dtype: p.dtype }) },
  reluGrad: {
    arity: 2,
    infer: ([x, g]) => {
      sameShapeAndDType('reluGrad', x, g);
      return { shape: x.shape.slice(), dtype: x.dtype };
    },
  },
  softmax: {
    arity: 1,
    infer: ([x]) => {
      if (!isFloat(x.dtype)) throw new DTypeError(`softmax: needs a float tensor, got ${x.dtype}`);
      if (x.shape.length === 0) throw new ShapeError('softmax: needs at least one axis');
      return { shape: x.shape.slice(), dtype: x.dtype };
    },
  },
  sparseSoftmaxCrossEntropy: {
    arity: 2,
    infer: ([logits, labels]) => {
      checkLogitsAndLabels('sparseSoftmaxCrossEntropy', logits, labels);
      return { shape: [logits.shape[0]], dtype: logits.dtype };
    },
  },
  sparseSoftmaxCrossEntropyGrad: {
    arity: 3,
    infer: ([logits, labels, g]) => {
      checkLogitsAndLabels('sparseSoftmaxCrossEntropyGrad', logits, labels);
      if (g.shape.length !== 1 || g.shape[0] !== logits.shape[0] || g.dtype !== logits.dtype) {
        throw new ShapeError(`sparseSoftmaxCrossEntropyGrad: gradient ${fmtShape(g.shape)} ${g.dtype} does not match logits ${fmtShape(logits.shape)} ${logits.dtype}`);
      }
      return { shape: logits.shape.slice(), dtype: logits.dtype };
    },
  },
  copy: { arity: 1, infer: ([x]) => ({ shape: x.shape.slice(), dtype: x.dtype }) },
  conv2d: { arity: 2, infer: ([x, w], p) => ({ shape: conv2dOutShape('conv2d', x, w, p), dtype: x.dtype }) },
  conv2dBackpropInput: {
    arity: 2,
    infer: ([dy, w], p) => {
      const x = { shape: p.inputShape, dtype: dy.dtype };
      checkAdjoint('conv2dBackpropInput', conv2dOutShape('conv2dBackpropInput', x, w, p), dy.shape, p.inputShape);
      return { shape: p.inputShape.slice(), dtype: dy.dtype };
    },
  },
  conv2dBackpropFilter: {
    arity: 2,
    infer: ([x, dy], p) => {
      const w = { shape: p.filterShape, dtype: dy.dtype };
      checkAdjoint('conv2dBackpropFilter', conv2dOutShape('conv2dBackpropFilter', x, w, p), dy.shape, p.filterShape);
      return { shape: p.filterShape.slice(), dtype: dy.dtype };
    },
  },
  maxPool2d: { arity: 1, infer: ([x], p) => ({ shape: pool2dOutShape('maxPool2d', x, p), dtype: x.dtype }) },
  maxPool2dArgmax: { arity: 1, infer: ([x], p) => ({ shape: pool2dOutShape('maxPool2dArgmax', x, p), dtype: 'int32' }) },
  maxPool2dGrad: {
    arity: 2,
    infer: ([x, dy], p) => {
      checkAdjoint('maxPool2dGrad', pool2dOutShape('maxPool2dGrad', x, p), dy.shape, x.shape);
      if (dy.dtype !== x.dtype) throw new DTypeError(`maxPool2dGrad: the gradient must be ${x.dtype} like the input, got ${dy.dtype}`);
      return { shape: x.shape.slice(), dtype: x.dtype };
    },
  },
  avgPool2d: { arity: 1, infer: ([x], p) => ({ shape: pool2dOutShape('avgPool2d', x, p), dtype: x.dtype }) },
  avgPool2dGrad: {
    arity: 1,
    infer: ([dy], p) => {
      const x = { shape: p.inputShape, dtype: dy.dtype };
      checkAdjoint('avgPool2dGrad', pool2dOutShape('avgPool2dGrad', x, p), dy.shape, p.inputShape);
      return { shape: p.inputShape.slice(), dtype: dy.dtype };
    },
  },
  moments: { arity: 1, infer: ([x], p) => ({ shape: [2, channelsOf('moments', x, p.axis)], dtype: x.dtype }) },
  batchNorm: {
    arity: 4,
    infer: ([x, stats, gamma, beta], p) => {
      checkNormInputs('batchNorm', x, p.axis, { stats, gamma, beta });
      return { shape: x.shape.slice(), dtype: x.dtype };
    },
  },
  batchNormParamGrad: {
    arity: 3,
    infer: ([x, stats, dy], p) => {
      checkNormInputs('batchNormParamGrad', x, p.axis, { stats, dy });
      return { shape: [2, x.shape[p.axis]], dtype: x.dtype };
    },
  },
  batchNormInputGrad: {
    arity: 5,
    infer: ([x, stats, gamma, dy, paramGrad], p) => {
      checkNormInputs('batchNormInputGrad', x, p.axis, { stats, gamma, dy, paramGrad });
      return { shape: x.shape.slice(), dtype: x.dtype };
    },
  },
};

// ---- NORM-PRIMITIVES: batch normalization (fused primitives) ----

/**
 * Batch normalization over every axis but `axis` (the channels). Statistics travel as one [2, C] tensor:
 * row 0 the mean, row 1 the biased variance. `batchNorm` normalises with whatever statistics it is given (the
 * batch's own in training, the moving ones in inference); when they are `moments(x)` of the same x, the gradient
 * rule uses the two fused backward primitives instead of differentiating through the statistics.
 */
export interface NormParams {
  /** [x] -> [2, C]: per-channel mean and biased variance. */
  moments: { axis: number };
  /** [x, stats, gamma, beta] -> (x - mean) / sqrt(var + epsilon) * gamma + beta. */
  batchNorm: { axis: number; epsilon: number };
  /** [x, stats, dy] -> [2, C]: row 0 sum(dy * xhat) (= dgamma), row 1 sum(dy) (= dbeta). */
  batchNormParamGrad: { axis: number; epsilon: number };
  /**
   * [x, stats, gamma, dy, paramGrad] -> dx of batchNorm(x, moments(x), gamma, beta) through both paths (direct and
   * via the statistics): gamma / sqrt(var + eps) * (dy - dbeta / n - xhat * dgamma / n), n = elements per channel.
   */
  batchNormInputGrad: { axis: number; epsilon: number };
}
export type NormPrim = keyof NormParams;

function channelsOf(op: string, x: Meta, axis: number): number {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: needs a float tensor, got ${x.dtype}`);
  if (!Number.isInteger(axis) || axis < 0 || axis >= x.shape.length) {
    throw new ShapeError(`${op}: channel axis ${axis} is out of range for ${fmtShape(x.shape)}`);
  }
  return x.shape[axis];
}

function checkNormInputs(op: string, x: Meta, axis: number, others: Record<string, Meta>): void {
  const c = channelsOf(op, x, axis);
  const expected: Record<string, readonly number[]> = { stats: [2, c], gamma: [c], beta: [c], paramGrad: [2, c], dy: x.shape };
  for (const [name, m] of Object.entries(others)) {
    if (!shapesEqual(m.shape, expected[name]) || m.dtype !== x.dtype) {
      throw new ShapeError(`${op}: ${name} must be ${fmtShape(expected[name])} ${x.dtype} for an input ${fmtShape(x.shape)} with channels on axis ${axis}, got ${fmtShape(m.shape)} ${m.dtype}`);
    }
  }
}

function checkLogitsAndLabels(op: string, logits: Meta, labels: Meta): void {
  if (logits.shape.length !== 2 || !isFloat(logits.dtype)) throw new ShapeError(`${op}: logits must be a float [batch, classes] tensor, got ${fmtShape(logits.shape)} ${logits.dtype}`);
  if (labels.dtype !== 'int32' || labels.shape.length !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new ShapeError(`${op}: labels must be int32 [${logits.shape[0]}], got ${fmtShape(labels.shape)} ${labels.dtype}`);
  }
}

function checkSliceBounds(op: string, full: Shape, part: Shape, starts: number[], steps: number[]): void {
  if (part.length !== full.length || starts.length !== full.length || steps.length !== full.length) {
    throw new ShapeError(`${op}: rank mismatch between ${fmtShape(full)} and ${fmtShape(part)}`);
  }
  for (let i = 0; i < full.length; i++) {
    if (part[i] === 0) continue;
    const last = starts[i] + (part[i] - 1) * steps[i];
    if (steps[i] === 0 || starts[i] < 0 || starts[i] >= full[i] || last < 0 || last >= full[i]) {
      throw new ShapeError(`${op}: slice of ${part[i]} elements from ${starts[i]} by ${steps[i]} is outside axis ${i} of ${fmtShape(full)}`);
    }
  }
}

// ---- CONV-PRIMITIVES: convolution and pooling (fused primitives) ----

/**
 * Layout: input NHWC, kernel HWIO [kh, kw, cin/groups, cout], output NHWC. `pads` = [top, bottom, left, right]
 * are explicit (ops/conv.ts computes 'same' like TensorFlow); bottom/right may be negative (that crops; used by
 * transposed convolutions with outputPadding). Per spatial axis the output has
 * floor((in + padBefore + padAfter - ((k - 1) * dilation + 1)) / stride) + 1 elements.
 */
export interface ConvParams {
  /** y = x (*) w, the cross-correlation of deep learning */
  conv2d: Conv2DParams;
  /** The adjoint of conv2d in x: inputs [dy, w] -> dx of `inputShape` (also the transposed convolution). */
  conv2dBackpropInput: Conv2DParams & { inputShape: number[] };
  /** The adjoint of conv2d in w: inputs [x, dy] -> dw of `filterShape`. */
  conv2dBackpropFilter: Conv2DParams & { filterShape: number[] };
  /** Max over each window; padded positions never win. */
  maxPool2d: Pool2DParams;
  /** int32 row-major index into the whole input of the first maximum of each window (maxPool2d's output shape). */
  maxPool2dArgmax: Pool2DParams;
  /**
   * The adjoint of maxPool2d at x: inputs [x, dy] -> dx of x's shape, dx[i] = sum of dy over the windows whose
   * first maximum (maxPool2dArgmax) is i. Linear in dy (its gradient: a gather at the argmax), flat in x.
   */
  maxPool2dGrad: Pool2DParams;
  /** Mean over each window, counting only positions inside the input (TensorFlow's rule for padding). */
  avgPool2d: Pool2DParams;
  /** The adjoint of avgPool2d: inputs [dy] -> dx of `inputShape`. */
  avgPool2dGrad: Pool2DParams & { inputShape: number[] };
}
export interface Conv2DParams {
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
  groups: number;
}
export interface Pool2DParams {
  poolSize: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
}
export type ConvPrim = keyof ConvParams;

function checkWindowParams(op: string, names: string[], values: number[][]): void {
  values.forEach((v, i) => {
    const pads = names[i] === 'pads';
    const ok = Array.isArray(v) && v.length === (pads ? 4 : 2) && v.every((d) => Number.isInteger(d) && (pads || d >= 1));
    if (!ok) throw new ShapeError(`${op}: ${names[i]} must be ${pads ? '4 integers [top, bottom, left, right]' : '2 positive integers'}, got ${JSON.stringify(v)}`);
  });
}

/** Output length of one spatial axis (window k dilated by d, stride s, pads before/after), or a ShapeError. */
function windowOut(op: string, axis: string, size: number, k: number, s: number, d: number, before: number, after: number): number {
  const span = (k - 1) * d + 1;
  const padded = size + before + after;
  if (padded < span) {
    throw new ShapeError(`${op}: the ${axis} window ${k}${d > 1 ? ` (dilated to ${span})` : ''} is larger than the padded ${axis} ${padded} (${size} + pads ${before}, ${after})`);
  }
  return Math.floor((padded - span) / s) + 1;
}

function conv2dOutShape(op: string, x: Meta, w: Meta, p: Conv2DParams): number[] {
  if (x.shape.length !== 4) throw new ShapeError(`${op}: input must be NHWC (rank 4), got ${fmtShape(x.shape)}`);
  if (w.shape.length !== 4) throw new ShapeError(`${op}: kernel must be [kh, kw, cin/groups, cout] (rank 4), got ${fmtShape(w.shape)}`);
  if (!isFloat(x.dtype) || x.dtype !== w.dtype) throw new DTypeError(`${op}: input and kernel must have the same float dtype, got ${x.dtype} and ${w.dtype}`);
  checkWindowParams(op, ['strides', 'dilations', 'pads'], [p.strides, p.dilations, p.pads]);
  const g = p.groups;
  const [n, h, wd, c] = x.shape;
  const [kh, kw, cig, co] = w.shape;
  if (!Number.isInteger(g) || g < 1 || c !== cig * g || co % g !== 0) {
    throw new ShapeError(`${op}: input ${fmtShape(x.shape)} and kernel ${fmtShape(w.shape)} do not fit ${g} group(s): the input needs kernel[2] * groups channels and kernel[3] must divide by groups`);
  }
  const oh = windowOut(op, 'height', h, kh, p.strides[0], p.dilations[0], p.pads[0], p.pads[1]);
  const ow = windowOut(op, 'width', wd, kw, p.strides[1], p.dilations[1], p.pads[2], p.pads[3]);
  return [n, oh, ow, co];
}

function pool2dOutShape(op: string, x: Meta, p: Pool2DParams): number[] {
  if (x.shape.length !== 4) throw new ShapeError(`${op}: input must be NHWC (rank 4), got ${fmtShape(x.shape)}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: needs a float tensor, got ${x.dtype}`);
  checkWindowParams(op, ['poolSize', 'strides', 'pads'], [p.poolSize, p.strides, p.pads]);
  // a window made only of padding would have no value: pads must be smaller than the window
  if (p.pads.some((v, i) => v < 0 || v >= p.poolSize[i < 2 ? 0 : 1])) {
    throw new ShapeError(`${op}: pads ${JSON.stringify(p.pads)} must be non-negative and smaller than the pool size ${JSON.stringify(p.poolSize)}`);
  }
  const [n, h, w, c] = x.shape;
  const oh = windowOut(op, 'height', h, p.poolSize[0], p.strides[0], 1, p.pads[0], p.pads[1]);
  const ow = windowOut(op, 'width', w, p.poolSize[1], p.strides[1], 1, p.pads[2], p.pads[3]);
  return [n, oh, ow, c];
}

function checkAdjoint(op: string, expected: number[], actual: Shape, target: readonly number[]): void {
  if (!shapesEqual(expected, actual)) {
    throw new ShapeError(`${op}: the gradient has shape ${fmtShape(actual)}, but the forward op maps ${fmtShape(target)} to ${fmtShape(expected)}`);
  }
}
