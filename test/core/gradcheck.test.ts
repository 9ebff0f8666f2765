/** numericalGrad (central differences) and gradCheck (autograd vs numerical, float64 on the CPU). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { assertClose, values } from '../helpers/assert.js';
import '../helpers/use-cpu.js';

describe('numericalGrad', () => {
  test('matches known derivatives', () => {
    const x = dt.tensor([-1, 0.2, 1.3]);
    const [g] = dt.numericalGrad((u) => u.sin(), x);
    assert.equal(g!.dtype, 'float64');
    assertClose(g!, [-1, 0.2, 1.3].map((v) => Math.cos(Math.fround(v))), { rtol: 1e-7 });
    const [e] = dt.numericalGrad((u) => u.exp().sum(), [dt.tensor([0, 1], { dtype: 'float64' })]);
    assertClose(e!, [1, Math.E], { rtol: 1e-8 });
  });
  test('one gradient per input; null for integer inputs', () => {
    const a = dt.tensor([1, 2], { dtype: 'float64' });
    const b = dt.tensor([3, 4], { dtype: 'float64' });
    const [ga, gb] = dt.numericalGrad((u, v) => u.mul(v), [a, b]);
    assertClose(ga!, [3, 4], { rtol: 1e-8 });
    assertClose(gb!, [1, 2], { rtol: 1e-8 });
    const [gx, gi] = dt.numericalGrad((u, i) => dt.gather(u, i).square(), [dt.tensor([1, 2, 3], { dtype: 'float64' }), dt.tensor([2, 2], { dtype: 'int32' })]);
    assertClose(gx!, [0, 0, 12], { rtol: 1e-8 });
    assert.equal(gi, null);
  });
  test('non-scalar outputs are summed; the eps option is honoured', () => {
    const [g] = dt.numericalGrad((u) => u.pow(3), dt.tensor([2], { dtype: 'float64' }), { eps: 1e-3 });
    // central difference of x³ has error eps², so 12 + 1e-6
    assertClose(g!, [12 + 1e-6], { rtol: 1e-9 });
  });
  test('does not disturb the global random stream or leak', () => {
    dt.seed(5);
    const a = values(dt.rand([3]));
    dt.seed(5);
    const x = dt.tensor([1, 2]);
    const n = dt.memory().numTensors;
    const [g] = dt.numericalGrad((u) => u.square(), x);
    g!.dispose();
    assert.equal(dt.memory().numTensors, n);
    assert.deepEqual(values(dt.rand([3])), a);
  });
});

describe('gradCheck', () => {
  test('passes for correct gradients, with a readable report', () => {
    const r = dt.gradCheck((a, b) => dt.matmul(a, b).tanh(), [dt.randn([2, 3]), dt.randn([3, 2])]);
    assert.ok(r.ok, r.report);
    assert.equal(r.inputs.length, 2);
    assert.deepEqual(r.inputs[0].shape, [2, 3]);
    assert.match(r.report, /^input 0 \[2,3\]: max abs error .* ok\ninput 1 \[3,2\]: .* ok$/);
  });
  test('reports a failure for a wrong gradient: x * detach(x) has analytic x, numerical 2x', () => {
    const x = dt.tensor([1, 2, 3]);
    const r = dt.gradCheck((u) => u.mul(u.detach()), x);
    assert.equal(r.ok, false);
    assert.equal(r.inputs[0].ok, false);
    assert.ok(r.inputs[0].maxAbsError > 0.5, `max abs error ${r.inputs[0].maxAbsError}`);
    assertClose(r.inputs[0].maxRelError, 0.5, { rtol: 1e-6 });
    assert.match(r.report, /FAILED/);
    // the same function without detach passes
    assert.ok(dt.gradCheck((u) => u.mul(u), x).ok);
  });
  test('catches a gradient that is dropped: stop-gradient through a branch', () => {
    const r = dt.gradCheck((u) => dt.where(u.greater(0), u.detach().exp(), u), dt.tensor([0.5, -0.5]));
    assert.equal(r.ok, false);
    assert.ok(r.inputs[0].maxAbsError > 0.1, r.report);
  });
  test('skips integer inputs and checks only float ones', () => {
    const r = dt.gradCheck((x, i) => dt.gather(x, i).exp(), [dt.tensor([0.1, 0.2, 0.3]), dt.tensor([2, 0, 2], { dtype: 'int32' })]);
    assert.ok(r.ok, r.report);
    assert.equal(r.inputs.length, 1);
    assert.equal(r.inputs[0].index, 0);
  });
  test('tolerances are options', () => {
    // value u², analytic gradient (2 - 0.002)u, numerical 2u: off by 0.1%, fails a tight check, passes a loose one
    const f = (u: dt.Tensor): dt.Tensor => u.square().sub(u.mul(u.detach()).mul(0.002)).add(u.square().detach().mul(0.002));
    const loose = dt.gradCheck(f, dt.tensor([1, 2]), { rtol: 1e-2 });
    const tight = dt.gradCheck(f, dt.tensor([1, 2]), { rtol: 1e-6, atol: 1e-9 });
    assert.ok(loose.ok, loose.report);
    assert.ok(!tight.ok, tight.report);
  });
  test('frees everything it made', () => {
    const x = dt.tensor([1, 2]);
    const n = dt.memory().numTensors;
    dt.gradCheck((u) => u.square().sum(), x);
    assert.equal(dt.memory().numTensors, n);
  });
  test('runs in float64 on the CPU whatever the inputs', () => {
    const r = dt.gradCheck((u) => u.mul(1e-3).exp(), dt.tensor([1000, 2000], { dtype: 'float32' }));
    assert.ok(r.ok, r.report);
  });
});
