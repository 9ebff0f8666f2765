import '../helpers/use-cpu.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { ShapeError, ValueError } from '../../src/index.js';
import {
  Accuracy, BinaryAccuracy, CategoricalAccuracy, Mean, MeanMetricWrapper, SparseCategoricalAccuracy, accuracy,
  binaryAccuracy, categoricalAccuracy, getMetric, meanAbsoluteError, meanSquaredError, metrics, resolveAccuracy,
  sparseCategoricalAccuracy, sparseTopKCategoricalAccuracy, topKCategoricalAccuracy, type Metric,
} from '../../src/nn/metrics.js';
import { binaryCrossentropy, sparseCategoricalCrossentropy } from '../../src/nn/losses.js';
import { activations } from '../../src/nn/activations.js';

const close = (a: number, b: number, tol = 1e-6): void => assert.ok(Math.abs(a - b) <= tol, `expected ${b}, got ${a}`);

// ---------------------------------------------------------------------------------------------------------------
// values (Keras documentation examples)

test('binaryAccuracy: Keras example, sample weights, threshold', () => {
  const m = binaryAccuracy();
  m.update([[1], [1], [0], [0]], dt.tensor([[0.98], [1], [0], [0.6]]));
  close(m.result(), 0.75);
  m.reset();
  m.update([[1], [1], [0], [0]], dt.tensor([[0.98], [1], [0], [0.6]]), [1, 0, 0, 1]);
  close(m.result(), 0.5);
  const t = binaryAccuracy({ threshold: 0.7 });
  t.update([1, 1, 0, 0], dt.tensor([0.98, 0.65, 0, 0.6]));
  close(t.result(), 0.75);
  // multi-label rows: mean over the labels, then over the samples
  const ml = binaryAccuracy();
  ml.update([[1, 0, 1], [0, 0, 0]], dt.tensor([[0.9, 0.2, 0.3], [0.1, 0.8, 0.7]]));
  close(ml.result(), (2 / 3 + 1 / 3) / 2);
});

test('categoricalAccuracy and sparseCategoricalAccuracy: Keras examples', () => {
  const yp = dt.tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]);
  const c = categoricalAccuracy();
  c.update([[0, 0, 1], [0, 1, 0]], yp);
  close(c.result(), 0.5);
  c.reset();
  c.update([[0, 0, 1], [0, 1, 0]], yp, [0.7, 0.3]);
  close(c.result(), 0.3);
  for (const labels of [[[2], [1]], [2, 1], dt.tensor([2, 1], { dtype: 'int32' })]) {
    const s = sparseCategoricalAccuracy();
    s.update(labels as dt.TensorLike, yp);
    close(s.result(), 0.5);
  }
  const s = sparseCategoricalAccuracy();
  s.update([[2], [1]], yp, [0.7, 0.3]);
  close(s.result(), 0.3);
});

test('top-k accuracy: Keras examples, ties at the boundary count as in', () => {
  const yp = dt.tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]);
  const t = topKCategoricalAccuracy({ k: 1 });
  t.update([[0, 0, 1], [0, 1, 0]], yp);
  close(t.result(), 0.5);
  const s = sparseTopKCategoricalAccuracy({ k: 1 });
  s.update([2, 1], yp);
  close(s.result(), 0.5);
  const s2 = sparseTopKCategoricalAccuracy({ k: 2 });
  s2.update([2, 1], yp, [0.7, 0.3]);
  close(s2.result(), 1);
  const tie = sparseTopKCategoricalAccuracy({ k: 1 });
  tie.update([1, 2], dt.tensor([[0.5, 0.5, 0.1], [0.3, 0.3, 0.3]]));
  close(tie.result(), 1);
  // the default k = 5 with 10 classes
  const d = sparseTopKCategoricalAccuracy();
  d.update([9, 0], dt.tensor([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]));
  close(d.result(), 0.5);
  assert.throws(() => topKCategoricalAccuracy({ k: 0 }), ValueError);
  assert.throws(() => sparseTopKCategoricalAccuracy({ k: 1 }).update([3], dt.tensor([[0.1, 0.9]])), ValueError);
});

test('running means over batches of different sizes, and reset', () => {
  const m = sparseCategoricalAccuracy();
  m.update([0, 1, 2, 0], dt.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]])); // 3/4
  m.update([1], dt.tensor([[1, 0, 0]])); // 0/1
  close(m.result(), 3 / 5);
  assert.deepEqual((m as MeanMetricWrapper).state, { total: 3, count: 5 });
  m.reset();
  assert.equal(m.result(), 0);
  m.update([1], dt.tensor([[0, 1, 0]]));
  close(m.result(), 1);
});

test('mse / mae metrics and Mean', () => {
  const mse = meanSquaredError();
  mse.update([[0, 1], [0, 0]], dt.tensor([[1, 1], [1, 0]]));
  close(mse.result(), 0.5);
  mse.update([[0, 0]], dt.tensor([[2, 2]]));
  close(mse.result(), (0.5 + 0.5 + 4) / 3);
  const mae = meanAbsoluteError();
  mae.update([[0, 1], [0, 0]], dt.tensor([[1, 1], [1, 0]]), [1, 0]);
  close(mae.result(), 0.5);
  const mean = new Mean();
  mean.update(1);
  mean.update(3, 3);
  close(mean.result(), 10 / 4);
  mean.update(dt.tensor([1, 2, 3]), [1, 0, 1]);
  close(mean.result(), 14 / 6);
  mean.update(dt.scalar(2));
  close(mean.result(), 16 / 7);
  mean.reset();
  assert.equal(mean.result(), 0);
  assert.equal(new Mean('loss').name, 'loss');
});

test('cross-entropy metrics match the losses (and use the logits of activations)', () => {
  const z = dt.tensor([[2, -1, 0.5], [0.1, 0.2, 3]]);
  const labels = [0, 2];
  const m = metrics.get('sparseCategoricalCrossentropy');
  m.update(labels, activations.softmax(z));
  close(m.result(), sparseCategoricalCrossentropy({ fromLogits: true }).call(labels, z).item(), 1e-6);
  const b = metrics.get({ className: 'BinaryCrossentropy', config: { from_logits: true } });
  b.update([[1], [0]], dt.tensor([[0.3], [-2]]));
  close(b.result(), binaryCrossentropy({ fromLogits: true }).call([[1], [0]], dt.tensor([[0.3], [-2]])).item(), 1e-6);
});

// ---------------------------------------------------------------------------------------------------------------
// 'accuracy'

test('resolveAccuracy: the loss first, then a sigmoid output, then the shapes (Keras rule)', () => {
  assert.equal(resolveAccuracy('sparse_categorical_crossentropy', [32], [32, 10]), 'sparseCategoricalAccuracy');
  assert.equal(resolveAccuracy('sparseCategoricalCrossentropy', [32, 1], [32, 10]), 'sparseCategoricalAccuracy');
  assert.equal(resolveAccuracy('categorical_crossentropy', [32, 10], [32, 10]), 'categoricalAccuracy');
  assert.equal(resolveAccuracy(binaryCrossentropy(), [32, 10], [32, 10]), 'binaryAccuracy'); // multi-label
  assert.equal(resolveAccuracy('bce', [32, 1], [32, 1]), 'binaryAccuracy');
  assert.equal(resolveAccuracy({ className: 'SparseCategoricalCrossentropy' }, [4], [4, 3]), 'sparseCategoricalAccuracy');
  assert.equal(resolveAccuracy('mse', [32, 3], [32, 3], 'sigmoid'), 'binaryAccuracy');
  // shapes only
  assert.equal(resolveAccuracy(undefined, [32, 1], [32, 1]), 'binaryAccuracy');
  assert.equal(resolveAccuracy(undefined, [32], [32, 1]), 'binaryAccuracy');
  assert.equal(resolveAccuracy(undefined, [32], [32, 10]), 'sparseCategoricalAccuracy');
  assert.equal(resolveAccuracy(undefined, [32, 1], [32, 10]), 'sparseCategoricalAccuracy');
  assert.equal(resolveAccuracy(null, [32, 10], [32, 10]), 'categoricalAccuracy');
  assert.equal(resolveAccuracy('mse', [8, 5, 10], [8, 5, 10]), 'categoricalAccuracy');
  assert.equal(resolveAccuracy((t: dt.Tensor) => t, [8], [8, 10]), 'sparseCategoricalAccuracy');
});

test("'accuracy' / 'acc' resolve at the first update and keep the given name", () => {
  const a = metrics.get('accuracy', { loss: 'sparse_categorical_crossentropy' }) as Accuracy;
  assert.ok(a instanceof Accuracy);
  assert.equal(a.name, 'accuracy');
  assert.equal(a.result(), 0);
  a.update([1, 0], dt.tensor([[0.1, 0.9], [0.2, 0.8]]));
  assert.ok(a.resolved instanceof SparseCategoricalAccuracy);
  close(a.result(), 0.5);
  a.reset();
  assert.equal(a.result(), 0);

  const b = metrics.get('acc', { loss: 'binary_crossentropy' }) as Accuracy;
  b.update([[1, 0, 1]], dt.tensor([[0.9, 0.1, 0.2]]));
  assert.ok(b.resolved instanceof BinaryAccuracy);
  assert.equal(b.name, 'acc');
  close(b.result(), 2 / 3);

  const c = accuracy();
  c.update([[0, 1], [1, 0]], dt.tensor([[0.1, 0.9], [0.2, 0.8]]));
  assert.ok(c.resolved instanceof CategoricalAccuracy);
  close(c.result(), 0.5);

  const d = accuracy({ activation: 'sigmoid' });
  d.update([[1, 0]], dt.tensor([[0.6, 0.4]]));
  assert.ok(d.resolved instanceof BinaryAccuracy);
});

// ---------------------------------------------------------------------------------------------------------------
// registry and config

test('metrics.get: names, aliases, specs, functions; names follow the given string', () => {
  const cases: [string, string][] = [
    ['binaryAccuracy', 'BinaryAccuracy'], ['binary_accuracy', 'BinaryAccuracy'], ['categorical_accuracy', 'CategoricalAccuracy'],
    ['sparseCategoricalAccuracy', 'SparseCategoricalAccuracy'], ['top_k_categorical_accuracy', 'TopKCategoricalAccuracy'],
    ['sparseTopKCategoricalAccuracy', 'SparseTopKCategoricalAccuracy'], ['mse', 'MeanSquaredError'],
    ['mean_squared_error', 'MeanSquaredError'], ['mae', 'MeanAbsoluteError'], ['MeanAbsoluteError', 'MeanAbsoluteError'],
    ['mean', 'Mean'], ['bce', 'BinaryCrossentropy'],
  ];
  for (const [name, cls] of cases) {
    const m = getMetric(name);
    assert.equal(m.className, cls, name);
    assert.equal(m.name, name);
  }
  assert.equal(binaryAccuracy().name, 'binary_accuracy');
  const m = binaryAccuracy();
  assert.equal(metrics.get(m), m);
  const f = metrics.get(function maxError(t: dt.Tensor, p: dt.Tensor) {
    return dt.max(dt.abs(dt.sub(t, p)), -1);
  });
  assert.ok(f instanceof MeanMetricWrapper);
  assert.equal(f.name, 'maxError');
  f.update([[0, 0], [0, 0]], dt.tensor([[1, -3], [0.5, 0]]));
  close(f.result(), 1.75);
});

test('metrics.get: unknown names throw ValueError listing the known ones', () => {
  assert.throws(() => metrics.get('accurcy'), (e: Error) => e instanceof ValueError && /accuracy/.test(e.message) && /sparseCategoricalAccuracy/.test(e.message));
  assert.throws(() => metrics.get({ className: 'Precision' }), ValueError);
  assert.throws(() => metrics.get({ className: 'BinaryAccuracy', config: { treshold: 0.3 } }), /unknown config key/);
});

test('serialize / deserialize round trip', () => {
  const all: Metric[] = [
    binaryAccuracy({ threshold: 0.3 }), categoricalAccuracy({ name: 'acc' }), sparseCategoricalAccuracy(),
    topKCategoricalAccuracy({ k: 3 }), sparseTopKCategoricalAccuracy({ k: 2, name: 'top2' }), meanSquaredError(), new Mean('loss'),
  ];
  for (const m of all) {
    const back = metrics.deserialize(JSON.parse(JSON.stringify(metrics.serialize(m))));
    assert.equal(back.className, m.className);
    assert.deepEqual(back.getConfig(), m.getConfig());
  }
  assert.deepEqual(metrics.serialize(binaryAccuracy()), { className: 'BinaryAccuracy', config: { name: 'binary_accuracy', threshold: 0.5 } });
  const a = metrics.deserialize({ className: 'Accuracy', config: { name: 'accuracy' } }, { loss: 'bce' }) as Accuracy;
  a.update([[1]], dt.tensor([[0.8]]));
  assert.ok(a.resolved instanceof BinaryAccuracy);
});

// ---------------------------------------------------------------------------------------------------------------
// errors, gradients, memory

test('shape mismatches are clear errors', () => {
  assert.throws(() => categoricalAccuracy().update([0, 1], dt.tensor([[0.1, 0.9], [0.2, 0.8]])), (e: Error) => e instanceof ShapeError && /categoricalAccuracy/.test(e.message) && /\[2\]/.test(e.message));
  assert.throws(() => sparseCategoricalAccuracy().update([0, 1, 1], dt.tensor([[0.1, 0.9], [0.2, 0.8]])), (e: Error) => e instanceof ShapeError && /\[3\]/.test(e.message) && /\[2,2\]/.test(e.message));
  assert.throws(() => binaryAccuracy().update([[1, 0]], dt.tensor([[0.1], [0.9]])), ShapeError);
  assert.throws(() => binaryAccuracy().update([1, 0], dt.tensor([0.1, 0.9]), [1, 2, 3]), /sampleWeight/);
});

test('updates record no gradients and free every temporary', () => {
  const z = dt.tensor([[0.2, 0.9, 0.1], [0.7, 0.2, 0.1], [0.3, 0.3, 0.4]], { requiresGrad: true });
  const yp = activations.softmax(z);
  const labels = dt.tensor([1, 0, 0], { dtype: 'int32' });
  const onehot = dt.tensor([[0, 1, 0], [1, 0, 0], [1, 0, 0]]);
  const all: [Metric, dt.Tensor][] = [
    [sparseCategoricalAccuracy(), labels], [categoricalAccuracy(), onehot], [binaryAccuracy(), onehot],
    [topKCategoricalAccuracy({ k: 2 }), onehot], [sparseTopKCategoricalAccuracy({ k: 2 }), labels], [meanSquaredError(), onehot],
    [metrics.get('sparse_categorical_crossentropy'), labels], [accuracy({ loss: 'sparseCategoricalCrossentropy' }), labels],
  ];
  for (const [m, t] of all) m.update(t, yp); // warm-up: resolution, lazy constants
  const before = dt.memory().numTensors;
  for (let i = 0; i < 3; i++) for (const [m, t] of all) m.update(t, yp, [1, 2, 1]);
  assert.equal(dt.memory().numTensors, before);
  assert.equal(z.grad, null);
  for (const [m] of all) assert.ok(Number.isFinite(m.result()), m.name);
});
