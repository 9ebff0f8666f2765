/** Optimizers training something: convergence on a quadratic, minimize(), and a Keras fit() golden run. */
import '../helpers/use-cpu.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import type { DType } from '../../src/index.js';
import { Adagrad, Adam, AdamW, ExponentialDecay, RMSprop, SGD, type Optimizer } from '../../src/optim/index.js';
import { assertClose } from './reference.js';

const A = [1, 3, 0.5, 2];
const C = [1, -2, 3, 0.5];

/** f(w) = 0.5 * sum(a * (w - c)^2), minimum at w = c. */
function quadratic(w: dt.Tensor): dt.Tensor {
  const a = dt.tensor(A, { dtype: w.dtype });
  const c = dt.tensor(C, { dtype: w.dtype });
  const d = dt.sub(w, c);
  return dt.mul(dt.sum(dt.mul(a, dt.mul(d, d))), 0.5);
}

const runs: [string, () => Optimizer, number, number][] = [
  ['SGD', () => new SGD({ learningRate: 0.1 }), 300, 1e-4],
  ['SGD momentum', () => new SGD({ learningRate: 0.05, momentum: 0.9 }), 300, 1e-4],
  ['SGD nesterov', () => new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true }), 300, 1e-4],
  ['RMSprop', () => new RMSprop({ learningRate: new ExponentialDecay(0.05, 100, 0.5) }), 1000, 1e-3],
  ['RMSprop centered + momentum', () => new RMSprop({ learningRate: new ExponentialDecay(0.02, 100, 0.5), momentum: 0.5, centered: true }), 1000, 1e-3],
  ['Adagrad', () => new Adagrad({ learningRate: 0.5 }), 500, 1e-3],
  ['Adam', () => new Adam({ learningRate: new ExponentialDecay(0.1, 100, 0.6) }), 1000, 1e-3],
  ['Adam amsgrad', () => new Adam({ learningRate: new ExponentialDecay(0.1, 100, 0.6), amsgrad: true }), 1000, 1e-3],
];

for (const dtype of ['float32', 'float64'] as DType[]) {
  for (const [name, make, steps, tol] of runs) {
    test(`${name} converges on a quadratic (${dtype})`, () => {
      const w = dt.variable(dt.zeros([4], dtype), { name: 'w' });
      const opt = make();
      let last = Infinity;
      for (let i = 0; i < steps; i++) {
        const loss = opt.minimize(() => quadratic(w), [w]);
        last = loss.item();
        loss.dispose();
      }
      assert.equal(opt.iterations, steps);
      assert.equal(w.dtype, dtype);
      assertClose(w.dataSync(), C, 0, tol, `${name} w`);
      assert.ok(last < 1e-4, `${name}: final loss ${last}`);
    });
  }

  test(`AdamW: weight decay pulls the solution toward 0 (vs plain Adam) (${dtype})`, () => {
    // decoupled decay shrinks every weight a little each step, so the optimum found is biased toward 0
    const w = dt.variable(dt.zeros([4], dtype), { name: 'w' });
    const free = dt.variable(dt.zeros([4], dtype), { name: 'free' });
    const opt = new AdamW({ learningRate: new ExponentialDecay(0.1, 100, 0.6), weightDecay: 0.05 });
    const plain = new Adam({ learningRate: new ExponentialDecay(0.1, 100, 0.6) });
    for (let i = 0; i < 800; i++) {
      opt.minimize(() => quadratic(w), [w]).dispose();
      plain.minimize(() => quadratic(free), [free]).dispose();
    }
    const wv = w.dataSync();
    const fv = free.dataSync();
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(wv[i]) < Math.abs(fv[i]), `decayed |${wv[i]}| < free |${fv[i]}|`);
    assertClose(fv, C, 0, 1e-3, 'plain Adam');
  });
}

test('minimize returns the loss (detached), skips variables without gradient and frees intermediates', () => {
  const w = dt.variable(dt.tensor([3, -4]), { name: 'w' });
  const unused = dt.variable(dt.tensor([1]), { name: 'unused' });
  const opt = new SGD({ learningRate: 0.25 });
  const before = dt.memory().numTensors;
  const loss = opt.minimize(() => dt.sum(dt.mul(w, w)), [w, unused]);
  assert.equal(loss.item(), 25);
  assert.equal(loss.requiresGrad, false);
  loss.dispose();
  assert.equal(dt.memory().numTensors, before);
  assert.deepEqual(Array.from(w.dataSync()), [1.5, -2]); // w -= 0.25 * 2w
  assert.equal(unused.item(), 1);
  assert.throws(() => opt.minimize(() => dt.sum(unused.mul(0).add(1)).detach(), [w]), /no gradients provided/);
});

test('works inside noGrad and does not record the update', () => {
  const w = dt.variable(dt.tensor([1, 2]), { name: 'w' });
  const opt = new Adam({ learningRate: 0.1 });
  dt.noGrad(() => opt.applyGradients([[dt.tensor([1, 1]), w]]));
  assert.ok(w.isLeaf && w.requiresGrad, 'still a trainable leaf');
  const loss = opt.minimize(() => dt.sum(w), [w]);
  assert.ok(loss.isLeaf, 'loss detached');
  assert.equal(opt.iterations, 2);
});

/**
 * Keras' TestFitLRSchedulesFlow.test_fit_lr_correctness (learning_rate_schedule_test.py): Dense(2) with ones
 * for kernel and bias, mse, Adam with ExponentialDecay(0.05, 1, 0.9), x = y = arange(32).reshape(16, 2),
 * batch 4, no shuffling, 3 epochs. Keras reports the epoch losses [230.79457, 128.30319, 79.33649].
 */
test('Keras fit golden: Dense + mse + Adam(ExponentialDecay) epoch losses match Keras', () => {
  const kernel = dt.variable(dt.ones([2, 2]), { name: 'dense/kernel' });
  const bias = dt.variable(dt.ones([2]), { name: 'dense/bias' });
  const data = Array.from({ length: 32 }, (_, i) => i);
  const opt = new Adam({ learningRate: new ExponentialDecay(0.05, 1, 0.9) });
  const epochLosses: number[] = [];
  for (let epoch = 0; epoch < 3; epoch++) {
    let total = 0;
    for (let b = 0; b < 4; b++) {
      const batch = data.slice(b * 8, b * 8 + 8);
      const loss = opt.minimize(() => {
        const x = dt.tensor(batch, { shape: [4, 2] });
        const y = dt.tensor(batch, { shape: [4, 2] });
        const pred = dt.add(dt.matmul(x, kernel), bias);
        const d = dt.sub(pred, y);
        return dt.mean(dt.mul(d, d));
      }, [kernel, bias]);
      total += loss.item();
      loss.dispose();
    }
    epochLosses.push(total / 4);
  }
  assert.equal(opt.iterations, 12);
  assertClose(epochLosses, [230.79457092285156, 128.30319213867188, 79.33648681640625], 5e-5, 0, 'epoch losses');
});
