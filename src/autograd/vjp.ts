/**
 * One gradient rule (vector-Jacobian product) per primitive. Rules are written with ops, so they are
 * themselves differentiable: that is what makes gradients of gradients work.
 */
import { run } from '../core/engine.js';
import { isFloat } from '../core/dtype.js';
import type { Prim, PrimParams } from '../core/primitives.js';
import type { Tensor } from '../core/tensor.js';
import {
  add, cos, div, equal, exp, greater, greaterEqual, less, lessEqual, log, mul, neg, pow, sign, sin, square, sub, where,
} from '../ops/elementwise.js';
import { broadcastTo, cast, reshape, split, swapAxes, transpose } from '../ops/movement.js';
import { matmul } from '../ops/linalg.js';
import { prod, sum } from '../ops/reduce.js';
import { onesLike } from '../ops/create.js';
import { batchNormVjps } from './vjp-batchnorm.js';

type Grads = (Tensor | null)[];
/** g: gradient of the output; xs: inputs; out: the output; needs[i]: whether input i wants a gradient. */
export type Vjp<P extends Prim> = (g: Tensor, xs: readonly Tensor[], out: Tensor, p: PrimParams[P], needs: readonly boolean[]) => Grads;

const none: Vjp<Prim> = (_g, xs) => xs.map(() => null);

/** Brings a gradient of a reduced tensor back to the input's shape. */
function unreduce(g: Tensor, x: Tensor, axes: number[]): Tensor {
  return broadcastTo(reshape(g, x.shape.map((d, i) => (axes.includes(i) ? 1 : d))), x.shape);
}

function extremum(): Vjp<'max' | 'min'> {
  return (g, [x], out, p) => {
    // ties share the gradient equally, like torch.amax
    const mask = cast(equal(x, unreduce(out, x, p.axes)), x.dtype);
    const count = sum(mask, p.axes, true);
    return [div(mul(unreduce(g, x, p.axes), mask), count)];
  };
}

export const vjpRules: { [P in Prim]: Vjp<P> } = {
  neg: (g) => [neg(g)],
  abs: (g, [x]) => [mul(g, sign(x))],
  sign: none,
  exp: (g, _xs, out) => [mul(g, out)],
  log: (g, [x]) => [div(g, x)],
  log1p: (g, [x]) => [div(g, add(x, 1))],
  sqrt: (g, _xs, out) => [div(g, mul(out, 2))],
  sin: (g, [x]) => [mul(g, cos(x))],
  cos: (g, [x]) => [neg(mul(g, sin(x)))],
  tanh: (g, _xs, out) => [mul(g, sub(1, square(out)))],
  sigmoid: (g, _xs, out) => [mul(g, mul(out, sub(1, out)))],
  relu: (g, [x]) => [run('reluGrad', [x, g], {})],
  erf: (g, [x]) => [mul(g, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI)))],
  floor: none,
  ceil: none,
  round: none,
  logicalNot: none,

  add: (g) => [g, g],
  sub: (g) => [g, neg(g)],
  mul: (g, [a, b], _o, _p, needs) => [needs[0] ? mul(g, b) : null, needs[1] ? mul(g, a) : null],
  div: (g, [a, b], out, _p, needs) => [needs[0] ? div(g, b) : null, needs[1] ? neg(div(mul(g, out), b)) : null],
  pow: (g, [a, b], out, _p, needs) => [
    needs[0] ? mul(g, mul(b, pow(a, sub(b, 1)))) : null,
    needs[1] ? mul(g, mul(out, where(greater(a, 0), log(a), 0))) : null,
  ],
  maximum: (g, [a, b]) => [where(greaterEqual(a, b), g, 0), where(less(a, b), g, 0)],
  minimum: (g, [a, b]) => [where(lessEqual(a, b), g, 0), where(greater(a, b), g, 0)],

  equal: none, notEqual: none, less: none, lessEqual: none, greater: none, greaterEqual: none,
  logicalAnd: none, logicalOr: none, logicalXor: none,
  where: (g, [c]) => [null, where(c, g, 0), where(c, 0, g)],

  sum: (g, [x], _o, p) => [unreduce(g, x, p.axes)],
  prod: (g, [x], out, p) => {
    // d out / d x_i = product of the others: out / x_i, except at zeros (one zero: the product of the non-zeros there)
    const isZero = equal(x, 0);
    const nonZero = where(isZero, 1, x);
    const zeros = unreduce(sum(cast(isZero, x.dtype), p.axes), x, p.axes);
    const atZero = where(equal(zeros, 1), unreduce(prod(nonZero, p.axes), x, p.axes), 0);
    const others = where(isZero, atZero, div(unreduce(out, x, p.axes), nonZero));
    return [mul(unreduce(g, x, p.axes), others)];
  },
  max: extremum(),
  min: extremum(),
  argmax: none,
  argmin: none,

  matmul: (g, [a, b], _o, _p, needs) => [needs[0] ? matmul(g, swapAxes(b)) : null, needs[1] ? matmul(swapAxes(a), g) : null],

  reshape: (g, [x]) => [reshape(g, x.shape)],
  permute: (g, _xs, _o, p) => {
    const inverse = new Array<number>(p.axes.length);
    p.axes.forEach((a, i) => (inverse[a] = i));
    return [transpose(g, inverse)];
  },
  expand: (g, [x], out) => {
    const axes = x.shape.map((d, i) => (d === 1 && out.shape[i] !== 1 ? i : -1)).filter((i) => i >= 0);
    return [axes.length ? sum(g, axes, true) : g];
  },
  slice: (g, [x], _o, p) => [run('unslice', [g], { shape: x.shape.slice(), starts: p.starts, steps: p.steps })],
  unslice: (g, [x], _o, p) => [run('slice', [g], { starts: p.starts, steps: p.steps, shape: x.shape.slice() })],
  concat: (g, xs, _o, p) => split(g, xs.map((x) => x.shape[p.axis]), p.axis),
  gather: (g, [x, idx], _o, p) => [run('scatterAdd', [g, idx], { axis: p.axis, size: x.shape[p.axis], indexRank: idx.rank }), null],
  scatterAdd: (g, [, idx], _o, p) => [run('gather', [g, idx], { axis: p.axis }), null],
  cast: (g, [x]) => [isFloat(x.dtype) ? cast(g, x.dtype) : null],
  copy: (g) => [g],

  // convolution: each adjoint's gradient is conv2d or the other adjoint, so higher derivatives work
  conv2d: (g, [x, w], _o, p, needs) => [
    needs[0] ? run('conv2dBackpropInput', [g, w], { ...p, inputShape: x.shape.slice() }) : null,
    needs[1] ? run('conv2dBackpropFilter', [x, g], { ...p, filterShape: w.shape.slice() }) : null,
  ],
  conv2dBackpropInput: (g, [dy, w], _o, p, needs) => {
    const conv = { strides: p.strides, dilations: p.dilations, pads: p.pads, groups: p.groups };
    return [
      needs[0] ? run('conv2d', [g, w], conv) : null,
      needs[1] ? run('conv2dBackpropFilter', [g, dy], { ...conv, filterShape: w.shape.slice() }) : null,
    ];
  },
  conv2dBackpropFilter: (g, [x, dy], _o, p, needs) => {
    const conv = { strides: p.strides, dilations: p.dilations, pads: p.pads, groups: p.groups };
    return [
      needs[0] ? run('conv2dBackpropInput', [dy, g], { ...conv, inputShape: x.shape.slice() }) : null,
      needs[1] ? run('conv2d', [x, g], conv) : null,
    ];
  },
  maxPool2d: (g, [x], _o, p) => [run('maxPool2dGrad', [x, g], p)],
  maxPool2dArgmax: none,
  // dx = dy scattered to the argmax of x: linear in dy (gradient: gg gathered at the argmax), flat in x
  maxPool2dGrad: (gg, [x], _o, p, needs) => [null, needs[1] ? run('gather', [reshape(gg, [-1]), run('maxPool2dArgmax', [x], p)], { axis: 0 }) : null],
  avgPool2d: (g, [x], _o, p) => [run('avgPool2dGrad', [g], { ...p, inputShape: x.shape.slice() })],
  avgPool2dGrad: (g, _xs, _o, p) => [run('avgPool2d', [g], { poolSize: p.poolSize, strides: p.strides, pads: p.pads })],
  ...batchNormVjps,

  reluGrad: (gg, [x]) => [null, run('reluGrad', [x, gg], {})],
  softmax: (g, _xs, y) => [mul(y, sub(g, sum(mul(g, y), -1, true)))],
  sparseSoftmaxCrossEntropy: (g, [logits, labels]) => [run('sparseSoftmaxCrossEntropyGrad', [logits, labels, g], {}), null],
  sparseSoftmaxCrossEntropyGrad: (u, [logits, labels, g], _o, _p, needs) => {
    // out = (s - onehot) * g[:, None], s = softmax(logits)
    const s = run('softmax', [logits], {});
    const gCol = reshape(g, [g.shape[0], 1]);
    const dLogits = needs[0] ? mul(gCol, mul(s, sub(u, sum(mul(s, u), -1, true)))) : null;
    const dG = needs[2] ? sum(mul(run('sparseSoftmaxCrossEntropyGrad', [logits, labels, onesLike(g)], {}), u), -1) : null;
    return [dLogits, null, dG];
  },
};
