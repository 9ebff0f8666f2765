/**
 * The method forms (`x.add(y)`) of the ops: each method calls the function of the same name with `this` first,
 * so the two forms cannot drift apart.
 */
import { detach } from '../core/engine.js';
import { Tensor } from '../core/tensor.js';
import { backward } from '../autograd/backward.js';
import * as ew from './elementwise.js';
import * as mv from './movement.js';
import * as rd from './reduce.js';
import * as la from './linalg.js';
import * as nn from './nn.js';

const methods = {
  add: ew.add, sub: ew.sub, mul: ew.mul, div: ew.div, pow: ew.pow, maximum: ew.maximum, minimum: ew.minimum,
  equal: ew.equal, notEqual: ew.notEqual, less: ew.less, lessEqual: ew.lessEqual, greater: ew.greater,
  greaterEqual: ew.greaterEqual, logicalAnd: ew.logicalAnd, logicalOr: ew.logicalOr, logicalXor: ew.logicalXor,
  logicalNot: ew.logicalNot,
  neg: ew.neg, abs: ew.abs, sign: ew.sign, exp: ew.exp, expm1: ew.expm1, log: ew.log, log1p: ew.log1p,
  sqrt: ew.sqrt, rsqrt: ew.rsqrt, square: ew.square, reciprocal: ew.reciprocal, sin: ew.sin, cos: ew.cos,
  tanh: ew.tanh, sigmoid: ew.sigmoid, relu: ew.relu, relu6: ew.relu6, leakyRelu: ew.leakyRelu, elu: ew.elu,
  selu: ew.selu, gelu: ew.gelu, softplus: ew.softplus, softsign: ew.softsign, silu: ew.silu, hardSigmoid: ew.hardSigmoid, erf: ew.erf,
  floor: ew.floor, ceil: ew.ceil, round: ew.round, clip: ew.clip, isNaN: ew.isNaN, isFinite: ew.isFinite,
  sum: rd.sum, mean: rd.mean, max: rd.max, min: rd.min, prod: rd.prod, argmax: rd.argmax, argmin: rd.argmin,
  variance: rd.variance, std: rd.std, logSumExp: rd.logSumExp, any: rd.any, all: rd.all,
  matmul: la.matmul, dot: la.dot,
  reshape: mv.reshape, transpose: mv.transpose, permute: mv.permute, swapAxes: mv.swapAxes,
  broadcastTo: mv.broadcastTo, expand: mv.expand, squeeze: mv.squeeze, unsqueeze: mv.unsqueeze,
  expandDims: mv.expandDims, flatten: mv.flatten, slice: mv.slice, narrow: mv.narrow, split: mv.split,
  pad: mv.pad, gather: mv.gather, take: mv.take, cast: mv.cast, clone: mv.clone, contiguous: mv.contiguous,
  tile: mv.tile,
  softmax: nn.softmax, logSoftmax: nn.logSoftmax,
  backward, detach,
};

type Rest<F> = F extends (x: never, ...rest: infer A) => infer R ? (...rest: A) => R : never;
type Methods = { [K in keyof typeof methods]: Rest<(typeof methods)[K]> };

declare module '../core/tensor.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends Methods {}
}

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...args: unknown[]) {
      return (fn as (...a: unknown[]) => unknown)(this, ...args);
    },
    writable: true,
    configurable: true,
  });
}
