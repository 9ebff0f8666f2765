import '../helpers/use-cpu.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { ValueError } from '../../src/index.js';
import {
  activationNames, activations, getActivation, linear, logitsOf, registerActivation, serializeActivation, type ActivationFn,
} from '../../src/nn/activations.js';

const xs = [-3, -1, -0.25, 0, 0.5, 2, 7];
const erf = (x: number): number => {
  // erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt, by the midpoint rule (error far below the 1e-6 tolerance)
  let s = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const t = ((i + 0.5) / n) * x;
    s += Math.exp(-t * t);
  }
  return ((2 / Math.sqrt(Math.PI)) * s * x) / n;
};
const sig = (x: number): number => 1 / (1 + Math.exp(-x));
const ref: Record<string, (x: number) => number> = {
  linear: (x) => x,
  relu: (x) => Math.max(x, 0),
  relu6: (x) => Math.min(Math.max(x, 0), 6),
  sigmoid: sig,
  tanh: Math.tanh,
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  selu: (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x)),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  softplus: (x) => Math.log1p(Math.exp(x)),
  softsign: (x) => x / (1 + Math.abs(x)),
  silu: (x) => x * sig(x),
  swish: (x) => x * sig(x),
  leaky_relu: (x) => (x > 0 ? x : 0.2 * x),
  hard_sigmoid: (x) => Math.min(Math.max(x + 3, 0), 6) / 6,
  hard_silu: (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6,
  exponential: Math.exp,
  mish: (x) => x * Math.tanh(Math.log1p(Math.exp(x))),
  log_sigmoid: (x) => Math.log(sig(x)),
};

test('elementwise activations match their formulas (Keras 3 defaults: leaky slope 0.2, exact gelu)', () => {
  const x = dt.tensor(xs, { dtype: 'float64' });
  for (const [name, f] of Object.entries(ref)) {
    const y = getActivation(name)(x).dataSync();
    xs.forEach((v, i) => assert.ok(Math.abs(y[i] - f(v)) < 1e-6 * Math.max(1, Math.abs(f(v))), `${name}(${v}) = ${y[i]}, expected ${f(v)}`));
  }
});

test('softmax and logSoftmax act on the last axis', () => {
  const z = [[1, 2, 3], [0, 0, 0]];
  const s = getActivation('softmax')(dt.tensor(z, { dtype: 'float64' })).toArray() as number[][];
  const ls = getActivation('log_softmax')(dt.tensor(z, { dtype: 'float64' })).toArray() as number[][];
  z.forEach((row, r) => {
    const m = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
    row.forEach((v, c) => {
      assert.ok(Math.abs(s[r][c] - Math.exp(v - m)) < 1e-12);
      assert.ok(Math.abs(ls[r][c] - (v - m)) < 1e-12);
    });
  });
});

test('every spelling resolves: snake_case, camelCase, any case, aliases, null/undefined -> linear', () => {
  assert.equal(getActivation('leaky_relu'), getActivation('leakyRelu'));
  assert.equal(getActivation('LeakyReLU'), activations.leakyRelu);
  assert.equal(getActivation('hardSigmoid'), getActivation('hard_sigmoid'));
  assert.equal(getActivation('logSoftmax'), activations.logSoftmax);
  assert.equal(getActivation('swish'), activations.silu);
  assert.equal(getActivation('hard_swish'), activations.hardSilu);
  assert.equal(getActivation(null), linear);
  assert.equal(getActivation(undefined), linear);
  assert.equal(getActivation('linear'), linear);
  const f: ActivationFn = (x) => dt.mul(x, 2);
  assert.equal(getActivation(f), f);
  for (const name of activationNames()) assert.equal(typeof getActivation(name), 'function', name);
  assert.throws(() => getActivation('relu7'), (e: Error) => e instanceof ValueError && /relu6/.test(e.message) && /leaky_relu/.test(e.message));
  assert.throws(() => getActivation(3 as never), ValueError);
});

test('serializeActivation writes Keras names and round-trips every built-in', () => {
  for (const name of activationNames()) assert.equal(serializeActivation(getActivation(name)), name);
  assert.equal(serializeActivation(getActivation('leakyRelu')), 'leaky_relu');
  assert.equal(serializeActivation(getActivation('swish')), 'silu');
  assert.equal(serializeActivation(activations.softmax), 'softmax');
  const double: ActivationFn = (x) => dt.mul(x, 2);
  registerActivation('double', double);
  assert.equal(serializeActivation(double), 'double');
  assert.equal(getActivation('double'), double);
  assert.ok(activationNames().includes('double'));
  assert.throws(() => registerActivation('relu', double), ValueError);
  assert.equal(serializeActivation(function myAct(x: dt.Tensor) { return x; }), 'myAct');
  assert.throws(() => serializeActivation(((f) => f)((x: dt.Tensor) => x)), ValueError);
});

test('softmax and sigmoid outputs carry their logits; logitsOf checks kind, axis and liveness', () => {
  const z = dt.tensor([[1, 2, 3]]);
  const p = activations.softmax(z);
  assert.equal(p._logits, z);
  assert.equal(p._logitsKind, 'softmax');
  assert.equal(p._logitsAxis, 1);
  assert.equal(logitsOf(p, 'softmax'), z);
  assert.equal(logitsOf(p, 'softmax', 1), z);
  assert.equal(logitsOf(p, 'softmax', 0), undefined);
  assert.equal(logitsOf(p, 'sigmoid'), undefined);
  const s = activations.sigmoid(z);
  assert.equal(logitsOf(s, 'sigmoid'), z);
  assert.equal(logitsOf(s, 'softmax'), undefined);
  assert.equal(activations.relu(z)._logits, undefined);
  assert.equal(logitsOf(dt.softmax(z), 'softmax'), undefined);
  // set by hand without a kind: trusted
  const q = dt.sigmoid(z);
  q._logits = z;
  assert.equal(logitsOf(q, 'sigmoid'), z);
  const kept = dt.scope(() => activations.sigmoid(dt.tensor([0.5])));
  assert.equal(logitsOf(kept, 'sigmoid'), undefined);
});

test('gradients of the activations (gradCheck, away from kinks)', () => {
  const x = dt.tensor([[-2.3, -0.7, 0.4], [1.1, 2.9, -4.2]]);
  for (const name of ['sigmoid', 'tanh', 'softmax', 'log_softmax', 'elu', 'selu', 'gelu', 'softplus', 'softsign', 'silu', 'leaky_relu', 'exponential', 'mish', 'log_sigmoid', 'relu', 'hard_sigmoid']) {
    const f = getActivation(name);
    const r = dt.gradCheck((t) => f(t), [x]);
    assert.ok(r.ok, `${name}: ${r.report}`);
  }
});
