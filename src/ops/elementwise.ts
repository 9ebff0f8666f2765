/** Elementwise math with NumPy broadcasting and type promotion; activations composed from primitives. */
import { isFloat, promote, weakScalarDType, type DType } from '../core/dtype.js';
import { run } from '../core/engine.js';
import type { BinaryParams, CompareParams, UnaryParams } from '../core/primitives.js';
import { broadcastShapes } from '../core/shape.js';
import { Tensor, type TensorLike } from '../core/tensor.js';
import { scalar, tensor } from './create.js';
import { broadcastTo, cast } from './movement.js';
import { composite } from './util.js';

export type Operand = TensorLike | boolean;

function operandPair(a: Operand, b: Operand): [Tensor, Tensor] {
  const isNum = (v: Operand): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';
  let ta: Tensor;
  let tb: Tensor;
  if (a instanceof Tensor && isNum(b)) {
    ta = a;
    tb = scalar(b, typeof b === 'boolean' ? 'bool' : weakScalarDType(b, a.dtype));
  } else if (b instanceof Tensor && isNum(a)) {
    tb = b;
    ta = scalar(a, typeof a === 'boolean' ? 'bool' : weakScalarDType(a, b.dtype));
  } else {
    ta = a instanceof Tensor ? a : tensor(a as TensorLike);
    tb = b instanceof Tensor ? b : tensor(b as TensorLike);
  }
  return [ta, tb];
}

function broadcastPair(op: string, a: Tensor, b: Tensor, dtype: DType): [Tensor, Tensor] {
  const shape = broadcastShapes(op, a.shape, b.shape);
  return [broadcastTo(cast(a, dtype), shape), broadcastTo(cast(b, dtype), shape)];
}

const tensorsIn = (...xs: unknown[]): Tensor[] => xs.filter((x): x is Tensor => x instanceof Tensor);

function binary(prim: keyof BinaryParams, a: Operand, b: Operand): Tensor {
  return composite(tensorsIn(a, b), () => {
    const [ta, tb] = operandPair(a, b);
    let dtype = promote(ta.dtype, tb.dtype);
    if (dtype === 'bool') dtype = 'int32';
    if (prim === 'div' && !isFloat(dtype)) dtype = 'float32';
    return run(prim, broadcastPair(prim, ta, tb, dtype), {});
  });
}

function compare(prim: keyof CompareParams, a: Operand, b: Operand): Tensor {
  return composite([], () => {
    const [ta, tb] = operandPair(a, b);
    const logical = prim.startsWith('logical');
    const dtype = logical ? 'bool' : promote(ta.dtype, tb.dtype);
    const [x, y] = logical ? [toBool(ta), toBool(tb)] : [ta, tb];
    return run(prim, broadcastPair(prim, x, y, dtype), {});
  });
}

function toBool(t: Tensor): Tensor {
  return t.dtype === 'bool' ? t : compare('notEqual', t, 0);
}

const FLOAT_ONLY: ReadonlySet<keyof UnaryParams> = new Set(['exp', 'log', 'log1p', 'sqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'erf']);

function unary(prim: keyof UnaryParams, x: TensorLike): Tensor {
  const t = x instanceof Tensor ? x : tensor(x);
  if (prim === 'logicalNot') return run(prim, [t], {});
  const needsFloat = FLOAT_ONLY.has(prim) && !isFloat(t.dtype);
  if (needsFloat || t.dtype === 'bool') {
    return composite([t], () => run(prim, [cast(t, needsFloat ? 'float32' : 'int32')], {}));
  }
  return run(prim, [t], {});
}

export const add = (a: Operand, b: Operand): Tensor => binary('add', a, b);
export const sub = (a: Operand, b: Operand): Tensor => binary('sub', a, b);
export const mul = (a: Operand, b: Operand): Tensor => binary('mul', a, b);
/** True division: integers give float32. */
export const div = (a: Operand, b: Operand): Tensor => binary('div', a, b);
export const pow = (a: Operand, b: Operand): Tensor => binary('pow', a, b);
export const maximum = (a: Operand, b: Operand): Tensor => binary('maximum', a, b);
export const minimum = (a: Operand, b: Operand): Tensor => binary('minimum', a, b);

export const equal = (a: Operand, b: Operand): Tensor => compare('equal', a, b);
export const notEqual = (a: Operand, b: Operand): Tensor => compare('notEqual', a, b);
export const less = (a: Operand, b: Operand): Tensor => compare('less', a, b);
export const lessEqual = (a: Operand, b: Operand): Tensor => compare('lessEqual', a, b);
export const greater = (a: Operand, b: Operand): Tensor => compare('greater', a, b);
export const greaterEqual = (a: Operand, b: Operand): Tensor => compare('greaterEqual', a, b);
export const logicalAnd = (a: Operand, b: Operand): Tensor => compare('logicalAnd', a, b);
export const logicalOr = (a: Operand, b: Operand): Tensor => compare('logicalOr', a, b);
export const logicalXor = (a: Operand, b: Operand): Tensor => compare('logicalXor', a, b);
export const logicalNot = (x: TensorLike): Tensor => {
  const t = x instanceof Tensor ? x : tensor(x);
  return composite([], () => unary('logicalNot', toBool(t)));
};

export const neg = (x: TensorLike): Tensor => unary('neg', x);
export const abs = (x: TensorLike): Tensor => unary('abs', x);
export const sign = (x: TensorLike): Tensor => unary('sign', x);
export const exp = (x: TensorLike): Tensor => unary('exp', x);
export const log = (x: TensorLike): Tensor => unary('log', x);
export const log1p = (x: TensorLike): Tensor => unary('log1p', x);
export const sqrt = (x: TensorLike): Tensor => unary('sqrt', x);
export const sin = (x: TensorLike): Tensor => unary('sin', x);
export const cos = (x: TensorLike): Tensor => unary('cos', x);
export const tanh = (x: TensorLike): Tensor => unary('tanh', x);
export const sigmoid = (x: TensorLike): Tensor => unary('sigmoid', x);
export const relu = (x: TensorLike): Tensor => unary('relu', x);
export const erf = (x: TensorLike): Tensor => unary('erf', x);
export const floor = (x: TensorLike): Tensor => unary('floor', x);
export const ceil = (x: TensorLike): Tensor => unary('ceil', x);
/** Rounds half to even, like NumPy. */
export const round = (x: TensorLike): Tensor => unary('round', x);

const asTensor = (x: TensorLike): Tensor => (x instanceof Tensor ? x : tensor(x));

export const square = (x: TensorLike): Tensor => {
  const t = asTensor(x);
  return mul(t, t);
};
export const rsqrt = (x: TensorLike): Tensor => {
  const t = asTensor(x);
  return composite([t], () => div(1, sqrt(t)));
};
export const reciprocal = (x: TensorLike): Tensor => div(1, asTensor(x));
export const expm1 = (x: TensorLike): Tensor => {
  const t = asTensor(x);
  return composite([t], () => sub(exp(t), 1));
};
export const isNaN = (x: TensorLike): Tensor => {
  const t = asTensor(x);
  return notEqual(t, t);
};
export const isFinite = (x: TensorLike): Tensor => {
  const t = asTensor(x);
  return composite([], () => less(abs(t), Infinity));
};

/** Elementwise choice: cond ? a : b, broadcasting all three. */
export function where(cond: Operand, a: Operand, b: Operand): Tensor {
  return composite(tensorsIn(a, b), () => {
    const [ta, tb] = operandPair(a, b);
    const c = cond instanceof Tensor ? cond : tensor(cond as TensorLike);
    const dtype = promote(ta.dtype, tb.dtype);
    const shape = broadcastShapes('where', broadcastShapes('where', c.shape, ta.shape), tb.shape);
    return run('where', [broadcastTo(toBool(c), shape), broadcastTo(cast(ta, dtype), shape), broadcastTo(cast(tb, dtype), shape)], {});
  });
}

/** Limits values to [lo, hi]; the gradient passes where the value was inside. */
export function clip(x: TensorLike, lo: number, hi: number): Tensor {
  const t = asTensor(x);
  return composite([t], () => minimum(maximum(t, lo), hi));
}

// ---- activations ----
export function leakyRelu(x: TensorLike, alpha = 0.3): Tensor {
  const t = asTensor(x);
  return composite([t], () => where(greater(t, 0), t, mul(t, alpha)));
}
export function elu(x: TensorLike, alpha = 1): Tensor {
  const t = asTensor(x);
  // exp of min(x, 0): the unused branch must stay finite or its zero gradient becomes NaN
  return composite([t], () => where(greater(t, 0), t, mul(expm1(minimum(t, 0)), alpha)));
}
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
export function selu(x: TensorLike): Tensor {
  const t = asTensor(x);
  return composite([t], () => mul(elu(t, SELU_ALPHA), SELU_SCALE));
}
/** Gaussian error linear unit; `approximate` uses the tanh formula. */
export function gelu(x: TensorLike, approximate = false): Tensor {
  const t = asTensor(x);
  return composite([t], () => {
    if (approximate) {
      const inner = mul(add(t, mul(pow(t, 3), 0.044715)), Math.sqrt(2 / Math.PI));
      return mul(mul(t, 0.5), add(tanh(inner), 1));
    }
    return mul(mul(t, 0.5), add(erf(mul(t, Math.SQRT1_2)), 1));
  });
}
/** log(1 + e^x), computed without overflow. */
export function softplus(x: TensorLike): Tensor {
  const t = asTensor(x);
  return composite([t], () => add(relu(t), log1p(exp(neg(abs(t))))));
}
export function softsign(x: TensorLike): Tensor {
  const t = asTensor(x);
  return composite([t], () => div(t, add(abs(t), 1)));
}
/** x * sigmoid(x), a.k.a. swish. */
export function silu(x: TensorLike): Tensor {
  const t = asTensor(x);
  return composite([t], () => mul(t, sigmoid(t)));
}
export const swish = silu;
/** Keras 3 hard sigmoid: relu6(x + 3) / 6. */
export function hardSigmoid(x: TensorLike): Tensor {
  const t = asTensor(x);
  return composite([t], () => div(clip(add(t, 3), 0, 6), 6));
}
export function relu6(x: TensorLike): Tensor {
  return clip(asTensor(x), 0, 6);
}
