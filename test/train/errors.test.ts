/** Bad inputs give clear, typed errors that name what is wrong. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { layers } from '../../src/index.js';

const { DeeptsError, ShapeError, ValueError } = dt;

function mlp(): dt.Sequential {
  return dt.sequential({ name: 'mlp', layers: [layers.dense({ units: 8, activation: 'relu', inputShape: [784], name: 'hidden' }), layers.dense({ units: 10, activation: 'softmax', name: 'probs' })] });
}
const matches = (type: new (...a: never[]) => Error, re: RegExp) => (e: unknown) => e instanceof type && re.test((e as Error).message);

test('fit / evaluate / predict before compile say to call compile first', async () => {
  const m = mlp();
  await assert.rejects(m.fit(dt.zeros([4, 784]), dt.zeros([4], 'int32')), matches(DeeptsError, /^mlp\.fit: call compile\(\{optimizer, loss, metrics\}\) first$/));
  await assert.rejects(m.evaluate(dt.zeros([4, 784]), dt.zeros([4], 'int32')), /mlp\.evaluate: call compile/);
  assert.throws(() => m.trainOnBatch(dt.zeros([4, 784]), dt.zeros([4], 'int32')), /mlp\.trainOnBatch: call compile/);
  // predict needs no compile
  assert.deepEqual((m.predict(dt.zeros([2, 784])) as dt.Tensor).shape, [2, 10]);
});

test('x and y with different sample counts', async () => {
  const m = mlp();
  m.compile({ loss: 'sparseCategoricalCrossentropy' });
  await assert.rejects(m.fit(dt.zeros([4, 784]), dt.zeros([5], 'int32'), { verbose: 0 }), matches(ShapeError, /^fit: x has 4 samples but y has 5 \(shapes \[4,784\] and \[5\]\)$/));
  await assert.rejects(m.evaluate(dt.zeros([4, 784]), dt.zeros([3], 'int32')), matches(ShapeError, /evaluate: x has 4 samples but y has 3/));
  await assert.rejects(m.fit(dt.zeros([4, 784]), dt.zeros([4], 'int32'), { validationData: [dt.zeros([2, 784]), dt.zeros([3], 'int32')], verbose: 0 }), /fit validationData: x has 2 samples but y has 3/);
  assert.throws(() => m.trainOnBatch(dt.zeros([4, 784]), dt.zeros([6], 'int32')), /trainOnBatch: x has 4 samples but y has 6/);
});

test('a wrong input shape names the layer and both shapes', async () => {
  const m = mlp();
  m.compile({ loss: 'sparseCategoricalCrossentropy' });
  const re = /^mlp: input of layer "hidden": expected input of shape \(None, 784\), got \[4,28,28\]$/;
  assert.throws(() => m.predict(dt.zeros([4, 28, 28])), matches(ShapeError, re));
  await assert.rejects(m.fit(dt.zeros([4, 28, 28]), dt.zeros([4], 'int32'), { verbose: 0 }), matches(ShapeError, re));
  await assert.rejects(m.evaluate(dt.zeros([4, 28, 28]), dt.zeros([4], 'int32')), matches(ShapeError, re));

  const a = dt.input({ shape: [3], name: 'features' });
  const b = dt.input({ shape: [2], name: 'extra' });
  const f = dt.model({ inputs: [a, b], outputs: layers.dense({ units: 1 }).apply(a), name: 'fn' });
  assert.throws(() => f.predict([dt.zeros([4, 3]), dt.zeros([4, 5])]), matches(ShapeError, /^fn input "extra": expected input of shape \(None, 2\), got \[4,5\]$/));
  assert.throws(() => f.predict(dt.zeros([4, 3])), matches(ValueError, /fn: expected 2 input tensor\(s\), got 1/));

  // a layer built for one size, called with another
  const d = layers.dense({ units: 2, name: 'd2' });
  d.apply(dt.zeros([1, 3]));
  assert.throws(() => d.apply(dt.zeros([1, 4])), matches(ShapeError, /d2: expected inputs with last dimension 3, got \[1,4\]/));
});

test('unknown loss, metric and optimizer names list the known ones', () => {
  const m = mlp();
  assert.throws(() => m.compile({ loss: 'crossentropyy' }), matches(ValueError, /^unknown loss "crossentropyy" \(known: .*sparseCategoricalCrossentropy.*\)$/));
  assert.throws(() => m.compile({ loss: 'mse', metrics: ['acuracy'] }), matches(ValueError, /unknown metric "acuracy" \(known: .*accuracy/));
  assert.throws(() => m.compile({ loss: 'mse', optimizer: 'adamm' }), matches(ValueError, /unknown optimizer "adamm" \(known: SGD, RMSprop, Adam/));
  assert.throws(() => m.compile(undefined as never), /a loss is required/);
});

test('targets that do not fit the loss or the outputs', async () => {
  const m = mlp();
  m.compile({ loss: 'sparseCategoricalCrossentropy' });
  await assert.rejects(m.fit(dt.zeros([4, 784]), dt.zeros([4, 10]), { verbose: 0 }), matches(ShapeError, /for one-hot targets use categoricalCrossentropy/));
  const a = dt.input({ shape: [3] });
  const two = dt.model({ inputs: a, outputs: [layers.dense({ units: 1, name: 'o1' }).apply(a), layers.dense({ units: 1, name: 'o2' }).apply(a)] });
  two.compile({ loss: 'mse' });
  await assert.rejects(two.fit(dt.zeros([4, 3]), dt.zeros([4, 1]), { verbose: 0 }), /the model has 2 output\(s\) but 1 target array\(s\) were given/);
});

test('bad fit arguments', async () => {
  const m = mlp();
  m.compile({ loss: 'sparseCategoricalCrossentropy' });
  const x = dt.zeros([4, 784]);
  const y = dt.zeros([4], 'int32');
  await assert.rejects(m.fit(x, y, { batchSize: 0, verbose: 0 }), matches(ValueError, /batchSize must be a positive integer, got 0/));
  await assert.rejects(m.fit(x, y, { epochs: 1.5, verbose: 0 }), /epochs must be a non-negative integer, got 1\.5/);
  await assert.rejects(m.fit(x, y, { validationSplit: 0.9, verbose: 0 }), /validationSplit 0\.9 of 4 samples leaves an empty part/);
  await assert.rejects(m.fit(dt.scalar(1), y, { verbose: 0 }), /inputs need a batch axis/);
  assert.throws(() => layers.dense({ units: 0 }), /units must be a positive integer, got 0/);
  assert.throws(() => layers.dropout({ rate: 1 }), /rate must be in \[0, 1\), got 1/);
  assert.throws(() => dt.input({} as never), /give the shape of one sample/);
});
