import '../helpers/use-cpu.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { DTypeError, ShapeError, ValueError, type Tensor } from '../../src/index.js';
import {
  BinaryCrossentropy, CategoricalCrossentropy, EPSILON, Huber, Loss, LossFunctionWrapper, MeanAbsoluteError, MeanSquaredError,
  SparseCategoricalCrossentropy, binaryCrossentropy, categoricalCrossentropy, getLoss, huber, lossClassName, losses,
  meanAbsoluteError, meanSquaredError, resetLossWarnings, sigmoidCrossEntropyWithLogits, sparseCategoricalCrossentropy,
} from '../../src/nn/losses.js';
import { activations } from '../../src/nn/activations.js';

const close = (a: number, b: number, tol = 1e-5, msg = ''): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${msg} expected ${b}, got ${a}`);
const closeAll = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) close(a[i], b[i], tol, `[${i}]`);
};
const f64 = (v: dt.NestedArray): Tensor => dt.tensor(v, { dtype: 'float64' });
const logSumExp = (xs: number[]): number => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
};
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

// ---------------------------------------------------------------------------------------------------------------
// values against hand-computed numbers (and the Keras documentation examples)

test('meanSquaredError: Keras example, reductions and sample weights', () => {
  const yt = [[0, 1], [0, 0]];
  const yp = dt.tensor([[1, 1], [1, 0]]);
  close(meanSquaredError().call(yt, yp).item(), 0.5);
  close(meanSquaredError().call(yt, yp, [0.7, 0.3]).item(), 0.25);
  close(meanSquaredError({ reduction: 'sum' }).call(yt, yp).item(), 1.0);
  assert.deepEqual(meanSquaredError({ reduction: 'none' }).call(yt, yp).toArray(), [0.5, 0.5]);
  // mean_with_sample_weight divides by the weight total: (0.5*0.7 + 0.5*0.3) / 1 = 0.5; with [2, 0] -> 1/2 = 0.5
  close(meanSquaredError({ reduction: 'mean_with_sample_weight' }).call(yt, yp, [2, 0]).item(), 0.5);
  close(meanSquaredError({ reduction: 'mean_with_sample_weight' }).call(yt, yp, [0, 0]).item(), 0);
  // [B,1] weights for [B] per-sample losses; a scalar weight
  close(meanSquaredError().call(yt, yp, [[0.7], [0.3]]).item(), 0.25);
  close(meanSquaredError().call(yt, yp, 2).item(), 1.0);
});

test('meanSquaredError: [B] labels against [B,1] predictions are reconciled, not broadcast to [B,B]', () => {
  const yp = dt.tensor([[1], [2], [3]]);
  close(meanSquaredError().call([1, 1, 1], yp).item(), (0 + 1 + 4) / 3);
  close(meanSquaredError().call([[1], [1], [1]], dt.tensor([1, 2, 3])).item(), (0 + 1 + 4) / 3);
});

test('meanAbsoluteError and huber: Keras examples and a hand-computed delta', () => {
  close(meanAbsoluteError().call([[0, 1], [0, 0]], dt.tensor([[1, 1], [1, 0]])).item(), 0.5);
  // Keras: Huber()([[0,1],[0,0]], [[0.6,0.4],[0.4,0.6]]) = 0.155
  close(huber().call([[0, 1], [0, 0]], dt.tensor([[0.6, 0.4], [0.4, 0.6]])).item(), 0.155);
  // delta 0.5: errors 0.6, 0.6, 0.4, 0.6 -> 0.5*0.6-0.125 (x3) and 0.5*0.16
  const expected = (3 * (0.5 * 0.6 - 0.125) + 0.5 * 0.16) / 4;
  close(huber(0.5).call([[0, 1], [0, 0]], dt.tensor([[0.6, 0.4], [0.4, 0.6]])).item(), expected);
  close(huber({ delta: 0.5 }).call([[0, 1], [0, 0]], dt.tensor([[0.6, 0.4], [0.4, 0.6]])).item(), expected);
  assert.throws(() => huber(0), ValueError);
});

test('binaryCrossentropy: probabilities, logits, label smoothing (Keras examples)', () => {
  const yt = [[0, 1], [0, 0]];
  const p = [[0.6, 0.4], [0.4, 0.6]];
  const bce = (t: number, q: number): number => -(t * Math.log(q) + (1 - t) * Math.log(1 - q));
  const expected = (bce(0, 0.6) + bce(1, 0.4) + bce(0, 0.4) + bce(0, 0.6)) / 4;
  close(binaryCrossentropy().call(yt, dt.tensor(p)).item(), expected);
  close(expected, 0.81492424, 1e-6);
  // Keras: BinaryCrossentropy(from_logits=True)([0,1,0,0], [-18.6,0.51,2.94,-12.8]) = 0.865
  const logits = [-18.6, 0.51, 2.94, -12.8];
  const lt = [0, 1, 0, 0];
  const byHand = logits.map((x, i) => Math.max(x, 0) - x * lt[i] + Math.log1p(Math.exp(-Math.abs(x)))).reduce((a, b) => a + b) / 4;
  close(binaryCrossentropy({ fromLogits: true }).call(lt, dt.tensor(logits)).item(), byHand);
  close(byHand, 0.865458, 1e-5);
  // label smoothing 0.2: targets 0.1 / 0.9
  const st = lt.map((t) => t * 0.8 + 0.1);
  const smooth = logits.map((x, i) => Math.max(x, 0) - x * st[i] + Math.log1p(Math.exp(-Math.abs(x)))).reduce((a, b) => a + b) / 4;
  close(binaryCrossentropy({ fromLogits: true, labelSmoothing: 0.2 }).call(lt, dt.tensor(logits)).item(), smooth);
});

test('binaryCrossentropy: probabilities are clipped to [eps, 1-eps] like Keras', () => {
  const v = binaryCrossentropy().call(f64([[1], [0]]), f64([[0], [1]])).item();
  close(v, -Math.log(EPSILON), 1e-6);
  assert.ok(Number.isFinite(binaryCrossentropy().call([[1]], dt.tensor([[0]])).item()));
});

test('categoricalCrossentropy: Keras example, label smoothing, logits, axis', () => {
  const yt = [[0, 1, 0], [0, 0, 1]];
  const yp = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]];
  const expected = (-Math.log(0.95) - Math.log(0.1)) / 2;
  close(categoricalCrossentropy().call(yt, dt.tensor(yp)).item(), expected);
  close(expected, 1.1769392, 1e-6);
  // predictions are renormalized first: scaling a row changes nothing
  close(categoricalCrossentropy().call(yt, dt.tensor([[0.1, 1.9, 0], [0.1, 0.8, 0.1]])).item(), expected);
  // label smoothing 0.3 over 3 classes: targets 0.1 / 0.8
  const smooth = [0, 1].map((r) => -yt[r].reduce((s, t, c) => s + (t * 0.7 + 0.1) * Math.log(Math.min(Math.max(yp[r][c], EPSILON), 1 - EPSILON)), 0));
  close(categoricalCrossentropy({ labelSmoothing: 0.3 }).call(yt, dt.tensor(yp)).item(), (smooth[0] + smooth[1]) / 2, 1e-4);
  // logits
  const z = [[1, 2, 3], [1, 5, -2]];
  const byHand = (logSumExp(z[0]) - z[0][1] + logSumExp(z[1]) - z[1][2]) / 2;
  close(categoricalCrossentropy({ fromLogits: true }).call(yt, dt.tensor(z)).item(), byHand);
  // axis 1 of [B, C, T] equals axis -1 of the transposed [B, T, C]
  dt.seed(3);
  const x = dt.randn([2, 4, 3]);
  const t = dt.transpose(dt.softmax(dt.randn([2, 3, 4]), -1), [0, 2, 1]);
  const a = categoricalCrossentropy({ fromLogits: true, axis: 1 }).call(t, x).item();
  const b = categoricalCrossentropy({ fromLogits: true }).call(dt.transpose(t, [0, 2, 1]), dt.transpose(x, [0, 2, 1])).item();
  close(a, b);
});

test('sparseCategoricalCrossentropy: Keras example, int32 and float labels, [B] and [B,1]', () => {
  const yp = dt.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]);
  // Keras's TF backend: log of clipped probabilities, then a log-softmax (renormalizes)
  const row = (ps: number[], y: number): number => {
    const l = ps.map((q) => Math.log(Math.min(Math.max(q, EPSILON), 1 - EPSILON)));
    return logSumExp(l) - l[y];
  };
  const expected = (row([0.05, 0.95, 0], 1) + row([0.1, 0.8, 0.1], 2)) / 2;
  close(expected, 1.1769392, 1e-5);
  for (const labels of [dt.tensor([1, 2], { dtype: 'int32' }), dt.tensor([1, 2]), dt.tensor([[1], [2]], { dtype: 'int32' }), [[1], [2]], [1, 2]]) {
    close(sparseCategoricalCrossentropy().call(labels as dt.TensorLike, yp).item(), expected);
  }
  const z = dt.tensor([[1, 2, 3], [1, 5, -2]]);
  const byHand = (logSumExp([1, 2, 3]) - 3 + logSumExp([1, 5, -2]) - 1) / 2;
  close(sparseCategoricalCrossentropy({ fromLogits: true }).call([2, 0], z).item(), byHand);
});

test('sparseCategoricalCrossentropy: rank-3 predictions (sequences), axis and sample weights', () => {
  dt.seed(7);
  const z = dt.randn([2, 3, 5]);
  const labels = dt.tensor([[0, 4, 2], [1, 1, 3]], { dtype: 'int32' });
  const zs = z.toArray() as number[][][];
  const ls = labels.toArray() as number[][];
  const per = ls.map((r, b) => r.map((y, t) => logSumExp(zs[b][t]) - zs[b][t][y]));
  const flat = per.flat();
  close(sparseCategoricalCrossentropy({ fromLogits: true }).call(labels, z).item(), flat.reduce((a, b) => a + b) / 6);
  // one weight per sequence, broadcast over time steps
  const w = [1, 0];
  close(sparseCategoricalCrossentropy({ fromLogits: true }).call(labels, z, w).item(), per[0].reduce((a, b) => a + b) / 6);
  // class axis 1: same numbers on the transposed input
  const zt = dt.transpose(z, [0, 2, 1]);
  close(sparseCategoricalCrossentropy({ fromLogits: true, axis: 1 }).call(labels, zt).item(), flat.reduce((a, b) => a + b) / 6);
});

test('sparseCategoricalCrossentropy: ignoreClass averages over the other entries only', () => {
  const z = dt.tensor([[1, 2, 3], [1, 5, -2], [0, 0, 0]]);
  const l0 = logSumExp([1, 2, 3]) - 3;
  const l2 = Math.log(3);
  const loss = sparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: -1 });
  close(loss.call([2, -1, 1], z).item(), (l0 + l2) / 2);
  const none = sparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: -1, reduction: 'none' }).call([2, -1, 1], z);
  closeAll(none.dataSync(), [l0, 0, l2]);
  // 255 (a common "void" label) outside the class range is fine when ignored; all ignored -> 0
  close(sparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: 255 }).call([255, 255, 255], z).item(), 0);
  // gradient does not flow into ignored rows
  const zv = dt.tensor([[1, 2, 3], [1, 5, -2], [0, 0, 0]], { requiresGrad: true });
  loss.call([2, -1, 1], zv).backward();
  assert.deepEqual(Array.from(zv.grad!.dataSync().slice(3, 6)), [0, 0, 0]);
});

// ---------------------------------------------------------------------------------------------------------------
// the logits fusion

test('softmax outputs carrying _logits take the log-softmax path (exact where clipping saturates)', () => {
  const z = dt.tensor([[0, 100], [3, -3]]);
  const p = activations.softmax(z);
  assert.equal(p._logits, z);
  const fused = sparseCategoricalCrossentropy().call([0, 0], p).item();
  const exact = (100 + Math.log1p(Math.exp(-100)) + Math.log1p(Math.exp(-6))) / 2;
  close(fused, exact, 1e-5);
  // without the logits the probability path saturates at -log(eps)
  const plain = sparseCategoricalCrossentropy().call([0, 0], dt.softmax(z)).item();
  assert.ok(plain < 20, `clipped path gave ${plain}`);
  // categorical: same fused value
  close(categoricalCrossentropy().call([[1, 0], [1, 0]], p).item(), exact, 1e-5);
  // moderate logits: fused and probability paths agree
  const z2 = dt.tensor([[0.5, -0.2, 1.0]]);
  close(categoricalCrossentropy().call([[0, 0, 1]], activations.softmax(z2)).item(), categoricalCrossentropy().call([[0, 0, 1]], dt.softmax(z2)).item(), 1e-5);
});

test('sigmoid outputs carrying _logits take the stable BCE path', () => {
  const z = dt.tensor([[50], [-50], [0.3]]);
  const p = activations.sigmoid(z);
  const v = binaryCrossentropy().call([[0], [1], [1]], p).item();
  close(v, (50 + 50 + Math.log1p(Math.exp(-0.3))) / 3, 1e-5);
  // plain probabilities saturate
  assert.ok(binaryCrossentropy().call([[0], [1], [1]], dt.sigmoid(z)).item() < 20);
});

test('the fused path gives the exact gradient softmax(z) - onehot, even for extreme logits', () => {
  const z = dt.tensor([[0, 100, -100]], { requiresGrad: true });
  const loss = sparseCategoricalCrossentropy().call([0], activations.softmax(z));
  loss.backward();
  const g = z.grad!.dataSync();
  const s = [Math.exp(-100), 1, 0];
  closeAll(g, [s[0] - 1, s[1], s[2]], 1e-6);
  // binary: dL/dz = sigmoid(z) - y
  const zb = dt.tensor([[30], [-30]], { requiresGrad: true });
  binaryCrossentropy({ reduction: 'sum' }).call([[0], [1]], activations.sigmoid(zb)).backward();
  closeAll(zb.grad!.dataSync(), [sigmoid(30), sigmoid(-30) - 1], 1e-6);
});

test('the fusion checks the activation kind and axis, and survives disposed logits', () => {
  const z = dt.tensor([[0.2, 0.5, 0.3]]);
  // a sigmoid output is not a softmax: categorical must use the probabilities
  const sig = activations.sigmoid(z);
  close(categoricalCrossentropy().call([[0, 1, 0]], sig).item(), categoricalCrossentropy().call([[0, 1, 0]], dt.sigmoid(z)).item(), 1e-6);
  // a softmax over the last axis is not one over axis 0
  const z3 = dt.tensor([[0.2, 0.5], [0.1, -0.4]]);
  const sm = activations.softmax(z3);
  close(categoricalCrossentropy({ axis: 0 }).call([[1, 0], [0, 1]], sm).item(), categoricalCrossentropy({ axis: 0 }).call([[1, 0], [0, 1]], dt.softmax(z3)).item(), 1e-6);
  // logits freed by a scope that kept only the probabilities: the probability path is used, no error
  const kept = dt.scope(() => activations.softmax(dt.tensor([[1, 2, 3]])));
  assert.ok(kept._logits?.isDisposed);
  close(sparseCategoricalCrossentropy().call([2], kept).item(), logSumExp([1, 2, 3]) - 3, 1e-5);
});

test('fromLogits with a softmax output uses its logits and warns once (Keras behaviour)', () => {
  resetLossWarnings();
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (m: string) => warnings.push(m);
  try {
    const z = dt.tensor([[1, 2, 3]]);
    const v = sparseCategoricalCrossentropy({ fromLogits: true }).call([2], activations.softmax(z)).item();
    sparseCategoricalCrossentropy({ fromLogits: true }).call([2], activations.softmax(z));
    close(v, logSumExp([1, 2, 3]) - 3, 1e-5);
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /fromLogits/);
});

test('sigmoidCrossEntropyWithLogits: exact gradient at x = 0', () => {
  const x = dt.tensor([0, 0], { requiresGrad: true });
  dt.sum(sigmoidCrossEntropyWithLogits(dt.tensor([0, 1]), x)).backward();
  closeAll(x.grad!.dataSync(), [0.5, -0.5]);
});

// ---------------------------------------------------------------------------------------------------------------
// gradients

test('gradCheck: every loss, both paths, with sample weights', () => {
  dt.seed(11);
  const probs = dt.softmax(dt.randn([4, 3]));
  const onehot = dt.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]]);
  const labels = dt.tensor([0, 1, 2, 1], { dtype: 'int32' });
  const yReg = dt.randn([4, 3]);
  const pReg = dt.randn([4, 3]);
  const bin = dt.tensor([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]]);
  const sw = dt.tensor([0.5, 1, 2, 0.25]);
  const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ['mse', (t, p) => meanSquaredError().call(t, p), [yReg, pReg]],
    ['mse weighted', (t, p, w) => meanSquaredError().call(t, p, w), [yReg, pReg, sw]],
    ['mae', (t, p) => meanAbsoluteError().call(t, p), [yReg, pReg]],
    ['huber', (t, p) => huber(0.7).call(t, p), [yReg, pReg]],
    ['bce probs', (t, p) => binaryCrossentropy({ labelSmoothing: 0.1 }).call(t, p), [bin, dt.sigmoid(pReg)]],
    ['bce logits', (t, p) => binaryCrossentropy({ fromLogits: true }).call(t, p), [bin, pReg]],
    ['bce fused', (t, z) => binaryCrossentropy().call(t, activations.sigmoid(z)), [bin, pReg]],
    ['cce probs', (t, p) => categoricalCrossentropy({ labelSmoothing: 0.1 }).call(t, p), [onehot, probs]],
    ['cce logits', (t, z) => categoricalCrossentropy({ fromLogits: true }).call(t, z), [onehot, pReg]],
    ['cce fused', (t, z) => categoricalCrossentropy().call(t, activations.softmax(z)), [onehot, pReg]],
    ['scce probs', (l, p) => sparseCategoricalCrossentropy().call(l, p), [labels, probs]],
    ['scce logits weighted', (l, z, w) => sparseCategoricalCrossentropy({ fromLogits: true }).call(l, z, w), [labels, pReg, sw]],
    ['scce fused', (l, z) => sparseCategoricalCrossentropy().call(l, activations.softmax(z)), [labels, pReg]],
    ['scce ignoreClass', (l, z) => sparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: 1 }).call(l, z), [labels, pReg]],
  ];
  for (const [name, f, inputs] of cases) {
    const r = dt.gradCheck(f, inputs);
    assert.ok(r.ok, `${name}:\n${r.report}`);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// errors

test('shape and dtype mismatches name the loss and the shapes', () => {
  assert.throws(() => meanSquaredError().call([[1, 2, 3]], dt.tensor([[1], [2], [3]])), (e: Error) => e instanceof ShapeError && /meanSquaredError/.test(e.message) && /\[1,3\]/.test(e.message) && /\[3,1\]/.test(e.message));
  assert.throws(() => sparseCategoricalCrossentropy().call([0, 1, 2], dt.tensor([[0.5, 0.5], [0.5, 0.5]])), (e: Error) => e instanceof ShapeError && /sparseCategoricalCrossentropy/.test(e.message) && /\[3\]/.test(e.message) && /\[2,2\]/.test(e.message));
  assert.throws(() => categoricalCrossentropy().call([0, 1], dt.tensor([[0.5, 0.5], [0.5, 0.5]])), (e: Error) => e instanceof ShapeError && /sparseCategoricalCrossentropy/.test(e.message));
  assert.throws(() => meanSquaredError().call([1, 2], dt.tensor([1, 2], { dtype: 'int32' })), DTypeError);
  assert.throws(() => sparseCategoricalCrossentropy().call(dt.tensor([true, false]), dt.tensor([[0.5, 0.5], [0.5, 0.5]])), DTypeError);
  assert.throws(() => meanSquaredError().call([1, 2], dt.tensor([1, 2]), [1, 2, 3]), (e: Error) => e instanceof ShapeError && /sampleWeight/.test(e.message));
});

test('sparse labels out of range or not integers are clear errors', () => {
  const p = dt.tensor([[0.2, 0.8], [0.5, 0.5]]);
  assert.throws(() => sparseCategoricalCrossentropy().call([0, 2], p), (e: Error) => e instanceof ValueError && /label 2 is out of range for 2 classes/.test(e.message) && /\[2,2\]/.test(e.message));
  assert.throws(() => sparseCategoricalCrossentropy().call(dt.tensor([-1, 0], { dtype: 'int32' }), p), /label -1 is out of range/);
  assert.throws(() => sparseCategoricalCrossentropy().call([0.5, 1], p), (e: Error) => e instanceof ValueError && /integer/.test(e.message));
  assert.throws(() => sparseCategoricalCrossentropy().call([NaN, 1], p), ValueError);
});

test('invalid options are rejected', () => {
  assert.throws(() => binaryCrossentropy({ labelSmoothing: 2 }), ValueError);
  assert.throws(() => categoricalCrossentropy({ fromLogits: 'yes' as unknown as boolean }), ValueError);
  assert.throws(() => meanSquaredError({ reduction: 'avg' as never }), /invalid reduction/);
  assert.throws(() => sparseCategoricalCrossentropy({ ignoreClass: 0.5 }), ValueError);
});

// ---------------------------------------------------------------------------------------------------------------
// registry and config

test('losses.get: camelCase, snake_case, class names, aliases, specs, functions', () => {
  assert.ok(getLoss('sparseCategoricalCrossentropy') instanceof SparseCategoricalCrossentropy);
  assert.ok(getLoss('sparse_categorical_crossentropy') instanceof SparseCategoricalCrossentropy);
  assert.ok(getLoss('SparseCategoricalCrossentropy') instanceof SparseCategoricalCrossentropy);
  assert.ok(losses.get('mse') instanceof MeanSquaredError);
  assert.ok(losses.get('MSE') instanceof MeanSquaredError);
  assert.ok(losses.get('mae') instanceof MeanAbsoluteError);
  assert.ok(losses.get('huber_loss') instanceof Huber);
  assert.ok(losses.get('bce') instanceof BinaryCrossentropy);
  assert.ok(losses.get('categorical_crossentropy') instanceof CategoricalCrossentropy);
  const l = binaryCrossentropy();
  assert.equal(losses.get(l), l);
  const spec = losses.get({ className: 'SparseCategoricalCrossentropy', config: { from_logits: true, ignore_class: 0, name: 'x' } }) as SparseCategoricalCrossentropy;
  assert.equal(spec.fromLogits, true);
  assert.equal(spec.ignoreClass, 0);
  assert.equal(spec.name, 'x');
  const custom = losses.get(function squaredLog(t: Tensor, p: Tensor) {
    return dt.mean(dt.square(dt.sub(dt.log1p(p), dt.log1p(t))), -1);
  });
  assert.ok(custom instanceof LossFunctionWrapper);
  assert.equal(custom.name, 'squaredLog');
  close(custom.call([[0], [0]], dt.tensor([[Math.E - 1], [0]])).item(), 0.5);
});

test('losses.get: unknown names and bad specs throw ValueError listing the known names', () => {
  assert.throws(() => losses.get('meanSquareError'), (e: Error) => e instanceof ValueError && /meanSquaredError/.test(e.message) && /sparseCategoricalCrossentropy/.test(e.message));
  assert.throws(() => losses.get({ className: 'Nope' }), (e: Error) => e instanceof ValueError && /MeanSquaredError/.test(e.message));
  assert.throws(() => losses.get({ className: 'BinaryCrossentropy', config: { from_logit: true } }), /unknown config key "from_logit"/);
  assert.throws(() => losses.get(42 as never), ValueError);
});

test('getConfig / serialize / deserialize round trip', () => {
  const all: Loss[] = [
    meanSquaredError({ reduction: 'sum' }), meanAbsoluteError({ name: 'l1' }), huber(2.5),
    binaryCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }), categoricalCrossentropy({ labelSmoothing: 0.2, axis: 1 }),
    sparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: 255 }),
  ];
  for (const loss of all) {
    const spec = JSON.parse(JSON.stringify(losses.serialize(loss)));
    const back = losses.deserialize(spec);
    assert.equal(back.className, loss.className);
    assert.deepEqual(back.getConfig(), loss.getConfig());
  }
  assert.deepEqual(binaryCrossentropy().getConfig(), { name: 'binary_crossentropy', reduction: 'sum_over_batch_size', fromLogits: false, labelSmoothing: 0, axis: -1 });
  assert.deepEqual(huber().getConfig(), { name: 'huber_loss', reduction: 'sum_over_batch_size', delta: 1 });
  assert.equal(lossClassName('sparse_categorical_crossentropy'), 'SparseCategoricalCrossentropy');
  assert.equal(lossClassName(losses.functions.binaryCrossentropy), 'BinaryCrossentropy');
  assert.equal(lossClassName('nope'), undefined);
});

// ---------------------------------------------------------------------------------------------------------------
// memory and modes

test('loss evaluation without gradients frees its temporaries', () => {
  const yp = dt.softmax(dt.randn([8, 5]));
  const labels = dt.randint(0, 5, [8]);
  const all = [meanSquaredError(), categoricalCrossentropy(), binaryCrossentropy()];
  const oh = dt.tensor(Array.from({ length: 8 }, (_, i) => Array.from({ length: 5 }, (_, j) => (j === i % 5 ? 1 : 0))));
  const before = dt.memory().numTensors;
  for (let i = 0; i < 5; i++) {
    sparseCategoricalCrossentropy().call(labels, yp).dispose();
    for (const l of all) l.call(oh, yp).dispose();
  }
  assert.equal(dt.memory().numTensors, before);
});

test('a training-style step: loss on a softmax output, backward, all inside a scope', () => {
  const w = dt.variable(dt.randn([4, 3]));
  const x = dt.randn([6, 4]);
  const y = dt.tensor([0, 1, 2, 0, 1, 2], { dtype: 'int32' });
  const before = dt.memory().numTensors;
  const value = dt.scope(() => {
    const loss = sparseCategoricalCrossentropy().call(y, activations.softmax(dt.matmul(x, w)));
    loss.backward();
    return loss.item();
  });
  assert.ok(Number.isFinite(value) && value > 0);
  assert.ok(w.grad);
  w.grad!.dispose();
  w.grad = null;
  assert.equal(dt.memory().numTensors, before);
});
