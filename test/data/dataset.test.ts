/** Dataset (fromTensors, batch, shuffle with a seed, take, skip, map) and toCategorical. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { values } from '../helpers/assert.js';

const { Dataset, ShapeError, ValueError } = dt;

function numbers(n: number): { x: dt.Tensor; y: dt.Tensor } {
  return { x: dt.arange(0, n * 2).reshape([n, 2]), y: dt.arange(0, n, 1, 'int32') };
}

test('unbatched elements are rows; batches are slices along the first axis (last one short)', () => {
  const { x, y } = numbers(5);
  const ds = Dataset.fromTensors([x, y]);
  assert.equal(ds.length, 5);
  const rows = ds.toArray();
  assert.deepEqual(rows[3][0].shape, [2]);
  assert.deepEqual(values(rows[3][0]), [6, 7]);
  assert.deepEqual(rows[3][1].shape, []);
  assert.equal(rows[3][1].item(), 3);
  const batches = ds.batch(2).toArray();
  assert.equal(ds.batch(2).length, 3);
  assert.deepEqual(batches.map((b) => b[0].shape), [[2, 2], [2, 2], [1, 2]]);
  assert.deepEqual(values(batches[2][1]), [4]);
  assert.equal(Dataset.sizeOf(batches[0]), 2);
  // objects of tensors work too
  const obj = Dataset.fromTensors({ image: x, label: y }).batch(4).toArray();
  assert.deepEqual(values(obj[1].label), [4]);
});

test('shuffle(seed) is reproducible and leaves the global random stream alone', () => {
  const { x, y } = numbers(50);
  const ds = Dataset.fromTensors([x, y]);
  const order = (d: typeof ds) => d.batch(50).toArray()[0][1];
  dt.seed(123);
  const before = values(dt.rand([3]));
  dt.seed(123);
  const a = values(order(ds.shuffle(7)));
  const after = values(dt.rand([3]));
  assert.deepEqual(after, before, 'a seeded shuffle does not consume the global stream');
  assert.deepEqual(values(order(ds.shuffle(7))), a);
  assert.notDeepEqual(values(order(ds.shuffle(8))), a);
  assert.notDeepEqual(a, Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual([...a].sort((p, q) => p - q), Array.from({ length: 50 }, (_, i) => i)); // a permutation
  // x rows move with their labels
  const [bx, by] = ds.shuffle(7).batch(50).toArray()[0];
  const xs = values(bx);
  values(by).forEach((label, i) => assert.deepEqual(xs.slice(2 * i, 2 * i + 2), [2 * label, 2 * label + 1]));
  // unseeded shuffles follow dt.seed
  dt.seed(5);
  const u1 = values(order(ds.shuffle()));
  dt.seed(5);
  assert.deepEqual(values(order(ds.shuffle())), u1);
});

test('take, skip and map (on elements or batches)', () => {
  const { x, y } = numbers(10);
  const ds = Dataset.fromTensors([x, y]);
  assert.deepEqual(ds.take(3).toArray().map((e) => e[1].item()), [0, 1, 2]);
  assert.deepEqual(ds.skip(8).toArray().map((e) => e[1].item()), [8, 9]);
  const batched = ds.batch(4);
  assert.equal(batched.take(2).length, 2);
  assert.deepEqual(values(batched.skip(2).toArray()[0][1]), [8, 9]);
  const doubled = batched.map(([bx, by]) => [dt.mul(bx, 2), by]);
  assert.deepEqual(values(doubled.toArray()[0][0]), [0, 2, 4, 6, 8, 10, 12, 14]);
  const twice = doubled.map(([bx, by]) => [dt.add(bx, 1), by]);
  assert.deepEqual(values(twice.toArray()[2][0]), [33, 35, 37, 39]);
  assert.equal(ds.take(0).length, 0);
});

test('a Dataset of real MNIST feeds trainOnBatch', () => {
  dt.seed(2);
  const { train } = dt.loadMnist({ layout: 'flat', limit: 256 });
  const model = dt.sequential([dt.layers.dense({ units: 10, activation: 'softmax', inputShape: [784] })]);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const ds = Dataset.fromTensors([train.x, train.y]).shuffle(1).batch(64);
  const losses: number[] = [];
  for (let epoch = 0; epoch < 3; epoch++) for (const [bx, by] of ds) losses.push(model.trainOnBatch(bx, by).loss);
  assert.equal(losses.length, 12);
  assert.ok(losses[11] < losses[0], `${losses[0]} -> ${losses[11]}`);
});

test('errors: different lengths, no sample axis, bad batch size', () => {
  assert.throws(() => Dataset.fromTensors([dt.zeros([3, 2]), dt.zeros([4])]), (e: Error) => e instanceof ShapeError && /different lengths \[3,4\]/.test(e.message));
  assert.throws(() => Dataset.fromTensors(dt.scalar(1)), /need a first \(sample\) axis/);
  assert.throws(() => Dataset.fromTensors(dt.zeros([3])).batch(0), (e: Error) => e instanceof ValueError && /size must be a positive integer, got 0/.test(e.message));
});

test('toCategorical one-hot encodes labels (like keras.utils.to_categorical)', () => {
  const t = dt.toCategorical([2, 0, 1]);
  assert.deepEqual(t.shape, [3, 3]);
  assert.equal(t.dtype, 'float32');
  assert.deepEqual(values(t), [0, 0, 1, 1, 0, 0, 0, 1, 0]);
  const fromTensor = dt.toCategorical(dt.tensor([[1], [3]], { dtype: 'int32' }), 5);
  assert.deepEqual(fromTensor.shape, [2, 1, 5]);
  assert.deepEqual(values(fromTensor), [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]);
  const mnistLabels = dt.loadMnist({ limit: 3 }).train.y;
  assert.deepEqual(values(dt.argmax(dt.toCategorical(mnistLabels, 10), 1)), [5, 0, 4]);
  assert.throws(() => dt.toCategorical([0, 4], 3), (e: Error) => e instanceof ValueError && /label 4 at position 1 is outside 0\.\.2/.test(e.message));
  assert.throws(() => dt.toCategorical([1, -1]), /label -1 at position 1/);
  assert.deepEqual(dt.toCategorical([]).shape, [0, 0]);
});
