/** Gradient clipping: the standalone functions and the optimizers' clipnorm / clipvalue / globalClipnorm. */
import '../helpers/use-cpu.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import type { DType } from '../../src/index.js';
import { Adam, RMSprop, SGD, clipByGlobalNorm, clipByNorm, clipByValue, globalNorm, optimizers } from '../../src/optim/index.js';
import { assertClose, reference } from './reference.js';

const DTYPES: DType[] = ['float32', 'float64'];
const tol = (dtype: DType): [number, number] => (dtype === 'float32' ? [1e-6, 1e-7] : [1e-15, 1e-15]);

for (const dtype of DTYPES) {
  test(`clipByValue (${dtype})`, () => {
    const x = dt.tensor([-3, -0.5, 0, 0.25, 7], { dtype });
    const y = clipByValue(x, -1, 0.5);
    assert.equal(y.dtype, dtype);
    assert.deepEqual(Array.from(y.dataSync()), [-1, -0.5, 0, 0.25, 0.5]);
    assert.throws(() => clipByValue(x, 1, -1), /clipValueMin \(1\) must be <= clipValueMax \(-1\)/);
  });

  test(`clipByNorm: x * c / max(||x||, c), whole tensor and per axis (${dtype})`, () => {
    const x = dt.tensor([3, 4], { dtype }); // norm 5
    const [rtol, atol] = tol(dtype);
    assertClose(clipByNorm(x, 1).dataSync(), [0.6, 0.8], rtol, atol, 'clipped to 1');
    assertClose(clipByNorm(x, 2.5).dataSync(), [1.5, 2], rtol, atol, 'clipped to 2.5');
    assert.deepEqual(Array.from(clipByNorm(x, 5).dataSync()), [3, 4], 'norm == clipNorm: unchanged');
    assert.deepEqual(Array.from(clipByNorm(x, 10).dataSync()), [3, 4], 'under the limit: unchanged');
    assert.deepEqual(Array.from(clipByNorm(dt.zeros([3], dtype), 1).dataSync()), [0, 0, 0], 'zero stays zero (no NaN)');
    // Keras test_clip_norm: [100, 100] with clipnorm 1 -> [sqrt(2)/2, sqrt(2)/2]
    assertClose(clipByNorm(dt.tensor([100, 100], { dtype }), 1).dataSync(), [Math.SQRT1_2, Math.SQRT1_2], rtol, atol, 'keras');
    // rows [3, 4] (norm 5) and [0.3, 0.4] (norm 0.5), clipped per row (axis 1) to 1
    const m = dt.tensor([[3, 4], [0.3, 0.4]], { dtype });
    assertClose(clipByNorm(m, 1, 1).dataSync(), [0.6, 0.8, 0.3, 0.4], rtol, atol, 'per row');
    // whole matrix: norm sqrt(25.25)
    const n = Math.sqrt(25.25);
    assertClose(clipByNorm(m, 1).dataSync(), [3 / n, 4 / n, 0.3 / n, 0.4 / n], rtol, atol, 'whole');
    assert.throws(() => clipByNorm(x, 0), /clipNorm/);
    assert.throws(() => clipByNorm(dt.tensor([1, 2], { dtype: 'int32' }), 1), /float/);
  });

  test(`globalNorm and clipByGlobalNorm: like tf.clip_by_global_norm (${dtype})`, () => {
    const [rtol, atol] = tol(dtype);
    const a = dt.tensor([1, 2], { dtype });
    const b = dt.tensor([[2], [4]], { dtype });
    // global norm = sqrt(1 + 4 + 4 + 16) = 5
    assertClose(globalNorm([a, null, b]).dataSync(), [5], rtol, atol, 'globalNorm');
    const { grads, globalNorm: gn } = clipByGlobalNorm([a, null, b], 2);
    assertClose(gn.dataSync(), [5], rtol, atol, 'returned norm is the norm before clipping');
    assert.equal(grads[1], null);
    assertClose((grads[0] as dt.Tensor).dataSync(), [0.4, 0.8], rtol, atol, 'a * 2/5');
    assertClose((grads[2] as dt.Tensor).dataSync(), [0.8, 1.6], rtol, atol, 'b * 2/5');
    assert.deepEqual((grads[2] as dt.Tensor).shape, [2, 1]);
    assertClose(globalNorm(grads).dataSync(), [2], rtol, atol, 'clipped global norm');
    // under the limit: unchanged bits
    const same = clipByGlobalNorm([a, b], 6).grads;
    assert.deepEqual(Array.from((same[0] as dt.Tensor).dataSync()), [1, 2]);
    assert.deepEqual(Array.from((same[1] as dt.Tensor).dataSync()), [2, 4]);
    // all zero: unchanged, no NaN
    const z = clipByGlobalNorm([dt.zeros([2], dtype)], 1).grads[0] as dt.Tensor;
    assert.deepEqual(Array.from(z.dataSync()), [0, 0]);
    // an infinite norm makes everything NaN (TensorFlow's documented behaviour)
    const inf = clipByGlobalNorm([dt.tensor([Infinity, 1], { dtype })], 1).grads[0] as dt.Tensor;
    assert.ok(Array.from(inf.dataSync()).every(Number.isNaN), `got ${Array.from(inf.dataSync())}`);
    // a precomputed norm is used as given
    const pre = clipByGlobalNorm([a], 1, dt.scalar(10, dtype)).grads[0] as dt.Tensor;
    assertClose(pre.dataSync(), [0.1, 0.2], rtol, atol, 'useNorm');
    assert.throws(() => globalNorm([null]), /no tensors/);
  });

  test(`optimizer clipping options apply before the update (${dtype})`, () => {
    const [rtol, atol] = tol(dtype);
    const run = (opt: ReturnType<typeof optimizers.get>, grads: number[][]): number[][] => {
      const vars = grads.map((g, i) => dt.variable(dt.zeros([g.length], dtype), { name: `v${i}` }));
      opt.applyGradients(grads.map((g, i) => [dt.tensor(g, { dtype }), vars[i]] as const));
      return vars.map((v) => Array.from(v.dataSync()));
    };
    // SGD with lr 1 from 0: the variable becomes -clipped gradient
    const g = [
      [3, 4],
      [0, 12],
    ];
    const byNorm = run(new SGD({ learningRate: 1, clipnorm: 1 }), g); // each to norm 1
    assertClose(byNorm[0], [-0.6, -0.8], rtol, atol, 'clipnorm v0');
    assertClose(byNorm[1], [0, -1], rtol, atol, 'clipnorm v1');
    const byGlobal = run(new SGD({ learningRate: 1, globalClipnorm: 6.5 }), g); // global norm 13 -> x 0.5
    assertClose(byGlobal[0], [-1.5, -2], rtol, atol, 'global v0');
    assertClose(byGlobal[1], [0, -6], rtol, atol, 'global v1');
    const byValue = run(new SGD({ learningRate: 1, clipvalue: 3.5 }), g);
    assertClose(byValue[0], [-3, -3.5], rtol, atol, 'value v0');
    assertClose(byValue[1], [0, -3.5], rtol, atol, 'value v1');
    // Keras: clipping happens before the optimizer's own update (here RMSprop), with the same numbers as the reference
    const grads = [
      [30, -40],
      [0.3, 0.1],
    ];
    const clip = (x: number[]): number[] => {
      const n = Math.hypot(...x);
      return x.map((v) => (v * 1) / Math.max(n, 1));
    };
    const expected = reference({ kind: 'rmsprop', lr: () => 0.01, clip }, [1, 1], grads);
    const w = dt.variable(dt.tensor([1, 1], { dtype }), { name: 'w' });
    const opt = new RMSprop({ learningRate: 0.01, clipnorm: 1 });
    grads.forEach((gr, k) => {
      opt.applyGradients([[dt.tensor(gr, { dtype }), w]]);
      assertClose(w.dataSync(), expected[k], dtype === 'float32' ? 1e-5 : 1e-13, 1e-7, `rmsprop clipnorm step ${k}`);
    });
  });
}

test('only one clipping option at a time (Keras)', () => {
  assert.throws(() => new Adam({ clipnorm: 1, clipvalue: 1 }), /only one of clipnorm, clipvalue and globalClipnorm can be set/);
  assert.throws(() => new SGD({ globalClipnorm: 1, clipnorm: 2 }), /only one of/);
  assert.throws(() => new SGD({ clipnorm: -1 }), /clipnorm/);
  const a = new Adam({ clipvalue: 1 });
  assert.deepEqual([a.clipnorm, a.clipvalue, a.globalClipnorm], [null, 1, null]);
});

test('clipping is differentiable when recorded (composed of ops)', () => {
  const x = dt.tensor([3, 4], { dtype: 'float64', requiresGrad: true });
  const [g] = dt.gradients(dt.sum(clipByNorm(x, 1)), [x]);
  // d/dx sum(x / ||x||) = 1/||x|| - x (sum x) / ||x||^3
  const n = 5;
  assertClose((g as dt.Tensor).dataSync(), [1 / n - (3 * 7) / n ** 3, 1 / n - (4 * 7) / n ** 3], 1e-12, 1e-14, 'grad');
});
