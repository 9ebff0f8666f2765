import '../helpers/use-cpu.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { DTypeError, ShapeError, ValueError } from '../../src/index.js';
import {
  L1, L1L2, L2, OrthogonalRegularizer, Regularizer, getRegularizer, l1, l1l2, l2, orthogonalRegularizer, regularizers,
  serializeRegularizer, type RegularizerLike,
} from '../../src/nn/regularizers.js';

const close = (a: number, b: number, tol = 1e-6): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `expected ${b}, got ${a}`);
const w = (): dt.Tensor => dt.tensor([[1, -2], [3, -4]]);

test('l1, l2, l1l2: values with Keras defaults', () => {
  close(l1().call(w()).item(), 0.01 * 10);
  close(l2().call(w()).item(), 0.01 * 30);
  close(l1(0.5).call(w()).item(), 5);
  close(l2(0.1).call(w()).item(), 3);
  close(l1l2({ l1: 0.1, l2: 0.2 }).call(w()).item(), 0.1 * 10 + 0.2 * 30);
  close(l1l2({ l2: 0.2 }).call(w()).item(), 6);
  // Keras 3 L1L2 defaults are 0 and 0: a zero penalty of the weight's dtype
  const z = l1l2().call(dt.tensor([1, 2], { dtype: 'float64' }));
  assert.equal(z.item(), 0);
  assert.equal(z.dtype, 'float64');
  assert.equal(z.rank, 0);
  assert.equal(new L1().l1, 0.01);
  assert.equal(new L2().l2, 0.01);
  assert.equal(new L1(0.3).l1, 0.3);
});

test('penalties are differentiable: analytic gradients and gradCheck', () => {
  const v = dt.tensor([[1, -2], [3, -4]], { requiresGrad: true });
  l1l2({ l1: 0.1, l2: 0.2 }).call(v).backward();
  assert.deepEqual(Array.from(v.grad!.dataSync()).map((x) => Number(x.toFixed(5))), [1, -2, 3, -4].map((x) => Number((0.1 * Math.sign(x) + 0.4 * x).toFixed(5))));
  dt.seed(1);
  const x = dt.randn([3, 4]);
  for (const r of [l1(0.3), l2(0.7), l1l2({ l1: 0.2, l2: 0.5 }), orthogonalRegularizer({ factor: 0.5 }), orthogonalRegularizer({ mode: 'columns' })]) {
    const res = dt.gradCheck((t) => r.call(t), [x]);
    assert.ok(res.ok, `${r.className}: ${res.report}`);
  }
});

test('orthogonalRegularizer: 0 for orthogonal rows, factor * mean |cos| otherwise (Keras formula)', () => {
  close(orthogonalRegularizer().call(dt.tensor([[2, 0, 0], [0, 3, 0]])).item(), 0);
  // two identical rows: |cos| = 1 for the single pair -> factor * 0.5 * (2 * 1) / 1
  close(orthogonalRegularizer({ factor: 0.1 }).call(dt.tensor([[1, 1], [1, 1]])).item(), 0.1);
  // rows at 60 degrees and 90: pairs (0,1)=0.5, (0,2)=0, (1,2)=cos
  const rows = [[1, 0], [0.5, Math.sqrt(3) / 2], [0, 1]];
  const cos12 = Math.sqrt(3) / 2;
  close(orthogonalRegularizer({ factor: 1 }).call(dt.tensor(rows)).item(), (0.5 + 0 + cos12) / 3, 1e-5);
  close(orthogonalRegularizer({ factor: 1, mode: 'columns' }).call(dt.transpose(dt.tensor(rows))).item(), (0.5 + cos12) / 3, 1e-5);
  assert.throws(() => orthogonalRegularizer().call(dt.ones([2, 2, 2])), ShapeError);
  assert.throws(() => orthogonalRegularizer({ mode: 'diag' as never }), ValueError);
});

test('invalid factors and weights are rejected', () => {
  assert.throws(() => l1(-1), (e: Error) => e instanceof ValueError && /l1/.test(e.message));
  assert.throws(() => l2(NaN), ValueError);
  assert.throws(() => l1l2({ l1: Infinity }), ValueError);
  assert.throws(() => l2().call(dt.tensor([1, 2], { dtype: 'int32' })), DTypeError);
});

test('regularizers.get: names, specs (Keras configs), objects; unknown names list the known ones', () => {
  assert.ok(getRegularizer('l1') instanceof L1);
  assert.ok(getRegularizer('L2') instanceof L2);
  assert.ok(getRegularizer('l1_l2') instanceof L1L2);
  assert.ok(getRegularizer('l1l2') instanceof L1L2);
  assert.ok(getRegularizer('orthogonal_regularizer') instanceof OrthogonalRegularizer);
  assert.equal((getRegularizer('l2') as L2).l2, 0.01);
  const r = regularizers.get({ className: 'L1L2', config: { l1: 0.1, l2: 0.2 } }) as L1L2;
  assert.equal(r.l1, 0.1);
  assert.equal(r.l2, 0.2);
  const custom: RegularizerLike = { call: (x) => dt.sum(x), getConfig: () => ({}) };
  assert.equal(getRegularizer(custom), custom);
  assert.throws(() => getRegularizer('l3'), (e: Error) => e instanceof ValueError && /l1/.test(e.message) && /l1_l2/.test(e.message));
  assert.throws(() => getRegularizer({ className: 'L1', config: { l2: 1 } }), /unknown config key/);
  // like every family's specs: Keras' 'dtype' key is skipped (deepts regularizes in the weight's dtype)
  assert.equal((getRegularizer({ className: 'L2', config: { l2: 0.5, dtype: 'float32' } }) as L2).l2, 0.5);
  assert.throws(() => getRegularizer({ className: 'Dropout' }), ValueError);
});

test('serialize / deserialize round trip', () => {
  for (const r of [l1(0.2), l2(), l1l2({ l1: 1e-5, l2: 1e-4 }), orthogonalRegularizer({ factor: 0.3, mode: 'columns' })]) {
    const spec = JSON.parse(JSON.stringify(serializeRegularizer(r)));
    const back = getRegularizer(spec) as Regularizer;
    assert.equal(back.className, r.className);
    assert.deepEqual(back.getConfig(), r.getConfig());
  }
  assert.deepEqual(serializeRegularizer(l2()), { className: 'L2', config: { l2: 0.01 } });
  assert.deepEqual(serializeRegularizer(l1l2({ l1: 0.5 })), { className: 'L1L2', config: { l1: 0.5, l2: 0 } });
});

test('penalties under noGrad free their temporaries', () => {
  const x = dt.randn([10, 10]);
  const reg = l1l2({ l1: 0.1, l2: 0.1 });
  const before = dt.memory().numTensors;
  for (let i = 0; i < 3; i++) reg.call(x).dispose();
  assert.equal(dt.memory().numTensors, before);
});
