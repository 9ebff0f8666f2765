/**
 * Batch normalization: the fused primitives (moments, batchNorm, batchNormParamGrad, batchNormInputGrad) against the
 * composite formula they replace — forward, first- and second-order gradients on the CPU reference in float64 —
 * gradient checks by central differences, and the wasm backend against the CPU reference.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { run } from '../../src/core/engine.js';
import { assertClose } from '../helpers/assert.js';

const EPS = 1e-3;

/** The textbook formula in plain ops: what the layer computed before the fused primitives. */
function composite(x: dt.Tensor, gamma: dt.Tensor, beta: dt.Tensor, axis: number): dt.Tensor {
  const axes = x.shape.map((_, i) => i).filter((i) => i !== axis);
  const bshape = x.shape.map((d, i) => (i === axis ? d : 1));
  const m = dt.mean(x, axes, true);
  const v = dt.mean(dt.square(dt.sub(x, m)), axes, true);
  const xhat = dt.mul(dt.sub(x, m), dt.rsqrt(dt.add(v, EPS)));
  return dt.add(dt.mul(xhat, dt.reshape(gamma, bshape)), dt.reshape(beta, bshape));
}
const fused = (x: dt.Tensor, gamma: dt.Tensor, beta: dt.Tensor, axis: number): dt.Tensor =>
  dt.batchNorm(x, dt.moments(x, axis), gamma, beta, { axis, epsilon: EPS });

function inputs(shape: number[], axis: number, dtype: dt.DType, seed = 3): [dt.Tensor, dt.Tensor, dt.Tensor, dt.Tensor] {
  dt.seed(seed);
  const c = shape[axis];
  // an offset mean and uneven scales per element: the statistics matter
  const x = dt.add(dt.mul(dt.randn(shape, { dtype }), 3), 1.5);
  const gamma = dt.add(dt.rand([c], { dtype }), 0.5);
  const beta = dt.randn([c], { dtype });
  const w = dt.randn(shape, { dtype }); // weights of the scalar loss
  return [x, gamma, beta, w];
}

const CASES: [number[], number][] = [[[4, 3, 5, 6], 3], [[7, 5], 1], [[3, 4, 2], 1], [[2, 6, 3, 3], 0]];

describe('batchNorm primitives (cpu, float64)', () => {
  dt.setBackend('cpu');
  for (const [shape, axis] of CASES) {
    test(`forward, gradients and second-order gradients equal the composite formula: ${shape} axis ${axis}`, () => {
      const [x, gamma, beta, w] = inputs(shape, axis, 'float64');
      assertClose(fused(x, gamma, beta, axis), composite(x, gamma, beta, axis), { rtol: 1e-12, atol: 1e-12 });
      const loss = (f: typeof fused) => (a: dt.Tensor, g: dt.Tensor, b: dt.Tensor) => dt.sum(dt.mul(dt.square(f(a, g, b, axis)), w));
      const got = dt.grad(loss(fused), { argnums: [0, 1, 2] })(x, gamma, beta);
      const want = dt.grad(loss(composite), { argnums: [0, 1, 2] })(x, gamma, beta);
      for (let i = 0; i < 3; i++) assertClose(got[i], want[i], { rtol: 1e-10, atol: 1e-10, message: `gradient ${i}` });
      // second order: the gradient of a function of the first-order gradients
      const second = (f: typeof fused) => (a: dt.Tensor, g: dt.Tensor, b: dt.Tensor) => {
        const [dx, dg] = dt.grad(loss(f), { argnums: [0, 1] })(a, g, b);
        return dt.add(dt.sum(dt.mul(dx, dx)), dt.sum(dt.mul(dg, dg)));
      };
      const got2 = dt.grad(second(fused), { argnums: [0, 1, 2] })(x, gamma, beta);
      const want2 = dt.grad(second(composite), { argnums: [0, 1, 2] })(x, gamma, beta);
      for (let i = 0; i < 3; i++) assertClose(got2[i], want2[i], { rtol: 1e-8, atol: 1e-8, message: `second-order gradient ${i}` });
    });
  }

  test('moments: means and biased variances; batchNorm with given (moving) statistics differentiates into them', () => {
    const x = dt.tensor([[1, 10], [3, 20], [8, 60]], { dtype: 'float64' });
    assertClose(dt.moments(x, 1), [4, 30, 26 / 3, 1400 / 3], { rtol: 1e-12 });
    const [x2, gamma, beta] = inputs([5, 4], 1, 'float64');
    const stats = dt.stack([dt.tensor([0.5, -1, 2, 0], { dtype: 'float64' }), dt.tensor([1.5, 0.3, 4, 2], { dtype: 'float64' })]);
    const f = (a: dt.Tensor, s: dt.Tensor, g: dt.Tensor, b: dt.Tensor) => dt.sum(dt.square(dt.batchNorm(a, s, g, b, { axis: 1, epsilon: EPS })));
    const r = dt.gradCheck(f, [x2, stats, gamma, beta], { atol: 1e-6, rtol: 1e-6 });
    assert.ok(r.ok, r.report);
  });

  test('every primitive passes a finite-difference gradient check (inputs unrelated to each other)', () => {
    const [x, gamma, , w] = inputs([3, 2, 4], 2, 'float64');
    dt.seed(9);
    const stats = dt.stack([dt.randn([4], { dtype: 'float64' }), dt.add(dt.rand([4], { dtype: 'float64' }), 0.5)]);
    const pg = dt.randn([2, 4], { dtype: 'float64' });
    const p = { axis: 2, epsilon: EPS };
    const checks: [string, (...a: dt.Tensor[]) => dt.Tensor, dt.Tensor[]][] = [
      ['moments', (a) => run('moments', [a], { axis: 2 }), [x]],
      ['batchNormParamGrad', (a, s, d) => run('batchNormParamGrad', [a, s, d], p), [x, stats, w]],
      ['batchNormInputGrad', (a, s, g, d, q) => run('batchNormInputGrad', [a, s, g, d, q], p), [x, stats, gamma, w, pg]],
    ];
    for (const [name, f, xs] of checks) {
      const r = dt.gradCheck(f, xs, { atol: 1e-6, rtol: 1e-6 });
      assert.ok(r.ok, `${name}\n${r.report}`);
    }
  });

  test('shape errors name the op and the expected shape', () => {
    const x = dt.zeros([2, 3]);
    assert.throws(() => dt.batchNorm(x, dt.zeros([2, 2]), null, null), /batchNorm: stats must be \[2,3\] float32/);
    assert.throws(() => dt.moments(x, 2), /moments: axis 2 is out of range|moments.*out of range/);
  });
});

describe('batchNorm primitives on wasm match the CPU reference', () => {
  for (const [shape, axis] of [...CASES, [[16, 9, 9, 32], 3] as [number[], number], [[128, 7, 7, 6], 3] as [number[], number]]) {
    test(`${shape} axis ${axis}`, () => {
      const [x, gamma, beta, w] = dt.withBackend('cpu', () => inputs(shape, axis, 'float32'));
      const loss = (a: dt.Tensor, g: dt.Tensor, b: dt.Tensor) => dt.sum(dt.mul(dt.square(fused(a, g, b, axis)), w));
      const on = (backend: string) => dt.withBackend(backend, () => {
        const [xb, gb, bb] = [x, gamma, beta];
        const y = fused(xb, gb, bb, axis).dataSync();
        const gs = dt.grad(loss, { argnums: [0, 1, 2] })(xb, gb, bb).map((t) => t.dataSync());
        return [dt.moments(xb, axis).dataSync(), y, ...gs];
      });
      const [want, got] = [on('cpu'), on('wasm')];
      const names = ['moments', 'forward', 'dx', 'dgamma', 'dbeta'];
      for (let i = 0; i < want.length; i++) assertClose(got[i], want[i], { rtol: 2e-4, atol: 2e-4, message: names[i] });
    });
  }
});
