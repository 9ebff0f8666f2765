/**
 * Models: Sequential and functional (multiple inputs/outputs, shared layers, nesting), summary, and the training
 * API on small real MNIST slices: fit → History, validation, seeded shuffling, evaluate, predict, trainOnBatch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../../src/index.js';
import { layers } from '../../src/index.js';
import { assertClose, values } from '../helpers/assert.js';
import { mnistSlice, onCpu, smallMlp, weightValues } from './helpers.js';

const { ValueError } = dt;

test('sequential: layers, getLayer by name and index, add/pop, predict shape', () => {
  const model = dt.sequential({ name: 'stack', layers: [layers.dense({ units: 6, activation: 'relu', inputShape: [4], name: 'hidden' })] });
  model.add(layers.dense({ units: 3, activation: 'softmax', name: 'probs' }));
  assert.deepEqual(model.layers.map((l) => l.name), ['hidden', 'probs']);
  assert.equal(model.getLayer('probs'), model.layers[1]);
  assert.equal(model.getLayer(0).name, 'hidden');
  assert.throws(() => model.getLayer('nope'), (e: Error) => e instanceof ValueError && /no layer named "nope" \(layers: hidden, probs\)/.test(e.message));
  assert.throws(() => model.getLayer(5), /out of range/);
  assert.deepEqual(model.outputShapes, [[null, 3]]);
  const p = model.predict(dt.randn([5, 4])) as dt.Tensor;
  assert.deepEqual(p.shape, [5, 3]);
  assertClose(dt.sum(p, 1), [1, 1, 1, 1, 1], { atol: 1e-6 });
  model.pop();
  model.add(layers.dense({ units: 2, name: 'two' }));
  assert.deepEqual((model.predict(dt.randn([5, 4])) as dt.Tensor).shape, [5, 2]);
});

test('sequential without an inputShape builds on its first call', () => {
  const model = dt.sequential([layers.dense({ units: 5 }), layers.dense({ units: 2 })]);
  assert.equal(model.built, false);
  assert.deepEqual((model.predict(dt.randn([3, 7])) as dt.Tensor).shape, [3, 2]);
  assert.equal(model.countParams(), 7 * 5 + 5 + 5 * 2 + 2);
});

test('functional: a shared layer used twice has its weights counted once', () => {
  const a = dt.input({ shape: [8], name: 'left' });
  const b = dt.input({ shape: [8], name: 'right' });
  const shared = layers.dense({ units: 4, activation: 'tanh', name: 'shared' });
  const ea = shared.apply(a);
  const eb = shared.apply(b);
  const head = layers.dense({ units: 1, name: 'head' });
  const outA = head.apply(ea);
  const model = dt.model({ inputs: [a, b], outputs: [outA, layers.dense({ units: 2, name: 'other' }).apply(eb)] });
  assert.equal(model.countParams(), 8 * 4 + 4 + 4 * 1 + 1 + 4 * 2 + 2);
  assert.equal(model.trainableWeights.length, 6);
  assert.equal(shared.inboundNodes.length, 2);
  const [pa, pb] = model.predict([dt.randn([3, 8]), dt.randn([3, 8])]) as dt.Tensor[];
  assert.deepEqual(pa.shape, [3, 1]);
  assert.deepEqual(pb.shape, [3, 2]);
  // the summary lists the shared layer once, connected to both inputs
  const text = model.summary({ print: () => {} });
  assert.match(text, /Connected to/);
  assert.match(text, /shared \(Dense\).*left\[0\]\[0\], right\[0\]\[0\]/);
  assert.match(text, /Total params: 51 /);
});

test('functional: multi-input, multi-output with per-output losses, loss weights and metrics', async () => {
  dt.seed(11);
  const { train } = mnistSlice(512);
  const n = 512;
  // second input: the image's mean brightness repeated; second target: that brightness (a regression)
  const brightness = dt.mean(train.x, 1, true);
  const extra = dt.tile(brightness, [1, 4]);
  const pixels = dt.input({ shape: [784], name: 'pixels' });
  const side = dt.input({ shape: [4], name: 'side' });
  const h = layers.dense({ units: 32, activation: 'relu' }).apply(pixels);
  const digits = layers.dense({ units: 10, activation: 'softmax', name: 'digits' }).apply(h);
  const merged = layers.dense({ units: 8, activation: 'relu' }).apply(side);
  const value = layers.dense({ units: 1, name: 'value' }).apply(merged);
  const model = dt.model({ inputs: [pixels, side], outputs: [digits, value], name: 'two_heads' });
  assert.deepEqual(model.outputNames, ['digits', 'value']);
  model.compile({
    optimizer: 'adam',
    loss: { digits: 'sparseCategoricalCrossentropy', value: 'mse' },
    lossWeights: { digits: 1, value: 0.5 },
    metrics: { digits: ['accuracy'] },
  });
  const history = await model.fit([train.x, extra], [train.y, brightness], { epochs: 2, batchSize: 64, verbose: 0 });
  assert.deepEqual(Object.keys(history.history).sort(), ['digits_accuracy', 'digits_loss', 'loss', 'value_loss']);
  const r = await model.evaluate([train.x, extra], [train.y, brightness], { batchSize: 128 });
  assert.deepEqual(Object.keys(r).sort(), ['digits_accuracy', 'digits_loss', 'loss', 'value_loss']);
  for (const v of Object.values(r)) assert.equal(typeof v, 'number');
  assertClose(r.loss, r.digits_loss + 0.5 * r.value_loss, { rtol: 1e-5 });
  assert.ok(r.digits_accuracy > 0.5, `digits accuracy ${r.digits_accuracy}`);
  const [p1, p2] = model.predict([train.x, extra], { batchSize: 100 }) as dt.Tensor[];
  assert.deepEqual(p1.shape, [n, 10]);
  assert.deepEqual(p2.shape, [n, 1]);
  assert.throws(() => model.compile({ loss: ['mse'] }), /loss has 1 entries for 2 outputs \(digits, value\)/);
});

test('a nested model works as a layer (in Sequential and functional models) and trains', async () => {
  const encoder = dt.sequential({ name: 'encoder', layers: [layers.dense({ units: 16, activation: 'relu', inputShape: [784] }), layers.dense({ units: 8, activation: 'relu' })] });
  const classifier = dt.sequential({ name: 'classifier', layers: [encoder, layers.dense({ units: 10, activation: 'softmax' })] });
  assert.equal(classifier.countParams(), encoder.countParams() + 8 * 10 + 10);
  const text = classifier.summary({ print: () => {} });
  assert.match(text, /encoder \(Sequential\)\s+│ \(None, 8\)\s+│\s+12,696 │/);
  const expanded = classifier.summary({ print: () => {}, expandNested: true });
  assert.match(expanded, /│ {3}dense_\d+ \(Dense\)/);

  const inp = dt.input({ shape: [784] });
  const fn = dt.model({ inputs: inp, outputs: layers.dense({ units: 10, activation: 'softmax' }).apply(encoder.apply(inp)) });
  assert.equal(fn.getLayer(encoder.name), encoder);
  assert.equal(fn.countParams(), classifier.countParams());

  classifier.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const before = weightValues(encoder);
  const { train } = mnistSlice(512);
  await classifier.fit(train.x, train.y, { epochs: 1, batchSize: 64, verbose: 0 });
  assert.notDeepEqual(weightValues(encoder), before);
  // the functional model shares the encoder, so it sees the trained weights
  assertClose(fn.predict(train.x.slice([{ stop: 1 }])) as dt.Tensor, dt.softmax(dt.matmul(encoder.predict(train.x.slice([{ stop: 1 }])) as dt.Tensor, fn.layers[fn.layers.length - 1].weights[0]).add(fn.layers[fn.layers.length - 1].weights[1]), -1), { atol: 1e-6 });
});

test('fit returns a History with loss, accuracy, val_loss, val_accuracy (validationSplit)', async () => {
  dt.seed(1);
  const { train } = mnistSlice(1000);
  const model = smallMlp();
  const h = await model.fit(train.x, train.y, { epochs: 3, batchSize: 50, validationSplit: 0.2, verbose: 0 });
  assert.ok(h instanceof dt.History);
  assert.deepEqual(h.epoch, [0, 1, 2]);
  assert.deepEqual(Object.keys(h.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
  for (const k of Object.keys(h.history)) assert.equal(h.history[k].length, 3);
  assert.ok(h.history.loss[2] < h.history.loss[0], `loss ${h.history.loss}`);
  assert.ok(h.history.val_accuracy[2] > 0.75, `val_accuracy ${h.history.val_accuracy}`);
  // the validation part is the last 20% (taken before shuffling), evaluated with the final weights
  const r = await model.evaluate(train.x.slice([{ start: 800 }]), train.y.slice([{ start: 800 }]), { batchSize: 50 });
  assertClose(h.history.val_loss[2], r.loss, { rtol: 1e-6 });
  assert.equal(h.history.val_accuracy[2], r.accuracy);
});

test('fit with validationData', async () => {
  dt.seed(2);
  const { train, test: testSet } = mnistSlice(500);
  const model = smallMlp();
  const h = await model.fit(train.x, train.y, { epochs: 2, batchSize: 100, validationData: [testSet.x, testSet.y], verbose: 0 });
  assert.deepEqual(Object.keys(h.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
  const r = await model.evaluate(testSet.x, testSet.y, { batchSize: 100 });
  assertClose(h.history.val_loss[1], r.loss, { rtol: 1e-6 });
  assert.equal(h.history.val_accuracy[1], r.accuracy);
  await assert.rejects(model.fit(train.x, train.y, { validationSplit: 1.5, verbose: 0 }), /validationSplit must be between 0 and 1/);
});

test('shuffling is seeded: the same seed gives identical weights after fit, another seed does not', async () => {
  const { train } = mnistSlice(300);
  const run = async (seed: number, shuffle = true): Promise<number[][]> => {
    dt.seed(seed);
    const model = smallMlp(16, { dropout: 0.2 });
    await model.fit(train.x, train.y, { epochs: 2, batchSize: 32, shuffle, verbose: 0 });
    return weightValues(model);
  };
  const a = await run(42);
  const b = await run(42);
  assert.deepEqual(a, b);
  const c = await run(43);
  assert.notDeepEqual(a, c);
});

test('evaluate returns plain numbers {loss, accuracy}', async () => {
  dt.seed(4);
  const { train, test: testSet } = mnistSlice(400);
  const model = smallMlp();
  await model.fit(train.x, train.y, { epochs: 2, batchSize: 40, verbose: 0 });
  const r = await model.evaluate(testSet.x, testSet.y, { batchSize: 64 });
  assert.deepEqual(Object.keys(r).sort(), ['accuracy', 'loss']);
  assert.equal(typeof r.loss, 'number');
  assert.equal(typeof r.accuracy, 'number');
  assert.ok(r.accuracy > 0.4 && r.accuracy <= 1, `accuracy ${r.accuracy}`);
  // the accuracy is the share of argmax predictions equal to the labels, over all samples (not a batch mean)
  const pred = dt.argmax(model.predict(testSet.x) as dt.Tensor, 1);
  const hits = values(dt.equal(pred, testSet.y)).filter((v) => v).length;
  assert.equal(r.accuracy, hits / 400);
  // batch size does not change the result
  const r2 = await model.evaluate(testSet.x, testSet.y, { batchSize: 400 });
  assertClose(r2.loss, r.loss, { rtol: 1e-5 });
  assert.equal(r2.accuracy, r.accuracy);
});

test('predict: shape, and batching does not change the result (batchSize 7 equals one big batch)', async () => {
  // bit for bit on the CPU backend; within float32 rounding on the default backend
  await onCpu(() => checkPredictBatching(true));
  if (dt.getBackend().name !== 'cpu') checkPredictBatching(false);
});

function checkPredictBatching(exact: boolean): void {
  dt.seed(6);
  const { test: testSet } = mnistSlice(100);
  const model = smallMlp();
  const big = model.predict(testSet.x, { batchSize: 100 }) as dt.Tensor;
  const small = model.predict(testSet.x, { batchSize: 7 }) as dt.Tensor;
  const dflt = model.predict(testSet.x) as dt.Tensor;
  assert.deepEqual(big.shape, [100, 10]);
  assert.deepEqual(small.shape, [100, 10]);
  if (exact) assert.deepEqual(values(small), values(big));
  else assertClose(small, big, { rtol: 1e-5, atol: 1e-7 });
  assertClose(dflt, big, { rtol: 1e-5, atol: 1e-7 });
  // plain arrays work as input too
  const one = model.predict([Array.from(testSet.x.slice([{ stop: 1 }]).dataSync())]) as dt.Tensor;
  assertClose(one, big.slice([{ stop: 1 }]), { rtol: 1e-5, atol: 1e-7 });
}

test('trainOnBatch: one update per call, returns the batch loss and metrics', () => {
  dt.seed(8);
  const { train } = mnistSlice(64);
  const model = smallMlp(16);
  const before = weightValues(model);
  const first = model.trainOnBatch(train.x, train.y);
  assert.deepEqual(Object.keys(first).sort(), ['accuracy', 'loss']);
  assert.notDeepEqual(weightValues(model), before);
  assert.equal(model.optimizer!.iterations, 1);
  let last = first;
  for (let i = 0; i < 20; i++) last = model.trainOnBatch(train.x, train.y);
  assert.equal(model.optimizer!.iterations, 21);
  assert.ok(last.loss < first.loss * 0.75, `loss ${first.loss} -> ${last.loss}`);
  const t = model.testOnBatch(train.x, train.y);
  assert.ok(t.loss <= last.loss * 1.5);
  assert.equal(model.optimizer!.iterations, 21);
});

test('compile accepts names or objects for optimizer, loss and metrics', async () => {
  dt.seed(9);
  const { train } = mnistSlice(200);
  const model = dt.sequential([layers.dense({ units: 10, activation: 'softmax', inputShape: [784] })]);
  model.compile({ optimizer: new dt.SGD({ learningRate: 0.5 }), loss: new dt.losses.SparseCategoricalCrossentropy(), metrics: [new dt.metrics.SparseCategoricalAccuracy({ name: 'acc' }), 'sparseTopKCategoricalAccuracy'] });
  const h = await model.fit(train.x, train.y, { epochs: 2, batchSize: 50, verbose: 0 });
  assert.deepEqual(Object.keys(h.history).sort(), ['acc', 'loss', 'sparseTopKCategoricalAccuracy']);
  assert.equal(model.optimizer!.learningRate, 0.5);
  // one-hot targets with categoricalCrossentropy by name
  const one = dt.sequential([layers.dense({ units: 10, activation: 'softmax', inputShape: [784] })]);
  one.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const r = await one.evaluate(train.x, dt.toCategorical(train.y, 10));
  assert.ok(r.loss > 1.5 && r.accuracy < 0.5);
});
