/** Reverse-mode autograd: backward (PyTorch), grad/valueAndGrad (JAX), GradientTape (TensorFlow), higher order. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { assertClose, assertThrowsWith, values } from '../helpers/assert.js';
import '../helpers/use-cpu.js';

const f64 = (v: dt.NestedArray, requiresGrad = false): dt.Tensor => dt.tensor(v, { dtype: 'float64', requiresGrad });

describe('backward()', () => {
  test('fills .grad of leaves only', () => {
    const x = dt.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x);
    assert.ok(y.requiresGrad);
    assert.ok(!y.isLeaf);
    assert.ok(x.isLeaf);
    y.sum().backward();
    assert.deepEqual(values(x.grad!), [2, 4, 6]);
    assert.equal(y.grad, null);
  });
  test('accumulates across calls like PyTorch until cleared', () => {
    const x = dt.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    x.mul(x).sum().backward();
    assert.deepEqual(values(x.grad!), [4, 8, 12]);
    x.grad!.dispose();
    x.grad = null;
    x.mul(3).sum().backward();
    assert.deepEqual(values(x.grad!), [3, 3, 3]);
  });
  test('a tensor used twice gets both contributions', () => {
    const x = dt.tensor([2], { requiresGrad: true });
    const y = x.mul(3).add(x.exp()).add(x);
    y.backward();
    assertClose(x.grad!, [3 + Math.exp(2) + 1]);
  });
  test('non-scalar outputs are summed; a seed weights them', () => {
    const x = dt.tensor([1, 2], { requiresGrad: true });
    x.mul(x).backward();
    assert.deepEqual(values(x.grad!), [2, 4]);
    const z = dt.tensor([1, 2], { requiresGrad: true });
    z.mul(z).backward({ seed: dt.tensor([10, 100]) });
    assert.deepEqual(values(z.grad!), [20, 400]);
    assertThrowsWith(() => z.mul(z).backward({ seed: dt.tensor([1]) }), dt.ShapeError, "backward: the seed gradient [1] must have the output's shape [2]");
  });
  test('several leaves and broadcasting', () => {
    const w = dt.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const b = dt.tensor([0.5, -0.5], { requiresGrad: true });
    const x = dt.tensor([[1, 1], [2, 0]]);
    dt.matmul(x, w).add(b).sum().backward();
    assert.deepEqual(w.grad!.toArray(), [[3, 3], [1, 1]]);
    assert.deepEqual(values(b.grad!), [2, 2]);
    assert.equal(x.grad, null);
  });
  test('throws when nothing requires a gradient', () => {
    assertThrowsWith(() => dt.tensor([1]).mul(2).backward(), dt.DeeptsError, /backward: the tensor does not require a gradient/);
  });
  test('the .grad tensors survive the scope they were made in', () => {
    const x = dt.tensor([1, 2], { requiresGrad: true });
    dt.scope(() => {
      x.mul(x).sum().backward();
    });
    assert.deepEqual(values(x.grad!), [2, 4]);
  });
  test('float64 gradients stay float64', () => {
    const x = f64([1, 2], true);
    x.mul(0.1).sum().backward();
    assert.equal(x.grad!.dtype, 'float64');
    assert.deepEqual(values(x.grad!), [0.1, 0.1]);
  });
});

describe('noGrad and detach', () => {
  test('noGrad records nothing', () => {
    const x = dt.tensor([1, 2], { requiresGrad: true });
    const y = dt.noGrad(() => x.mul(2));
    assert.ok(!y.requiresGrad);
    assert.ok(y.isLeaf);
    dt.noGrad(() => assert.ok(!dt.isGradEnabled()));
    assert.ok(dt.isGradEnabled());
    assertThrowsWith(() => y.sum().backward(), dt.DeeptsError, /does not require a gradient/);
  });
  test('enableGrad re-enables inside noGrad', () => {
    const x = dt.tensor([3], { requiresGrad: true });
    const y = dt.noGrad(() => dt.enableGrad(() => x.mul(x)));
    assert.ok(y.requiresGrad);
  });
  test('detach cuts the graph and shares data', () => {
    const x = dt.tensor([3], { requiresGrad: true });
    const d = x.detach();
    assert.ok(!d.requiresGrad);
    assert.equal(d.storage, x.storage);
    x.mul(d).backward();
    assert.deepEqual(values(x.grad!), [3], 'only the attached factor contributes');
    assert.equal(dt.detach(x).storage, x.storage);
  });
  test('requiresGrad cannot be switched off on a computed tensor', () => {
    const y = dt.tensor([1], { requiresGrad: true }).mul(2);
    assertThrowsWith(() => {
      y.requiresGrad = false;
    }, dt.DeeptsError, 'requiresGrad: cannot turn it off on a computed tensor; use detach()');
  });
  test('variable() makes a trainable leaf that scopes do not free', () => {
    const v = dt.scope(() => {
      const w = dt.variable(dt.ones([2]), { name: 'dense_1/kernel' });
      dt.ones([2]).mul(2);
      return null;
    });
    assert.equal(v, null);
    const w = dt.variable(dt.tensor([1, 2]), { name: 'w' });
    assert.ok(w.requiresGrad);
    assert.ok(w.isLeaf);
    assert.equal(w.name, 'w');
    assert.ok(!dt.variable(dt.tensor([1]), { trainable: false }).requiresGrad);
    dt.scope(() => {
      w.mul(w).sum().backward();
    });
    assert.ok(!w.isDisposed);
    assert.deepEqual(values(w.grad!), [2, 4]);
  });
});

describe('grad and valueAndGrad', () => {
  const f = (a: dt.Tensor, b: dt.Tensor): dt.Tensor => a.mul(b).add(b.square());
  test('argnums picks the arguments', () => {
    const a = dt.tensor([1, 2]);
    const b = dt.tensor([3, 4]);
    assert.deepEqual(values(dt.grad(f)(a, b)), [3, 4]);
    assert.deepEqual(values(dt.grad(f, { argnums: 1 })(a, b)), [1 + 6, 2 + 8]);
    const [ga, gb] = dt.grad(f, { argnums: [0, 1] })(a, b);
    assert.deepEqual(values(ga), [3, 4]);
    assert.deepEqual(values(gb), [7, 10]);
    assertThrowsWith(() => dt.grad(f, { argnums: 2 })(a, b), dt.DeeptsError, 'grad: argnums 2 is out of range for 2 arguments');
  });
  test('valueAndGrad returns the value too', () => {
    const [v, g] = dt.valueAndGrad((x: dt.Tensor) => x.square().sum())(dt.tensor([1, 2, 3]));
    assert.equal(v.item(), 14);
    assert.deepEqual(values(g), [2, 4, 6]);
  });
  test('arguments need no requiresGrad and may be JS arrays; inputs are untouched', () => {
    const x = dt.tensor([1, 2]);
    const g = dt.grad((u: dt.Tensor) => u.mul(u))(x);
    assert.deepEqual(values(g), [2, 4]);
    assert.ok(!x.requiresGrad);
    assert.equal(x.grad, null);
    assert.deepEqual(values(dt.grad((u: dt.Tensor) => u.mul(u).sum())([1, 2, 3] as never)), [2, 4, 6]);
  });
  test('an argument the output does not depend on gets zeros', () => {
    const g = dt.grad((_u: dt.Tensor, v: dt.Tensor) => v.mul(2))(dt.tensor([1, 2]), dt.tensor([1]));
    assert.deepEqual(values(g), [0, 0]);
    assert.deepEqual(values(dt.grad(() => dt.tensor([5]))(dt.tensor([1, 2]))), [0, 0]);
  });
  test('the function must return a tensor', () => {
    assertThrowsWith(() => dt.grad((() => 3) as never)(dt.tensor([1])), dt.DeeptsError, 'grad: the function must return a Tensor');
  });
  test('gradients() gives null for unreachable tensors', () => {
    const x = dt.tensor([1], { requiresGrad: true });
    const y = dt.tensor([1], { requiresGrad: true });
    const [gx, gy] = dt.gradients(x.mul(4), [x, y]);
    assert.deepEqual(values(gx!), [4]);
    assert.equal(gy, null);
  });
});

describe('GradientTape', () => {
  test('watch + gradient, single and list forms', () => {
    const x = dt.tensor([1, 2]);
    const tape = new dt.GradientTape();
    tape.watch(x);
    assert.ok(x.requiresGrad);
    const y = x.square().sum();
    assert.deepEqual(values(tape.gradient(y, x)!), [2, 4]);
    assert.ok(!x.requiresGrad, 'a used non-persistent tape stops watching');
  });
  test('a non-persistent tape works once', () => {
    const x = dt.tensor([1, 2]);
    const tape = new dt.GradientTape();
    tape.watch(x);
    const y = x.square().sum();
    tape.gradient(y, [x]);
    assertThrowsWith(() => tape.gradient(y, [x]), dt.DeeptsError, /a non-persistent tape can be used only once/);
    assertThrowsWith(() => tape.watch(x), dt.DeeptsError, 'GradientTape.watch: the tape is closed');
  });
  test('a persistent tape answers several questions', () => {
    const x = dt.tensor([0.5, 1]);
    const tape = new dt.GradientTape({ persistent: true });
    tape.watch(x);
    const y1 = x.exp().sum();
    const y2 = x.sin().sum();
    assertClose(tape.gradient(y1, x)!, [Math.exp(0.5), Math.exp(1)]);
    const [g2] = tape.gradient(y2, [x]);
    assertClose(g2!, [Math.cos(0.5), Math.cos(1)]);
    tape.dispose();
    assert.ok(!x.requiresGrad);
  });
  test('unwatched tensors get null; outputGradients seeds', () => {
    const x = dt.tensor([1, 2]);
    const c = dt.tensor([5]);
    const tape = new dt.GradientTape();
    tape.watch(x);
    const y = x.mul(3);
    const [gx, gc] = tape.gradient(y, [x, c], { outputGradients: dt.tensor([1, 10]) });
    assert.deepEqual(values(gx!), [3, 30]);
    assert.equal(gc, null);
  });
  test('variables need no watch; `using` closes the tape', () => {
    const w = dt.variable(dt.tensor([2]));
    const x = dt.tensor([1]);
    {
      using tape = new dt.GradientTape();
      tape.watch(x);
      const y = w.mul(x);
      const [gw, gx] = tape.gradient(y, [w, x]);
      assert.deepEqual([values(gw!), values(gx!)], [[1], [2]]);
    }
    {
      using tape = new dt.GradientTape({ persistent: true });
      tape.watch(x);
      assert.ok(x.requiresGrad);
    }
    assert.ok(!x.requiresGrad, '`using` disposed the persistent tape');
  });
});

describe('higher-order gradients', () => {
  test('d²/dx² x³ = 6x and d³/dx³ x³ = 6', () => {
    const cube = (x: dt.Tensor): dt.Tensor => x.pow(3);
    const d1 = dt.grad(cube);
    const d2 = dt.grad((x: dt.Tensor) => d1(x));
    const d3 = dt.grad((x: dt.Tensor) => d2(x));
    const x = f64([-1, 0.5, 2]);
    assertClose(d1(x), [3, 0.75, 12], { rtol: 1e-12 });
    assertClose(d2(x), [-6, 3, 12], { rtol: 1e-12 });
    assertClose(d3(x), [6, 6, 6], { rtol: 1e-12 });
  });
  test('backward({createGraph}) makes .grad differentiable', () => {
    const x = f64([2], true);
    x.mul(x).mul(x).backward({ createGraph: true });
    assert.ok(x.grad!.requiresGrad);
    const [h] = dt.gradients(x.grad!.sum(), [x]);
    assert.deepEqual(values(h!), [12]);
  });
  test('nested tapes give second derivatives; a lone tape records nothing', () => {
    const x = f64([0.3, -2]);
    const outer = new dt.GradientTape();
    outer.watch(x);
    const inner = new dt.GradientTape();
    inner.watch(x);
    const g = inner.gradient(x.pow(3).sum(), x)!;
    assertClose(g, [0.27, 12], { rtol: 1e-12 });
    assertClose(outer.gradient(g.sum(), x)!, [1.8, -12], { rtol: 1e-12 });
    const lone = new dt.GradientTape();
    lone.watch(x);
    assert.ok(!lone.gradient(x.square().sum(), x)!.requiresGrad);
  });
  test('GradientTape inside grad', () => {
    const g2 = dt.grad((x: dt.Tensor) => {
      const tape = new dt.GradientTape();
      tape.watch(x);
      return tape.gradient(x.sin().sum(), x)!;
    });
    // d/dx cos(x) = -sin(x): the tape's gradient is recorded because x itself is being differentiated
    assertClose(g2(f64([0.3])), [-Math.sin(0.3)], { rtol: 1e-12 });
  });

  /** Hessian-vector product by differentiating <grad f(x), v>. */
  const hvp = (f: (x: dt.Tensor) => dt.Tensor, x: dt.Tensor, v: dt.Tensor): dt.Tensor =>
    dt.grad((u: dt.Tensor) => dt.sum(dt.mul(dt.grad(f)(u), v)))(x);
  /** The same, by central differences of the (analytic) gradient. */
  const hvpNumeric = (f: (x: dt.Tensor) => dt.Tensor, x: dt.Tensor, v: dt.Tensor): dt.Tensor =>
    dt.numericalGrad((u) => dt.sum(dt.mul(dt.grad(f)(u), v)), [x])[0]!;

  test('Hessian-vector product of sum((Ax)²) is 2AᵀAv', () => {
    const A = [[1, 2, 0], [0, -1, 3]];
    const a = f64(A);
    const x = f64([0.5, -1, 2]);
    const v = f64([1, 2, -1]);
    const got = hvp((u) => dt.matmul(a, u).square().sum(), x, v);
    // 2 Aᵀ (A v), by hand
    const Av = A.map((r) => r.reduce((s, aij, j) => s + aij * values(v)[j], 0));
    const expected = [0, 1, 2].map((j) => 2 * A.reduce((s, r, i) => s + r[j] * Av[i], 0));
    assertClose(got, expected, { rtol: 1e-12 });
  });

  const second: [string, (x: dt.Tensor) => dt.Tensor, number[]][] = [
    ['elementwise: sum(tanh(x) * exp(x))', (x) => x.tanh().mul(x.exp()).sum(), [0.3, -0.8, 1.1]],
    ['elementwise: sum(sigmoid(x) / x + log(x²))', (x) => x.sigmoid().div(x).add(x.square().log()).sum(), [0.7, -1.3, 2]],
    ['elementwise: gelu + softplus + elu', (x) => dt.gelu(x).add(dt.softplus(x)).add(dt.elu(x)).sum(), [0.4, -0.9, 1.5]],
    ['reduction: logSumExp', (x) => dt.logSumExp(x.reshape([2, 2]), -1).square().sum(), [0.1, -0.4, 1, 2]],
    ['reduction: variance and std', (x) => dt.variance(x).mul(dt.std(x.mul(2))), [0.1, -0.4, 1, 2]],
    ['reduction: softmax', (x) => dt.softmax(x).mul(dt.tensor([1, 2, 3, 4], { dtype: 'float64' })).sum(), [0.1, -0.4, 1, 2]],
    ['reduction: max and prod', (x) => dt.max(x.square()).add(dt.prod(x)), [0.5, -1.5, 1, 2]],
    ['matmul: sum(tanh(W·W))', (x) => dt.matmul(x.reshape([2, 2]), x.reshape([2, 2])).tanh().sum(), [0.2, -0.5, 0.8, 0.1]],
    ['movement: slice/pad/concat/gather', (x) => dt.concat([x.slice([{ step: -1 }]).pad([[1, 0]]), dt.gather(x, [0, 0, 3])]).square().mul(x.sum()).sum(), [0.2, -0.5, 0.8, 0.1]],
  ];
  for (const [name, f, x0] of second) {
    test(`Hessian-vector product matches central differences: ${name}`, () => {
      const x = f64(x0);
      const v = f64(x0.map((_, i) => (i % 2 ? 1 : -0.5) * (i + 1)));
      assertClose(hvp(f, x, v), hvpNumeric(f, x, v), { rtol: 1e-5, atol: 1e-7 });
    });
  }
});

describe('graph lifetime', () => {
  test('backward through a graph whose intermediates were disposed throws instead of dropping gradients', () => {
    const x = dt.tensor([1, 2], { requiresGrad: true });
    const loss = dt.scope(() => x.exp().mul(x).sum()); // the scope disposed exp(x) and the product
    assertThrowsWith(() => loss.backward(), dt.DeeptsError, /^backward: tensor #\d+ \[2\] \(an input of sum\) was disposed before the backward pass; run backward inside the scope that computed the output$/);
    assert.equal(x.grad, null);
  });
  test('inside the scope it works', () => {
    const x = dt.tensor([1, 2], { requiresGrad: true });
    dt.scope(() => x.exp().mul(x).sum().backward());
    assertClose(x.grad!, [1, 2].map((v) => Math.exp(v) * (1 + v)), { rtol: 1e-6 });
  });
});
